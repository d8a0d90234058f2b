"""The studio preset on ../shared/data/studio_synth (80 real subjects, exact alpha).

Measured 2026-11-22: mean IoU 0.978, median 0.991; mean SAD (÷1000) portrait 5.5,
object 12.1. The bounds below leave a small margin under those figures.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests.conftest import shared_path

import studiocomp

pytestmark = [pytest.mark.data]


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple[float, float, str]]:
    root = shared_path("data", "studio_synth")
    attrs = json.loads((root / "attributes.json").read_text())
    pipe = studiocomp.Pipeline.preset("studio")
    out = {}
    for name, meta in sorted(attrs.items()):
        result = pipe(root / "image" / f"{name}.jpg")
        truth = studiocomp.load_image(root / "alpha" / f"{name}.png")[..., 0]
        pred, gt = result.alpha > 0.5, truth > 0.5
        iou = float((pred & gt).sum() / max(1, (pred | gt).sum()))
        sad = float(np.abs(result.alpha - truth).sum() / 1000)
        out[name] = (iou, sad, meta["subject"])
    return out


def test_iou_bounds(scores: dict[str, tuple[float, float, str]]) -> None:
    ious = np.array([s[0] for s in scores.values()])
    assert len(ious) == 80
    assert ious.mean() >= 0.975, ious.mean()
    assert np.median(ious) >= 0.988, np.median(ious)


def test_sad_per_subject_type(scores: dict[str, tuple[float, float, str]]) -> None:
    by_type: dict[str, list[float]] = {}
    for _, sad, subject in scores.values():
        by_type.setdefault(subject, []).append(sad)
    assert set(by_type) == {"portrait", "object"}
    assert np.mean(by_type["portrait"]) < 7.0
    assert np.mean(by_type["object"]) < 14.0


def test_clean_plate_capture() -> None:
    """Real hand-held capture + its clean plate: the plate is aligned and used."""
    root = shared_path("data", "composite_assets", "bgmatting_captures")
    image = studiocomp.load_image(root / "image" / "0001.png")
    keyer = studiocomp.create("segmenter", "backdrop", plate=root / "plate.png")
    mask = keyer.segment(image)
    h, w = mask.shape
    frac = mask.mean()
    assert 0.05 < frac < 0.6, frac  # one half-body person, not everything or nothing
    assert not mask[: h // 10, : w // 10].any() and not mask[: h // 10, -w // 10 :].any()  # top corners are background
