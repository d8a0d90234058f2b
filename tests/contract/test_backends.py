"""Every registered backend satisfies its protocol: dtype, shape, range, determinism, no aliasing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import studiocomp
from studiocomp.types import STAGE_PROTOCOLS

BACKENDS = [(kind, name) for kind, names in studiocomp.list_backends().items() for name in names if not name.startswith("test-")]

#: Backends whose weights come from the hub: the tests seed the local hub cache from ../shared first.
FROM_HUB = {"selfie", "u2netp", "modnet", "rvm", "ensemble", "studio"}
#: Backends with no weights here: randomly initialised networks of the real architecture
#: (SAM and MobileSAM at a tiny size; DeepLabV3-MobileNetV3 at its real size, 11 M parameters).
_TINY_OPTIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("segmenter", "sam"): {"model": "mobile_sam", "config": "tiny_mobile_sam", "pretrained": False},
    ("segmenter", "deeplab"): {"variant": "mobilenet_v3_large", "resolution": 128, "pretrained": False},
}
_tiny_cache: dict[tuple[str, str], Any] = {}


def _tiny(kind: str, name: str) -> Any:
    if (kind, name) not in _tiny_cache:
        import torch

        torch.manual_seed(0)
        _tiny_cache[kind, name] = studiocomp.create(kind, name, **_TINY_OPTIONS[kind, name])
    return _tiny_cache[kind, name]


TINY: dict[tuple[str, str], Callable[[], Any]] = {key: (lambda key=key: _tiny(*key)) for key in _TINY_OPTIONS}


@pytest.fixture
def make(request: pytest.FixtureRequest, kind: str, name: str) -> Callable[[], Any]:
    """A factory for the backend under test."""
    if name in FROM_HUB:
        request.getfixturevalue("hub_cache")
    if (kind, name) in TINY:
        return TINY[kind, name]
    return lambda: studiocomp.create(kind, name)


@pytest.fixture(scope="module")
def inputs() -> dict[str, np.ndarray]:
    image, alpha = studiocomp.synthetic.studio_shot((160, 120), seed=5)
    return {"image": image, "alpha": alpha, "mask": alpha > 0.5, "background": studiocomp.backgrounds.make_preset("gradient", 160, 120)}


def _run(backend: object, kind: str, x: dict[str, np.ndarray]) -> np.ndarray:
    if kind == "segmenter":
        return backend.segment(x["image"])  # type: ignore[attr-defined,no-any-return]
    if kind == "matter":
        m = backend.matte(x["image"], x["mask"])  # type: ignore[attr-defined]
        assert m.foreground.shape == x["image"].shape and m.foreground.dtype == np.float32
        assert 0 <= m.foreground.min() and m.foreground.max() <= 1
        return m.alpha  # type: ignore[no-any-return]
    if kind == "relighter":
        return backend.relight(x["image"], x["alpha"], x["background"])  # type: ignore[attr-defined,no-any-return]
    if kind == "shadow_caster":
        return backend.cast(x["alpha"], x["background"])  # type: ignore[attr-defined,no-any-return]
    return backend.composite(x["image"], x["alpha"], x["background"])  # type: ignore[attr-defined,no-any-return]


EXPECTED = {
    "segmenter": ((160, 120), np.bool_),
    "matter": ((160, 120), np.float32),
    "relighter": ((160, 120, 3), np.float32),
    "shadow_caster": ((160, 120), np.float32),
    "compositor": ((160, 120, 3), np.float32),
}


@pytest.mark.parametrize(("kind", "name"), BACKENDS)
class TestContract:
    def test_protocol(self, kind: str, name: str, make: Callable[[], Any]) -> None:
        assert isinstance(make(), STAGE_PROTOCOLS[kind])

    def test_output_shape_dtype_range(self, kind: str, name: str, inputs: dict[str, np.ndarray], make: Callable[[], Any]) -> None:
        out = _run(make(), kind, inputs)
        shape, dtype = EXPECTED[kind]
        assert out.shape == shape and out.dtype == dtype
        if dtype == np.float32:
            assert np.isfinite(out).all() and 0 <= out.min() and out.max() <= 1

    def test_deterministic_and_inputs_untouched(self, kind: str, name: str, inputs: dict[str, np.ndarray], make: Callable[[], Any]) -> None:
        copies = {k: v.copy() for k, v in inputs.items()}
        backend = make()
        a, b = _run(backend, kind, inputs), _run(backend, kind, inputs)
        assert np.array_equal(a, b)
        for k in inputs:
            assert np.array_equal(inputs[k], copies[k]), f"{kind} {name} modified its input {k}"
            assert not np.shares_memory(a, inputs[k])

    def test_rejects_bad_image(self, kind: str, name: str, inputs: dict[str, np.ndarray], make: Callable[[], Any]) -> None:
        bad = dict(inputs)
        key = "background" if kind == "shadow_caster" else "image"  # the colour input each kind reads
        bad[key] = np.full((160, 120, 3), np.nan, np.float32)
        with pytest.raises(studiocomp.InputError, match="NaN"):
            _run(make(), kind, bad)

    def test_accepts_uint8(self, kind: str, name: str, inputs: dict[str, np.ndarray], make: Callable[[], Any]) -> None:
        as8 = dict(inputs)
        as8["image"] = np.rint(inputs["image"] * 255).astype(np.uint8)
        out = _run(make(), kind, as8)
        assert out.shape == EXPECTED[kind][0]
