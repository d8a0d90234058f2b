"""The tracker's cut of a moving subject from a still crowd that the matter joins to it (DAVIS breakdance's kind).

A dancer in front of a crowd is one blob in RVM's alpha; the tracker cuts the dancer out by their own motion.
Before 2026-12-01 that cut followed the dense flow's smooth blobs: a halo of crowd on the side the subject had just
left and a ragged edge (breakdance mean IoU 0.670). It now checks the motion against the next frame too, carries the
evidence along the flow, and snaps the cut to the frame's colour edges (0.774). The clip here is generated: a
red-clad, textured person moving right across a grey, textured crowd band while the camera pans.
"""

from __future__ import annotations

import numpy as np
import pytest

from studiocomp.errors import InputError
from studiocomp.video.track import SubjectTracker

T, H, W = 12, 180, 320


def clip() -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Frames (H×W×3 float32), alphas (the crowd and the person: one blob) and the person's true masks."""
    import cv2

    world = np.random.default_rng(0).random((H, W + 3 * T)).astype(np.float32)
    world = cv2.GaussianBlur(world, (0, 0), 1.5)
    world = (world - world.min()) / (world.max() - world.min())
    texture = np.random.default_rng(1).random((70, 36)).astype(np.float32)
    person = np.stack([0.6 + 0.3 * texture, 0.15 + 0.1 * texture, 0.1 + 0.1 * texture], -1)
    frames, alphas, truths = [], [], []
    for t in range(T):
        scene = np.repeat(world[:, 2 * t : 2 * t + W, None], 3, 2) * 0.6  # the camera pans 2 px a frame
        alpha = np.zeros((H, W), np.float32)
        alpha[70:170, 30:290] = 1  # the crowd: a wide band, still in the scene
        truth = np.zeros((H, W), bool)
        x, y = 70 + 5 * t, 60 + t % 3  # the person, in front of the crowd (touching it), moving right 5 px a frame
        scene[y : y + 70, x : x + 36] = person
        alpha[y : y + 70, x : x + 36] = 1
        truth[y : y + 70, x : x + 36] = True
        frames.append(scene.astype(np.float32))
        alphas.append(alpha)
        truths.append(truth)
    return frames, alphas, truths


def ious(tracker: SubjectTracker, look_ahead: bool) -> list[float]:
    frames, alphas, truths = clip()
    out = []
    for t in range(T):
        after = frames[t + 1] if t + 1 < T and (look_ahead or t == 0) else None
        cut = tracker(alphas[t], frames[t], after) > 0.5
        assert cut.sum() < 2 * truths[t].sum()  # the crowd is left out
        out.append(float((cut & truths[t]).sum() / (cut | truths[t]).sum()))
    return out


def test_the_cut_from_a_crowd_follows_the_subjects_outline() -> None:
    # measured: 0.884 mean, 0.826 the lowest (the tracker before: 0.784 mean, 0.675 the lowest)
    got = ious(SubjectTracker(), look_ahead=True)
    assert np.mean(got[1:]) > 0.85 and min(got) > 0.8, np.round(got, 3)


def test_without_the_next_frame_the_cut_still_holds() -> None:
    # the last frame of a clip, or a caller that does not read ahead: the previous frame alone (measured 0.804 mean)
    got = ious(SubjectTracker(), look_ahead=False)
    assert np.mean(got[1:]) > 0.75 and min(got) > 0.7, np.round(got, 3)


def test_each_cue_can_be_turned_off() -> None:
    plain = ious(SubjectTracker(carry=0.0, refine=False), look_ahead=True)
    full = ious(SubjectTracker(), look_ahead=True)
    assert np.mean(full) > np.mean(plain), (np.mean(plain), np.mean(full))


@pytest.mark.parametrize("carry", [-0.1, 1.0])
def test_carry_outside_its_range_is_refused(carry: float) -> None:
    with pytest.raises(InputError, match="carry"):
        SubjectTracker(carry=carry)


def test_the_remembered_scene_sharpens_the_cut() -> None:
    # the scene behind the subject, remembered while it is cut from the crowd. Measured without the next frame 0.943 mean
    # against 0.891 with scene=False; with it 0.999 / 0.989 (the lowest 0.934), where little is left to sharpen (before the
    # flow's single variational refinement: 0.936 / 0.884, and 0.879 / 0.804 without the next frame)
    full = ious(SubjectTracker(), look_ahead=True)
    assert np.mean(full[1:]) > 0.92 and min(full) > 0.84, np.round(full, 3)
    alone = ious(SubjectTracker(), look_ahead=False)
    assert np.mean(alone[1:]) > 0.86
    assert np.mean(ious(SubjectTracker(scene=False), look_ahead=False)[1:]) < np.mean(alone[1:]) - 0.03
    assert np.mean(ious(SubjectTracker(scene=False), look_ahead=True)[1:]) <= np.mean(full[1:])


def test_one_dense_flow_a_frame_and_the_cut_at_the_subjects_edge() -> None:
    # the flow towards the next frame is the next frame's backward flow, computed a frame early and negated: one DIS flow
    # a frame (12 frames' worth over the 12 frames; 22 before, two a frame), and DIS refines it variationally once (5
    # before), so the cut's edge is the subject's, not smoothed across it: measured 0.999 mean (0.936 before), 0.943
    # without the next frame (0.879)
    tracker = SubjectTracker()
    full = ious(tracker, look_ahead=True)
    assert tracker.flow_pixels <= T * H * W, tracker.flow_pixels / (H * W)
    assert np.mean(full[1:]) > 0.97, np.round(full, 3)
    assert np.mean(ious(SubjectTracker(), look_ahead=False)[1:]) > 0.92
