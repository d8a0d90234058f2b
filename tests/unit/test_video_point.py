"""``studiocomp video --point/--box`` off the first frame: a clear usage error, before anything is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studiocomp.cli import main
from studiocomp.errors import InputError
from studiocomp.image import save_image
from studiocomp.video.track import SubjectTracker


def test_tracker_refuses_a_point_or_box_off_the_frame() -> None:
    alpha = np.zeros((48, 64), np.float32)
    alpha[10:40, 20:40] = 1.0
    with pytest.raises(InputError, match="64×48 first frame"):
        SubjectTracker(point=(5000, 5000))(alpha)
    with pytest.raises(InputError, match="64×48 first frame"):
        SubjectTracker(box=(100, 100, 200, 200))(alpha)
    with pytest.raises(InputError, match="point"):
        SubjectTracker(point=(-1, 10)).check_frame(64, 48)
    inside = SubjectTracker(point=(30, 20))
    out = inside(alpha)
    assert out.shape == alpha.shape and out[25, 30] > 0.9
    inside(alpha)  # later frames are not checked again
    SubjectTracker(box=(-10, -10, 30, 30)).check_frame(64, 48)  # a box that overlaps the frame is fine


@pytest.mark.parametrize(("option", "value", "needle"), [("--point", "5000,5000", "64×48"), ("--box", "100,100,200,200", "64×48"), ("--point", "1,2,3", "X,Y")])
def test_video_cli_refuses_it_before_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, needle: str) -> None:
    pytest.importorskip("av")
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        save_image(frames / f"{i:03d}.png", np.full((48, 64, 3), 0.2 + 0.1 * i, np.float32))
    out = tmp_path / "out.mp4"
    code = main(["video", str(frames), "-o", str(out), option, value, "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and option in err, err
    assert not out.exists() and not list(tmp_path.glob("*.mp4*")) and not list(tmp_path.glob(".*"))


def test_a_point_far_from_everyone_chooses_no_one() -> None:
    """A point on the empty floor is an error on the first frame (it chose a 25 px scrap and wrote a blank clip)."""
    alpha = np.zeros((120, 160), np.float32)
    alpha[20:100, 20:50] = 1.0
    with pytest.raises(InputError, match="nearest person is"):
        SubjectTracker(point=(150, 110))(alpha)
    near = SubjectTracker(point=(55, 60))(alpha)  # a few pixels off the person's edge still chooses them
    assert near[60, 30] > 0.9
