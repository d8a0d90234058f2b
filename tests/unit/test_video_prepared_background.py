"""``video.run`` on a prepared background (an image with a sidecar): the shadow takes the sidecar's light, as a
photo's does, and the clip says what of the sidecar it does not use (the placement). Generated clip and background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av")

from studiocomp.types import Matte  # noqa: E402

H, W = 96, 160


class DarkMatter:
    """A tiny matter for fast tests: darker than the backdrop is the subject."""

    def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> Matte:
        a = (image.mean(axis=2) < 0.55).astype(np.float32)
        return Matte(a, image.copy())


def _clip(folder: Path, n: int = 3) -> list[np.ndarray]:
    """A dark standing figure (feet at row 80) stepping right on a light grey backdrop, as PNG frames."""
    from studiocomp.image import save_image

    yy, xx = np.mgrid[:H, :W]
    folder.mkdir()
    alphas = []
    for k in range(n):
        a = ((((xx - 72 - 4 * k) / 7) ** 2 + ((yy - 55) / 25) ** 2) < 1).astype(np.float32)
        alphas.append(a)
        save_image(folder / f"{k:03d}.png", np.where(a[..., None] > 0, 0.1, 0.8).astype(np.float32))
    return alphas


def _background(path: Path, azimuth: float | None, source: str = "user") -> Path:
    """A plain grey background image (no shadow to read a light from) with a sidecar: this light, a horizon, feet."""
    from studiocomp.image import save_image
    from studiocomp.prepared import BackgroundInfo, Light, write_info

    save_image(path, np.full((H, W, 3), 0.8, np.float32))
    light = Light(azimuth, 35.0 if azimuth is not None else None, 0.004, source)
    write_info(path, BackgroundInfo(horizon=30.0, floor_line=60.0, light=light, camera_height=1.5, feet=(80.0, 90.0), subject_height=1.7))
    return path


def _run(tmp_path: Path, name: str, background: Path, **light: float) -> tuple[object, Path]:
    from studiocomp.pipeline import Pipeline
    from studiocomp.registry import create
    from studiocomp.video import run

    frames = tmp_path / "frames"
    if not frames.exists():
        _clip(frames)
    caster = create("shadow_caster", "cast", contact=False, **light)
    pipeline = Pipeline(matter=DarkMatter(), shadow_caster=caster, compositor="alpha-over")
    out = tmp_path / name
    return run(frames, out, pipeline=pipeline, background=str(background), track=False, stabilise=False, warmup=0), out


def _shadow_sides(out: Path, k: int = 1) -> tuple[float, float]:
    """How much darker than the backdrop the feet's rows are left and right of the figure (frame ``k``)."""
    from studiocomp.image import load_image

    got = load_image(out / f"{k:05d}.png")[70:90].mean(axis=2)
    x = 72 + 4 * k
    dark = np.clip(0.8 - got, 0.0, None)
    return float(dark[:, : x - 9].sum()), float(dark[:, x + 9 :].sum())


def test_the_shadow_falls_by_the_sidecars_light(tmp_path: Path) -> None:
    """The grey background has no cast shadow to read: before, the clip's shadow fell by the default light whatever the
    sidecar said. Now a light from the right (azimuth 90) throws it left, one from the left (-90) right, exactly as a
    caster given that light draws it."""
    from studiocomp.image import load_image
    from studiocomp.registry import create

    right = _background(tmp_path / "right.png", 90.0)
    left = _background(tmp_path / "left.png", -90.0)
    _, out_r = _run(tmp_path, "out_r", right)
    _, out_l = _run(tmp_path, "out_l", left)
    lr, rr = _shadow_sides(out_r)
    ll, rl = _shadow_sides(out_l)
    assert lr > 5 * max(rr, 1e-3) and lr > 1.0, (lr, rr)  # light from the right: the shadow on the left
    assert rl > 5 * max(ll, 1e-3) and rl > 1.0, (ll, rl)
    bg = np.full((H, W, 3), 0.8, np.float32)
    alphas = _clip(tmp_path / "again")
    want_caster = create("shadow_caster", "cast", contact=False, azimuth=90, elevation=35)
    got = load_image(out_r / "00002.png")
    want = create("compositor", "alpha-over").composite(np.full((H, W, 3), 0.1, np.float32), alphas[2], bg, want_caster.cast(alphas[2], bg))
    assert np.abs(got - want).max() <= 2 / 255


