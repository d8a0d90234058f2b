"""A second fresh user's findings on prepared backgrounds (each failed on the old code).

1. A sidecar that cannot work with its image (``place.feet [9999, 100]`` or ``horizon 900`` on a 512×512 image) or
   cannot be read (``"horizon": "abc"``, not JSON) failed each photo after its segmentation, exit 1, the first two
   without naming the sidecar: now one check (:meth:`BackgroundInfo.check`) before the first photo, exit 2, naming
   the sidecar file and the field, the same words from the pipeline (and the service, tests/serve).
2. ``studiocomp backgrounds list`` printed ``None``, hid ``place`` and ``floor_scale``, labelled a partial light
   ``(user)`` with elevation ``None`` and flagged nothing: now "not set", every field, "partial", and the check's words.
3. ``pipe(photo, place=(x, y))`` was refused though the command line takes ``X,Y`` and ``X,Y,H``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import studiocomp
from studiocomp import InputError, Placement
from studiocomp.cli import main
from studiocomp.prepared import BackgroundInfo, read_info, sidecar_path

BAD = {  # what the fresh user wrote next to a 512×512 image, and the field each error must name
    "syntax": ('{"version":1,"horizon":"abc"}', "horizon"),
    "horizon": ('{"version":1,"horizon":900}', "horizon"),
    "json": ("{not json", "a readable JSON sidecar"),
    "feet": ('{"version":1,"light":{"azimuth":30},"place":{"feet":[9999,100]}}', "place.feet"),
}


def _background(path: Path, sidecar: str | None = None, size: int = 512) -> Path:
    studiocomp.save_image(path, np.random.default_rng(1).uniform(0.3, 0.7, (size, size, 3)).astype(np.float32))
    if sidecar is not None:
        sidecar_path(path).write_text(sidecar)
    return path


def test_check_names_the_field_and_what_the_image_allows() -> None:
    BackgroundInfo(horizon=200.0, floor_line=300.0, feet=(256.0, 480.0)).check((512, 512))  # fine
    BackgroundInfo(horizon=-40.0).check((512, 512))  # a camera tilted down: the horizon above the frame is a real scene
    cases = [
        (BackgroundInfo(horizon=900.0), "hall.studiocomp.json: horizon", "less than 512"),
        (BackgroundInfo(horizon=512.0), "hall.studiocomp.json: horizon", "got 512"),
        (BackgroundInfo(floor_line=-3.0), "hall.studiocomp.json: floor_line", "0 to 512"),
        (BackgroundInfo(feet=(9999.0, 100.0)), "hall.studiocomp.json: place.feet", "x 9999 is off its width (0 to 512)"),
        (BackgroundInfo(horizon=300.0, feet=(256.0, 200.0)), "hall.studiocomp.json: place.feet", "below the horizon (row 300)"),
    ]
    for info, argument, words in cases:
        with pytest.raises(InputError) as err:
            info.check((512, 512), where="hall.studiocomp.json")
        assert err.value.argument == argument and words in str(err.value), str(err.value)


@pytest.mark.parametrize("data", ['{"version":1,"light":{"azimuth":9999}}', '{"version":1,"light":{"softness":5}}'])
def test_a_light_the_cast_shadow_refuses_is_refused_when_read(tmp_path: Path, data: str) -> None:
    img = _background(tmp_path / "hall.png", data, 64)  # the cast shadow refused these per photo (CastShadow.with_light)
    with pytest.raises(InputError, match="hall.studiocomp.json: light"):
        read_info(img)


@pytest.mark.parametrize("kind", sorted(BAD))
def test_composite_refuses_a_bad_sidecar_before_the_first_photo(tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    text, field = BAD[kind]
    bg = _background(tmp_path / "d.png", text)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(2):
        studiocomp.save_image(src / f"p{i}.png", studiocomp.synthetic.studio_shot((96, 72), seed=i)[0])
    code = main(["composite", str(src), "-o", str(out), "--background", str(bg), "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists(), err  # a usage error, before any photo (nothing written, no folder made)
    assert err.count("error:") == 1 and "d.studiocomp.json" in err and field in err, err


@pytest.mark.parametrize("kind", ["horizon", "feet"])
def test_the_pipeline_names_the_sidecar_before_the_photo(tmp_path: Path, kind: str) -> None:
    text, field = BAD[kind]
    bg = _background(tmp_path / "d.png", text)
    pipe = studiocomp.Pipeline.preset("studio", relighter=None, shadow_caster=None)
    with pytest.raises(InputError) as err:
        pipe(studiocomp.synthetic.studio_shot((96, 72), seed=0)[0], background=str(bg))
    assert err.value.argument == f"{sidecar_path(bg)}: {field}", str(err.value)


def test_backgrounds_list_says_not_set_shows_every_field_and_flags_what_cannot_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, (text, _) in BAD.items():
        _background(tmp_path / f"{name}.png", text, 64 if name != "horizon" else 512)
    _background(tmp_path / "good.png", '{"version":1,"horizon":20,"floor_scale":80,"light":{"azimuth":120,"elevation":35,"source":"shadows"},"place":{"feet":[32,60],"subject_height":1.7}}', 64)
    _background(tmp_path / "plain.png", None, 64)
    assert main(["backgrounds", "list", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = {line.split(":")[0]: line for line in out.splitlines() if not line.startswith(" ")}
    assert "None" not in out, out
    assert "floor line not set" in lines["good.png"] and "floor scale 80 px/m" in lines["good.png"] and "place feet (32, 60)" in lines["good.png"], out
    assert "azimuth 120°, elevation 35° (shadows)" in lines["good.png"] and "subject 1.7 m" in lines["good.png"], out
    assert "camera not set" in lines["good.png"] and "cannot work" not in out.split("good.png")[1].split("\n", 2)[1], out
    assert "azimuth 30° only (partial" in lines["feet.png"], out
    assert "place.feet" in out.split("feet.png:")[1] and "x 9999 is off its width (0 to 64)" in out, out
    assert "horizon.studiocomp.json: horizon: expected a row above the bottom of the 512×512 image" in out, out
    assert "syntax.png: bad sidecar" in out and "json.png: bad sidecar" in out and "plain.png: not prepared" in out, out


def test_place_takes_x_y_and_x_y_height_as_the_command_line_does(tmp_path: Path) -> None:
    bg = _background(tmp_path / "hall.png", None, 300)
    image = studiocomp.synthetic.studio_shot((160, 120), seed=2)[0]
    pipe = studiocomp.Pipeline.preset("studio", relighter=None, shadow_caster=None)
    for given, placement in [((150, 280), Placement(feet=(150, 280))), ((150.0, 280.0, 200.0), Placement(feet=(150, 280), height=200))]:
        got = pipe(image, background=str(bg), place=given)
        want = pipe(image, background=str(bg), place=placement)
        assert got.composite.shape == (300, 300, 3) and np.array_equal(got.placed_alpha, want.placed_alpha)
    for bad in [(1,), (1, 2, 3, 4), ("1", "2"), (True, 2)]:
        with pytest.raises(InputError, match=r"place: expected a Placement, 'auto', \(x, y\)"):
            pipe(image, background=str(bg), place=bad)  # type: ignore[arg-type]
