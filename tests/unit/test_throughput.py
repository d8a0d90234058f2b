"""Folder throughput (issue 16, part 3): the overlapped folder engine, batched inference, the int8 gate."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from studiocomp import InputError, Pipeline, save_image
from studiocomp.batch import BatchOptions, plan, process_file, run_jobs
from studiocomp.pipeline import DecodedImage


def _photo(path: Path, seed: int, alpha: bool = False) -> Path:
    rng = np.random.default_rng(seed)
    img = np.full((52 + seed, 40, 3), 0.85, np.float32)
    img[10:44, 12:28] = (0.6, 0.3, 0.2)
    img += rng.normal(0, 0.01, img.shape).astype(np.float32)
    a = None
    if alpha:  # an input that is already transparent: its alpha is the cut-out
        a = np.zeros(img.shape[:2], np.float32)
        a[5:30, 5:30] = 1.0
    return save_image(path, np.clip(img, 0, 1), a)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(7):
        _photo(src / f"p{i}.png", i, alpha=i == 3)
    (src / "p2b.jpg").write_bytes(b"\xff\xd8 not a jpeg")  # fails in the middle of the run
    return src


def _outcomes(pipe: Pipeline, src: Path, out: Path, options: BatchOptions, **kw: int) -> list[tuple[str, str, str]]:
    batch = plan([src], out, suffix=".png")
    return [(Path(o.source).name, o.status, o.reason) for o in run_jobs(pipe, batch.jobs, options, **kw)]


@pytest.mark.parametrize("kind", ["cutout", "composite"])
def test_overlapped_run_equals_one_by_one(folder: Path, tmp_path: Path, kind: str) -> None:
    pipe = Pipeline.preset("studio", segmenter="backdrop", relighter=None, shadow_caster=None, compositor="alpha-over")
    options = BatchOptions(kind=kind, background="grey")  # type: ignore[arg-type]
    batch = plan([folder], tmp_path / "seq", suffix=".png")
    sequential = [process_file(pipe, j.source, j.output, options) for j in batch.jobs]
    expected = [(Path(o.source).name, o.status, o.reason) for o in sequential]
    assert [s for _, s, _ in expected].count("failed") == 1
    for name, kw in {"prefetch0": {"prefetch": 0}, "prefetch2": {"prefetch": 2}, "prefetch1-batch3": {"prefetch": 1, "batch_size": 3}}.items():
        out = tmp_path / name
        assert _outcomes(pipe, folder, out, options, **kw) == expected, name  # same statuses, reasons and order
        for o in sequential:
            if o.output is not None:
                assert (out / Path(o.output).name).read_bytes() == Path(o.output).read_bytes(), (name, o.output)
        assert sorted(p.name for p in out.iterdir()) == sorted(Path(o.output).name for o in sequential if o.output)


def test_skip_existing_and_bad_options(folder: Path, tmp_path: Path) -> None:
    pipe = Pipeline(segmenter="backdrop")
    out = tmp_path / "out"
    first = _outcomes(pipe, folder, out, BatchOptions(kind="cutout"))
    again = _outcomes(pipe, folder, out, BatchOptions(kind="cutout", skip_existing=True))
    assert [s for _, s, _ in again] == ["skipped" if s != "failed" else "failed" for _, s, _ in first]
    jobs = plan([folder], out).jobs
    for bad in ({"prefetch": -1}, {"batch_size": 0}, {"prefetch": True}):
        with pytest.raises(InputError):
            next(run_jobs(pipe, jobs, BatchOptions(), **bad))  # type: ignore[arg-type]


def test_closing_the_run_stops_its_threads_and_leaves_no_partial_file(folder: Path, tmp_path: Path) -> None:
    pipe = Pipeline(segmenter="backdrop")
    out = tmp_path / "out"
    before = threading.active_count()
    run = run_jobs(pipe, plan([folder], out).jobs, BatchOptions(kind="cutout"), prefetch=2)
    first = next(run)
    assert first.status in ("written", "uncertain")
    run.close()  # what a KeyboardInterrupt in the CLI's loop does
    assert threading.active_count() == before
    leftovers = [p.name for p in out.iterdir() if not p.name.endswith(".png")]
    assert leftovers == []  # no temporary files: every write is atomic, the one in flight was finished
    for p in out.iterdir():  # every file there is complete
        assert p.stat().st_size > 0


def test_decoded_image_gives_the_path_result(folder: Path) -> None:
    pipe = Pipeline(segmenter="backdrop")
    for name in ("p1.png", "p3.png"):  # opaque, and transparent (its alpha is the cut-out)
        path = folder / name
        decoded = Pipeline.decode(path, input_alpha="cutout")
        assert isinstance(decoded, DecodedImage) and (decoded.alpha is not None) == (name == "p3.png")
        a, b = pipe(path), pipe(decoded)
        assert np.array_equal(a.alpha, b.alpha) and np.array_equal(a.composite, b.composite)
        assert [str(w) for w in a.warnings] == [str(w) for w in b.warnings]
    with pytest.raises(InputError, match="input_alpha"):
        pipe(Pipeline.decode(folder / "p1.png", input_alpha="ignore"), input_alpha="cutout")
    # no batched segmenter: segment_batch leaves the photos for the pipeline to segment one by one
    photos = [Pipeline.decode(folder / f"p{i}.png") for i in range(2)]
    assert all(d.mask is None for d in pipe.segment_batch(photos))


def test_int8_is_refused_where_its_accuracy_does_not_hold() -> None:
    from studiocomp.runtime.quantize import INT8_EVALUATION, int8_allowed

    assert not int8_allowed("u2netp") and not int8_allowed("no-such-model")
    with pytest.raises(InputError, match=r"0\.8865 → 0\.6494"):
        import studiocomp

        studiocomp.create("segmenter", "u2netp", precision="int8")
    with pytest.raises(InputError, match="precision"):
        import studiocomp

        studiocomp.create("segmenter", "selfie", precision="fp16")
    assert set(INT8_EVALUATION) == {"u2netp", "selfie"}


@pytest.mark.parametrize("model", [pytest.param("u2netp", marks=pytest.mark.slow), "selfie"])  # u2netp: 9 runs of ~0.3 s or more
def test_batched_inference_equals_one_by_one(hub_cache: Path, model: str) -> None:
    pytest.importorskip("onnx", reason="batched inference rewrites the model with the onnx package")
    from tests.conftest import shared_path

    import studiocomp
    from studiocomp.image import load_image

    folder = shared_path("data", "pfcn_portrait_test", "image")
    photos = [load_image(p) for p in sorted(folder.glob("*.jpg"))[:3]]
    photos[1] = np.ascontiguousarray(photos[1][:500, :350])  # another size in the same batch
    seg = studiocomp.create("segmenter", model)
    batched = seg.segment_batch(photos)
    for one, many in zip(photos, batched, strict=True):
        single = seg.segment(one)
        assert many.shape == single.shape and many.dtype == bool
        assert np.count_nonzero(many != single) <= 2, "batched masks equal the one-by-one ones (up to float rounding at the threshold)"
    # in a pipeline, through the folder engine: the same masks
    pipe = Pipeline(segmenter=seg)
    decoded = pipe.segment_batch([Pipeline.decode(p) for p in photos])
    assert all(d.mask is not None for d in decoded)
    for d, one in zip(decoded, photos, strict=True):
        assert np.array_equal(pipe(d).mask, d.mask) and np.count_nonzero(pipe(one).mask != d.mask) <= 2


def test_int8_model_is_made_once_with_its_source_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnx", reason="ONNX Runtime's quantisation needs the onnx package")
    import json

    import onnxruntime as ort
    from tests.conftest import shared_path

    from studiocomp.hub import get_spec
    from studiocomp.runtime.quantize import RECIPE, int8_model

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a file outside the hub cache: its int8 goes here
    fp32 = shared_path("weights", "mediapipe_selfie", "selfie_segmentation.onnx")
    rng = np.random.default_rng(0)
    calibration = [{"input_1:0": rng.random((1, 256, 256, 3), dtype=np.float32)} for _ in range(2)]
    path = int8_model(fp32, calibration)
    assert path.parent == tmp_path / "cache" / "studiocomp" / "int8" and not (fp32.parent / f"{fp32.stem}.int8.onnx").exists()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["source_sha256"] == get_spec("selfie").sha256 and meta["recipe"] == RECIPE
    stamp = path.stat().st_mtime_ns
    assert int8_model(fp32, []) == path and path.stat().st_mtime_ns == stamp  # cached: not made again (no calibration needed)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert any(n.op_type.startswith("QLinear") for n in __import__("onnx").load(str(path)).graph.node)
    out = session.run(None, calibration[0])[0]
    assert out.shape == (1, 256, 256, 1) and np.isfinite(out).all()
