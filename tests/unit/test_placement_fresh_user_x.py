"""A fresh user's placement and prepared-background findings, second round (issue 13; each test fails on the old code).

1. Following ``cut-subject-full-height``'s advice (``--subject-height 0.6``) made busts tiny torsos on the bottom
   edge, still warned; and the run-wide height made a full-length subject a 0.6 m person, unwarned.
2. ``--horizon 470`` and ``"horizon": 470`` in a fresh sidecar placed the same subject at different rows and sizes.
3. A subject cut by its photo's side edge was laid mid-frame (a straight vertical slice), unwarned.
4. Sidecars took unknown keys (``"hrizon"``) and light sources (``"banana"``) silently.
5. A sidecar whose image was replaced by another of the same size was used silently.
6. ``light-default`` was noted for busts that cast no shadow, and its words changed with each photo's crop.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.silhouettes import FG, bust_alpha, full_body_alpha

import studiocomp
from studiocomp import InputError, Placement
from studiocomp.backends.shadow.floor import CastShadow
from studiocomp.cli import main
from studiocomp.placement import Placed
from studiocomp.prepared import BackgroundInfo, Light, read_info, sidecar_path, write_info

SIZE = (400, 600)


def _codes(placed: Placed) -> list[str]:
    return [w.code for w in placed.warnings]


def test_a_busts_visible_height_sizes_it_with_its_cut_on_the_bottom_edge_and_clears_the_warning() -> None:
    horizon = 150.0
    warned = Placement(horizon=horizon).apply(FG, bust_alpha(), SIZE)
    assert "cut-subject-full-height" in _codes(warned)
    placed = Placement(horizon=horizon, visible_height=0.6).apply(FG, bust_alpha(), SIZE)
    assert "cut-subject-full-height" not in _codes(placed) and "implausible-scale" not in _codes(placed), placed.warnings
    top, bottom = placed.box[:2]
    assert bottom == SIZE[0]  # the cut stays on the bottom edge
    # head 1.7 m above the floor, the cut 0.6 m below it, which lies on row 400: 0.6 · 250 / (1.5 − 1.1) px
    assert bottom - top == pytest.approx(0.6 * (SIZE[0] - horizon) / 0.4, abs=2)
    # nearer than a whole person at the bottom edge would be: larger than the old rule's 0.6 m "person" (100 px)
    assert bottom - top > 3 * (SIZE[0] - horizon) * 0.6 / 1.5
    # the same through a prepared background's spot for whole people, and a top-cut subject feet-first
    spot = BackgroundInfo(horizon=horizon, feet=(300.0, 368.0)).placement(Placement(visible_height=0.6))
    assert spot.apply(FG, bust_alpha(), SIZE).box == placed.box
    head_cut = full_body_alpha()
    head_cut[:20] = 1.0  # reaches the photo's top edge
    assert "cut-subject-full-height" not in _codes(Placement(horizon=horizon, visible_height=1.2).apply(FG, head_cut, SIZE))


def test_a_run_wide_height_is_for_whole_subjects_and_an_implausible_one_is_flagged() -> None:
    whole = Placement(horizon=150.0, subject_height=0.6, visible_height=0.6).apply(FG, full_body_alpha(), SIZE)
    found = {w.code: w.message for w in whole.warnings}
    assert "implausible-scale" in found and "0.6 m" in found["implausible-scale"] and "--visible-height" in found["implausible-scale"]
    # --visible-height leaves whole subjects alone: sized by the 1.7 m default as before
    plain = Placement(horizon=150.0).apply(FG, full_body_alpha(), SIZE)
    assert Placement(horizon=150.0, visible_height=0.6).apply(FG, full_body_alpha(), SIZE).box == plain.box and plain.warnings == ()


def test_one_horizon_places_alike_from_the_command_line_and_from_a_fresh_sidecar() -> None:
    size = (1080, 1920)
    cli = Placement(horizon=470.0).apply(FG, full_body_alpha(), size)  # --place auto --horizon 470
    fresh = BackgroundInfo(horizon=470.0, camera_height=1.5, feet=(960.0, 993.6), subject_height=1.7)  # `backgrounds create` + horizon
    sidecar = fresh.placement(Placement()).apply(FG, full_body_alpha(), size)
    assert cli.box == sidecar.box and cli.box[1] == pytest.approx(0.92 * 1080, abs=1)  # feet 92 % down the frame, sized by the horizon
    assert cli.box[1] - cli.box[0] == pytest.approx((993.6 - 470) * 1.7 / 1.5, abs=2)


def _left_cut() -> np.ndarray:
    a = np.zeros((200, 120), np.float32)
    a[40:200, 0:70] = 1.0  # cut by the photo's left and bottom edges (a portrait leaning out of the frame)
    return a


def test_a_subject_cut_by_a_side_edge_is_kept_against_it_or_flagged() -> None:
    auto = Placement().apply(FG, _left_cut(), SIZE)
    assert auto.box[2] == 0 and "cut-subject-side" not in _codes(auto)  # x not given: the cut on the frame's left edge
    spot = BackgroundInfo(horizon=150.0, feet=(300.0, 368.0)).placement(None).apply(FG, _left_cut(), SIZE)
    assert spot.box[2] == 0 and "cut-subject-side" not in _codes(spot)
    given = Placement(feet=(300, 380), height=200).apply(FG, _left_cut(), SIZE)
    found = {w.code: w.message for w in given.warnings}
    assert "cut-subject-side" in found and "left edge" in found["cut-subject-side"] and "--place" in found["cut-subject-side"], given.warnings
    right = Placement(feet=(300, 380), height=200).apply(FG, _left_cut()[:, ::-1].copy(), SIZE)
    assert "right edge" in {w.code: w.message for w in right.warnings}["cut-subject-side"]
    assert "cut-subject-side" not in _codes(Placement(feet=(300, 380), height=200).apply(FG, full_body_alpha(), SIZE))
    wide = np.zeros((200, 120), np.float32)
    wide[60:, :] = 1.0  # cut by both sides and the bottom: only a size that spans the frame hides the cuts
    both = {w.code: w.message for w in Placement().apply(FG, wide, SIZE).warnings}
    assert "both side edges" in both["cut-subject-side"] and "--place 300,400,700" in both["cut-subject-side"], both


def _image(path: Path, seed: int = 0) -> Path:
    return studiocomp.save_image(path, np.random.default_rng(seed).uniform(0.2, 0.8, (120, 160, 3)).astype(np.float32))


@pytest.mark.parametrize(
    ("change", "named", "allowed"),
    [
        (lambda d: d.update(hrizon=470), "hrizon", "did you mean 'horizon'"),
        (lambda d: d["light"].update(sorce="user"), "light.sorce", "did you mean 'light.source'"),
        (lambda d: d["place"].update(subject_hieght=1.7), "place.subject_hieght", "did you mean 'place.subject_height'"),
        (lambda d: d["light"].update(source="banana"), "light.source", "'user', 'shadows', 'default'"),
    ],
)
def test_unknown_sidecar_keys_and_light_sources_are_refused_by_name(tmp_path: Path, change: object, named: str, allowed: str) -> None:
    img = _image(tmp_path / "hall.png")
    data = BackgroundInfo(light=Light(0.0, 45.0, 0.004, "default"), feet=(80.0, 110.0)).to_json()
    change(data)  # type: ignore[operator]
    sidecar_path(img).write_text(json.dumps(data))
    with pytest.raises(InputError, match=named) as info:
        read_info(img)
    assert allowed in str(info.value), info.value


def test_a_sidecar_whose_image_was_replaced_is_refused_as_stale_and_can_be_refreshed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    img = _image(tmp_path / "hall.png")
    write_info(img, BackgroundInfo(horizon=50.0, light=Light(30.0, 40.0, 0.004, "user")))
    assert read_info(img, check=True) is not None
    _image(img, seed=1)  # another image of the same size, same name
    with pytest.raises(InputError, match="stale") as info:
        read_info(img, check=True)
    assert str(sidecar_path(img)) in str(info.value) and f"studiocomp backgrounds refresh {img}" in str(info.value)
    assert main(["composite", str(_image(tmp_path / "p.png", 3)), "--background", str(img), "-o", str(tmp_path / "out")]) == 2  # before any photo
    assert "stale" in capsys.readouterr().err
    assert main(["backgrounds", "refresh", str(img)]) == 0
    back = read_info(img, check=True)
    assert back is not None and back.horizon == 50.0 and back.light.source == "user"  # the values kept
    studiocomp.save_image(img, np.zeros((100, 160, 3), np.float32))  # another size: named as such
    with pytest.raises(InputError, match=r"160×120.*hall.png is 160×100.*stale"):
        read_info(img, check=True)
    # a sidecar written before the stamp existed loads and works as before
    old = BackgroundInfo(horizon=50.0).to_json()
    assert "image" not in old
    sidecar_path(img).write_text(json.dumps(old))
    assert read_info(img, check=True) == BackgroundInfo(horizon=50.0)


def _bust_photo(path: Path) -> Path:
    """A 240×180 RGBA PNG of a bust cut by its bottom edge (its own alpha: the cut-out is given)."""
    rgba = np.zeros((240, 180, 4), np.float32)
    rgba[..., :3] = 0.55
    rgba[90:, 40:140, 3] = 1.0
    yy, xx = np.mgrid[:240, :180]
    rgba[..., 3] = np.maximum(rgba[..., 3], ((yy - 70) ** 2 + (xx - 90) ** 2 < 35**2).astype(np.float32))
    Image.fromarray((rgba * 255).astype(np.uint8), "RGBA").save(path)
    return path


def test_a_bust_that_casts_no_shadow_gets_no_light_note(tmp_path: Path) -> None:
    bg = studiocomp.save_image(tmp_path / "lobby.png", np.random.default_rng(5).uniform(0.3, 0.7, (300, 480, 3)).astype(np.float32))
    write_info(bg, BackgroundInfo(horizon=120.0, light=Light(0.0, 45.0, 0.004, "default"), camera_height=1.5, feet=(240.0, 276.0)))
    pipe = studiocomp.Pipeline.preset("studio", relighter=None)
    bust = pipe(str(_bust_photo(tmp_path / "bust.png")), background=str(bg), input_alpha="cutout")
    assert float(np.asarray(bust.shadow).max()) == 0.0 and "light-default" not in [w.code for w in bust.warnings], bust.warnings
    whole, _ = studiocomp.synthetic.studio_shot((240, 180), seed=4)
    stood = pipe(whole, background=str(bg), place=Placement(feet=(240, 276), height=140))
    assert "light-default" in [w.code for w in stood.warnings]  # a shadow drawn by a guessed light is still noted


def test_the_light_note_is_the_same_for_every_crop_of_one_background() -> None:
    """A floor with one dark streak: one crop shows it (not trusted as a shadow), the others do not (no shadow at all)."""
    scene = np.full((400, 640, 3), 0.6, np.float32)
    scene[:150] = 0.75  # a brighter wall
    scene += np.random.default_rng(7).normal(0.0, 0.01, scene.shape).astype(np.float32)
    scene[300:315, 40:200] = 0.25  # the streak on the floor
    alpha = np.zeros((300, 400), np.float32)
    alpha[100:280, 180:220] = 1.0
    messages = set()
    for top, left in ((0, 0), (100, 240), (50, 120)):
        _, notes = CastShadow().cast_assessed(alpha, np.ascontiguousarray(scene[top : top + 300, left : left + 400]))
        messages |= {n.message for n in notes if n.code == "light-default"}
    assert len(messages) == 1, messages


def test_a_fresh_sidecars_default_light_casts_the_shadow_a_run_without_it_casts(tmp_path: Path) -> None:
    """``backgrounds create`` wrote azimuth 0 when no shadow was found; without a sidecar the caster takes the side the
    scene's brightness falls from. The same background then cast two shadows (a fresh user: x 1075 against x 1303)."""
    from studiocomp.prepared import prepare

    ramp = np.linspace(0.3, 0.8, 480, dtype=np.float32)  # lit from the right: brighter towards it
    bg = np.repeat(np.repeat(ramp[None, :, None], 360, axis=0), 3, axis=2)
    Image.fromarray((bg * 255).round().astype(np.uint8)).save(tmp_path / "room.png")
    from studiocomp.image import load_image

    loaded = load_image(tmp_path / "room.png")
    info = prepare(tmp_path / "room.png")
    assert info.light.source == "default"
    az, el = CastShadow(azimuth=None, elevation=None).light(loaded)
    assert (info.light.azimuth, info.light.elevation) == (round(az, 1), round(el, 1)) and abs(az) > 10
