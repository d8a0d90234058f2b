"""The tracked subject's area and box over a clip, and the warnings read from them.

:class:`~studiocomp.video.SubjectTracker` appends one entry per frame to a :class:`SubjectRecord`;
:func:`subject_warnings` turns it into :class:`~studiocomp.QualityWarning` s, so that a clip whose
chosen subject vanished (a point on a spectator the matter barely sees), jumped to someone else,
was only a sliver from the start, or took in a region it did not have (a bystander it touched) is
reported, not written silently.

The thresholds were measured with RVM (the default matter) on the DAVIS 2016 people clips
``dance-twirl`` and ``breakdance`` (854×480, 90 and 84 frames, encoded as H.264 mp4). On their
default runs (the subject chosen by size and centre) the subject covers 6.0 % / 9.2 % of the first
frame, its area never falls below 76 % / 42 % of that, and its box's IoU with the previous frame's
never below 0.67 / 0.52. A ``--point`` on a seated spectator of dance-twirl chose a 0.024 % sliver
that was gone (0 px) from frame 1 on; one on a standing spectator of breakdance followed a crowd
group (22.7 % of the frame) whose box jumped at frames 15-16 (IoU 0.02, 0.04) to a scrap, then
to the dancer.
The part of the subject beyond reach of where it was (:attr:`SubjectRecord.joined`) is at most
5.7 % / 1.1 % of its area on any frame of breakdance / dance-twirl (RVM with the default warm-up, the
tracker's defaults of 2026-12-01's ninth session, one flow a frame; 3.4 % on breakdance with the eighth session's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..types import QualityWarning

__all__ = ["SubjectRecord", "subject_warnings", "LOST_FRACTION", "LOST_FRAMES", "MERGED_FRACTION", "SWITCH_IOU", "TINY_FRACTION"]

#: the subject counts as lost on a frame where its area is below this fraction of its first frame's (or zero) …
LOST_FRACTION = 0.1
#: … for more than this many frames in a row (a subject hidden for a moment, a frame the matter misses, is no loss)
LOST_FRAMES = 3
#: a box whose IoU with the previous frame's box is below this jumped: likely another person
SWITCH_IOU = 0.2
#: the subject absorbed a region on a frame where its new part beyond reach of where it was (:attr:`SubjectRecord.joined`)
#: is at least this fraction of its previous area (DAVIS with RVM: at most 0.057 on breakdance, 0.011 on dance-twirl)
MERGED_FRACTION = 0.15
#: a first-frame subject covering less than this fraction of the frame is a sliver the matter barely sees
TINY_FRACTION = 0.002


@dataclass
class SubjectRecord:
    """The tracked subject, frame by frame.

    Attributes
    ----------
    areas : list of float
        The subject's area per frame, a fraction of the frame in [0, 1] (pixels above the
        tracker's threshold, counted on its working-size mask); 0.0 on a frame where it was lost.
    boxes : list of (x0, y0, x1, y1) or None
        The subject's box per frame, as fractions of the frame's width and height (exclusive
        ends); None where it was lost.
    joined : list of float
        Per frame, the subject's part that lies beyond reach of where it was on the previous frame (the previous
        subject carried along the optical flow, or moved with its box when no flow was computed; the reach is 10 % of
        its previous box's long side), as a fraction of the previous frame's subject area: a region it absorbed, such
        as a bystander it touched who moves with it. 0.0 on the first frame, where it was lost, and where unknown.
    """

    areas: list[float] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float] | None] = field(default_factory=list)
    joined: list[float] = field(default_factory=list)

    def __repr__(self) -> str:
        if not self.areas:
            return "SubjectRecord(frames=0)"
        lost = sum(1 for b in self.boxes if b is None)
        return f"SubjectRecord(frames={len(self.areas)}, area first={self.areas[0]:.3f} min={min(self.areas):.3f} max={max(self.areas):.3f}, lost={lost})"

    def add(self, area: float, box: tuple[float, float, float, float] | None, joined: float = 0.0) -> None:
        """Append one frame.

        Parameters
        ----------
        area : float
            The subject's area, a fraction of the frame in [0, 1].
        box : (x0, y0, x1, y1) or None
            The subject's box as fractions of the frame's width and height; None when lost.
        joined : float
            The subject's new part this frame, beyond reach of where it was (see :attr:`joined`), as a fraction of
            the previous frame's subject area; 0.0 when none or unknown.
        """
        self.joined.append(float(joined))
        self.areas.append(float(area))
        self.boxes.append(None if box is None else (float(box[0]), float(box[1]), float(box[2]), float(box[3])))

    @property
    def box_ious(self) -> list[float]:
        """IoU of each frame's box with the previous frame's: NaN on the first frame and where either is missing.

        Returns
        -------
        list of float
            One per frame, in [0, 1] or NaN.
        """
        from .track import box_iou

        out = [math.nan]
        for prev, box in zip(self.boxes, self.boxes[1:], strict=False):
            out.append(math.nan if prev is None or box is None else box_iou(np.asarray(prev), np.asarray(box)))
        return out


def _spans(frames: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive frame numbers as (first, last)."""
    spans: list[tuple[int, int]] = []
    for f in frames:
        if spans and f == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], f)
        else:
            spans.append((f, f))
    return spans


