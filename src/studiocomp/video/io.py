"""Reading and writing clips with PyAV (FFmpeg's libraries), streaming, one frame at a time.

Reading: a video file (mp4, mov, webm, mkv … whatever FFmpeg demuxes) or a folder of frames
(PNG/JPEG/TIFF/WebP, sorted by name). Frames come out as H×W×3 uint8 RGB, upright (the
stream's rotation metadata, a display matrix or the older ``rotate`` tag, is applied to the
pixels as players do), each with its presentation time in seconds, uneven ones included. A single still image (a ``.jpg``/``.png``/… file, or one FFmpeg reads as an image
whatever its name) is a clip of one frame, read like a folder holding only that file: by
:func:`studiocomp.image.load_image`, so a truncated or corrupt image is refused as
``composite`` refuses it, never half-decoded.

Writing: every output goes to a temporary ``.studiocomp-PID-*.part`` file (or folder) next to
its target and is renamed over it only when the whole clip was written, so a failed or
interrupted run never leaves a file that looks complete. What is carried from the source: each
frame's presentation time (the encoder and the stream take the source's time base, so a
variable frame rate stays as it was), the average frame rate as the stream's rate, the audio
(copied, or re-encoded where the container does not take it well: AAC in MP4/MOV, Opus in WebM).
The rotation is not carried as metadata: the frames were turned upright on reading, and the
output stores them upright, with no rotation of its own. Colour: H.264/VP9/ProRes outputs are
BT.601 video range (16–235), and say so in their stream (range, matrix); a luma matte read back
by FFmpeg is within 2/255 of the alpha written. PNG frames carry the sRGB ICC profile of every
studiocomp image (:func:`studiocomp.image.encode_image`); a grey matte's PNG carries none.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from typing_extensions import Self

from ..errors import BackendUnavailableError, InputError

__all__ = ["VideoInfo", "VideoReader", "VideoWriter", "FrameFolderWriter", "open_video", "read_info", "check_frame_folder", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
_PREFIX = ".studiocomp-"
#: audio codecs each output container takes as they are (copied packet by packet); others are re-encoded
_AUDIO_COPY = {
    # MP4 can hold Opus and FLAC, but QuickTime, Safari and many phones play neither there: they become AAC
    ".mp4": {"aac", "mp3", "alac", "ac3", "eac3"},
    ".m4v": {"aac", "mp3", "alac", "ac3"},
    ".mov": {"aac", "mp3", "alac", "ac3", "pcm_s16le", "pcm_s24le"},
    ".webm": {"opus", "vorbis"},
    ".mkv": None,  # anything
}
#: x264's speed preset for H.264 output (at the given ``crf``): ``superfast``, against ``veryfast`` before 2026-12-01
#: (issue 15's overhead; docs/performance.md): 3-6 ms less CPU a frame at 854×480 and a closer copy at the same crf
#: (PSNR 45.2 → 47.0 dB on what ``studiocomp video`` writes of DAVIS breakdance, the dancer on white; a grey ramp, the
#: luma matte, back within 1 level instead of 2), for larger files: 41 % there (568 031 → 802 765 bytes at crf 18), 11 %
#: on the whole frame's crowd
_H264_PRESET = "superfast"
#: FFmpeg's AVColorRange MPEG (video range, 16–235) and AVColorSpace SMPTE170M (BT.601), as the stream states them
_VIDEO_RANGE = 1
_BT601 = 6
_FORMAT = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".webm": "webm", ".mkv": "matroska"}


def _av() -> Any:
    try:
        import av
    except ImportError as exc:  # pragma: no cover - the [video] extra is missing
        raise BackendUnavailableError('video needs PyAV: pip install "studiocomp[video]"') from exc
    # FFmpeg's log off (PyAV's no-op callback; errors still surface as exceptions). With any level set, PyAV's
    # callback takes the GIL on the encoder's and decoder's own threads (x264's lookahead/frame threads): freeing
    # an encoder (x264_encoder_close joins those threads) holds the GIL, so a thread logging then waited for it
    # for ever: Ctrl-C hung after "interrupted" (PyAV issue #751, "logging framework can lead to deadlocks")
    av.logging.set_level(None)
    return av


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a clip before decoding it.

    Attributes
    ----------
    path : Path
    width, height : int
        Frame size in pixels, upright (after rotation).
    fps : Fraction
        Average frame rate (frames per second).
    frames : int
        Frame count from the container (0 when the container does not say: WebM, MKV); see
        :attr:`expected_frames` for a count that falls back on the duration.
    duration : float
        Seconds (0.0 when unknown).
    rotation : int
        Degrees clockwise a player turns the stored picture to show it (0, 90, 180, 270: a portrait
        phone clip is usually 90), read from the stream's display matrix (or its older ``rotate``
        tag); frames are returned upright, turned by it, and ``width``/``height`` are the upright size.
    audio_codec : str or None
        The first audio stream's codec, or None without audio.
    codec : str
        The video codec (``"frames"`` for a folder, ``"image"`` for a single still image).
    """

    path: Path
    width: int
    height: int
    fps: Fraction
    frames: int
    duration: float
    rotation: int
    audio_codec: str | None
    codec: str

    @property
    def frames_estimated(self) -> bool:
        """Whether :attr:`expected_frames` is an estimate (duration × rate): the container gives no count.

        Returns
        -------
        bool
        """
        return not self.frames and self.duration > 0 and self.fps > 0

    @property
    def expected_frames(self) -> int | None:
        """The frame count to expect: the container's, else ``round(duration × fps)`` (an estimate, see
        :attr:`frames_estimated`), else None (unknown; never 0).

        Returns
        -------
        int or None
        """
        if self.frames:
            return self.frames
        if self.frames_estimated:
            return max(1, round(self.duration * float(self.fps)))
        return None


