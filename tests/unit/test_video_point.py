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


def test_a_box_with_no_person_in_it_chooses_no_one() -> None:
    """``--box`` on the empty floor was accepted and then tracked whoever was largest and most central; a box that
    only grazes someone's edge chose them. Both are errors on the first frame, like a point far from everyone."""
    alpha = np.zeros((120, 160), np.float32)
    alpha[20:100, 20:50] = 1.0  # a person on the left
    alpha[30:90, 110:130] = 1.0  # one on the right
    with pytest.raises(InputError, match="no person in it; the nearest is 11 px away"):
        SubjectTracker(box=(60, 90, 100, 118))(alpha)
    with pytest.raises(InputError, match="only 1% of the person it touches"):
        SubjectTracker(box=(45, 95, 80, 118))(alpha)
    right = SubjectTracker(box=(100, 20, 140, 100))(alpha)  # a loose box around the right one
    assert right[50, 120] > 0.9 and right[50, 30] == 0.0
    head = SubjectTracker(box=(25, 25, 35, 35))(alpha)  # a small box on the left one's head
    assert head[50, 30] > 0.9 and head[50, 120] == 0.0


def test_video_cli_box_on_the_empty_floor_is_a_usage_error(tmp_path: Path) -> None:
    pytest.importorskip("av")
    import os
    import subprocess
    import sys

    from tests.unit.test_video_abort import CLI, REPO

    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        img = np.full((120, 160, 3), 0.9, np.float32)
        img[20:100, 20 + i : 50 + i] = 0.1  # one dark person
        save_image(frames / f"{i:03d}.png", img)
    out = tmp_path / "out.mp4"
    cmd = [sys.executable, "-c", CLI, "video", str(frames), "-o", str(out), "--box", "90,10,150,110", "--matter", "test-dark", "--progress", "off"]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=dict(os.environ, HF_HUB_OFFLINE="1"), timeout=120)
    assert res.returncode == 2 and "no person in it" in res.stderr and "--box" not in res.stdout, res.stderr
    assert "studiocomp: error: --box: expected a box" in res.stderr, res.stderr  # the option, not the argument "box:"
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


def spectator_clip(gap: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """A big dancer swaying on the left and a small spectator standing still ``gap`` px right of the dancer's reach,
    on a textured backdrop: (alpha, frame, spectator mask, dancer mask) per frame."""
    h, w = 240, 320
    yy, xx = np.mgrid[:h, :w]
    tex = (np.random.default_rng(0).random((h, w)) * 0.2 + 0.7).astype(np.float32)
    shots = []
    for k in range(12):
        dancer = (((xx - 120 - 18 * np.sin(k / 2)) / 30) ** 2 + ((yy - 130) / 90) ** 2) < 1
        spect = (((xx - 164 - gap) / 14) ** 2 + ((yy - 150) / 45) ** 2) < 1
        img = np.repeat(tex[..., None], 3, 2)
        img[dancer] = (0.2 + 0.1 * np.sin(xx / 3.0 + k))[dancer][:, None]
        img[spect] = 0.35
        shots.append(((dancer | spect).astype(np.float32), (img * 255).astype(np.uint8), spect, dancer & ~spect))
    return shots


@pytest.mark.parametrize("on", [True, False])
def test_a_point_on_or_beside_a_spectator_follows_the_spectator(on: bool) -> None:
    """``--point`` on a still spectator standing near a big dancer (within the point's 5 % reach, but apart) followed the
    dancer from the third frame: the dancer, swaying close, covered more of the ring around the small spectator than the
    spectator has pixels, and was taken for the subject joined to others. The subject is the person under (or nearest)
    the point, on every frame."""
    shots = spectator_clip(gap=20)
    x = 184 if on else 204  # on the spectator, or 6 px right of their edge (the reach is 20 px)
    tracker = SubjectTracker(point=(x, 150))
    for k, (alpha, frame, spect, dancer) in enumerate(shots):
        out = tracker(alpha, frame, shots[1][1] if k == 0 else None)
        assert out[spect].mean() > 0.95 and out[dancer].max() == 0.0, (k, out[spect].mean(), out[dancer].mean())
