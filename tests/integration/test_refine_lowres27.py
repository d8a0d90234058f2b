"""refine.closed_form on the alphamatting.com training images, against pymatting's recorded errors."""

from __future__ import annotations

import pytest
from tests.conftest import shared_path

from studiocomp import load_image, metrics, refine

#: SAD/1000 of ``pymatting.estimate_alpha_cf`` (1.1.16) on these pairs, over the trimap's unknown
#: region, from ``python benchmarks/compare_peers.py --part refine`` (benchmarks/peers-2026-11-22/refine.json).
PYMATTING_SAD = {"GT01": 1.131, "GT02": 4.309, "GT05": 1.264, "GT06": 1.686, "GT13": 13.049, "GT16": 16.766}


@pytest.mark.parametrize("trimap_set", ["trimap1"])
def test_closed_form_sad_within_ten_percent_of_pymatting(trimap_set: str) -> None:
    folder = shared_path("data", "alphamatting_lowres27")
    total, reference = 0.0, 0.0
    for name, pm_sad in PYMATTING_SAD.items():
        image = load_image(folder / "image" / f"{name}.png")
        truth = load_image(folder / "alpha" / f"{name}.png")[..., 0]
        tri = load_image(folder / trimap_set / f"{name}.png")[..., 0]
        alpha = refine.closed_form(image, tri)
        total += metrics.sad(alpha, truth, tri)  # in thousands, as PYMATTING_SAD
        reference += pm_sad
    assert total <= 1.10 * reference, (total, reference)
