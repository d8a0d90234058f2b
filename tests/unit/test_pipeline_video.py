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


@pytest.mark.parametrize("out", ["cut", "cut.mov", "cut.webm"])
def test_the_cutout_clip_keeps_none_of_the_frame_where_alpha_is_0(tmp_path: Path, out: str) -> None:
    """As for photos: a reader that drops the cut-out's alpha must not get the old scene (the crowd) back."""
    import av
    from PIL import Image
    from tests.unit.test_video import DarkMatter

    from studiocomp.video import run

    clip = make_clip(tmp_path / "in.mp4", n=3, audio=False)
    run(clip, tmp_path / "o.mp4", matter=DarkMatter(), cutout_out=tmp_path / out, track=False, warmup=0)
    if out == "cut":
        frames = [np.asarray(Image.open(p).convert("RGBA")) for p in sorted((tmp_path / out).glob("*.png"))]
    else:
        with av.open(str(tmp_path / out)) as c:
            stream = c.streams.video[0]
            if out.endswith(".webm"):  # FFmpeg's own VP9 decoder drops the alpha; libvpx's reads it from the block's side data
                ctx = av.CodecContext.create("libvpx-vp9", "r")
                frames = [f.to_ndarray(format="rgba") for pkt in c.demux(stream) for f in ctx.decode(pkt)]  # the demuxer's last packet flushes
            else:
                frames = [f.to_ndarray(format="rgba") for f in c.decode(stream)]
    assert len(frames) == 3
    for rgba in frames:
        hidden = rgba[..., 3] == 0
        assert 0.2 < hidden.mean() < 0.95
        rgb = rgba[..., :3][hidden].astype(np.float32)
        if out.endswith(".webm"):  # lossy VP9: the subject's colours bleed a few pixels into the hidden ones next to it
            assert float(rgb.mean()) < 3 and float((rgb > 40).mean()) < 0.01
        else:
            assert float(rgb.max()) <= 3  # black, give or take the codec's rounding of video-range black
