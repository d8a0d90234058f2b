"""What a worker does: its pipelines (built at start-up, reused), and one request's run from bytes to bytes."""

from __future__ import annotations

import io
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, StudiocompError
from .errors import ApiError, from_library_error
from .options import JobOptions
from .settings import ServeSettings

__all__ = ["Worker", "WorkerSet", "Output", "peek_size", "check_pixels", "decode_background", "prepared_path", "parse_trusted_stage", "warning_headers"]

#: pipelines a worker keeps for requests that replace stages (beyond its two default ones)
_CACHE_SIZE = 4
_MEDIA = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "tif": "image/tiff", "zip": "application/zip"}


@dataclass
class Output:
    """An encoded answer: body, media type and headers.

    Attributes
    ----------
    body : bytes
        The encoded file (PNG, JPEG, WebP, TIFF, ZIP) or JSON.
    media_type : str
        Its ``Content-Type`` (``image/png`` …).
    headers : dict of str to str
        Extra response headers (``X-Width``, ``X-Height`` in pixels, ``X-Uncertain``, ``X-Warnings``, ``X-Timings`` in seconds …).
    """

    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


def peek_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from an image file's header without decoding it; ``None`` when Pillow cannot tell.

    A header claiming more pixels than Pillow's own bomb limit counts as huge: ``(2**31, 2**31)``.

    Parameters
    ----------
    data : bytes
        An image file's bytes (only its header is read).

    Returns
    -------
    tuple of (int, int) or None
        ``(width, height)`` in pixels, or ``None`` when the bytes are not an image Pillow can open.
    """
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as im:
            w, h = im.size
            return int(w), int(h)
    except PILImage.DecompressionBombError:
        return 2**31, 2**31
    except Exception:  # not an image, damaged: the library's loader says which, with its own message
        return None


def check_pixels(data: bytes, max_pixels: int, what: str = "image") -> None:
    """Refuse (400 ``too_many_pixels``) an image whose header claims more than ``max_pixels``, before decoding.

    Parameters
    ----------
    data : bytes
        An image file's bytes (only its header is read; bytes Pillow cannot open pass, for the loader to refuse).
    max_pixels : int
        The most pixels (width × height) allowed.
    what : str, default "image"
        The upload it is, named in the error (``image``, ``background``).

    Raises
    ------
    ApiError
        400 ``too_many_pixels`` when the header claims more than ``max_pixels`` pixels.
    """
    size = peek_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        w, h = size
        raise ApiError(400, "too_many_pixels", f"The {what} has too many pixels", f"{what}: {w}×{h} = {w * h:,} pixels, this server takes at most {max_pixels:,}")


def decode_background(data: bytes, max_pixels: int) -> np.ndarray:
    """An uploaded background: H×W×3 float32 sRGB, through the library's loader; raises :class:`ApiError`.

    Parameters
    ----------
    data : bytes
        The uploaded image file's bytes.
    max_pixels : int
        The most pixels (width × height) allowed.

    Returns
    -------
    numpy.ndarray
        H×W×3 float32 sRGB in [0, 1] (transparency premultiplied, as :func:`studiocomp.as_image` gives it).

    Raises
    ------
    ApiError
        400 ``too_many_pixels`` from the header, or the code :func:`from_library_error` gives for what the loader refuses.
    """
    from ..image import as_image

    check_pixels(data, max_pixels, "background")
    try:
        return as_image(data, name="background", max_pixels=max_pixels)
    except StudiocompError as exc:
        raise from_library_error(exc, "background") from None


def parse_trusted_stage(text: str) -> tuple[str, dict[str, Any]]:
    """``NAME[:key=value,...]`` from the server's own settings: values are Python literals or plain strings (paths allowed).

    Parameters
    ----------
    text : str
        The spec, e.g. ``backdrop:plate=/srv/plates/studio.png,strength=0.5``.

    Returns
    -------
    tuple of (str, dict)
        The backend name (stripped) and its options: values :func:`ast.literal_eval` reads, else the stripped text.

    Raises
    ------
    InputError
        An option that is not ``key=value`` with an identifier as its key.
    """
    from ..registry import parse_spec

    return parse_spec(text, what="stage spec")


def _make(kind: str, spec: Any, extra: Mapping[str, Any] | None = None) -> Any:
    """A stage from a spec string (``none`` → None) or a backend object (used as it is)."""
    from ..registry import create

    if spec is None or not isinstance(spec, str):
        return spec
    name, options = parse_trusted_stage(spec)
    if name == "none":
        return None
    return create(kind, name, **(options | dict(extra or {})))


class Worker:
    """One worker's pipelines: the server's default cut-out and composite pipelines, built at once, and an LRU of others.

    One per worker thread (pipelines are not shared between threads; the ONNX sessions under them are,
    one per model file in the process).

    Parameters
    ----------
    settings : ServeSettings
    """

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self._pipelines: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.default_cutout = JobOptions(kind="cutout")
        self.default_composite = JobOptions(kind="composite")
        for options in (self.default_composite, self.default_cutout):
            self._pipelines[options.pipeline_key()] = self._build(options)

    def _build(self, options: JobOptions) -> Any:
        from ..pipeline import Pipeline

        stages: dict[str, Any] = {}
        for kind, spec in self.settings.stages.items():
            if kind in ("segmenter", "matter") or options.kind == "composite":
                stages[kind] = _make(kind, spec)
        for kind, name, opts in options.stages:
            stages[kind] = None if name == "none" else _make(kind, name, dict(opts))
        if options.kind == "cutout":  # a cut-out needs neither light nor shadow
            stages.update(relighter=None, shadow_caster=None, compositor="alpha-over")
        else:
            given = {kind for kind, _, _ in options.stages}
            if options.light is not None and "shadow_caster" not in given:
                stages["shadow_caster"] = _make("shadow_caster", "cast", {"azimuth": options.light[0], "elevation": options.light[1]})
            if options.compositor_off:
                chosen = next((n for k, n, _ in options.stages if k == "compositor"), "matched")
                given_opts: dict[str, Any] = next((dict(o) for k, _, o in options.stages if k == "compositor"), {})
                stages["compositor"] = _make("compositor", chosen, {**given_opts, **dict(options.compositor_off)})
        return Pipeline.preset(options.preset or self.settings.preset, **stages)

    def pipeline(self, options: JobOptions) -> Any:
        """The pipeline for these options (built on first use, then kept; the least recently used beyond 4 is dropped).

        Parameters
        ----------
        options : JobOptions
            The request's options; its :meth:`JobOptions.pipeline_key` picks the cached pipeline.

        Returns
        -------
        Pipeline
            This worker's pipeline for them (the two default ones are never dropped).

        Raises
        ------
        ApiError
            400 when the pipeline cannot be built: the code :func:`from_library_error` gives for the library's
            error (an unknown backend: ``invalid_parameter``), or ``invalid_parameter`` for a stage option the backend does not take.
        """
        key = options.pipeline_key()
        pipe = self._pipelines.get(key)
        if pipe is None:
            try:
                pipe = self._build(options)
            except StudiocompError as exc:
                raise from_library_error(exc, "image") from None
            except TypeError as exc:  # an option the backend does not take
                raise ApiError(400, "invalid_parameter", "A stage option is not accepted", str(exc)) from None
            self._pipelines[key] = pipe
            defaults = {self.default_cutout.pipeline_key(), self.default_composite.pipeline_key()}
            extra = [k for k in self._pipelines if k not in defaults]
            while len(extra) > _CACHE_SIZE:
                del self._pipelines[extra.pop(0)]
        else:
            self._pipelines.move_to_end(key)
        return pipe

    def run(self, options: JobOptions, data: bytes, background: Any, *, submitted: float | None = None, received: float | None = None) -> Output:
        """Process one upload: load (the library's loader), run, encode. Raises :class:`ApiError` for a bad input.

        ``background`` is a preset name or colour string, a prepared background's path, or the bytes of an
        uploaded background.

        Parameters
        ----------
        options : JobOptions
            The request's checked options (kind, stages, format, bit depth, placement …).
        data : bytes
            The uploaded image file's bytes.
        background : str, Path, bytes or bytearray
            What to composite onto (ignored by a cut-out); bytes are decoded here with the server's ``max_pixels``.
        submitted : float, optional
            When the job was handed to the queue, on the :func:`time.perf_counter` clock: ``X-Timings`` then has ``queue``.
        received : float, optional
            When the request was taken up (before its body was read), same clock: ``X-Timings`` then has ``receive``
            (reading the body and checking the options, until ``submitted``).

        Returns
        -------
        Output
            The encoded image (the alpha as a 16-bit grey PNG with ``only_mask``) and its headers: ``X-Width`` and
            ``X-Height`` in pixels, ``X-Uncertain``, ``X-Warnings`` (the codes), ``X-Warning-Messages`` (a JSON list of
            ``{"code", "message", "uncertain"}``, ASCII with ``\\u`` escapes) and ``X-Timings``: seconds, as
            ``name=seconds`` joined by ``;``: ``receive`` and ``queue`` (when given), ``decode_background`` (an uploaded
            background), the pipeline's (``load`` is decoding the photo, then each stage), ``encode``, ``other`` (the
            rest: checks, building a pipeline) and ``total`` (from ``received``, else from the start of the job), which
            the others add up to (to rounding).

        Raises
        ------
        ApiError
            400 for an image or background with too many pixels or one the loader refuses, a pipeline that
            cannot be built, or any other error the library raises on this input.
        """
        import time

        from ..placement import Placement

        started = time.perf_counter()
        timings: dict[str, float] = {}
        if received is not None and submitted is not None:
            timings["receive"] = submitted - received
        if submitted is not None:
            timings["queue"] = started - submitted
        check_pixels(data, self.settings.max_pixels)
        pipe = self.pipeline(options)
        if isinstance(background, (bytes, bytearray)):
            t0 = time.perf_counter()
            background = decode_background(bytes(background), self.settings.max_pixels)
            timings["decode_background"] = time.perf_counter() - t0
        try:
            place = None
            if options.place is not None:
                feet, height, horizon, subject_height, camera_height, visible_height = options.place
                place = Placement(
                    feet=feet, height=height, horizon=horizon, subject_height=subject_height, camera_height=camera_height, visible_height=visible_height
                )
                try:
                    _check_place(place, background, options.fit)
                except StudiocompError as exc:  # an unreadable sidecar
                    raise from_library_error(exc, "background") from None
            out = self._encoded(pipe, data, background, options, place, timings)
        except ApiError as exc:  # a prepared background is named by its name, never by the server's folder
            raise _without_folder(exc, background) from None
        total = time.perf_counter() - (received if received is not None and submitted is not None else submitted if submitted is not None else started)
        timings["other"] = max(0.0, total - sum(timings.values()))
        timings["total"] = total
        out.headers["X-Timings"] = ";".join(f"{k}={v:.3f}" for k, v in timings.items())
        return out

    def _encoded(self, pipe: Any, data: bytes, background: Any, options: JobOptions, place: Any, timings: dict[str, float]) -> Output:
        """The pipeline run on ``data`` and its output encoded (the body of :meth:`run` after its checks); adds to ``timings``."""
        import time

        from ..image import encode_alpha, encode_image

        try:
            result = pipe(data, background=background, fit=options.fit, place=place, input_alpha=options.input_alpha)
            timings.update(result.timings)
            t0 = time.perf_counter()
            if options.only_mask:
                body = encode_alpha(result.alpha, bit_depth=16)
                fmt, (h, w) = "png", result.alpha.shape
            elif options.kind == "cutout":
                body = encode_image(result.foreground, result.alpha, format=options.format, bit_depth=options.depth)  # type: ignore[arg-type]
                fmt, (h, w) = options.format, result.alpha.shape
            else:
                body = encode_image(result.composite, format=options.format, quality=options.quality, bit_depth=options.depth)  # type: ignore[arg-type]
                fmt, (h, w) = options.format, result.composite.shape[:2]
            timings["encode"] = time.perf_counter() - t0
        except InputError as exc:
            if exc.argument == "feet":  # the feet are the request's 'place'
                raise ApiError(400, "invalid_parameter", "Invalid value for place", str(InputError("place", exc.expected, exc.got))) from None
            raise from_library_error(exc, "image") from None
        except StudiocompError as exc:
            raise from_library_error(exc, "image") from None
        headers = {
            "X-Width": str(w),
            "X-Height": str(h),
            **warning_headers(result.warnings, result.uncertain),
        }
        return Output(body, _MEDIA[fmt], headers)


def _without_folder(exc: ApiError, background: Any) -> ApiError:
    """``exc`` with the server's folder of a prepared ``background`` taken out of its title and detail (a client names it by its name)."""
    if not isinstance(background, (str, os.PathLike)):
        return exc
    folder = os.path.dirname(os.path.abspath(os.fspath(background))) + os.sep
    exc.title = exc.title.replace(folder, "")
    exc.detail = exc.detail.replace(folder, "") if exc.detail is not None else None
    return exc


