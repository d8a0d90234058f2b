"""What a clip carries through ``studiocomp video`` (issue 15): rotation, uneven timestamps, audio, colour range,
the progress total, the PNG frames' profile. Every clip is generated here with PyAV and every output read back with it."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")

from tests.unit.test_video import write_audio, write_sine  # noqa: E402

from studiocomp.types import Matte  # noqa: E402


class DarkMatter:
    """Darker than the backdrop is the subject (fast, deterministic)."""

    def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
        a = (image.mean(axis=2) < 0.5).astype(np.float32)
        return Matte(a, image.copy())


def upright_picture(h: int = 48, w: int = 80) -> np.ndarray:
    """A picture whose orientation shows: a dark block at the top left, a red band along the bottom, grey elsewhere."""
    img = np.full((h, w, 3), 200, np.uint8)
    img[: h // 3, : w // 4] = 30
    img[-h // 6 :, :] = (220, 40, 40)
    return img


def make_clip(
    path: Path,
    pictures: list[np.ndarray],
    times_ms: list[int],
    *,
    rotation: float | None = None,
    audio: str | None = None,
    rate: int = 30,
) -> Path:
    """Encode ``pictures`` shown at ``times_ms`` (a millisecond time base); ``rotation`` (counter-clockwise degrees, as
    FFmpeg's display matrix and ``frame.rotation``) is stored as a display matrix; ``audio`` is a codec for a sine."""
    h, w = pictures[0].shape[:2]
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libvpx-vp9" if path.suffix == ".webm" else "libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.time_base = vs.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            vs.set_display_rotation(rotation)
        a = c.add_stream(audio, rate=48000) if audio else None
        if a is not None:
            a.layout = "mono"
        for pic, t in zip(pictures, times_ms, strict=True):
            fr = av.VideoFrame.from_ndarray(np.ascontiguousarray(pic), format="rgb24")
            fr.pts, fr.time_base = t, Fraction(1, 1000)
            for p in vs.encode(fr):
                c.mux(p)
        for p in vs.encode(None):
            c.mux(p)
        if a is not None:
            write_sine(c, a, int(48 * (times_ms[-1] + 1000 / rate)))
    return path


def frame_times_ms(path: Path) -> list[float]:
    with av.open(str(path)) as c:
        return [float(f.pts * f.time_base) * 1000 for f in c.decode(video=0)]


#: AAC adds an encoder delay (1024 samples) and pads its last frame: decoded, up to 2048 samples more than was given
AAC_SLACK_S = 2048 / 48000


def audio_seconds(path: Path) -> tuple[str, float]:
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        return s.codec_context.name, sum(f.samples for f in c.decode(s)) / s.rate


@pytest.mark.parametrize("ccw", [-90, 90])
def test_a_display_matrix_rotation_is_applied_and_the_output_is_upright(tmp_path: Path, ccw: int) -> None:
    """A phone's portrait clip stores the picture on its side with a display matrix (FFmpeg's way, no ``rotate`` tag):
    frames come out upright, at the upright size, and the output stores them upright with no rotation of its own.
    (Refused before: "expected frames of 854×480, got frame 0 of 480×854".)"""
    from studiocomp.video import run
    from studiocomp.video.io import open_video

    up = upright_picture()
    stored = np.rot90(up, -ccw // 90)  # the player turns it back by ``ccw`` counter-clockwise
    clip = make_clip(tmp_path / "portrait.mp4", [stored] * 4, [0, 33, 67, 100], rotation=ccw)
    with open_video(clip) as r:
        assert r.info.rotation == (-ccw) % 360 and (r.info.width, r.info.height) == (80, 48)
        frames = [rgb for rgb, _t in r]
    assert len(frames) == 4 and frames[0].shape == up.shape
    assert np.abs(frames[0].astype(int) - up).mean() < 6  # upright: the dark block top left, the red band at the bottom
    res = run(clip, tmp_path / "out.mp4", matter=DarkMatter(), background="#ffffff", track=False, warmup=0)
    with av.open(str(res.outputs["composite"])) as c:
        f = next(c.decode(video=0))
        assert (f.width, f.height) == (80, 48) and not f.rotation
        out = f.to_ndarray(format="rgb24").astype(int)
    assert out[:10, :14].mean() < 80 and out[-6:, :, 0].mean() > 150 > out[-6:, :, 1].mean()


@pytest.mark.parametrize(
    "times",
    [
        [0, 33, 66, 400, 433, 466, 500, 533],  # a gap mid-clip: the muxer refused the output at close (exit 3)
        [0, 33, 67, 100, 150, 183, 217, 250],  # mildly variable: came out evenly spaced 0, 36, 72 … ms
    ],
)
def test_uneven_frame_times_are_kept(tmp_path: Path, times: list[int]) -> None:
    from studiocomp.video import run

    pics = [np.roll(upright_picture(), 3 * i, axis=1) for i in range(len(times))]
    clip = make_clip(tmp_path / "vfr.mp4", pics, times, audio="aac")
    assert frame_times_ms(clip) == pytest.approx(times, abs=1)
    res = run(clip, tmp_path / "out.mp4", matter=DarkMatter(), track=False, warmup=0)
    assert frame_times_ms(res.outputs["composite"]) == pytest.approx(times, abs=1)
    codec, seconds = audio_seconds(res.outputs["composite"])
    assert codec == "aac" and abs(seconds - audio_seconds(clip)[1]) <= AAC_SLACK_S


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".webm", ".mov"])
@pytest.mark.parametrize("time_base", [None, Fraction(1, 90000)])
def test_the_writer_keeps_times_whatever_time_base_the_muxer_picks(tmp_path: Path, suffix: str, time_base: Fraction | None) -> None:
    """MP4 and MOV move the stream to a timescale of their own when the header is written, Matroska and WebM to 1/1000:
    frames counted in the stream's new time base but encoded in the old one failed (EINVAL) or came out at 36 s."""
    from studiocomp.video.io import VideoWriter

    times = [0.0, 0.021, 0.05, 0.4, 0.417, 0.5, 1.0]  # off the 1/30 s grid
    alpha = suffix == ".mov"  # ProRes 4444 too
    with VideoWriter(tmp_path / ("out" + suffix), Fraction(30), 32, 32, alpha=alpha, time_base=time_base) as w:
        for t in times:
            w.write(np.zeros((32, 32, 4 if alpha else 3), np.uint8), t)
    tick_ms = 1000 / 30 if time_base is None else 1.0  # the default time base is 1/fps: times are rounded to it
    assert frame_times_ms(tmp_path / ("out" + suffix)) == pytest.approx([t * 1000 for t in times], abs=tick_ms / 2 + 1)


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_opus_audio_becomes_aac_in_mp4_and_mov(tmp_path: Path, suffix: str) -> None:
    """MP4 can hold Opus, but QuickTime, Safari and many phones do not play it there: it is re-encoded as AAC."""
    from studiocomp.video import run

    clip = make_clip(tmp_path / "clip.webm", [upright_picture()] * 6, [0, 33, 67, 100, 133, 167], audio="libopus")
    assert audio_seconds(clip)[0] == "opus"
    res = run(clip, tmp_path / ("out" + suffix), matter=DarkMatter(), track=False, warmup=0)
    codec, seconds = audio_seconds(res.outputs["composite"])
    assert codec == "aac" and abs(seconds - audio_seconds(clip)[1]) <= AAC_SLACK_S


