"""Before/after pictures for docs/gallery.md: a plain paste next to the full pipeline, same cut-out, same place.

    python examples/gallery.py [OUTPUT_DIR]            # default: docs/gallery

Every picture comes from scikit-image's bundled sample images (public domain or
CC0: the astronaut, coffee, rocket, brick and gravel photos) and studiocomp's
own generated studio shots, so the output may be shared freely. The astronaut
is cut out with the ``portrait`` preset, which needs the MODNet and selfie
weights (downloaded from the Hugging Face hub on first use, or from its cache).

"Plain paste" is the same preset with ``relighter=None, shadow_caster=None,
compositor="alpha-over"``: the cut-out laid over the background as it is. The
full pipeline adds relighting (``histogram``), the cast and contact shadow
(``cast``) and the ``matched`` compositor (sharpness, grain, light wrap).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data

import studiocomp
from studiocomp import Placement, metrics
from studiocomp._ops import label_tile

PLAIN = {"relighter": None, "shadow_caster": None, "compositor": "alpha-over"}


def _rgb(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32) / 255.0
    return np.repeat(x[..., None], 3, axis=2) if x.ndim == 2 else x


def _scene(size: tuple[int, int], wall: np.ndarray, floor: np.ndarray | None, horizon: float) -> np.ndarray:
    """A background: ``wall`` above ``horizon`` (fraction of the height) and ``floor`` below it, lit from the right."""
    h, w = size
    out = cv2.resize(wall, (w, h), interpolation=cv2.INTER_AREA)
    if floor is not None:
        y = int(horizon * h)
        out[y:] = cv2.resize(floor, (w, h - y), interpolation=cv2.INTER_AREA)
    light = np.linspace(0.75, 1.1, w, dtype=np.float32)[None, :, None]
    return np.clip(out * light, 0.0, 1.0)


def _realism(result: studiocomp.PipelineResult) -> str:
    """Subject-vs-scene measures of a composite: Lab distance ↓, illumination consistency ↑, noise and blur mismatch ↓."""
    img, a = result.composite, result.placed_alpha
    values = (
        metrics.lab_color_distance(img, a),
        metrics.illumination_consistency(img, a),
        metrics.noise_mismatch(img, a) * 1000,
        metrics.blur_mismatch(img, a),
    )
    return " | ".join(f"{v:.2f}" if np.isfinite(v) else "–" for v in values)


def _pair(name: str, preset: str, photo: np.ndarray, background: np.ndarray, place: Placement, **stages: object) -> tuple[np.ndarray, dict[str, float], str]:
    plain = studiocomp.Pipeline.preset(preset, **PLAIN)(photo, background=background, place=place)
    full = studiocomp.Pipeline.preset(preset, **stages)(photo, background=background, place=place)
    sheet = np.hstack([label_tile(plain.composite, f"{name}: plain paste"), label_tile(full.composite, f"{name}: studiocomp {preset} preset")])
    return sheet, full.timings, f"| {name} | plain | {_realism(plain)} |\n| | studiocomp | {_realism(full)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", default="docs/gallery", help="output folder (default: %(default)s)")
    args = parser.parse_args()
    out = Path(args.output)
    astronaut = _rgb(data.astronaut())
    bust, _ = studiocomp.synthetic.studio_shot((900, 675), seed=3, backdrop="light-grey", noise=0.004)
    coffee, rocket, brick, gravel = (_rgb(x) for x in (data.coffee(), data.rocket(), data.brick(), data.gravel()))
    noise = np.random.default_rng(0)

    def grainy(img: np.ndarray, sigma: float) -> np.ndarray:
        return np.clip(img + noise.standard_normal(img.shape).astype(np.float32) * np.float32(sigma), 0.0, 1.0)

    floor = grainy(_scene((480, 720), brick * np.float32([1.0, 0.85, 0.7]), gravel, 0.62), 0.015)
    low_sun = {"shadow_caster": studiocomp.create("shadow_caster", "cast", azimuth=120, elevation=20)}
    # the bust (1 m of it visible) on the floor of a scene whose horizon is at 62 % of the height, camera 0.6 m up
    near = Placement(feet=(260, 400), horizon=0.62 * 480, subject_height=1.0, camera_height=0.6)
    far = Placement(feet=(520, 340), horizon=0.62 * 480, subject_height=1.0, camera_height=0.6)
    cases: list[tuple[str, str, str, np.ndarray, np.ndarray, Placement, dict[str, object]]] = [
        # (file, title, preset, photo, background, placement, stage overrides of the full pipeline)
        ("astronaut-coffee", "astronaut on coffee", "portrait", astronaut, coffee, Placement(feet=(300, 400), height=300), {}),
        ("astronaut-rocket", "astronaut on rocket (grainy)", "portrait", astronaut, grainy(rocket, 0.02), Placement(feet=(420, 427), height=330), {}),
        # a studio bust stood on a floor: its base is the contact line, so it casts a shadow; the light is
        # estimated from the background (brighter on the right), then given: low, from behind on the right;
        # sizes follow the horizon rule
        ("bust-floor", "bust, light estimated", "studio", bust, floor, near, {}),
        ("bust-floor-low-sun", "light given: az 120, el 20", "studio", bust, floor, near, low_sun),
        ("bust-far", "further back (horizon rule)", "studio", bust, floor, far, low_sun),
    ]
    table = ["| picture | composite | Lab distance ↓ | illumination consistency ↑ | noise mismatch ×1000 ↓ | blur mismatch (px) ↓ |", "|---|---|---:|---:|---:|---:|"]
    for file, title, preset, photo, background, place, stages in cases:
        t0 = time.perf_counter()
        sheet, timings, rows = _pair(title, preset, photo, background, place, **stages)
        path = studiocomp.save_image(out / f"{file}.jpg", sheet, quality=88)
        table.append(rows)
        spent = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
        print(f"{path} ({time.perf_counter() - t0:.1f} s; full pipeline: {spent})")
    print("\n".join(table))


if __name__ == "__main__":
    main()