def _name(spans: list[tuple[int, int]], limit: int = 4) -> str:
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans[:limit])
    return text + (f" and {len(spans) - limit} more" if len(spans) > limit else "")


def subject_warnings(
    record: SubjectRecord,
    *,
    lost_fraction: float = LOST_FRACTION,
    lost_frames: int = LOST_FRAMES,
    switch_iou: float = SWITCH_IOU,
    tiny_fraction: float = TINY_FRACTION,
    merged_fraction: float = MERGED_FRACTION,
) -> list[QualityWarning]:
    """The doubts about a clip's tracked subject, all ``uncertain`` (the clip is written; a person should look at it).

    - ``subject-lost``: the subject's area is below ``lost_fraction`` of its first frame's, or 0,
      on more than ``lost_frames`` frames in a row; the message names those frames (0-based) and
      ``value`` is the fraction of the clip's frames lost. With no one on any frame, one warning
      for the whole clip. "The first frame" is the first with anyone on it (where the tracker
      chooses the subject), here and for ``subject-tiny``.
    - ``subject-switched``: on some frame the subject's box has an IoU below ``switch_iou`` with
      the previous frame's box (it jumped: likely another person); names the frames, ``value`` is
      the lowest IoU.
    - ``subject-tiny``: the first frame's subject covers less than ``tiny_fraction`` of the frame
      (a sliver the matter barely sees: a point on a person half hidden, or on a scrap);
      ``value`` is its area.
    - ``subject-merged``: on some frame the subject absorbed a region: its part beyond reach of where it was
      (:attr:`SubjectRecord.joined`) is at least ``merged_fraction`` of its previous area (a bystander it touched,
      moving with it, taken in as one person), the previous frame's subject not lost (as for ``subject-lost``);
      names the frames, ``value`` is the largest such fraction.

    See the module docstring for what the default thresholds were measured on.

    Parameters
    ----------
    record : SubjectRecord
        The clip's record (:attr:`SubjectTracker.record <studiocomp.video.SubjectTracker.record>`).
    lost_fraction, lost_frames, switch_iou, tiny_fraction, merged_fraction : float, int, float, float, float
        The thresholds (defaults :data:`LOST_FRACTION`, :data:`LOST_FRAMES`, :data:`SWITCH_IOU`,
        :data:`TINY_FRACTION`, :data:`MERGED_FRACTION`).

    Returns
    -------
    list of QualityWarning
        Empty when nothing is in doubt (and for an empty record).
    """
    areas = record.areas
    if not areas:
        return []
    if not any(a > 0.0 for a in areas):
        return [QualityWarning("subject-lost", f"no subject was found on any of the {len(areas)} frames: the clip shows the background alone", 1.0)]
    out: list[QualityWarning] = []
    start = next(i for i, a in enumerate(areas) if a > 0.0)  # the subject is chosen on the first frame with anyone on it
    first = areas[start]
    if first < tiny_fraction:
        out.append(
            QualityWarning(
                "subject-tiny",
                f"the subject on the first frame covers only {first:.3%} of it (under {tiny_fraction:.1%}): the matter barely sees it; "
                "choose a point or box on a person seen whole, or check the clip",
                first,
            )
        )
    floor = lost_fraction * first
    lost = [i for i, a in enumerate(areas) if i > start and (a <= 0.0 or a < floor)]
    long_spans = [(a, b) for a, b in _spans(lost) if b - a + 1 > lost_frames]
    if long_spans:
        count = sum(b - a + 1 for a, b in long_spans)
        out.append(
            QualityWarning(
                "subject-lost",
                f"the subject was lost on {count} of {len(areas)} frames ({_name(long_spans)}): its area fell below {lost_fraction:.0%} of the "
                f"first frame's ({first:.2%} of the frame) or to nothing; those frames show the background alone",
                count / len(areas),
            )
        )
    ious = record.box_ious
    jumps = [i for i, v in enumerate(ious) if not math.isnan(v) and v < switch_iou]
    if jumps:
        low = min(ious[i] for i in jumps)
        out.append(
            QualityWarning(
                "subject-switched",
                f"the subject's box jumped on {len(jumps)} frame{'s' if len(jumps) > 1 else ''} ({_name(_spans(jumps))}; lowest IoU with the "
                f"previous frame's box {low:.2f}, under {switch_iou:.2f}): likely another person from there on",
                low,
            )
        )
    # not onto a subject already lost (a sliver that grows a few pixels is not a merge; it is reported as lost)
    merged = [i for i, j in enumerate(record.joined) if j >= merged_fraction and i > start and areas[i - 1] >= floor]
    if merged:
        top = max(record.joined[i] for i in merged)
        out.append(
            QualityWarning(
                "subject-merged",
                f"the subject took in a region beyond reach of where it was on {len(merged)} frame{'s' if len(merged) > 1 else ''} "
                f"({_name(_spans(merged))}; up to {top:.0%} of its area, {merged_fraction:.0%} or more counts): likely someone "
                "it touched, kept with it from there on",
                top,
            )
        )
    return out
