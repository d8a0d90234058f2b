"""The ``studiocomp`` command line.

studiocomp composite photos/ --output out/ --background pink-white-1
studiocomp cutout shot.jpg --output out/
studiocomp demo --output out/
studiocomp eval --data data/studio_synth --preset studio --output eval/
studiocomp backends
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import InputError, StudiocompError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a Unix tool whose reader went away
EXIT_TERMINATED = 143  # 128 + SIGTERM: stopped by SIGTERM, cleanly (as on Ctrl-C: complete files only, the summary)


def _stdout_closed() -> int:
    """The reader of standard output went away (``studiocomp models | head -1``): stop quietly, the Unix way.

    The Python documentation's recipe (``signal`` module, "Note on SIGPIPE"): point standard output at
    ``/dev/null`` so that the interpreter's final flush does not raise again at exit.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind sys.stdout (embedded, captured): nothing left to flush there
        pass
    return EXIT_BROKEN_PIPE


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``docker stop``, Kubernetes, Slurm, ``kill``), raised where Ctrl-C would be: the same clean stop."""


_TERMINATED = threading.Event()


def _raise_terminated(signum: int, frame: Any) -> None:
    _TERMINATED.set()
    raise _Terminated


@contextlib.contextmanager
def _sigterm_as_interrupt(command: str | None) -> Iterator[None]:
    """Take SIGTERM as Ctrl-C for the length of a command (only where its handler is the default one).

    Every command already stops cleanly on ``KeyboardInterrupt``: threads stopped, temporary files
    removed, the summary printed. Python's default for SIGTERM is to die at once, with none of that.
    A program that set its own handler, or a call off the main thread, keeps what it has; so does
    ``serve``, whose server (uvicorn) shuts down gracefully on SIGTERM itself and logs JSON lines only.
    """
    if command == "serve" or threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    _TERMINATED.clear()
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _usage(message: str) -> int:
    print(f"studiocomp: error: {message}", file=sys.stderr)
    return EXIT_USAGE


class _Usage(Exception):
    """A bad option found while building the pipeline: a usage error, before any work."""


def parse_stage(kind: str, text: str, **extra: Any) -> Any:
    """A stage from ``NAME[:key=value,...]`` (``none`` drops the stage): :func:`studiocomp.registry.parse_stage`.

    Parameters
    ----------
    kind : str
        The stage kind (``"segmenter"``, …).
    text : str
        ``NAME`` or ``NAME:key=value,...``, or ``none``.
    **extra
        Further constructor options; they win over those in ``text``.

    Returns
    -------
    object or None
        The backend, or None for ``none``.

    Raises
    ------
    StudiocompError
        Unknown backend or bad options; a malformed option is an :class:`~studiocomp.InputError`.
    """
    from .registry import parse_stage as parse

    return parse(kind, text, **extra)


def _parse_light(text: str | None) -> dict[str, float]:
    """``--light AZ,EL`` as the shadow casters' options (empty without it); raises :class:`_Usage` on a bad value."""
    if not text:
        return {}
    try:
        azimuth, elevation = (float(v) for v in text.split(","))
    except ValueError:
        raise _Usage(f"--light expects AZIMUTH,ELEVATION in degrees, got {text!r}") from None
    if not (-360.0 <= azimuth <= 360.0 and 5.0 <= elevation <= 89.0):
        raise _Usage(f"--light expects an azimuth in [-360, 360] and an elevation in [5, 89] degrees, got {text!r}")
    return {"azimuth": azimuth, "elevation": elevation}


def _batch_spec(args: argparse.Namespace, kind: str) -> tuple[Any, Any]:
    """The pipeline the options describe (a picklable :class:`~studiocomp.cluster.PipelineSpec`) and the placement.

    The one description both a local run and a Dask run (``--scheduler``) build from; raises
    :class:`_Usage` on a bad option.
    """
    from .cluster import PipelineSpec

    stages: dict[str, str] = {}
    extra: dict[str, dict[str, Any]] = {}
    if getattr(args, "plate", None):
        # the studio segmenter with the plate as its backdrop model: the person models (when there) decide the
        # shape, so a plate that does not line up (a hand-held shot, parallax) cannot keep scenery in the cut-out;
        # they and the plate's keyer disagreeing is flagged. Without weights it is the plate keyer alone, as before.
        stages["segmenter"], extra["segmenter"] = "studio", {"plate": str(Path(args.plate).absolute())}
    for stage in ("segmenter", "matter"):
        if getattr(args, stage, None) is not None:
            stages[stage] = getattr(args, stage)
            extra.pop(stage, None)
    place = None
    if kind == "cutout":  # a cut-out needs neither light nor shadow
        stages.update(relighter="none", shadow_caster="none", compositor="alpha-over")
    else:
        if args.relighter is not None:
            stages["relighter"] = args.relighter
        light = _parse_light(args.light)
        shadow = args.shadow if args.shadow is not None else ("cast" if light else None)
        if shadow is not None:
            stages["shadow_caster"] = shadow
            if light:  # the shadow casters' light options; a caster without them refuses them (no option that does nothing)
                extra["shadow_caster"] = light
        off = ({"grain": False} if args.no_grain else {}) | ({"sharpness": False} if args.no_sharpen else {}) | ({"light_wrap": 0.0} if args.no_light_wrap else {})
        if args.compositor is not None or off:  # the presets' compositor with those steps off
            stages["compositor"] = args.compositor or "matched"
            if off:
                extra["compositor"] = off
        if args.place is not None or args.horizon is not None or args.visible_height is not None:
            from .placement import Placement

            try:
                base = Placement.parse(args.place or "auto")
                place = Placement(
                    feet=base.feet, height=base.height, horizon=args.horizon, subject_height=args.subject_height, camera_height=args.camera_height, visible_height=args.visible_height
                )
            except StudiocompError as exc:
                raise _Usage(str(exc)) from None
        if args.fit == "none" and place is None:
            raise _Usage(
                "--fit none keeps the background's own size, so the subject must be laid into it: add --place (auto or X,Y), "
                "or fit the background to the photo with --fit cover, contain or stretch"
            )
    spec = PipelineSpec(args.preset, stages, extra, _weights(args), getattr(args, "device", None))
    return spec, place


def _check_background(background: Any, fit: Any, place: Any) -> None:
    """Load the background once, before the first image, and check the options that depend on it alone; raises :class:`_Usage`.

    The image is decoded through the process's background cache (:data:`studiocomp.prepared.CACHE`), so the
    run reuses it. A file's sidecar (``NAME.studiocomp.json``) is read and checked against the image once
    (:meth:`studiocomp.prepared.BackgroundInfo.check`, as the pipeline and the service do), naming the
    sidecar and the field. With ``--fit none`` (the default with ``--place``) the composite has the
    background's own size, so the feet given to ``--place X,Y`` must lie on it.
    """
    from .backgrounds import resolve_background
    from .prepared import read_info, sidecar_path

    try:
        bg = resolve_background(background, 16, 16, "none")  # a file: its own size, decoded once; a preset: a tiny render
    except StudiocompError as exc:
        raise _Usage(f"--background: {exc}") from None
    is_file = isinstance(background, (str, os.PathLike)) and os.path.isfile(background)
    if not is_file:
        return
    try:
        info = read_info(background, check=True)  # a bad sidecar would fail every photo after its segmentation
    except StudiocompError as exc:
        raise _Usage(f"--background {background}: bad sidecar: {exc}") from None
    feet = getattr(place, "feet", None)
    if feet is not None and (fit or "none") == "none":
        bh, bw = bg.shape[:2]
        x, y = feet
        try:
            (info.placement(place) if info is not None else place).validate((bh, bw), name="--place")
        except InputError as exc:
            sidecar = place.horizon is None and info is not None and info.horizon is not None
            where = f" (the horizon is the sidecar's, {sidecar_path(background)}: correct it there or give --horizon ROW)" if sidecar else ""
            raise _Usage(f"--place {x:g},{y:g}: expected {exc.expected}, got {exc.got}{where}") from None