def _check_place(place: Any, background: Any, fit: str | None) -> None:
    """Refuse (400, naming ``place``) feet that cannot stand on an image background of its own size, before the photo is worked on.

    With ``fit`` none (the default with ``place``) the composite is the background's size, so the feet must lie on it
    and, with no height given, below the horizon (the request's, else the prepared background's sidecar). A preset or
    colour takes the photo's size: the pipeline checks those feet itself.
    """
    from ..prepared import load_background, read_info

    if place.feet is None or (fit or "none") != "none":
        return
    info = None
    if isinstance(background, np.ndarray):
        size = background.shape[:2]
    elif isinstance(background, (str, os.PathLike)) and os.path.isfile(background):
        size, info = load_background(background).shape[:2], read_info(background)
    else:
        return
    try:
        (info.placement(place) if info is not None else place).validate((int(size[0]), int(size[1])), name="place")
    except InputError as exc:
        raise ApiError(400, "invalid_parameter", "Invalid value for place", str(exc)) from None


def warning_headers(warnings: Any, uncertain: bool) -> dict[str, str]:
    """The headers that tell a client what the pipeline doubted: the same on every route that runs one.

    Parameters
    ----------
    warnings : sequence of QualityWarning
        The result's warnings (:attr:`studiocomp.pipeline.PipelineResult.warnings`), in order.
    uncertain : bool
        Whether a person should look at the result (:attr:`studiocomp.pipeline.PipelineResult.uncertain`).

    Returns
    -------
    dict of str to str
        ``X-Uncertain`` (``true``/``false``), ``X-Warnings`` (the codes, comma-separated) and
        ``X-Warning-Messages`` (a JSON list of ``{"code", "message", "uncertain"}``: the sentence for a person,
        ASCII with ``\\u`` escapes, as a header must be).
    """
    return {
        "X-Uncertain": "true" if uncertain else "false",
        "X-Warnings": ",".join(x.code for x in warnings),
        "X-Warning-Messages": json.dumps([{"code": x.code, "message": x.message, "uncertain": x.uncertain} for x in warnings]),
    }


