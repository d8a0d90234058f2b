"""Issue 13 on real photos: the finishing keeps the person as shot, and the relighter follows the scene's light.

Reads ``../shared`` in place (skips when absent); nothing from it is copied.

- **Illuminant following**: four studio_synth portraits on neutral or pale
  backdrops (white, light grey ×2, pink) composited (``illuminant`` relighter,
  ``matched`` compositor) onto the 8 composite_assets backgrounds and two
  scikit-image photos, then onto the same background multiplied in linear
  light by warm (1.15, 1, 0.8), cool (0.85, 1, 1.2) and dim (0.6, 0.6, 0.6)
  gains and clipped to [0, 1], as a camera would. The subject's interior must
  change by a gain within 30 % (log terms) of the applied one. Interior pixels
  clipped in either composite are left out of the measure (a clipped pixel
  cannot show a gain). Measured 2026-11-30 (120 cases), three ways; again
  2026-12-01 (eleventh session) after the scene's light colour was read from its
  grey and white pixels only (``achromatic_pixels``: the lit video wall of
  bgmatting_0001 is no longer light), figures in brackets:

  - the relighter with its bounds lifted (``max_stops=20, max_tint=100``):
    116 follow [now all 120]. The 4 that did not were bgmatting_0001 under the cool light, for
    every subject: 4.1 % of the blue channel around the subject is clipped
    (the lit video wall) and 17.3 % after the ×1.2 blue gain, so the estimate's
    95th percentile of blue is censored at the clip level in both and cannot
    rise (it would have to be a quantile below 0.83 of the scene's blue).
  - its defaults (4 stops, 3×): 113 follow [117]; the 3 left are
    hubble_deep_field dimmed, held by the 4-stop bound (report ``bounded``).
  - the presets' bounds (1 stop, 15 % tint): 54 follow [52: the bounds hold two
    more, each still ``bounded``] (35 before the white
    balance was bounded on its blue–amber and green–magenta axes instead of per
    channel, third session of 2026-11-30); every other case is
    ``bounded`` (the scene's own estimate is already past a bound, so a
    change of light moves nothing). A deliberate trade, docs/gallery.md
    "What to expect"; the slow test holds these counts.
- **Neutral presets**: the 22 real studio-like humanseg photos, ``studio``
  preset, on the ``white``, ``grey`` and ``pink-white-1`` backgrounds: sharpness
  ratio ≥ 0.90, median CIEDE2000 ≤ 2.0 and halo ≤ 3/255 for every image
  (:mod:`studiocomp.metrics.fidelity`). The default run takes 6 photos on
  ``grey`` (those of ``../shared/tools/real_photo_glance.py``); the full
  22 × 3 is marked slow.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from tests.conftest import shared_path

import studiocomp
from studiocomp import metrics
from studiocomp.color import linear_to_srgb, srgb_to_linear
from studiocomp.pipeline import PRESETS as PIPELINE_PRESETS

pytestmark = [pytest.mark.data]

GAINS = {"warm": (1.15, 1.0, 0.8), "cool": (0.85, 1.0, 1.2), "dim": (0.6, 0.6, 0.6)}
SUBJECTS = ["portrait_00073", "portrait_00139", "portrait_00163", "portrait_00122"]  # white, light grey ×2, pink
STUDIO_IDS = "004 005 006 010 011 029 036 037 038 041 055 056 057 097 101 102 106 111 115 157 263 270".split()
QUICK_IDS = ["005", "029", "056", "102", "106", "263"]
PRESETS = ["white", "grey", "pink-white-1"]


def _subject(name: str) -> tuple[np.ndarray, np.ndarray]:
    root = shared_path("data", "studio_synth")
    image = studiocomp.load_image(root / "image" / f"{name}.jpg")
    alpha = studiocomp.load_image(root / "alpha" / f"{name}.png")[..., 0]
    h, w = alpha.shape
    size = (round(w * 400 / max(h, w)), round(h * 400 / max(h, w)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)


def _backgrounds() -> dict[str, np.ndarray]:
    import skimage.data

    folder = shared_path("data", "composite_assets", "backgrounds")
    out = {p.stem: studiocomp.load_image(p) for p in sorted(folder.iterdir())}
    out["skimage_chelsea"] = studiocomp.as_image(skimage.data.chelsea())
    out["skimage_astronaut"] = studiocomp.as_image(skimage.data.astronaut())
    assert len(out) == 10
    return out


def _following(relighter: object, compositor: object) -> tuple[list[tuple[str, str, str, float, bool]], int]:
    """(every case as (subject, background, light, relative log error, bounded), number of cases)."""
    cases = []
    backgrounds = _backgrounds()
    for name in SUBJECTS:
        image, alpha = _subject(name)
        inner = metrics.fidelity.interior(alpha)
        for bg_name, full in backgrounds.items():
            bg = studiocomp.backgrounds.fit_background(full, alpha.shape[0], alpha.shape[1], "cover")
            fa, ra = relighter.relight_reported(image, alpha, bg, photo=image, photo_alpha=alpha)
            a = compositor.composite(fa, alpha, bg)
            for light, gain in GAINS.items():
                lit = linear_to_srgb(srgb_to_linear(bg) * np.float32(gain))  # clipped to [0, 1], as a camera would
                fb, rb = relighter.relight_reported(image, alpha, lit, photo=image, photo_alpha=alpha)
                b = compositor.composite(fb, alpha, lit)
                ok = inner & (a.max(axis=2) < 0.999) & (b.max(axis=2) < 0.999)
                measured = np.log(srgb_to_linear(b[ok]).mean(0) / srgb_to_linear(a[ok]).mean(0))
                applied = np.log(np.array(gain))
                err = float(np.linalg.norm(measured - applied) / np.linalg.norm(applied))
                cases.append((name, bg_name, light, err, bool(ra["bounded"] or rb["bounded"])))
    return cases, len(cases)


def test_the_subject_follows_a_change_of_light_on_real_backgrounds() -> None:
    cases, n = _following(studiocomp.create("relighter", "illuminant"), studiocomp.create("compositor", "matched"))
    assert n == 120
    failed = [c for c in cases if c[3] > 0.3]
    assert len(failed) <= 3, failed  # 117 of 120 follow (113 before the grey-pixel light colour)
    # every failure is a known one: a blue channel clipped beyond the estimate's reach, or a bound that holds the subject
    assert all((c[1] == "bgmatting_0001" and c[2] == "cool") or c[4] for c in failed), failed
    # the clipped bright scenes the plain estimate failed on now follow, the cool light on bgmatting_0001 excepted
    clipped = [c for c in cases if c[1] in ("bgmatting_0001", "bgmatting_0002", "skimage_rocket") and not (c[1] == "bgmatting_0001" and c[2] == "cool")]
    assert all(c[3] <= 0.3 for c in clipped), clipped


@pytest.mark.slow
def test_following_unbounded_and_with_the_presets_bounds() -> None:
    """The relighter without bounds follows all but the censored blue; the presets' bounds follow what they leave free."""
    compositor = studiocomp.create("compositor", "matched")
    cases, n = _following(studiocomp.create("relighter", "illuminant", max_stops=20.0, max_tint=100.0), compositor)
    failed = [c for c in cases if c[3] > 0.3]
    assert n == 120 and len(failed) == 0, failed  # all 120 (116 before the grey-pixel light colour)
    assert all(c[1] == "bgmatting_0001" and c[2] == "cool" for c in failed), failed
    options = dict(PIPELINE_PRESETS["studio"]["relighter"][1])
    assert options == {"max_stops": 1.0, "max_tint": 1.15}  # the counts below are for these bounds
    cases, n = _following(studiocomp.create("relighter", "illuminant", **options), compositor)
    followed = [c for c in cases if c[3] <= 0.3]
    assert len(followed) >= 52, len(followed)  # 52 of 120 (54 before the grey-pixel light colour): the bounds hold the rest
    assert all(c[4] for c in cases if c[3] > 0.3)  # every case that does not follow is one the bounds held


