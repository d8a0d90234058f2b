"""The tracker says when the subject takes in a region it did not have: ``subject-merged``.

On DAVIS breakdance RVM mattes the dancer and the crowd as one blob and the tracker cuts the dancer out by his motion;
a spectator who steps up to the subject and moves on with them passes that cut (both move) and was kept as part of the
subject, silently. The tracker now records, per frame, the subject's part beyond reach of the previous subject carried
along the flow (:attr:`SubjectRecord.joined`), and a large one is a warning. The clip here is generated: a dark,
textured person walking right over a light, textured floor, and a second one who walks up from the right, touches
them and walks on with them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studiocomp.video.subject_record import MERGED_FRACTION, SubjectRecord, subject_warnings
from studiocomp.video.track import SubjectTracker

T, H, W = 14, 120, 240


def person(seed: int, h: int, w: int) -> np.ndarray:
    """A dark, textured person (h×w×3 float32, mean grey about 0.2)."""
    import cv2

    tex = cv2.GaussianBlur(np.random.default_rng(seed).random((h, w)).astype(np.float32), (0, 0), 1.0)
    return np.stack([0.1 + 0.3 * tex, 0.08 + 0.25 * tex, 0.12 + 0.2 * tex], -1)


def clip(bystander: bool) -> list[np.ndarray]:
    """``T`` frames (H×W×3 float32): the subject walks right 4 px a frame; with ``bystander``, a second person walks
    left 8 px a frame until they touch (frame 6), then right with the subject."""
    import cv2

    floor = cv2.GaussianBlur(np.random.default_rng(0).random((H, W)).astype(np.float32), (0, 0), 1.2)
    floor = np.repeat((0.7 + 0.25 * floor)[..., None], 3, 2)
    a, b = person(1, 70, 26), person(2, 66, 24)
    frames = []
    for t in range(T):
        img = floor.copy()
        x = 30 + 4 * t
        img[30:100, x : x + 26] = a
        if bystander:
            bx = max(x + 26, 128 - 8 * t)  # walks up to the subject's right side, then on with it
            img[32:98, bx : bx + 24] = b
        frames.append(img)
    return frames


def track(frames: list[np.ndarray]) -> SubjectTracker:
    tracker = SubjectTracker()
    for t, f in enumerate(frames):
        alpha = (f.mean(axis=2) < 0.55).astype(np.float32)  # the matter: everyone dark
        tracker(alpha, f, frames[t + 1] if t + 1 < T else None)
    return tracker


def test_a_bystander_taken_in_is_reported() -> None:
    tracker = track(clip(bystander=True))
    joined = tracker.record.joined
    assert len(joined) == T and joined[0] == 0.0
    merged = [w for w in tracker.warnings() if w.code == "subject-merged"]
    assert len(merged) == 1 and merged[0].uncertain, tracker.warnings()
    # the bystander (66×24 px against the subject's 70×26) comes in on the frame they touch: most of its area is new
    assert max(joined) >= 0.5 and merged[0].value == pytest.approx(max(joined)), np.round(joined, 3)
    assert "(6;" in merged[0].message or "(6," in merged[0].message or "(6-" in merged[0].message, merged[0].message


def test_a_lone_walker_is_not() -> None:
    tracker = track(clip(bystander=False))
    assert max(tracker.record.joined) < 0.5 * MERGED_FRACTION, np.round(tracker.record.joined, 3)
    assert tracker.warnings() == []


def test_the_threshold_and_the_message() -> None:
    rec = SubjectRecord()
    for k in range(8):
        rec.add(0.05, (0.4, 0.2, 0.6, 0.9), joined=0.4 if k in (3, 4) else 0.01)
    (w,) = subject_warnings(rec)
    assert w.code == "subject-merged" and "2 frames (3-4;" in w.message and w.value == pytest.approx(0.4), w.message
    assert subject_warnings(rec, merged_fraction=0.5) == []
    assert SubjectRecord().joined == []


def test_run_carries_it_into_the_video_result(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from tests.unit.test_video import DarkMatter

    from studiocomp.image import save_image
    from studiocomp.video import run

    folder = tmp_path / "frames"
    folder.mkdir()
    for t, f in enumerate(clip(bystander=True)):
        save_image(folder / f"{t:03d}.png", f)
    res = run(folder, tmp_path / "out", matter=DarkMatter(), progress=False)
    assert res.frames == T and "subject-merged" in [w.code for w in res.warnings] and res.uncertain, res.warnings
    assert res.subject is not None and len(res.subject.joined) == T
