"""Scale-out on Dask: process a folder or a list of files on the workers of a Dask cluster.

Each worker builds the pipeline once (a :class:`distributed.WorkerPlugin` made
from a picklable :class:`PipelineSpec`), then runs
:func:`studiocomp.batch.process_file` for one file per task. Tasks carry paths
and options only: the workers read the inputs and write the outputs on storage
they share with the client (the same paths on every machine), and only each
file's small :class:`~studiocomp.batch.FileOutcome` comes back. So a file gives
the same output, and a bad file the same failure, as in a single-process run::

    from studiocomp.batch import BatchOptions
    from studiocomp.cluster import PipelineSpec, run_on_cluster

    outcomes = run_on_cluster(
        ["/shared/photos"], "/shared/out",
        scheduler="tcp://scheduler:8786",            # or "local:4", a distributed.Client, a Cluster
        pipeline=PipelineSpec("studio", weights={"u2netp": "/shared/weights/u2netp.onnx"}),
        options=BatchOptions(kind="composite", background="grey"),
    )
    failed = [o for o in outcomes if o.status == "failed"]

The command line does the same with ``studiocomp composite IN -o OUT
--scheduler tcp://host:8786``. Needs the ``dask`` extra (``pip install
"studiocomp[dask]"``) on the client and on every worker; this module imports
Dask only when it is used.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch import BatchOptions, FileOutcome, Job, describe_failure, plan
from .errors import BackendUnavailableError, InputError, StudiocompError, UnknownBackendError

if TYPE_CHECKING:
    from distributed import Client

    from .pipeline import Pipeline

__all__ = ["DEFAULT_RETRIES", "INSTALL_HINT", "PipelineSpec", "connect", "process_on_cluster", "run_on_cluster"]

INSTALL_HINT = 'pip install "studiocomp[dask]"'
"""What to run where Dask is missing (the client and every worker need it)."""

DEFAULT_RETRIES = 2
"""Times a task that raised is run again (Dask's ``retries``) before its file is reported failed."""

_DEVICES = (None, "auto", "cpu", "cuda")


@dataclass(frozen=True)
class PipelineSpec:
    """A picklable description of a pipeline, built once in each process that runs it.

    A preset, the stages that replace its own (as the command line's
    ``NAME[:key=value,...]`` specs), local weight files and the device: what
    the command line's ``--preset``, ``--segmenter`` …, ``--weights`` and
    ``--device`` say, in a form that travels to Dask workers (a built
    :class:`~studiocomp.Pipeline` holds model sessions, which do not).

    Parameters
    ----------
    preset : str
        A pipeline preset (``studio``, ``portrait``; see :data:`studiocomp.pipeline.PRESETS`).
    stages : mapping of str to (str, None or backend object)
        Stages that replace the preset's: a spec string for
        :func:`studiocomp.registry.parse_stage` (``"modnet:resolution=768"``,
        ``"none"``), ``None`` to drop the stage, or a configured backend object
        (pickled to each worker; its class must be importable there).
    stage_options : mapping of str to mapping
        Extra constructor options for a stage given as a spec string (they win
        over the spec's own), e.g. ``{"shadow_caster": {"azimuth": 30.0, "elevation": 40.0}}``.
    weights : mapping of str to path
        Model name → local weight file (:func:`studiocomp.hub.use_weights`),
        a path every worker can read; made absolute here.
    device : {None, "auto", "cpu", "cuda"}
        Where the models run (``STUDIOCOMP_DEVICE``); ``None`` leaves the
        process's setting.

    Raises
    ------
    InputError
        A stage name that is not a stage kind, ``stage_options`` for a stage
        that is not a spec string, or an unknown device.
    """

    preset: str = "studio"
    stages: Mapping[str, Any] = field(default_factory=dict)
    stage_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    weights: Mapping[str, str] = field(default_factory=dict)
    device: str | None = None

    def __post_init__(self) -> None:
        from .registry import KINDS

        for kind in (*self.stages, *self.stage_options):
            if kind not in KINDS:
                raise InputError("stages", f"stage kinds among {', '.join(KINDS)}", repr(kind))
        for kind in self.stage_options:
            if not isinstance(self.stages.get(kind), str):
                raise InputError(f"stage_options[{kind!r}]", "options for a stage given as a spec string", repr(self.stages.get(kind)))
        if self.device not in _DEVICES:
            raise InputError("device", "None, 'auto', 'cpu' or 'cuda'", repr(self.device))
        object.__setattr__(self, "stages", dict(self.stages))
        object.__setattr__(self, "stage_options", {k: dict(v) for k, v in self.stage_options.items()})
        object.__setattr__(self, "weights", {name: str(Path(path).expanduser().absolute()) for name, path in self.weights.items()})

    def build(self) -> Pipeline:
        """Build the pipeline in this process.

        The weights are registered (:func:`studiocomp.hub.use_weights`) and the
        device set (``STUDIOCOMP_DEVICE``) for the whole process first, as the
        command line's ``--weights`` and ``--device`` do: build it in the
        process that runs it (a Dask worker, the command line).

        Returns
        -------
        Pipeline
            :meth:`studiocomp.Pipeline.preset` with the stages replaced.

        Raises
        ------
        StudiocompError
            Unknown preset, backend or model name, bad stage options, a missing
            weight file, or weights that cannot be had (offline, not cached).
        """
        from . import hub
        from .pipeline import Pipeline
        from .registry import parse_stage
        from .runtime import DEVICE_ENV

        for name, path in self.weights.items():
            hub.use_weights(name, path)
        if self.device is not None:
            os.environ[DEVICE_ENV] = self.device
        stages = {kind: parse_stage(kind, value, **self.stage_options.get(kind, {})) if isinstance(value, str) else value for kind, value in self.stages.items()}
        return Pipeline.preset(self.preset, **stages)

    def check(self) -> None:
        """Check here, without loading a model, what would make every worker fail to build the pipeline.

        Run where a cluster run starts (:func:`run_on_cluster` and ``--scheduler`` call it before
        starting or reaching a cluster), so that a mistyped name or a wrong weight file is one error,
        the same as on one machine, not a failed plugin on every worker. Checked: the preset's name,
        the backend name of each stage given as a spec string (its module is imported; nothing is
        built), and each weight file that exists on this machine against its model's sha256 (a file
        only the workers can read is left to them). What only building shows (a bad option value) is
        still found on the workers, and raised here by :func:`process_on_cluster`.

        Raises
        ------
        UnknownBackendError
            An unknown preset or backend name.
        InputError
            A malformed stage spec, or a weight file for a model that does not exist.
        WeightsUnavailableError
            A weight file here that is not the model's (wrong sha256).
        """
        from . import hub
        from .pipeline import PRESETS
        from .registry import backend_factory, parse_spec

        if self.preset not in PRESETS:
            raise UnknownBackendError("preset", self.preset, sorted(PRESETS))
        for kind, value in self.stages.items():
            if isinstance(value, str):
                name, _ = parse_spec(value, what=f"--{kind}")
                if name != "none":
                    backend_factory(kind, name)
        for model, path in self.weights.items():
            hub.get_spec(model)
            if Path(path).is_file():
                hub.fetch(model, weights=path)  # a local file: only its sha256 is checked (nothing is downloaded)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise BackendUnavailableError(f"running on a Dask cluster needs dask.distributed: {INSTALL_HINT}") from exc
    return distributed


def _local_cluster(spec: str) -> Any:
    """A LocalCluster of worker processes for ``local`` or ``local:N`` (one thread each)."""
    _, _, count = spec.partition(":")
    cores = os.cpu_count() or 1
    try:
        n = int(count) if count else cores
    except ValueError:
        raise InputError("scheduler", "an address (tcp://host:8786) or local[:N]", repr(spec)) from None
    if n < 1:
        raise InputError("scheduler", "local:N with N ≥ 1 worker processes", repr(spec))
    distributed = _distributed()
    # one task per process at a time; the model runtimes share the cores among the processes
    env = {"STUDIOCOMP_THREADS": str(max(1, cores // n))}
    # no dashboard; the scheduler's HTTP server (health checks) on a free port, not 8787: with another cluster on this
    # machine, 8787 is taken and distributed warned about it in four lines on every run
    quiet_http = {"dashboard_address": ":0"}
    return distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_kwargs=quiet_http, env=env)


@contextlib.contextmanager
def connect(scheduler: Any) -> Iterator[Client]:
    """A :class:`distributed.Client` for ``scheduler``; closes only what it opened.

    Parameters
    ----------
    scheduler : str, distributed.Client or distributed.deploy.Cluster
        A scheduler address (``tcp://host:8786``, ``tls://…``, ``host:8786``);
        ``local`` or ``local:N`` for a :class:`distributed.LocalCluster` of N
        worker processes on this machine (default: one per core), one thread
        each, the model threads (``STUDIOCOMP_THREADS``) split among them; a
        client (used as it is) or a cluster object (a client is opened on it).

    Yields
    ------
    distributed.Client

    Raises
    ------
    BackendUnavailableError
        Dask is not installed.
    InputError
        A malformed ``local:N``.
    StudiocompError
        The scheduler cannot be reached.
    """
    distributed = _distributed()
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    with contextlib.ExitStack() as stack:
        if isinstance(scheduler, str) and (scheduler == "local" or scheduler.startswith("local:")):
            scheduler = stack.enter_context(_local_cluster(scheduler))
        if isinstance(scheduler, (str, os.PathLike)):
            try:
                client = stack.enter_context(distributed.Client(str(scheduler)))
            except (OSError, TimeoutError, ValueError) as exc:
                raise StudiocompError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        else:
            client = stack.enter_context(distributed.Client(scheduler))
        yield client


def _absolute_background(options: BatchOptions) -> BatchOptions:
    """The options with an image-file background as an absolute path; an array background is refused."""
    from .backgrounds import ALIASES, PRESETS

    bg = options.background
    if isinstance(bg, str) and (bg in PRESETS or bg in ALIASES):  # a preset wins over a file of that name, as in resolve_background
        return options
    if isinstance(bg, os.PathLike) or (isinstance(bg, str) and not bg.startswith("#") and os.path.exists(bg)):
        return replace(options, background=str(Path(bg).absolute()))
    if isinstance(bg, (str, tuple)) or bg is None or options.kind == "cutout":
        return options
    raise InputError("options.background", "a preset, a colour or an image file every worker can read (images never travel through the client)", type(bg).__name__)


def _task_failure(exc: BaseException | None, source: str, retries: int) -> str:
    """The one-line cause of a task that ended in an error rather than an outcome."""
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return "every worker that processed it died (killed, out of memory or a crash); the scheduler stopped retrying it (distributed.scheduler.allowed-failures)"
    if exc is None:
        return "cancelled (the scheduler or the client lost it)"
    return f"{describe_failure(exc, source)} (after {retries} retries)"


def _remove_orphans_on_hosts(client: Client, folders: set[str]) -> None:
    """Delete temporary files that killed workers left in ``folders``: on one worker per host (their pids), and here."""
    from ._atomic import remove_orphans

    def clean(paths: list[str]) -> int:
        return sum(len(remove_orphans(p, recursive=False)) for p in paths)

    from distributed.comm.addressing import get_address_host

    dask: Any = client
    per_host: dict[str, str] = {}
    for address in dask.nthreads():
        per_host.setdefault(get_address_host(address), address)
    paths = sorted(folders)
    if per_host:
        dask.run(clean, paths, workers=list(per_host.values()), on_error="ignore")
    clean(paths)


def process_on_cluster(
    client: Client,
    jobs: Sequence[Job],
    pipeline: PipelineSpec,
    options: BatchOptions,
    *,
    retries: int = DEFAULT_RETRIES,
    window: int | None = None,
) -> Iterator[FileOutcome]:
    """Process jobs on the client's workers; yields each file's outcome as it completes.

    Registers a worker plugin that builds ``pipeline`` once on every worker
    (workers that join later build it when they start), submits one task per
    job, at most ``window`` at a time, and removes the plugin at the end.

    Parameters
    ----------
    client : distributed.Client
        A connected client (see :func:`connect`).
    jobs : sequence of Job
        Inputs and outputs, as :func:`studiocomp.batch.plan` makes them. Paths
        are made absolute (a worker's working folder is not the client's) and
        must name the same files on every worker.
    pipeline : PipelineSpec
        What each worker builds.
    options : BatchOptions
        How each file is run and written; a background must be a preset, a
        colour or an image file the workers can read.
    retries : int
        Times a task that raised is run again (Dask's ``retries``). A bad
        image does not raise (it is a ``failed`` outcome at once); a task whose
        worker dies is rerun by the scheduler up to its ``allowed-failures``
        (default 3), then reported ``failed``.
    window : int, optional
        Tasks in flight at most (default: 4 × the cluster's worker threads,
        at least 8), so a folder of 10⁵ files keeps 10⁵ futures neither on the
        client nor on the scheduler.

    Yields
    ------
    FileOutcome
        In completion order, with the job's own paths (as given, not made
        absolute). A task that ended in an error is a ``failed`` outcome.

    Raises
    ------
    StudiocompError
        The pipeline cannot be built on a worker (unknown backend, missing
        weights …): raised before any file is processed.
    """
    distributed = _distributed()
    from ._dask_worker import PipelinePlugin, run_job

    dask: Any = client  # distributed's own annotations are partial (untyped methods): its calls go through Any
    if retries < 0:
        raise InputError("retries", "0 or more", retries)
    options = _absolute_background(options)
    run = uuid.uuid4().hex[:12]
    name = f"studiocomp-pipeline-{run}"
    if window is None:
        window = max(8, 4 * sum(dask.nthreads().values()))
    if window < 1:
        raise InputError("window", "1 or more tasks in flight", window)
    try:
        dask.register_plugin(PipelinePlugin(pipeline), name=name)
    except BaseException:
        with contextlib.suppress(Exception):
            dask.unregister_worker_plugin(name)
        raise
    pending: dict[str, tuple[Job, str, str, Any]] = {}
    folders: set[str] = set()
    todo = iter(enumerate(jobs))
    running = distributed.as_completed()
    finished = False

    def submit_next() -> None:
        for i, job in todo:
            src, dst = str(job.source.absolute()), str(job.output.absolute())
            future = dask.submit(run_job, name, src, dst, options, key=f"studiocomp-{run}-{i}", retries=retries, pure=False)
            pending[str(future.key)] = (job, src, dst, future)
            folders.add(str(Path(dst).parent))
            if options.layers:
                folders.add(str(Path(dst).with_name(Path(dst).stem + "_layers")))
            running.add(future)
            return

    try:
        for _ in range(window):
            submit_next()
        for future in running:
            job, src, dst, _ = pending.pop(str(future.key))
            if future.status == "finished":
                outcome: FileOutcome = future.result()
                written = None if outcome.output is None else str(job.output.parent / Path(outcome.output).name)
                outcome = FileOutcome(str(job.source), written, outcome.status, outcome.reason.replace(src, str(job.source)).replace(dst, str(job.output)), outcome.notes)
            else:
                exc = None if future.status == "cancelled" else future.exception()
                outcome = FileOutcome(str(job.source), None, "failed", _task_failure(exc, src, retries).replace(src, str(job.source)))
            future.release()
            submit_next()
            yield outcome
        finished = True
    finally:
        if pending:  # interrupted: nothing more runs for this run
            dask.cancel([entry[3] for entry in pending.values()], force=True)
        if finished and folders:
            _remove_orphans_on_hosts(client, folders)
        with contextlib.suppress(Exception):
            dask.unregister_worker_plugin(name)


def run_on_cluster(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    scheduler: Any,
    pipeline: PipelineSpec | str = "studio",
    options: BatchOptions | None = None,
    suffix: str = ".png",
    recursive: bool = False,
    retries: int = DEFAULT_RETRIES,
    window: int | None = None,
    progress: bool | None = None,
) -> list[FileOutcome]:
    """Process image files and folders on a Dask cluster, as ``studiocomp composite|cutout`` does.

    Parameters
    ----------
    inputs : sequence of paths
        Image files and folders (see :func:`studiocomp.batch.plan`), on
        storage every worker reads.
    output : path
        The output folder, on storage every worker writes.
    scheduler : str, distributed.Client or distributed.deploy.Cluster
        See :func:`connect` (``tcp://host:8786``, ``local:N``, a client, a cluster).
    pipeline : PipelineSpec or str
        What each worker builds once; a string is a preset name.
    options : BatchOptions, optional
        How each file is processed and written (default: a composite on white).
    suffix : str
        The outputs' suffix (``.png``, ``.jpg``, ``.tif``, ``.webp``); a
        cut-out or a mask is always ``.png``.
    recursive : bool
        Also take images in subfolders.
    retries, window :
        See :func:`process_on_cluster`.
    progress : bool, optional
        A progress bar on stderr as files complete (default: only on a terminal).

    Returns
    -------
    list of FileOutcome
        One per input found, in the plan's order: the failures found before any
        work (missing files, output-name collisions …) first, then one per job.
        Files in a folder that are not images are passed over.

    Raises
    ------
    StudiocompError
        Dask missing, the scheduler unreachable, or the pipeline cannot be built
        on a worker: raised before any file is processed.
    """
    from .progress import Progress

    options = options if options is not None else BatchOptions()
    spec = PipelineSpec(pipeline) if isinstance(pipeline, str) else pipeline
    spec.check()  # a mistyped name or a wrong weight file: one error here, before a cluster is started or reached
    if options.kind == "cutout" or options.only_mask:
        suffix = ".png"
    batch = plan(inputs, output, suffix=suffix, recursive=recursive)
    early = [FileOutcome(source, None, "failed", reason) for source, reason in batch.failures]
    done: dict[str, FileOutcome] = {}
    with connect(scheduler) as client, Progress(len(batch.jobs), options.kind, enabled=progress) as bar:
        for outcome in process_on_cluster(client, batch.jobs, spec, options, retries=retries, window=window):
            done[outcome.source] = outcome
            bar.advance(Path(outcome.source).name)
    return early + [done[str(job.source)] for job in batch.jobs]
