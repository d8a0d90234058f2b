"""One person model failing in its own way is outvoted by the two that agree (issue 12, greyscale photos).

The kind: on a greyscale photo one of the three person models can lose half the person (MODNet on humanseg
011 in greyscale lost the jacket and half the face) while the other two agree. Judged by the *worst* pair,
the prior looked lost, so on a clean backdrop the keyer decided the shape, and a keyer without colour cut
holes into the face (IoU 0.80 against 0.96 in colour). The outvoted model is now left out instead.

Every input is generated here: a white jacket on white paper (the keyer cannot see it), and three fake
person models registered as segmenters.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import studiocomp
from studiocomp.backends.segment.ensemble import PersonEnsemble
from studiocomp.backends.segment.studio import StudioSegmenter


def white_on_white(h: int = 240, w: int = 180) -> tuple[np.ndarray, np.ndarray]:
    """A near-white subject (0.95) on near-white paper (0.93): only a person model can see its shape."""
    yy, xx = np.mgrid[0:h, 0:w]
    head = ((yy - 60) / 30.0) ** 2 + ((xx - 90) / 24.0) ** 2 <= 1
    body = ((yy - 175) / 75.0) ** 2 + ((xx - 90) / 65.0) ** 2 <= 1
    alpha = cv2.GaussianBlur((head | body).astype(np.float32), (0, 0), 0.7)
    rng = np.random.default_rng(0)
    image = 0.95 * alpha[..., None] + 0.93 * (1 - alpha[..., None]) + rng.normal(0, 0.004, (h, w, 3))
    return np.clip(image, 0, 1).astype(np.float32), alpha


def make_member(truth: np.ndarray, drop_lower: float = 0.0, grow: int = 0) -> type:
    """A fake person model: the truth blurred as a small network sees it, optionally losing the lower part."""

    class Member:
        def __init__(self, device: str = "auto", threads: int | None = None, weights: object = None) -> None:
            p = truth.astype(np.float32).copy()
            if grow:
                p = cv2.dilate(p, np.ones((3, 3), np.uint8), iterations=grow)
            if drop_lower:
                p[int(p.shape[0] * (1 - drop_lower)) :] = 0.0
            self.p = cv2.GaussianBlur(p, (0, 0), 1.0)

        def predict_probability(self, image: np.ndarray) -> np.ndarray:
            return self.p

        probability = predict_probability

        def segment(self, image: np.ndarray) -> np.ndarray:
            return self.p > 0.5

    return Member


@pytest.fixture
def members() -> tuple[np.ndarray, np.ndarray, tuple[str, str, str]]:
    image, alpha = white_on_white()
    studiocomp.register("segmenter", "test-member-a", make_member(alpha), overwrite=True)
    studiocomp.register("segmenter", "test-member-b", make_member(alpha, grow=1), overwrite=True)
    studiocomp.register("segmenter", "test-member-drops", make_member(alpha, drop_lower=0.45), overwrite=True)
    return image, alpha, ("test-member-a", "test-member-drops", "test-member-b")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_the_model_that_drops_half_the_person_is_outvoted(members) -> None:  # type: ignore[no-untyped-def]
    image, alpha, names = members
    ens = PersonEnsemble(members=names, working_side=240)
    maps = ens.member_probabilities(image)
    assert PersonEnsemble.outlier(maps) == "test-member-drops"
    prob, warnings = ens.probability_small(image)
    codes = {w.code: w for w in warnings}
    assert "prior-outlier" in codes and not codes["prior-outlier"].uncertain
    assert "test-member-drops" in codes["prior-outlier"].message
    assert "prior-disagreement" not in codes  # the two left agree
    assert iou(prob > 0.5, alpha > 0.5) > 0.97  # the mean of all three lost most of the body's lower part


def test_no_outlier_when_all_agree_or_none_do(members) -> None:  # type: ignore[no-untyped-def]
    image, alpha, names = members
    truth = alpha.astype(np.float32)
    agree = {"a": truth, "b": truth, "c": cv2.dilate(truth, np.ones((3, 3), np.uint8))}
    assert PersonEnsemble.outlier(agree) is None
    lost = {"a": truth, "b": np.roll(truth, 60, axis=1), "c": np.roll(truth, -60, axis=0)}
    assert PersonEnsemble.outlier(lost) is None
    assert PersonEnsemble.outlier({"a": truth, "b": np.zeros_like(truth)}) is None  # two members: no majority


def test_an_outvoted_model_does_not_hand_the_shape_to_the_keyer(members) -> None:  # type: ignore[no-untyped-def]
    image, alpha, names = members
    seg = StudioSegmenter(prior=PersonEnsemble(members=names, working_side=240))
    mask, warnings = seg.segment_assessed(image)
    # the keyer cannot see a white jacket on white paper; before, the "lost" prior let it decide (IoU ~0.2)
    assert iou(mask, alpha > 0.5) > 0.95, [str(w) for w in warnings]
