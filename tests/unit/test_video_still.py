"""A single still image given to ``studiocomp video`` is a clip of one frame, read by the image loader.

A truncated JPEG used to go to FFmpeg, which decoded half of it (grey below the cut), printed "1 frames"
and exited 0; ``composite`` and a folder holding the same file refuse it. Now all three refuse it alike.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av")

from tests.unit.test_video_abort import CLI  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def photo_jpeg() -> bytes:
    """A 96×64 JPEG with detail everywhere (noise over a gradient), so that a cut file is missing real rows."""
    from PIL import Image

    rng = np.random.default_rng(0)
    img = np.clip(np.linspace(40, 220, 96)[None, :, None] + rng.normal(0, 30, (64, 96, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["cut.jpg", "cut.mp4"])  # by its suffix, or by FFmpeg recognising an image under another name
def test_a_truncated_still_is_refused_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    src = tmp_path / name
    src.write_bytes(photo_jpeg()[:1500])
    out = tmp_path / "out.mp4"
    done = cli("video", str(src), "-o", str(out), "--matter", "test-dark", "--everyone", "--progress", "off")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "expected a complete JPEG file, got a truncated JPEG" in done.stderr
    assert "frames in" not in done.stdout
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_the_refusal_is_the_image_loaders(tmp_path: Path) -> None:
    from studiocomp.errors import InputError
    from studiocomp.image import load_image
    from studiocomp.video import open_video

    src = tmp_path / "cut.jpg"
    src.write_bytes(photo_jpeg()[:1500])
    with pytest.raises(InputError) as by_loader:
        load_image(src)
    with pytest.raises(InputError) as by_video:
        open_video(src)  # on opening, before any model loads or any output is opened
    assert str(by_video.value) == str(by_loader.value)  # one check, one message


def test_a_complete_still_is_a_one_frame_clip(tmp_path: Path) -> None:
    from studiocomp.image import load_image
    from studiocomp.video import open_video

    src = tmp_path / "photo.jpg"
    src.write_bytes(photo_jpeg())
    with open_video(src) as reader:
        frames = list(reader)
    assert reader.info.codec == "image" and reader.info.frames == 1 and (reader.info.width, reader.info.height) == (96, 64)
    assert len(frames) == 1 and frames[0][1] == 0.0
    expected = np.clip(load_image(src) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(frames[0][0], expected)  # the same pixels as a frame of a folder
    out = tmp_path / "out.mp4"
    done = cli("video", str(src), "-o", str(out), "--matter", "test-dark", "--everyone", "--progress", "off")
    assert done.returncode == 0, done.stderr
    assert "1 frames in" in done.stdout and out.is_file()


def test_video_help_lists_what_it_takes(capsys: pytest.CaptureFixture[str]) -> None:
    from studiocomp.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["video", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--cutout OUT.webm|OUT.mov|OUT.mp4|DIR" in text and "ProRes 4444" in text.split("--cutout OUT.webm|OUT.mov|OUT.mp4|DIR")[-1]
    assert "one still image" in text
