"""The keyer alone (no weights) says when its mask's shape is in doubt (issue 12: never a bad cut-out as a plain success).

Two kinds measured without weights (docs/evaluation.md): a subject the backdrop's colour reached from the frame's
sides and cut away as backdrop (studio_synth 00246, a white jacket on white paper, IoU 0.697: ``backdrop-detail``,
the jacket's folds left in the background), and an island of the room kept far from the subject (humanseg 057, a
strip of window: ``detached-part``). Every input is generated here: a bust on near-white paper.
"""

from __future__ import annotations

import cv2
import numpy as np

import studiocomp
from studiocomp.backends.segment.studio import StudioSegmenter


def bust(jacket: tuple[float, float, float], *, folds: bool = True, island: bool = False, h: int = 240, w: int = 320) -> tuple[np.ndarray, np.ndarray]:
    """A head and shoulders on near-white paper, the jacket reaching the frame's sides and bottom. (image, truth mask)."""
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.empty((h, w, 3), np.float32)
    image[:] = (0.90, 0.92, 0.93)
    head = ((yy - 80) / 48.0) ** 2 + ((xx - 160) / 38.0) ** 2 <= 1
    neck = (np.abs(xx - 160) < 18) & (yy > 110) & (yy < 160)
    body = ((yy - 260) / 100.0) ** 2 + ((xx - 160) / 190.0) ** 2 <= 1
    image[body] = jacket
    if folds:  # a jacket's folds: thin grey lines, the only detail a white jacket on white paper shows
        for x0 in (40, 75, 245, 280):
            cv2.line(image, (x0, h), (x0 + (160 - x0) // 3, 185), (0.55, 0.55, 0.55), 1)
    image[head | neck] = (0.85, 0.62, 0.5)
    if island:  # a dark strip floating beside the head (a window's frame in the room behind)
        image[60:100, 20:30] = (0.3, 0.3, 0.35)
    image = cv2.GaussianBlur(image, (0, 0), 0.7) + np.random.default_rng(0).normal(0, 0.004, image.shape).astype(np.float32)
    return np.clip(image, 0, 1).astype(np.float32), head | neck | body


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


WHITE = (0.92, 0.92, 0.93)
NAVY = (0.15, 0.2, 0.4)


class TestKeyerShapeDoubts:
    def test_a_white_jacket_cut_away_as_backdrop_is_flagged(self) -> None:
        image, truth = bust(WHITE)
        mask, warnings = StudioSegmenter(prior=None).segment_assessed(image)
        codes = {w.code: w for w in warnings}
        assert iou(mask, truth) < 0.5  # the kind: the keyer takes the jacket for paper
        assert "backdrop-detail" in codes and codes["backdrop-detail"].uncertain

    def test_the_pipeline_reports_it_uncertain(self) -> None:
        result = studiocomp.Pipeline(segmenter=StudioSegmenter(prior=None), matter="unmix")(bust(WHITE)[0])
        assert result.uncertain and "backdrop-detail" in [w.code for w in result.warnings]

    def test_an_island_far_from_the_subject_is_flagged(self) -> None:
        image, truth = bust(NAVY, island=True)
        mask, warnings = StudioSegmenter(prior=None).segment_assessed(image)
        codes = {w.code: w for w in warnings}
        assert iou(mask, truth) > 0.95 and mask[60:100, 20:30].mean() > 0.5  # the kind: the subject right, the island kept
        assert "detached-part" in codes and codes["detached-part"].uncertain
        assert "backdrop-detail" not in codes

    def test_a_dark_jacket_is_not_flagged(self) -> None:
        image, truth = bust(NAVY)
        mask, warnings = StudioSegmenter(prior=None).segment_assessed(image)
        assert iou(mask, truth) > 0.95 and [w.code for w in warnings] == ["no-prior"]

    def test_generated_studio_shots_are_not_flagged(self) -> None:
        seg = StudioSegmenter(prior=None)
        for seed in range(6):
            image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=seed)
            codes = [w.code for w in seg.segment_assessed(image)[1]]
            assert "backdrop-detail" not in codes and "detached-part" not in codes, (seed, codes)

    def test_with_a_prior_the_shape_checks_do_not_run(self) -> None:
        from studiocomp.backends.segment.studio import keyer_warnings

        analysis = StudioSegmenter(prior=None).keyer.analyse(bust(WHITE)[0])
        assert "backdrop-detail" not in [w.code for w in keyer_warnings(analysis)]
        assert "backdrop-detail" in [w.code for w in keyer_warnings(analysis, decides=True)]
