"""Placement: where the subject stands in the new background, and how tall it is.

Coordinates are the background's pixels: ``x`` to the right, ``y`` down, the
subject's *feet* being the middle of the lowest part of its silhouette
(alpha ≥ 0.5). Perspective follows the rule a photographer uses on set: the
horizon line is at the camera's height, so for a camera ``camera_height`` above
the floor a person of real height ``subject_height`` whose feet are at row
``y`` is ``(y − horizon) · subject_height / camera_height`` pixels tall — nearer
(lower) means taller, and the horizon crosses every standing person at the same
real height.

``auto`` (no feet given) puts the feet centred, 92 % down the frame, with or
without a horizon: the horizon sizes the subject, it does not move it. A
prepared background's sidecar (:mod:`studiocomp.prepared`) is filled in with
the same spot, so a horizon given on the command line and the same horizon in
the sidecar place alike.

A subject cut by the bottom edge of its photo (a head-and-shoulders portrait)
has no feet: by default it is placed with that cut on the background's bottom
edge — a person standing near the camera, legs out of the frame. With a horizon
and ``visible_height`` (the real height of what is visible, top of the head to
the cut), its size follows from the same rule: its head is ``subject_height``
above the floor and the cut ``subject_height − visible_height``, and the cut
lies on the bottom edge, so ``height = visible · (H − horizon) / (visible −
subject_height + camera_height)`` for a frame H pixels tall. Without a horizon
it keeps its share of the frame's height. Given ``feet``, its lowest row stands
there like any subject (a bust on a plinth), and ``height`` or the horizon rule
(with ``visible_height``) size it.

A subject cut by its photo's left or right edge is kept against that edge of
the background when its x is not given; given one that lays the cut inside the
frame, a straight vertical slice shows, flagged ``cut-subject-side``.

Examples
--------
>>> import numpy as np
>>> from studiocomp import Placement
>>> alpha = np.zeros((100, 60), np.float32); alpha[20:90, 20:40] = 1
>>> fg = np.full((100, 60, 3), 0.5, np.float32)
>>> p = Placement(feet=(300, 380), height=200).apply(fg, alpha, (400, 600))
>>> p.alpha.shape, p.box  # the subject now spans rows 180-379 around x = 300
((400, 600), (180, 380, 271, 328))
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ._ops import bounding_window, cut_by_bottom, row_extent
from .errors import InputError
from .image import checked_alpha, checked_image
from .types import Alpha, Image, QualityWarning

__all__ = ["Placement", "Placed", "subject_extent", "WARNING_CODES"]

WARNING_CODES: frozenset[str] = frozenset({"cut-subject-standing", "cut-subject-full-height", "cut-subject-side", "size-guessed", "implausible-scale", "subject-upscaled", "subject-outside-frame"})
"""The codes of the warnings a placement gives (:meth:`Placement.check`, :meth:`Placement.apply`): doubts about where
and how large the subject is laid into the background, not about the cut-out. A folder run's summary counts the
files with only these doubts apart."""

_AUTO_FLOOR = 0.92  # default feet row, as a fraction of the background's height (with or without a horizon)
_AUTO_TOP = 0.12  # default top of a standing subject (no horizon): this fraction of the feet row from the top
_SNAP = 1e-3  # resampled alpha this close to 0 or 1 is set to it
#: Enlarging: the outline is smoothed with a Gaussian of this σ in the photo's pixels (× the scale in the output's).
_EDGE_SMOOTH = 0.35
#: a placed subject taller than this many frame heights, or shorter than the fraction below, is implausible
_MAX_HEIGHT_FRAMES = 1.25
_MIN_HEIGHT_FRAMES = 0.03
#: upscaling a subject more than this makes it visibly softer than the background (the limit of the
#: background's own ``background-upscaled`` note, :data:`studiocomp.pipeline.BACKGROUND_UPSCALE_NOTE`)
_MAX_UPSCALE = 2.0
#: less than this share of the subject's solid area inside the frame: it is mostly outside
_MIN_VISIBLE = 0.5
#: real heights (metres) of a whole standing person; a whole subject sized by the horizon rule outside them is implausible
_PERSON_HEIGHTS = (0.9, 2.3)
#: a photo's side column holding the solid subject over at least this share of its height cuts it
_SIDE_CUT = 0.05


@dataclass(frozen=True)
class Placed:
    """A subject laid into the background's frame.

    Attributes
    ----------
    foreground : Image
        H×W×3 subject colours in the background's coordinates (0 outside it).
    alpha : Alpha
        H×W subject alpha in the background's coordinates.
    box : (top, bottom, left, right)
        Rows and columns (end exclusive) of the placed subject, clipped to the frame.
    scale : float
        The subject's scale factor from its photo.
    warnings : tuple of QualityWarning
        What the placement found doubtful (see :meth:`Placement.apply`); empty when nothing.
    """

    foreground: Image
    alpha: Alpha
    box: tuple[int, int, int, int]
    scale: float
    warnings: tuple[QualityWarning, ...] = ()


def subject_extent(alpha: np.ndarray) -> tuple[int, int, float, bool] | None:
    """(top row, bottom row, feet x, cut) of the solid subject (alpha ≥ 0.5); None if there is none.

    The feet x is the middle of the silhouette over its lowest 3 % of rows;
    ``cut`` is True when the bottom edge of the frame cuts the subject (a head-and-shoulders shot, no feet);
    feet that only graze the edge are not a cut (:func:`studiocomp._ops.cut_by_bottom`).

    Parameters
    ----------
    alpha : numpy.ndarray
        H×W float32 alpha in [0, 1], full size.

    Returns
    -------
    (int, int, float, bool) or None
        Rows and feet x in pixels; ``cut`` from :func:`studiocomp._ops.cut_by_bottom` (the rule the floor shadows use too).
    """
    solid = alpha >= 0.5
    extent = row_extent(solid)
    if extent is None:
        return None
    top, bottom = extent
    low = max(top, bottom - max(1, round(0.03 * (bottom - top + 1))))
    cols = np.flatnonzero(solid[low : bottom + 1].any(axis=0))
    return top, bottom, (float(cols[0]) + float(cols[-1])) / 2.0, cut_by_bottom(alpha)


def _number(name: str, value: float | None, lo: float = 0.0) -> float | None:
    if value is None:
        return None
    if not (isinstance(value, (int, float)) and np.isfinite(value) and value > lo):
        raise InputError(name, f"a number > {lo:g}", repr(value))
    return float(value)


@dataclass(frozen=True)
class Placement:
    """Where the subject's feet stand in the background and how tall the subject is (pixels).

    Parameters
    ----------
    feet : (x, y) or None
        The point between the feet, in background pixels. ``None``: centred,
        92 % down the frame (with or without a horizon; a horizon at or below
        that row: a third of the way from it to the bottom edge); a cut subject
        (no feet) stands on the bottom edge; a subject cut by its photo's left or
        right edge is moved against that edge of the frame.
    height : float or None
        The subject's height in pixels (top of the head to the feet).
        ``None``: from ``horizon`` and the real heights when a horizon is
        given, else from the feet row (the head 12 % of it below the frame's
        top); a cut subject on the bottom edge keeps its share of its photo's height.
    horizon : float or None
        The horizon's row in the background (its vanishing line: where the
        floor would meet the sky). Makes the height follow perspective.
    subject_height, camera_height : float
        Real heights (any unit, e.g. metres) of the subject standing whole and
        of the camera above the floor, for the horizon rule. 1.7 and 1.5 by
        default. A whole subject sized by the horizon rule with a
        ``subject_height`` outside 0.9–2.3 (metres: no standing person) is
        flagged ``implausible-scale``.
    for_standing : bool
        ``feet`` and ``height`` are a prepared background's spot for a person
        seen whole (:meth:`studiocomp.prepared.BackgroundInfo.placement` sets
        this when the caller gave neither): a cut subject (no feet) does not
        stand there in mid-air but on the bottom edge below that spot, sized
        as with no feet given: by the horizon rule when there is a horizon
        above the bottom edge (with the ``cut-subject-full-height`` warning),
        else keeping its share of its photo's height.
    visible_height : float or None
        For a subject cut by its photo's bottom or top edge only: the real height (same unit) of what is
        visible, e.g. 0.6 for head and shoulders. With a horizon it sizes the cut subject (see the module
        notes) and clears ``cut-subject-full-height``; a whole subject ignores it, so one value serves a
        folder of busts and full-length shots alike. ``None``: the cut subject is sized as if whole (warned).
    """

    feet: tuple[float, float] | None = None
    height: float | None = None
    horizon: float | None = None
    subject_height: float = 1.7
    camera_height: float = 1.5
    for_standing: bool = False
    visible_height: float | None = None

    def __post_init__(self) -> None:
        if self.feet is not None:
            if not (isinstance(self.feet, (tuple, list)) and len(self.feet) == 2 and all(isinstance(v, (int, float)) and np.isfinite(v) for v in self.feet)):
                raise InputError("feet", "(x, y) in background pixels", repr(self.feet))
            object.__setattr__(self, "feet", (float(self.feet[0]), float(self.feet[1])))
        _number("height", self.height)
        if self.horizon is not None and not (isinstance(self.horizon, (int, float)) and np.isfinite(self.horizon)):
            raise InputError("horizon", "a row of the background (pixels)", repr(self.horizon))
        _number("subject_height", self.subject_height)
        _number("camera_height", self.camera_height)
        _number("visible_height", self.visible_height)

    @classmethod
    def parse(cls, text: str) -> Placement:
        """From the command line: ``auto``, ``X,Y`` (feet) or ``X,Y,HEIGHT`` (pixels).

        Parameters
        ----------
        text : str
            ``auto``, ``X,Y`` or ``X,Y,HEIGHT`` (background pixels).

        Returns
        -------
        Placement

        Raises
        ------
        InputError
            Any other text.
        """
        if text.strip().lower() == "auto":
            return cls()
        try:
            values = [float(v) for v in text.split(",")]
        except ValueError:
            values = []
        if len(values) not in (2, 3):
            raise InputError("place", "'auto', 'X,Y' or 'X,Y,HEIGHT' (background pixels)", repr(text))
        return cls(feet=(values[0], values[1]), height=values[2] if len(values) == 3 else None)

    def target(self, extent: tuple[int, int, float, bool], photo_height: int, size: tuple[int, int], top_cut: bool = False) -> tuple[float, float, float]:
        """(feet x, feet y, height) in background pixels for a subject of this ``extent``.

        Parameters
        ----------
        extent : (int, int, float, bool)
            (top row, bottom row, feet x, cut) of the subject in its photo (:func:`subject_extent`).
        photo_height : int
            The photo's height in pixels.
        size : (int, int)
            The background's (H, W).
        top_cut : bool
            The subject touches its photo's top edge (``visible_height`` then sizes it by the horizon rule).

        Returns
        -------
        (float, float, float)
            Feet x, feet y and subject height, background pixels.

        Raises
        ------
        InputError
            The feet stand above the horizon.
        """
        h, w = size
        top, bottom, _, cut = extent
        share = (bottom - top + 1) / photo_height * h  # a cut subject's size when nothing gives the scale
        if cut and self.for_standing:  # a background's spot for whole people: the cut goes on the bottom edge below it
            x, y = (self.feet[0] if self.feet is not None else w / 2.0), float(h)
            if self.horizon is None or self.horizon >= y:  # the spot's own height is for a whole person: not used
                return x, y, share
            return x, y, self._cut_on_edge(y, share)
        self.validate(size)
        if cut and self.feet is None:  # no feet: the cut stands on the frame's bottom edge
            x, y = w / 2.0, float(h)
            if self.height is None:
                return x, y, share if self.horizon is None or self.horizon >= y else self._cut_on_edge(y, share)
        elif self.feet is not None:
            x, y = self.feet
        elif self.horizon is not None and self.horizon >= _AUTO_FLOOR * h:
            x, y = w / 2.0, self.horizon + (h - self.horizon) / 3.0  # a horizon that low: the floor is below it
        else:
            x, y = w / 2.0, _AUTO_FLOOR * h
        if self.height is not None:
            return x, y, self.height
        if self.horizon is not None:
            if y <= self.horizon:
                raise InputError("feet", f"a row below the horizon ({self.horizon:g}) for a standing subject", f"row {y:g}")
            return x, y, (y - self.horizon) * self._real_height(extent[3] or top_cut) / self.camera_height
        return x, y, (1.0 - _AUTO_TOP) * y

    def _real_height(self, cut: bool) -> float:
        """The real height the horizon rule sizes a subject by: ``visible_height`` for a ``cut`` one (when given), else ``subject_height``."""
        return self.visible_height if self.visible_height is not None and cut else self.subject_height

    def _cut_on_edge(self, y: float, share: float) -> float:
        """Height in pixels of a subject cut by its photo's bottom edge, that cut on row ``y`` (the frame's bottom), by the horizon rule.

        Its head is ``subject_height`` above the floor and the cut ``subject_height − visible`` (``visible`` =
        ``visible_height``, or all of it); at a distance of ``p`` pixels per metre the cut's row is
        ``horizon + (camera_height − cut) · p`` = ``y``, so the visible part is ``visible · p`` pixels. A cut
        at or above the camera's height cannot lie below the horizon: ``share`` (``check`` flags it).
        """
        assert self.horizon is not None
        visible = self.visible_height if self.visible_height is not None else self.subject_height
        below = self.camera_height - (self.subject_height - visible)  # the cut's height below the camera
        return visible * (y - self.horizon) / below if below > 0.0 else share

    def validate(self, size: tuple[int, int], name: str = "feet") -> None:
        """Check that the given feet can stand on a background of ``size`` = (H, W), before any subject is placed.

        The feet must lie on the background, and, when no height is given but a horizon is, below the
        horizon (the horizon rule gives a subject standing at or above it no height). A command line or a
        service calls this once with the background's size, so a bad ``--place`` is refused before the first
        photo is worked on; :meth:`target` checks the same for each subject.

        Parameters
        ----------
        size : (int, int)
            The background's (H, W) in pixels.
        name : str
            The name of the option the feet came from, for the error (``"feet"``; ``"--place"``, ``"place"``).

        Raises
        ------
        InputError
            Feet off the background (x not in [0, W] or y not in [0, H]; the size is named), or at or above
            the horizon with no height given.
        """
        if self.feet is None:
            return
        h, w = size
        x, y = self.feet
        if not (0.0 <= x <= w and 0.0 <= y <= h):
            off = [f"x {x:g} is off its width (0 to {w})"] if not 0.0 <= x <= w else []
            off += [f"y {y:g} is off its height (0 to {h})"] if not 0.0 <= y <= h else []
            raise InputError(name, f"the feet on the {w}×{h} background (x in [0, {w}], y in [0, {h}], its pixels)", f"({x:g}, {y:g}): {' and '.join(off)}")
        if self.height is None and self.horizon is not None and y <= self.horizon:
            raise InputError(
                name,
                f"feet below the horizon (row {self.horizon:g}) for a standing subject sized by it, or a height (X,Y,H)",
                f"row {y:g}, at or above the horizon",
            )

    def _guessed(self, extent: tuple[int, int, float, bool], size: tuple[int, int]) -> bool:
        """True when :meth:`target` has nothing to size the subject by: no height given and no usable horizon.

        The height is then a rule of thumb, not the scene's scale: a whole subject's head goes 12 % of the
        feet row below the frame's top (a studio backdrop filled top to bottom), a cut subject on the bottom
        edge keeps its share of its photo's height. On a scene photographed wide (a hall) either makes a giant.

        Parameters
        ----------
        extent : (int, int, float, bool)
            (top row, bottom row, feet x, cut) of the subject in its photo (:func:`subject_extent`).
        size : (int, int)
            The background's (H, W).

        Returns
        -------
        bool
        """
        cut = extent[3]
        if self.height is not None:
            return False
        return self.horizon is None or (cut and (self.feet is None or self.for_standing) and self.horizon >= size[0])

    def check(self, extent: tuple[int, int, float, bool], photo_shape: tuple[int, int], size: tuple[int, int], target: tuple[float, float, float], top_cut: bool = False) -> list[QualityWarning]:
        """The doubts about placing a subject of this ``extent`` at ``target`` = (feet x, feet y, height) in a frame of ``size``.

        Returns named warnings, all ``uncertain`` except ``subject-upscaled``:

        - ``cut-subject-standing``: the subject is cut by its photo's bottom edge (no feet: a
          head-and-shoulders shot) but stands on the floor at ``feet`` — it will look cut off in mid-air.
        - ``cut-subject-full-height``: a cut subject (bottom or top edge of its photo) is sized by the
          horizon rule with ``subject_height`` as if all of it were visible (no ``visible_height``).
        - ``size-guessed``: nothing sizes the subject (no height, no horizon above the feet, no floor scale):
          its height is a rule of thumb (the head 12 % of the feet row below the top; a cut subject on the
          bottom edge, its share of its photo's height), which makes a giant on a scene shot wide; the message
          names the fixes (a horizon, a height).
        - ``implausible-scale``: the subject would be taller than 1.25 frame heights or shorter than 3 % of one;
          or a whole subject is sized by the horizon rule with a ``subject_height`` no standing person has
          (outside 0.9–2.3 m: e.g. a run-wide height meant for busts); or a cut subject's ``visible_height``
          leaves its cut at or above the camera's height (it cannot lie on the bottom edge below the horizon).
        - ``subject-upscaled``: enlarged more than 2× from its photo: softer than the background (a note).

        Parameters
        ----------
        extent : (int, int, float, bool)
            (top row, bottom row, feet x, cut) of the subject in its photo (:func:`subject_extent`).
        photo_shape : (int, int)
            The photo's (H, W).
        size : (int, int)
            The background's (H, W).
        target : (float, float, float)
            Feet x, feet y, height (:meth:`target`).
        top_cut : bool
            The subject touches its photo's top edge.

        Returns
        -------
        list of QualityWarning
            Empty when nothing is in doubt.

        Raises
        ------
        InputError
            ``feet`` outside the background (x not in [0, W], y not in [0, H]), or at or above the horizon with
            no height given (:meth:`validate`).
        """
        h, w = size
        top, bottom, _, cut = extent
        x, y, height = target
        standing = cut and self.for_standing  # laid on the bottom edge by :meth:`target`, not stood on the spot
        if not standing:
            self.validate(size)
        out: list[QualityWarning] = []
        if cut and self.feet is not None and self.height is None and not standing:
            out.append(QualityWarning("cut-subject-standing", f"the subject is cut by its photo's bottom edge (no feet) but is stood on the floor at row {y:g}", y))
        horizon_sized = self.horizon is not None and (self.horizon < h if standing else (self.height is None and (self.feet is not None or self.horizon < h)))
        if (cut or top_cut) and horizon_sized and self.visible_height is None:
            part = "bottom" if cut else "top"
            out.append(
                QualityWarning(
                    "cut-subject-full-height",
                    f"the subject is cut by its photo's {part} edge but is sized by the horizon rule as if {self.subject_height:g} m tall in full: "
                    "give the real height of what is visible in metres (--visible-height, e.g. 0.6 for head and shoulders; "
                    "whole subjects ignore it) or its height in pixels (--place X,Y,H)",
                    height,
                )
            )
        lo, hi = _PERSON_HEIGHTS
        if horizon_sized and not (cut or top_cut) and not lo <= self.subject_height <= hi:
            out.append(
                QualityWarning(
                    "implausible-scale",
                    f"a whole standing subject sized as {self.subject_height:g} m tall (--subject-height): no standing person is outside {lo:g}–{hi:g} m; "
                    "for the visible part of subjects cut by their photo's edge give --visible-height instead",
                    self.subject_height,
                )
            )
        if cut and horizon_sized and self.visible_height is not None and self.camera_height - (self.subject_height - self.visible_height) <= 0.0 and (self.feet is None or standing):
            out.append(
                QualityWarning(
                    "implausible-scale",
                    f"a visible height of {self.visible_height:g} m of a {self.subject_height:g} m person puts the cut at or above the camera's height "
                    f"({self.camera_height:g} m): it cannot lie on the bottom edge, below the horizon; sized by its share of its photo instead",
                    self.visible_height,
                )
            )
        if self._guessed(extent, size):
            rule = "its share of its photo's height" if cut and (self.feet is None or self.for_standing) else "filling the frame above its feet, the head 12 % of the way down"
            out.append(
                QualityWarning(
                    "size-guessed",
                    f"the subject's size ({height:.0f} px tall, {rule}) is a guess: nothing gives the scene's scale; "
                    "give the background's horizon row (the sidecar's \"horizon\", or --horizon ROW) or the subject's height in pixels (--place X,Y,H)",
                    height / h,
                )
            )
        if height > _MAX_HEIGHT_FRAMES * h or height < _MIN_HEIGHT_FRAMES * h:
            out.append(QualityWarning("implausible-scale", f"the subject would be {height:.0f} px tall in a {h} px tall frame ({height / h:.2f} frame heights)", height / h))
        scale = height / (bottom - top + 1)
        if scale > _MAX_UPSCALE:
            out.append(QualityWarning("subject-upscaled", f"the subject is enlarged {scale:.1f}× from its photo: it will look softer than the background", scale, uncertain=False))
        return out

    def apply(self, foreground: Image, alpha: Alpha, size: tuple[int, int]) -> Placed:
        """Lay the subject (its photo's ``foreground`` and ``alpha``) into a background of ``size`` = (H, W).

        The subject is resampled with premultiplied alpha (area averaging when
        it shrinks, bicubic when it grows), so no colour from outside it leaks
        into its edge. The placement checks itself (:meth:`check`); its warnings,
        plus ``subject-outside-frame`` when less than half of the subject's solid
        area lands inside the frame, are in :attr:`Placed.warnings`.

        A subject cut by its photo's left or right edge (the solid subject in at least 5 % of the rows of that
        column) is moved against that edge of the frame when the x was not given (``feet`` None, or a prepared
        background's spot); otherwise a cut that lands inside the frame is ``cut-subject-side`` (uncertain),
        naming the ``--place`` that puts it on the edge, or, cut by both sides, the height that spans the frame.

        Parameters
        ----------
        foreground : Image
            The photo's H×W×3 subject colours.
        alpha : Alpha
            The photo's H×W alpha.
        size : (int, int)
            The background's (H, W).

        Returns
        -------
        Placed
            The subject in the background's frame, its box, scale and warnings.

        Raises
        ------
        InputError
            A bad ``size``, ``feet`` outside the background, or feet above the horizon.
        """
        fg = checked_image(foreground, name="foreground")
        a = checked_alpha(alpha, shape=fg.shape[:2])
        if not (isinstance(size, tuple) and len(size) == 2 and all(isinstance(v, (int, np.integer)) and v > 0 for v in size)):
            raise InputError("size", "(height, width) in pixels", repr(size))
        h, w = int(size[0]), int(size[1])
        out_fg, out_a = np.zeros((h, w, 3), np.float32), np.zeros((h, w), np.float32)
        extent = subject_extent(a)
        if extent is None:
            return Placed(out_fg, out_a, (0, 0, 0, 0), 1.0)
        top, bottom, feet_x, cut = extent
        x, y, height = self.target(extent, a.shape[0], (h, w), top_cut=top <= 1)
        warnings = self.check(extent, a.shape, (h, w), (x, y, height), top_cut=top <= 1)
        scale = height / (bottom - top + 1)
        # a subject cut by its photo's left or right edge: that cut kept on the frame's edge when no x was given, else flagged
        rows = bottom - top + 1
        left_cut = float(np.count_nonzero(a[top : bottom + 1, 0] >= 0.5)) / rows >= _SIDE_CUT
        right_cut = float(np.count_nonzero(a[top : bottom + 1, -1] >= 0.5)) / rows >= _SIDE_CUT
        edge_l, edge_r = x - (feet_x + 0.5) * scale, x + (a.shape[1] - feet_x - 0.5) * scale  # where the photo's side edges land
        if left_cut != right_cut and (self.feet is None or self.for_standing):
            x -= edge_l if left_cut else edge_r - w
            edge_l, edge_r = x - (feet_x + 0.5) * scale, x + (a.shape[1] - feet_x - 0.5) * scale
        if left_cut and right_cut and (edge_l > 0.5 or edge_r < w - 0.5):  # as wide as its photo: only a size that spans the frame hides both cuts
            fill = w / a.shape[1]  # the scale at which the photo's width is the frame's
            warnings.append(
                QualityWarning(
                    "cut-subject-side",
                    f"the subject is cut by both side edges of its photo but spans {edge_r - edge_l:.0f} of the frame's {w} px: it shows with straight "
                    f"vertical slices; give the height that spans the frame (--place {(feet_x + 0.5) * fill:.0f},{y:.0f},{fill * (bottom - top + 1):.0f}) or a photo that shows all of it",
                    max(edge_l, w - edge_r),
                )
            )
        for side, is_cut, inside, put in (("left", left_cut and not right_cut, edge_l > 0.5, x - edge_l), ("right", right_cut and not left_cut, edge_r < w - 0.5, x + w - edge_r)):
            if is_cut and inside:
                out_by = edge_l if side == "left" else w - edge_r
                warnings.append(
                    QualityWarning(
                        "cut-subject-side",
                        f"the subject is cut by its photo's {side} edge but that cut lies {out_by:.0f} px inside the frame: it shows as a straight "
                        f"vertical slice; place it against the {side} edge (--place {put:.0f},{y:.0f}) or give a photo that shows all of it",
                        out_by,
                    )
                )
        # the source window: everything with alpha > 0 (wisps above the solid part included)
        win = bounding_window(a > 0) or (slice(top, bottom + 1), slice(0, a.shape[1]))  # never None: the solid subject is in it
        r0, r1, c0, c1 = int(win[0].start), int(win[0].stop), int(win[1].start), int(win[1].stop)
        # destination of the window's corners: (feet_x, bottom + 1) of the photo lands on (x, y)
        d_top = round(y - (bottom + 1 - r0) * scale)
        d_left = round(x - (feet_x + 0.5 - c0) * scale)
        d_h, d_w = max(1, round((r1 - r0) * scale)), max(1, round((c1 - c0) * scale))
        # the part of the scaled window that falls inside the frame
        t, b, left, right = max(0, d_top), min(h, d_top + d_h), max(0, d_left), min(w, d_left + d_w)
        visible = _visible_fraction(a, (r0, r1, c0, c1), (d_top, d_left, d_h, d_w), (h, w))
        if visible < _MIN_VISIBLE:
            warnings.append(QualityWarning("subject-outside-frame", f"only {visible:.0%} of the subject lands inside the frame", visible))
        if t >= b or left >= right:
            return Placed(out_fg, out_a, (0, 0, 0, 0), scale, tuple(warnings))
        win_a = np.ascontiguousarray(a[r0:r1, c0:c1])
        if scale <= 1.0:
            pre = fg[r0:r1, c0:c1] * win_a[..., None]
            small_a = np.clip(cv2.resize(win_a, (d_w, d_h), interpolation=cv2.INTER_AREA), 0.0, 1.0)
            colour = cv2.resize(pre, (d_w, d_h), interpolation=cv2.INTER_AREA) / np.maximum(small_a, 1e-4)[..., None]
        else:
            small_a, colour = _enlarged(np.ascontiguousarray(fg[r0:r1, c0:c1]), win_a, (d_h, d_w), scale)
        crop = (slice(t - d_top, b - d_top), slice(left - d_left, right - d_left))
        small_a, colour = small_a[crop], colour[crop]
        # resampling leaves float rounding (0.99999994) and ripples on flat parts: snap them, so the
        # solid subject and the empty frame stay exactly 1 and 0 (later stages only blend what is partial)
        small_a[small_a < _SNAP] = 0.0
        small_a[small_a > 1.0 - _SNAP] = 1.0
        out_a[t:b, left:right] = small_a
        out_fg[t:b, left:right] = np.clip(colour, 0.0, 1.0)
        return Placed(out_fg, out_a, (t, b, left, right), float(scale), tuple(warnings))


def _enlarged(fg: np.ndarray, alpha: np.ndarray, size: tuple[int, int], scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, straight colour) of a subject window enlarged to ``size`` (H, W), ``scale`` > 1 times, without stair steps.

    Cubic resampling rings at an outline: alpha undershoots and the colour, divided by it, overshoots,
    so every photo pixel along the edge became a bright tooth (humanseg 037 enlarged 3.8×: a white
    serrated line along the hair). Here the outline is resampled linearly and smoothed with a Gaussian of
    σ = ``_EDGE_SMOOTH`` × ``scale`` output pixels (a third of a photo pixel), which turns the steps into a
    soft edge as sharp as the photo allows; its colour is the smoothed premultiplied colour over the smoothed
    alpha, so the wider edge never shows black. Where the photo's alpha is 1 over the cubic kernel's reach
    (2 pixels), the colour is resampled cubically as before: the interior keeps its sharpness.
    """
    h, w = size
    pre = fg * alpha[..., None]
    lin_a = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
    lin_pre = cv2.resize(pre, (w, h), interpolation=cv2.INTER_LINEAR)
    sigma = _EDGE_SMOOTH * scale
    smooth_a = np.clip(cv2.GaussianBlur(lin_a, (0, 0), sigma), 0.0, 1.0)
    colour = cv2.GaussianBlur(lin_pre, (0, 0), sigma) / np.maximum(smooth_a, 1e-4)[..., None]
    opaque = lin_a >= 0.9  # nearly solid: its own colour, not its neighbours' (no need to borrow)
    colour[opaque] = lin_pre[opaque] / lin_a[opaque][:, None]
    solid = cv2.erode((alpha >= 1.0 - _SNAP).astype(np.uint8), np.ones((5, 5), np.uint8))
    inside = cv2.resize(solid, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    colour[inside] = cv2.resize(fg, (w, h), interpolation=cv2.INTER_CUBIC)[inside]
    return smooth_a, colour


def _visible_fraction(a: np.ndarray, win: tuple[int, int, int, int], dest: tuple[int, int, int, int], size: tuple[int, int]) -> float:
    """Share of the solid subject (alpha ≥ 0.5) in the photo window ``win`` that lands inside a frame of ``size``."""
    r0, r1, c0, c1 = win
    d_top, d_left, d_h, d_w = dest
    solid = a[r0:r1, c0:c1] >= 0.5
    total = int(np.count_nonzero(solid))
    if total == 0:
        return 1.0
    # destination rows/columns of each source row/column, by their centres
    ys = d_top + (np.arange(r1 - r0) + 0.5) * d_h / (r1 - r0)
    xs = d_left + (np.arange(c1 - c0) + 0.5) * d_w / (c1 - c0)
    inside = ((ys >= 0) & (ys < size[0]))[:, None] & ((xs >= 0) & (xs < size[1]))[None, :]
    return float(np.count_nonzero(solid & inside)) / total
