"""studiocomp.cluster: a folder on a 2-worker LocalCluster of processes gives what the single-process CLI gives.

The same 40 files (37 photos, 3 bad files: a truncated JPEG, text named .png, an
empty file) go through ``studiocomp composite`` in this process and through the
cluster; outputs must be byte-identical, the bad files reported with the same
reasons, nothing lost and no temporary file left. A worker killed in the middle
of a file is replaced and the file redone; a file that kills every worker that
takes it ends as one ``failed`` outcome.
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studiocomp import save_image
from studiocomp.backends.segment.backdrop import BackdropKeyer
from studiocomp.batch import BatchOptions, FileOutcome
from studiocomp.cli import main
from studiocomp.errors import InputError, StudiocompError
from studiocomp.synthetic import studio_shot

distributed = pytest.importorskip("distributed")

from studiocomp.cluster import PipelineSpec, run_on_cluster  # noqa: E402  (after the skip: needs Dask)

KILL_ONCE = (1.0, 0.0, 1.0)  # top-left pixel of the photo whose first worker dies
KILL_ALWAYS = (0.0, 1.0, 1.0)  # top-left pixel of a photo that kills every worker
BAD = {"trunc.jpg", "text.png", "empty.png"}
CLI_OPTIONS = ["--segmenter", "backdrop", "--background", "grey", "--progress", "off"]


class KillingKeyer(BackdropKeyer):
    """The backdrop keyer, except that it kills its own process on marked photos (pickled to the workers)."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker

    def segment(self, image: Any) -> Any:
        corner = tuple(float(v) for v in image[0, 0])
        if corner == KILL_ALWAYS or (corner == KILL_ONCE and not os.path.exists(self.marker)):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(17)  # as a segfault or the OOM killer would: no exception, no clean-up
        return super().segment(image)


