"""``studiocomp video`` stopped part-way (Ctrl-C, a failure at the end) and output paths refused up front.

Every clip is generated here. Ctrl-C is sent for real (SIGINT to a subprocess running the CLI),
and also raised inside :func:`studiocomp.video.run` at a known frame, where the old shutdown
closed the encoder's container under the thread still muxing into it (a segmentation fault).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")

from tests.unit.test_video import DarkMatter, make_clip  # noqa: E402

from studiocomp.errors import InputError  # noqa: E402
from studiocomp.types import Matte  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

#: the CLI with a fast test matter registered as ``test-dark`` (no model weights needed)
CLI = (
    "import sys\n"
    "import numpy as np\n"
    "from studiocomp.registry import register\n"
    "from studiocomp.types import Matte\n"
    "class Dark:\n"
    "    def matte(self, image, mask=None):\n"
    "        return Matte((image.mean(axis=2) < 0.55).astype(np.float32), image)\n"
    "register('matter', 'test-dark', Dark)\n"
    "from studiocomp.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


class CountingMatter(DarkMatter):
    """DarkMatter that counts its frames: 0 means the run stopped before matting anything."""

    def __init__(self) -> None:
        self.calls = 0

    def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
        self.calls += 1
        return super().matte(image, mask)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".studiocomp-") or p.name.endswith(".part"))


def interrupt_cli(clip: Path, out: Path, wait: float = 0.0, extra: tuple[str, ...] = (), hang: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run ``studiocomp video`` (composite mp4 + alpha PNG folder, and ``extra`` options), SIGINT once two alpha
    frames are written (+ ``wait`` s). A run still alive ``hang`` s after the signal is killed: exit status ``-9``."""
    out.mkdir()
    cmd = [sys.executable, "-c", CLI, "video", str(clip), "-o", str(out / "c.mp4"), "--alpha", str(out / "a"), "--matter", "test-dark", "--everyone", "--progress", "off", *extra]
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONFAULTHANDLER="1")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and p.poll() is None:  # the frames of the alpha's temporary folder: progress
        if any(len(list(d.glob("*.png"))) >= 2 for d in out.glob(".studiocomp-*.part") if d.is_dir()):
            break
        time.sleep(0.01)
    time.sleep(wait)
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
    try:
        stdout, stderr = p.communicate(timeout=hang)
    except subprocess.TimeoutExpired:
        p.kill()  # hung: the test fails on the status; the process must not outlive it
        stdout, stderr = p.communicate()
        stderr += f"\n[test] still running {hang:g} s after SIGINT: killed"
    return subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr)


def check_interrupted(res: subprocess.CompletedProcess[str], out: Path, names: tuple[str, ...] = ("a", "c.mp4")) -> None:
    assert res.returncode >= 0, f"killed by signal {-res.returncode}: {res.stderr[-2000:]}"  # a segfault is -11, a hang -9
    if res.returncode == 0:  # finished before the signal came (a fast machine): complete outputs, nothing else
        assert sorted(p.name for p in out.iterdir()) == sorted(names), res.stderr
        return
    assert res.returncode == 130, res.stderr
    assert "interrupted" in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert list(out.iterdir()) == [], "partial outputs left behind"


def test_ctrl_c_in_the_cli_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    """One real Ctrl-C after the first frames: exit 130 with a short message, no ``.part`` files, no crash."""
    clip = make_clip(tmp_path / "in.mp4", n=60, size=(240, 432), audio=True)
    out = tmp_path / "out"
    res = interrupt_cli(clip, out)
    check_interrupted(res, out)
    assert "nothing written" in res.stderr, res.stderr


@pytest.mark.slow
def test_ctrl_c_in_the_cli_never_crashes(tmp_path: Path) -> None:
    """A user saw ``studiocomp video`` segfault on Ctrl-C about 5 times in 24: 12 interrupts at random moments."""
    clip = make_clip(tmp_path / "in.mp4", n=120, size=(360, 640), audio=True)
    rng = random.Random(15)
    for k in range(12):
        out = tmp_path / f"out{k}"
        check_interrupted(interrupt_cli(clip, out, wait=rng.uniform(0.0, 1.0)), out)


