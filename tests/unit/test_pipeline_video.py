"""``Pipeline.video`` runs each frame as the pipeline runs a photo: its segmenter, then its matter refining that mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av")

from tests.unit.test_video import make_clip, probe  # noqa: E402

import studiocomp  # noqa: E402
from studiocomp.errors import InputError  # noqa: E402
from studiocomp.types import Matte  # noqa: E402


class DarkSegmenter:
    def __init__(self) -> None:
        self.calls = 0

    def segment(self, image: np.ndarray) -> np.ndarray:
        self.calls += 1
        return np.asarray(image.mean(axis=2) < 0.55)


class RefiningMatter:
    """Like the ``unmix`` matter: it only refines a segmenter's mask, and refuses to work without one."""

    def __init__(self) -> None:
        self.calls = 0

    def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
        if mask is None:
            raise InputError("mask", "a coarse H×W bool mask (this matter refines a segmenter's mask)", "None")
        self.calls += 1
        return Matte(mask.astype(np.float32), image.copy())


def test_a_matter_that_refines_the_segmenters_mask_gets_it_on_every_frame(tmp_path: Path) -> None:
    seg, mat = DarkSegmenter(), RefiningMatter()
    clip = make_clip(tmp_path / "in.mp4", n=4, audio=False)
    res = studiocomp.Pipeline(segmenter=seg, matter=mat, relighter=None, shadow_caster=None).video(clip, tmp_path / "o.mp4", background="white", warmup=0)
    assert res.frames == 4 and probe(tmp_path / "o.mp4")["frames"] == 4
    assert seg.calls == 4 and mat.calls == 4


def test_the_studio_preset_runs_a_clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fresh user's ``Pipeline.preset("studio").video(...)`` (its ``unmix`` matter needs the segmenter's mask)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    clip = make_clip(tmp_path / "in.mp4", n=3, size=(96, 128), audio=False)
    res = studiocomp.Pipeline.preset("studio").video(clip, tmp_path / "o.mp4", background="grey", warmup=0)
    assert res.frames == 3 and probe(tmp_path / "o.mp4")["frames"] == 3