def _photos(folder: Path, n: int, *, corner: dict[int, tuple[float, float, float]] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        img, _ = studio_shot((96 + 8 * (i % 3), 72), seed=100 + i)
        if corner and i in corner:
            img[0, 0] = corner[i]
        paths.append(save_image(folder / f"p{i:02d}.{'jpg' if i % 4 == 0 else 'png'}", img))
    return paths


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 files: 37 photos (one marked to kill its first worker) and 3 bad files; and a text file that is no image."""
    src = tmp_path_factory.mktemp("cluster") / "in"
    photos = _photos(src, 37, corner={5: KILL_ONCE})
    assert photos[0].suffix == ".jpg"
    data = photos[0].read_bytes()
    (src / "trunc.jpg").write_bytes(data[: len(data) // 2])
    (src / "text.png").write_text("not an image\n")
    (src / "empty.png").write_bytes(b"")
    (src / "notes.txt").write_text("skipped, not an image\n")
    return src


@pytest.fixture(scope="module")
def reference(folder: Path) -> tuple[Path, int, str]:
    """The single-process CLI's outputs, exit status and summary on ``folder``."""
    import contextlib
    import io

    out = folder.parent / "single"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["composite", str(folder), "-o", str(out), *CLI_OPTIONS])
    return out, rc, err.getvalue()


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def _summary(text: str) -> str:
    """The CLI's report without its timing and output folder."""
    return re.sub(r" in [0-9.]+ s → \S+", "", text)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cli_scheduler_gives_the_single_process_outputs_and_report(folder: Path, reference: tuple[Path, int, str], client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    single, single_rc, single_report = reference
    assert single_rc == 1 and ", 3 failed," in single_report  # the three bad files fail the run
    out = folder.parent / "cluster-cli"
    rc = main(["composite", str(folder), "-o", str(out), *CLI_OPTIONS, "--scheduler", client.scheduler.address])
    report = capsys.readouterr().err
    assert rc == single_rc == 1
    assert _summary(report) == _summary(single_report)
    assert int(re.findall(r"(\d+) written", report)[0]) == 37  # the uncertain ones are written too, and counted among them
    for name in BAD:
        assert f"failed: {folder / name}: " in report
    assert "skipped (not an image)" in report
    expected, got = _files(single), _files(out)
    assert len(expected) == 37 and list(got) == list(expected)  # nothing lost, nothing extra (no temporary files)
    assert [name for name in expected if got[name] != expected[name]] == []  # byte-identical


def test_a_worker_killed_mid_file_is_replaced_and_the_file_redone(folder: Path, reference: tuple[Path, int, str], client: Any) -> None:
    single, _, single_report = reference
    marker = folder.parent / "killed-once"
    before = set(client.run(os.getpid).values())
    out = folder.parent / "cluster-killed"
    outcomes = run_on_cluster([folder], out, scheduler=client, pipeline=PipelineSpec("studio", stages={"segmenter": KillingKeyer(str(marker))}), options=BatchOptions(background="grey"))
    assert marker.exists() and int(marker.read_text()) in before  # a worker did die, in the middle of p05
    assert len(outcomes) == 40 and [Path(o.source).name for o in outcomes] == sorted(p.name for p in folder.iterdir() if p.name != "notes.txt")
    failed = {Path(o.source).name: o.reason for o in outcomes if o.status == "failed"}
    assert set(failed) == BAD, failed  # the reasons, should a file other than the 3 bad ones fail (it did once, 2026-12-01)
    for name, reason in failed.items():
        assert f"failed: {folder / name}: {reason}\n" in single_report  # the same reasons as the CLI's
    assert all(o.output is not None and Path(o.output).parent == out for o in outcomes if o.status != "failed")
    assert _files(out) == _files(single)


def test_a_file_that_kills_every_worker_fails_alone(tmp_path: Path, client: Any) -> None:
    src = tmp_path / "in"
    _photos(src, 3, corner={1: KILL_ALWAYS})
    scheduler = client.cluster.scheduler
    allowed, scheduler.allowed_failures = scheduler.allowed_failures, 1  # two deaths, not four: a faster test
    try:
        # one task in flight: no good file shares a dying worker (its own suspicion count would rise too)
        outcomes = run_on_cluster([src], tmp_path / "out", scheduler=client, pipeline=PipelineSpec(stages={"segmenter": KillingKeyer(str(tmp_path / "m"))}), window=1)
    finally:
        scheduler.allowed_failures = allowed
    status = {Path(o.source).name: o for o in outcomes}
    assert status["p01.png"].status == "failed" and "every worker that processed it died" in status["p01.png"].reason
    assert status["p00.jpg"].status in ("written", "uncertain") and status["p02.png"].status in ("written", "uncertain")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["p00.png", "p02.png"]


def test_a_pipeline_that_cannot_be_built_fails_before_any_file(folder: Path, client: Any, tmp_path: Path) -> None:
    with pytest.raises(StudiocompError, match="unknown matter 'nope'"):
        run_on_cluster([folder], tmp_path / "out", scheduler=client, pipeline=PipelineSpec(stages={"matter": "nope"}))
    assert not (tmp_path / "out").exists()
    left = client.run(lambda dask_worker: [name for name in dask_worker.plugins if name.startswith("studiocomp")])
    assert all(names == [] for names in left.values())  # the failed plugin is unregistered


def test_pipeline_spec_is_checked_and_picklable(tmp_path: Path) -> None:
    spec = PipelineSpec("studio", {"segmenter": "backdrop", "compositor": "matched"}, {"compositor": {"grain": False}}, {"u2netp": "rel/u2netp.onnx"}, "cpu")
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert Path(spec.weights["u2netp"]).is_absolute()
    pipe = PipelineSpec("studio", {"segmenter": "backdrop", "compositor": "matched"}, {"compositor": {"grain": False}}).build()
    assert type(pipe.components["segmenter"]).__name__ == "BackdropKeyer" and pipe.components["compositor"].grain is False
    with pytest.raises(InputError):
        PipelineSpec(stages={"segmentor": "backdrop"})
    with pytest.raises(InputError):
        PipelineSpec(stages={"segmenter": None}, stage_options={"segmenter": {"plate": "x"}})
    with pytest.raises(InputError):
        PipelineSpec(device="gpu")


def test_array_backgrounds_and_bad_schedulers_are_refused(tmp_path: Path, client: Any) -> None:
    _photos(tmp_path / "in", 1)
    with pytest.raises(InputError, match="images never travel"):
        run_on_cluster([tmp_path / "in"], tmp_path / "out", scheduler=client, pipeline=PipelineSpec(stages={"segmenter": "backdrop"}), options=BatchOptions(background=np.zeros((4, 4, 3), np.float32)))
    with pytest.raises(InputError):
        run_on_cluster([tmp_path / "in"], tmp_path / "out", scheduler="local:x")
    assert main(["cutout", "-", "-o", "-", "--scheduler", "local:1"]) == 2


def test_outcome_paths_are_the_jobs_own(tmp_path: Path, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative inputs: the workers get absolute paths, the outcomes name the files as given."""
    _photos(tmp_path / "in", 2)
    (tmp_path / "in" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    monkeypatch.chdir(tmp_path)
    outcomes = run_on_cluster(["in"], "out", scheduler=client, pipeline=PipelineSpec(stages={"segmenter": "backdrop"}), options=BatchOptions(kind="cutout"))
    assert [(o.source, o.output, o.status) for o in outcomes if o.status == "failed"] == [(os.path.join("in", "bad.png"), None, "failed")]
    assert sorted(o.output for o in outcomes if o.output) == [os.path.join("out", "p00.png"), os.path.join("out", "p01.png")]  # p00.jpg, p01.png
    assert all(isinstance(o, FileOutcome) and str(tmp_path) not in o.reason for o in outcomes)
    # a background file named relative to the client's folder reaches the workers (as an absolute path)
    save_image(tmp_path / "bg.png", np.full((30, 40, 3), (0.2, 0.4, 0.8), np.float32))
    composites = run_on_cluster(["in/p01.png"], "comp", scheduler=client, pipeline=PipelineSpec(stages={"segmenter": "backdrop"}), options=BatchOptions(background="bg.png"))
    assert [o.status for o in composites] in (["written"], ["uncertain"]), composites
