"""Warm-up of a recurrent matter's state before a clip is matted from its first frame.

A recurrent video matter such as Robust Video Matting (Lin et al., "Robust High-Resolution Video
Matting with Temporal Guidance", WACV 2022) starts a clip from a zero state, so its first frames are
matted without temporal context: on DAVIS ``dance-twirl`` a seated spectator beside the dancer shows
as a semi-transparent ghost that fades out over about seven frames. The RVM authors let the state
converge before trusting it; here the matter is run once over every second of the clip's first frames,
from the last of them back (their alphas are thrown away), and the clip is then matted from frame 0 with that
primed state. Backwards, so that the state's last frame is frame 0 or its neighbour, frame 1: primed forwards, it would
last have seen frame N−1, whose subject may stand elsewhere (measured in docs/evaluation.md: backwards
is better on both DAVIS clips). Ending on frame 1 and matting frame 0 from there clears the ghost as well as running
frame 0 once more first did, one network run fewer (docs/evaluation.md). Frame-by-frame backends have no state and are not warmed (no cost).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

__all__ = ["WARMUP_FRAMES", "WARMUP_STRIDE", "recurrent_core", "warm_up"]

T = TypeVar("T")

#: Frames the recurrent state is primed on before frame 0 is matted (:func:`warm_up`'s default): the span held.
WARMUP_FRAMES = 16
#: Of the held frames every this-th is run, from the last back: 8 network runs for 16 frames (frames 15, 13, … 1). On
#: DAVIS dance-twirl this clears the spectator's ghost as all 16 do (alpha outside the dancer on frames 0-3:
#: 0.00/0.00/0.00/0.00 %, and 0.00/0.00/0.02/0.00 % when frame 0 was run last too, against 0.00 % with 16 runs,
#: 4.9/2.7/2.3/2.3 % cold); every 4th frame (5 runs) leaves 0.1-1.1 %, 8 frames in a row (8 runs) 1.0-1.7 %, every
#: 2nd of 15 (frames 14, 12, … 0) 0.01/0.00/0.16/0.25 %: the span matters more than the count
WARMUP_STRIDE = 2


def recurrent_core(matter: Any) -> Any | None:
    """The recurrent matter whose state a warm-up primes: ``matter`` itself, the backend a stabiliser wraps, or None.

    A matter is recurrent when it has a ``sequence`` attribute and a ``reset`` method (e.g.
    :class:`~studiocomp.backends.matte.rvm.RVMMatter`) and carries its state between calls while
    ``sequence`` is set. A :class:`~studiocomp.video.StabilisedMatter` is not recurrent itself; its
    backend may be (then only the backend is primed: the stabiliser starts at frame 0 as before).

    Parameters
    ----------
    matter : Matter or StabilisedMatter
        The clip's matter (as :func:`studiocomp.video.temporal_matter` returns it).

    Returns
    -------
    object or None
        The recurrent matter, or None when there is no state to prime.
    """
    from .stabilise import StabilisedMatter

    core = matter.backend if isinstance(matter, StabilisedMatter) else matter
    if isinstance(core, StabilisedMatter) or not (hasattr(core, "sequence") and hasattr(core, "reset")):
        return None
    return core if core.sequence else None


def warm_up(
    matter: Any,
    items: Iterator[T],
    frames: int = WARMUP_FRAMES,
    image: Callable[[T], np.ndarray] | None = None,
    *,
    cancelled: Callable[[], bool] | None = None,
    timings: dict[str, float] | None = None,
) -> Iterator[T]:
    """Prime ``matter``'s recurrent state on the first ``frames`` items, then yield every item from the first.

    The first ``frames`` items are read and held (a shorter clip: all of it), the recurrent core
    (:func:`recurrent_core`) is run over every :data:`WARMUP_STRIDE`-th of them from the last back (16 held: the
    16th, 14th, … 2nd; the first item itself only when the count lands on it) — through
    ``predict_alpha`` when it has one (the network alone: no upsampling, no foreground), else
    ``matte`` — and its outputs are dropped; then the held items and the rest are yielded unchanged, for the caller to matte from frame
    0 on with the primed state. With no recurrent core, or ``frames`` 0, the items pass straight through.

    Cost: ``ceil(min(frames, clip length) / WARMUP_STRIDE)`` extra network runs at the start and
    ``frames`` items held in memory at once; both are bounded, whatever the clip's length.

    Parameters
    ----------
    matter : Matter
        The clip's matter, already reset for the clip.
    items : iterator
        The clip's items in order (frames, or tuples holding them).
    frames : int
        How many items to prime on (0: none).
    image : callable, optional
        Turns an item into the H×W×3 float32 RGB frame in [0, 1] the matter takes (default: the item itself).
    cancelled : callable, optional
        Polled before each priming frame; when it returns True, nothing more is yielded.
    timings : dict of str to float, optional
        The seconds spent priming are added to its ``"warmup"`` entry.

    Yields
    ------
    object
        The items of ``items``, in order, the first one first.
    """
    core = recurrent_core(matter)
    if core is None or frames <= 0:
        yield from items
        return
    held: list[T] = []
    for item in items:
        held.append(item)
        if len(held) >= frames:
            break
    if not held:  # an empty clip: nothing to prime on
        return
    prime = getattr(core, "predict_alpha", None) or core.matte
    t0 = time.perf_counter()
    order = range(len(held) - 1, -1, -WARMUP_STRIDE)  # from the last held frame back, every WARMUP_STRIDE-th, to frame 1 or 0
    for item in (held[i] for i in order):
        if cancelled is not None and cancelled():
            return
        prime(item if image is None else image(item))
    if timings is not None:
        timings["warmup"] = timings.get("warmup", 0.0) + time.perf_counter() - t0
    yield from held
    yield from items
