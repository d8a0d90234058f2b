"""The array convention at the public boundary: conversions and validation (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import studiocomp
from studiocomp import InputError

shapes = st.tuples(st.integers(1, 12), st.integers(1, 12))


@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(3))))
def test_uint8_scaled_and_copied(arr: np.ndarray) -> None:
    out = studiocomp.as_image(arr)
    assert out.dtype == np.float32 and out.shape == arr.shape
    np.testing.assert_allclose(out * 255, arr, atol=1e-3)
    assert not np.shares_memory(out, arr)


@given(hnp.arrays(np.uint16, shapes))
def test_uint16_grey_to_rgb(arr: np.ndarray) -> None:
    out = studiocomp.as_image(arr)
    assert out.shape == arr.shape + (3,)
    np.testing.assert_allclose(out[..., 0] * 65535, arr, rtol=1e-6, atol=1e-2)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(3)), elements=st.floats(0, 1)))
def test_float_in_range_accepted(arr: np.ndarray) -> None:
    out = studiocomp.as_image(arr)
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1


@given(
    hnp.arrays(np.float32, st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(3)), elements=st.floats(-10, 10, width=32)),
)
def test_float_out_of_range_rejected_with_range_in_message(arr: np.ndarray) -> None:
    if arr.min() >= -1e-4 and arr.max() <= 1 + 1e-4:
        studiocomp.as_image(arr)
        return
    with pytest.raises(InputError, match=r"image: expected float values in \[0, 1\]"):
        studiocomp.as_image(arr)


@settings(max_examples=50)
@given(
    hnp.arrays(np.float32, st.tuples(st.integers(1, 6), st.integers(1, 6), st.just(3)), elements=st.floats(0, 1, width=32)),
    st.sampled_from([np.nan, np.inf, -np.inf]),
    st.data(),
)
def test_nan_and_inf_rejected(arr: np.ndarray, bad: float, data: st.DataObject) -> None:
    idx = tuple(data.draw(st.integers(0, s - 1)) for s in arr.shape)
    arr[idx] = bad
    with pytest.raises(InputError, match="NaN or inf"):
        studiocomp.as_image(arr)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.zeros((0, 5, 3), np.uint8), "non-empty"),
        (np.zeros((5, 0), np.uint8), "non-empty"),
        (np.zeros((4, 4, 4), np.uint8), "drop the alpha channel"),
        (np.zeros((4, 4, 2), np.uint8), "shape"),
        (np.zeros((2, 4, 4, 3), np.uint8), "shape"),
        (np.zeros(5, np.uint8), "shape"),
        (np.zeros((4, 4, 3), np.int32), "dtype"),
        (np.zeros((4, 4, 3), np.complex64), "dtype"),
        (np.zeros((4, 4), bool), "bool"),
        ([[1, 2], [3, 4]], "numpy array"),
        (3.0, "numpy array"),
    ],
)
def test_bad_arrays_named(value: object, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        studiocomp.as_image(value, name="photo")
    assert info.value.argument == "photo"


def test_oversized_rejected() -> None:
    with pytest.raises(InputError, match="at most 100 pixels"):
        studiocomp.as_image(np.zeros((11, 10, 3), np.uint8), max_pixels=100)


def test_from_bgr_and_pil() -> None:
    from PIL import Image as PILImage

    bgr = np.zeros((2, 2, 3), np.uint8)
    bgr[..., 0] = 255  # blue in BGR
    assert studiocomp.from_bgr(bgr)[0, 0].tolist() == [0.0, 0.0, 1.0]
    pil = PILImage.new("RGBA", (3, 2), (255, 0, 0, 10))
    assert studiocomp.as_image(pil).shape == (2, 3, 3)


@given(hnp.arrays(np.float32, shapes, elements=st.floats(0, 1, width=32)))
def test_alpha_and_mask(arr: np.ndarray) -> None:
    a = studiocomp.as_alpha(arr)
    assert a.dtype == np.float32 and not np.shares_memory(a, arr)
    m = studiocomp.as_mask(arr)
    assert m.dtype == bool and np.array_equal(m, arr > 0.5)


def test_alpha_shape_checked() -> None:
    with pytest.raises(InputError, match=r"alpha: expected shape \(3, 3\)"):
        studiocomp.as_alpha(np.zeros((3, 4), np.float32), shape=(3, 3))
    with pytest.raises(InputError, match="mask"):
        studiocomp.as_mask(np.zeros((3, 4, 2), bool))
