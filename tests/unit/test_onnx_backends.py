"""The ONNX Runtime layer and the ONNX backends' own behaviour (accuracy is in tests/integration)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import studiocomp
from studiocomp import BackendUnavailableError, InputError
from studiocomp.runtime import onnx as rt


def test_devices(hub_cache: Path) -> None:
    assert rt.providers_for("cpu") == ["CPUExecutionProvider"]
    assert rt.providers_for("auto")[-1] == "CPUExecutionProvider"
    with pytest.raises(InputError, match="device"):
        rt.providers_for("gpu")
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        with pytest.raises(BackendUnavailableError, match="CUDA"):
            studiocomp.create("segmenter", "selfie", device="cuda")


def test_sessions_are_shared_and_configured(hub_cache: Path) -> None:
    a = studiocomp.create("segmenter", "selfie", threads=2)
    b = studiocomp.create("segmenter", "selfie", threads=2)
    assert a._session is b._session
    c = studiocomp.create("segmenter", "selfie", threads=1)
    assert c._session is not a._session
    assert c._session.get_session_options().intra_op_num_threads == 1
    config = a._session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")
    assert config == "0"
    with pytest.raises(InputError, match="threads"):
        studiocomp.create("segmenter", "selfie", threads=0)


def test_thread_safe(hub_cache: Path, shot: tuple[np.ndarray, np.ndarray]) -> None:
    seg = studiocomp.create("segmenter", "u2netp")
    expected = seg.segment(shot[0])
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(seg.segment(shot[0]))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(np.array_equal(r, expected) for r in results)


def test_rvm_recurrent_state(hub_cache: Path, shot: tuple[np.ndarray, np.ndarray]) -> None:
    image = shot[0]
    rvm = studiocomp.create("matter", "rvm", sequence=True)
    assert rvm.state is None
    first = rvm.matte(image).alpha
    assert rvm.state is not None and len(rvm.state) == 4
    second = rvm.matte(image).alpha  # the state from frame 1 is used
    assert not np.array_equal(first, second)
    rvm.reset()
    assert rvm.state is None
    assert np.array_equal(rvm.matte(image).alpha, first)  # a reset starts the clip again
    rvm.matte(image[:96, :80])  # a new size resets on its own
    assert rvm.state is not None and rvm.state[0].shape[-2:] != (1, 1)
    single = studiocomp.create("matter", "rvm")  # photos: no state carried between calls
    assert np.array_equal(single.matte(image).alpha, single.matte(image).alpha) and single.state is None
    clip = [m.alpha for m in single.matte_sequence([image, image, image])]
    assert len(clip) == 3 and np.array_equal(clip[0], first) and np.array_equal(clip[1], second)
    assert single.state is None and not single.sequence


def test_rvm_downsample_ratio() -> None:
    from studiocomp.backends.matte.rvm import auto_downsample_ratio

    assert auto_downsample_ratio(720, 1280) == pytest.approx(0.4)
    assert auto_downsample_ratio(400, 300) == 1.0
    with pytest.raises(InputError, match="downsample_ratio"):
        studiocomp.create("matter", "rvm", downsample_ratio=1.5)


def test_rvm_runs_at_the_frames_own_size_with_its_own_foreground(hub_cache: Path, shot: tuple[np.ndarray, np.ndarray]) -> None:
    """Odd sizes are not rounded to a multiple of 16 (no guided upsampling of a near-full-size alpha), and the edge's
    foreground is RVM's own ``fgr`` there; the interior and the outside keep the photo's pixels."""
    image = np.ascontiguousarray(shot[0][:93, :117])  # sides no multiple of anything
    rvm = studiocomp.create("matter", "rvm")
    low = rvm.predict_alpha(image)
    assert low.shape == image.shape[:2]
    _alpha, fgr = rvm._run(image)
    m = rvm.matte(image)
    soft = (m.alpha > 0) & (m.alpha < 1)
    assert soft.any() and np.array_equal(m.foreground[soft], np.clip(fgr[soft], 0, 1))
    assert np.array_equal(m.foreground[~soft], image[~soft])
    assert not ((m.alpha > 0) & (m.alpha < 0.5 / 255)).any() and not ((m.alpha < 1) & (m.alpha > 1 - 0.5 / 255)).any()
    big = studiocomp.create("matter", "rvm", max_side=64)  # shrunk: upsampled, blur-fusion foreground
    assert big.predict_alpha(image).shape == (51, 64) and big.matte(image).alpha.shape == image.shape[:2]


def test_modnet_mask_gate(hub_cache: Path, shot: tuple[np.ndarray, np.ndarray]) -> None:
    image = shot[0]
    modnet = studiocomp.create("matter", "modnet")
    free = modnet.matte(image).alpha
    nothing = np.zeros(image.shape[:2], bool)
    gated = modnet.matte(image, nothing).alpha
    assert gated.max() == 0.0 and free.max() > 0.5  # nothing near an empty mask survives
    everywhere = modnet.matte(image, ~nothing).alpha
    assert np.array_equal(everywhere, free)
    assert np.array_equal(studiocomp.create("matter", "modnet", mask_margin=None).matte(image, nothing).alpha, free)
    with pytest.raises(InputError, match="mask_margin"):
        studiocomp.create("matter", "modnet", mask_margin=2)


def test_guided_upsample_follows_edges() -> None:
    from studiocomp._ops import guided_upsample

    h, w = 400, 400
    image = np.zeros((h, w, 3), np.float32)
    image[:, 203:] = 1.0  # a sharp edge at column 203
    truth = (np.arange(w) >= 203).astype(np.float32)[None].repeat(h, 0)
    low = truth[::8, ::8].copy()  # 50×50: the edge falls between model pixels
    alpha, (rows, cols) = guided_upsample(low, image)
    assert alpha.shape == (h, w)
    bilinear = __import__("cv2").resize(low, (w, h))
    assert np.abs(alpha - truth).mean() < 0.5 * np.abs(bilinear - truth).mean()
    outside = np.ones((h, w), bool)
    outside[rows, cols] = False
    assert set(np.unique(alpha[outside])) <= {0.0, 1.0}  # sure pixels are exactly 0 or 1


def test_rvm_full_size_matte_is_finish_matte_byte_for_byte() -> None:
    """RVM's own finishing of a full-size frame with no mask (cheaper: one merge and a masked copy) gives exactly what
    ``finish_matte`` gives: the alpha clipped and snapped within half an 8-bit step of 0 and 1, RVM's clipped ``fgr``
    where it is fractional, the frame elsewhere; edge values (exactly at the snap limits, outside [0, 1]) included."""
    from studiocomp.backends._neural import finish_matte
    from studiocomp.backends.matte.rvm import _full_size_matte

    rng = np.random.default_rng(3)
    img = rng.random((37, 53, 3), dtype=np.float32)
    pha = rng.uniform(-0.2, 1.2, (37, 53)).astype(np.float32)
    pha.flat[:8] = [0.0, 1.0, 0.5 / 255, 1.0 - 0.5 / 255, np.nextafter(np.float32(0.5 / 255), 1), -0.0, 0.25, 1.5]
    fgr = rng.uniform(-0.1, 1.1, (3, 37, 53)).astype(np.float32).transpose(1, 2, 0)  # the network's planes, as _run gives them
    want = finish_matte(img, pha, None, 0.03, foreground=fgr)
    got = _full_size_matte(img, pha, fgr)
    assert got.alpha.dtype == np.float32 and got.foreground.dtype == np.float32 and got.foreground.shape == img.shape
    assert np.array_equal(got.alpha, want.alpha) and np.array_equal(got.foreground, want.foreground)
    assert got.warnings == want.warnings == ()