def cut_clip(path: Path, n: int, size: tuple[int, int] = (480, 848)) -> Path:
    """A clip that cuts to another shot every 3 frames (x264's lookahead thread logs each scene cut it finds)."""
    from studiocomp.synthetic import studio_shot

    img = (studio_shot(size, seed=0)[0] * 255).astype(np.uint8)
    shots = [img, 255 - img, np.ascontiguousarray(img[::-1, :, ::-1]), img // 3]  # unlike each other: cuts
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = size[1], size[0], "yuv420p"
        for i in range(n):
            fr = av.VideoFrame.from_ndarray(shots[(i // 3) % 4], format="rgb24")
            fr.pts = i
            c.mux(vs.encode(fr))
        c.mux(vs.encode(None))
    return path


def test_dropping_an_encoder_with_frames_in_it_does_not_hang(tmp_path: Path) -> None:
    """:meth:`VideoWriter.abort` with scene cuts still in x264's lookahead returns at once. With PyAV's log callback
    on (any level), x264's lookahead thread took the GIL to log a scene cut while the main thread, holding it, freed
    the encoder and waited for that thread in ``x264_encoder_close``: a hang for ever (the CLI after Ctrl-C)."""
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from studiocomp.video.io import VideoWriter\n"
        "rng = np.random.default_rng(0)\n"
        "shots = [rng.integers(0, 255, (240, 320, 3), dtype=np.uint8) for _ in range(4)]\n"
        "for n in (4, 6, 8, 12):\n"
        "    w = VideoWriter(sys.argv[1], 25, 320, 240)\n"
        "    for i in range(n):\n"
        "        w.write(shots[(i // 3) % 4])\n"
        "    w.abort()\n"
        "    del w\n"
    )
    out = tmp_path / "c.mp4"
    try:
        res = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, cwd=REPO, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("VideoWriter.abort() hung freeing the encoder")
    assert res.returncode == 0, res.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_ctrl_c_while_the_encoders_are_busy_never_hangs(tmp_path: Path) -> None:
    """Real Ctrl-C into the CLI at moments across a clip full of scene cuts: exit 130 within seconds, nothing left.
    It hung for ever after printing "interrupted" (see the test above; 7 in 10 interrupts on a real clip)."""
    clip = cut_clip(tmp_path / "in.mp4", n=300)
    extra = ("--cutout", "CUT")
    for k, wait in enumerate((0.1, 0.4, 0.7, 1.0, 1.4, 1.8, 2.4, 3.0)):
        out = tmp_path / f"out{k}"
        cut = str(out / "cut.webm")
        t0 = time.monotonic()
        res = interrupt_cli(clip, out, wait=wait, extra=tuple(cut if e == "CUT" else e for e in extra), hang=20.0)
        check_interrupted(res, out, names=("a", "c.mp4", "cut.webm"))
        assert time.monotonic() - t0 < 120, "too slow to stop"


def test_an_interrupt_stops_every_thread_before_the_containers_close(tmp_path: Path) -> None:
    """KeyboardInterrupt at frame 3 (the progress callback raises it, as Ctrl-C would): every thread has ended and
    every temporary output is gone when run() passes it on. The old shutdown closed the encoder's container while
    its thread was still muxing the queued frames: a segmentation fault, so this runs in a subprocess."""
    clip = make_clip(tmp_path / "in.mp4", n=30, size=(480, 848), audio=True)
    code = (
        "import sys, threading, time\n"
        "from pathlib import Path\n"
        "from studiocomp.video import run\n"
        "from tests.unit.test_video import DarkMatter\n"
        "def progress(n, total):\n"
        "    if n == 3:\n"
        "        raise KeyboardInterrupt\n"
        "try:\n"
        "    run(sys.argv[1], sys.argv[2], alpha_out=sys.argv[3], matter=DarkMatter(), track=False, progress=progress)\n"
        "except KeyboardInterrupt:\n"
        "    pass\n"
        "else:\n"
        "    sys.exit('no KeyboardInterrupt')\n"
        "alive = [t.name for t in threading.enumerate() if t.name.startswith('studiocomp-')]\n"
        "time.sleep(0.5)\n"
        "sys.exit(f'threads still running: {alive}' if alive else 0)\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    res = subprocess.run([sys.executable, "-c", code, str(clip), str(out / "c.mp4"), str(out / "a.webm")], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert res.returncode == 0, f"exit {res.returncode}: {res.stderr[-2000:]}"
    assert list(out.iterdir()) == []


def frames_folder(folder: Path, n: int = 3) -> Path:
    from studiocomp.image import save_image

    folder.mkdir()
    for i in range(n):
        save_image(folder / f"{i:03d}.png", np.full((48, 64, 3), 0.2 + 0.1 * i, np.float32))
    return folder


def test_output_path_problems_are_refused_before_any_frame(tmp_path: Path) -> None:
    """An output that is an existing folder where a file is meant, a folder that cannot be created (a file in the
    way) or written to, an unknown suffix: refused before the first frame is matted, naming the path; nothing is
    written. ``d.mp4`` as a folder used to fail only after the whole clip (exit 3), leaving a ``.part`` file."""
    from studiocomp.video import run

    clip = make_clip(tmp_path / "clip.mp4", n=3, audio=False)
    (tmp_path / "d.mp4").mkdir()
    (tmp_path / "afile").write_text("x")
    cases = [
        ({"dst": tmp_path / "d.mp4"}, "existing folder"),
        ({"dst": tmp_path / "ok.mp4", "alpha_out": tmp_path / "d.mp4"}, "existing folder"),
        ({"dst": tmp_path / "afile" / "sub" / "c.mp4"}, "is a file, not a folder"),
        ({"dst": tmp_path / "ok.mp4", "cutout_out": tmp_path / "afile" / "frames"}, "is a file, not a folder"),
        ({"dst": tmp_path / "afile"}, "existing file"),  # a folder of frames is meant
        ({"dst": tmp_path / "c.gif"}, "'.gif'"),
    ]
    for kwargs, needle in cases:
        matter = CountingMatter()
        with pytest.raises(InputError, match=needle) as info:
            run(clip, matter=matter, track=False, **kwargs)  # type: ignore[arg-type]
        bad = [str(p) for p in kwargs.values() if needle != "'.gif'" and not str(p).endswith("ok.mp4")]
        assert matter.calls == 0 and all(b in str(info.value) or Path(b).parent.parent.name in str(info.value) for b in bad), info.value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "clip.mp4", "d.mp4"] and list((tmp_path / "d.mp4").iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into a read-only folder")
def test_an_unwritable_output_folder_is_refused_up_front(tmp_path: Path) -> None:
    from studiocomp.video import run

    clip = make_clip(tmp_path / "clip.mp4", n=3, audio=False)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        matter = CountingMatter()
        with pytest.raises(InputError, match="cannot be written to"):
            run(clip, locked / "new" / "c.mp4", matter=matter, track=False)
        assert matter.calls == 0 and list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_an_unwritable_place_is_refused_even_for_root(tmp_path: Path) -> None:
    """A place no one can create files in (``/proc``): the check tries, it does not read the permission bits."""
    from studiocomp.video import run

    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc")
    clip = make_clip(tmp_path / "clip.mp4", n=3, audio=False)
    with pytest.raises(InputError, match="cannot be written to") as info:
        run(clip, Path("/proc/self/c.mp4"), matter=DarkMatter(), track=False)
    # the true reason, not the kernel's "No such file or directory" for a folder that is plainly there
    assert "takes no new files" in str(info.value) and "No such file" not in str(info.value), info.value


def test_the_cli_refuses_them_with_exit_2_naming_the_path(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", n=3, audio=False)
    (tmp_path / "d.mp4").mkdir()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    for out, extra, needle in (("d.mp4", [], "d.mp4"), ("ok.mp4", ["--fps", "30"], "--fps"), ("ok.mp4", ["--alpha", str(tmp_path / "d.mp4")], "d.mp4")):
        cmd = [sys.executable, "-c", CLI, "video", str(clip), "-o", str(tmp_path / out), "--matter", "test-dark", "--progress", "off", *extra]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
        assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "d.mp4"]


def test_a_failure_at_the_end_leaves_no_partial_file(tmp_path: Path) -> None:
    """What cannot be known up front (a folder appears at the output's path while the clip runs, a file appears in a
    frame folder's place): the run fails at the end, naming the path, and no temporary file or folder is left."""
    from studiocomp.video import run

    clip = make_clip(tmp_path / "clip.mp4", n=4, audio=False)
    for dst, alpha in ((tmp_path / "c.mp4", None), (tmp_path / "c2.mp4", tmp_path / "frames")):
        spoil = alpha if alpha is not None else dst

        def progress(n: int, total: int, spoil: Path = spoil) -> None:
            if n == 1:
                spoil.mkdir()
                (spoil / "mine.txt").write_text("a user's file")

        with pytest.raises(InputError, match=str(spoil.name)):
            run(clip, dst, alpha_out=alpha, matter=DarkMatter(), track=False, progress=progress)
        assert (spoil / "mine.txt").read_text() == "a user's file"
        assert leftovers(tmp_path) == [], leftovers(tmp_path)


@pytest.mark.parametrize("fps", [0, -1, 241, 1e9, float("nan"), float("inf")])
def test_fps_out_of_range_is_refused(tmp_path: Path, fps: float) -> None:
    from studiocomp.video import run

    frames = frames_folder(tmp_path / "frames")
    with pytest.raises(InputError, match="fps"):
        run(frames, tmp_path / "o.mp4", fps=fps, matter=DarkMatter(), track=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


def test_fps_is_refused_for_a_video_file_and_kept_for_frames(tmp_path: Path) -> None:
    """--fps was silently ignored for a video file (it keeps its own rate and timestamps): now refused, saying so."""
    from studiocomp.video import run

    clip = make_clip(tmp_path / "clip.mp4", n=3, fps=25, audio=False)
    with pytest.raises(InputError, match="keeps its own"):
        run(clip, tmp_path / "o.mp4", fps=30, matter=DarkMatter(), track=False)
    res = run(frames_folder(tmp_path / "frames"), tmp_path / "f.mp4", fps=240, matter=DarkMatter(), track=False)
    assert res.fps == 240.0
    with av.open(str(tmp_path / "f.mp4")) as c:
        assert c.streams.video[0].average_rate == 240