def _frame_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
    if not files:
        raise InputError(str(folder), "a folder with frames (" + ", ".join(IMAGE_SUFFIXES) + ")", "no image files (a 0-frame clip)")
    return files


def _rotate(arr: np.ndarray, rotation: int) -> np.ndarray:
    # rotation: the clockwise angle a player turns the stored picture by (the old ``rotate`` tag's sense; FFmpeg's
    # display matrix, ``frame.rotation``, gives the counter-clockwise angle, its negative); np.rot90 turns counter-clockwise
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(arr, -k)) if k else arr


class VideoReader:
    """Frames of a clip, decoded as they are asked for (see :func:`open_video`).

    Iterating yields ``(rgb, t)``: H×W×3 uint8 RGB (upright) and the frame's
    presentation time in seconds from the clip's start. Use as a context manager,
    or call :meth:`close`.

    Raises (while iterating)
    ------------------------
    InputError
        The file is truncated or damaged (decoding fails, fewer frames than
        the container announced, or the frames end more than a frame short of
        the video stream's declared duration: an mkv/webm cut short), it has
        no frames, or a folder's frames differ in size.

    Parameters
    ----------
    src : str or os.PathLike
        A video file, a folder of frames, or a single still image (a clip of one frame).
    fps : float or Fraction, optional
        Frame rate of a folder of frames or a still image (default 25; a video file's own rate is used).

    Raises
    ------
    InputError
        On opening: nothing at ``src``, a file FFmpeg cannot read, no video stream, an unknown codec, a
        folder of unreadable or mixed-size frames, or a still image the image loader refuses (truncated,
        corrupt, multi-frame, too large).
    """

    def __init__(self, src: str | os.PathLike[str], fps: float | Fraction | None = None) -> None:
        self.path = Path(src)
        self._container: Any = None
        self._declared_s: float | None = None
        self._still: np.ndarray | None = None
        if self.path.is_dir():
            self._files = _frame_files(self.path)
            from PIL import Image as PILImage

            sizes: dict[tuple[int, int], Path] = {}
            for f in self._files:
                try:
                    with PILImage.open(f) as im:
                        sizes.setdefault(im.size, f)
                except Exception as exc:
                    raise InputError(str(f), "a readable image", f"{type(exc).__name__}: {exc}") from exc
            if len(sizes) > 1:
                listing = ", ".join(f"{w}×{h} ({p.name})" for (w, h), p in list(sizes.items())[:3])
                raise InputError(str(self.path), "frames of one size", f"mixed sizes: {listing}")
            (w, h) = next(iter(sizes))
            rate = Fraction(fps if fps is not None else 25).limit_denominator(1001)
            self.info = VideoInfo(self.path, w, h, rate, len(self._files), len(self._files) / float(rate), 0, None, "frames")
            return
        if not self.path.is_file():
            raise InputError(str(self.path), "a video file or a folder of frames", "nothing at that path")
        if self.path.suffix.lower() in IMAGE_SUFFIXES:
            self._open_still(fps)
            return
        av = _av()
        try:
            self._container = av.open(str(self.path), "r")
        except (av.error.FFmpegError, UnicodeDecodeError) as exc:
            raise InputError(str(self.path), "a video file FFmpeg can read", f"{type(exc).__name__}: {exc} (truncated or not a video?)") from exc
        c = self._container
        if c.format.name == "image2" or c.format.name.endswith("_pipe"):  # a still image under another name (photo.mp4)
            c.close()
            self._container = None
            self._open_still(fps)
            return
        if not c.streams.video:
            c.close()
            raise InputError(str(self.path), "a file with a video stream", "no video stream" + (" (audio only)" if c.streams.audio else ""))
        vs = c.streams.video[0]
        ctx = vs.codec_context
        if ctx is None or ctx.codec is None or not getattr(ctx, "is_decoder", True):
            name = vs.codec_context.name if vs.codec_context is not None else "unknown"
            c.close()
            raise InputError(str(self.path), "a video codec FFmpeg can decode", f"codec {name!r}")
        vs.thread_type = "AUTO"
        rate = vs.average_rate or vs.guessed_rate or Fraction(fps or 25)
        w, h = ctx.width, ctx.height
        if w <= 0 or h <= 0:
            c.close()
            raise InputError(str(self.path), "a video stream with a frame size", f"{w}×{h} (unknown codec or damaged header)")
        rotation = self._rotation(vs)
        if rotation is None:  # no rotate tag: FFmpeg now keeps it as a display matrix, which PyAV shows on frames only
            rotation = self._first_frame_rotation()
            c, vs = self._container, self._container.streams.video[0]
            vs.thread_type = "AUTO"
            ctx = vs.codec_context
        if rotation in (90, 270):
            w, h = h, w
        duration = float(vs.duration * vs.time_base) if vs.duration else (c.duration / 1e6 if c.duration else 0.0)
        audio = c.streams.audio[0].codec_context.name if c.streams.audio else None
        self.info = VideoInfo(self.path, w, h, Fraction(rate), int(vs.frames or 0), duration, rotation, audio, ctx.name)
        self._stream = vs
        # the video stream's own declared length, for telling a truncated file (mkv/webm declare no frame count): its
        # duration, Matroska's per-stream DURATION tag, or the container's when there is no other stream to make it longer
        self._declared_s = float(vs.duration * vs.time_base) if vs.duration else _tag_seconds(vs.metadata.get("DURATION"))
        if self._declared_s is None and c.duration and len(c.streams) == 1:
            self._declared_s = c.duration / 1e6

    def _open_still(self, fps: float | Fraction | None) -> None:
        """A single still image is a clip of one frame, read (and checked) by the image loader, as in a folder of frames."""
        self._still = _frame_uint8(self.path)
        h, w = self._still.shape[:2]
        rate = Fraction(fps if fps is not None else 25).limit_denominator(1001)
        self.info = VideoInfo(self.path, w, h, rate, 1, 1 / float(rate), 0, None, "image")

    @staticmethod
    def _rotation(vs: Any) -> int | None:
        """Clockwise degrees from the stream's ``rotate`` tag (older FFmpeg), or None when there is none."""
        getters: tuple[Callable[[], Any], ...] = (lambda: vs.metadata.get("rotate"), lambda: getattr(vs.codec_context, "rotation", None))
        for getter in getters:
            try:
                v = getter()
            except Exception:
                v = None
            if v not in (None, ""):
                return _quarter(float(v))
        return None

    def _first_frame_rotation(self) -> int:
        """Clockwise degrees of the display matrix, read from the first decoded frame; the file is then opened afresh.

        PyAV (18) has no reader for a stream's side data; the decoder puts the display matrix on every frame
        (``frame.rotation``, counter-clockwise degrees). A file whose first frame does not decode reads as 0 here
        (its iteration reports the damage).
        """
        av = _av()
        rotation = 0
        vs = self._container.streams.video[0]
        vs.thread_type = "NONE"  # one frame: a frame-threaded decoder would first take a frame for each of its threads
        try:
            frame = next(iter(self._container.decode(vs)), None)
            if frame is not None:
                rotation = _quarter(-float(getattr(frame, "rotation", 0) or 0))
        except (av.error.FFmpegError, ValueError):
            pass
        self._container.close()
        self._container = av.open(str(self.path), "r")
        return rotation

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the decoder (iterating again reopens it)."""
        if self._container is not None:
            self._container.close()
            self._container = None

    def __iter__(self) -> Iterator[tuple[np.ndarray, float]]:
        if self._container is None and self.path.is_dir():
            yield from self._iter_folder()
            return
        if self._still is not None:
            yield self._still.copy(), 0.0
            return
        av = _av()
        vs = self._stream
        n = 0
        t0: float | None = None
        last = 0.0
        rotation = self.info.rotation
        try:
            for frame in self._container.decode(vs):
                rgb = _rotate(frame.to_ndarray(format="rgb24"), rotation)
                if rgb.shape[:2] != (self.info.height, self.info.width):
                    raise InputError(str(self.path), f"frames of {self.info.width}×{self.info.height}", f"frame {n} of {rgb.shape[1]}×{rgb.shape[0]}")
                t = float(frame.pts * vs.time_base) if frame.pts is not None else n / float(self.info.fps)
                if t0 is None:
                    t0 = t
                n += 1
                last = t - t0
                yield rgb, last
        except av.error.FFmpegError as exc:
            raise InputError(str(self.path), "a complete, undamaged video", f"decoding failed after {n} frames: {exc} (truncated file?)") from exc
        if n == 0:
            raise InputError(str(self.path), "a clip with at least one frame", "0 frames")
        announced = self.info.frames
        if announced and n < announced - 1 and self.path.suffix.lower() in (".mp4", ".mov", ".m4v"):
            raise InputError(str(self.path), f"{announced} frames (as the container says)", f"{n}: the file is truncated")
        # a streamable container (mkv, webm) cut short decodes cleanly up to the cut: the frames end more than a frame
        # before the video stream's declared length (a complete clip's last frame ends at it, within a frame)
        step = 1.0 / float(self.info.fps)
        declared = self._declared_s
        if declared and declared - (last + step) > 1.5 * step:
            expected = f"a complete video of {declared:.2f} s (about {int(declared / step)} frames, as the container says)"
            raise InputError(str(self.path), expected, f"frames up to {last + step:.2f} s ({n}): the file is truncated")

    def _iter_folder(self) -> Iterator[tuple[np.ndarray, float]]:
        dt = 1.0 / float(self.info.fps)
        for i, f in enumerate(self._files):
            rgb = _frame_uint8(f)
            if rgb.shape[:2] != (self.info.height, self.info.width):
                raise InputError(str(f), f"a frame of {self.info.width}×{self.info.height} like the others", f"{rgb.shape[1]}×{rgb.shape[0]}")
            yield rgb, i * dt


def _quarter(degrees: float) -> int:
    """An angle in degrees as the nearest of 0, 90, 180, 270."""
    return (int(round(degrees / 90.0)) * 90) % 360


def _frame_uint8(path: Path) -> np.ndarray:
    """An image file as an H×W×3 uint8 RGB frame, through :func:`studiocomp.image.load_image` (strict: truncated or corrupt files are refused)."""
    from ..image import load_image

    rgb: np.ndarray = np.clip(load_image(path) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return rgb


def _tag_seconds(value: Any) -> float | None:
    """Seconds in a Matroska ``DURATION`` tag (``HH:MM:SS.fffffffff``), or None when there is none or it does not parse."""
    if not isinstance(value, str):
        return None
    try:
        h, m, sec = value.strip().split(":")
        seconds = int(h) * 3600 + int(m) * 60 + float(sec)
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def open_video(src: str | os.PathLike[str], *, fps: float | Fraction | None = None) -> VideoReader:
    """Open a clip for streaming: a video file or a folder of frames.

    Parameters
    ----------
    src : path
        A file FFmpeg can demux (mp4, mov, webm, mkv …), a folder of image
        files (sorted by name; all one size), or a single still image: a clip of
        one frame at time 0, read by :func:`studiocomp.image.load_image` like a
        frame of a folder (EXIF orientation and ICC profile applied, a truncated
        or corrupt file refused); its ``info.codec`` is ``"image"``.
    fps : number, optional
        Frame rate of a folder of frames or a still image (default 25); a video file's own rate is used.

    Returns
    -------
    VideoReader
        Iterable of (H×W×3 uint8 frame, time in seconds); its ``info`` is a :class:`VideoInfo`.

    Raises
    ------
    InputError
        Nothing at ``src``; not a video (or a truncated one without its index);
        no video stream; a codec FFmpeg cannot decode; an empty folder; frames
        of different sizes in a folder; a still image the image loader refuses
        (truncated, corrupt, multi-frame, over the pixel limit).
    BackendUnavailableError
        PyAV is not installed (``pip install "studiocomp[video]"``).
    """
    return VideoReader(src, fps)


def read_info(src: str | os.PathLike[str]) -> VideoInfo:
    """The :class:`VideoInfo` of a clip, without decoding it (errors as :func:`open_video`).

    Parameters
    ----------
    src : str or os.PathLike
        A video file or a folder of frames.

    Returns
    -------
    VideoInfo
    """
    with open_video(src) as r:
        return r.info


_FRAME_NAME = re.compile(r"\d{5,}\.png")  # what FrameFolderWriter writes
_MARKER = ".studiocomp-frames"  # beside them: the folder is an earlier run's output


def _temp_path(target: Path, *, folder: bool = False) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if folder:
        return Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", suffix=".part", dir=target.parent))
    fd, tmp = tempfile.mkstemp(prefix=f"{_PREFIX}{os.getpid()}-", suffix=".part", dir=target.parent)
    os.close(fd)
    return Path(tmp)


def check_frame_folder(path: str | os.PathLike[str]) -> None:
    """Refuse a folder output (PNG frames) that would take a user's files with it when it is replaced.

    The folder may be new, empty, or an earlier run's output (its ``.studiocomp-frames`` marker and
    numbered frames); :class:`FrameFolderWriter` replaces it as a whole at the end.

    Parameters
    ----------
    path : str or os.PathLike
        The folder output.

    Raises
    ------
    InputError
        ``path`` is an existing file (or anything but a folder), or a folder holding other files.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(str(path), "a folder for the PNG frames", "an existing file")
    if path.is_dir():
        names = [p.name for p in path.iterdir()]
        ours = _MARKER in names  # written by an earlier run: only such a folder is replaced as a whole
        others = sorted(n for n in names if n != _MARKER and not (ours and _FRAME_NAME.fullmatch(n)))
        if others:  # never take anything but an earlier run's own frames with it
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            expected = "a new or empty folder, or an earlier studiocomp run's frame folder (it is replaced)"
            raise InputError(str(path), expected, f"a folder with files studiocomp did not write ({shown})")


