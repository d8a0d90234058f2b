"""The command line: folder runs that skip bad files, exit codes, no overwritten inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import studiocomp
from studiocomp.cli import main


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        image, _ = studiocomp.synthetic.studio_shot((160, 120), seed=i)
        studiocomp.save_image(src / f"good{i}.jpg", image)
    (src / "empty.png").write_bytes(b"")
    (src / "notes.txt").write_text("not an image")
    full = (src / "good0.jpg").read_bytes()
    (src / "truncated.jpg").write_bytes(full[: len(full) // 2])
    (src / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    (src / ".DS_Store").write_bytes(b"\x00\x01")
    return src


def test_folder_run_skips_bad_files(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["composite", str(folder), "--output", str(out), "--background", "pink-white-2"])
    err = capsys.readouterr().err
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["good0.png", "good1.png"]
    for bad in ("empty.png", "truncated.jpg", "corrupt.png"):
        assert f"failed: {folder / bad}" in err
    assert f"skipped (not an image): {folder / 'notes.txt'}" in err
    assert ".DS_Store" not in err
    assert "2 written, 3 failed" in err and "uncertain" not in err and "1 skipped (not images)" in err
    # outputs are complete images
    assert studiocomp.load_image(out / "good0.png").shape == (160, 120, 3)


def test_all_good_exits_zero_and_cutout_has_alpha(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cut"
    assert main(["cutout", str(folder / "good0.jpg"), str(folder / "good1.jpg"), "-o", str(out), "--progress", "on"]) == 0
    _, alpha = studiocomp.load_image(out / "good0.png", with_alpha=True)
    assert alpha is not None and 0.05 < alpha.mean() < 0.95


def test_never_overwrites_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image, _ = studiocomp.synthetic.studio_shot((96, 96), seed=1)
    src = studiocomp.save_image(tmp_path / "shot.png", image)
    before = src.read_bytes()
    assert main(["composite", str(src), "-o", str(tmp_path)]) == 1
    assert src.read_bytes() == before
    assert "would overwrite an input" in capsys.readouterr().err


def test_same_stem_inputs_get_distinct_outputs(tmp_path: Path) -> None:
    image, _ = studiocomp.synthetic.studio_shot((96, 96), seed=2)
    studiocomp.save_image(tmp_path / "a.png", image)
    studiocomp.save_image(tmp_path / "a.jpg", image)
    out = tmp_path / "out"
    assert main(["composite", str(tmp_path / "a.png"), str(tmp_path / "a.jpg"), "-o", str(out), "--format", "jpg"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a-jpg.jpg", "a-png.jpg"]


def test_skip_existing_and_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image, _ = studiocomp.synthetic.studio_shot((96, 96), seed=3)
    src = studiocomp.save_image(tmp_path / "s.png", image)
    out = tmp_path / "out"
    out.mkdir()
    (out / "s.png").write_bytes(b"keep me")
    assert main(["composite", str(src), "-o", str(out), "--skip-existing"]) == 0
    assert (out / "s.png").read_bytes() == b"keep me"
    assert main(["composite", str(tmp_path / "missing.png"), "-o", str(out)]) == 2  # a usage error: nothing processed
    assert "no such file or folder" in capsys.readouterr().err


def test_bad_background_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image, _ = studiocomp.synthetic.studio_shot((96, 96), seed=3)
    src = studiocomp.save_image(tmp_path / "s.png", image)
    assert main(["composite", str(src), "-o", str(tmp_path / "o"), "--background", "plaid"]) == 2
    err = capsys.readouterr().err
    assert "preset name" in err and err.count("plaid") == 1 and "written" not in err
    assert main(["composite", str(src), "-o", str(tmp_path / "o"), "--quality", "0"]) == 2


def test_demo_and_help(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "-o", str(tmp_path), "--height", "240", "--width", "180"]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"input.png", "cutout.png", "sheet.png", "composite-pink-white-1.png"} <= names
    with pytest.raises(SystemExit) as exc:
        main(["composite", "--help"])
    assert exc.value.code == 0
    assert "--background" in capsys.readouterr().out


def test_backends_lists_everything_and_flags_copyleft(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backends"]) == 0
    out = capsys.readouterr().out
    for name in ("backdrop", "selfie", "u2netp", "deeplab", "sam", "modnet", "unmix", "alpha-over", "portrait", "studio"):
        assert name in out
    assert "rvm (GPL-3.0 weights)" in out


def test_composite_with_relight_and_shadow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    image, alpha = studiocomp.synthetic.studio_shot((200, 150), seed=4)
    studiocomp.save_image(tmp_path / "in.png", image)
    code = main(["composite", str(tmp_path / "in.png"), "-o", str(tmp_path / "out"), "--relight", "histogram", "--shadow", "cast", "--light", "90,30"])
    assert code == 0 and (tmp_path / "out" / "in.png").exists()
    assert main(["composite", str(tmp_path / "in.png"), "-o", str(tmp_path / "out2"), "--shadow", "cast", "--light", "east"]) == 2
    for bad in ("400,10", "90,2"):  # out of range: a usage error naming --light
        assert main(["composite", str(tmp_path / "in.png"), "-o", str(tmp_path / "out3"), "--light", bad]) == 2
    assert "--light expects an azimuth" in capsys.readouterr().err
    assert np.isfinite(studiocomp.load_image(tmp_path / "out" / "in.png")).all()


def test_composite_places_the_subject_and_writes_layers(tmp_path: Path) -> None:
    import numpy as np

    image, _ = studiocomp.synthetic.studio_shot((200, 150), seed=4)
    studiocomp.save_image(tmp_path / "in.png", image)
    bg = np.zeros((240, 400, 3), np.float32)
    bg[...] = np.linspace(0.3, 0.9, 400, dtype=np.float32)[None, :, None]
    studiocomp.save_image(tmp_path / "bg.png", bg)
    args = ["composite", str(tmp_path / "in.png"), "-o", str(tmp_path / "out"), "--background", str(tmp_path / "bg.png")]
    assert main([*args, "--place", "200,230,150", "--layers", "tiff"]) == 0
    out = studiocomp.load_image(tmp_path / "out" / "in.png")
    assert out.shape == (240, 400, 3)  # the background's frame, not the photo's
    layers = sorted(p.name for p in (tmp_path / "out" / "in_layers").iterdir())
    assert layers == ["background.tif", "composite.tif", "shadow.tif", "subject.tif"]
    _, subject_alpha = studiocomp.load_image(tmp_path / "out" / "in_layers" / "subject.tif", with_alpha=True)
    rows = np.flatnonzero((subject_alpha >= 0.5).any(axis=1))
    assert rows[-1] == pytest.approx(229, abs=2) and rows[-1] - rows[0] + 1 == pytest.approx(150, abs=3)
    assert main([*args, "--place", "left"]) == 2
    assert main([*args, "--place", "auto", "--horizon", "100", "--relight", "none", "--shadow", "none"]) == 0


def test_ctrl_c_while_the_command_is_still_importing_exits_130(tmp_path: Path) -> None:
    """Ctrl-C while ``import numpy`` runs (the first few tenths of a second of every command): one line and exit 130,
    through the console script's own entry point as pyproject.toml declares it. The interrupt is raised by an import
    hook when NumPy is imported, exactly where a user's came; it printed a traceback and died by SIGINT."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    target = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]["scripts"]["studiocomp"]
    module, func = target.split(":")
    code = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'numpy':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        f"from {module} import {func}\n"  # as the console script does
        "sys.argv[1:] = ['--version']\n"
        f"sys.exit({func}())\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert res.returncode == 130, res.stderr
    assert res.stderr == "studiocomp: interrupted\n", res.stderr
