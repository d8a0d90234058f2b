"""Stand-ins for the `portrait` preset's networks: a segmenter that returns a known mask, MODNet with a known alpha."""

from __future__ import annotations

from typing import Any

import numpy as np

from studiocomp.backends.matte.modnet import MODNetMatter


class FixedSegmenter:
    """A segmenter whose mask is given (the selfie model stood in for)."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def segment(self, image: Any) -> np.ndarray:
        out: np.ndarray = self.mask.copy()
        return out


def fake_modnet(alpha: np.ndarray) -> MODNetMatter:
    """The real MODNet matter's code path (gate, fills, foreground) with the network replaced by a known alpha."""
    matter = MODNetMatter.__new__(MODNetMatter)
    matter.mask_margin = 0.03
    matter.fill_missed = True
    matter.predict_alpha = lambda image: alpha  # type: ignore[method-assign]
    return matter
