"""Folder runs: find the inputs, name one output per input, process each file on its own.

The command line (``studiocomp composite|cutout``) and the Dask scale-out both
go through these functions, so a file gives the same output, and a bad file the
same failure, wherever it is processed::

    from studiocomp import Pipeline
    from studiocomp.batch import BatchOptions, plan, process_file

    batch = plan(["photos/"], "out/", suffix=".png")
    pipe = Pipeline.preset("studio")
    for job in batch.jobs:
        outcome = process_file(pipe, job.source, job.output, BatchOptions(kind="composite", background="grey"))
        print(outcome.status, outcome.source, outcome.reason)

A file's failure never stops the run: :func:`process_file` returns a
``"failed"`` :class:`FileOutcome` with a one-line cause (:func:`describe_failure`).
Every output is written atomically (a reader sees the old file or the complete
new one), so an interrupted run leaves no half-written image.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import BackendUnavailableError, StudiocompError

if TYPE_CHECKING:
    from .backgrounds import Fit
    from .pipeline import DecodedImage, InputAlpha, Pipeline, PipelineResult
    from .placement import Placement

__all__ = [
    "IMAGE_SUFFIXES",
    "NOTED_WARNINGS",
    "BatchOptions",
    "BatchPlan",
    "FileOutcome",
    "Job",
    "describe_failure",
    "find_inputs",
    "holds_images",
    "output_paths",
    "plan",
    "process_file",
    "run_jobs",
    "save_mask",
    "write_result",
]

IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".apng"})
"""File suffixes (lower case) a folder run takes as images; other files are listed as skipped."""

NOTED_WARNINGS: frozenset[str] = frozenset({"background-upscaled", "subject-upscaled", "light-default", "relight-bounded"})
"""Codes of the notes (warnings that do not put a result in doubt) a folder run lists per file: the output is fine but softer than it
could be, its cast shadow falls by a guessed light (``light-default``: no shadow read in the scene, or a prepared background's default
light), or the subject follows the scene's light only part way (``relight-bounded``). ``relight-unreliable`` (the photo's own light
could not be read; most high-key shots, whose backdrop is clipped) stays in the result's warnings only."""

Status = Literal["written", "uncertain", "skipped", "failed"]


@dataclass(frozen=True)
class Job:
    """One input file and the output file it is written to.

    Attributes
    ----------
    source : Path
        The input image.
    output : Path
        The file its result is written to (with ``only_mask``, its ``.png`` sibling).
    """

    source: Path
    output: Path


