"""The tracker says when it loses the chosen subject: ``subject-lost``, ``subject-switched``, ``subject-tiny``.

A point on a seated spectator of dance-twirl (a 10 px blob on the first frame, nothing after) wrote a clip of the
background alone, exit 0, no warning; a point on a standing spectator of breakdance followed a crowd group, then the
dancer. Both are now reported (the clip is still written).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studiocomp.video.subject_record import LOST_FRAMES, SubjectRecord, subject_warnings
from studiocomp.video.track import SubjectTracker


def codes(warnings: list) -> list[str]:
    return sorted(w.code for w in warnings)


def person(h: int, w: int, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    a = np.zeros((h, w), np.float32)
    a[y0:y1, x0:x1] = 1.0
    return a


class TestSubjectWarnings:
    def test_a_steady_subject_has_none(self) -> None:
        rec = SubjectRecord()
        for k in range(20):
            rec.add(0.05 * (1 + 0.3 * math.sin(k)), (0.4 + 0.005 * k, 0.2, 0.6 + 0.005 * k, 0.9))
        assert subject_warnings(rec) == []
        assert math.isnan(rec.box_ious[0]) and min(rec.box_ious[1:]) > 0.9

    def test_lost_names_the_frames_and_ignores_a_short_gap(self) -> None:
        rec = SubjectRecord()
        box = (0.4, 0.2, 0.6, 0.9)
        for k in range(30):
            gone = k in (5, 6, 7) or 12 <= k < 20 or k >= 26  # 3 frames: a blink, not a loss
            rec.add(0.0 if gone else (0.004 if k == 25 else 0.05), None if gone else box)
        (w,) = subject_warnings(rec)
        assert w.code == "subject-lost" and w.uncertain
        assert "12-19, 25-29" in w.message and "13 of 30" in w.message, w.message
        assert w.value == pytest.approx(13 / 30)

    def test_switched_is_a_jump_of_the_box(self) -> None:
        rec = SubjectRecord()
        for k in range(10):
            rec.add(0.05, (0.1, 0.2, 0.3, 0.9) if k < 6 else (0.6, 0.2, 0.8, 0.9))
        (w,) = subject_warnings(rec)
        assert w.code == "subject-switched" and "(6;" in w.message and w.value == 0.0, w.message

    def test_tiny_first_subject(self) -> None:
        rec = SubjectRecord()
        for _ in range(8):
            rec.add(0.0005, (0.5, 0.5, 0.52, 0.52))
        (w,) = subject_warnings(rec)
        assert w.code == "subject-tiny" and "0.050%" in w.message and w.value == pytest.approx(0.0005)

    def test_the_first_frame_is_the_first_with_anyone_on_it(self) -> None:
        rec = SubjectRecord()
        for k in range(10):
            rec.add(0.0 if k < 5 else 0.05, None if k < 5 else (0.4, 0.2, 0.6, 0.9))
        assert subject_warnings(rec) == []  # the subject walks in: nothing was lost
        empty = SubjectRecord()
        for _ in range(3):
            empty.add(0.0, None)
        (w,) = subject_warnings(empty)
        assert w.code == "subject-lost" and "any of the 3 frames" in w.message
        assert subject_warnings(SubjectRecord()) == []


class TestTracker:
    def test_a_subject_that_vanishes_is_lost(self) -> None:
        """The matter stops seeing the chosen person while another stays (the lost path) and then sees no one at all."""
        h, w = 120, 160
        tracker = SubjectTracker(point=(30, 60))
        for k in range(12):
            a = person(h, w, 110, 20, 140, 110)  # someone else, far from the subject
            if k < 3:
                a += person(h, w, 20, 20, 45, 110)
            if k >= 8:
                a[:] = 0.0
            out = tracker(a)
            assert (out[60, 30] > 0.5) == (k < 3)
        assert tracker.record.areas[3:] == [0.0] * 9 and tracker.record.boxes[3] is None
        (warn,) = tracker.warnings()
        assert warn.code == "subject-lost" and "9 of 12 frames (3-11)" in warn.message, warn.message

    def test_a_subject_swallowed_by_a_larger_one_is_switched(self) -> None:
        """A small subject joined by a big person over it (the component holds all of the subject): the box jumps."""
        h, w = 200, 200
        tracker = SubjectTracker(point=(100, 100), motion=False)
        for k in range(8):
            tracker(person(h, w, 90, 80, 110, 120) if k < 4 else person(h, w, 20, 10, 190, 195))
        ious = tracker.record.box_ious
        assert ious[4] < 0.2 and min(ious[1:4] + ious[5:]) > 0.9, ious
        # it also took in the big person's region (subject-merged, since 2026-12-01's eighth session)
        assert codes(tracker.warnings()) == ["subject-merged", "subject-switched"], tracker.warnings()
        warn = next(w for w in tracker.warnings() if w.code == "subject-switched")
        assert warn.code == "subject-switched" and "(4;" in warn.message, warn.message

    def test_a_point_on_a_sliver_is_tiny(self) -> None:
        h, w = 240, 320
        tracker = SubjectTracker(point=(300, 20))
        for _ in range(5):
            tracker(person(h, w, 40, 40, 120, 230) + person(h, w, 298, 18, 304, 24))  # a 6×6 px scrap at the point
        assert codes(tracker.warnings()) == ["subject-tiny"]
        assert tracker.record.areas[0] < 0.002

    def test_reset_forgets_the_record(self) -> None:
        tracker = SubjectTracker()
        tracker(person(64, 64, 10, 10, 40, 60))
        tracker.reset()
        assert tracker.record.areas == [] and tracker.warnings() == []


def dark_frames(folder: Path, n: int, visible: int) -> Path:
    """``n`` frames of a light room; one dark person sways on the left for the first ``visible`` frames."""
    from studiocomp.image import save_image

    folder.mkdir()
    for i in range(n):
        img = np.full((120, 160, 3), 0.9, np.float32)
        if i < visible:
            img[20:100, 20 + i : 50 + i] = 0.1
        save_image(folder / f"{i:03d}.png", img)
    return folder


def test_run_reports_a_lost_subject_and_still_writes_the_clip(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from tests.unit.test_video import DarkMatter

    from studiocomp.video import run

    res = run(dark_frames(tmp_path / "frames", 10, 3), tmp_path / "out", matter=DarkMatter(), progress=False)
    assert res.frames == 10 and len(list((tmp_path / "out").glob("*.png"))) == 10
    assert codes(res.warnings) == ["subject-lost"] and res.uncertain and "(3-9)" in res.warnings[0].message
    assert res.subject is not None and len(res.subject.areas) == 10
    steady = run(dark_frames(tmp_path / "steady", 10, 10), tmp_path / "out2", matter=DarkMatter(), progress=False)
    assert steady.warnings == [] and not steady.uncertain
    everyone = run(tmp_path / "frames", tmp_path / "out3", matter=DarkMatter(), track=False, progress=False)
    assert everyone.warnings == [] and everyone.subject is None


def test_video_cli_prints_the_warning_and_exits_0(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from tests.unit.test_video_abort import CLI, REPO

    frames = dark_frames(tmp_path / "frames", 3 + LOST_FRAMES + 3, 3)
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    base = [sys.executable, "-c", CLI, "video", str(frames), "--matter", "test-dark", "--point", "30,60", "--progress", "off"]
    res = subprocess.run([*base, "-o", str(tmp_path / "o.mp4")], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert res.returncode == 0 and (tmp_path / "o.mp4").exists(), res.stderr
    assert "uncertain (written; look at it): 1 warning" in res.stdout, res.stdout
    assert f"studiocomp: uncertain: {frames}: subject-lost: the subject was lost on 6 of 9 frames (3-8)" in res.stderr, res.stderr
    strict = subprocess.run([*base, "-o", str(tmp_path / "o2.mp4"), "--fail-uncertain"], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert strict.returncode == 1 and (tmp_path / "o2.mp4").exists() and "subject-lost" in strict.stderr, strict.stderr
