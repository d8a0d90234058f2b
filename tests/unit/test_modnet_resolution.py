"""MODNet's ``resolution`` far outside what the model was trained at (512) is an InputError up front.

``matter=modnet:resolution=99999999`` used to reach OpenCV and fail there (out of memory); now the constructor
refuses it before any weights are loaded or memory allocated.
"""

from __future__ import annotations

import pytest

from studiocomp.errors import InputError


@pytest.mark.parametrize("resolution", [99_999_999, 2049, 4096])
def test_a_resolution_far_beyond_the_models_is_refused_before_loading(resolution: int) -> None:
    from studiocomp.backends.matte.modnet import MODNetMatter

    with pytest.raises(InputError, match=r"resolution.*32–2048.*trained at 512"):
        MODNetMatter(resolution=resolution, weights="/nonexistent/modnet.onnx")  # refused before the weights are looked at


def test_the_registry_spec_is_refused_the_same_way() -> None:
    from studiocomp.registry import parse_stage

    with pytest.raises(InputError, match="resolution"):
        parse_stage("matter", "modnet:resolution=99999999")