def _pixel_limit() -> None:
    """Read ``STUDIOCOMP_MAX_PIXELS`` once, before any file (a bad value is one usage error, not a failure per file); raises :class:`_Usage`."""
    from .image import pixel_limit

    try:
        pixel_limit()
    except StudiocompError as exc:
        raise _Usage(str(exc)) from None


def _note_missing_models(pipe: Any) -> None:
    """Say once, before any file, when a stage runs without models it asked for (never silently worse)."""
    missing = pipe.missing_models
    if missing:
        print(
            f"studiocomp: note: model weights not available: {', '.join(missing)}; the pipeline runs without them "
            "(the studio segmenter: the backdrop keyer alone, much worse on real photos). "
            "Get them with 'studiocomp models fetch', 'studiocomp models import PATH' or --weights NAME=PATH.",
            file=sys.stderr,
        )


def _batch_pipeline(args: argparse.Namespace, kind: str) -> tuple[Any, Any, Any]:
    """The preset with the options' stages, the placement and the background; raises :class:`_Usage`."""
    spec, place = _batch_spec(args, kind)
    return spec.build(), place, (args.background if kind == "composite" else "white")


def _run_stream(args: argparse.Namespace, kind: str) -> int:
    """One image from stdin (``-``) or a file, to stdout (``-o -``) or a folder: for shell pipes."""
    import tempfile

    from .batch import NOTED_WARNINGS, describe_failure, save_mask
    from .image import save_image

    if len(args.inputs) != 1:
        return _usage("'-' (stdin) and '-o -' (stdout) take exactly one input")
    source = args.inputs[0]
    if source != "-" and Path(source).is_dir():
        return _usage(f"'-o -' writes one image to standard output: give one image file, not the folder {source} (or an output folder with -o DIR)")
    if source == "-":
        data: Any = sys.stdin.buffer.read()
        if not data:
            return _usage("nothing on standard input")
        name = "stdin"
    else:
        data, name = Path(source), Path(source).stem
    try:
        _pixel_limit()
        pipe, place, background = _batch_pipeline(args, kind)
        if kind == "composite":
            _check_background(background, args.fit, place)
        _note_missing_models(pipe)
    except _Usage as exc:
        return _usage(str(exc))
    try:
        result = pipe(data, background=background, fit=args.fit, place=place, input_alpha=args.input_alpha)
    except StudiocompError as exc:
        print(f"studiocomp: failed: {source}: {describe_failure(exc, Path(source))}", file=sys.stderr)
        return EXIT_FAILED
    suffix = ".png" if kind == "cutout" or args.only_mask else f".{args.format}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}{suffix}" if args.output == "-" else Path(args.output) / f"{name}{suffix}"
        if args.only_mask:
            save_mask(out, result)
        elif kind == "cutout":
            save_image(out, result.foreground, result.alpha)
        else:
            save_image(out, result.composite, quality=getattr(args, "quality", 95))
        if args.output == "-":
            sys.stdout.buffer.write(out.read_bytes())
            sys.stdout.buffer.flush()
    for w in result.warnings:
        if w.uncertain:
            print(f"studiocomp: uncertain: {source}: {w}", file=sys.stderr)
        elif w.code in NOTED_WARNINGS:
            print(f"studiocomp: note: {source}: {w}", file=sys.stderr)
    return EXIT_FAILED if result.uncertain and args.fail_uncertain else EXIT_OK


def _missing_inputs(inputs: Sequence[str]) -> list[str]:
    """``"PATH: no such file or folder"`` (or ``": a broken symbolic link"``) for each input that is not there.

    Only a path that does not exist counts (a mistyped name: a usage error, found before any folder is made);
    one that cannot be read is left to the run, which reports it with its cause.
    """
    missing: list[str] = []
    for raw in inputs:
        if raw == "-":
            continue
        try:
            os.stat(raw)
        except (FileNotFoundError, NotADirectoryError):
            missing.append(f"{raw}: {'a broken symbolic link' if os.path.islink(raw) else 'no such file or folder'}")
        except OSError:
            pass
    return missing


def _no_inputs_found(batch: Any) -> str:
    """Why a folder run found nothing to do: the files that are not images, and the subfolders not searched that hold images."""
    from .batch import holds_images

    why: list[str] = []
    if batch.not_images:
        n = len(batch.not_images)
        shown = ", ".join(Path(f).name for f in batch.not_images[:3]) + (f" and {n - 3} more" if n > 3 else "")
        why.append(f"{n} {'files that are not images' if n > 1 else 'file that is not an image'}: {shown}")
    with_images = [s for s in batch.subfolders if holds_images(s)]
    if with_images:
        shown = ", ".join(with_images[:3]) + (", …" if len(with_images) > 3 else "")
        why.append(f"images in {len(with_images)} subfolder{'s' if len(with_images) > 1 else ''} not searched: {shown}; add -r/--recursive to take them")
    elif batch.subfolders:
        why.append(f"{len(batch.subfolders)} subfolder{'s' if len(batch.subfolders) > 1 else ''} without images")
    return "studiocomp: no input files found" + (f" ({'; '.join(why)})" if why else "")