def _neutral(ids: list[str], presets: list[str]) -> list[tuple[str, str, float, float, float]]:
    folder = shared_path("data", "humanseg_removebg290", "image")
    pipe = studiocomp.Pipeline.preset("studio")
    rows = []
    for i in ids:
        image = studiocomp.load_image(next(folder.glob(f"{i}.*")))
        for preset in presets:
            r = pipe(image, background=preset)
            plain = metrics.pasted(r.placed_foreground, r.placed_alpha, r.background)
            rows.append(
                (
                    i,
                    preset,
                    metrics.sharpness_ratio(r.composite, image, r.alpha),
                    metrics.color_shift(r.composite, image, r.alpha),
                    metrics.edge_halo(r.composite, plain, r.alpha) * 255,
                )
            )
    return rows


def _assert_neutral(rows: list[tuple[str, str, float, float, float]]) -> None:
    bad = [row for row in rows if not (row[2] >= 0.90 and row[3] <= 2.0 and row[4] <= 3.0)]
    assert not bad, "(id, preset, sharpness ratio, median dE00, halo x255): " + json.dumps(bad)


def test_neutral_presets_keep_the_person_as_shot(hub_cache: object) -> None:
    _assert_neutral(_neutral(QUICK_IDS, ["grey"]))


@pytest.mark.slow
def test_neutral_presets_keep_the_person_as_shot_all_22(hub_cache: object) -> None:
    _assert_neutral(_neutral(STUDIO_IDS, PRESETS))
