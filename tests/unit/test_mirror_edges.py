"""MODNet's mirrored pass refines the outline only (issue 12): a person one pass drops is not half dropped by the mean.

Every input is generated here and the network is stood in for by a fake session, so no weights are needed;
benchmarks/eval_real.py runs the real model on the real photos (docs/evaluation.md).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from studiocomp.backends._neural import MIRROR_BAND, mirror_edges
from studiocomp.backends.matte.modnet import MODNetMatter
from studiocomp.errors import InputError
from studiocomp.hub import get_spec
from studiocomp.pipeline import PRESETS

H, W = 64, 96


def _two_people() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first pass keeps two people; the mirrored pass keeps the first a little wider and drops the second whole."""
    first = np.zeros((H, W), np.float32)
    first[10:60, 8:30] = 1.0
    first[12:60, 50:80] = 1.0
    mirrored = np.zeros((H, W), np.float32)
    mirrored[10:60, 7:32] = 1.0  # the same person, its edges placed a little differently
    return first, mirrored, np.s_[20:50, 58:72]  # well inside the second person


class TestMirrorEdges:
    def test_mean_near_the_outline_first_pass_elsewhere(self) -> None:
        first, mirrored, _ = _two_people()
        out = mirror_edges(first, mirrored)
        assert out.dtype == np.float32 and out.shape == (H, W)
        assert out[30, 30] == pytest.approx(0.5) and out[30, 31] == pytest.approx(0.5)  # the edge: the two passes' mean
        assert out[30, 7] == pytest.approx(0.5)
        assert out[30, 18] == 1.0 and out[2, 40] == 0.0  # far from any outline: the first pass

    def test_a_person_the_mirrored_pass_drops_keeps_its_region(self) -> None:
        first, mirrored, inside = _two_people()
        out = mirror_edges(first, mirrored)
        assert (out[inside] == 1.0).all()  # the plain mean would put the whole person at 0.5, under the cut
        assert (0.5 * (first + mirrored))[inside].max() == pytest.approx(0.5)
        kept = out[12:60, 50:80] > 0.5
        assert kept.mean() > 0.6  # only a rim of MIRROR_BAND pixels is in doubt

    def test_bad_inputs(self) -> None:
        first, mirrored, _ = _two_people()
        with pytest.raises(InputError):
            mirror_edges(first, mirrored[:, :-1])
        with pytest.raises(InputError):
            mirror_edges(first, mirrored, band=0)
        assert MIRROR_BAND >= 1


class _FakeSession:
    """MODNet's session replaced by a known, not mirror-symmetric map of the input (N×3×h×w → N×1×h×w)."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def run(self, names: Any, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        x = feed["input"]
        self.batches.append(x.shape[0])
        h, w = x.shape[2:]
        ramp = np.linspace(-0.3, 0.3, w, dtype=np.float32)[None, None, None, :]  # a bias that grows to the right
        return [np.clip(0.5 + 0.5 * x[:, :1] + ramp, 0.0, 1.0).astype(np.float32)]


def _fake_modnet(mirror: bool) -> tuple[MODNetMatter, _FakeSession]:
    matter = MODNetMatter.__new__(MODNetMatter)
    matter.pre = get_spec("modnet").preprocessing
    matter.resolution = 96
    matter.mirror = mirror
    matter._input = "input"
    session = _FakeSession()
    matter._session = session
    return matter, session


def test_modnet_mirror_runs_the_mirror_in_the_same_batch_and_keeps_the_first_pass_away_from_edges() -> None:
    image = np.zeros((H, W, 3), np.float32)
    image[8:56, 20:60] = 0.9  # a bright subject on black
    plain, s_plain = _fake_modnet(False)
    mirrored, s_mirror = _fake_modnet(True)
    a, b = plain.predict_alpha(image), mirrored.predict_alpha(image)
    assert s_plain.batches == [1] and s_mirror.batches == [2]
    assert a.shape == b.shape == (64, 96)
    other = np.clip(0.5 + 0.5 * (image[..., 0] * 2 - 1)[:, ::-1] + np.linspace(-0.3, 0.3, W, dtype=np.float32), 0, 1)[:, ::-1]
    assert np.allclose(b, mirror_edges(a, other.astype(np.float32)), atol=1e-6)
    assert not np.allclose(a, b)  # the outline moved
    assert b[30, 40] == a[30, 40]  # inside, far from the outline: the first pass


def test_the_portrait_preset_uses_the_mirrored_pass_and_the_studio_prior_does_not() -> None:
    assert PRESETS["portrait"]["matter"] == ("modnet", {"fill_missed": True, "mirror": True})
    assert inspect.signature(MODNetMatter).parameters["mirror"].default is False  # the ensemble's member stays one pass
