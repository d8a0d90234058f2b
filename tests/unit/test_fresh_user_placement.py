"""A fresh user's findings on placement, prepared backgrounds and the command line (each failed on the old code).

1. A prepared background without a horizon made humanseg 135 874 px tall in a 1080 px hall, silently: a size
   that nothing gives is now the named, uncertain ``size-guessed`` warning, naming the fixes.
2. A prepared background whose light is only the default gave no ``light-default`` (an uploaded texture did).
3. ``--place`` above the sidecar's horizon failed per image after the work, as ``feet:``: now exit 2 up front.
5. ``cut-subject-full-height`` says the unit and the options.
6. A failed ``-o -`` run printed the file's path twice.
7. The summary never says "0 written" when files were written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.conftest import shared_path
from tests.silhouettes import FG, bust_alpha, full_body_alpha

import studiocomp
from studiocomp import InputError, Placement
from studiocomp.backends.shadow.floor import CastShadow
from studiocomp.cli import main
from studiocomp.prepared import BackgroundInfo, Light, write_info


def _codes(placement: Placement, alpha: np.ndarray, size: tuple[int, int] = (400, 600)) -> list[str]:
    return [w.code for w in placement.apply(FG, alpha, size).warnings]


def test_a_size_nothing_gives_is_said_to_be_a_guess() -> None:
    spot = BackgroundInfo(camera_height=1.5, feet=(300.0, 368.0), subject_height=1.7)  # what `backgrounds create` writes
    for place in (Placement(), Placement(feet=(300, 380)), spot.placement(None)):
        found = {w.code: w for w in place.apply(FG, full_body_alpha(), (400, 600)).warnings}
        assert "size-guessed" in found and found["size-guessed"].uncertain, place
        message = found["size-guessed"].message
        assert "horizon" in message and "--place X,Y,H" in message and " px tall" in message, message
    assert "size-guessed" in _codes(Placement(), bust_alpha())  # on the bottom edge at its share of the photo: a guess too
    # anything that gives the scale: a height, a horizon, the sidecar's horizon or floor scale
    assert "size-guessed" not in _codes(Placement(feet=(300, 380), height=200), full_body_alpha())
    assert "size-guessed" not in _codes(Placement(horizon=100), full_body_alpha())
    assert "size-guessed" not in _codes(Placement(horizon=100), bust_alpha())
    assert "size-guessed" not in _codes(BackgroundInfo(horizon=100.0, feet=(300.0, 368.0)).placement(None), full_body_alpha())
    assert "size-guessed" not in _codes(BackgroundInfo(floor_scale=150.0, feet=(300.0, 368.0)).placement(None), full_body_alpha())


def test_the_pipeline_keeps_the_guess_on_a_scene_not_on_a_rendered_preset(tmp_path: Path) -> None:
    image, _ = studiocomp.synthetic.studio_shot((160, 120), seed=2)
    pipe = studiocomp.Pipeline.preset("studio", relighter=None, shadow_caster=None)
    scene = np.random.default_rng(0).uniform(0.2, 0.8, (300, 400, 3)).astype(np.float32)
    assert "size-guessed" in [w.code for w in pipe(image, background=scene, place="auto").warnings]
    assert "size-guessed" not in [w.code for w in pipe(image, background="white", place="auto").warnings]  # a backdrop to fill


def test_humanseg_135_on_a_fresh_prepared_hall_is_flagged_and_the_horizon_sizes_it() -> None:
    """The user's case, with the photo's own mask as the cut-out: 874 px of 1080 with no horizon (flagged); the hall's
    horizon (row 470: the eye level of its gallery rail and screens) makes the same person 593 px tall, unflagged."""
    mask = shared_path("data", "humanseg_removebg290", "mask", "135.png")
    bg = shared_path("data", "composite_assets", "backgrounds", "bgmatting_0001.png")
    alpha = (np.asarray(Image.open(mask).convert("L"), np.float32) / 255.0 > 0.5).astype(np.float32)
    fg = np.full((*alpha.shape, 3), 0.5, np.float32)
    with Image.open(bg) as im:
        size = (im.height, im.width)
    spot = BackgroundInfo(light=Light(0.0, 45.0, 0.004, "default"), camera_height=1.5, feet=(960.0, 993.6), subject_height=1.7)
    guessed = spot.placement(None).apply(fg, alpha, size)
    assert [w.code for w in guessed.warnings] == ["size-guessed"] and guessed.box[1] - guessed.box[0] > 800
    with_horizon = BackgroundInfo(horizon=470.0, camera_height=1.5, feet=(960.0, 993.6), subject_height=1.7).placement(None).apply(fg, alpha, size)
    assert with_horizon.warnings == () and with_horizon.box[1] - with_horizon.box[0] == pytest.approx((993.6 - 470) * 1.7 / 1.5, abs=3)


def test_validate_names_the_option_and_the_actual_problem() -> None:
    with pytest.raises(InputError, match=r"^place: .*1920×1080.*x 99999 is off its width") as info:
        Placement(feet=(99999, 5), horizon=470).validate((1080, 1920), name="place")
    assert "horizon" not in str(info.value)  # the x is the problem, not the row
    with pytest.raises(InputError, match=r"^--place: .*below the horizon \(row 470\).*row 300"):
        Placement(feet=(960, 300), horizon=470).validate((1080, 1920), name="--place")
    Placement(feet=(960, 300), height=200, horizon=470).validate((1080, 1920))  # a given height needs no horizon rule
    with pytest.raises(InputError, match="x 99999 is off"):  # the pipeline's own check says the same first
        Placement(feet=(99999, 5), horizon=470).apply(FG, full_body_alpha(), (1080, 1920))


def test_cut_subject_full_height_says_the_unit_and_the_options() -> None:
    found = {w.code: w.message for w in Placement(horizon=100).apply(FG, bust_alpha(), (400, 600)).warnings}
    message = found["cut-subject-full-height"]
    assert "1.7 m tall" in message and "in metres (--visible-height" in message and "(--place X,Y,H)" in message, message


def test_a_prepared_backgrounds_default_light_is_noted_as_a_plain_backgrounds_is(tmp_path: Path) -> None:
    bg = studiocomp.save_image(tmp_path / "lobby.png", np.full((300, 500, 3), 0.5, np.float32))
    image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=4)
    pipe = studiocomp.Pipeline.preset("studio", relighter=None)
    place = Placement(feet=(250, 280), height=140)
    plain = [w.code for w in pipe(image, background=str(bg), place=place).warnings]
    write_info(bg, BackgroundInfo(light=Light(0.0, 45.0, 0.004, "default"), feet=(250.0, 276.0)))  # `backgrounds create`: "light NOT found"
    default = pipe(image, background=str(bg), place=place).warnings
    assert plain.count("light-default") == 1 and [w.code for w in default].count("light-default") == 1
    note = next(w for w in default if w.code == "light-default")
    assert not note.uncertain and "sidecar" in note.message and "--light" in note.message
    write_info(bg, BackgroundInfo(light=Light(0.0, 45.0, 0.004, "user"), feet=(250.0, 276.0)))  # the same light, set by a person
    assert "light-default" not in [w.code for w in pipe(image, background=str(bg), place=place).warnings]
    caster = studiocomp.Pipeline.preset("studio", relighter=None, shadow_caster=CastShadow(azimuth=90.0, elevation=30.0))
    assert "light-default" not in [w.code for w in caster(image, background=str(bg), place=place).warnings]  # the caller's own light


@pytest.fixture()
def hall(tmp_path: Path) -> Path:
    bg = studiocomp.save_image(tmp_path / "hall.png", np.random.default_rng(3).uniform(0.3, 0.7, (300, 480, 3)).astype(np.float32))
    write_info(bg, BackgroundInfo(horizon=120.0, light=Light(30.0, 40.0, 0.004, "user"), camera_height=1.5, feet=(240.0, 276.0), subject_height=1.7))
    return bg


def _photos(tmp_path: Path, n: int = 2) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(n):
        studiocomp.save_image(src / f"p{i}.png", studiocomp.synthetic.studio_shot((96, 72), seed=i)[0])
    return src


def test_place_above_the_sidecars_horizon_is_refused_before_the_first_photo(tmp_path: Path, hall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _photos(tmp_path), tmp_path / "out"
    code = main(["composite", str(src), "-o", str(out), "--background", str(hall), "--place", "240,100", "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists(), err
    assert "--place 240,100:" in err and "below the horizon (row 120)" in err and "hall.studiocomp.json" in err and "feet:" not in err, err
    code = main(["composite", str(src), "-o", str(out), "--background", str(hall), "--place", "240,100", "--horizon", "50", "--relight", "none", "--shadow", "none", "--progress", "off"])
    assert code == 0, capsys.readouterr().err  # a horizon given above the feet: they stand
    assert main(["composite", str(src), "-o", str(tmp_path / "o2"), "--background", str(hall), "--place", "240,100,80", "--relight", "none", "--shadow", "none", "--progress", "off"]) == 0


def test_a_failed_stream_names_the_file_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gif = tmp_path / "anim_astronaut.gif"
    frames = [Image.new("RGB", (64, 64), (80 * i, 40, 0)) for i in range(3)]
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    code = main(["cutout", str(gif), "-o", "-"])  # to standard output, as in a shell pipe
    err = capsys.readouterr().err
    assert code == 1 and f"failed: {gif}: expected a single-frame image" in err and err.count(str(gif)) == 1, err


def test_the_summary_counts_uncertain_files_among_the_written(tmp_path: Path, hall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _photos(tmp_path, 1), tmp_path / "out"
    # 1.3 frame heights tall: implausible-scale, uncertain, written
    code = main(["composite", str(src), "-o", str(out), "--background", str(hall), "--place", "240,290,390", "--relight", "none", "--shadow", "none", "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 0 and (out / "p0.png").exists()
    assert "composite: 1 written (1 uncertain: 0 for the cut-out, 1 for the placement only; look at it, listed below), 0 failed" in err, err
    assert "0 written" not in err and f"  uncertain (placement): {src / 'p0.png'}: " in err and "implausible-scale" in err, err


def test_the_summary_counts_placement_doubts_apart_from_cut_out_doubts(tmp_path: Path, hall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A fresh user's folder of busts on a background with a horizon: 23 of 28 uncertain files were flagged for the
    placement alone (``cut-subject-full-height``), which hid the five bad cut-outs among them. The summary now counts
    and lists the two kinds apart, the cut-outs first."""
    src, out = _photos(tmp_path, 1), tmp_path / "out"
    studiocomp.save_image(src / "blank.png", np.full((96, 72, 3), 0.5, np.float32))  # nothing to cut out
    code = main(["composite", str(src), "-o", str(out), "--background", str(hall), "--place", "240,290,390", "--relight", "none", "--shadow", "none", "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "2 written (2 uncertain: 1 for the cut-out, 1 for the placement only; look at them, listed below)" in err, err
    lines = [line for line in err.splitlines() if line.startswith("  uncertain")]
    assert lines[0].startswith(f"  uncertain: {src / 'blank.png'}: ") and lines[1].startswith(f"  uncertain (placement): {src / 'p0.png'}: "), lines


def test_backgrounds_create_says_what_a_missing_horizon_means(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bg = studiocomp.save_image(tmp_path / "flat.png", np.full((120, 160, 3), 0.5, np.float32))
    assert main(["backgrounds", "create", str(bg)]) == 0
    err = capsys.readouterr().err
    assert "light NOT found" in err and "size is a guess, flagged size-guessed" in err, err
