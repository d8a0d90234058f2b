"""Choosing the main subject on the first frame and following it through a clip.

SORT-style (Bewley et al., "Simple Online and Realtime Tracking", ICIP 2016), for one target:
the subject's box is predicted by a constant-velocity model, each frame's alpha is split into
connected components, and the components are associated with the track by the IoU of their
box with the predicted box and by their overlap with the previous subject mask; the
components that are not the subject (bystanders, a crowd) are taken out of the alpha.

When the subject is joined to others in one component (a dancer in front of a crowd, whom
every person model mattes as one blob), components cannot tell them apart. Given the frames,
the tracker then separates the subject by its own motion: dense backward optical flow
(OpenCV's DIS, Kroeger et al., ECCV 2016) is compensated for the camera's motion by a
homography fitted with RANSAC to the flow of the background (the classic plane-plus-parallax
separation of independently moving objects, Irani & Anandan, "A Unified Approach to Moving
Object Detection in 2D and 3D Scenes", PAMI 1998), and the subject is the part of the blob
that moves on its own, associated with the previous subject carried along the flow.

Four things make that cut follow the subject's outline rather than the flow's smooth blobs (on
DAVIS ``breakdance``, a dancer in front of a crowd RVM mattes as one blob, mean IoU 0.670 → 0.774;
see docs/evaluation.md): given the next frame too, the motion must show against both neighbours
(a pixel the subject has just left, or is about to cover, moves against one of them only: the
forward-backward check of occlusion-aware motion segmentation); the motion evidence is averaged
along the flow with the previous frames' (a recursive filter: a limb that pauses for a frame stays);
and the cut is snapped to the frame's colour edges by a guided filter (He, Sun & Tang, "Guided
Image Filtering", PAMI 2013; fast form, He & Sun 2015) before it becomes the next frame's prior;
and the cut may reach only so far beyond the previous one (a few pixels, or a multiple of the subject's own
motion), so that spectators the subject brushes past are not taken in with it.

A fifth corrects the motion cut by what the scene behind the subject looked like: while the subject is cut from
others, the frame's colour outside the cut is remembered at the work size, carried from frame to frame by the
camera's homography (a background mosaic: Irani, Anandan & Hsu, "Mosaic Based Representations of Video Sequences and
Their Applications", ICCV 1995; background subtraction in a moving camera's frame). A pixel of the cut that shows the
remembered scene again (the crowd seen between the subject's limbs, which the flow's occlusion guesses let in) is left
out, and a pixel of the blob within the cut's reach that differs clearly from it (a limb that swung over the crowd too
fast for the flow) is taken in (breakdance 0.774 → 0.818). Where the scene was never seen it says nothing.

A frame costs one dense flow, not two: the flow towards the next frame is the next frame's backward flow, computed one
frame early (and kept for it), negated (its first-order inverse); and DIS refines its flow variationally once, not five
times (OpenCV's MEDIUM preset), which leaves the flow's edge at the subject's rather than smoothed across it (breakdance
0.818 → 0.834; docs/evaluation.md).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ..errors import InputError
from ..types import QualityWarning
from .stabilise import grey_at
from .subject_record import SubjectRecord, subject_warnings

__all__ = ["SubjectTracker", "box_iou"]

#: DIS patch size and stride (work-size pixels) of the motion separation: finer than OpenCV's MEDIUM preset (8/4),
#: so the flow's edge sits closer to the subject's (breakdance: 0.691 → 0.710 mean IoU, the other cues kept)
_DIS_PATCH = (4, 2)
#: DIS's variational refinement iterations (OpenCV's MEDIUM preset: 5): the refinement smooths the flow across the
#: subject's outline, and the cut follows it; with one, breakdance 0.818 → 0.832 with two flows a frame, 0.834 with one
#: (none: 0.827 / 0.830; docs/evaluation.md)
_DIS_REFINE = 1
#: radius (work-size pixels; 9 is 24 full-size pixels at 854×480) and regulariser of the guided filter that snaps
#: the subject's cut from a crowd to the frame's edges
_REFINE_RADIUS, _REFINE_EPS = 9, 1e-3
#: while cut from others, the subject reaches at most this far (work-size pixels) beyond the previous cut carried along
#: the flow, or this many times its own motion (its 95th percentile) when that is farther: on breakdance's last frames
#: the spectators the dancer brushes past moved with him and joined the cut (frames 76-83 IoU 0.56-0.69 -> 0.70-0.82;
#: the clip's mean 0.7733 -> 0.7739, fast limb tips trimmed on a few frames)
_REACH_MIN, _REACH_MOTION = 6, 2.5
#: while cut from others, the scene behind the subject is remembered (camera-compensated, at the work size): a pixel of the
#: cut whose colour is within this of the remembered scene's (max over R, G, B in [0, 1], 3×3 mean) is the scene seen
#: again (crowd between the subject's limbs), and a pixel of the blob within the reach that differs from it by more than
#: the second is the subject come over it (a fast limb the flow missed); breakdance 0.7739 -> 0.818 (docs/evaluation.md)
_SCENE_SAME, _SCENE_CHANGED = 0.08, 0.3
#: … but what differs is added only while it is at most this fraction of the cut: limbs, not another person (a
#: ``point`` on a spectator beside the dancer grew 9× onto him in one frame; the default run adds at most 0.18)
_SCENE_ADD_MAX = 0.25
#: a subject's part farther than this fraction of its previous box's long side from the previous subject carried along the
#: flow is new, joined to it this frame (:attr:`SubjectRecord.joined`; the ``subject-merged`` warning)
_JOIN_REACH = 0.1
#: the camera's homography is fitted on every this-th background pixel each way, and needs this many of them
_HOMOGRAPHY_STEP, _HOMOGRAPHY_MIN = 4, 50


#: how far (a fraction of the frame's diagonal) a ``point`` may lie from the person it chooses
_POINT_REACH = 0.05
#: a ``box`` chooses the person covering most of it, when they fill this fraction of the box …
_BOX_FILL = 0.05
#: … or this fraction of them is in the box; otherwise it chooses no one (a box on the empty floor)
_BOX_HOLD = 0.2


def _independent_motion(flow: np.ndarray, xx: np.ndarray, yy: np.ndarray, background: np.ndarray, step: int = _HOMOGRAPHY_STEP) -> tuple[np.ndarray, np.ndarray] | None:
    """|flow − the camera's flow| per pixel and the camera's 3×3 homography (a RANSAC fit on ``background``, each pixel
    to where it came from in the other frame); None without enough background."""
    import cv2

    sel = background[::step, ::step].ravel()
    if sel.sum() < _HOMOGRAPHY_MIN:
        return None
    pts = np.stack([xx[::step, ::step].ravel(), yy[::step, ::step].ravel()], 1)[sel]
    moved = pts + flow[::step, ::step].reshape(-1, 2)[sel]
    hom, _ = cv2.findHomography(pts, moved, cv2.RANSAC, 1.0)
    if hom is None:
        return None
    # the camera's flow at each pixel, and the flow's difference from it, one plane at a time (no H×W×3 stacks)
    m = hom.astype(np.float32)
    z = m[2, 0] * xx + m[2, 1] * yy + m[2, 2]
    z[np.abs(z) < 1e-6] = 1e-6
    dx = flow[..., 0] - ((m[0, 0] * xx + m[0, 1] * yy + m[0, 2]) / z - xx)
    dy = flow[..., 1] - ((m[1, 0] * xx + m[1, 1] * yy + m[1, 2]) / z - yy)
    return np.sqrt(dx * dx + dy * dy), hom


def _snapped(keep: np.ndarray, colour: np.ndarray, frame: np.ndarray, radius: int = _REFINE_RADIUS, eps: float = _REFINE_EPS) -> np.ndarray:
    """The work-size cut ``keep`` (bool) snapped to ``frame``'s colour edges at ``frame``'s size (H×W float32 in [0, 1]).

    The fast colour guided filter (He, Sun & Tang, PAMI 2013; He & Sun 2015) as :func:`studiocomp._ops.guided_upsample`
    computes it, for a binary cut: its coefficients fitted at the work size against ``colour`` (the frame at the work
    size, uint8, the one the remembered scene uses), only in a window around the cut's uncertain band, then brought to
    full size bilinearly and applied to the frame only within the box of that band (one dense pass over the box, instead
    of a lookup per band pixel). Farther than ``radius`` work-size pixels from the cut's edge the result is exactly 0 or 1.
    """
    import cv2

    from .._ops import guided_coefficients

    h, w = frame.shape[:2]
    lh, lw = keep.shape
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    inside = keep.astype(np.uint8)
    sure_fg = cv2.erode(inside, k)
    sure_bg = cv2.erode(1 - inside, k)
    sure = cv2.resize(sure_fg * np.uint8(2) + sure_bg, (w, h), interpolation=cv2.INTER_NEAREST)
    q: np.ndarray = (sure == 2).astype(np.float32)
    ys, xs = np.nonzero(cv2.bitwise_or(sure_fg, sure_bg) == 0)
    if not ys.size:
        return q
    # the coefficients on the band's window of the work-size image: two box filters of ``radius`` and the bilinear
    # lookup reach 2·radius + 1 pixels, so this margin leaves every coefficient used as on the whole image
    margin = 2 * radius + 2
    y0, y1 = max(0, int(ys.min()) - margin), min(lh, int(ys.max()) + margin + 1)
    x0, x1 = max(0, int(xs.min()) - margin), min(lw, int(xs.max()) + margin + 1)
    guide = colour[y0:y1, x0:x1].astype(np.float32) * np.float32(1 / 255)
    p = inside[y0:y1, x0:x1].astype(np.float32)
    coef = guided_coefficients(guide, p, radius, eps)
    if frame.dtype == np.uint8:  # the frame's 0-255 folded into the coefficients (the model is linear in the colour)
        coef[..., :3] *= np.float32(1 / 255)
    # the full-size box of the band (a pixel of the band or a sure one beside it), each pixel's coefficients read
    # bilinearly at its centre in the work-size window
    sy, sx = lh / h, lw / w
    by0, by1 = max(0, int(ys.min() / sy) - 1), min(h, int((ys.max() + 1) / sy) + 2)
    bx0, bx1 = max(0, int(xs.min() / sx) - 1), min(w, int((xs.max() + 1) / sx) + 2)
    m = np.array([[sx, 0.0, sx * (bx0 + 0.5) - 0.5 - x0], [0.0, sy, sy * (by0 + 0.5) - 0.5 - y0]])
    # plane by plane: OpenCV's bilinear warp of a 4-channel float image is about 3× slower than of its 4 planes (the
    # same values to within a float's last bit, in another order of rounding)
    box = (bx1 - bx0, by1 - by0)
    cp = [cv2.warpAffine(c, m, box, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE) for c in cv2.split(coef)]
    ip = cv2.split(np.ascontiguousarray(frame[by0:by1, bx0:bx1]))
    val = cp[3]
    for i in range(3):
        val = cv2.add(val, cv2.multiply(cp[i], ip[i], dtype=cv2.CV_32F))
    band = sure[by0:by1, bx0:bx1] == 0
    q[by0:by1, bx0:bx1][band] = np.clip(val[band], 0.0, 1.0)
    return q


def _within(mask: np.ndarray, r: float) -> np.ndarray:
    """The pixels at most ``r`` (Euclidean) from a pixel of the bool ``mask``, as bool.

    OpenCV's exact distance transform (``DIST_MASK_PRECISE``) run only on the box of ``mask`` grown by ``r`` + 1: the
    same distances there (every pixel of ``mask`` is inside it), and farther than ``r`` outside it.
    """
    import cv2

    ys, xs = np.nonzero(mask)
    if not ys.size:  # nothing to be near (as the transform over the whole frame says)
        return cast("np.ndarray", cv2.distanceTransform((~mask).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r)
    g = int(np.ceil(r)) + 1
    h, w = mask.shape
    y0, y1, x0, x1 = max(0, int(ys.min()) - g), min(h, int(ys.max()) + g + 1), max(0, int(xs.min()) - g), min(w, int(xs.max()) + g + 1)
    out = np.zeros(mask.shape, bool)
    crop = np.ascontiguousarray(~mask[y0:y1, x0:x1]).view(np.uint8)
    out[y0:y1, x0:x1] = cv2.distanceTransform(crop, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r
    return out


def _members(labels: np.ndarray, ids: Any, n: int) -> np.ndarray:
    """``np.isin(labels, ids)`` for the labels 0 … n−1 of a connected-components map, by a lookup table (one gather)."""
    lut = np.zeros(n, bool)
    lut[list(ids)] = True
    out: np.ndarray = lut[labels]
    return out


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two boxes (x0, y0, x1, y1), exclusive ends; 0.0 when either is empty.

    Parameters
    ----------
    a, b : numpy.ndarray
        Boxes (x0, y0, x1, y1), pixels.

    Returns
    -------
    float
        In [0, 1].
    """
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / ua) if ua > 0 else 0.0


