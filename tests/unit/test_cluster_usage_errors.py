"""A usage mistake on a cluster run (``--scheduler local:N``) is one line on stderr, as on one machine.

It used to be every worker's "Worker plugin … failed to setup" traceback (87 lines for a wrong
``--weights`` file, 45 for ``--matter nope``) before the one-line error. Names and local weight files
are now checked before a cluster is started (:meth:`PipelineSpec.check`); what only building the
pipeline shows (a bad option) fails on the workers without their tracebacks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studiocomp import save_image
from studiocomp.errors import InputError, UnknownBackendError, WeightsUnavailableError
from studiocomp.synthetic import studio_shot

pytest.importorskip("distributed")

from studiocomp.cluster import PipelineSpec  # noqa: E402  (after the skip: needs Dask)

REPO = Path(__file__).resolve().parents[2]


def studiocomp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "studiocomp", *args], cwd=cwd, capture_output=True, text=True, timeout=180, env=env)


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    img, _ = studio_shot((96, 72), seed=3)
    save_image(tmp_path / "in" / "p0.png", img)
    return tmp_path / "in"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--weights", "modnet=WRONG"], "is not the modnet weight file: its sha256 is"),
        (["--matter", "nope"], "unknown matter 'nope'; valid names:"),
        (["--segmenter", "backdrop", "--matter", "closed-form:foo=1"], "options of matter 'closed-form': expected options among"),  # found on the workers
    ],
)
def test_one_line_as_on_one_machine(photos: Path, tmp_path: Path, option: list[str], message: str) -> None:
    wrong = tmp_path / "wrong.onnx"
    wrong.write_bytes(np.random.default_rng(0).bytes(4096))
    option = [str(wrong) if o == "WRONG" else o.replace("WRONG", str(wrong)) for o in option]
    alone = studiocomp("composite", str(photos), "-o", str(tmp_path / "alone"), *option, "--progress", "off", cwd=tmp_path)
    done = studiocomp("composite", str(photos), "-o", str(tmp_path / "out"), *option, "--progress", "off", "--scheduler", "local:2", cwd=tmp_path)
    assert alone.returncode == done.returncode == 2, (alone.stderr, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert done.stderr == alone.stderr
    assert not (tmp_path / "out").exists()


def test_check_finds_names_and_wrong_weights_without_building(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.onnx"
    wrong.write_bytes(b"not a model")
    with pytest.raises(WeightsUnavailableError, match="sha256"):
        PipelineSpec(weights={"modnet": str(wrong)}).check()
    with pytest.raises(UnknownBackendError, match="unknown matter 'nope'"):
        PipelineSpec(stages={"matter": "nope"}).check()
    with pytest.raises(UnknownBackendError, match="preset"):
        PipelineSpec("nope").check()
    with pytest.raises(InputError):
        PipelineSpec(weights={"no-such-model": str(wrong)}).check()
    # a file only the workers can read is left to them; "none" and backend objects pass
    PipelineSpec(stages={"relighter": "none", "matter": "modnet:resolution=512"}, weights={"modnet": str(tmp_path / "on-the-workers.onnx")}).check()
