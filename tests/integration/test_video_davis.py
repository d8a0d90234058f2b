"""Video on the DAVIS 2016 people clips (../shared): subject IoU and the stabiliser's effect. Slow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.conftest import shared_path

pytest.importorskip("av")

pytestmark = [pytest.mark.data, pytest.mark.slow]


def clip(seq: str) -> tuple[Path, Path]:
    root = shared_path("data", "davis2016_people_video")
    return root / "image" / seq, root / "mask" / seq


def test_rvm_with_state_on_dance_twirl(hub_cache: Path, tmp_path: Path) -> None:
    """Issue 15 reference: RVM with its state scored 0.831 mean IoU; the target (0.88) is not reached yet."""
    from studiocomp.video import evaluate_clip

    frames, masks = clip("dance-twirl")
    rep = evaluate_clip(frames, masks, strip=tmp_path / "worst.png")
    assert rep.mean_iou > 0.80, rep.row()
    assert rep.strip is not None and rep.strip.exists()
    assert rep.warnings == [], [str(w) for w in rep.warnings]  # the dancer is followed throughout: no subject-lost/-switched/-tiny


@pytest.mark.parametrize("seq", ["dance-twirl", "breakdance"])
def test_stabilised_modnet_is_steadier_at_no_loss_of_iou(hub_cache: Path, seq: str) -> None:
    """Issue 15's target, -30 % dtSSD at no loss of IoU: measured -30.6 % (dance-twirl) and -32.2 % (breakdance), IoU +0.043 and +0.028."""
    from studiocomp.registry import create
    from studiocomp.video import evaluate_clip

    frames, masks = clip(seq)
    modnet = create("matter", "modnet")
    raw = evaluate_clip(frames, masks, modnet, track=False, stabilise=False)
    steady = evaluate_clip(frames, masks, modnet, track=False, stabilise=True)
    assert steady.dtssd <= 0.70 * raw.dtssd and steady.flicker < raw.flicker, (raw.row(), steady.row())
    assert steady.mean_iou >= raw.mean_iou - 0.005, (raw.row(), steady.row())
    assert np.isfinite(steady.temporal_iou)


def test_tracker_separates_the_dancer_from_the_crowd(hub_cache: Path, tmp_path: Path) -> None:
    """breakdance: RVM mattes the crowd and the dancer as one blob (IoU 0.17 without motion).

    The tracker separates the dancer by her own camera-compensated motion, checked against the next frame
    too, carried along the flow, snapped to the frame's edges and corrected by the scene remembered behind the dancer:
    measured 0.834 with one flow a frame (0.818 with two, 0.774 before the remembered scene, 0.670 before 2026-12-01);
    issue 15's target 0.80.
    """
    from studiocomp.video import evaluate_clip
    from studiocomp.video.track import SubjectTracker

    frames, masks = clip("breakdance")
    plain = evaluate_clip(frames, masks, track=SubjectTracker(motion=False))
    moving = evaluate_clip(frames, masks, track=SubjectTracker(), strip=tmp_path / "worst.png")
    assert plain.mean_iou < 0.3, plain.row()
    assert moving.mean_iou > 0.80, moving.row()
    assert moving.warnings == [], [str(w) for w in moving.warnings]  # the default run never loses, switches or merges the dancer


def test_warm_up_removes_the_bystanders_ghost_on_dance_twirl(hub_cache: Path, tmp_path: Path) -> None:
    """A cold RVM state mattes the seated spectator beside the dancer as a ghost on the first frames (alpha outside
    the grown truth 4.9 % of the dancer on frame 0, 2.7 % on frame 1); primed on 16 frames it is gone (0.00 %).

    Measured on the clip's first 20 frames (linked into a folder): the same frames as the whole clip's first 20.
    """
    from studiocomp.video import evaluate_clip

    frames, masks = clip("dance-twirl")
    for src, name in ((frames, "image"), (masks, "mask")):
        (tmp_path / name).mkdir()
        for p in sorted(q for q in src.iterdir() if q.suffix.lower() in (".jpg", ".png"))[:20]:
            (tmp_path / name / p.name).symlink_to(p)
    cold = evaluate_clip(tmp_path / "image", tmp_path / "mask", warmup=0)
    warm = evaluate_clip(tmp_path / "image", tmp_path / "mask")
    assert max(cold.outside[:2]) > 0.02, cold.outside[:4]
    assert max(warm.outside[:4]) < 0.005, warm.outside[:4]
    assert warm.ious[0] > cold.ious[0] + 0.03, (cold.ious[:4], warm.ious[:4])
