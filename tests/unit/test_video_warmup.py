"""Warm-up of a recurrent matter's state (issue 15): no ghost of a bystander on the first frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av")

from studiocomp.errors import InputError  # noqa: E402
from studiocomp.types import Matte  # noqa: E402

K = 5  # frames the fake matter's state must see before its alpha is right
H, W = 48, 64
GHOST = (slice(4, 20), slice(44, 60))  # where the fake matter sees a bystander until its state has settled


class FakeRecurrentMatter:
    """A recurrent matter (``sequence``, ``reset``) whose alpha carries a half-transparent ghost until its state has seen K frames.

    The subject is every pixel darker than 0.5; the ghost is a block the subject never enters.
    """

    def __init__(self) -> None:
        self.sequence = False
        self.seen = 0
        self.calls = 0

    def reset(self) -> None:
        self.seen = 0

    def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
        self.calls += 1
        alpha = (image.mean(axis=2) < 0.5).astype(np.float32)
        if self.seen < K:
            alpha[GHOST] = 0.5
        self.seen = self.seen + 1 if self.sequence else 0
        return Matte(alpha, image.copy())


class FrameByFrame:
    """A matter with no state."""

    def __init__(self) -> None:
        self.calls = 0

    def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
        self.calls += 1
        return Matte((image.mean(axis=2) < 0.5).astype(np.float32), image.copy())


def frames_folder(path: Path, n: int) -> Path:
    """``n`` lossless PNG frames: a dark square moving right by 3 px a frame on a light grey backdrop."""
    from PIL import Image

    path.mkdir()
    for i in range(n):
        img = np.full((H, W, 3), 200, np.uint8)
        img[24:40, 2 + 3 * i : 14 + 3 * i] = 30
        Image.fromarray(img).save(path / f"{i:03d}.png")
    return path


def expected(i: int) -> np.ndarray:
    a = np.zeros((H, W), np.uint8)
    a[24:40, 2 + 3 * i : 14 + 3 * i] = 255
    return a


def runs(held: int) -> int:
    """Network runs of a warm-up over ``held`` frames: every WARMUP_STRIDE-th from the last back."""
    from studiocomp.video.warmup import WARMUP_STRIDE

    return len(range(held - 1, -1, -WARMUP_STRIDE))


def read_alphas(folder: Path) -> list[np.ndarray]:
    from PIL import Image

    return [np.asarray(Image.open(p).convert("L")) for p in sorted(folder.glob("*.png"))]


@pytest.mark.parametrize("n", [10, 3])  # a clip longer than the warm-up, and one shorter than K
def test_run_primes_the_state_and_mattes_from_frame_0(tmp_path: Path, n: int) -> None:
    from studiocomp.video import run

    clip = frames_folder(tmp_path / "clip", n)
    fake = FakeRecurrentMatter()
    res = run(clip, tmp_path / "out", matter=fake, alpha_out=tmp_path / "alpha", track=False, warmup=8, progress=False)
    alphas = read_alphas(tmp_path / "alpha")
    assert res.frames == n and len(alphas) == n
    primed = runs(min(n, 8))
    assert fake.calls == n + primed  # the warm-up's own runs, then every frame once
    for i, a in enumerate(alphas):
        if primed >= K:
            # no ghost anywhere, and frame i's alpha is frame i's subject (the clip starts at frame 0)
            np.testing.assert_array_equal(a, expected(i))
        else:  # too short to settle: the ghost fades only after K frames seen (primed + i)
            assert (a[GHOST] > 0).all() == (primed + i < K)
            np.testing.assert_array_equal(a[:, :40][24:40], expected(i)[:, :40][24:40])
    assert res.timings["warmup"] > 0


def test_without_warm_up_the_first_frames_carry_the_ghost(tmp_path: Path) -> None:
    """The fault the warm-up removes: with a zero state the first K frames show the bystander."""
    from studiocomp.video import run

    clip = frames_folder(tmp_path / "clip", 8)
    run(clip, tmp_path / "out", matter=FakeRecurrentMatter(), alpha_out=tmp_path / "alpha", track=False, warmup=0, progress=False)
    ghosted = [bool((a[GHOST] > 0).any()) for a in read_alphas(tmp_path / "alpha")]
    assert ghosted == [True] * K + [False] * (8 - K)


def test_the_default_run_and_evaluate_clip_are_warmed(tmp_path: Path) -> None:
    from PIL import Image

    from studiocomp.video import evaluate_clip, run

    clip = frames_folder(tmp_path / "clip", 9)
    run(clip, tmp_path / "out", matter=FakeRecurrentMatter(), alpha_out=tmp_path / "alpha", track=False, progress=False)
    assert not any((a[GHOST] > 0).any() for a in read_alphas(tmp_path / "alpha"))
    masks = tmp_path / "masks"
    masks.mkdir()
    for i in range(9):
        Image.fromarray(expected(i)).save(masks / f"{i:03d}.png")
    cold = evaluate_clip(clip, masks, FakeRecurrentMatter(), track=False, warmup=0)
    warm = evaluate_clip(clip, masks, FakeRecurrentMatter(), track=False)
    assert warm.ious == [1.0] * 9
    assert cold.ious[:K] != [1.0] * K and cold.ious[K:] == [1.0] * (9 - K)


def test_a_stabilised_recurrent_matter_primes_only_its_backend() -> None:
    from studiocomp.video import StabilisedMatter
    from studiocomp.video.warmup import recurrent_core, warm_up

    fake = FakeRecurrentMatter()
    fake.sequence = True
    wrapped = StabilisedMatter(fake)
    assert recurrent_core(wrapped) is fake and recurrent_core(fake) is fake
    assert recurrent_core(FrameByFrame()) is None and recurrent_core(StabilisedMatter(FrameByFrame())) is None
    frames = [np.full((8, 8, 3), 0.8, np.float32) for _ in range(6)]

    def stabilised(*args: object) -> None:
        raise AssertionError("the stabiliser saw a warm-up frame: it would propagate frame 3's alpha onto frame 0")

    wrapped.matte = stabilised  # type: ignore[method-assign]
    out = list(warm_up(wrapped, iter(frames), 4))
    assert len(out) == 6 and all(x is y for x, y in zip(out, frames, strict=True))  # every item, in order, the first one first
    assert fake.seen == runs(4)


def test_frame_by_frame_backends_pay_nothing(tmp_path: Path) -> None:
    from studiocomp.video import run

    clip = frames_folder(tmp_path / "clip", 6)
    m = FrameByFrame()
    res = run(clip, tmp_path / "out", matter=m, stabilise=False, track=False, progress=False)
    assert m.calls == 6 and res.timings["warmup"] == 0.0


def test_a_cancelled_warm_up_yields_nothing() -> None:
    from studiocomp.video.warmup import warm_up

    fake = FakeRecurrentMatter()
    fake.sequence = True
    assert list(warm_up(fake, iter([np.zeros((4, 4, 3), np.float32)] * 5), 3, cancelled=lambda: True)) == []
    assert fake.calls == 0


@pytest.mark.parametrize("bad", [-1, 2.5, True, "8"])
def test_a_bad_warmup_is_refused_before_anything_is_written(tmp_path: Path, bad: object) -> None:
    from studiocomp.video import run

    clip = frames_folder(tmp_path / "clip", 2)
    with pytest.raises(InputError, match="warmup"):
        run(clip, tmp_path / "out", matter=FrameByFrame(), warmup=bad, progress=False)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_memory_stays_bounded_with_the_warm_up(tmp_path: Path) -> None:
    """The warm-up holds its N frames once: 60 vs 300 frames peak alike (as test_video_memory, with a recurrent matter)."""
    import tracemalloc

    from tests.unit.test_video import make_clip

    from studiocomp.video import run

    def peak(clip: Path, out: Path) -> float:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            run(clip, out, matter=FakeRecurrentMatter(), track=False, audio=False, warmup=16, progress=False)
            return (tracemalloc.get_traced_memory()[1] - base) / 2**20
        finally:
            tracemalloc.stop()

    short = make_clip(tmp_path / "short.mp4", n=60, size=(120, 160), audio=False)
    long = make_clip(tmp_path / "long.mp4", n=300, size=(120, 160), audio=False)
    peak(short, tmp_path / "first.mp4")  # one-off buffers
    p_short, p_long = peak(short, tmp_path / "a.mp4"), peak(long, tmp_path / "b.mp4")
    assert p_long < 1.2 * p_short + 1.0, f"peak {p_short:.2f} MiB at 60 frames, {p_long:.2f} MiB at 300"


def test_the_cli_takes_warmup_and_refuses_a_negative_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studiocomp.cli import main

    clip = frames_folder(tmp_path / "clip", 2)
    assert main(["video", str(clip), "-o", str(tmp_path / "o.mp4"), "--warmup", "-1", "--progress", "off"]) == 2
    assert "--warmup" in capsys.readouterr().err and not (tmp_path / "o.mp4").exists()


def test_ctrl_c_during_the_warm_up_stops_within_a_frame(tmp_path: Path) -> None:
    """An interrupt while the state is being primed does not wait for the remaining warm-up frames."""
    import _thread
    import threading
    import time

    from studiocomp.video import run

    class Slow(FakeRecurrentMatter):
        def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
            time.sleep(0.2)
            return super().matte(image, mask)

    clip = frames_folder(tmp_path / "clip", 16)
    slow = Slow()
    timer = threading.Timer(0.6, _thread.interrupt_main)
    t0 = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        run(clip, tmp_path / "out.mp4", matter=slow, track=False, warmup=16, progress=False)
    took = time.perf_counter() - t0
    timer.cancel()
    assert took < 2.8, f"{took:.2f} s: the warm-up (16 × 0.2 s = 3.2 s) was not cut short"
    assert slow.calls < 10 and not (tmp_path / "out.mp4").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".studiocomp-")]


def test_an_empty_clip_passes_through_the_warm_up() -> None:
    from studiocomp.video.warmup import warm_up

    fake = FakeRecurrentMatter()
    fake.sequence = True
    assert list(warm_up(fake, iter([]), 16)) == [] and fake.calls == 0


@pytest.mark.parametrize(("held", "order"), [(16, [15, 13, 11, 9, 7, 5, 3, 1]), (15, [14, 12, 10, 8, 6, 4, 2, 0]), (2, [1]), (1, [0])])
def test_the_warm_up_runs_every_second_held_frame_from_the_last_back(held: int, order: list[int]) -> None:
    """16 held frames: 8 network runs, frames 15, 13, … 1, and frame 0 is then matted from a state that last saw frame 1
    (running frame 0 once more first, as before, cleared dance-twirl's ghost no better: docs/evaluation.md)."""
    from studiocomp.video.warmup import warm_up

    class Recorder(FakeRecurrentMatter):
        def __init__(self) -> None:
            super().__init__()
            self.sequence = True
            self.order: list[int] = []

        def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
            self.order.append(int(round(float(image[0, 0, 0]) * 100)))
            return super().matte(image, mask)

    frames = [np.full((4, 4, 3), i / 100, np.float32) for i in range(20)]
    rec = Recorder()
    out = list(warm_up(rec, iter(frames[:held]), 16))
    assert rec.order == order and len(out) == held
