"""Run a clip through matting, tracking, stabilisation and compositing, streaming."""

from __future__ import annotations

import errno
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._display import short_repr
from .._ops import clear_hidden
from ..errors import InputError
from ..types import QualityWarning
from .io import FrameFolderWriter, VideoWriter, open_video
from .stabilise import StabilisedMatter
from .subject_record import SubjectRecord
from .track import SubjectTracker
from .warmup import WARMUP_FRAMES, recurrent_core, warm_up

__all__ = ["run", "VideoResult", "temporal_matter", "check_outputs", "check_warmup", "MAX_FPS"]

_VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm")
#: suffixes refused for an output: a video or image file studiocomp does not write (a folder named so would surprise)
_NOT_WRITTEN = (".avi", ".gif", ".wmv", ".flv", ".mpg", ".mpeg", ".ts", ".m2ts", ".3gp", ".ogv", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
_BOTH = f"a video file ({', '.join(_VIDEO_SUFFIXES)}) or a folder for PNG frames (an existing folder, or a name with no suffix or another one)"


def _is_video(path: Path, name: str = "output") -> bool:
    """Whether the output ``path`` is a video file (its suffix is a container's) rather than a folder of PNG frames.

    An existing folder, or a name with no suffix or one that is not a media file's (``exist.dir``, ``alpha_2.5``),
    is a folder; a video or image suffix studiocomp does not write (``.avi``, ``.png`` …) is refused.
    """
    suffix = path.suffix.lower()
    if suffix in _VIDEO_SUFFIXES:
        return True
    if suffix in _NOT_WRITTEN and not path.is_dir():
        raise InputError(str(path), f"{_BOTH} for the {name}", repr(path.suffix))
    return False


_GREEN = np.array([0.0, 177.0 / 255.0, 64.0 / 255.0], np.float32)  # chroma-key green (#00b140)
_STOP = object()
#: the highest frame rate :func:`run` takes for a folder of frames (``fps``)
MAX_FPS = 240.0


@dataclass
class VideoResult:
    """What :func:`run` wrote and how fast.

    Attributes
    ----------
    outputs : dict[str, Path]
        ``composite``, and ``alpha`` / ``cutout`` when asked for.
    frames : int
        Frames read and written.
    fps : Fraction-like float
        The clip's frame rate.
    seconds : float
        Wall-clock time of the whole run.
    timings : dict[str, float]
        Seconds per stage, summed over frames (``matter``, ``track``, ``composite``), and
        ``warmup``: priming a recurrent matter's state before frame 0 (see :func:`run`). The
        matter runs on a thread of its own, beside tracking and compositing, and decode and
        encode on theirs (not in the sum), so the stages add up to more than ``seconds``.
    warnings : list[QualityWarning]
        Notes on a prepared background (not ``uncertain``), first: ``placement-not-used`` (its sidecar's
        horizon, floor and default feet are not used: a clip is not placed) and ``light-default`` (its
        sidecar's light, used for the shadow, is itself the default). Then doubts about the clip, all
        ``uncertain`` (the clip is written; a person should look at it): the tracked subject was lost (``subject-lost``, naming the frames), jumped to someone
        else (``subject-switched``), was only a sliver on the first frame (``subject-tiny``) or took
        in a region beyond reach of where it was, such as a bystander it touched (``subject-merged``);
        see :func:`~studiocomp.video.subject_record.subject_warnings` (none without tracking).
    subject : SubjectRecord or None
        The tracked subject's area and box per frame (None without tracking).
    """

    outputs: dict[str, Path]
    frames: int
    fps: float
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[QualityWarning] = field(default_factory=list)
    subject: SubjectRecord | None = None

    def __repr__(self) -> str:
        return short_repr(self, uncertain=self.uncertain)

    @property
    def uncertain(self) -> bool:
        """True when any warning is ``uncertain``: the clip was written, but a person should look at it."""
        return any(w.uncertain for w in self.warnings)

    @property
    def frame_rate(self) -> float:
        """Frames processed per second of wall-clock time."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def temporal_matter(backend: Any = None, *, stabilise: bool | None = None) -> Any:
    """A matter that is steady over time: RVM with its recurrent state by default.

    ``backend`` is a Matter or Segmenter object, a registered matter name, or None (RVM).
    A backend with a recurrent state (``sequence`` attribute, e.g. RVM) gets ``sequence=True``;
    any other is wrapped in :class:`~studiocomp.video.StabilisedMatter` unless ``stabilise``
    is False. ``stabilise=True`` wraps even a recurrent one.

    Parameters
    ----------
    backend : Matter, Segmenter, str or None
        See above.
    stabilise : bool, optional
        Wrap in :class:`~studiocomp.video.StabilisedMatter` (None: only a backend with no recurrent state).

    Returns
    -------
    Matter
        The backend set up for a clip (or wrapped).
    """
    from ..registry import create

    if backend is None:
        backend = create("matter", "rvm", sequence=True)
    elif isinstance(backend, str):
        backend = create("matter", backend, **({"sequence": True} if backend == "rvm" else {}))
    recurrent = hasattr(backend, "sequence") and hasattr(backend, "reset") and not isinstance(backend, StabilisedMatter)
    if recurrent:
        backend.sequence = True
    if isinstance(backend, StabilisedMatter) or stabilise is False or (recurrent and not stabilise):
        return backend
    return StabilisedMatter(backend)


class _Smoother:
    """Exponential smoothing of a per-frame estimate (shadow map, relight gains): ``s ← k·s + (1−k)·x``."""

    def __init__(self, keep: float) -> None:
        self.keep = keep
        self.value: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.value is None or self.value.shape != x.shape:
            self.value = np.asarray(x, np.float32).copy()
        else:
            self.value = (self.keep * self.value + (1.0 - self.keep) * x).astype(np.float32)
        return self.value


def _writer_for(path: Path, kind: str, info: Any, time_base: Any, audio: Any) -> Any:
    if _is_video(path, kind):
        alpha = kind in ("alpha", "cutout") and path.suffix.lower() in (".webm", ".mov")
        return VideoWriter(path, info.fps, info.width, info.height, alpha=alpha, audio_from=audio, time_base=time_base)
    return FrameFolderWriter(path)


def check_outputs(src: str | os.PathLike[str], outputs: dict[str, Path], fps: float | None) -> None:
    """Refuse, before anything is read or written, outputs that cannot be written or would destroy the input or each other, and a bad ``fps``.

    Every problem with an output path that can be known before the first frame is found here,
    so that a run does not fail after the whole clip was decoded and matted.

    Parameters
    ----------
    src : path
        The clip (file or folder of frames).
    outputs : dict of str to Path
        The outputs by name (``composite``, ``alpha``, ``cutout``).
    fps : float or None
        The frame rate asked for a folder of frames.

    Raises
    ------
    InputError
        An output is the input, lies inside the input folder or holds the input (a folder output is
        replaced as a whole), two outputs are the same path or one lies inside the other; an output
        meant as a video file (``.mp4`` …) is an existing folder, one meant as a folder of frames (an
        existing folder, a name with no suffix or one that is not a media file's, e.g. ``alpha_2.5``) is an
        existing file or a folder of other files; a video or image suffix studiocomp does not write
        (``.avi``, ``.gif``, ``.png`` …); the output's folder
        cannot be created (a file is in the way) or written to. ``fps`` is not a finite number in
        (0, :data:`MAX_FPS`], or is given for a video file (which keeps its own frame rate).
    """
    import math

    if fps is not None:
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and 0 < fps <= MAX_FPS):
            raise InputError("fps", f"a finite frame rate above 0 and at most {MAX_FPS:g}", repr(fps))
        if Path(src).is_file():
            raise InputError("fps", "no frame rate for a video file (it keeps its own; fps is for a folder of frames)", f"{fps:g} for {src}")
    source = Path(src).resolve()
    seen: dict[Path, str] = {}
    for name, path in outputs.items():
        out = path.resolve()
        if out == source or source in out.parents or (out in source.parents and not _is_video(path, name)):
            raise InputError(str(path), f"an output for the {name} apart from the input {src} (it would be overwritten)", "the input itself, or a folder holding it or inside it")
        if out in seen:
            raise InputError(str(path), f"an output of its own for the {name}", f"the same path as the {seen[out]} output")
        for other, other_name in seen.items():
            if other in out.parents or out in other.parents:  # a folder output is replaced as a whole at the end
                raise InputError(str(path), f"an output for the {name} apart from the {other_name} output", "a path inside it, or a folder holding it")
        seen[out] = name
        _check_place(path, name)


def _check_place(path: Path, name: str) -> None:
    """Refuse an output path that cannot be written: the wrong kind of thing there, or a folder that cannot be made or written to."""
    import tempfile

    from .io import check_frame_folder

    if _is_video(path, name):
        if path.exists() and not path.is_file():
            raise InputError(str(path), f"a video file name for the {name} (a file is written there)", "an existing folder" if path.is_dir() else "something that is not a file")
    else:
        check_frame_folder(path)
    # the output is written beside itself first (then renamed): its folder, or the nearest one that exists
    # (the missing ones are created), must be a folder that takes a new file. Tried, not guessed from the
    # permission bits: root, read-only mounts and ACLs all answer os.access wrongly.
    place = path.absolute().parent
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        raise InputError(str(path), f"a path for the {name} whose folder can be created", f"{place} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".studiocomp-probe-", suffix=".part", dir=place)
    except OSError as exc:
        raise InputError(str(path), f"a writable place for the {name}", f"{place} cannot be written to ({_why_unwritable(place, exc)})") from None
    os.close(fd)
    os.unlink(probe)


def _why_unwritable(place: Path, exc: OSError) -> str:
    """Why a file could not be created in the folder ``place``: the OS's reason, unless it misleads.

    Creating a file in a folder that exists but takes no files (``/proc``, ``/sys``: filesystems the kernel
    makes up) answers "No such file or directory"; that is not the reason a user needs to read.
    """
    if exc.errno == errno.ENOENT and place.is_dir():
        return "the folder exists but takes no new files: a virtual filesystem such as /proc or /sys"
    return exc.strerror or str(exc)


#: niceness the decoding, finishing (tracking, compositing) and encoding threads of :func:`run` add to their own, so that
#: the matter's network keeps the cores it can use and the rest fills the time it leaves (issue 15's overhead: on 2 cores
#: RVM's own loop keeps about 1.7 busy, and whatever competes with it slows each of its multi-threaded steps; docs/performance.md)
_SIDE_NICENESS = 5


def _yield_to_the_matter() -> None:
    """Lower the calling thread's scheduling priority by :data:`_SIDE_NICENESS` (Linux, where niceness is per thread).

    Threads it starts later (an encoder's own) inherit it. Elsewhere, or when the system refuses, nothing changes: a
    priority is a hint for the scheduler, never a reason to fail. Raising niceness needs no privilege; it cannot be
    undone without one, which is why only :func:`run`'s own threads take it, never the caller's.
    """
    if not sys.platform.startswith("linux"):
        return  # elsewhere PRIO_PROCESS with a thread's id would name a process
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + _SIDE_NICENESS))
    except OSError:
        pass


def _stop_threads(stop: threading.Event, threads: list[threading.Thread]) -> None:
    """Set ``stop`` and wait until every thread has ended, even through a second Ctrl-C.

    The threads poll ``stop`` at every wait, so each ends within one frame's work. A
    KeyboardInterrupt while waiting (Ctrl-C pressed again) does not cut the wait short: the
    caller closes the containers next, and closing one under a thread still decoding or
    muxing into it crashes the process (a segmentation fault in FFmpeg).

    Parameters
    ----------
    stop : threading.Event
        The event the threads poll.
    threads : list of threading.Thread
        The threads to wait for (those not started are skipped).
    """
    stop.set()
    for th in threads:
        while th.ident is not None and th.is_alive():
            try:
                th.join()
            except KeyboardInterrupt:  # pressed again while stopping: keep waiting (one frame at most)
                continue


def _as_float(rgb: np.ndarray) -> np.ndarray:
    """A decoded uint8 frame as the float32 RGB in [0, 1] the matter takes."""
    out: np.ndarray = rgb.astype(np.float32) * np.float32(1 / 255)
    return out


def _u8(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out


def _over_u8(subject: np.ndarray, alpha: np.ndarray, bg: np.ndarray, bg_u8: np.ndarray) -> np.ndarray:
    """``_u8(subject · α + bg · (1 − α))``, blended only in the bounding box of α > 0 (``bg_u8`` is ``_u8(bg)``).

    Outside the box α is 0 and the blend is ``bg`` exactly, so the result is the same byte for byte.
    """
    from .._ops import bounding_window

    out: np.ndarray = bg_u8.copy()
    win = bounding_window(alpha > 0)
    if win is not None:
        a = alpha[win][..., None]
        out[win] = _u8(subject[win] * a + bg[win] * (1.0 - a))
    return out


def _prepared_light(background: Any, caster: Any) -> tuple[Any, list[QualityWarning]]:
    """A prepared background's sidecar (:mod:`studiocomp.prepared`) applied to a clip's shadow caster, and the clip's notes on it.

    As for a photo (:class:`~studiocomp.Pipeline`): the sidecar's light goes to a caster that has none of its own
    (``with_light``), with a ``light-default`` note when that light is itself the default. A clip is not placed (the
    subject stays where it is in each frame), so the sidecar's horizon, floor and default feet are not used: a
    ``placement-not-used`` note says so once. Not a prepared background (no file, no sidecar): the caster as it is, no notes.
    """
    from ..prepared import read_info

    if not isinstance(background, (str, os.PathLike)) or not os.path.isfile(background):
        return caster, []
    info = read_info(background)
    if info is None:
        return caster, []
    lit = caster is not None and hasattr(caster, "with_light")
    own = lit and getattr(caster, "azimuth", None) is not None and getattr(caster, "elevation", None) is not None
    light = "; its light is used for the shadow" if lit and not own else "; nor is its light: the shadow's light was given" if lit else "; nor is its light: no shadow is cast"
    caster, notes = info.lit(caster)  # a caster without with_light (or none) comes back as it is, with no notes
    given = [f"horizon {info.horizon:g}" if info.horizon is not None else "", f"floor line {info.floor_line:g}" if info.floor_line is not None else ""]
    given += [f"feet ({info.feet[0]:g}, {info.feet[1]:g})" if info.feet is not None else "", f"subject height {info.subject_height:g} m" if info.subject_height is not None else ""]
    what = ", ".join(g for g in given if g) or "placement"
    notes.append(
        QualityWarning(
            "placement-not-used",
            f"the prepared background's placement ({what}) is not used: a clip is not placed, the subject keeps its place and size "
            "in each frame on the background fitted to the frame (cover)" + light,
            uncertain=False,
        )
    )
    return caster, notes


def check_warmup(warmup: Any) -> None:
    """Refuse a ``warmup`` that is not a whole number of frames ≥ 0.

    Parameters
    ----------
    warmup : int
        Frames to prime a recurrent matter's state on (see :func:`run`).

    Raises
    ------
    InputError
        ``warmup`` is not an int (a bool neither) or is negative.
    """
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise InputError("warmup", "a whole number of frames, 0 or more", repr(warmup))


def fresh_clip_stages(matter: Any, stabilise: bool | None, track: Any) -> tuple[Any, Any]:
    """The clip's matter (made steady: :func:`temporal_matter`) and subject tracker, both reset for a new clip.

    ``track`` is a :class:`~studiocomp.video.track.SubjectTracker`, True (a default one) or False/None (none).
    """
    m = temporal_matter(matter, stabilise=stabilise)
    if hasattr(m, "reset"):
        m.reset()
    tracker = track if isinstance(track, SubjectTracker) else (SubjectTracker() if track else None)
    if tracker is not None:
        tracker.reset()
    return m, tracker


def run(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    background: Any = "white",
    matter: Any = None,
    pipeline: Any = None,
    alpha_out: str | os.PathLike[str] | None = None,
    cutout_out: str | os.PathLike[str] | None = None,
    track: bool | SubjectTracker = True,
    stabilise: bool | None = None,
    warmup: int = WARMUP_FRAMES,
    fps: float | None = None,
    audio: bool = True,
    progress: bool | Callable[[int, int | None], None] | None = None,
    queue_size: int = 4,
) -> VideoResult:
    """Cut the main person out of a clip and lay them on a new background, frame by frame, streaming.

    Frames flow decode → matte → track → finish → encode: decoding, matting, finishing
    (tracking, light, shadow, compositing) and encoding each run on a thread of their
    own, joined by queues of ``queue_size`` frames, so that the finishing of one frame
    overlaps the inference of the next and memory does not grow with the clip's length.

    Parameters
    ----------
    src : path
        A video file (mp4, mov, webm, mkv …) or a folder of frames (see :func:`open_video`).
    dst : path
        The composite: a video file (H.264 in ``.mp4``/``.mov``/``.mkv``, VP9 in ``.webm``)
        or a folder (PNG frames). Frame rate, timestamps and the audio track of ``src`` are
        carried over (audio packets copied when the container takes them, else AAC/Opus).
        A path is a video file when its suffix is ``.mp4``/``.m4v``/``.mov``/``.mkv``/``.webm``; an
        existing folder, or a name with no suffix or another one (``exist.dir``, ``alpha_2.5``), is a
        folder of PNG frames; other video or image suffixes (``.avi``, ``.gif``, ``.png`` …) are refused.
    background : preset name, colour, path or array
        As for :class:`~studiocomp.Pipeline`; fitted to the frame once (``cover``).
    matter : Matter, Segmenter, name or None
        The alpha's source; see :func:`temporal_matter` (default: RVM with its recurrent state).
    pipeline : Pipeline, optional
        Its matter (or segmenter), relighter, shadow caster and compositor are used. The
        relighter's per-channel gain is smoothed over time (exponential, 0.8 kept), and the
        shadow caster's light is read from the background once for the clip (a caster with
        ``light``/``with_light``, e.g. ``cast``), so that light and shadow do not flicker
        while the shadow follows the subject frame by frame. On a prepared background (an image
        file with a sidecar, :mod:`studiocomp.prepared`) a caster with no light of its own takes the
        sidecar's light instead, as a photo's does; the sidecar's placement (horizon, feet) is not used
        (a clip is not placed: the subject keeps its place and size in the frame), and a note says so.
    alpha_out : path, optional
        The alpha: ``.webm`` (VP9 with alpha, yuva420p), ``.mov`` (ProRes 4444) — grey
        picture and alpha channel both the matte —, ``.mp4``/``.mkv`` (a luma matte: the
        alpha as a grey H.264 picture, limited-range YUV, so within about 1/255 after decoding)
        or a folder of grey PNGs.
    cutout_out : path, optional
        The subject: ``.webm``/``.mov`` RGBA video, ``.mp4``/``.mkv`` on chroma-key green
        (#00b140), or a folder of RGBA PNGs.
    track : bool or SubjectTracker
        Keep only the main subject (:class:`SubjectTracker`; True: largest/most central on the
        first frame). False keeps everyone the matter finds. The tracker is given each frame with
        the next one (read one frame ahead: one more frame held).
    stabilise : bool, optional
        See :func:`temporal_matter`.
    warmup : int
        A recurrent matter's (RVM's) state is first primed on the clip's first ``warmup`` frames,
        then the clip is matted from frame 0 with it (:func:`~studiocomp.video.warmup.warm_up`): a zero
        state otherwise mattes the first frames without temporal context (a bystander's ghost that
        fades over about seven frames on DAVIS ``dance-twirl``). Every
        :data:`~studiocomp.video.warmup.WARMUP_STRIDE`-th of them is run, from the last back:
        about ``warmup / 2`` extra network runs (8 for the default 16), and ``warmup`` decoded frames
        held; 0 turns it off; no effect on frame-by-frame backends.
    fps : float, optional
        Frame rate of a folder of frames (default 25; at most :data:`MAX_FPS`). Refused for a
        video file, which keeps its own frame rate and timestamps.
    audio : bool
        Carry the audio track of ``src`` over to ``dst`` (False: a silent clip).
    progress : bool or callable(done, total), optional
        True draws :class:`~studiocomp.progress.Progress` on stderr (frames, fps, time left), whether
        or not stderr is a terminal (the CLI's ``--progress auto`` passes ``sys.stderr.isatty()``); it
        reads ``video warm-up`` while a recurrent state is primed, then ``video matting``. A callable
        is called after each frame with the frames done and :attr:`~studiocomp.video.io.VideoInfo.expected_frames`
        (the container's count, else duration × rate, an estimate, else None: unknown); None or False: no bar.
    queue_size : int
        Frames each queue between the decoding, matting, finishing and encoding threads holds
        (three queues: at most about ``3 · queue_size + 4`` frames are in flight, plus ``warmup``
        while the state is primed).

    Returns
    -------
    VideoResult
        With :attr:`~VideoResult.warnings` when the tracked subject was lost, switched or tiny
        (the clip is written all the same), and notes on a prepared background's sidecar.

    Raises
    ------
    InputError
        A prepared background's sidecar that is not valid (:func:`~studiocomp.prepared.read_info`);
        bad input (see :func:`open_video`: truncated, no video stream, unknown codec, no
        frames, mixed sizes), a negative ``warmup``, or output names (see :func:`check_outputs`: an output that is the
        input or holds it, two outputs on one path, a bad ``fps``; a folder output holding
        other files than numbered frames; a video output that is a folder; a place that cannot be
        written), all before the first frame is decoded. Nothing is left at the output paths then:
        every output is written to a temporary file and renamed only at the end.
    KeyboardInterrupt
        Passed on after every thread has stopped and every temporary output is removed.
    """
    from ..backgrounds import is_rendered, resolve_background

    t_start = time.perf_counter()
    dst = Path(dst)
    named = {"composite": dst, "alpha": alpha_out, "cutout": cutout_out}
    check_outputs(src, {k: Path(v) for k, v in named.items() if v is not None}, fps)
    check_warmup(warmup)
    stages: dict[str, Any] = pipeline.components if pipeline is not None else {}
    if matter is None and pipeline is not None:
        matter = stages.get("matter") or stages.get("segmenter")
    m, tracker = fresh_clip_stages(matter, stabilise, track)
    relighter, caster = stages.get("relighter"), stages.get("shadow_caster")
    compositor = stages.get("compositor")
    caster, notes = _prepared_light(background, caster)  # a prepared background: its sidecar's light, and what a clip does not use (a bad sidecar is refused before the clip is opened)
    reader = open_video(src, fps=fps)
    info = reader.info
    time_base = getattr(getattr(reader, "_stream", None), "time_base", None)
    bg = resolve_background(background, info.height, info.width, "cover")
    writers: dict[str, Any] = {}
    timings = {"matter": 0.0, "warmup": 0.0, "track": 0.0, "composite": 0.0}
    q_in: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
    q_mid: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
    q_out: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
    done: queue.Queue[Any] = queue.Queue()  # frames finished so far, for the progress drawn on the calling thread
    failure: list[BaseException] = []
    stop = threading.Event()

    # every wait polls ``stop``: on an error or Ctrl-C each thread ends within one frame's work, so that all of
    # them are joined before a container is closed (closing one under a thread still muxing into it segfaulted)
    def put(q: queue.Queue[Any], item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def get(q: queue.Queue[Any]) -> Any:
        while True:
            try:
                return q.get(timeout=0.1)
            except queue.Empty:
                if stop.is_set():
                    return _STOP

    def decode() -> None:
        _yield_to_the_matter()
        try:
            for item in reader:
                if not put(q_in, item):
                    return
        except BaseException as exc:  # handed to the main thread
            failure.append(exc)
        finally:
            put(q_in, _STOP)

    def decoded() -> Iterator[Any]:
        while True:
            item = get(q_in)
            if item is _STOP or failure:
                return
            yield item

    def matte_frames() -> None:
        # the matter's calls stay in order on this one thread (RVM's state, the stabiliser's); a recurrent matter's
        # state is first primed on the clip's first ``warmup`` frames, then the clip is matted from frame 0
        try:
            primed = warm_up(m, decoded(), warmup, lambda item: _as_float(item[0]), cancelled=lambda: stop.is_set() or bool(failure), timings=timings)
            for rgb, t in primed:
                img = _as_float(rgb)
                t0 = time.perf_counter()
                matte = m.matte(img)
                timings["matter"] += time.perf_counter() - t0
                if not put(q_mid, (rgb, t, matte)):
                    return
        except BaseException as exc:
            failure.append(exc)
        finally:
            put(q_mid, _STOP)

    def encode() -> None:
        _yield_to_the_matter()  # before the first frame opens the encoder: x264's own threads take this priority too
        try:
            while True:
                item = get(q_out)
                if item is _STOP or stop.is_set():  # stopped (Ctrl-C, an error): the frames still queued are dropped
                    return
                t, layers = item
                for name, arr in layers.items():
                    writers[name].write(arr, t)
        except BaseException as exc:
            failure.append(exc)
            stop.set()

    bar: Any = None
    threads: list[threading.Thread] = []
    n = 0
    try:
        audio_src = src if audio else None
        writers["composite"] = _writer_for(dst, "composite", info, time_base, audio_src)
        if alpha_out is not None:
            writers["alpha"] = _writer_for(Path(alpha_out), "alpha", info, time_base, None)
        if cutout_out is not None:
            writers["cutout"] = _writer_for(Path(cutout_out), "cutout", info, time_base, None)
        if progress is True:
            from ..progress import Progress

            # the label names the phase: while a recurrent state is primed (seconds with RVM) no frame is done yet;
            # the two labels are the same width, so the first frame's redraw leaves nothing of the first behind
            priming = warmup > 0 and recurrent_core(m) is not None
            # mkv/webm declare a duration, not a count: duration × rate, shown as an estimate (~N); neither: unknown (N/?)
            bar = Progress(info.expected_frames, "video warm-up" if priming else "video", enabled=True, estimated=info.frames_estimated).__enter__()
        for target, name in ((decode, "decode"), (matte_frames, "matte"), (encode, "encode")):
            threads.append(threading.Thread(target=target, name=f"studiocomp-{name}", daemon=True))
            threads[-1].start()
        t_enc = threads[-1]
        gain_s = _Smoother(0.8)
        if caster is not None and hasattr(caster, "light") and hasattr(caster, "with_light"):
            # the background does not change: its light is read once for the clip, so the shadow's direction and
            # length hold still while the shadow itself follows the subject frame by frame (smoothing the shadow
            # map instead smeared a moving subject's shadow over the last frames and faded it)
            if hasattr(caster, "cast_assessed") and not is_rendered(background) and not any(n.code == "light-default" for n in notes):
                # a photographed background whose light cannot be read: the clip says so once, as a photo does
                _, read = caster.cast_assessed(np.zeros(bg.shape[:2], np.float32), bg)
                notes += [n for n in read if n.code == "light-default"]
            caster = caster.with_light(*caster.light(bg))
        bg_u8 = _u8(bg)

        def finish_frames() -> None:
            # tracking, light, shadow and compositing, frame by frame, on a thread of its own at a lower priority
            nonlocal n
            _yield_to_the_matter()
            # the next frame, read one ahead for the tracker: its first choice needs motion (two frames), and its cut of
            # the subject from others checks the motion against both neighbours (one frame of latency, one frame held)
            ahead: Any = None
            try:
                while True:
                    item, ahead = (ahead, None) if ahead is not None else (get(q_mid), None)
                    if item is _STOP or failure:
                        break
                    rgb, t, matte = item
                    if tracker is not None:
                        ahead = get(q_mid)
                    t1 = time.perf_counter()
                    after = ahead[0] if ahead is not None and ahead is not _STOP else None
                    alpha = tracker(matte.alpha, rgb, after) if tracker is not None else matte.alpha
                    t2 = time.perf_counter()
                    fg = matte.foreground
                    subject = fg
                    if relighter is not None:
                        relit = relighter.relight(fg, alpha, bg)
                        w = alpha[..., None]
                        den = (fg * w).sum((0, 1)) + 1e-6
                        gain = gain_s(((relit * w).sum((0, 1)) / den).astype(np.float32))
                        subject = np.clip(fg * gain, 0.0, 1.0)
                    shadow = caster.cast(alpha, bg) if caster is not None else None
                    if compositor is not None:
                        shadow = np.zeros(alpha.shape, np.float32) if shadow is None else shadow
                        layers = {"composite": _u8(compositor.composite(subject, alpha, bg, shadow))}
                    else:
                        layers = {"composite": _over_u8(subject, alpha, bg, bg_u8)}
                    if "alpha" in writers:
                        a8 = _u8(alpha)
                        aw = writers["alpha"]
                        layers["alpha"] = (np.dstack([a8] * (4 if aw.alpha else 3)) if isinstance(aw, VideoWriter) else a8)  # a luma matte in mp4/mkv
                    if "cutout" in writers:
                        cw = writers["cutout"]
                        if isinstance(cw, VideoWriter) and not cw.alpha:
                            a = alpha[..., None]
                            layers["cutout"] = _u8(subject * a + _GREEN * (1.0 - a))
                        else:
                            layers["cutout"] = clear_hidden(np.dstack([_u8(subject), _u8(alpha)]))  # hidden pixels keep none of the frame
                    timings["track"] += t2 - t1
                    timings["composite"] += time.perf_counter() - t2
                    if not put(q_out, (t, layers)):
                        break
                    n += 1
                    done.put(n)
            except BaseException as exc:  # handed to the calling thread
                failure.append(exc)
                stop.set()
            finally:
                done.put(_STOP)

        threads.append(threading.Thread(target=finish_frames, name="studiocomp-finish", daemon=True))
        threads[-1].start()
        # the calling thread draws the progress (and calls ``progress``) as the frames are done
        while (count := get(done)) is not _STOP:
            if bar is not None:
                began = t_start + timings.get("warmup", 0.0)  # the frames' rate and time left leave the warm-up out
                if bar.label == "video warm-up":
                    bar.phase("video matting", since=began)
                bar.advance(f"{count / max(time.perf_counter() - began, 1e-6):.1f} fps")
            elif callable(progress):
                progress(count, info.expected_frames)
        put(q_out, _STOP)
        t_enc.join()
        _stop_threads(stop, threads)
        if failure:
            raise failure[0]
        if n == 0:
            raise InputError(str(src), "a clip with at least one frame", "0 frames")
        outputs = {name: w.close() for name, w in writers.items()}
    except BaseException:
        _stop_threads(stop, threads)  # before any container is closed: no thread may still be decoding or muxing
        for w in writers.values():
            w.abort()
        raise
    finally:  # every thread has stopped by now (both paths above stop them before touching a container)
        reader.close()
        if bar is not None:
            bar.__exit__(None, None, None)
    warnings = notes + (tracker.warnings() if tracker is not None else [])
    record = tracker.record if tracker is not None else None
    return VideoResult(outputs, n, float(info.fps), time.perf_counter() - t_start, timings, warnings, record)