def test_the_luma_matte_states_its_range_and_its_levels_round_trip(tmp_path: Path) -> None:
    """The grey alpha .mp4 said nothing of its range: it is video range (16–235) and says so (BT.601 matrix too)."""
    from studiocomp.video.io import VideoWriter, open_video

    ramp = np.tile(np.arange(256, dtype=np.uint8).repeat(2)[None, :], (16, 1))  # 16×512, every level
    with VideoWriter(tmp_path / "a.mp4", Fraction(25), 512, 16) as w:
        for _ in range(2):
            w.write(np.dstack([ramp] * 3))
    with av.open(str(tmp_path / "a.mp4")) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.color_range, cc.colorspace) == (1, 6)  # AVCOL_RANGE_MPEG, AVCOL_SPC_SMPTE170M
        y = next(c.decode(video=0)).to_ndarray(format="yuv420p")[:16]
    assert 14 <= y.min() <= 18 and 232 <= y.max() <= 238  # video range (16–235), as the stream says, give or take x264's rounding
    with open_video(tmp_path / "a.mp4") as r:
        back = next(iter(r))[0][8, ::2].astype(int)
    assert np.abs(back - np.arange(256)[:, None]).max() <= 2  # crf 18: within 2 levels (1 with x264's superfast)


def test_progress_total_is_estimated_for_a_clip_without_a_frame_count(tmp_path: Path) -> None:
    """WebM declares a duration, no count: the total is duration × rate, said to be an estimate (``~N``), never 0."""
    from studiocomp.progress import Progress
    from studiocomp.video import run
    from studiocomp.video.io import read_info

    clip = make_clip(tmp_path / "clip.webm", [upright_picture()] * 6, [0, 33, 67, 100, 133, 167])
    info = read_info(clip)
    assert info.frames == 0 and info.frames_estimated and info.expected_frames == 6
    totals: set[int | None] = set()
    run(clip, tmp_path / "out.webm", matter=DarkMatter(), track=False, warmup=0, progress=lambda done, total: totals.add(total))
    assert totals == {6}
    out = io.StringIO()
    bar = Progress(6, "video", stream=out, enabled=True, estimated=True)
    bar.advance()
    assert "1/~6" in out.getvalue()
    unknown = io.StringIO()
    Progress(None, "video", stream=unknown, enabled=True).advance()
    assert "1/?" in unknown.getvalue() and "eta" not in unknown.getvalue()


