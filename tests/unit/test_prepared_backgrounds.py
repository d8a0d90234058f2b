"""Prepared backgrounds (issue 13, part 4): the sidecar, the byte-bounded LRU of decoded backgrounds, the pipeline
using a sidecar's light and placement, and `studiocomp backgrounds`."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest

import studiocomp
from studiocomp import InputError
from studiocomp.cli import main
from studiocomp.prepared import BackgroundCache, BackgroundInfo, Light, read_info, sidecar_path, write_info


def _background(path: Path, h: int = 120, w: int = 160, value: int = 128) -> Path:
    studiocomp.save_image(path, np.full((h, w, 3), value / 255, np.float32))
    return path


def test_sidecar_round_trip(tmp_path: Path) -> None:
    img = _background(tmp_path / "hall.png")
    assert sidecar_path(img) == tmp_path / "hall.studiocomp.json" and read_info(img) is None
    info = BackgroundInfo(horizon=40, floor_line=70, light=Light(120.0, 35.0, 0.01, "user"), camera_height=1.4, floor_scale=50.0, feet=(80.0, 110.0), subject_height=1.8)
    write_info(img, info)
    assert json.loads(sidecar_path(img).read_text())["version"] == 1
    back = read_info(img)
    assert back is not None and back.image_size == (120, 160) and back.image_sha256 is not None  # stamped with its image
    assert dataclasses.replace(back, image_size=None, image_sha256=None) == info


@pytest.mark.parametrize("data", [{"version": 99}, [], {"version": 1, "horizon": "high"}, {"version": 1, "light": {"elevation": 0}}, {"version": 1, "place": {"feet": [1]}}])
def test_bad_sidecars_are_refused(tmp_path: Path, data: object) -> None:
    img = _background(tmp_path / "bad.png")
    sidecar_path(img).write_text(json.dumps(data))
    with pytest.raises(InputError):
        read_info(img)


def test_cache_hits_evicts_by_bytes_and_sees_edits(tmp_path: Path) -> None:
    a, b = _background(tmp_path / "a.png"), _background(tmp_path / "b.png")
    one = 120 * 160 * 3 * 4
    cache = BackgroundCache(max_bytes=int(1.5 * one))
    first = cache.get(a)
    assert cache.get(a) is first and (cache.hits, cache.misses) == (1, 1)  # the same decoded array, read-only
    assert not first.flags.writeable
    cache.get(b)  # over the bound: a (least recently used) is dropped
    assert len(cache) == 1 and cache.nbytes == one
    cache.get(a)
    assert cache.misses == 3
    _background(a, value=200)  # the file changes: decoded again (key = path + mtime + size)
    os.utime(a, ns=(os.stat(a).st_atime_ns, os.stat(a).st_mtime_ns + 10**9))
    assert cache.get(a)[0, 0, 0] == pytest.approx(200 / 255) and len(cache) == 1
    tiny = BackgroundCache(max_bytes=10)  # an image larger than the bound is served but not kept
    assert tiny.get(a).shape == (120, 160, 3) and len(tiny) == 0 and tiny.nbytes == 0
    with pytest.raises(InputError, match="background"):
        cache.get(tmp_path / "missing.png")


def test_presets_and_colours_render_once_per_size() -> None:
    """A preset or colour background is rendered once per size (read-only after); a new size or a bad size is not a hit."""
    from studiocomp.backgrounds import make_preset, resolve_background

    first = resolve_background("grey", 120, 90)
    assert resolve_background("gray", 120, 90) is first  # the alias shares the render
    assert not first.flags.writeable and np.array_equal(first, make_preset("grey", 120, 90))
    with pytest.raises(ValueError):
        first[0, 0] = 0.0
    assert resolve_background("grey", 121, 90).shape == (121, 90, 3)
    colour = resolve_background("#ff8000", 10, 20)
    assert resolve_background((1.0, 128 / 255, 0.0), 10, 20) is colour
    assert np.allclose(colour, (1.0, 128 / 255, 0.0))
    with pytest.raises(InputError):
        resolve_background("grey", 0, 20)
    with pytest.raises(InputError):
        resolve_background("#ff8000", 0, 20)


def test_pipeline_uses_the_sidecar(tmp_path: Path) -> None:
    img = _background(tmp_path / "floor.png", 300, 500, 180)
    image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=4)
    pipe = studiocomp.Pipeline.preset("studio", relighter=None)
    place = studiocomp.Placement(feet=(250, 280), height=140)  # a bust on a plinth: its base makes a contact line
    plain = pipe(image, background=str(img), place=place)
    assert "light-default" in [w.code for w in plain.warnings]  # a flat floor: no shadow to read the light from
    write_info(img, BackgroundInfo(light=Light(90.0, 30.0, None, "user")))  # light from the right
    lit = pipe(image, background=str(img), place=place)
    assert "light-default" not in [w.code for w in lit.warnings]
    ys, xs = np.nonzero(lit.shadow > 0.05)
    assert xs.mean() < 250 - 10  # the shadow falls to the left
    write_info(img, BackgroundInfo(horizon=100.0, camera_height=1.5, feet=(300.0, 250.0), subject_height=1.5))
    # the caller's feet: the bust stands there (on a plinth) and the horizon rule sizes it
    stood = pipe(image, background=str(img), place=studiocomp.Placement(feet=(300.0, 250.0)))
    rows = np.flatnonzero((stood.placed_alpha >= 0.5).any(axis=1))
    assert rows[-1] + 1 == pytest.approx(250, abs=2) and rows[-1] + 1 - rows[0] == pytest.approx(150, abs=3)  # horizon rule
    # the sidecar's spot is for a person seen whole: this bust (cut by its photo's bottom edge) is laid on the bottom
    # edge below the spot, sized by the horizon as with no feet given, not stood on the floor in mid-air
    placed = pipe(image, background=str(img), place="auto")
    rows = np.flatnonzero((placed.placed_alpha >= 0.5).any(axis=1))
    cols = np.flatnonzero((placed.placed_alpha >= 0.5).any(axis=0))
    assert rows[-1] == 299 and rows[-1] + 1 - rows[0] == pytest.approx(300 - 100, abs=3)  # (bottom − horizon) · 1.5 / 1.5
    assert abs((cols[0] + cols[-1]) / 2 - 300) < 30
    codes = {w.code for w in placed.warnings}
    assert "cut-subject-standing" not in codes and "cut-subject-full-height" in codes
    # the sidecar says where people stand: with neither place nor fit given, the subject is laid into the scene
    default = pipe(image, background=str(img))
    assert default.composite.shape == (300, 500, 3) and np.array_equal(default.placed_alpha, placed.placed_alpha)
    fitted = pipe(image, background=str(img), fit="cover")  # asked to fit the background to the photo: as before
    assert fitted.composite.shape == image.shape
    write_info(img, BackgroundInfo(light=Light(90.0, 30.0, None, "user")))  # light only: no placement implied
    assert pipe(image, background=str(img)).composite.shape == image.shape


def test_cli_backgrounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    img = _background(tmp_path / "hall.png")
    assert main(["backgrounds", "show", str(img)]) == 1  # not prepared yet
    assert main(["backgrounds", "create", str(img)]) == 0
    made = read_info(img)
    assert made is not None and made.light.source == "default" and made.feet == (80.0, pytest.approx(110.4))
    assert main(["backgrounds", "create", str(img)]) == 2  # exists: --force to replace
    assert main(["backgrounds", "create", str(img), "--force", "--camera-height", "1.2"]) == 0
    assert main(["backgrounds", "show", str(img)]) == 0
    assert json.loads(capsys.readouterr().out.split("\n}\n")[-2] + "\n}")["camera_height"] == 1.2
    assert main(["backgrounds", "list", str(tmp_path)]) == 0
    assert "hall.png: horizon not set, floor line not set" in capsys.readouterr().out