def test_a_note_says_the_placement_is_not_used(tmp_path: Path) -> None:
    """One note (not uncertain) names what of the sidecar a clip ignores; the user's light is no ``light-default``."""
    result, _ = _run(tmp_path, "out", _background(tmp_path / "bg.png", 90.0))
    codes = [w.code for w in result.warnings]  # type: ignore[attr-defined]
    assert codes == ["placement-not-used"], codes
    note = result.warnings[0]  # type: ignore[attr-defined]
    assert not note.uncertain and not result.uncertain  # type: ignore[attr-defined]
    assert "horizon 30" in note.message and "feet (80, 90)" in note.message and "light is used" in note.message


def test_a_default_sidecar_light_is_noted_and_a_given_light_wins(tmp_path: Path) -> None:
    """A sidecar whose light is only the default: ``light-default`` (as for a photo). A light given to the caster
    (``--light``) is kept over the sidecar's, and then no ``light-default``."""
    result, _ = _run(tmp_path, "out_d", _background(tmp_path / "default.png", 90.0, source="default"))
    assert {w.code for w in result.warnings} == {"placement-not-used", "light-default"}  # type: ignore[attr-defined]
    assert not result.uncertain  # type: ignore[attr-defined]
    result, out = _run(tmp_path, "out_g", _background(tmp_path / "user.png", 90.0, source="default"), azimuth=-90.0, elevation=35.0)
    assert [w.code for w in result.warnings] == ["placement-not-used"]  # type: ignore[attr-defined]
    assert "light was given" in result.warnings[0].message  # type: ignore[attr-defined]
    left, right = _shadow_sides(out)
    assert right > 5 * max(left, 1e-3), (left, right)  # the given light (from the left), not the sidecar's


def test_no_sidecar_no_note(tmp_path: Path) -> None:
    """A plain image background (no sidecar): no note about a sidecar (only the guessed light's, below)."""
    from studiocomp.image import save_image

    bg = tmp_path / "plain.png"
    save_image(bg, np.full((H, W, 3), 0.8, np.float32))
    result, _ = _run(tmp_path, "out", bg)
    assert [w.code for w in result.warnings] == ["light-default"]  # type: ignore[attr-defined]


def test_a_plain_photo_backgrounds_guessed_light_is_noted_once(tmp_path: Path) -> None:
    """A photographed background (no sidecar) with no cast shadow to read: the clip's shadow uses the default light,
    and the clip says so with ``light-default``, as a photo does; a rendered preset says nothing (it has no light)."""
    from studiocomp.image import save_image

    plain = tmp_path / "plain.png"
    save_image(plain, np.full((H, W, 3), 0.8, np.float32))
    result, _ = _run(tmp_path, "plain", plain)
    codes = [w.code for w in result.warnings]  # type: ignore[attr-defined]
    assert codes.count("light-default") == 1 and not any(w.uncertain for w in result.warnings if w.code == "light-default"), codes  # type: ignore[attr-defined]
    preset, _ = _run(tmp_path, "preset", "grey")  # type: ignore[arg-type]
    assert "light-default" not in [w.code for w in preset.warnings]  # type: ignore[attr-defined]
    given, _ = _run(tmp_path, "given", plain, azimuth=90.0, elevation=35.0)
    assert "light-default" not in [w.code for w in given.warnings]  # type: ignore[attr-defined]
