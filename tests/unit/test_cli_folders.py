"""What a folder run says about what it did not do (a fresh user's report).

Subfolders are not searched without ``-r``: the summary counts and names them, and a run that
finds nothing says when its subfolders hold images. A missing input is a usage error found
before any folder is made, and a run leaves behind no output folder it created and wrote
nothing into (a folder that existed before is left alone). Each test makes its own inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import studiocomp
from studiocomp.cli import main


def _shot(path: Path, size: tuple[int, int] = (72, 54), seed: int = 0) -> Path:
    image, _ = studiocomp.synthetic.studio_shot(size, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    return studiocomp.save_image(path, image)


@pytest.mark.parametrize("kind", ["cutout", "composite"])
def test_subfolders_not_searched_are_counted_and_named(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    _shot(src / "top.jpg")
    _shot(src / "sub" / "038.jpg", seed=1)
    (src / "other").mkdir()  # an empty subfolder: -r would take nothing from it, so it is not listed
    (src / ".hidden").mkdir()  # hidden ones are passed over as hidden files are
    out = tmp_path / "out"
    assert main([kind, str(src), "-o", str(out), "--progress", "off"]) == 0
    err = capsys.readouterr().err
    assert "1 written" in err and "1 subfolder with images not searched (use -r/--recursive)" in err, err
    assert f"not searched (a subfolder with images; -r/--recursive takes it): {src / 'sub'}" in err
    assert f"{src / 'other'}" not in err and ".hidden" not in err
    assert sorted(p.name for p in out.iterdir()) == ["top.png"]
    # with -r they are searched, and the summary does not mention them
    assert main([kind, str(src), "-o", str(tmp_path / "all"), "-r", "--progress", "off"]) == 0
    err = capsys.readouterr().err
    assert "2 written" in err and "not searched" not in err
    assert (tmp_path / "all" / "sub" / "038.png").is_file()


def test_nothing_found_points_at_recursive_when_subfolders_hold_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    _shot(src / "a" / "deep" / "038.jpg")
    _shot(src / "b" / "039.png", seed=1)
    out = tmp_path / "out"
    assert main(["cutout", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no input files found" in err and "images in 2 subfolders not searched" in err and "-r/--recursive" in err, err
    assert str(src / "a") in err and str(src / "b") in err
    assert not out.exists()
    # subfolders without images: said, without sending the user to -r
    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    (empty / "notes" / "readme.txt").write_text("no images here")
    assert main(["composite", str(empty), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no input files found (1 subfolder without images)" in err and "--recursive" not in err, err


@pytest.mark.parametrize("command", ["cutout", "composite"])
def test_missing_input_is_a_usage_error_before_any_folder_is_made(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o1"
    assert main([command, str(tmp_path / "nonexist.jpg"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'nonexist.jpg'}: no such file or folder" in err, err
    assert not out.exists()
    # beside a good input too: nothing is processed
    good = _shot(tmp_path / "good.jpg")
    assert main([command, str(good), str(tmp_path / "gone"), "-o", str(out)]) == 2
    assert "gone: no such file or folder" in capsys.readouterr().err
    assert not out.exists()
    # a broken symbolic link named directly, and standard output as the target
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    assert main([command, str(tmp_path / "dangling.jpg"), "-o", str(out)]) == 2
    assert "dangling.jpg: a broken symbolic link" in capsys.readouterr().err
    assert main([command, str(tmp_path / "nonexist.jpg"), "-o", "-"]) == 2
    assert not out.exists()


def _bad_inputs(folder: Path) -> dict[str, Path]:
    """One file of each kind that fails on its own: too small, empty, not an image, animated, corrupt."""
    folder.mkdir(parents=True, exist_ok=True)
    bad = {"tiny": studiocomp.save_image(folder / "tiny.jpg", np.full((15, 15, 3), 0.5, np.float32))}
    (folder / "empty.jpg").write_bytes(b"")
    bad["empty"] = folder / "empty.jpg"
    (folder / "text.png").write_text("not an image at all")
    bad["not-an-image"] = folder / "text.png"
    frames = [Image.new("RGB", (64, 64), (40 * i, 90, 200)) for i in range(3)]
    frames[0].save(folder / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    bad["animated"] = folder / "anim.gif"
    data = bytearray(_shot(folder / "src.jpg", size=(96, 72)).read_bytes())
    (folder / "src.jpg").unlink()
    data[len(data) // 3 :] = bytes((i * 37 + 11) % 256 for i in range(len(data) - len(data) // 3))
    (folder / "corrupt.jpg").write_bytes(bytes(data))
    bad["corrupt"] = folder / "corrupt.jpg"
    return bad


@pytest.mark.parametrize("name", ["tiny", "empty", "not-an-image", "animated", "corrupt"])
def test_an_only_input_that_fails_leaves_no_new_folder(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _bad_inputs(tmp_path / "in")[name]
    out = tmp_path / "new" / "deeper" / "out"
    assert main(["cutout", str(source), "-o", str(out), "--progress", "off"]) == 1
    err = capsys.readouterr().err
    assert f"failed: {source}:" in err and "0 written" in err and "1 failed" in err, err
    assert "nothing written: the new folder was not kept" in err
    assert not (tmp_path / "new").exists()  # nor the parents the run made for it
    # an output folder that existed before is left alone, empty as it was
    kept = tmp_path / "kept"
    kept.mkdir()
    assert main(["cutout", str(source), "-o", str(kept), "--progress", "off"]) == 1
    assert kept.is_dir() and not any(kept.iterdir())
    assert "not kept" not in capsys.readouterr().err


def test_a_recursive_run_keeps_what_it_wrote_and_drops_empty_new_subfolders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    _shot(src / "good" / "a.jpg")
    (src / "bad").mkdir()
    (src / "bad" / "empty.jpg").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["cutout", str(src), "-r", "-o", str(out), "--progress", "off"]) == 1
    assert [p.relative_to(out).as_posix() for p in sorted(out.rglob("*"))] == ["good", "good/a.png"]
    assert "not kept" not in capsys.readouterr().err


def test_summary_wording_names_what_it_passed_over(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No '1 files', the files that are not images named (up to 3), no '0 uncertain', no empty subfolder sent to -r."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "notes.txt").write_text("x")
    assert main(["cutout", str(src), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no input files found (1 file that is not an image: notes.txt)" in err, err
    for name in ("a.txt", "b.txt", "c.pdf"):
        (src / name).write_text("x")
    assert main(["cutout", str(src), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "4 files that are not images: a.txt, b.txt, c.pdf and 1 more" in err, err
    _shot(src / "top.jpg")
    (src / "empty").mkdir()
    assert main(["cutout", str(src), "-o", str(tmp_path / "o"), "--progress", "off"]) == 0
    err = capsys.readouterr().err
    assert "1 written" in err and "uncertain" not in err and "not searched" not in err and "empty" not in err, err


@pytest.mark.parametrize("command", ["cutout", "composite"])
def test_an_output_named_like_an_image_is_refused_not_made_a_folder(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`-o result.png` used to make a folder called result.png: it is a usage error that shows the way to one file."""
    photo = _shot(tmp_path / "photo.jpg")
    rc = main([command, str(photo), "-o", str(tmp_path / "result.png")])
    err = capsys.readouterr().err
    assert rc == 2 and not (tmp_path / "result.png").exists()
    assert "looks like an image file" in err and "-o - > result.png" in err
    existing = tmp_path / "shots.png"
    existing.mkdir()  # a folder that already has such a name is still a folder
    assert main([command, str(photo), "-o", str(existing), "--background", "grey"] if command == "composite" else [command, str(photo), "-o", str(existing)]) in (0, 1)
    assert any(existing.iterdir())