class _Committing:
    """A writer as a context manager: :meth:`close` (commit: the output appears) on success, :meth:`abort` on an error."""

    def close(self) -> Path:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class VideoWriter(_Committing):
    """Encode frames into a video file, atomically; optionally carry the audio of a source clip.

    :meth:`write` takes uint8 arrays and a time in seconds; :meth:`close` finishes
    the file and renames it over ``path``; :meth:`abort` (or an exception inside
    a ``with`` block) removes the temporary file and leaves ``path`` untouched.

    Parameters
    ----------
    path : path
        Target file. The container follows the suffix: ``.mp4``/``.m4v``/``.mov``
        /``.mkv`` (H.264, yuv420p) or ``.webm`` (VP9). With ``alpha=True``:
        ``.webm`` is VP9 with alpha (yuva420p), ``.mov`` ProRes 4444 (yuva444p10le).
    fps : Fraction
        Frame rate; the stream's time base is 1/fps unless ``time_base`` is given.
    width, height : int
        Frame size (H.264 and yuv420p need even sides: odd sides are padded by one pixel).
    alpha : bool
        Frames are H×W×4 RGBA (uint8) and the alpha is kept.
    audio_from : path, optional
        A clip whose first audio stream is carried over: its packets are copied
        when the container takes the codec, else decoded and encoded as AAC
        (Opus in WebM). Audio is interleaved with the video as it is written.
    crf : int
        Quality of H.264/VP9 (lower is better; 18 is visually lossless for H.264). H.264 is encoded with x264's
        ``superfast`` preset: less CPU and a closer copy than ``veryfast`` at the same ``crf``, in larger files (11-41 %).
    time_base : Fraction, optional
        The stream's time base (default 1/fps), e.g. the source clip's to keep its timestamps.

    Raises
    ------
    InputError
        A suffix that is not a supported container (or not one with alpha when ``alpha`` is set).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fps: Fraction | float,
        width: int,
        height: int,
        *,
        alpha: bool = False,
        audio_from: str | os.PathLike[str] | None = None,
        crf: int = 18,
        time_base: Fraction | None = None,
    ) -> None:
        av = _av()
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in _FORMAT:
            raise InputError(str(self.path), "a video file name ending " + "/".join(_FORMAT), repr(suffix))
        if alpha and suffix not in (".webm", ".mov"):
            raise InputError(str(self.path), "a .webm (VP9 with alpha) or .mov (ProRes 4444) file, or a folder for PNGs", repr(suffix))
        self.alpha = alpha
        self.fps = Fraction(fps).limit_denominator(1001) if not isinstance(fps, Fraction) else fps
        self._tmp = _temp_path(self.path)
        self._out = av.open(str(self._tmp), "w", format=_FORMAT[suffix])
        self.width, self.height = width, height
        if suffix == ".webm":
            vs = self._out.add_stream("libvpx-vp9", rate=self.fps)
            vs.pix_fmt = "yuva420p" if alpha else "yuv420p"
            vs.options = {"crf": str(crf + 12), "b": "0", "row-mt": "1", "deadline": "realtime", "cpu-used": "8"}
        elif alpha:
            vs = self._out.add_stream("prores_ks", rate=self.fps)
            vs.pix_fmt = "yuva444p10le"
            vs.options = {"profile": "4", "alpha_bits": "16"}
        else:
            vs = self._out.add_stream("libx264", rate=self.fps)
            vs.pix_fmt = "yuv420p"
            vs.options = {"crf": str(crf), "preset": _H264_PRESET}
        self._even = not alpha or suffix == ".webm"
        vs.width = width + (width % 2 if self._even else 0)
        vs.height = height + (height % 2 if self._even else 0)
        vs.time_base = time_base or Fraction(1, 1) / self.fps
        # the encoder counts in the same time base: left to PyAV it is 1/fps, and every pts was rounded to it (a mildly
        # variable clip came out evenly spaced, one with a gap failed in the muxer: EINVAL at close, issue 15)
        vs.codec_context.time_base = vs.time_base
        # kept: the muxer may change the stream's own time base when it writes the header (MP4 to a timescale of its
        # choosing, Matroska/WebM to 1/1000); frames are counted in this one, the encoder's, and packets rescaled on muxing
        self._tb: Fraction = vs.time_base
        # what the pixels are, said in the stream (x264's VUI, VP9's and ProRes's headers): BT.601 video range, as
        # the frames are converted in :meth:`write`
        vs.codec_context.color_range = _VIDEO_RANGE
        vs.codec_context.colorspace = _BT601
        vs.thread_type = "AUTO"
        self._vs = vs
        self._last_pts: int | None = None
        self._audio: _AudioCarrier | None = None
        if audio_from is not None:
            self._audio = _AudioCarrier(av, audio_from, self._out, suffix)
        self.frames = 0
        self._closed = False

    def write(self, rgb: np.ndarray, t: float | None = None) -> None:
        """Encode one H×W×3 (or ×4 with ``alpha``) uint8 frame shown at ``t`` seconds (default: frame index / fps).

        Parameters
        ----------
        rgb : numpy.ndarray
            H×W×3 uint8 (H×W×4 with ``alpha``) of the writer's size.
        t : float, optional
            Presentation time in seconds.

        Raises
        ------
        InputError
            Another shape or dtype.
        """
        av = _av()
        if rgb.dtype != np.uint8 or rgb.shape[:2] != (self.height, self.width) or rgb.shape[2] != (4 if self.alpha else 3):
            raise InputError("frame", f"{self.height}×{self.width}×{4 if self.alpha else 3} uint8", f"{rgb.shape} {rgb.dtype}")
        if (self._vs.height, self._vs.width) != rgb.shape[:2]:
            rgb = np.pad(rgb, ((0, self._vs.height - rgb.shape[0]), (0, self._vs.width - rgb.shape[1]), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgba" if self.alpha else "rgb24")
        # converted here, not left to the encoder, so that the matrix and range are the ones the stream declares
        frame = frame.reformat(format=self._vs.pix_fmt, dst_colorspace="ITU601", dst_color_range="MPEG")
        tb = self._tb
        pts = round((t if t is not None else self.frames / float(self.fps)) / float(tb))
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1  # times closer than one tick of the time base: the muxer refuses a repeated pts
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = tb
        for packet in self._vs.encode(frame):
            self._out.mux(packet)
        self.frames += 1
        if self._audio is not None:
            self._audio.advance(pts * float(tb))

    def close(self) -> Path:
        """Flush the encoder, finish the audio, close the file and rename it over ``path``.

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        InputError
            The finished file cannot be moved to ``path`` (the temporary file is removed).
        """
        if self._closed:
            return self.path
        try:
            for packet in self._vs.encode(None):
                self._out.mux(packet)
            if self._audio is not None:
                self._audio.advance(float("inf"))
                self._audio.close()
            self._out.close()
        except BaseException:
            self.abort()
            raise
        try:
            os.chmod(self._tmp, 0o644)
            os.replace(self._tmp, self.path)
        except BaseException as exc:
            self.abort()  # the finished file could not take its name (a folder is there now …): it is not left behind
            if isinstance(exc, OSError):
                raise InputError(str(self.path), "a place the finished video can be moved to", f"{type(exc).__name__}: {exc}") from exc
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drop everything written so far; ``path`` is left as it was."""
        if self._closed:
            return
        self._closed = True
        for closer in ((self._audio.close if self._audio else None), self._out.close):
            try:
                if closer is not None:
                    closer()
            except Exception:
                pass
        # the encoders are freed here (x264 joins its threads), not whenever the writer is collected: with the frames
        # still in them dropped, and with FFmpeg's log off (see _av), so that this cannot wait on a thread that logs
        self._vs = self._out = self._audio = None
        self._tmp.unlink(missing_ok=True)


