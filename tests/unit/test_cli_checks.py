"""The command line's checks before any work, and what it says about a run (a fresh user's report).

Each test makes its own inputs: option mistakes are usage errors (exit 2, nothing processed), a closed
standard output is a quiet exit, an interrupted run counts every file it wrote, a tiny photo and an
upscaled background are named clearly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import studiocomp
from studiocomp.cli import EXIT_BROKEN_PIPE, main


def _shot(path: Path, size: tuple[int, int] = (96, 72), seed: int = 0) -> Path:
    image, _ = studiocomp.synthetic.studio_shot(size, seed=seed)
    return studiocomp.save_image(path, image)


@pytest.fixture()
def photos(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        _shot(src / f"p{i}.png", seed=i)
    return src


@pytest.fixture()
def background(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    return studiocomp.save_image(tmp_path / "bg.png", rng.uniform(0.3, 0.7, (400, 600, 3)).astype(np.float32))


def _nothing_written(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--fit", "none"], "--fit none keeps the background's own size"),
        (["--place", "5000,5000"], "expected the feet on the 600×400 background"),
    ],
)
def test_placement_mistakes_are_usage_errors_before_any_image(
    photos: Path, background: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], needle: str
) -> None:
    out = tmp_path / "out"
    code = main(["composite", str(photos), "-o", str(out), "--background", str(background), *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and "composite:" not in err  # no summary: nothing was processed
    assert _nothing_written(out)


def test_place_inside_the_background_runs(photos: Path, background: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["composite", str(photos / "p0.png"), "-o", str(out), "--background", str(background), "--place", "300,380"]) in (0, 1)
    assert studiocomp.load_image(out / "p0.png").shape == (400, 600, 3)  # the background's own size


def test_unwritable_output_is_a_usage_error(photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["cutout", str(photos), "-o", str(blocker / "sub")])  # a folder under a file: cannot be made
    err = capsys.readouterr().err
    assert code == 2 and "cannot write there" in err and "cutout:" not in err


def test_folder_to_stdout_is_a_usage_error(photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["composite", str(photos), "-o", "-"])
    err = capsys.readouterr().err
    assert code == 2 and "one image file, not the folder" in err


def test_bad_max_pixels_is_one_usage_error(photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIOCOMP_MAX_PIXELS", "abc")
    out = tmp_path / "out"
    code = main(["cutout", str(photos), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "STUDIOCOMP_MAX_PIXELS" in err and err.count("STUDIOCOMP_MAX_PIXELS") == 1
    assert _nothing_written(out)


def test_max_pixels_message_is_width_by_height(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    src = _shot(tmp_path / "wide.png", size=(40, 90))  # 90 wide, 40 tall
    monkeypatch.setenv("STUDIOCOMP_MAX_PIXELS", "1000")
    assert main(["cutout", str(src), "-o", str(tmp_path / "out")]) == 1
    assert "90×40 (width×height) = 3,600 pixels" in capsys.readouterr().err


def test_horizon_alone_places_the_subject_as_place_auto(photos: Path, tmp_path: Path) -> None:
    src = str(photos / "p0.png")
    runs = {}
    for name, extra in (("plain", []), ("horizon", ["--horizon", "30"]), ("auto", ["--place", "auto", "--horizon", "30"])):
        assert main(["composite", src, "-o", str(tmp_path / name), *extra]) in (0, 1)
        runs[name] = studiocomp.load_image(tmp_path / name / "p0.png")
    assert np.array_equal(runs["horizon"], runs["auto"])  # applied, as --place auto with that horizon
    assert not np.array_equal(runs["horizon"], runs["plain"])  # not ignored


def test_tiny_photo_is_refused_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = studiocomp.save_image(tmp_path / "dot.png", np.full((1, 1, 3), 0.5, np.float32))
    assert main(["composite", str(src), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{studiocomp.pipeline.MIN_SIDE}×{studiocomp.pipeline.MIN_SIDE} pixels" in err and "1×1 pixels, too small" in err
    assert "2×2 block" not in err


def test_upscaled_background_is_noted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _shot(tmp_path / "tall.png", size=(206, 127))
    small = studiocomp.save_image(tmp_path / "small.png", np.full((12, 16, 3), 0.4, np.float32))
    assert main(["composite", str(src), "-o", str(tmp_path / "out"), "--background", str(small)]) in (0, 1)
    err = capsys.readouterr().err
    assert "note: " in err and "background-upscaled: the 16×12 background is enlarged 17.2× to the 127×206 photo" in err
    result = studiocomp.Pipeline.preset("studio", segmenter="backdrop")(src, background=str(small))
    note = next(w for w in result.warnings if w.code == "background-upscaled")
    assert not note.uncertain and note.value == pytest.approx(206 / 12)
    assert not result.uncertain or any(w.uncertain and w.code != "background-upscaled" for w in result.warnings)


def test_no_upscale_note_for_a_large_background_or_a_preset(tmp_path: Path, background: Path) -> None:
    src = _shot(tmp_path / "p.png", size=(96, 72))
    pipe = studiocomp.Pipeline.preset("studio", segmenter="backdrop")
    for bg in (str(background), "white"):
        codes = {w.code for w in pipe(src, background=bg).warnings}
        assert "background-upscaled" not in codes
        if bg == "white":  # a rendered preset has no shadows to read the light from: no light-default note
            assert "light-default" not in codes


class _ClosedPipe:
    """A standard output whose reader went away: every write raises BrokenPipeError."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise OSError("no file descriptor")


