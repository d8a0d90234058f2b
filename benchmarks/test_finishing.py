"""Speed of the finishing stages (relight, shadow, composite) at 6, 12 and 24 megapixels.

Run:  pytest benchmarks/test_finishing.py --benchmark-enable

Issue 5's target (kept by issue 13): relight + shadow + composite of the presets' backends
(``illuminant``, ``cast``, ``matched``) in at most 1 s at 24 MP on a 2-core machine.

Inputs: a generated studio subject (exact alpha, hair strands) placed with
:class:`studiocomp.Placement` at 70 % of the frame's height, standing on the
floor (so the cast shadow is real: about 10 % of the frame), on a textured
background with sensor noise (so grain matching has work to do). Each stage is
timed alone (each checks its inputs, as any public call does), and the three in
sequence as the pipeline runs them (each array checked once: ``image.checked_once``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import studiocomp
from studiocomp.image import checked_once, trust

SIZES_MP = [6, 12, 24]


def _frame(mp: float) -> tuple[int, int]:
    w = int((mp * 1e6 * 3 / 2) ** 0.5)  # 3:2 landscape, as cameras shoot
    return int(w * 2 / 3), w


def _scene(mp: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import cv2

    h, w = _frame(mp)
    rng = np.random.default_rng(0)
    # a wall and a floor: smooth light, mid-scale texture, noise (σ 0.012)
    wall = cv2.resize(rng.random((24, 36, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    bg = 0.35 + 0.25 * wall + 0.15 * np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :, None]
    bg[int(0.62 * h) :] *= 0.8
    bg += rng.standard_normal(bg.shape, dtype=np.float32) * np.float32(0.012)
    np.clip(bg, 0.0, 1.0, out=bg)
    image, alpha = studiocomp.synthetic.studio_shot((int(0.75 * h), int(0.5625 * h)), seed=1, noise=0.0)
    placed = studiocomp.Placement(feet=(0.45 * w, 0.9 * h), height=0.7 * h).apply(image, alpha, (h, w))
    return placed.foreground, placed.alpha, bg


@pytest.fixture(scope="module", params=SIZES_MP, ids=[f"{mp}MP" for mp in SIZES_MP])
def scene(request: pytest.FixtureRequest) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    return (request.param, *_scene(request.param))


def _info(benchmark: pytest.FixtureRequest, alpha: np.ndarray, shadow: np.ndarray | None = None) -> None:
    import cv2

    h, w = alpha.shape
    info = {"height": h, "width": w, "megapixels": round(h * w / 1e6, 2), "subject_fraction": round(float((alpha > 0).mean()), 3)}
    if shadow is not None:
        info["shadow_fraction"] = round(float((shadow > 0).mean()), 3)
    benchmark.extra_info.update(info | {"cv2_threads": cv2.getNumThreads(), "cpus": os.cpu_count()})


@pytest.fixture(scope="module")
def stages() -> tuple[object, object, object]:
    return (studiocomp.create("relighter", "illuminant"), studiocomp.create("shadow_caster", "cast"), studiocomp.create("compositor", "matched"))


def test_relight(benchmark: pytest.FixtureRequest, scene: tuple, stages: tuple) -> None:
    _, fg, alpha, bg = scene
    relighter = stages[0]
    _info(benchmark, alpha)
    out = benchmark.pedantic(relighter.relight, args=(fg, alpha, bg), rounds=5, iterations=1, warmup_rounds=1)
    assert out.shape == fg.shape


def test_shadow(benchmark: pytest.FixtureRequest, scene: tuple, stages: tuple) -> None:
    _, fg, alpha, bg = scene
    caster = stages[1]
    out = benchmark.pedantic(caster.cast, args=(alpha, bg), rounds=5, iterations=1, warmup_rounds=1)
    _info(benchmark, alpha, out)
    assert 0.03 < (out > 0).mean() < 0.3  # a real shadow, not an empty layer


def test_composite(benchmark: pytest.FixtureRequest, scene: tuple, stages: tuple) -> None:
    _, fg, alpha, bg = scene
    shadow = stages[1].cast(alpha, bg)
    _info(benchmark, alpha, shadow)
    out = benchmark.pedantic(stages[2].composite, args=(fg, alpha, bg, shadow), rounds=5, iterations=1, warmup_rounds=1)
    assert out.shape == bg.shape


def test_relight_shadow_composite(benchmark: pytest.FixtureRequest, scene: tuple, stages: tuple) -> None:
    """Issue 5's figure: the three finishing stages in sequence, as the pipeline runs them."""
    _, fg, alpha, bg = scene
    relighter, caster, compositor = stages

    def finish() -> np.ndarray:
        # as Pipeline._run does: the inputs and each library stage's output are checked once, not by every stage
        with checked_once():
            trust(fg), trust(alpha), trust(bg)
            relit = trust(relighter.relight(fg, alpha, bg))
            return compositor.composite(relit, alpha, bg, trust(caster.cast(alpha, bg)))

    _info(benchmark, alpha, caster.cast(alpha, bg))
    out = benchmark.pedantic(finish, rounds=7, iterations=1, warmup_rounds=1)
    assert out.shape == bg.shape