class SubjectTracker:
    """Keep only the main subject of each frame's alpha.

    Parameters
    ----------
    point : (x, y), optional
        A pixel of the subject on the first frame (full-size pixel coordinates).
    box : (x0, y0, x1, y1), optional
        A box around the subject on the first frame; the component covering most of it is chosen.
    threshold : float
        Alpha above which a pixel belongs to a component.
    work_side : int
        Long side of the downscaled mask the components are found on.
    keep : float
        A component is kept when this fraction of it overlaps the previous subject
        (dilated by ``reach`` × the subject's box size) or when it is the best IoU match.
    reach : float
        How far, relative to the subject's box, a kept component may lie from the previous subject.
    motion : bool
        When frames are passed to :meth:`__call__`, separate the subject from people joined to it
        by its own motion (see the module docstring). It acts only when the subject's component
        is much larger than the subject carried over from the previous frame (it merged with
        others), or when, on the second frame, less than ``crowd`` of the first frame's chosen
        component moves; a lone subject is never cut by it.
    motion_fraction : float
        A pixel moves with the subject when its camera-compensated motion is at least this
        fraction of the subject's (its 95th percentile in the component).
    min_motion : float
        Full-size pixels per frame below which the subject counts as still: the blob is then
        cut to the subject carried along the flow instead.
    crowd : float
        On the second frame, the moving part replaces the chosen component when it is less than
        this fraction of it.
    carry : float
        While the subject is cut from others, the weight in [0, 1) of the previous frames' motion
        evidence (carried along the flow) against this frame's; 0: this frame's alone.
    refine : bool
        While the subject is cut from others, snap the cut to the frame's colour edges (a guided
        filter; see the module docstring).
    scene : bool
        While the subject is cut from others, remember the scene behind it (camera-compensated)
        and correct the motion cut by it: a pixel that shows the remembered scene again is not the
        subject, one within the cut's reach that differs clearly from it is (see the module docstring).

    Without ``point`` or ``box`` the first frame's subject is the component with the largest
    area weighted by closeness to the centre (``area · (1 − d)``, d the centroid's distance
    from the centre over half the diagonal).

    Call it with each frame's alpha (H×W float32) in order, and the frame itself for the motion
    separation; it returns the alpha with the others set to 0 (soft edges kept). :meth:`reset`
    between clips.

    :attr:`flow_pixels` counts the work-size pixels the dense flows covered since :meth:`reset` (0 while the
    subject is alone: no flow is computed then).

    Each frame's subject area and box go to :attr:`record` (a
    :class:`~studiocomp.video.subject_record.SubjectRecord`); :meth:`warnings` reads from it
    whether the subject was lost, jumped to someone else, or was only a sliver from the start.

    Raises
    ------
    InputError
        Both ``point`` and ``box``, a box with x1 ≤ x0 or y1 ≤ y0, ``motion_fraction`` /
        ``crowd`` outside (0, 1], or ``carry`` outside [0, 1); on the first frame (:meth:`__call__`, or :meth:`check_frame`
        before it), a point or box outside the frame; on the first frame, a point farther than
        5 % of the frame's diagonal from any person the matter found, or a box with no person in it
        (the person covering most of it fills less than 5 % of it and has less than 20 % of their
        pixels in it: a box on the empty floor, or one grazing someone's edge).
    """

    def __init__(
        self,
        point: tuple[float, float] | None = None,
        box: tuple[float, float, float, float] | None = None,
        *,
        threshold: float = 0.5,
        work_side: int = 320,
        keep: float = 0.3,
        reach: float = 0.15,
        motion: bool = True,
        motion_fraction: float = 0.2,
        min_motion: float = 2.0,
        crowd: float = 0.4,
        carry: float = 0.4,
        refine: bool = True,
        scene: bool = True,
    ) -> None:
        if point is not None and box is not None:
            raise InputError("point/box", "one of the two, or neither", "both")
        self.point = None if point is None else (float(point[0]), float(point[1]))
        self.box = None if box is None else np.asarray(box, np.float64)
        if self.box is not None and (self.box.shape != (4,) or self.box[2] <= self.box[0] or self.box[3] <= self.box[1]):
            raise InputError("box", "(x0, y0, x1, y1) with x1 > x0 and y1 > y0", repr(box))
        self.threshold, self.work_side, self.keep, self.reach = float(threshold), int(work_side), float(keep), float(reach)
        if not (0 < motion_fraction <= 1 and 0 < crowd <= 1):
            raise InputError("motion_fraction/crowd", "numbers in (0, 1]", f"{motion_fraction}, {crowd}")
        if not 0 <= carry < 1:
            raise InputError("carry", "a number in [0, 1)", f"{carry}")
        self.carry, self.refine, self.scene = float(carry), bool(refine), bool(scene)
        self.motion, self.motion_fraction, self.min_motion, self.crowd = bool(motion), float(motion_fraction), float(min_motion), float(crowd)
        self._dis: Any = None
        self.reset()

    def reset(self) -> None:
        """Forget the track: the next frame chooses the subject again."""
        self._prev: np.ndarray | None = None  # previous subject mask (work size)
        self._box: np.ndarray | None = None  # work-size box
        self._vel = np.zeros(4)
        self.lost = 0
        self._prev_frame: np.ndarray | None = None  # previous frame (its grey is made only when a flow needs it)
        self._prev_shape: tuple[int, int] | None = None  # the work size the previous frame was tracked at
        self._greys: list[tuple[np.ndarray, np.ndarray]] = []  # (frame, its grey at work size): the last three made
        self._frames = 0
        self._crowd = False  # the subject is joined to others: separated by motion
        self._looked_ahead = False  # the first frame was separated with the second one's help
        self._kept_flow: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (grey, previous grey, flow between)
        self._next_grey: np.ndarray | None = None  # the next frame, grey, work size (when given and a flow needs it)
        self._carried: np.ndarray | None = None  # this frame: the previous subject carried along the flow, if computed
        self._evidence: np.ndarray | None = None  # the subject's motion evidence so far, in [0, 1] (work size)
        self._scene: np.ndarray | None = None  # while cut from others: the scene behind the subject, colour, work size …
        self._scene_known: np.ndarray | None = None  # … and where it was seen (camera-compensated to the current frame)
        self._colours: list[tuple[np.ndarray, np.ndarray]] = []  # (frame, its colour at work size): the last three made
        self._cur_frame: np.ndarray | None = None  # the frame being tracked (for its colour)
        self.record = SubjectRecord()  # the subject's area and box per frame (see warnings())
        self.flow_pixels = 0  # work-size pixels the dense flows covered since the reset (their cost's measure)
        self._grid: tuple[np.ndarray, np.ndarray] | None = None  # the work size's pixel rows and columns (float32)

    def check_frame(self, width: int, height: int) -> None:
        """Refuse a ``point`` or ``box`` that is not on a ``width``×``height`` frame (the clip's first).

        A point must lie inside the frame and a box must overlap it: otherwise there is no subject to
        choose, and the tracker would pick an arbitrary component (or none) instead of saying so.

        Parameters
        ----------
        width, height : int
            The frame's size in pixels.

        Raises
        ------
        InputError
            The point is outside ``[0, width) × [0, height)``, or the box does not overlap the frame.
        """
        if self.point is not None:
            x, y = self.point
            if not (0 <= x < width and 0 <= y < height):
                raise InputError("point", f"a pixel X,Y of the {width}×{height} first frame (0 ≤ X < {width}, 0 ≤ Y < {height})", f"{x:g},{y:g}")
        if self.box is not None:
            x0, y0, x1, y1 = (float(v) for v in self.box)
            if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
                raise InputError("box", f"a box X0,Y0,X1,Y1 overlapping the {width}×{height} first frame", f"{x0:g},{y0:g},{x1:g},{y1:g}")

    def _pick_first(self, labels: np.ndarray, stats: np.ndarray, cents: np.ndarray, s: float) -> list[int]:
        n = stats.shape[0]
        h, w = labels.shape
        if self.point is not None:
            x, y = int(min(w - 1, self.point[0] * s)), int(min(h - 1, self.point[1] * s))
            lab = labels[y, x]
            if lab > 0:
                return [int(lab)]
            # the person nearest the point, if one is near: a point on the floor or the sky chooses no one
            import cv2

            dist, nearest = cv2.distanceTransformWithLabels((labels == 0).view(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
            reach = _POINT_REACH * float(np.hypot(h, w))
            if dist[y, x] > reach:
                px, py = self.point
                expected = f"a pixel on or near a person on the first frame (within {_POINT_REACH:.0%} of the diagonal)"
                raise InputError("point", expected, f"{px:g},{py:g}: the nearest person is {dist[y, x] / s:.0f} px away")
            owner = labels[(nearest == nearest[y, x]) & (labels > 0)]
            return [int(owner[0])] if owner.size else [1 + int(np.argmin([np.hypot(cents[i][0] - x, cents[i][1] - y) for i in range(1, n)]))]
        if self.box is not None:
            b = (self.box * s).round().astype(int)
            sub = labels[max(0, b[1]) : b[3], max(0, b[0]) : b[2]]
            counts = np.bincount(sub.ravel(), minlength=n)
            counts[0] = 0
            best = int(np.argmax(counts))
            # a box on the empty floor, or one that only grazes someone's edge, chooses no one (it chose whoever was
            # largest and most central, or the grazed one): the person must fill some of the box or be mostly in it
            if counts[best] < _BOX_FILL * max(1, sub.size) and counts[best] < _BOX_HOLD * stats[best, 4]:
                ys, xs = np.nonzero(labels)
                gap = np.hypot(np.maximum(0, np.maximum(b[0] - xs, xs + 1 - b[2])), np.maximum(0, np.maximum(b[1] - ys, ys + 1 - b[3]))).min()
                x0, y0, x1, y1 = (float(v) for v in self.box)
                expected = f"a box X0,Y0,X1,Y1 around a person on the first frame (the person filling {_BOX_FILL:.0%} of it, or {_BOX_HOLD:.0%} of them in it)"
                held = f"only {counts[best] / max(1, stats[best, 4]):.0%} of the person it touches in it" if counts[best] else f"no person in it; the nearest is {gap / s:.0f} px away"
                raise InputError("box", expected, f"{x0:g},{y0:g},{x1:g},{y1:g}: {held}")
            return [best]
        half_diag = 0.5 * np.hypot(h, w)
        score = [stats[i, 4] * (1.0 - np.hypot(cents[i][0] - w / 2, cents[i][1] - h / 2) / half_diag) for i in range(1, n)]
        return [1 + int(np.argmax(score))]

    def __call__(self, alpha: np.ndarray, frame: np.ndarray | None = None, next_frame: np.ndarray | None = None) -> np.ndarray:
        """The alpha of the tracked subject alone (H×W float32).

        Parameters
        ----------
        alpha : numpy.ndarray
            The frame's H×W float32 alpha in [0, 1] (all subjects the matter found).
        frame : numpy.ndarray, optional
            The frame itself (H×W×3 float32 in [0, 1] or uint8): lets the tracker separate the
            subject from people joined to it by its motion (``motion``).
        next_frame : numpy.ndarray, optional
            The clip's next frame. On the first frame, motion needs two frames, so without it the
            first frame keeps everyone joined to the subject; on later ones it sharpens the cut from
            others (motion must show against both neighbours), and without it (the last frame, or a
            caller that does not read ahead) only the previous frame is used.

            The tracker keeps a reference to ``frame`` and ``next_frame`` until the next call (their
            greys are made only when a flow needs them): do not change them in place meanwhile.

        Returns
        -------
        numpy.ndarray
            H×W float32: the tracked subject's alpha, 0 elsewhere.

        Raises
        ------
        InputError
            On the first frame after :meth:`reset`: ``point`` or ``box`` is not on the frame (:meth:`check_frame`), ``point`` is not on or
            near a person, or ``box`` holds no person.
        """
        import cv2

        alpha = np.asarray(alpha, np.float32)
        h, w = alpha.shape
        if self._frames == 0:
            self.check_frame(w, h)
        s = min(1.0, self.work_side / max(h, w))
        small = cv2.resize(alpha, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        fg = (small > self.threshold).astype(np.uint8)
        n, labels, stats, cents = cv2.connectedComponentsWithStats(fg, connectivity=8)
        # the frames' greys are made only when a flow is computed (a lone subject needs none), each once
        cur = frame if self.motion and frame is not None else None
        self._cur_frame = cur
        self._next_grey = None
        self._frames += 1
        if n <= 1:  # nothing this frame: keep predicting
            self._prev_frame, self._prev_shape = cur, small.shape
            self.lost += 1
            self.record.add(0.0, None)
            if self._box is not None:
                self._box = self._box + self._vel
            return alpha
        boxes = np.array([[x, y, x + bw, y + bh] for x, y, bw, bh, _ in stats], np.float64)
        prev_shifted: np.ndarray | None = None  # the previous subject moved by the box's velocity
        if self._prev is None:
            chosen = self._pick_first(labels, stats, cents, s)
        else:
            assert self._box is not None  # set together with _prev
            pred = self._box + self._vel
            bw, bh = pred[2] - pred[0], pred[3] - pred[1]
            r = max(1, int(round(self.reach * max(bw, bh))))
            shift = np.round(self._vel[:2] * 0.5 + self._vel[2:] * 0.5).astype(int)
            prev = prev_shifted = np.roll(self._prev, (shift[1], shift[0]), axis=(0, 1))
            # within r of the previous subject: a distance transform costs the same for any r (a disc-shaped dilation
            # of a large subject's r took 7 ms a frame)
            near = _within(prev, r).view(np.uint8)
            overlap = np.bincount(labels.ravel(), weights=near.ravel().astype(np.float64), minlength=n)
            held = np.bincount(labels.ravel(), weights=prev.ravel().astype(np.float64), minlength=n)
            ious = [box_iou(boxes[i], pred) for i in range(n)]
            # mostly within reach of the previous subject (a detached hand), or holding most of the subject itself (the
            # subject joined to others). Holding most of the ring around it is not enough: a large neighbour passing
            # close to a small subject (a dancer beside a spectator) covers more of the ring than the subject has pixels
            chosen = [i for i in range(1, n) if overlap[i] / max(1, stats[i, 4]) >= self.keep or held[i] >= self.keep * max(1, prev.sum())]
            best = 1 + int(np.argmax(ious[1:]))
            if ious[best] > 0.1 and best not in chosen:
                chosen.append(best)
            if not chosen:  # lost: keep the prediction, pass nothing
                self._prev_frame, self._prev_shape = cur, small.shape
                self.lost += 1
                self.record.add(0.0, None)
                self._box = pred
                return np.zeros_like(alpha)
        keep_small = _members(labels, chosen, n)
        was_crowd = self._crowd
        self._carried = None  # the previous subject carried along the flow, when a flow is computed
        if cur is not None and self._prev_frame is not None and self._prev is not None and self._prev_shape == small.shape:
            first = self._frames == 2 and not self._looked_ahead
            if first or self._crowd or keep_small.sum() > 1.3 * max(1, self._prev.sum()):  # else _separate needs no flow
                self._next_grey = self._grey(next_frame, small.shape) if next_frame is not None else None
                grey, prev_grey = self._grey(cur, small.shape), self._grey(self._prev_frame, small.shape)
                keep_small = self._separate(keep_small, fg.astype(bool), grey, prev_grey, self._prev, s, first=first)
        elif cur is not None and self._prev is None and next_frame is not None:  # the first frame, with the second to see motion
            keep_small = self._separate(keep_small, fg.astype(bool), self._grey(cur, small.shape), self._grey(next_frame, small.shape), keep_small, s, first=True)
            self._looked_ahead = True
        self._prev_frame, self._prev_shape = cur, small.shape
        if not keep_small.any():
            keep_small = _members(labels, chosen, n)
        ys, xs = np.nonzero(keep_small)
        box = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)
        if self._crowd != was_crowd:
            self._vel = np.zeros(4)  # the subject was cut from (or freed of) others: its box jumps, it did not move
        elif self._box is not None:
            self._vel = 0.5 * self._vel + 0.5 * (box - self._box)
        joined = self._joined(keep_small, prev_shifted)
        self._box, self._prev, self.lost = box, keep_small, 0
        sh, sw = keep_small.shape
        self.record.add(float(keep_small.sum()) / keep_small.size, (box[0] / sw, box[1] / sh, box[2] / sw, box[3] / sh), joined=joined)
        if self._crowd and self.refine and frame is not None:
            out = self._refined(alpha, frame, keep_small)
            self._remember_scene(cur if self.scene else None)  # around the snapped cut
            return out
        self._remember_scene(cur if self._crowd and self.scene else None)
        # soft gate at full size: the kept components, grown a little so that their soft edges stay
        gate = cv2.dilate(keep_small.astype(np.uint8), np.ones((3, 3), np.uint8))
        gate = cv2.resize(gate.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
        gate = cv2.GaussianBlur(gate, (0, 0), max(0.5, 0.5 / s))
        return cast("np.ndarray", (alpha * np.clip(gate * 2.0, 0.0, 1.0)).astype(np.float32))

    def _joined(self, keep: np.ndarray, prev_shifted: np.ndarray | None) -> float:
        """The part of this frame's subject ``keep`` beyond reach of the previous subject (carried along the flow when a
        flow was computed, else moved by the box's velocity), as a fraction of the previous subject's area; 0.0 on the
        first frame. The reach is :data:`_JOIN_REACH` of the previous box's long side (at least ``_REACH_MIN``)."""
        if self._prev is None or self._box is None:
            return 0.0
        support = self._carried if self._carried is not None and self._carried.shape == keep.shape else prev_shifted
        if support is None or support.shape != keep.shape or not support.any():
            return 0.0
        r = max(_REACH_MIN, round(_JOIN_REACH * float(max(self._box[2] - self._box[0], self._box[3] - self._box[1]))))
        far = ~_within(support, r)
        return float((keep & far).sum()) / max(1, int(self._prev.sum()))

    def _refined(self, alpha: np.ndarray, frame: np.ndarray, keep_small: np.ndarray) -> np.ndarray:
        """``alpha`` gated by the subject's cut from others, snapped to the frame's colour edges; the snapped cut becomes the next frame's prior."""
        import cv2

        q = _snapped(keep_small, self._colour_at(frame, keep_small.shape), frame)
        back = cv2.resize((q > 0.5).astype(np.float32), keep_small.shape[::-1], interpolation=cv2.INTER_AREA)
        if (back > 0.5).any():
            self._prev = back > 0.5
            if self._evidence is not None:
                self._evidence = back
        # 0 at q ≤ 0.25, 1 at q ≥ 0.75: inside a crowd's blob RVM's alpha is 1, so this ramp is the edge between them
        gate: np.ndarray = np.multiply(q, np.float32(2.0), out=q)  # q is not used again: the ramp and the gated alpha are made in it
        gate -= np.float32(0.5)
        np.clip(gate, 0.0, 1.0, out=gate)
        np.multiply(alpha, gate, out=gate)
        return gate

    def _colour_at(self, frame: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
        """``frame``'s colour (uint8) at the work size ``hw``, made once per frame."""
        import cv2

        for ref, colour in self._colours:
            if ref is frame and colour.shape[:2] == hw:
                return colour
        small = cv2.resize(frame, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
        if small.dtype != np.uint8:
            small = (np.clip(small, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        self._colours = [*self._colours[-2:], (frame, small)]
        return cast("np.ndarray", small)

    def _scene_now(self, hom: np.ndarray | None, size: tuple[int, int]) -> np.ndarray | None:
        """Carry the remembered scene to the current frame by the camera's ``hom`` (current → previous pixel); return how
        far the frame's colour is from it (H×W float32 in [0, 1], max over R, G, B, 3×3 mean; midway between
        ``_SCENE_SAME`` and ``_SCENE_CHANGED`` where it was not seen), or None when there is no remembered scene (or no
        camera fit: it is then forgotten)."""
        import cv2

        if self._scene is None or self._scene_known is None or hom is None:
            self._scene = self._scene_known = None
            return None
        flags = cv2.WARP_INVERSE_MAP
        self._scene = cv2.warpPerspective(self._scene, hom, size, flags=cv2.INTER_LINEAR | flags, borderMode=cv2.BORDER_REPLICATE)
        self._scene_known = cv2.warpPerspective(self._scene_known.view(np.uint8), hom, size, flags=cv2.INTER_NEAREST | flags, borderValue=0).view(bool)
        if self._cur_frame is None:
            return None
        now = self._colour_at(self._cur_frame, (size[1], size[0]))
        r, g, b = cv2.split(cv2.absdiff(now, self._scene))
        diff = cv2.blur(cv2.max(cv2.max(r, g), b), (3, 3)).astype(np.float32) * np.float32(1 / 255)
        diff[~self._scene_known] = 0.5 * (_SCENE_SAME + _SCENE_CHANGED)  # neither the scene nor changed from it
        return cast("np.ndarray", diff)

    def _remember_scene(self, frame: np.ndarray | None) -> None:
        """While the subject is cut from others, remember the frame's colour outside the subject (the cut grown by 2
        work-size pixels) as the scene behind it; otherwise forget the scene."""
        import cv2

        if frame is None or self._prev is None:
            self._scene = self._scene_known = None
            return
        colour = self._colour_at(frame, self._prev.shape)
        seen = ~cv2.dilate(self._prev.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
        if self._scene is None or self._scene_known is None or self._scene.shape != colour.shape:
            self._scene, self._scene_known = colour.copy(), seen
        else:
            np.copyto(self._scene, colour, where=seen[..., None])
            self._scene_known |= seen

    def _grey(self, frame: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
        """``frame``'s grey at the work size ``hw`` (:func:`~studiocomp.video.stabilise.grey_at`), made once per frame; for
        a uint8 frame, from its colour at the work size (the same area-averaged pixels, resized once for both)."""
        for ref, grey in self._greys:
            if ref is frame and grey.shape == hw:
                return grey
        grey = grey_at(self._colour_at(frame, hw) if frame.dtype == np.uint8 else frame, hw)
        self._greys = [*self._greys[-2:], (frame, grey)]
        return grey

    def _flow(self, grey: np.ndarray, other: np.ndarray) -> np.ndarray:
        """DIS flow from ``grey`` to ``other`` (H×W×2 float32, work-size pixels), counted in :attr:`flow_pixels`."""
        self.flow_pixels += grey.size
        return cast("np.ndarray", self._dis.calc(grey, other, None))

    def _back_flow(self, grey: np.ndarray, prev_grey: np.ndarray) -> np.ndarray:
        """The backward flow ``grey`` → ``prev_grey``: the one the previous frame computed for its look ahead, when it did."""
        kept, self._kept_flow = self._kept_flow, None
        if kept is not None and kept[0] is grey and kept[1] is prev_grey:
            return kept[2]
        return self._flow(grey, prev_grey)

    def _ahead_flow(self, grey: np.ndarray, next_grey: np.ndarray) -> np.ndarray:
        """The flow ``grey`` → ``next_grey``, as the next frame's backward flow (``next_grey`` → ``grey``, computed now and
        kept for that frame) negated: its first-order inverse, so that a frame costs one dense flow, not two."""
        back = self._flow(next_grey, grey)
        self._kept_flow = (next_grey, grey, back)
        return -back

    def _separate(self, keep: np.ndarray, fg: np.ndarray, grey: np.ndarray, prev_grey: np.ndarray, prev: np.ndarray, s: float, *, first: bool) -> np.ndarray:
        """The subject's part of the chosen components, by its own motion (see the module docstring).

        ``prev_grey`` is the other frame of the pair (the previous one, or the next one on the first
        frame); ``first`` applies the first choice's rule (the moving part replaces a component when
        it is under ``crowd`` of it).
        """
        if not (first or self._crowd) and keep.sum() <= 1.3 * max(1, prev.sum()):
            return keep  # a lone subject about its previous size (moving does not change it): no flow needed
        size = int(keep.sum())
        next_grey = self._next_grey
        import cv2

        if self._dis is None:
            self._dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
            self._dis.setPatchSize(_DIS_PATCH[0])
            self._dis.setPatchStride(_DIS_PATCH[1])
            self._dis.setVariationalRefinementIterations(_DIS_REFINE)
        flow = self._back_flow(grey, prev_grey)  # current → previous (backward)
        h, w = grey.shape
        if self._grid is None or self._grid[0].shape != (h, w):
            self._grid = cast("tuple[np.ndarray, np.ndarray]", tuple(np.mgrid[0:h, 0:w].astype(np.float32)))
        yy, xx = self._grid
        map_x, map_y = xx + flow[..., 0], yy + flow[..., 1]  # where each pixel came from in the previous frame
        carried = cv2.remap(prev.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR) > 0.5
        self._carried = carried
        carried_size = max(1, int(carried.sum()))
        grown = size > 1.5 * carried_size
        if self._crowd and not grown and size < 1.2 * carried_size:
            self._crowd = False  # apart from the others again
        if not (first or grown or self._crowd):
            return keep
        fit = _independent_motion(flow, xx, yy, ~fg)
        residual = None if fit is None else fit[0]
        scene = self._scene_now(fit[1] if fit is not None else None, (w, h))
        evidence, self._evidence = self._evidence, None
        pct = 95.0  # the subject's motion: the 95th percentile over its component
        if residual is not None and not first and next_grey is not None and next_grey.shape == grey.shape and keep.any():
            # moving against the next frame too: a pixel the subject just left (or is about to cover) moves against one
            # neighbour only, where the flow is an occlusion's guess. Skipped when the subject pauses on the next frame
            fit_ahead = _independent_motion(self._ahead_flow(grey, next_grey), xx, yy, ~fg)
            ahead = None if fit_ahead is None else fit_ahead[0]
            back_scale = max(1e-3, float(np.percentile(residual[keep], pct)))
            ahead_scale = None if ahead is None else float(np.percentile(ahead[keep], pct))
            if ahead is not None and ahead_scale is not None and ahead_scale >= self.min_motion * s:
                residual = np.minimum(residual / back_scale, ahead / ahead_scale) * back_scale
        if residual is not None and keep.any():
            residual /= s  # full-size pixels per frame
            scale = float(np.percentile(residual[keep], pct))
            if scale >= self.min_motion:
                moving = (keep & (residual > max(1.0, self.motion_fraction * scale))).astype(np.uint8)
                n, labels, stats, _ = cv2.connectedComponentsWithStats(moving, connectivity=8)
                if n <= 1:
                    return keep
                overlap = np.bincount(labels.ravel(), weights=carried.ravel().astype(np.float64), minlength=n)
                ours = [i for i in range(1, n) if overlap[i] >= 0.2 * stats[i, 4] or overlap[i] >= 0.2 * carried_size]
                if not ours and not first and overlap[1:].max() < 0.05 * carried_size:
                    # no moving part is the subject: it is the still one beside the movers (a spectator by a dancer)
                    self._crowd = True
                    part = keep & carried & ~moving.astype(bool)
                    return part if part.any() else keep
                part = _members(labels, ours or [1 + int(np.argmax(overlap[1:]))], n)
                if self.carry > 0 and not first and self._crowd:
                    # this frame's evidence (0.5 at the threshold) averaged with the previous frames' carried along the flow
                    now = np.clip(residual / (2.0 * max(1.0, self.motion_fraction * scale)), 0.0, 1.0) * keep
                    before = prev.astype(np.float32) if evidence is None or evidence.shape != now.shape else evidence
                    carried_ev = cv2.remap(before, map_x, map_y, cv2.INTER_LINEAR)
                    self._evidence = (self.carry * carried_ev + (1.0 - self.carry) * now).astype(np.float32)
                    n2, labels2 = cv2.connectedComponents((self._evidence > 0.5).astype(np.uint8), connectivity=8)
                    hit = np.bincount(labels2.ravel(), weights=part.ravel().astype(np.float64), minlength=n2)
                    ids = [i for i in range(1, n2) if hit[i] > 0]
                    if ids:
                        part = _members(labels2, ids, n2)
                if not first and self._crowd:
                    reach = max(_REACH_MIN, int(round(_REACH_MOTION * scale * s)))
                    near = cv2.dilate(carried.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))).view(bool)
                    if (part & near).sum() > 0.5 * part.sum():  # not when most of it is beyond (the cut was lost)
                        part &= near
                    if scene is not None:
                        # the scene behind the subject seen again (crowd between its limbs) is not the subject; what
                        # differs from it within the reach is (a fast limb over the crowd, where the flow lost it), when
                        # it is not more than a limb
                        added = keep & near & (scene > _SCENE_CHANGED) & ~part
                        unseen = part & ~(scene < _SCENE_SAME)
                        part = unseen if unseen.any() else part  # never all of it (the blob would be kept instead)
                        if added.sum() <= _SCENE_ADD_MAX * part.sum():
                            part = part | added
                if first and part.sum() >= self.crowd * size:
                    return keep  # most of it moves: one subject, not a crowd
                if first and self.point is not None:  # the person at the point given, moving or not
                    return self._at_point(keep, labels, s)
                if first:  # the first choice among the moving parts: the largest
                    part = _members(labels, [1 + int(np.argmax(stats[1:, 4]))], n)
                self._crowd = True
                return cast("np.ndarray", part)
        if grown or self._crowd:  # the subject is still: cut the blob to the subject carried along the flow
            self._crowd = True
            part = keep & carried
            return part if part.any() else keep
        return keep

    def _at_point(self, keep: np.ndarray, moving_labels: np.ndarray, s: float) -> np.ndarray:
        """On the first frame, the part of ``keep`` that is the person at ``point``: the moving part under it, or, when the
        point is on no moving part, the still part under or nearest it (the movers taken out); ``keep`` when none is left."""
        import cv2

        h, w = keep.shape
        x, y = int(min(w - 1, self.point[0] * s)), int(min(h - 1, self.point[1] * s))  # type: ignore[index]
        if moving_labels[y, x] > 0:
            self._crowd = True
            return cast("np.ndarray", moving_labels == moving_labels[y, x])
        movers = cv2.dilate((moving_labels > 0).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        n, labels = cv2.connectedComponents((keep & ~movers).astype(np.uint8), connectivity=8)
        if n <= 1:
            return keep
        lab = int(labels[y, x])
        if lab == 0:  # the still part nearest the point
            ys, xs = np.nonzero(labels)
            i = int(np.argmin((xs - x) ** 2 + (ys - y) ** 2))
            lab = int(labels[ys[i], xs[i]])
        part = labels == lab
        self._crowd = True
        return cast("np.ndarray", part)

    def warnings(self) -> list[QualityWarning]:
        """The doubts about the clip so far: ``subject-lost``, ``subject-switched``, ``subject-tiny``, ``subject-merged``.

        Read from :attr:`record` (the subject's area and box per frame since :meth:`reset`) by
        :func:`~studiocomp.video.subject_record.subject_warnings`, with its default thresholds.

        Returns
        -------
        list of QualityWarning
            All ``uncertain``; empty when nothing is in doubt or no frame was tracked.
        """
        return subject_warnings(self.record)

    @property
    def subject_box(self) -> Any:
        """The current box (work-size pixels) or None before the first frame."""
        return None if self._box is None else self._box.copy()