class _AudioCarrier:
    """Moves the audio of ``src`` into ``out`` up to a given time (copy when allowed, else re-encode)."""

    def __init__(self, av: Any, src: str | os.PathLike[str], out: Any, suffix: str) -> None:
        self._av = av
        self._in: Any = None
        self._iter: Iterator[Any] | None = None
        if Path(src).is_dir():
            return
        self._in = av.open(str(src), "r")
        if not self._in.streams.audio:
            self._in.close()
            self._in = None
            return
        ias = self._in.streams.audio[0]
        self._ias = ias
        allowed = _AUDIO_COPY.get(suffix)
        self.copy = allowed is None or ias.codec_context.name in allowed
        if self.copy:
            self._oas = out.add_stream_from_template(ias)
            self._iter = (p for p in self._in.demux(ias) if p.dts is not None)
        else:
            codec = "libopus" if suffix == ".webm" else "aac"
            rate = 48000 if codec == "libopus" else ias.codec_context.sample_rate
            self._oas = out.add_stream(codec, rate=rate)
            layout = ias.codec_context.layout.name if ias.codec_context.layout else "stereo"
            self._oas.layout = layout
            fmt = self._oas.codec_context.codec.audio_formats[0].name
            self._resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
            self._iter = self._in.decode(ias)
            self._rate = rate
            self._next_sample: int | None = None  # the re-encoded track's clock, in samples, from the source's first audio time
        self._pending: Any = None

    def _time(self, item: Any) -> float:
        ts = item.pts if item.pts is not None else getattr(item, "dts", None)
        return float(ts * item.time_base) if ts is not None else 0.0

    def advance(self, t: float) -> None:
        if self._iter is None:
            return
        out = self._oas.container
        while True:
            item = self._pending if self._pending is not None else next(self._iter, None)
            self._pending = None
            if item is None:
                self._iter = None
                if not self.copy:
                    for p in self._oas.encode(None):
                        out.mux(p)
                return
            if self._time(item) > t:
                self._pending = item
                return
            if self.copy:
                item.stream = self._oas
                out.mux(item)
            else:
                if self._next_sample is None:
                    self._next_sample = round(self._time(item) * self._rate)
                for f in self._resampler.resample(item):
                    # timed frames: the encoder then stamps its first packet before 0 by its priming (AAC's 1024
                    # samples) and the muxer trims it; untimed (pts None), that priming played at 0: 21 ms late
                    f.pts, f.time_base = self._next_sample, Fraction(1, self._rate)
                    self._next_sample += f.samples
                    for p in self._oas.encode(f):
                        out.mux(p)

    def close(self) -> None:
        if self._in is not None:
            self._in.close()
            self._in = None


