"""studiocomp.batch: the folder-run functions the CLI and the Dask scale-out share."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from studiocomp import Pipeline, save_image
from studiocomp.batch import BatchOptions, plan, process_file
from studiocomp.image import load_image


def _photo(path: Path) -> Path:
    rng = np.random.default_rng(0)
    img = np.full((48, 40, 3), 0.85, np.float32)
    img[10:44, 12:28] = (0.6, 0.3, 0.2)
    img += rng.normal(0, 0.01, img.shape).astype(np.float32)
    return save_image(path, np.clip(img, 0, 1))


def test_plan_finds_jobs_collisions_and_overwrites(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    _photo(src / "a.jpg")
    _photo(src / "a.png")  # same stem in one folder: both keep their extension
    _photo(src / "sub" / "b.png")
    (src / "notes.txt").write_text("x")
    batch = plan([src], tmp_path / "out", suffix=".png", recursive=True)
    assert sorted(j.output.relative_to(tmp_path / "out").as_posix() for j in batch.jobs) == ["a-jpg.png", "a-png.png", "sub/b.png"]
    assert batch.failures == [] and batch.not_images == [str(src / "notes.txt")]
    # writing into the input folder itself: an output that is an input fails before any work
    same = plan([src / "sub" / "b.png"], src / "sub", suffix=".png")
    assert same.jobs == [] and "would overwrite an input" in same.failures[0][1]


def test_process_file_writes_or_reports_never_raises(tmp_path: Path) -> None:
    pipe = Pipeline.preset("studio", segmenter="backdrop")
    good = _photo(tmp_path / "good.png")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    options = BatchOptions(kind="cutout")
    ok = process_file(pipe, good, tmp_path / "out" / "good.png", options)
    assert ok.status in ("written", "uncertain") and ok.output is not None
    rgb, alpha = load_image(ok.output, with_alpha=True)
    assert rgb.shape == (48, 40, 3) and alpha is not None and alpha.shape == (48, 40)
    failed = process_file(pipe, bad, tmp_path / "out" / "bad.png", options)
    assert failed.status == "failed" and failed.output is None and failed.reason and str(bad) not in failed.reason
    assert not (tmp_path / "out" / "bad.png").exists()
    again = process_file(pipe, good, tmp_path / "out" / "good.png", BatchOptions(kind="cutout", skip_existing=True))
    assert again.status == "skipped"