@pytest.mark.parametrize("argv", [["models"], ["backends"]])
def test_closed_stdout_is_a_quiet_exit(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(argv) == EXIT_BROKEN_PIPE
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err


def test_closed_stdout_in_a_real_pipe(tmp_path: Path) -> None:
    import subprocess

    script = "import sys; from studiocomp.cli import main; sys.exit(main(['models']))"
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # as `| head -0` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert "Traceback" not in err and "Exception ignored" not in err and "internal error" not in err


def test_backgrounds_create_help_is_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["backgrounds", "create", "--help"])
    out = capsys.readouterr().out
    assert "--camera-height" in out and "--force" in out and "list" not in out.split("options:")[0].split("usage:")[1]


def test_models_list_says_what_is_cached(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from huggingface_hub import constants

    # the hub reads HF_HUB_CACHE once, at import: an earlier test has imported it, so point the constant too
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "cached" in header
    rows = [line for line in out.splitlines()[1:] if line.strip() and not line.startswith("studiocomp")]
    assert rows and all(" no " in f" {line} " for line in rows if line.split()[0] in {s.name for s in studiocomp.hub.list_models()})


def _count(outcomes: Any) -> tuple[int, list[Any]]:
    got: list[Any] = []
    try:
        for outcome in outcomes:
            got.append(outcome)
    except KeyboardInterrupt:
        return 1, got
    return 0, got


def test_interrupted_run_counts_every_file_it_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the pipeline runs file 4: the write in progress completes, and every file written is reported."""
    import time

    from studiocomp.batch import BatchOptions, plan, run_jobs

    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        _shot(src / f"p{i}.png", size=(48, 40), seed=i)
    real = studiocomp.Pipeline.preset("studio", segmenter="backdrop", relighter=None, shadow_caster=None)

    class Interrupted:
        calls = 0

        def decode(self, image: Any, **kw: Any) -> Any:
            return real.decode(image, **kw)

        def __call__(self, item: Any, **kw: Any) -> Any:
            self.calls += 1
            if self.calls == 4:
                raise KeyboardInterrupt
            return real(item, **kw)

    import studiocomp.batch as batch

    original = batch.write_result

    def slow_write(*a: Any, **kw: Any) -> Any:
        time.sleep(0.3)  # the writer lags behind the pipeline, as on a slow disk: results wait to be written
        return original(*a, **kw)

    out = tmp_path / "out"
    jobs = plan([src], out, suffix=".png").jobs
    monkeypatch.setattr(batch, "write_result", slow_write)
    interrupted, got = _count(run_jobs(Interrupted(), jobs, BatchOptions(kind="cutout"), prefetch=2))  # type: ignore[arg-type]
    on_disk = sorted(p.name for p in out.iterdir() if p.suffix == ".png")
    assert interrupted == 1 and all(o.status in ("written", "uncertain") for o in got)
    # the first file's outcome had been yielded; the second was being written when Ctrl-C came: it completes and
    # is reported too (before, the summary said one file fewer than were on disk); the third, queued, is dropped
    assert sorted(Path(o.output).name for o in got if o.output) == on_disk == ["p0.png", "p1.png"]
    assert not list(out.glob(".*"))  # no temporary file left behind
