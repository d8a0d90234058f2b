"""Small CLI/video defects a fresh-eyes user found: ``--progress on`` off a terminal, dotted folder names,
truncated clips, folder-run summary wording."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("av")

from tests.unit.test_video_abort import CLI  # noqa: E402
from tests.unit.test_video_warmup import FakeRecurrentMatter, frames_folder  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI (with the ``test-dark`` matter) in a child process, stdout and stderr piped: not a terminal."""
    return subprocess.run([sys.executable, "-c", CLI, *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_progress_on_draws_the_bar_off_a_terminal(tmp_path: Path) -> None:
    clip = frames_folder(tmp_path / "clip", 6)
    on = cli("video", str(clip), "-o", str(tmp_path / "on.mp4"), "--matter", "test-dark", "--everyone", "--progress", "on")
    assert on.returncode == 0, on.stderr
    assert "video [" in on.stderr and "6/6" in on.stderr
    auto = cli("video", str(clip), "-o", str(tmp_path / "auto.mp4"), "--matter", "test-dark", "--everyone")
    assert auto.returncode == 0, auto.stderr
    assert "video [" not in auto.stderr  # auto: only on a terminal


def test_progress_bar_names_the_warm_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studiocomp.video import run

    clip = frames_folder(tmp_path / "clip", 6)
    run(clip, tmp_path / "out", matter=FakeRecurrentMatter(), track=False, warmup=4, progress=True)
    err = capsys.readouterr().err
    assert "video warm-up [" in err and "0/6" in err  # drawn before any frame is done: the state is being primed
    assert "video matting [" in err and "6/6" in err
    assert len("video warm-up") == len("video matting")  # the redraw covers the first label
    run(clip, tmp_path / "out2", matter=FakeRecurrentMatter(), track=False, warmup=0, progress=True)
    err = capsys.readouterr().err
    assert "warm-up" not in err and "video [" in err


@pytest.mark.parametrize("kind", ["existing", "new"])
def test_a_dotted_name_is_a_frame_folder(tmp_path: Path, kind: str) -> None:
    from studiocomp.video import run

    clip = frames_folder(tmp_path / "clip", 4)
    alpha = tmp_path / ("exist.dir" if kind == "existing" else "int_alpha_2.5")
    out = tmp_path / "out.v1.2"
    if kind == "existing":
        alpha.mkdir()
        out.mkdir()
    res = run(clip, out, alpha_out=alpha, matter=FakeRecurrentMatter(), track=False, warmup=0, progress=False)
    assert res.outputs["alpha"] == alpha and alpha.is_dir() and len(list(alpha.glob("*.png"))) == 4
    assert out.is_dir() and len(list(out.glob("*.png"))) == 4
    done = cli("video", str(clip), "-o", str(tmp_path / "c.mp4"), "--alpha", str(alpha), "--matter", "test-dark", "--everyone", "--progress", "off")
    assert done.returncode == 0, done.stderr  # the earlier run's frame folder is replaced
    assert len(list(alpha.glob("*.png"))) == 4


@pytest.mark.parametrize("name", ["out.avi", "out.png", "out.GIF"])
def test_a_media_suffix_studiocomp_does_not_write_names_both_choices(tmp_path: Path, name: str) -> None:
    clip = frames_folder(tmp_path / "clip", 2)
    done = cli("video", str(clip), "-o", str(tmp_path / name), "--matter", "test-dark", "--progress", "off")
    assert done.returncode == 2
    assert ".mp4" in done.stderr and "folder for PNG frames" in done.stderr and "no suffix" in done.stderr
    assert not (tmp_path / name).exists()


def moving_clip(path: Path, n: int, *, audio: bool = False) -> Path:
    """An ``n``-frame 25 fps clip written by FFmpeg (a square moving over noise, so that it does not compress to nothing)."""
    import av
    import numpy as np

    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264" if path.suffix != ".webm" else "libvpx-vp9", rate=25)
        vs.width, vs.height, vs.pix_fmt = 96, 64, "yuv420p"
        for i in range(n):
            img = rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)
            img[20:44, 3 * i : 3 * i + 20] = 20
            for packet in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize("suffix", [".mkv", ".webm"])
def test_a_streamable_clip_cut_short_is_an_error_and_nothing_is_left(tmp_path: Path, suffix: str) -> None:
    from studiocomp.errors import InputError
    from studiocomp.video import open_video

    full = moving_clip(tmp_path / f"full{suffix}", 30)
    trunc = tmp_path / f"trunc{suffix}"
    trunc.write_bytes(full.read_bytes()[: full.stat().st_size // 2])  # as `head -c` cuts it
    assert sum(1 for _ in open_video(full)) == 30  # the complete clip passes
    with pytest.raises(InputError, match="truncated"):
        for _ in open_video(trunc):
            pass
    out = tmp_path / "out"
    out.mkdir()
    done = cli("video", str(trunc), "-o", str(out / "c.mp4"), "--alpha", str(out / "a"), "--matter", "test-dark", "--everyone", "--progress", "off")
    assert done.returncode != 0 and "truncated" in done.stderr, done.stderr
    assert list(out.iterdir()) == []  # no half-written output that looks complete
