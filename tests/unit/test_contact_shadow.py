"""The contact shadow: a dark line at every sole that shows beyond it, and nothing where no foot is (issue 13)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import studiocomp

#: the least mean opacity of the contact shadow in a thin ring just outside each sole (opacity 0.55 at the sole):
#: the real feet measured 0.34–0.40 in a ring of 0.6 % of the height (docs/architecture.md, contact shadow)
RING_LEVEL = 0.3


def person(h: int, w: int, feet: list[tuple[int, int]]) -> np.ndarray:
    """A standing figure about 0.8·h tall, one leg and one shoe per (x, sole row) in ``feet``."""
    a = np.zeros((h, w), np.uint8)
    top = int(0.12 * h)
    xs = [x for x, _ in feet]
    cx = int(np.mean(xs))
    cv2.ellipse(a, (cx, top + int(0.06 * h)), (int(0.04 * h), int(0.06 * h)), 0, 0, 360, 1, -1)  # head
    hip = top + int(0.45 * h)
    cv2.rectangle(a, (cx - int(0.08 * h), top + int(0.12 * h)), (cx + int(0.08 * h), hip), 1, -1)  # torso
    for x, sole in feet:
        leg = int(0.03 * h)
        cv2.rectangle(a, (x - leg, hip - 5), (x + leg, sole - int(0.03 * h)), 1, -1)  # leg
        cv2.ellipse(a, (x + int(0.01 * h), sole - int(0.02 * h)), (int(0.045 * h), int(0.02 * h)), 0, 0, 360, 1, -1)  # shoe
    return a.astype(np.float32)


def ring(alpha: np.ndarray, x0: int, x1: int, sole: int, width: int) -> np.ndarray:
    """Pixels outside the subject within ``width`` of its solid pixels in columns x0..x1, rows down to the sole's lower part."""
    solid = (alpha >= 0.5).astype(np.uint8)
    near = cv2.dilate(solid, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))) > 0
    m = near & (alpha < 0.02)
    m[: sole - width] = False
    m[:, :x0] = False
    m[:, x1:] = False
    return m


def opacity(name: str, alpha: np.ndarray, **kw: float) -> np.ndarray:
    bg = np.full((*alpha.shape, 3), 0.7, np.float32)
    return studiocomp.create("shadow_caster", name, **kw).cast(alpha, bg)


def test_each_foot_gets_a_dark_line_at_its_own_sole() -> None:
    """A walking stance: the far foot stands 5 % of the height higher in the image. Both soles show a dark contact line
    just outside them (the old pad, made from the silhouette's lowest rows and put at the lowest row, left the far
    foot with 0.05), darkest at the sole and fading within a few percent of the height; none between or far below."""
    h, w = 600, 500
    near, far = (220, 540), (300, 510)
    a = person(h, w, [near, far])
    s = opacity("contact", a)
    width = round(0.006 * 0.8 * h)
    for x, sole in (near, far):
        m = ring(a, x - 40, x + 45, sole, width)
        assert m.sum() > 50
        level = float(s[m].mean())
        assert level >= RING_LEVEL, (x, sole, level)
    # darkest at the contact, lighter with distance below the near sole
    below = s[near[1] + 1 : near[1] + 30, near[0]]
    assert below[0] >= 0.4 and np.all(np.diff(below) <= 1e-6) and below[-1] < 0.02
    # no foot: nothing far below the soles, nothing on the floor far to the side
    assert s[near[1] + 40 :].max() == 0.0
    assert s[:, : near[0] - 100].max() == 0.0 and s[:, far[0] + 110 :].max() == 0.0
    # the pad fades in at every side of the window it is drawn in (no seam across the legs)
    rows, cols = np.flatnonzero(s.max(axis=1) > 0), np.flatnonzero(s.max(axis=0) > 0)
    assert max(s[rows[0]].max(), s[rows[-1]].max(), s[:, cols[0]].max(), s[:, cols[-1]].max()) < 0.01


def test_a_single_foot_and_a_raised_one() -> None:
    """Standing on one foot, the other lifted to the knee: a line at the standing sole, darkest right at it (the old pad
    peaked 6 rows below the sole, 0.54 there against 0.44 at it: a shadow under a floating foot), nothing under the
    raised foot."""
    h, w = 600, 500
    a = person(h, w, [(250, 540)])
    lifted = person(h, w, [(330, 400)])  # the other leg, its shoe at row 400: 0.25 of the height above the floor
    a = np.maximum(a, lifted)
    s = opacity("contact", a)
    m = ring(a, 210, 295, 540, round(0.006 * 0.8 * h))
    assert float(s[m].mean()) >= RING_LEVEL
    for x in (235, 250, 265):
        below = s[541:580, x]
        assert np.all(np.diff(below) <= 1e-6), (x, below.round(2))
    assert s[400:470, 300:380].max() == 0.0  # under the raised shoe: no floor contact


def test_the_line_stays_sharp_on_a_large_photo() -> None:
    """The pad is drawn around the feet at up to full size, not upsampled from a 512-pixel copy of the frame."""
    h, w = 2400, 2000
    feet = [(880, 2160), (1200, 2040)]
    a = person(h, w, feet)
    s = opacity("contact", a)
    width = round(0.006 * 0.8 * h)
    for x, sole in feet:
        level = float(s[ring(a, x - 160, x + 180, sole, width)].mean())
        assert level >= RING_LEVEL, (x, sole, level)
        column = s[sole + 1 : sole + 120, x]
        assert column[0] >= 0.4 and column[-1] < 0.02


@pytest.mark.parametrize("azimuth", [90.0, 270.0])
def test_the_cast_shadow_keeps_each_feet_line(azimuth: float) -> None:
    """With a light from the side, each sole still shows its contact line (the cast shadow adds to it, never removes it)."""
    h, w = 600, 500
    near, far = (220, 540), (300, 510)
    a = person(h, w, [near, far])
    s = opacity("cast", a, azimuth=azimuth, elevation=40)
    c = opacity("contact", a)
    width = round(0.006 * 0.8 * h)
    for x, sole in (near, far):
        m = ring(a, x - 40, x + 45, sole, width)
        assert float(s[m].mean()) >= RING_LEVEL and (s[m] >= c[m] - 1e-5).all()
