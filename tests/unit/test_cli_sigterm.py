"""SIGTERM (docker stop, Kubernetes, Slurm) stops a folder run as Ctrl-C does: complete files, the summary, 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from studiocomp import load_image, save_image
from studiocomp.synthetic import studio_shot

SLOW_WRITES = (
    "import sys, time\n"
    "import studiocomp.batch as batch\n"
    "write = batch.write_result\n"
    "def slow(*args, **kwargs):\n"
    "    out = write(*args, **kwargs)\n"
    "    print('WROTE', flush=True)\n"
    "    time.sleep(0.5)\n"
    "    return out\n"
    "batch.write_result = slow\n"
    "from studiocomp.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
PLAIN = "import sys\nfrom studiocomp.cli import main\nsys.exit(main(sys.argv[1:]))\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_mid_run_stops_cleanly_and_skip_existing_resumes(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    for i in range(8):
        image, _ = studio_shot((64, 48), seed=i)
        save_image(photos / f"p{i}.png", image)
    out = tmp_path / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")}  # no weights: the keyer, fast
    args = [sys.executable, "-c", SLOW_WRITES, "cutout", str(photos), "-o", str(out), "--progress", "off"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "WROTE"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "interrupted: files written so far are complete" in err and "--skip-existing" in err, err
    written = sorted(p.name for p in out.iterdir())
    assert 1 <= len(written) < 8, written
    assert all(name.endswith(".png") for name in written), written  # no temporary file left
    for name in written:
        assert load_image(out / name).shape[:2] == (64, 48)

    # the resume at full speed: only the interrupted run needs its writes slowed (0.5 s a file)
    resume = [sys.executable, "-c", PLAIN, *args[3:]]
    again = subprocess.run([*resume, "--skip-existing"], capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{len(written)} skipped (already there)" in again.stderr, again.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"p{i}.png" for i in range(8)]


def test_sigterm_handler_is_only_ours_while_a_command_runs() -> None:
    """The command line restores the default handler after each command, and leaves a program's own handler alone."""
    from studiocomp.cli import main

    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert main(["backends"]) == 0
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

    def own(signum: int, frame: object) -> None:  # a program embedding the command line, with its own handler
        pass

    previous = signal.signal(signal.SIGTERM, own)
    try:
        assert main(["backends"]) == 0
        assert signal.getsignal(signal.SIGTERM) is own
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_serve_keeps_its_own_sigterm_handling() -> None:
    """``serve``'s server shuts down on SIGTERM itself and logs JSON lines only: no handler of ours, no extra line."""
    from studiocomp.cli import _sigterm_as_interrupt

    with _sigterm_as_interrupt("serve"):
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with _sigterm_as_interrupt("composite"):
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