def _new_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first (what ``mkdir(parents=True)`` creates)."""
    new: list[Path] = []
    p = folder.absolute()
    while not os.path.lexists(p) and p != p.parent:
        new.append(p)
        p = p.parent
    return new


def _drop_new_folders(created: list[Path]) -> bool:
    """Remove the folders a run created (:func:`_new_folders`) when it wrote nothing into them; True when the output folder is gone.

    Empty folders below the output folder (made for outputs that then failed) go too: all of them are this
    run's, since the output folder itself is. A folder that existed before the run is never touched.
    """
    if not created:
        return False
    try:
        with os.scandir(created[0]) as entries:
            if any(not e.is_dir(follow_symlinks=False) for e in entries):
                return False  # outputs were written: nothing to look for (a big run's tree is not walked)
    except OSError:
        return not os.path.lexists(created[0])
    for folder, _, _ in os.walk(created[0], topdown=False):
        try:
            os.rmdir(folder)  # only an empty folder: a file written into it (by this run or anyone) keeps it
        except OSError:
            pass
    for parent in created[1:]:
        try:
            os.rmdir(parent)
        except OSError:
            break
    return not os.path.lexists(created[0])


def _run_batch(args: argparse.Namespace, kind: str) -> int:
    from .batch import IMAGE_SUFFIXES, plan

    scheduler = getattr(args, "scheduler", None)
    missing = _missing_inputs(args.inputs)
    if missing:  # a mistyped path: nothing is processed and no output folder is made
        return _usage("; ".join(missing))
    if "-" in args.inputs or args.output == "-":
        if scheduler:
            return _usage("--scheduler runs folders and files, not '-' (standard input or output)")
        return _run_stream(args, kind)
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        return _usage(f"--output {out_dir} is a file, not a folder")
    if not out_dir.exists() and out_dir.suffix.lower() in IMAGE_SUFFIXES:
        # a new "result.png" would become a folder of that name: say so before anything is made
        return _usage(
            f"--output {out_dir} looks like an image file, but -o takes a folder (the results are named after the inputs);"
            f" for one image into a file of your own name use -o - and redirect it: -o - > {out_dir.name}"
        )
    quality = getattr(args, "quality", 95)
    if not 1 <= quality <= 100:
        return _usage(f"--quality expects 1–100, got {quality}")
    if getattr(args, "depth", "auto") == "16" and args.format not in ("png", "tif"):
        return _usage(f"--depth 16 needs --format png or tif, not {args.format}")
    try:
        _pixel_limit()
    except _Usage as exc:
        return _usage(str(exc))
    suffix = ".png" if kind == "cutout" or args.only_mask else f".{args.format}"
    batch = plan(args.inputs, out_dir, suffix=suffix, recursive=args.recursive)
    if not batch.jobs and not batch.failures:
        print(_no_inputs_found(batch), file=sys.stderr)
        return EXIT_USAGE
    background = args.background if kind == "composite" else "white"
    try:
        spec, place = _batch_spec(args, kind)
        if kind == "composite":  # a bad --background or --place is one usage error, before the first image
            _check_background(background, args.fit, place)
    except _Usage as exc:
        return _usage(str(exc))
    if scheduler:  # a mistyped backend or a wrong --weights file: one error, as on one machine, before a cluster starts
        spec.check()
    created = _new_folders(out_dir)
    try:  # the output folder, before any work (not after each image failed to be written)
        out_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(out_dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        _drop_new_folders(created)
        return _usage(f"--output {out_dir}: cannot write there ({exc.strerror or exc})")
    try:
        return _run_planned(args, kind, batch, spec, place, background, quality, created)
    finally:  # a folder this run made and wrote nothing into is not left behind (nor on an error or interrupt)
        _drop_new_folders(created)


def _run_planned(args: argparse.Namespace, kind: str, batch: Any, spec: Any, place: Any, background: Any, quality: int, created: list[Path]) -> int:
    """A folder run whose inputs, options and output folder have been checked: process the jobs, report; returns the exit status."""
    import contextlib

    from ._atomic import remove_orphans
    from .batch import BatchOptions, run_jobs
    from .progress import Progress

    scheduler = getattr(args, "scheduler", None)
    out_dir = Path(args.output)
    pipe: Any = None if scheduler else spec.build()  # on a cluster, each worker builds it
    if pipe is not None:
        _note_missing_models(pipe)
    options = BatchOptions(
        kind=kind,  # type: ignore[arg-type]
        background=background,
        fit=args.fit,
        place=place,
        input_alpha=args.input_alpha,
        only_mask=args.only_mask,
        layers=getattr(args, "layers", None),
        depth=getattr(args, "depth", "auto"),
        quality=quality,
        skip_existing=args.skip_existing,
    )
    remove_orphans(out_dir)  # temporary files of earlier runs that were killed mid-write
    failures = list(batch.failures)
    done = skipped = 0
    uncertain: list[tuple[str, str]] = []
    placed: set[str] = set()  # the uncertain files whose doubts are all about the placement, none about the cut-out
    notes: list[tuple[str, str]] = []
    started = time.perf_counter()
    show = None if args.progress == "auto" else args.progress == "on"
    interrupted = False
    with contextlib.ExitStack() as stack, Progress(len(batch.jobs), kind, enabled=show) as bar:
        try:
            if scheduler:  # the same files, options and pipeline, on a Dask cluster's workers
                from .cluster import connect, process_on_cluster

                outcomes: Any = process_on_cluster(stack.enter_context(connect(scheduler)), batch.jobs, spec, options)
                stack.callback(outcomes.close)
            else:
                # the next files decode and the previous ones are written while the pipeline runs (same outputs as one by one)
                outcomes = run_jobs(pipe, batch.jobs, options, prefetch=args.prefetch, batch_size=args.batch_size)
                stack.callback(outcomes.close)
            for outcome in outcomes:
                if outcome.status == "failed":
                    failures.append((outcome.source, outcome.reason))
                elif outcome.status == "uncertain":
                    uncertain.append((outcome.source, outcome.reason))
                    if outcome.placement_only:
                        placed.add(outcome.source)
                elif outcome.status == "skipped":
                    skipped += 1
                else:
                    done += 1
                if outcome.notes:
                    notes.append((outcome.source, outcome.notes))
                bar.advance(Path(outcome.source).name)
        except KeyboardInterrupt:
            interrupted = True
    elapsed = time.perf_counter() - started
    order = {str(job.source): i for i, job in enumerate(batch.jobs)}  # a cluster finishes files out of order
    failures = failures[: len(batch.failures)] + sorted(failures[len(batch.failures) :], key=lambda f: order.get(f[0], -1))
    uncertain.sort(key=lambda f: order.get(f[0], -1))
    notes.sort(key=lambda f: order.get(f[0], -1))
    dropped = _drop_new_folders(created)
    return _report(kind, out_dir, elapsed, done, skipped, uncertain, failures, batch.not_images, interrupted, args.fail_uncertain, notes, batch.subfolders, dropped, placed)


def _report(
    kind: str,
    out_dir: Path,
    elapsed: float,
    done: int,
    skipped: int,
    uncertain: list[tuple[str, str]],
    failures: list[tuple[str, str]],
    not_images: list[str],
    interrupted: bool,
    fail_uncertain: bool,
    notes: list[tuple[str, str]] | None = None,
    subfolders: list[str] | None = None,
    dropped: bool = False,
    placed: set[str] | None = None,
) -> int:
    """Print a folder run's summary and per-file lines on stderr; returns the exit status.

    ``subfolders`` are those not searched (without ``-r``); only those holding images are counted and
    listed (``-r`` would take nothing from the others). ``dropped`` says the output folder, new and
    left empty, was removed. ``placed`` names the uncertain files whose doubts are all about the
    placement (:data:`studiocomp.placement.WARNING_CODES`): counted and listed apart from doubts about
    the cut-out, so that a studio can look at the cut-outs first.
    """
    from .batch import holds_images

    subfolders = [s for s in subfolders or [] if holds_images(s)]
    unsearched = f", {len(subfolders)} subfolder{'s' if len(subfolders) > 1 else ''} with images not searched (use -r/--recursive)" if subfolders else ""
    where = f"{out_dir} (nothing written: the new folder was not kept)" if dropped else str(out_dir)
    # the uncertain files were written too: counted in "written" and apart within it, named on their own lines below
    placed = placed or set()
    look = f"look at {'it' if len(uncertain) == 1 else 'them'}, listed below"
    if placed:  # the cut-out doubts apart from those about where and how large the subject was laid in
        split = f"{len(uncertain) - len(placed)} for the cut-out, {len(placed)} for the placement only"
        doubts = f" ({len(uncertain)} uncertain: {split}; {look})"
    else:
        doubts = f" ({len(uncertain)} uncertain: {look})" if uncertain else ""
    print(
        f"{kind}: {done + len(uncertain)} written{doubts}, {len(failures)} failed, {skipped} skipped (already there), "
        f"{len(not_images)} skipped (not images){unsearched} in {elapsed:.1f} s → {where}",
        file=sys.stderr,
    )
    for name, reason in sorted(uncertain, key=lambda item: item[0] in placed):  # the cut-outs first, in input order
        print(f"  uncertain{' (placement)' if name in placed else ''}: {name}: {reason}", file=sys.stderr)
    for name, note in notes or []:
        print(f"  note: {name}: {note}", file=sys.stderr)
    for name, reason in failures:
        print(f"  failed: {name}: {reason}", file=sys.stderr)
    for name in not_images:
        print(f"  skipped (not an image): {name}", file=sys.stderr)
    for name in subfolders:
        print(f"  not searched (a subfolder with images; -r/--recursive takes it): {name}", file=sys.stderr)
    if interrupted:
        print("interrupted: files written so far are complete; nothing is half-written. To go on where it stopped, run the same "
              "command again with --skip-existing (it leaves every output already there as it is)", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failures or (uncertain and fail_uncertain) else EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    paths = run_demo(Path(args.output), size=(args.height, args.width))
    for p in paths:
        print(p)
    return EXIT_OK


def _describe_info(info: Any) -> str:
    """One line of a sidecar's values for ``studiocomp backgrounds list``; a missing value is "not set"."""

    def val(v: float | None, unit: str = "") -> str:
        return "not set" if v is None else f"{v:g}{unit}"

    lt = info.light
    if lt.azimuth is None and lt.elevation is None:
        light = "not set"
    elif lt.azimuth is None or lt.elevation is None:  # the cast shadow measures the other in the scene, or takes its default
        given, missing = (f"azimuth {lt.azimuth:g}°", "elevation") if lt.elevation is None else (f"elevation {lt.elevation:g}°", "azimuth")
        light = f"{given} only (partial, {lt.source}: the {missing} is measured in the scene, else the default)"
    else:
        light = f"azimuth {lt.azimuth:g}°, elevation {lt.elevation:g}° ({lt.source})"
    feet = "not set" if info.feet is None else f"({info.feet[0]:g}, {info.feet[1]:g})"
    return (
        f"horizon {val(info.horizon)}, floor line {val(info.floor_line)}, light {light}, camera {val(info.camera_height, ' m')}, "
        f"floor scale {val(info.floor_scale, ' px/m')}, place feet {feet}, subject {val(info.subject_height, ' m')}"
    )