class FrameFolderWriter(_Committing):
    """Write frames as numbered PNGs (``00000.png`` …) into a folder, atomically.

    Frames go into a temporary folder beside ``path``, which replaces ``path``
    at :meth:`close` (an existing folder of that name is removed then, not before).
    An existing folder is taken only when it is empty or is an earlier run's output (its
    ``.studiocomp-frames`` marker and numbered frames): any other file in it is refused, never deleted.
    Frames are H×W (grey, e.g. alpha), H×W×3 or H×W×4 uint8. Colour frames are encoded as every studiocomp
    image is (:func:`studiocomp.image.encode_image`, with the sRGB ICC profile);
    grey ones as a matte (:func:`studiocomp.image.encode_alpha`, 8 bits, no profile: an alpha is not a colour).

    Parameters
    ----------
    path : str or os.PathLike
        The folder (replaced as a whole on :meth:`close`).

    Raises
    ------
    InputError
        ``path`` is an existing file, or a folder holding anything but an earlier run's frames.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        check_frame_folder(self.path)
        self._tmp = _temp_path(self.path, folder=True)
        self.frames = 0
        self._closed = False

    def write(self, arr: np.ndarray, t: float | None = None) -> None:
        """Add one frame as the next numbered PNG.

        Parameters
        ----------
        arr : numpy.ndarray
            H×W (grey), H×W×3 (RGB) or H×W×4 (RGBA) uint8.
        t : float, optional
            Its time in seconds (not stored: frames are numbered).

        Raises
        ------
        InputError
            Not uint8, or another shape.
        """
        from ..image import encode_alpha, encode_image

        if arr.dtype != np.uint8 or not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
            raise InputError("frame", "H×W, H×W×3 or H×W×4 uint8", f"{arr.shape} {arr.dtype}")
        if self.frames == 0:
            (self._tmp / _MARKER).write_text("frames written by studiocomp video; the folder is replaced by the next run\n")
        if arr.ndim == 2:
            data = encode_alpha(arr, bit_depth=8)
        else:
            data = encode_image(arr[..., :3], arr[..., 3] if arr.shape[2] == 4 else None, format="png")
        (self._tmp / f"{self.frames:05d}.png").write_bytes(data)
        self.frames += 1

    def close(self) -> Path:
        """Rename the finished folder over ``path`` (an old folder there is replaced).

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        InputError
            ``path`` now holds something other than an earlier run's frames, or the finished folder cannot be
            moved there (the temporary folder is removed; an earlier run's frames are put back).
        """
        if self._closed:
            return self.path
        try:
            check_frame_folder(self.path)  # again: something may have been put there while the clip ran
            os.chmod(self._tmp, 0o755)
            if self.path.exists():
                old = _temp_path(self.path, folder=True)
                try:
                    os.replace(self.path, old / "old")
                    os.replace(self._tmp, self.path)
                except OSError:
                    if (old / "old").exists() and not self.path.exists():
                        os.replace(old / "old", self.path)  # put the earlier run's frames back
                    old.rmdir()  # empty again (if not, it keeps the earlier frames and the error says so)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(self._tmp, self.path)
        except OSError as exc:
            self.abort()
            raise InputError(str(self.path), "a place the finished frames can be moved to", f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            self.abort()  # nothing half-written is left: the temporary folder goes
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drop every frame written so far; ``path`` is left as it was."""
        if not self._closed:
            self._closed = True
            shutil.rmtree(self._tmp, ignore_errors=True)
