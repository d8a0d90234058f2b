"""``studiocomp demo``: a generated studio shot, cut out and composited everywhere."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ._ops import label_tile
from .backgrounds import PRESETS
from .image import save_image
from .pipeline import Pipeline
from .synthetic import studio_shot

__all__ = ["run_demo"]


def run_demo(output: Path, size: tuple[int, int] = (1200, 900), seed: int = 7) -> list[Path]:
    """Write ``input.png``, ``cutout.png``, one composite per background preset and ``sheet.png``.

    The sheet shows input, alpha and every composite side by side, for a look
    at the result without opening each file.

    Parameters
    ----------
    output : pathlib.Path
        Folder (created if missing).
    size : (int, int)
        (H, W) of the generated studio shot.
    seed : int
        Seed of the generated shot.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    image, _ = studio_shot(size, seed=seed)
    pipe = Pipeline.preset("studio")
    written = [save_image(output / "input.png", image)]
    tiles = [label_tile(image, "input"), None]
    first = None
    for name in PRESETS:
        result = pipe(image, background=name)
        if first is None:
            first = result
            written.append(save_image(output / "cutout.png", result.foreground, result.alpha))
            tiles[1] = label_tile(np.repeat(result.alpha[..., None], 3, axis=2), "alpha")
        written.append(save_image(output / f"composite-{name}.png", result.composite))
        tiles.append(label_tile(result.composite, name))
    small = [cv2.resize(t, (300, round(300 * size[0] / size[1])), interpolation=cv2.INTER_AREA) for t in tiles if t is not None]
    while len(small) % 3:
        small.append(np.ones_like(small[0]))
    rows = [np.hstack(small[i : i + 3]) for i in range(0, len(small), 3)]
    written.append(save_image(output / "sheet.png", np.vstack(rows)))
    return written