class WorkerSet:
    """The workers built at start-up, handed out one per worker thread (``take`` is the pool's thread initializer).

    Parameters
    ----------
    settings : ServeSettings
        The server's settings: ``settings.workers`` workers are built, each with its default pipelines.
    """

    def __init__(self, settings: ServeSettings) -> None:
        import queue

        self._free: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._local = threading.local()
        built = [Worker(settings) for _ in range(settings.workers)]
        for worker in built:
            self._free.put(worker)
        default = built[0].pipeline(built[0].default_composite) if built else None
        #: models the default pipelines asked for but run without (``Pipeline.missing_models``)
        self.missing_models: list[str] = list(default.missing_models) if default is not None else []

    def take(self) -> None:
        """Bind one free worker to the calling thread."""
        self._local.worker = self._free.get_nowait()

    def current(self) -> Worker:
        """The calling thread's worker.

        Returns
        -------
        Worker
            The worker :meth:`take` bound to this thread.

        Raises
        ------
        AttributeError
            The calling thread has not taken a worker (it is not one of the pool's threads).
        """
        worker: Worker = self._local.worker
        return worker


def prepared_path(folder: Path | None, name: str) -> Path | None:
    """The prepared background called ``name`` (file name or stem) in ``folder``, or None; never outside the folder.

    Parameters
    ----------
    folder : Path or None
        The server's prepared-backgrounds folder (``None``: the server has none).
    name : str
        What the client sent: a file's stem or name, without any folder part.

    Returns
    -------
    Path or None
        ``folder / file`` for the image :func:`~studiocomp.serve.catalog.list_backgrounds` lists under that name,
        or ``None`` when there is none, or ``name`` is empty, hidden or holds a path separator.
    """
    if folder is None or not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    from .catalog import list_backgrounds

    for entry in list_backgrounds(folder):
        if name in (entry.name, entry.file):
            return folder / entry.file
    return None