@dataclass(frozen=True)
class BatchPlan:
    """What a folder run will do, found before any work.

    Attributes
    ----------
    jobs : list of Job
        The files to process, in a stable (sorted) order.
    failures : list of (str, str)
        ``(input, reason)`` for inputs that fail before any work: missing files,
        broken links, link loops, unreadable folders, output-name collisions and
        outputs that would overwrite an input. Nothing is written for them.
    not_images : list of str
        Files in a given folder whose suffix is not in :data:`IMAGE_SUFFIXES`.
    subfolders : list of str
        Subfolders of a given folder that were not searched (without
        ``recursive``), so a report can say so rather than pass them over
        silently; empty with ``recursive``.
    """

    jobs: list[Job]
    failures: list[tuple[str, str]] = field(default_factory=list)
    not_images: list[str] = field(default_factory=list)
    subfolders: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BatchOptions:
    """How each file of a folder run is processed and written (the CLI's batch options).

    Attributes
    ----------
    kind : {"composite", "cutout"}
        ``composite`` writes the composite; ``cutout`` an RGBA PNG (the
        pipeline's foreground and alpha).
    background : Any
        The composite's background (see :func:`studiocomp.backgrounds.resolve_background`);
        ignored for a cut-out.
    fit, place, input_alpha :
        Passed to :meth:`studiocomp.Pipeline.__call__`.
    only_mask : bool
        Write only the alpha, as a 16-bit grey PNG (white = subject), to the
        output path with the suffix ``.png``.
    layers : {"png", "tiff"} or None
        Also write the composite's layers into ``NAME_layers/`` (16-bit).
    depth : {"auto", "8", "16"}
        Bits per channel of a composite; ``auto`` keeps a 16-bit input's depth
        in PNG/TIFF outputs.
    quality : int
        JPEG/WebP quality, 1–100.
    skip_existing : bool
        Leave an output that already exists untouched (status ``"skipped"``).
    """

    kind: Literal["composite", "cutout"] = "composite"
    background: Any = "white"
    fit: Fit | None = None
    place: Placement | None = None
    input_alpha: InputAlpha = "cutout"
    only_mask: bool = False
    layers: Literal["png", "tiff"] | None = None
    depth: Literal["auto", "8", "16"] = "auto"
    quality: int = 95
    skip_existing: bool = False


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file of a folder run.

    Attributes
    ----------
    source : str
        The input path.
    output : str or None
        The file written (``None`` when nothing was written).
    status : {"written", "uncertain", "skipped", "failed"}
        ``uncertain`` outputs are written but carry an uncertain
        :class:`~studiocomp.QualityWarning`; ``skipped`` ones already existed
        (``skip_existing``).
    reason : str
        For ``failed``, the one-line cause; for ``uncertain``, the warnings.
    notes : str
        The result's notes whose code is in :data:`NOTED_WARNINGS` (``"; "``-separated), e.g.
        ``background-upscaled``; empty when none.
    doubts : tuple of str
        For ``uncertain``, the codes of its uncertain warnings, in order (``reason`` has their messages).
    """

    source: str
    output: str | None
    status: Status
    reason: str = ""
    notes: str = ""
    doubts: tuple[str, ...] = ()

    @property
    def placement_only(self) -> bool:
        """True when every doubt is about the placement (:data:`studiocomp.placement.WARNING_CODES`), none about the cut-out."""
        from .placement import WARNING_CODES

        return bool(self.doubts) and all(code in WARNING_CODES for code in self.doubts)


def find_inputs(
    inputs: Sequence[str | os.PathLike[str]], *, recursive: bool = False, exclude: str | os.PathLike[str] | None = None
) -> tuple[list[tuple[Path, Path | None]], list[tuple[str, str]], list[str]]:
    """Files to process, problems found while looking, and non-image files passed over.

    Parameters
    ----------
    inputs : sequence of paths
        Image files and folders.
    recursive : bool
        Also walk subfolders.
    exclude : path, optional
        A folder passed over (the output folder, so earlier outputs are never
        taken as inputs).

    Returns
    -------
    files : list of (Path, Path or None)
        ``(path, folder given)`` pairs (``None`` for a file named directly), so
        outputs can mirror the path relative to that folder. Folders are walked
        in sorted order; hidden names (``.name``) are passed over.
    problems : list of (str, str)
        ``(input, reason)`` for inputs that do not exist, broken symbolic links,
        link loops, unreadable folders and folders named like images.
    not_images : list of str
        Files in a folder whose suffix is not in :data:`IMAGE_SUFFIXES`.

    See Also
    --------
    plan : also lists the subfolders not searched (``BatchPlan.subfolders``).
    """
    files, problems, not_images, _ = _find(inputs, recursive, exclude)
    return files, problems, not_images


def _find(inputs: Sequence[str | os.PathLike[str]], recursive: bool, exclude: str | os.PathLike[str] | None) -> tuple[list[tuple[Path, Path | None]], list[tuple[str, str]], list[str], list[str]]:
    """:func:`find_inputs`, plus the subfolders of given folders that were not searched (without ``recursive``)."""
    files: list[tuple[Path, Path | None]] = []
    problems: list[tuple[str, str]] = []
    not_images: list[str] = []
    subfolders: list[str] = []
    skip = Path(exclude).resolve() if exclude is not None else None

    def walk(folder: Path, base: Path, seen: set[tuple[int, int]]) -> None:
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen:
                problems.append((str(folder), "a symbolic link loop (folder already visited)"))
                return
            seen = seen | {(st.st_dev, st.st_ino)}
            entries = sorted(folder.iterdir())
        except OSError as exc:
            problems.append((str(folder), f"unreadable folder ({exc.strerror or exc})"))
            return
        for f in entries:
            if f.name.startswith("."):
                continue
            try:
                if not f.exists():
                    problems.append((str(f), "a broken symbolic link"))
                    continue
                is_dir = f.is_dir()
            except OSError as exc:  # ELOOP: a link that points to itself
                problems.append((str(f), f"a symbolic link loop ({exc.strerror or exc})"))
                continue
            if is_dir:
                if skip is not None and f.resolve() == skip:
                    continue
                if recursive:
                    walk(f, base, seen)
                elif f.suffix.lower() in IMAGE_SUFFIXES:
                    problems.append((str(f), "a folder named like an image"))
                else:
                    subfolders.append(str(f))
                continue
            if not f.is_file():
                problems.append((str(f), "not a regular file"))
            elif f.suffix.lower() in IMAGE_SUFFIXES:
                files.append((f, base))
            else:
                not_images.append(str(f))

    for raw in inputs:
        p = Path(raw)
        try:
            if p.is_dir():
                walk(p, p, set())
            elif p.is_file():
                files.append((p, None))
            elif p.is_symlink():
                problems.append((str(raw), "a broken symbolic link"))
            else:
                problems.append((str(raw), "no such file or folder"))
        except OSError as exc:
            problems.append((str(raw), f"{exc.strerror or exc}"))
    return files, problems, not_images, subfolders


def holds_images(folder: str | os.PathLike[str]) -> bool:
    """Whether a folder or any folder below it holds a file named like an image (stops at the first one).

    Used to say why a folder run found nothing: images in subfolders, which
    only ``recursive`` searches.

    Parameters
    ----------
    folder : path
        The folder to look in. Hidden names (``.name``) are passed over, as
        :func:`find_inputs` does; symbolic links to folders are not followed.

    Returns
    -------
    bool
        True when a file whose suffix is in :data:`IMAGE_SUFFIXES` is found;
        False when none is, or the folder cannot be read.
    """
    for _, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(not n.startswith(".") and Path(n).suffix.lower() in IMAGE_SUFFIXES for n in names):
            return True
    return False


def output_paths(files: Iterable[tuple[Path, Path | None]], out_dir: str | os.PathLike[str], suffix: str) -> tuple[dict[Path, Path], list[list[Path]]]:
    """One output per input, mirroring its path relative to the folder given, and the collisions.

    Parameters
    ----------
    files : iterable of (Path, Path or None)
        As returned by :func:`find_inputs`.
    out_dir : path
        The output folder.
    suffix : str
        The outputs' suffix, e.g. ``".png"``.

    Returns
    -------
    targets : dict of Path to Path
        Input → output. Inputs in one folder that share a stem keep their
        extension (``a.jpg`` → ``a-jpg.png``).
    collisions : list of list of Path
        Inputs that would write the same output file (compared
        case-insensitively, as on macOS and Windows).
    """
    out_root = Path(out_dir)
    stems: dict[tuple[Path, str], int] = {}
    rels: list[tuple[Path, Path]] = []
    for f, base in files:
        rel = f.relative_to(base) if base is not None else Path(f.name)
        rels.append((f, rel))
        key = (rel.parent, rel.stem.lower())
        stems[key] = stems.get(key, 0) + 1
    out: dict[Path, Path] = {}
    by_target: dict[str, list[Path]] = {}
    for f, rel in rels:
        stem = rel.stem if stems[(rel.parent, rel.stem.lower())] == 1 else f"{rel.stem}-{rel.suffix.lstrip('.')}"
        dst = out_root / rel.parent / f"{stem}{suffix}"
        out[f] = dst
        by_target.setdefault(str(dst).lower(), []).append(f)
    collisions = [srcs for srcs in by_target.values() if len(srcs) > 1]
    return out, collisions


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def plan(inputs: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str], *, suffix: str = ".png", recursive: bool = False) -> BatchPlan:
    """Find the inputs and their outputs, and every failure that can be known before any work.

    Parameters
    ----------
    inputs : sequence of paths
        Image files and folders (see :func:`find_inputs`).
    out_dir : path
        The output folder (passed over as an input).
    suffix : str
        The outputs' suffix.
    recursive : bool
        Also walk subfolders.

    Returns
    -------
    BatchPlan
        Each input of an output-name collision, and each input whose output
        would overwrite an input file, is a failure (nothing is written for it);
        the others are jobs. Without ``recursive``, the subfolders passed over
        are listed in ``subfolders``.
    """
    files, failures, not_images, subfolders = _find(inputs, recursive, out_dir)
    targets, collisions = output_paths(files, out_dir, suffix)
    colliding = {src for srcs in collisions for src in srcs}
    for srcs in collisions:
        for src in srcs:
            others = ", ".join(str(o) for o in srcs if o != src)
            failures.append((str(src), f"its output {targets[src]} would also be written by {others} (rename one, or run them separately)"))
    input_ids = {i for i in (_file_id(f) for f, _ in files) if i is not None}
    jobs: list[Job] = []
    for f, _ in files:
        if f in colliding:
            continue
        dst = targets[f]
        if _file_id(dst) in input_ids:
            failures.append((str(f), f"output {dst} would overwrite an input; choose another --output folder"))
            continue
        jobs.append(Job(f, dst))
    return BatchPlan(jobs, failures, not_images, subfolders)


def describe_failure(exc: BaseException, source: str | os.PathLike[str] | None = None) -> str:
    """A one-line cause for any per-file failure, without repeating the file's own path.

    Parameters
    ----------
    exc : BaseException
        What was raised while processing the file.
    source : path, optional
        The file; a library error's message that starts with ``"{source}: "``
        loses that prefix (the report's line starts with the path already).

    Returns
    -------
    str
        The library's own message for a :class:`~studiocomp.StudiocompError`;
        a hint for ``MemoryError``; the OS's reason and file for an ``OSError``;
        otherwise ``package.ExceptionType: message`` (at most 300 characters).
    """
    if isinstance(exc, StudiocompError):
        text = str(exc)
        prefix = f"{source}: "
        return text[len(prefix) :] if source is not None and text.startswith(prefix) else text
    if isinstance(exc, MemoryError):
        return "out of memory (try a smaller image, or set STUDIOCOMP_MAX_PIXELS lower)"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{type(exc).__name__}: {exc.strerror or exc}{where}"
    text = " ".join(str(exc).split())
    return f"{type(exc).__module__.split('.')[0]}.{type(exc).__name__}: {text[:300]}"


def save_mask(path: str | os.PathLike[str], result: PipelineResult) -> Path:
    """Write a result's alpha as a 16-bit one-channel grey PNG (white = subject), in the photo's coordinates.

    Parameters
    ----------
    path : path
        The PNG to write (atomically).
    result : PipelineResult
        Its ``alpha`` (HxW float32 in [0, 1]) is written.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OSError
        The file cannot be written.
    """
    from ._atomic import atomic_write_bytes
    from .image import encode_alpha

    return atomic_write_bytes(path, encode_alpha(result.alpha, bit_depth=16))


def write_result(result: PipelineResult, source: str | os.PathLike[str], output: str | os.PathLike[str], options: BatchOptions) -> Path:
    """Write one pipeline result as a folder run does (see :class:`BatchOptions`); returns the file written.

    Parameters
    ----------
    result : PipelineResult
        What the pipeline gave for ``source``: its composite (H×W×3 float32 sRGB in [0, 1]), or its
        foreground and alpha (H×W float32 in [0, 1]) for a cut-out or ``only_mask``.
    source : str or os.PathLike
        The input file: with ``options.depth == "auto"`` a 16-bit input gives a 16-bit PNG/TIFF composite.
    output : str or os.PathLike
        The file to write (its suffix picks the format); with ``options.only_mask`` the alpha goes to
        its ``.png`` sibling, and with ``options.layers`` the layers go to the folder ``NAME_layers/`` beside it.
    options : BatchOptions
        What to write (kind, mask only, layers, bit depth, quality).

    Returns
    -------
    Path
        The file written (the mask's ``.png`` path with ``only_mask``).

    Raises
    ------
    OSError
        The output cannot be written.
    """
    from .image import save_image, source_bit_depth

    dst = Path(output)
    if options.only_mask:
        return save_mask(dst.with_suffix(".png"), result)
    if options.kind == "cutout":
        return save_image(dst, result.foreground, result.alpha)
    if options.layers:
        result.save_layers(dst.with_name(dst.stem + "_layers"), format=options.layers, depth=16)
    suffix = dst.suffix.lower()
    deep = options.depth == "16" or (options.depth == "auto" and suffix in (".png", ".tif", ".tiff") and source_bit_depth(source) >= 16)  # 16-bit in, 16-bit out
    return save_image(dst, result.composite, quality=options.quality, bit_depth=16 if deep else 8)


def process_file(pipeline: Pipeline, source: str | os.PathLike[str], output: str | os.PathLike[str], options: BatchOptions) -> FileOutcome:
    """Run the pipeline on one file and write its output; never raises for a bad file.

    Parameters
    ----------
    pipeline : Pipeline
        The stages to run.
    source, output : path
        The input image and the file to write (atomically; its folder is
        created).
    options : BatchOptions
        How to run and write.

    Returns
    -------
    FileOutcome
        ``written``, ``uncertain`` (written, with the uncertain warnings as the
        reason), ``skipped`` (it existed and ``options.skip_existing``) or
        ``failed`` with :func:`describe_failure`'s cause. ``KeyboardInterrupt``
        and ``SystemExit`` are not caught.
    """
    src, dst = Path(source), Path(output)
    try:
        if options.skip_existing and (dst.with_suffix(".png") if options.only_mask else dst).exists():
            return FileOutcome(str(src), None, "skipped")
        background = options.background if options.kind == "composite" else "white"
        result = pipeline(src, background=background, fit=options.fit, place=options.place, input_alpha=options.input_alpha)
        written = write_result(result, src, dst, options)
    except Exception as exc:  # every per-file failure is reported and the run goes on
        return FileOutcome(str(src), None, "failed", describe_failure(exc, src))
    return _written(result, str(src), written)


def _written(result: PipelineResult, source: str, written: Path) -> FileOutcome:
    """The outcome of a file whose output was written: its doubts (uncertain warnings) and its noted notes."""
    uncertain = [w for w in result.warnings if w.uncertain]
    notes = "; ".join(str(w) for w in result.warnings if not w.uncertain and w.code in NOTED_WARNINGS)
    return FileOutcome(source, str(written), "uncertain" if uncertain else "written", "; ".join(map(str, uncertain)), notes, tuple(w.code for w in uncertain))


def _decode(pipeline: Pipeline, job: Job, options: BatchOptions) -> DecodedImage | FileOutcome:
    """The decode step of :func:`run_jobs` (on a worker thread): a skipped or failed outcome, or the decoded photo."""
    try:
        if options.skip_existing and (job.output.with_suffix(".png") if options.only_mask else job.output).exists():
            return FileOutcome(str(job.source), None, "skipped")
        return pipeline.decode(job.source, input_alpha=options.input_alpha)
    except Exception as exc:  # reported as process_file reports it
        return FileOutcome(str(job.source), None, "failed", describe_failure(exc, job.source))


def _write(result: PipelineResult, job: Job, options: BatchOptions) -> FileOutcome:
    """The encode-and-write step of :func:`run_jobs` (on a worker thread)."""
    try:
        written = write_result(result, job.source, job.output, options)
    except Exception as exc:
        return FileOutcome(str(job.source), None, "failed", describe_failure(exc, job.source))
    return _written(result, str(job.source), written)


def _next_written(writing: deque[Future[FileOutcome]]) -> FileOutcome:
    """The first write's outcome, taken off the queue only once it is there (an interrupt while waiting leaves it queued)."""
    outcome = writing[0].result()
    writing.popleft()
    return outcome


def _done(outcome: FileOutcome) -> Future[FileOutcome]:
    f: Future[FileOutcome] = Future()
    f.set_result(outcome)
    return f


def run_jobs(pipeline: Pipeline, jobs: Iterable[Job], options: BatchOptions, *, prefetch: int = 2, batch_size: int = 1) -> Iterator[FileOutcome]:
    """Process a folder run's jobs with decoding and writing overlapped with the pipeline; yields outcomes in job order.

    One thread decodes the next files while the calling thread runs the
    pipeline on the current one, and another encodes and writes the previous
    results. Every outcome equals :func:`process_file`'s for the same job: the
    same bytes written, the same failures with the same reasons, in the same
    order. Memory stays bounded: at most ``prefetch + batch_size`` decoded
    photos wait for the pipeline and ``prefetch + 1`` results for the writer.

    Parameters
    ----------
    pipeline : Pipeline
        The stages to run (its backends are called from the calling thread only).
    jobs : iterable of Job
        The files, e.g. ``plan(...).jobs``.
    options : BatchOptions
        How to run and write.
    prefetch : int
        Files decoded ahead of the pipeline, and results waiting to be written;
        ``0`` runs :func:`process_file` on each job in turn, on the calling thread.
    batch_size : int
        Photos whose segmentation runs in one model call
        (:meth:`studiocomp.Pipeline.segment_batch`; a segmenter without batched
        inference runs them one by one). ``1`` (the default) runs none batched.

    Yields
    ------
    FileOutcome
        One per job, in the order of ``jobs``.

    Raises
    ------
    InputError
        ``prefetch`` is not an int ≥ 0 or ``batch_size`` not an int ≥ 1.

    Notes
    -----
    A ``KeyboardInterrupt`` while the pipeline runs (Ctrl-C) stops decoding, drops
    the results not yet being written, waits for the write in progress, yields the
    outcome of every file whose write completed (so a count of the outcomes matches
    the files on disk) and then raises again. Closing the iterator stops it the same
    way without those last outcomes. Every write is atomic, so no output is
    half-written.
    """
    from .errors import InputError

    if not isinstance(prefetch, int) or isinstance(prefetch, bool) or prefetch < 0:
        raise InputError("prefetch", "an int ≥ 0", repr(prefetch))
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InputError("batch_size", "an int ≥ 1", repr(batch_size))
    if prefetch == 0 and batch_size == 1:
        for job in jobs:
            yield process_file(pipeline, job.source, job.output, options)
        return
    background = options.background if options.kind == "composite" else "white"
    pending = iter(jobs)
    decoding: deque[tuple[Job, Future[DecodedImage | FileOutcome]]] = deque()
    writing: deque[Future[FileOutcome]] = deque()
    decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studiocomp-decode")
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studiocomp-write")

    def refill() -> None:
        while len(decoding) < prefetch + batch_size:
            job = next(pending, None)
            if job is None:
                return
            decoding.append((job, decoder.submit(_decode, pipeline, job, options)))

    try:
        refill()
        while decoding:
            group = [decoding.popleft() for _ in range(min(batch_size, len(decoding)))]
            refill()  # the next files decode while this group runs
            items: list[tuple[Job, DecodedImage | FileOutcome]] = [(job, future.result()) for job, future in group]
            photos = [(i, d) for i, (_, d) in enumerate(items) if not isinstance(d, FileOutcome)]
            if batch_size > 1 and len(photos) > 1:
                segmented = [d for _, d in photos]
                try:
                    segmented = pipeline.segment_batch(segmented)
                except BackendUnavailableError:
                    raise  # --batch-size without the package it needs: one clear error, not a silent fallback
                except Exception:  # noqa: BLE001 - a photo the batch refuses: each is segmented (and fails) on its own below
                    pass
                for (i, _), d in zip(photos, segmented, strict=True):
                    items[i] = (items[i][0], d)
            for job, item in items:
                if isinstance(item, FileOutcome):
                    writing.append(_done(item))
                else:
                    try:
                        result = pipeline(item, background=background, fit=options.fit, place=options.place, input_alpha=options.input_alpha)
                    except Exception as exc:  # every per-file failure is reported and the run goes on
                        writing.append(_done(FileOutcome(str(job.source), None, "failed", describe_failure(exc, job.source))))
                    else:
                        writing.append(writer.submit(_write, result, job, options))
                while writing and (len(writing) > prefetch or writing[0].done()):
                    yield _next_written(writing)
        while writing:
            yield _next_written(writing)
    except KeyboardInterrupt:
        # the files already handed over: the write in progress completes (atomically), the waiting ones are dropped;
        # the completed ones are reported before the interrupt goes on, so the summary counts every file on disk
        decoder.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True, cancel_futures=True)
        for finished in writing:
            if not finished.cancelled():
                yield finished.result()
        raise
    finally:
        decoder.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True, cancel_futures=True)
