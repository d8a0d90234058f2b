"""Each stage alone, at 1, 6, 12 and 24 megapixels: the ``studio`` preset's, and trimap refinement.

Run:  pytest benchmarks/test_stages.py --benchmark-enable --benchmark-json=benchmarks/results.json

Every case records image size, thread counts and library versions in ``extra_info``;
pytest-benchmark adds the machine and the commit. The input is a generated studio shot
(3:2 landscape), written once as PNG for the load and save cases. The subject is placed
standing on the floor of a textured background, as in ``test_finishing.py``, so that the
shadow is real.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import studiocomp

SIZES_MP = [1, 6, 12, 24]


def _versions() -> dict[str, str]:
    import cv2

    return {"studiocomp": studiocomp.__version__, "numpy": np.__version__, "opencv": cv2.__version__}


@pytest.fixture(scope="module", params=SIZES_MP, ids=[f"{mp}MP" for mp in SIZES_MP])
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from benchmarks.test_finishing import _scene

    mp = request.param
    w = int((mp * 1e6 * 3 / 2) ** 0.5)
    h = int(w * 2 / 3)
    shot, _ = studiocomp.synthetic.studio_shot((h, w), seed=0)
    path = tmp_path_factory.mktemp(f"stages{mp}") / "shot.png"
    studiocomp.save_image(path, shot)
    fg, alpha, bg = _scene(mp)
    segmenter, matter = studiocomp.create("segmenter", "backdrop"), studiocomp.create("matter", "unmix")
    mask = segmenter.segment(shot)
    caster = studiocomp.create("shadow_caster", "cast")
    return {"mp": mp, "path": path, "shot": shot, "mask": mask, "matter": matter, "segmenter": segmenter, "fg": fg, "alpha": alpha, "bg": bg, "shadow": caster.cast(alpha, bg), "caster": caster}


def _info(benchmark: pytest.FixtureRequest, image: np.ndarray) -> None:
    import cv2

    h, w = image.shape[:2]
    benchmark.extra_info.update({"height": h, "width": w, "megapixels": round(h * w / 1e6, 2), "cv2_threads": cv2.getNumThreads(), "cpus": os.cpu_count(), **_versions()})


def test_load(benchmark: pytest.FixtureRequest, case: dict) -> None:
    _info(benchmark, case["shot"])
    out = benchmark.pedantic(studiocomp.load_image, args=(case["path"],), rounds=3, iterations=1, warmup_rounds=1)
    assert out.shape == case["shot"].shape


def test_segment(benchmark: pytest.FixtureRequest, case: dict) -> None:
    _info(benchmark, case["shot"])
    out = benchmark.pedantic(case["segmenter"].segment, args=(case["shot"],), rounds=3, iterations=1, warmup_rounds=1)
    assert out.shape == case["shot"].shape[:2]


def test_matte(benchmark: pytest.FixtureRequest, case: dict) -> None:
    _info(benchmark, case["shot"])
    out = benchmark.pedantic(case["matter"].matte, args=(case["shot"], case["mask"]), rounds=3, iterations=1, warmup_rounds=1)
    assert out.alpha.shape == case["shot"].shape[:2]


def test_refine(benchmark: pytest.FixtureRequest, case: dict) -> None:
    """Closed-form refinement in a band along the keyer's outline (0.5 % of the long side each way)."""
    from studiocomp import refine

    shot = case["shot"]
    tri = refine.trimap(case["mask"], width=max(2, round(0.005 * max(shot.shape[:2]))))
    _info(benchmark, shot)
    benchmark.extra_info["unknown_pixels"] = int(((tri > 0) & (tri < 1)).sum())
    out = benchmark.pedantic(refine.closed_form, args=(shot, tri), rounds=3, iterations=1, warmup_rounds=1)
    assert out.shape == shot.shape[:2]


def test_relight(benchmark: pytest.FixtureRequest, case: dict) -> None:
    _info(benchmark, case["bg"])
    relighter = studiocomp.create("relighter", "histogram")
    out = benchmark.pedantic(relighter.relight, args=(case["fg"], case["alpha"], case["bg"]), rounds=3, iterations=1, warmup_rounds=1)
    assert out.shape == case["bg"].shape


def test_shadow(benchmark: pytest.FixtureRequest, case: dict) -> None:
    _info(benchmark, case["bg"])
    out = benchmark.pedantic(case["caster"].cast, args=(case["alpha"], case["bg"]), rounds=3, iterations=1, warmup_rounds=1)
    assert out.any()


def test_composite(benchmark: pytest.FixtureRequest, case: dict) -> None:
    _info(benchmark, case["bg"])
    compositor = studiocomp.create("compositor", "matched")
    out = benchmark.pedantic(compositor.composite, args=(case["fg"], case["alpha"], case["bg"], case["shadow"]), rounds=3, iterations=1, warmup_rounds=1)
    assert out.shape == case["bg"].shape


def test_save(benchmark: pytest.FixtureRequest, case: dict, tmp_path: Path) -> None:
    _info(benchmark, case["shot"])
    target = tmp_path / "out.png"
    out = benchmark.pedantic(studiocomp.save_image, args=(target, case["shot"]), rounds=3, iterations=1, warmup_rounds=1)
    assert out.exists()
