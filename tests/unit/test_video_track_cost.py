"""The tracker's cheaper equivalents (issue 15's overhead): the same answers as what they replace."""

from __future__ import annotations

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")


@pytest.mark.parametrize("seed", range(6))
def test_within_is_the_distance_transform_over_the_whole_frame(seed: int) -> None:
    """``_within`` runs the exact distance transform on the mask's box only; the same pixels come out as over the frame
    (blobs touching the border, a single pixel, an empty mask, fractional and zero reach)."""
    from studiocomp.video.track import _within

    rng = np.random.default_rng(seed)
    mask = np.zeros((60, 90), bool)
    if seed == 1:
        mask[0, 89] = True
    elif seed != 2:
        for _ in range(seed + 1):
            y, x = rng.integers(0, 60), rng.integers(0, 90)
            mask[max(0, y - 6) : y + 6, max(0, x - 9) : x + 9] = True
    for r in (0, 1, 2.5, 6, 17, 200):
        full = cv2.distanceTransform((~mask).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r
        assert np.array_equal(_within(mask, r), full), r


def test_members_is_isin() -> None:
    from studiocomp.video.track import _members

    rng = np.random.default_rng(0)
    _n, labels = cv2.connectedComponents((rng.random((40, 50)) > 0.6).astype(np.uint8), connectivity=8)
    n = int(labels.max()) + 1
    for ids in ([1], [0, 3, 4], list(range(1, n, 2)), []):
        assert np.array_equal(_members(labels, ids, n), np.isin(labels, ids))
