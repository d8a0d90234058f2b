"""Scoring a clip's alphas against per-frame ground-truth masks (e.g. the DAVIS 2016 people clips)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..types import QualityWarning
from .warmup import WARMUP_FRAMES

__all__ = ["ClipReport", "evaluate_clip", "score_clip", "outside_mass", "OUTSIDE_GROW"]

#: How far the truth is grown before alpha outside it counts (:func:`outside_mass`), as a share of the frame's long side.
OUTSIDE_GROW = 0.02


def outside_mass(alpha: np.ndarray, truth: np.ndarray, grow: float = OUTSIDE_GROW) -> float:
    """The alpha outside the truth grown by ``grow`` of the long side, as a share of the truth's area.

    Parameters
    ----------
    alpha : numpy.ndarray
        H×W float alpha in [0, 1].
    truth : numpy.ndarray
        H×W bool ground-truth mask.
    grow : float
        The dilation radius (a disc), as a share of ``max(H, W)``.

    Returns
    -------
    float
        ``sum(alpha · not grown(truth)) / sum(truth)``; 0 when the truth is empty.
    """
    import cv2

    from .._ops import disk

    area = int(truth.sum())
    if area == 0:
        return 0.0
    grown = cv2.dilate(truth.astype(np.uint8), disk(round(grow * max(truth.shape)))) > 0
    return float(np.asarray(alpha, np.float32)[~grown].sum() / area)


@dataclass
class ClipReport:
    """Per-frame and whole-clip scores of one clip.

    Attributes
    ----------
    ious : list[float]
        IoU of ``alpha > 0.5`` with the ground-truth mask, per frame.
    mean_iou : float
    dtssd : float
        :func:`studiocomp.metrics.dtssd` ×100 (as RVM's tables report it).
    flicker : float
        :func:`studiocomp.metrics.flicker` with the ground truth, ×100.
    temporal_iou : float
        :func:`studiocomp.metrics.temporal_iou` of the predicted masks.
    worst : list[int]
        Frame indices, lowest IoU first.
    strip : Path or None
        The image of the worst frames (frame | truth | alpha per row), when written.
    warnings : list[QualityWarning]
        The tracker's doubts about the clip (as :attr:`studiocomp.video.VideoResult.warnings`);
        empty without tracking and from :func:`score_clip`.
    outside : list[float]
        Per frame, the alpha mass outside the truth grown by :data:`OUTSIDE_GROW` of the frame's long
        side (17 px at 854×480), as a share of the truth's area (0.05: 5 % of the person): what the
        matte holds that is not the subject, e.g. a bystander's ghost. Its edge is beyond the truth's
        outline, so a soft edge costs nothing; 0 where the truth is empty.
    """

    ious: list[float]
    mean_iou: float
    dtssd: float
    flicker: float
    temporal_iou: float
    worst: list[int] = field(default_factory=list)
    strip: Path | None = None
    warnings: list[QualityWarning] = field(default_factory=list)
    outside: list[float] = field(default_factory=list)

    def row(self) -> dict[str, float]:
        """The whole-clip scores as one CSV row: ``mean_iou``, ``dtssd_x100``, ``flicker_x100``, ``temporal_iou``.

        Returns
        -------
        dict of str to float
        """
        return {"mean_iou": self.mean_iou, "dtssd_x100": self.dtssd, "flicker_x100": self.flicker, "temporal_iou": self.temporal_iou}


def score_clip(alphas: Any, gt_masks: Any) -> ClipReport:
    """Scores of T×H×W alphas (float in [0, 1]) against T×H×W bool masks (see :class:`ClipReport`).

    Parameters
    ----------
    alphas : array_like
        T×H×W float alphas in [0, 1] (or a list of H×W).
    gt_masks : array_like
        T×H×W bool ground-truth masks.

    Returns
    -------
    ClipReport
        Without ``strip`` (nothing is written).

    Raises
    ------
    InputError
        The shapes differ.
    """
    from ..metrics import dtssd, flicker, temporal_iou

    a = np.asarray(alphas, np.float32)
    g = np.asarray(gt_masks).astype(bool)
    if a.shape != g.shape or a.ndim != 3:
        raise InputError("alphas", f"T×H×W like the masks {g.shape}", f"{a.shape}")
    pm = a > 0.5
    ious = [float((x & y).sum() / max(1, (x | y).sum())) if (x | y).any() else 1.0 for x, y in zip(pm, g, strict=True)]
    gf = g.astype(np.float32)
    return ClipReport(
        ious=ious,
        mean_iou=float(np.mean(ious)),
        dtssd=100.0 * dtssd(a, gf),
        flicker=100.0 * flicker(a, gf),
        temporal_iou=temporal_iou(pm),
        worst=[int(i) for i in np.argsort(ious)],
        outside=[outside_mass(x, y) for x, y in zip(a, g, strict=True)],
    )


def evaluate_clip(
    frames: str | os.PathLike[str],
    masks: str | os.PathLike[str],
    matter: Any = None,
    *,
    track: Any = True,
    stabilise: bool | None = None,
    warmup: int = WARMUP_FRAMES,
    strip: str | os.PathLike[str] | None = None,
    worst: int = 4,
) -> ClipReport:
    """Matte a clip (a video or a folder of frames) in order and score it against a folder of masks.

    Parameters
    ----------
    frames : path
        The clip (``image/<seq>`` of DAVIS).
    masks : path
        One PNG per frame, sorted by name (``mask/<seq>``); > 127 is the subject.
    matter, stabilise : see :func:`studiocomp.video.temporal_matter` (default RVM with its state).
    track : bool or SubjectTracker
        Keep only the main subject (as :func:`studiocomp.video.run` does).
    warmup : int
        Prime a recurrent matter's state on the first ``warmup`` frames before matting from frame 0
        (as :func:`studiocomp.video.run` does; 0: start from a zero state).
    strip : path, optional
        Write a PNG of the ``worst`` frames: frame | truth | alpha, one row each.
    worst : int
        How many of the lowest-IoU frames the strip shows.

    Returns
    -------
    ClipReport

    Raises
    ------
    InputError
        The mask count differs from the frame count, or a mask's size from the frame's; a negative ``warmup``.
    """
    from PIL import Image

    from .io import open_video
    from .stream import check_warmup, fresh_clip_stages
    from .warmup import warm_up

    check_warmup(warmup)
    mask_files = sorted(p for p in Path(masks).iterdir() if p.suffix.lower() == ".png")
    m, tracker = fresh_clip_stages(matter, stabilise, track)
    alphas: list[np.ndarray] = []
    gts: list[np.ndarray] = []
    with open_video(frames) as reader:
        if reader.info.frames and reader.info.frames != len(mask_files):
            raise InputError(str(masks), f"{reader.info.frames} masks (one per frame)", len(mask_files))
        frames_iter = warm_up(m, iter(reader), warmup, lambda item: item[0].astype(np.float32) / 255.0)
        pending = next(frames_iter, None)  # one frame ahead: the tracker sees the next frame's motion (as run() does)
        i = -1
        while pending is not None:
            i += 1
            rgb, _t = pending
            pending = next(frames_iter, None)
            a = m.matte(rgb.astype(np.float32) / 255.0).alpha
            if tracker is not None:
                a = tracker(a, rgb, pending[0] if pending is not None else None)
            g = np.array(Image.open(mask_files[i]).convert("L")) > 127
            if g.shape != a.shape:
                raise InputError(str(mask_files[i]), f"a mask of {a.shape}", f"{g.shape}")
            alphas.append((a * 255 + 0.5).astype(np.uint8))  # 8-bit: a 90-frame 854×480 clip is 37 MB
            gts.append(g)
    report = score_clip(np.stack(alphas).astype(np.float32) / 255.0, np.stack(gts))
    report.warnings = tracker.warnings() if tracker is not None else []
    if strip is not None:
        from ..image import save_image

        rows = []
        with open_video(frames) as reader:
            chosen = set(report.worst[:worst])
            for i, (rgb, _t) in enumerate(reader):
                if i in chosen:
                    g3 = np.repeat(gts[i][..., None].astype(np.uint8) * 255, 3, 2)
                    a3 = np.repeat(alphas[i][..., None], 3, 2)
                    rows.append((i, np.concatenate([rgb, g3, a3], axis=1)))
        rows.sort(key=lambda r: report.ious[r[0]])
        report.strip = save_image(Path(strip), np.concatenate([r for _, r in rows], axis=0).astype(np.float32) / 255.0)
    return report
