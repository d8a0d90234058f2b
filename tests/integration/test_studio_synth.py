"""The studio preset on ../shared/data/studio_synth (80 real subjects, exact alpha).

Measured 2026-11-22 with the evaluation harness (keyer preset): mean IoU 0.978, median 0.991;
mean SAD (÷1000) portrait 5.5, object 12.1. 2026-11-30, the hybrid preset with the person
models seeded from ../shared/weights: mean IoU 0.984. The bounds below leave a small margin
under those figures; the fixture seeds the weights so the preset runs as a user's would.
"""

from __future__ import annotations

import csv
from typing import Any

import numpy as np
import pytest
from tests.conftest import shared_path

import studiocomp

pytestmark = [pytest.mark.data]


def _quarter() -> list[str]:
    """Every fourth sample by name: 15 portraits and 5 objects, a quarter of the time of the whole set.

    Measured 2026-12-01 (hybrid preset, person models seeded): mean IoU 0.9904, median 0.9942, mean SAD (÷1000)
    portrait 2.15, object 8.45; every second sample (the default run before): 0.9903, 0.9933, 2.72, 7.00.
    """
    from studiocomp.evaluate import load_dataset

    return [s.name for s in load_dataset(shared_path("data", "studio_synth"))][::4]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, hub_cache: Any) -> Any:
    """One run of the evaluation harness (``studiocomp eval``) over a quarter of the set (the whole set: the slow test)."""
    from studiocomp.evaluate import evaluate

    root = shared_path("data", "studio_synth")
    return evaluate(root, "studio", output=tmp_path_factory.mktemp("eval"), gallery=6, names=_quarter())


def test_iou_bounds(report: Any) -> None:
    ious = np.array([r["iou"] for r in report.rows])
    assert len(ious) == 20 and not report.failures
    assert ious.mean() >= 0.975, ious.mean()
    assert np.median(ious) >= 0.988, np.median(ious)
    assert report.summary["iou"]["mean"] == pytest.approx(ious.mean())


@pytest.mark.slow
def test_iou_bounds_whole_set(tmp_path: Any, hub_cache: Any) -> None:
    from studiocomp.evaluate import evaluate

    report = evaluate(shared_path("data", "studio_synth"), "studio", progress=False, gallery=0)
    ious = np.array([r["iou"] for r in report.rows])
    assert len(ious) == 80 and not report.failures
    assert ious.mean() >= 0.978 and np.median(ious) >= 0.988, (ious.mean(), np.median(ious))


def test_sad_per_subject_type(report: Any) -> None:
    by_subject = report.by_attribute["subject"]
    assert set(by_subject) == {"portrait", "object"}
    assert by_subject["portrait"]["sad_thousands"] < 7.0
    assert by_subject["object"]["sad_thousands"] < 14.0


def test_harness_writes_its_report(report: Any) -> None:
    names = {p.name for p in report.files}
    assert names == {"per_image.csv", "by_attribute.csv", "summary.json", "summary.md", "gallery.png"}
    folder = report.files[0].parent
    with open(folder / "per_image.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 20 and {"subject", "backdrop", "iou", "boundary_f1", "hausdorff95_px", "sad_thousands", "t_segmenter"} <= set(rows[0])
    assert set(report.by_attribute) >= {"subject", "backdrop"}
    assert sum(int(g["n"]) for g in report.by_attribute["backdrop"].values()) == 20
    gallery = studiocomp.load_image(folder / "gallery.png")
    assert gallery.shape[0] > 6 * 200  # six rows of tiles
    assert "By backdrop" in (folder / "summary.md").read_text()


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