def _cmd_backgrounds(args: argparse.Namespace) -> int:
    """List, show, create or refresh prepared-background sidecars (``NAME.studiocomp.json``)."""
    import json

    from .prepared import SIDECAR_SUFFIX, prepare, read_info, sidecar_path, write_info

    if args.action == "list":
        kinds = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}
        images = [f for f in sorted(Path(args.path).iterdir()) if f.is_file() and f.suffix.lower() in kinds and not f.name.endswith(SIDECAR_SUFFIX)]
        for f in images:
            try:
                info = read_info(f)
            except StudiocompError as exc:
                print(f"{f.name}: bad sidecar: {exc}")
                continue
            if info is None:
                print(f"{f.name}: not prepared")
                continue
            print(f"{f.name}: {_describe_info(info)}")
            try:
                read_info(f, check=True)  # the check composite makes before the first photo
            except StudiocompError as exc:
                print(f"  cannot work with this image: {exc}")
        return EXIT_OK
    path = Path(args.path)
    if not path.is_file():
        print(f"studiocomp: error: {path}: no such image file", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "show":
        info = read_info(path)
        if info is None:
            print(f"{path.name} has no sidecar ({sidecar_path(path).name}); make one with: studiocomp backgrounds create {path}", file=sys.stderr)
            return EXIT_FAILED
        print(json.dumps(info.to_json(), indent=2))
        return EXIT_OK
    if args.action == "refresh":  # the values kept, the stamp (the image's size and SHA-256) renewed
        try:
            info = read_info(path)
        except StudiocompError as exc:
            print(f"studiocomp: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if info is None:
            print(f"studiocomp: error: {path.name} has no sidecar ({sidecar_path(path).name}); make one with: studiocomp backgrounds create {path}", file=sys.stderr)
            return EXIT_USAGE
        out = write_info(path, info)
        try:
            read_info(path, check=True)
        except StudiocompError as exc:  # stamped now, but a value still does not fit the image
            print(f"studiocomp: warning: {out} still cannot work with this image: {exc}", file=sys.stderr)
        print(f"wrote {out}: its values kept, stamped for {path.name} as it is now", file=sys.stderr)
        return EXIT_OK
    if sidecar_path(path).exists() and not args.force:
        print(f"studiocomp: error: {sidecar_path(path)} exists (--force replaces it)", file=sys.stderr)
        return EXIT_USAGE
    info = prepare(path, camera_height=args.camera_height)
    out = write_info(path, info)
    print(json.dumps((read_info(path) or info).to_json(), indent=2))
    found = "measured on the scene's cast shadows" if info.light.source == "shadows" else "NOT found in the scene: the default light"
    print(
        f"wrote {out}: light {found}; horizon and floor line are not estimated — fill them in (without a horizon a placed subject's size is a guess, flagged size-guessed)",
        file=sys.stderr,
    )
    return EXIT_OK


def _cmd_backends(args: argparse.Namespace) -> int:
    from .hub import MODELS
    from .pipeline import PRESETS
    from .registry import backend_factory, builtin_backends, list_backends

    # a built-in backend that offers copyleft weights says so here too (its class names its hub model);
    # plug-ins are listed without importing them
    notes: dict[str, str] = {}
    for kind, names in builtin_backends().items():
        for name in names:
            spec = MODELS.get(getattr(backend_factory(kind, name), "model", ""), None)
            if spec is not None and spec.copyleft:
                notes[f"{kind}.{name}"] = f" ({spec.license} weights)"
    for kind, names in list_backends().items():
        shown = [name + notes.get(f"{kind}.{name}", "") for name in names]
        print(f"{kind:<14} {', '.join(shown) if shown else '(none yet)'}")
    print(f"{'presets':<14} {', '.join(sorted(PRESETS))}")
    return EXIT_OK


def _cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .pipeline import Pipeline

    progress = {"auto": None, "on": True, "off": False}[args.progress]
    stages: dict[str, Any] = {}
    for stage in ("segmenter", "matter"):
        choice = getattr(args, stage)
        if choice is not None:
            stages[stage] = parse_stage(stage, choice)
    pipeline = Pipeline.preset(args.preset, **stages)
    report = evaluate(args.data, pipeline, output=args.output, limit=args.limit, tolerance=args.tolerance, trimap=args.trimap, background=args.background, gallery=args.gallery, progress=progress)
    print(report.table(), end="")
    for f in report.files:
        print(f)
    return EXIT_FAILED if report.failures else EXIT_OK


def _in_cache(spec: Any) -> bool:
    """True when the model's file is in the local hub cache at its pinned revision (a look-up, no download, no sha256)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(spec.repo_id, spec.filename, revision=spec.revision)
    return isinstance(found, str)


def _cmd_models(args: argparse.Namespace) -> int:
    from . import hub

    action = args.action or "list"
    if action == "list":
        print(f"{'name':<30} {'framework':<9} {'license':<13} {'size':>9}  {'cached':<6}  task")
        for spec in hub.list_models():
            size = f"{spec.size / 1e6:.1f} MB" if spec.size else "?"
            flag = "  (copyleft: may require your software to be GPL)" if spec.copyleft else ""
            print(f"{spec.name:<30} {spec.framework:<9} {spec.license:<13} {size:>9}  {'yes' if _in_cache(spec) else 'no':<6}  {spec.task}{flag}")
        print(
            "\ncached: the file is in the local hub cache (not checked; studiocomp models verify checks the sha256)."
            "\nstudiocomp models fetch NAME… downloads and checks; studiocomp models verify NAME… checks the local cache only;"
            "\nstudiocomp models import PATH… puts weight files you have (or every one in a folder and its subfolders) into the cache (then every preset finds them)."
        )
        return EXIT_OK
    if action == "import":
        return _import_models(args.names, link=args.link)
    specs = [hub.get_spec(n) for n in args.names]  # unknown names: usage error before any download
    if not specs and action == "verify":  # verify with no names: every model, cache only
        specs = list(hub.list_models())
    if not specs:
        print("studiocomp: error: name at least one model (see: studiocomp models)", file=sys.stderr)
        return EXIT_USAGE
    failed = 0
    for spec in specs:
        try:
            path = hub.fetch(spec, local_only=action == "verify")
        except StudiocompError as exc:
            failed += 1
            print(f"{spec.name}: FAILED: {exc}", file=sys.stderr)
            continue
        check = "sha256 ok" if spec.sha256 else "sha256 not pinned (no reference file was available)"
        print(f"{spec.name}: {path} ({check}; license {spec.license})")
    return EXIT_FAILED if failed else EXIT_OK


def _weight_files(folder: Path, kinds: set[str]) -> tuple[list[Path], int]:
    """The files in ``folder`` and its subfolders whose suffix is one of ``kinds`` (sorted), and how many others there are.

    Hidden files and folders (``.git``, ``.cache`` …) are left out; linked folders are not followed (no loops).
    """
    found: list[Path] = []
    skipped = 0
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for n in names:
            if n.startswith("."):
                continue
            f = Path(root) / n
            if f.suffix.lower() in kinds and f.is_file():
                found.append(f)
            else:
                skipped += 1
    return sorted(found), skipped


def _import_models(names: list[str], *, link: bool) -> int:
    """``studiocomp models import PATH... | FILE NAME``: each file (a folder: the weight files in it and its subfolders) into the hub cache, each on its own.

    Each import is atomic (:func:`studiocomp.hub.import_file`): a bad file is reported and the others are still
    imported; the exit status is 1 when any failed, 2 when nothing was given or a NAME is unknown.
    """
    from . import hub

    name = None
    # FILE NAME (the old form): a second word that is no path on disk and looks like a model name, not a file name
    if len(names) == 2 and not os.path.exists(names[1]) and os.sep not in names[1] and not Path(names[1]).suffix:
        hub.get_spec(names[1])  # unknown name: usage error
        names, name = names[:1], names[1]
    if not names:
        print("studiocomp: error: models import takes weight files and/or folders of them (or FILE NAME when the sha256 is not pinned)", file=sys.stderr)
        return EXIT_USAGE
    kinds = {Path(spec.filename).suffix for spec in hub.list_models()}  # .onnx, .pth, .pt
    files: list[Path] = []
    imported = failed = 0
    for given in names:
        path = Path(given).expanduser()
        if path.is_dir():
            inside, skipped = _weight_files(path, kinds)
            others = f" ({skipped} other file{'s' * (skipped != 1)} skipped)" if skipped else ""
            if not inside:
                print(f"{path}: FAILED: no weight files ({', '.join(sorted(kinds))}) in this folder or its subfolders{others}", file=sys.stderr)
                failed += 1
            else:
                shown = ", ".join(str(f.relative_to(path)) for f in inside)
                print(f"{path}: {len(inside)} weight file{'s' * (len(inside) != 1)} found: {shown}{others}", file=sys.stderr)
            files.extend(inside)
        else:
            files.append(path)
    for file in files:
        try:
            placed = hub.import_file(file, name, link=link)
        except StudiocompError as exc:
            failed += 1
            print(f"{file}: FAILED: {exc}", file=sys.stderr)
            continue
        imported += 1
        found = hub.find_spec(hub.sha256_of(placed)) if name is None else hub.get_spec(name)
        label = found.name if found is not None else name
        check = "sha256 ok" if found is not None and found.sha256 else "sha256 not pinned (not checked)"
        print(f"{label}: {placed} ({check}; {'linked to' if link else 'copied from'} {file})")
    if len(files) > 1 or failed:
        print(f"models import: {imported} imported, {failed} failed", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 0, got {value}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {value}")
    return value


def _add_batch_options(p: argparse.ArgumentParser, *, composite: bool) -> None:
    from .backgrounds import PRESETS as BG
    from .pipeline import PRESETS

    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files and/or folders of images; '-' reads one image from standard input")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the results (created if missing; inputs are never overwritten); '-' writes one image to standard output")
    p.add_argument("--preset", default="studio", choices=sorted(PRESETS), help="ready-made pipeline (default: %(default)s, person models + backdrop model; the backdrop keyer alone without weights)")
    p.add_argument(
        "--plate",
        metavar="PATH",
        help="photo of the empty backdrop from the same position (clean plate): the backdrop model of the studio segmenter; the person models still decide the shape",
    )
    stage_help = "replace the preset's {}: NAME[:key=value,...] (see: studiocomp backends), or 'none'"
    p.add_argument("--segmenter", metavar="SPEC", help=stage_help.format("segmenter") + ", e.g. studio:prior=None")
    p.add_argument("--matter", metavar="SPEC", help=stage_help.format("matter") + ", e.g. modnet:resolution=768")
    p.add_argument("--only-mask", action="store_true", help="write only the subject's mask (alpha as a 16-bit grey PNG, white = subject)")
    if composite:
        p.add_argument(
            "--background",
            default="white",
            metavar="PRESET|PATH",
            help=f"new background: a preset ({', '.join(BG)}; also grad, gray, pink), '#rrggbb', or an image file (default: %(default)s)",
        )
        p.add_argument(
            "--relighter",
            "--relight",
            dest="relighter",
            metavar="SPEC",
            help="carry the new background's light over to the subject (default: the preset's, illuminant; histogram and reinhard match its colours instead; none)",
        )
        p.add_argument("--compositor", metavar="SPEC", help=stage_help.format("compositor") + ", e.g. alpha-over or matched:light_wrap=0")
        p.add_argument("--no-grain", action="store_true", help="do not add the background's grain to a cleaner subject")
        p.add_argument("--no-sharpen", action="store_true", help="do not match the subject's sharpness to the background's")
        p.add_argument("--no-light-wrap", action="store_true", help="do not let the background's light wrap around the subject's edge")
        p.add_argument("--shadow", metavar="SPEC", help="floor shadow caster when the feet are in the frame: cast, contact or none, with options (default: the preset's, cast)")
        p.add_argument(
            "--light", metavar="AZ,EL", help="light direction for the cast shadow, degrees: azimuth (0 front, 90 right, 180 behind, 270 left), elevation; default: estimated from the background"
        )
        p.add_argument(
            "--place",
            metavar="auto|X,Y[,H]",
            help="lay the subject into the background's frame: 'auto' (centred, feet 92%% down the frame, with or without a horizon, as a new sidecar's place), "
            "or its feet at X,Y and H pixels tall; default: where it is in the photo",
        )
        p.add_argument(
            "--horizon",
            type=float,
            metavar="ROW",
            help="the background's horizon row: the placed subject's height follows perspective (without --place it is placed as with --place auto, as --light brings the cast shadow)",
        )
        p.add_argument("--subject-height", type=float, default=1.7, metavar="M", help="the real height of a whole standing subject for --horizon, every file of the run (default: %(default)s)")
        p.add_argument(
            "--visible-height",
            type=float,
            metavar="M",
            help="for subjects cut by their photo's bottom or top edge only (busts): the real height of what is visible, e.g. 0.6; whole subjects ignore it",
        )
        p.add_argument("--camera-height", type=float, default=1.5, metavar="M", help="the camera's height above the floor for --horizon (default: %(default)s)")
        p.add_argument("--layers", choices=["png", "tiff"], help="also write background, shadow, subject and composite as 16-bit layers in NAME_layers/")
        p.add_argument("--format", default="png", choices=["png", "jpg", "tif", "webp"], help="output file format (default: %(default)s)")
        p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality 1–100 (default: %(default)s)")
        p.add_argument("--depth", default="auto", choices=["auto", "8", "16"], help="bits per channel of the composite: auto keeps a 16-bit input's depth in PNG/TIFF (default: %(default)s)")
        p.add_argument(
            "--fit",
            choices=["cover", "contain", "stretch", "none"],
            help="how an image background is fitted: cover crops, contain pads, none keeps its size (default: cover; none with --place)",
        )
    else:
        p.set_defaults(
            depth="auto", fit=None, relighter=None, shadow=None, compositor=None, light=None, place=None, horizon=None, visible_height=None, no_grain=False, no_sharpen=False, no_light_wrap=False
        )
    p.add_argument("-r", "--recursive", action="store_true", help="also take images in subfolders")
    p.add_argument("--skip-existing", action="store_true", help="leave outputs that already exist untouched: resumes an interrupted run (it does not check that they were made with the same options)")
    p.add_argument("--fail-uncertain", action="store_true", help="exit with status 1 when any image was flagged uncertain (it is still written)")
    p.add_argument(
        "--input-alpha",
        default="cutout",
        choices=["cutout", "hint", "ignore"],
        help="an input that is already transparent: its alpha is the cut-out (default), the mask for the matter (hint), or ignored (an opaque photo)",
    )
    p.add_argument("--progress", default="auto", choices=["auto", "on", "off"], help="progress bar on stderr (auto: only on a terminal)")
    p.add_argument(
        "--prefetch",
        type=_non_negative_int,
        default=2,
        metavar="N",
        help="files decoded ahead of the pipeline, and results waiting to be written, on two threads (default: %(default)s; 0: one file at a time, on one thread)",
    )
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=1,
        metavar="N",
        help="segment N photos in one model call where the segmenter can (u2netp, selfie; needs the onnx package). Same masks; on CPU it does not pay, see docs/performance.md (default: %(default)s)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS|local[:N]",
        help="process the files on a Dask cluster: its scheduler's address (tcp://host:8786; the workers read the inputs and write the outputs on "
        'storage they share with this machine, at the same paths), or local:N for N worker processes here. Needs: pip install "studiocomp[dask]"',
    )


def _cmd_video(args: argparse.Namespace) -> int:
    """``studiocomp video IN -o OUT``: one clip, streaming (see studiocomp.video.run)."""
    from .video.stream import check_outputs, run
    from .video.track import SubjectTracker

    # every output path and --fps first: before any model loads or any frame is decoded (InputError: exit 2)
    named = (("composite", args.output), ("alpha", args.alpha), ("cutout", args.cutout))
    try:
        check_outputs(args.input, {name: Path(v) for name, v in named if v is not None}, args.fps)
    except StudiocompError as exc:
        return _usage(("--" if getattr(exc, "argument", None) == "fps" else "") + str(exc))
    if args.warmup is not None and args.warmup < 0:
        return _usage(f"--warmup expects a number of frames, 0 or more, got {args.warmup}")
    matter: Any = None if args.matter is None else args.matter
    pipeline = None
    shadow: dict[str, Any] = {}
    if args.light or args.shadow:
        try:
            light = _parse_light(args.light)
        except _Usage as exc:
            return _usage(str(exc))
        try:
            shadow["shadow_caster"] = None if args.shadow == "none" else parse_stage("shadow_caster", args.shadow or "cast", **light)
        except StudiocompError as exc:
            return _usage(f"--light/--shadow: {exc}")
    if args.preset is not None or shadow:
        from .pipeline import Pipeline
        from .registry import create
        from .video.stream import temporal_matter

        # --light/--shadow without a preset: the plain composite plus that shadow (no relighting)
        plain = {} if args.preset is not None else {"relighter": None, "compositor": create("compositor", "alpha-over")}
        pipeline = Pipeline.preset(args.preset or "studio", segmenter=None, matter=temporal_matter(matter, stabilise=args.stabilise), **(plain | shadow))
    track: Any = True
    if args.point is not None or args.box is not None:
        from .video.io import read_info

        option, text, count = ("--point", args.point, 2) if args.point is not None else ("--box", args.box, 4)
        try:
            values = tuple(float(v) for v in text.split(","))
        except ValueError:
            values = ()
        if len(values) != count:
            return _usage(f"{option} expects {'X,Y' if count == 2 else 'X0,Y0,X1,Y1'} in pixels of the first frame, got {text!r}")
        info = read_info(args.input)  # the frame size, before any model loads or any output is opened
        try:
            track = SubjectTracker(point=values) if count == 2 else SubjectTracker(box=values)  # type: ignore[arg-type]
            track.check_frame(info.width, info.height)
        except StudiocompError as exc:
            return _usage(f"{option}: {exc}")
    elif args.everyone:
        track = False
    progress = {"auto": sys.stderr.isatty(), "on": True, "off": False}[args.progress]
    try:
        result = run(
            args.input,
            args.output,
            background=args.background,
            matter=matter if pipeline is None else None,
            pipeline=pipeline,
            alpha_out=args.alpha,
            cutout_out=args.cutout,
            track=track,
            stabilise=args.stabilise,
            **({} if args.warmup is None else {"warmup": args.warmup}),
            fps=args.fps,
            audio=not args.no_audio,
            progress=progress,
        )
    except KeyboardInterrupt:  # run() has stopped its threads and removed every temporary output
        print("\nstudiocomp: interrupted: nothing written (the partial outputs were removed)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except StudiocompError as exc:
        if getattr(exc, "argument", None) in ("box", "point"):  # no one there on the first frame: name the option
            return _usage(f"--{exc}")
        raise
    for name, path in result.outputs.items():
        print(f"{name}: {path}")
    doubts = [w for w in result.warnings if w.uncertain]
    flagged = f", uncertain (written; look at it): {len(doubts)} warning{'s' if len(doubts) > 1 else ''}" if doubts else ""
    print(f"{result.frames} frames in {result.seconds:.1f} s ({result.frame_rate:.2f} fps){flagged}")
    for w in doubts:
        print(f"studiocomp: uncertain: {args.input}: {w}", file=sys.stderr)
    for w in result.warnings:  # notes, as composite prints them: e.g. a prepared background's placement not used
        if not w.uncertain:
            print(f"studiocomp: note: {args.input}: {w}", file=sys.stderr)
    return EXIT_FAILED if doubts and args.fail_uncertain else EXIT_OK


def _add_video_parser(sub: Any) -> None:
    p = sub.add_parser(
        "video",
        help="cut the main person out of a clip and composite them on a new background",
        description=(
            "Matte a clip (mp4/mov/webm/mkv or a folder of frames) frame by frame, steady over time"
            ', keep only the main person, and write the composite with the input\'s frame rate, timestamps and audio. Needs PyAV: pip install "studiocomp[video]".'
        ),
    )
    p.add_argument("input", metavar="IN", help="video file, folder of frames, or one still image (a clip of one frame)")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="composite: .mp4/.mov/.mkv (H.264), .webm (VP9) or a folder (PNG frames): an existing folder, or a name with no suffix or another one (exist.dir, out_2.5); .avi/.gif/.png … refused",
    )
    p.add_argument("--background", default="white", metavar="PRESET|COLOUR|PATH", help="new background (default: %(default)s)")
    p.add_argument("--preset", metavar="NAME", help="take relighting, shadow and compositing from this pipeline preset (relighting gain smoothed over time; the shadow's light read once per clip)")
    p.add_argument("--matter", metavar="NAME", help="matting backend (default: rvm, with its recurrent state); others are stabilised along optical flow")
    p.add_argument("--stabilise", action=argparse.BooleanOptionalAction, default=None, help="flow stabiliser on/off (default: on for frame-by-frame backends, off for rvm)")
    p.add_argument("--warmup", type=int, default=None, metavar="N", help="prime rvm's state on the first N frames (every 2nd run) before matting from frame 0 (default 16; 0: off)")
    p.add_argument("--alpha", metavar="OUT.webm|OUT.mov|OUT.mp4|DIR", help="also write the alpha: VP9 with alpha, ProRes 4444, a grey luma matte (mp4/mkv) or grey PNGs")
    p.add_argument("--cutout", metavar="OUT.webm|OUT.mov|OUT.mp4|DIR", help="also write the subject: RGBA video (VP9 with alpha, ProRes 4444), on green (mp4/mkv) or RGBA PNGs")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--point", metavar="X,Y", help="the subject is the person at this pixel of the first frame")
    who.add_argument("--box", metavar="X0,Y0,X1,Y1", help="the subject is the person in this box on the first frame")
    who.add_argument("--everyone", action="store_true", help="keep everyone the matter finds (no subject tracking)")
    p.add_argument("--light", metavar="AZ,EL", help="light for the cast shadow, degrees: azimuth (0 front, 90 right, 180 behind, 270 left), elevation; default: estimated from the background")
    p.add_argument("--shadow", metavar="NAME", help="shadow caster (cast, contact, none; default: the preset's, or cast with --light)")
    p.add_argument("--fps", type=float, help="frame rate of a folder of frames (default 25, at most 240); refused for a video file, which keeps its own rate")
    p.add_argument("--no-audio", action="store_true", help="leave the audio out")
    p.add_argument("--fail-uncertain", action="store_true", help="exit with status 1 when the clip was flagged uncertain: the subject lost, switched or tiny (it is still written)")
    p.add_argument("--progress", default="auto", choices=["auto", "on", "off"], help="progress bar on stderr (auto: only on a terminal)")
    p.set_defaults(func=_cmd_video)


def _cmd_serve(args: argparse.Namespace) -> int:
    """``studiocomp serve``: the HTTP service (studiocomp.serve); the API key only from the environment."""
    from .serve import ServeSettings, serve

    stages = {kind: getattr(args, kind) for kind in ("segmenter", "matter") if getattr(args, kind) is not None}
    settings = ServeSettings(
        host=args.host,
        port=args.port,
        preset=args.preset,
        stages=stages,
        workers=args.workers,
        queue_size=args.queue_size,
        max_upload_bytes=int(args.max_upload_mb * 2**20),
        max_pixels=int(args.max_megapixels * 1e6),
        request_timeout=args.timeout,
        api_key=ServeSettings.api_key_from_env(args.api_key_env),
        backgrounds_dir=Path(args.backgrounds) if args.backgrounds else None,
        max_work_side=args.max_work_side,
    )
    serve(settings, log_level=args.log_level)
    return EXIT_OK


def _add_serve_parser(sub: Any) -> None:
    from .pipeline import PRESETS

    p = sub.add_parser(
        "serve",
        help="HTTP service: cut-out, composite and remove.bg-compatible endpoints, and an upload page",
        description=(
            "Serve studiocomp over HTTP (FastAPI on uvicorn; needs: pip install \"studiocomp[serve]\"). The pipeline is loaded once at start-up;"
            " a fixed number of workers takes requests from a bounded queue. Endpoints: / (upload page), /healthz, /v1/cutout, /v1/composite,"
            " /v1/backgrounds, /v1.0/removebg. Logs are JSON lines on stderr."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    p.add_argument("--preset", default="studio", choices=sorted(PRESETS), help="pipeline preset (default: %(default)s)")
    p.add_argument("--segmenter", metavar="SPEC", help="replace the preset's segmenter: NAME[:key=value,...]")
    p.add_argument("--matter", metavar="SPEC", help="replace the preset's matter: NAME[:key=value,...]")
    p.add_argument("--workers", type=int, default=2, help="images processed at the same time (default: %(default)s)")
    p.add_argument("--queue-size", type=int, default=32, help="requests that may wait for a worker; beyond them 503 (default: %(default)s)")
    p.add_argument("--max-upload-mb", type=float, default=25.0, metavar="MB", help="largest request body, MiB (default: %(default)s)")
    p.add_argument("--max-megapixels", type=float, default=40.0, metavar="MP", help="largest image, megapixels (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S", help="seconds a request may take, queue included; beyond them 504 (default: %(default)s)")
    p.add_argument("--max-work-side", type=int, default=1024, metavar="PX", help="largest pixel side a client's stage option may ask for (modnet:resolution=...); beyond it 400 (default: %(default)s)")
    p.add_argument(
        "--api-key-env",
        default="STUDIOCOMP_API_KEY",
        metavar="NAME",
        help="environment variable holding the API key clients must send in X-Api-Key (default: %(default)s; unset or empty: no key)",
    )
    p.add_argument("--backgrounds", metavar="DIR", help="folder of prepared backgrounds clients may pick by name (studiocomp backgrounds create makes their sidecars)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="(default: %(default)s)")
    p.set_defaults(func=_cmd_serve)


def _add_common_options(p: argparse.ArgumentParser) -> None:
    """--weights and --device: what every command that runs models takes."""
    p.add_argument(
        "--weights",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="use a local model file for NAME wherever it is needed (sha256-checked; repeatable; names: studiocomp models)",
    )
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where the models run (default: auto, CUDA when there is one)")


def _weights(args: argparse.Namespace) -> dict[str, str]:
    """--weights NAME=PATH as a dict; raises InputError on a malformed item."""
    weights: dict[str, str] = {}
    for item in getattr(args, "weights", []) or []:
        name, eq, path = item.partition("=")
        if not eq or not name or not path:
            raise InputError("--weights", "NAME=PATH", repr(item))
        weights[name.strip()] = str(Path(path).expanduser())
    return weights


def _apply_common_options(args: argparse.Namespace) -> None:
    """Register --weights with the hub and --device for every backend; raises StudiocompError on a bad value."""
    from . import hub
    from .runtime import DEVICE_ENV

    for name, path in _weights(args).items():
        hub.use_weights(name, path)
    if getattr(args, "device", None):
        os.environ[DEVICE_ENV] = args.device


def build_parser() -> argparse.ArgumentParser:
    """The ``studiocomp`` command line: every sub-command with its options (``studiocomp --help``).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="studiocomp",
        description="Cut subjects out of studio photos and composite them onto new backgrounds. Works offline.",
        epilog=(
            "Exit status: 0 all done, 1 some inputs failed (each listed at the end with its cause; the others were written), "
            "2 usage error (nothing processed), 3 internal error (a bug: please report it), 130 interrupted."
        ),
    )
    parser.add_argument("--version", action="version", version=f"studiocomp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("composite", help="put the subject of each photo on a new background", description="Cut out the subject of each photo and composite it onto a new background.")
    _add_batch_options(p, composite=True)
    p.set_defaults(func=lambda a: _run_batch(a, "composite"))
    p = sub.add_parser("cutout", help="write the subject as a PNG with transparency", description="Cut out the subject of each photo: RGBA PNG with cleaned edge colours.")
    _add_batch_options(p, composite=False)
    p.set_defaults(func=lambda a: _run_batch(a, "cutout"))
    p = sub.add_parser(
        "demo",
        help="make an example studio shot and run the studio preset on it",
        description="Generate a studio shot, cut it out and composite it on every background preset; writes a contact sheet.",
    )
    p.add_argument("-o", "--output", default="out", metavar="DIR", help="folder for the demo files (default: %(default)s)")
    p.add_argument("--height", type=int, default=1200, help="height of the generated shot (default: %(default)s)")
    p.add_argument("--width", type=int, default=900, help="width of the generated shot (default: %(default)s)")
    p.set_defaults(func=_cmd_demo)
    from .pipeline import PRESETS

    p = sub.add_parser(
        "eval",
        help="measure a preset on a labelled folder (image/ + alpha/ or mask/)",
        description=("Run a preset over image/ of a data folder, score it against alpha/ or mask/, and write per_image.csv, summaries by attribute and a gallery of the worst cases."),
    )
    p.add_argument("--data", required=True, metavar="DIR", help="folder with image/, alpha/ or mask/, and optionally attributes.json")
    p.add_argument("--preset", default="studio", choices=sorted(PRESETS), help="pipeline to measure (default: %(default)s)")
    p.add_argument("--segmenter", metavar="SPEC", help="replace the preset's segmenter: NAME[:key=value,...], or 'none' to drop it")
    p.add_argument("--matter", metavar="SPEC", help="replace the preset's matter: NAME[:key=value,...], or 'none' to drop it")
    p.add_argument("-o", "--output", default="eval", metavar="DIR", help="folder for the report (default: %(default)s)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N images")
    p.add_argument("--tolerance", type=float, default=2.0, help="boundary F1 tolerance in pixels (default: %(default)s)")
    p.add_argument("--trimap", metavar="SUBDIR", help="sub-folder of trimaps: matting errors in their unknown region only")
    p.add_argument("--background", default="white", metavar="PRESET|PATH", help="background for the realism metrics (default: %(default)s)")
    p.add_argument("--gallery", type=int, default=8, metavar="N", help="worst images shown in gallery.png (default: %(default)s; 0 for none)")
    p.add_argument("--progress", default="auto", choices=["auto", "on", "off"], help="progress bar on stderr (auto: only on a terminal)")
    p.set_defaults(func=_cmd_eval)
    p = sub.add_parser(
        "models",
        help="list model weights (with licenses), fetch, verify or import them",
        description="List the model weight files, download them into the Hugging Face cache, check the cached copies, or import a weight file you have into the cache.",
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["list", "fetch", "verify", "import"],
        help=(
            "list (default), fetch (download if needed, check sha256), verify (cache only; all when none is named) or "
            "import PATH... (weight files and folders of them, subfolders searched too: check each sha256, put it where fetch finds it; FILE NAME for a file whose sha256 is not pinned)"
        ),
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="model names for fetch/verify; files and/or folders (or FILE NAME) for import")
    p.add_argument("--link", action="store_true", help="import: link to FILE instead of copying it (FILE must stay where it is)")
    p.set_defaults(func=_cmd_models)
    p = sub.add_parser(
        "backgrounds",
        help="list, show, create or refresh prepared backgrounds (sidecar NAME.studiocomp.json)",
        description="A prepared background has a sidecar next to it with its horizon, floor line, light, camera height, floor scale and default placement; composite uses them.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser(
        "list", help="list a folder's backgrounds and their sidecars", description="List the background images of a folder, with their sidecars' horizon, floor line, light and camera height."
    )
    a.add_argument("path", metavar="DIR", help="a folder of background images")
    a = actions.add_parser("show", help="print one background's sidecar (JSON)", description="Print the sidecar (NAME.studiocomp.json) of one background image as JSON.")
    a.add_argument("path", metavar="IMAGE", help="a background image")
    a = actions.add_parser(
        "create",
        help="write a sidecar pre-filled by the estimators",
        description="Write NAME.studiocomp.json next to a background image: the light measured on the scene's cast shadows (or the default), the camera height; fill in the horizon and floor line.",
    )
    a.add_argument("path", metavar="IMAGE", help="a background image")
    a.add_argument("--camera-height", type=float, default=1.5, metavar="M", help="camera height above the floor (default: %(default)s)")
    a.add_argument("--force", action="store_true", help="replace an existing sidecar")
    a = actions.add_parser(
        "refresh",
        help="renew a sidecar's stamp of its image, keeping its values",
        description="A sidecar records the size and SHA-256 of the image it was written for, and a replaced image makes it refused as stale. "
        "When its values (horizon, light, place) still fit the new image, this renews the stamp; else remake it with create --force.",
    )
    a.add_argument("path", metavar="IMAGE", help="a background image")
    p.set_defaults(func=_cmd_backgrounds)
    p = sub.add_parser("backends", help="list registered backends and presets")
    p.set_defaults(func=_cmd_backends)
    _add_video_parser(sub)
    _add_serve_parser(sub)
    for name in ("composite", "cutout", "demo", "eval", "video", "serve"):
        _add_common_options(sub.choices[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line: parse ``argv``, run the sub-command, report errors on stderr.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 done, 1 some inputs failed (or uncertain with ``--fail-uncertain``), 2 usage error, 3 internal error, 130 interrupted
        (Ctrl-C), 141 standard output closed by its reader (``| head``; nothing is printed), 143 stopped by SIGTERM
        (handled as Ctrl-C is: what was written is complete, the summary is printed).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # --help into a closed pipe: the BrokenPipeError below
        with _sigterm_as_interrupt(getattr(args, "command", None)):
            _apply_common_options(args)
            status = int(args.func(args))
            if status == EXIT_INTERRUPTED and _TERMINATED.is_set():  # the command stopped cleanly and reported
                status = EXIT_TERMINATED
            sys.stdout.flush()  # a reader that went away is found here, not in the interpreter's flush at exit
            return status
    except StudiocompError as exc:
        print(f"studiocomp: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        print("studiocomp: terminated" if isinstance(exc, _Terminated) else "studiocomp: interrupted", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        return _stdout_closed()
    except Exception as exc:  # a bug, not the user's input: say so, distinctly from failed inputs
        import traceback

        traceback.print_exc()
        print(f"studiocomp: internal error: {type(exc).__name__}: {exc} (please report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
