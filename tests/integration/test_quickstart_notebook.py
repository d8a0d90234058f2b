"""examples/quickstart.ipynb runs from top to bottom, and what it shows is right (the picture a new user sees first)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


def run_notebook(path: Path) -> dict[str, Any]:
    """Execute the code cells in order in one namespace (as a kernel would); the namespace at the end."""
    nb = json.loads(path.read_text())
    ns: dict[str, Any] = {"__name__": "__main__"}
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        assert not cell["outputs"], "the notebook is stored without outputs (run it to see them)"
        exec(compile("".join(cell["source"]), f"{path.name}[code cell {i}]", "exec"), ns)
    return ns


def test_quickstart_notebook_runs_and_shows_the_real_photo(hub_cache: Path) -> None:
    ns = run_notebook(NOTEBOOK)
    result, photo = ns["result"], ns["photo"]
    assert photo.shape == (512, 512, 3)
    assert not result.uncertain, result.warnings
    # the person is cut out whole: the head's top is near the photo's, and the background is gone at the corners
    assert 0.25 < float((result.alpha > 0.5).mean()) < 0.75
    assert result.alpha[:40, -40:].max() < 0.05 and result.alpha[-5:, :20].max() < 0.5  # no flag, no rocket
    # the crops the notebook shows are where it says: the hair box holds both subject and background
    hair = result.alpha[max(ns["top"] - 10, 0) : ns["top"] + 90, max(ns["left"] - 30, 0) : ns["left"] + 70]
    assert 0.2 < float((hair > 0.5).mean()) < 0.8
    # the finishing keeps the person as shot (issue 13's bounds)
    photo_f = photo.astype(np.float32) / 255
    assert ns["metrics"].sharpness_ratio(result.composite, photo_f, result.alpha) >= 0.9
    assert ns["metrics"].color_shift(result.composite, photo_f, result.alpha) <= 2.0
    assert ns["scores"]["iou"] > 0.97
    # the images the notebook displays are images
    assert ns["side_by_side"]((0, 0, 50, 60), photo, photo).size == (2 * 2 * 64, 2 * 50)

