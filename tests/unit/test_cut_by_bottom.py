"""Feet grazing the frame's bottom edge are not a cut subject; a torso or legs cut by it are.

Generated standing silhouettes (head, torso, hanging arms, two legs, two shoes), framed so that the bottom
edge grazes the soles, cuts the legs at the knees or the torso at the waist. A real case: humanseg 135, a
whole person whose left shoe touches the bottom edge, was laid on the bottom edge like a bust (placement)
and cast no floor shadow.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studiocomp.placement import Placement, subject_extent
from studiocomp.registry import create

H_PERSON = 600  # pixels, top of the head to the soles
SOLE = 590  # the lowest row of the lower shoe, in the person's own drawing


def person(lift: int = 8, arms: str = "down") -> np.ndarray:
    """A 640×400 float32 alpha of a standing person; the right shoe's sole is ``lift`` px above the left's (row SOLE)."""
    a = np.zeros((640, 400), np.uint8)
    cv2.circle(a, (200, 50), 38, 1, -1)  # head
    cv2.rectangle(a, (185, 85), (215, 105), 1, -1)  # neck
    cv2.ellipse(a, (200, 200), (75, 110), 0, 0, 360, 1, -1)  # torso
    if arms == "down":
        cv2.rectangle(a, (108, 115), (128, 330), 1, -1)
        cv2.rectangle(a, (272, 115), (292, 330), 1, -1)
    cv2.rectangle(a, (158, 290), (196, SOLE - 25), 1, -1)  # left leg
    cv2.rectangle(a, (204, 290), (242, SOLE - 25 - lift), 1, -1)  # right leg
    cv2.ellipse(a, (172, SOLE - 14), (24, 14), 0, 0, 360, 1, -1)  # left shoe (its sole at row SOLE)
    cv2.ellipse(a, (228, SOLE - 14 - lift), (24, 14), 0, 0, 360, 1, -1)
    return a.astype(np.float32)


def framed(bottom_row: int, **kw: object) -> np.ndarray:
    """The person seen in a frame whose last row is ``bottom_row`` of the drawing."""
    return np.ascontiguousarray(person(**kw)[: bottom_row + 1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "alpha", "cut"),
    [
        ("sole grazing, the other foot just above", framed(SOLE), False),
        ("both soles grazing", framed(SOLE, lift=0), False),
        ("soles grazing, arms out of the way", framed(SOLE, arms="up"), False),
        ("sole cut by 3 px", framed(SOLE - 3), False),
        ("legs cut at the knees", framed(450), True),
        ("legs cut at mid-thigh, hands just above", framed(335), True),
        ("torso cut at the waist", framed(260), True),
        ("head and shoulders", framed(130), True),
    ],
)
def test_feet_grazing_the_edge_are_not_a_cut(case: str, alpha: np.ndarray, cut: bool) -> None:
    extent = subject_extent(alpha)
    assert extent is not None
    assert extent[3] is cut, case


def test_a_whole_person_with_feet_on_the_edge_stands_and_casts_a_shadow() -> None:
    alpha = framed(SOLE)
    photo = np.full((*alpha.shape, 3), 0.5, np.float32)
    placed = Placement(feet=(300.0, 500.0), height=300.0).apply(photo, alpha, (600, 600))
    assert not [w for w in placed.warnings if w.code == "cut-subject-standing"], placed.warnings
    top, bottom, _, _ = subject_extent(placed.alpha)
    assert abs(bottom - 500) <= 2 and abs((bottom - top + 1) - 300) <= 3  # the soles on the spot, the given height
    shadow = create("shadow_caster", "contact").cast(alpha, photo)
    assert shadow.max() > 0.1  # a floor under the feet (a cut subject has none)
