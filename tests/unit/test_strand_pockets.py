"""Backdrop left between dense hair strands when the person models are lost (issue 12, the quickstart's picture)."""

from __future__ import annotations

import numpy as np
import pytest

import studiocomp
from studiocomp.backends.segment.studio import StudioSegmenter
from studiocomp.types import QualityWarning


class _LostPrior:
    """A person prior whose members disagree completely (as the real ones do on the drawn figure): p 0.55 everywhere."""

    def probability_small(self, image: np.ndarray) -> tuple[np.ndarray, list[QualityWarning]]:
        prob = np.full(image.shape[:2], 0.55, np.float32)
        return prob, [QualityWarning("prior-disagreement", "the person models disagree", 1.0)]


def _deep_backdrop(mask: np.ndarray, truth: np.ndarray) -> int:
    """Mask pixels of pure backdrop (truth < 0.05) more than 5 px inside the mask's outline: beyond the matter's band."""
    import cv2

    depth = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    return int(np.count_nonzero(mask & (truth < 0.05) & (depth > 5)))


@pytest.mark.parametrize(("seed", "backdrop"), [(1, "blue"), (2, "green")])
def test_pockets_between_strands_leave_the_mask(seed: int, backdrop: str) -> None:
    image, truth = studiocomp.synthetic.studio_shot((800, 600), seed=seed, backdrop=backdrop)
    truth = np.asarray(truth)
    mask, warnings = StudioSegmenter(prior=_LostPrior()).segment_assessed(image)
    assert [w.code for w in warnings] == ["prior-disagreement"]  # the branch where the keyer decides
    # old code: 148 (seed 1, blue) and 207 (seed 2, green); new 33 and 50 px of pure backdrop deep in the mask, between strands
    assert _deep_backdrop(mask, truth) < 80
    # the subject is not cut: what the truth calls solid stays in the mask
    solid = truth > 0.99
    assert np.count_nonzero(solid & ~mask) < 0.002 * np.count_nonzero(solid)