def test_png_frames_carry_the_srgb_profile_and_a_matte_none(tmp_path: Path) -> None:
    """README: every output carries an sRGB profile; the video's PNG cut-out frames did not. A grey matte is not a colour."""
    from PIL import Image

    from studiocomp.image import srgb_icc
    from studiocomp.video import run

    clip = make_clip(tmp_path / "clip.mp4", [upright_picture()] * 3, [0, 33, 67])
    res = run(clip, tmp_path / "out.mp4", cutout_out=tmp_path / "cut", alpha_out=tmp_path / "alpha", matter=DarkMatter(), track=False, warmup=0)
    with Image.open(res.outputs["cutout"] / "00000.png") as im:
        assert im.mode == "RGBA" and im.info.get("icc_profile") == srgb_icc()
        assert np.asarray(im)[..., 3].min() == 0
    with Image.open(res.outputs["alpha"] / "00000.png") as im:
        assert im.mode == "L" and "icc_profile" not in im.info


def _clip_with_a_click(path: Path, codec: str) -> Path:
    """One second of a still picture at 25 fps with a mono track silent but for a click at 0.5 s."""
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream(codec, rate=48000)
        a.layout = "mono"
        for i in range(25):
            fr = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 200, np.uint8), format="rgb24")
            fr.pts = i
            for p in vs.encode(fr):
                c.mux(p)
        for p in vs.encode(None):
            c.mux(p)
        s = np.zeros(48000, np.float32)
        s[24000:24048] = 0.9
        write_audio(c, a, s)
    return path


def _click_seconds(path: Path) -> float:
    """When the loudest sample plays, by the decoded frames' own times (what a player keeps in sync with the video)."""
    best, when = 0.0, -1.0
    with av.open(str(path)) as c:
        for f in c.decode(audio=0):
            x = f.to_ndarray()
            x = x[0] if f.format.is_planar else x[0][:: len(f.layout.channels)]
            i = int(np.argmax(np.abs(x)))
            if abs(float(x[i])) > best:
                best, when = abs(float(x[i])), float(f.pts * f.time_base) + i / f.sample_rate
    return when


@pytest.mark.parametrize(("codec", "src", "out"), [("libopus", "in.mkv", "o.mp4"), ("libopus", "in.mkv", "o.mov"), ("aac", "in.mp4", "o.webm"), ("aac", "in.mp4", "o.mp4")])
def test_reencoded_audio_stays_in_sync(tmp_path: Path, codec: str, src: str, out: str) -> None:
    """Re-encoded audio plays when it did: Opus into .mp4 became AAC 1024 samples (21 ms) late, its priming played at 0."""
    from studiocomp.video import run

    clip = _clip_with_a_click(tmp_path / src, codec)
    run(clip, tmp_path / out, matter=DarkMatter(), track=False, warmup=0)
    assert abs(_click_seconds(tmp_path / out) - _click_seconds(clip)) < 0.002
