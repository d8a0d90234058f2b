"""A hole the matter cuts into the person is reported (``subject-hole``), gaps it opens to the outside are not.

The kind (fresh-eyes user, 2026-12-01): the ``portrait`` preset cut a hole through a woman's striped dress
(humanseg 273), the hair under a crown (pfcn 00160) and a white shirt-front (097) with no warning at all.
Every input is generated here; the segmenter and matter are stand-ins with known outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import studiocomp
from studiocomp.pipeline import HOLE_LIMIT, assess_holes
from studiocomp.types import Matte


def person(h: int = 240, w: int = 180) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    head = ((yy - 60) / 30.0) ** 2 + ((xx - 90) / 24.0) ** 2 <= 1
    body = ((yy - 190) / 90.0) ** 2 + ((xx - 90) / 70.0) ** 2 <= 1
    return head | body


class Fixed:
    """A segmenter or matter that returns what it was given."""

    def __init__(self, mask: np.ndarray, alpha: np.ndarray | None = None) -> None:
        self.mask, self.alpha = mask, alpha

    def segment(self, image: Any) -> np.ndarray:
        return self.mask.copy()

    def matte(self, image: Any, mask: Any = None) -> Matte:
        assert self.alpha is not None
        return Matte(alpha=self.alpha.copy(), foreground=np.asarray(image, np.float32).copy())


def run(mask: np.ndarray, alpha: np.ndarray) -> list[str]:
    image = np.full(mask.shape + (3,), 0.5, np.float32)
    result = studiocomp.Pipeline(segmenter=Fixed(mask), matter=Fixed(mask, alpha), relighter=None, shadow_caster=None)(image)
    return [w.code for w in result.warnings]


def test_a_hole_inside_the_person_is_reported() -> None:
    mask = person()
    alpha = mask.astype(np.float32)
    alpha[150:180, 75:105] = 0.0  # a hole through the torso (900 px of about 23,000)
    assert "subject-hole" in run(mask, alpha)
    (warning,) = assess_holes(mask, alpha)
    assert warning.uncertain and 0.03 < warning.value < 0.05


def test_trimming_the_outline_or_opening_a_gap_to_the_frame_is_not_a_hole() -> None:
    mask = person()
    trimmed = mask.astype(np.float32)
    trimmed[:, 150:] = 0.0  # the matter cut the body's side: it reaches the outline
    assert assess_holes(mask, trimmed) == []
    gap = mask.astype(np.float32)
    gap[200:, 85:95] = 0.0  # between the legs, open to the frame's bottom edge
    assert assess_holes(mask, gap) == []
    specks = mask.astype(np.float32)
    specks[150:200:6, 60:120:6] = 0.0  # many one-pixel gaps (curls), each far under the limit, together over it
    assert (specks[mask] < 0.5).sum() > 0
    assert assess_holes(mask, specks) == []
    assert "subject-hole" not in run(mask, mask.astype(np.float32))


def test_a_hole_under_the_limit_is_not_reported() -> None:
    mask = person()
    alpha = mask.astype(np.float32)
    side = int(np.sqrt(0.5 * HOLE_LIMIT * mask.sum()))
    alpha[160 : 160 + side, 90 : 90 + side] = 0.0
    assert assess_holes(mask, alpha) == []
