"""Before/after pictures for docs/gallery.md: real people on real backgrounds, with crops at 100 % of face and hair.

    python examples/gallery.py                     # public-domain pictures into docs/gallery (committed)
    python examples/gallery.py --real /tmp/real    # real photos from ../shared, into a folder OUTSIDE the repo

Each picture is two files: ``NAME.jpg``, the whole composites made small (a
small JPEG), and ``NAME-crops.png``, crops at 100 % (one pixel of the photo per
pixel; PNG, lossless, as the edges are compared there). The composites are a
**plain paste** (the same preset with ``relighter=None, shadow_caster=None,
compositor="alpha-over"``: the cut-out laid over the background as it is) next
to the preset **as it ships**; the crops show the face (OpenCV's frontal-face
detector) and the hair edge on the side of the head (the outline beside the
face, where the hair meets the background): the photo as shot, the plain paste
and studiocomp. The subject is not moved (``place=None``), so the crops compare
the same pixels, and the fidelity measures of :mod:`studiocomp.metrics` apply
(sharpness ratio, median CIEDE2000, edge halo): the script prints them as a
Markdown table.

Default: only public-domain and CC0 sources, so the output may be committed and
shared: scikit-image's astronaut (NASA, public domain), cut out with the
``portrait`` preset (MODNet and selfie weights from the Hugging Face hub or its
cache), on scikit-image's coffee and rocket photos (public domain) and on the
``grey`` preset; and, for the cast shadow, a **generated** standing figure (a
drawing made here, given as an RGBA cut-out) on a set made of scikit-image's
brick photo (public domain): a wall, and the bricks laid as a floor. Its sheet
shows the preset as it ships (the light guessed) and with a light given
(``LIGHT``), and crops of the head and of the feet with the shadow.

``--real DIR``: the real people in ``../shared`` (``STUDIOCOMP_SHARED``): the
Background-Matting captures of composite_assets and studio photos of
humanseg_removebg290, on the composite_assets backgrounds. These photos are for
research use only and must never be committed: ``DIR`` must lie outside the
repository.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

import studiocomp
from studiocomp import metrics

PLAIN = {"relighter": None, "shadow_caster": None, "compositor": "alpha-over"}
REPO = Path(__file__).resolve().parents[1]
OVERVIEW_W = 240  # each of the two whole composites, px wide
SHEET_W = 2 * OVERVIEW_W  # every row of a sheet is this wide
CROP = SHEET_W // 3  # the side of a 100 % crop: three of them fill a row
LIGHT = (60.0, 35.0)  # the light given on the last sheet: azimuth (60: from the front right) and elevation, degrees


def _rgb(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32) / 255.0
    return np.repeat(x[..., None], 3, axis=2) if x.ndim == 2 else x


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    """A copy of an H×W×3 float tile with ``text`` on a black band across its top."""
    out = np.ascontiguousarray(tile, dtype=np.float32).copy()
    cv2.rectangle(out, (0, 0), (out.shape[1], 15), (0.0, 0.0, 0.0), -1)
    cv2.putText(out, text, (4, 11), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (1.0, 1.0, 1.0), 1, cv2.LINE_AA)
    return out


def _box(cy: float, cx: float, hgt: int, wid: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(y, x, height, width) of a hgt×wid box centred at (cy, cx), moved inside an image of ``shape``."""
    hgt, wid = min(hgt, shape[0]), min(wid, shape[1])
    y = int(np.clip(round(cy - hgt / 2), 0, shape[0] - hgt))
    x = int(np.clip(round(cx - wid / 2), 0, shape[1] - wid))
    return y, x, hgt, wid


def _face(photo: np.ndarray, alpha: np.ndarray) -> tuple[float, float, float] | None:
    """(centre y, centre x, size) of the largest frontal face inside the subject (OpenCV's Haar cascade), or None."""
    grey = cv2.cvtColor((np.clip(photo, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"))
    faces = [f for f in cascade.detectMultiScale(grey, 1.1, 5, minSize=(24, 24)) if alpha[f[1] + f[3] // 2, f[0] + f[2] // 2] > 0.5]
    if not faces:
        return None
    x, y, w, h = max(faces, key=lambda f: int(f[2] * f[3]))
    return y + h / 2, x + w / 2, float(max(w, h))


def _crop_boxes(photo: np.ndarray, alpha: np.ndarray) -> list[tuple[str, tuple[int, int, int, int]]]:
    """The face and the hair edge at the side of the head, as (name, (y, x, height, width)) boxes of CROP × CROP.

    The face is OpenCV's frontal-face detection (a tenth of the subject's height
    below its top when none is found). The hair edge is centred on the subject's
    outline beside the face, at the top of the face, on the side away from the
    image's nearer border, so that it shows the hair against the background and
    little of the face crop.
    """
    h, w = alpha.shape
    solid = alpha > 0.5
    rows = np.flatnonzero(solid.any(axis=1))
    top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
    found = _face(photo, alpha)
    if found is None:
        probe = min(h - 1, top + max(1, height // 10))
        cols = np.flatnonzero(solid[probe])
        found = (float(probe), float((cols[0] + cols[-1]) / 2 if cols.size else w / 2), 0.2 * height)
    fy, fx, size = found
    face = _box(fy, fx, CROP, CROP, alpha.shape)
    # the outline beside the face: the first background pixel left and right of it, a third of a face above its centre
    row = int(np.clip(fy - size / 3, 0, h - 1))
    inside = np.flatnonzero(solid[row])
    left = float(inside[inside <= fx][0]) if (inside <= fx).any() else fx - size
    right = float(inside[inside >= fx][-1]) if (inside >= fx).any() else fx + size
    ex = left if left > w - 1 - right else right
    hair = _box(row - CROP / 4, ex, CROP, CROP, alpha.shape)
    return [("face", face), ("hair edge", hair)]


def _overview(plain: np.ndarray, full: np.ndarray) -> np.ndarray:
    """The two whole composites side by side, OVERVIEW_W px wide each (float RGB, SHEET_W wide)."""
    oh = round(plain.shape[0] * OVERVIEW_W / plain.shape[1])
    small = [cv2.resize(c, (OVERVIEW_W, oh), interpolation=cv2.INTER_AREA) for c in (plain, full)]
    return np.hstack([_label(small[0], "plain paste"), _label(small[1], "studiocomp")])


def _crop_row(name: str, box: tuple[int, int, int, int], images: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """One row of 100 % crops of the same box, SHEET_W wide (white where the photo is smaller than the box)."""
    y, x, bh, bw = box
    row = np.ones((bh, SHEET_W, 3), np.float32)
    step = SHEET_W // len(images)
    for i, (what, img) in enumerate(images):
        tile = _label(img[y : y + bh, x : x + bw], f"{name}: {what}")
        row[:, i * step + (step - bw) // 2 : i * step + (step - bw) // 2 + bw] = tile
    return row


def _save_sheet(out: Path, file: str, top: np.ndarray, crops: np.ndarray) -> list[Path]:
    """The overview as a small JPEG and the 100 % crops as a PNG (lossless: the edges are compared there)."""
    jpg = studiocomp.save_image(out / f"{file}.jpg", top, quality=82)
    png = studiocomp.save_image(out / f"{file}-crops.png", crops)
    return [jpg, png]


def _sheet(out: Path, file: str, photo: np.ndarray, plain: studiocomp.PipelineResult, full: studiocomp.PipelineResult) -> list[Path]:
    images = [("as shot", photo), ("plain", plain.composite), ("studiocomp", full.composite)]
    crops = np.vstack([_crop_row(name, box, images) for name, box in _crop_boxes(photo, full.alpha)])
    return _save_sheet(out, file, _overview(plain.composite, full.composite), crops)


def _wall_and_floor(h: int = 480, w: int = 640, horizon: int = 290) -> np.ndarray:
    """A set made of scikit-image's public-domain brick photo: a wall, and the same bricks laid as the floor in perspective.

    The wall is the photo turned a quarter (courses level). The floor is the
    photo as it is (bricks running away from the camera), warped so that it
    recedes to the wall at row ``horizon``: 2.3 times narrower there than at the
    bottom edge. The photo is grey; nothing is painted on it (no light, no
    shadow). H×W×3 float32 sRGB.
    """
    brick = _rgb(data.brick())
    wall = cv2.resize(np.rot90(brick).copy(), (w, w), interpolation=cv2.INTER_AREA)[w - horizon :]
    side = brick.shape[0]
    src = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    dst = np.float32([[-0.1 * w, horizon], [1.1 * w, horizon], [1.9 * w, h], [-0.9 * w, h]])
    out = cv2.warpPerspective(brick, cv2.getPerspectiveTransform(src, dst), (w, h), flags=cv2.INTER_LINEAR)
    out[:horizon] = wall
    return np.ascontiguousarray(out)


def _standing_figure(h: int, w: int, feet: tuple[float, float], height: float, seed: int = 2) -> Image.Image:
    """A generated standing person (a drawing, not a photo) as an RGBA PIL image of W×H, its feet at ``feet`` (x, y).

    Head with hair strands, shirt, arms, trousers and shoes, drawn 4× larger and
    reduced (so alpha has real fractional edges), each part shaded like a
    cylinder (brighter along its middle) and with a fine texture.
    """
    rng = np.random.default_rng(seed)
    k = 4  # supersampling
    H, W = h * k, w * k
    fx, fy, s = feet[0] * k, feet[1] * k, height * k / 100  # s: one hundredth of the height, supersampled

    def poly(points: list[tuple[float, float]]) -> np.ndarray:
        m = np.zeros((H, W), np.uint8)
        cv2.fillPoly(m, [np.round(np.array([(fx + x * s, fy - y * s) for x, y in points])).astype(np.int32)], 255, cv2.LINE_AA)
        return m

    def ellipse(cx: float, cy: float, ax: float, ay: float) -> np.ndarray:
        m = np.zeros((H, W), np.uint8)
        cv2.ellipse(m, (round(fx + cx * s), round(fy - cy * s)), (round(ax * s), round(ay * s)), 0, 0, 360, 255, -1, cv2.LINE_AA)
        return m

    parts = [  # (mask in figure units: x right of the feet's middle, y up from the soles; colour)
        (poly([(-7, 0), (-2, 0), (-2, 3), (-6, 3)]) | poly([(2, 0), (8, 0), (7, 3), (2, 3)]), (0.10, 0.08, 0.07)),  # shoes
        (poly([(-6.5, 2.5), (-1, 2.5), (-0.5, 45), (-8.5, 46)]) | poly([(1, 2.5), (6.5, 2.5), (8.5, 46), (0.5, 45)]), (0.17, 0.20, 0.30)),  # trousers
        (poly([(-9, 44), (9, 44), (10, 78), (4, 82), (-4, 82), (-10, 78)]), (0.62, 0.20, 0.16)),  # shirt
        (poly([(-10, 78), (-13, 76), (-14, 50), (-11, 50), (-8, 72)]) | poly([(10, 78), (13, 76), (14, 50), (11, 50), (8, 72)]), (0.62, 0.20, 0.16)),  # sleeves
        (ellipse(-12.5, 47.5, 2, 3.2) | ellipse(12.5, 47.5, 2, 3.2) | poly([(-2.2, 80), (2.2, 80), (2.2, 86), (-2.2, 86)]), (0.80, 0.60, 0.48)),  # hands, neck
        (ellipse(0, 92, 5.6, 7.2), (0.82, 0.62, 0.50)),  # head
        (ellipse(0, 95, 6.2, 5.6) & poly([(-8, 93.5), (8, 93.5), (8, 102), (-8, 102)]), (0.16, 0.10, 0.06)),  # hair
    ]
    strands = np.zeros((H, W), np.uint8)
    for _ in range(70):  # loose strands over the top of the hair
        t = rng.uniform(np.pi * 1.05, np.pi * 1.95)  # a point on the hair's outline, combed along it, a little outwards
        x0, y0 = fx + 5.9 * s * np.cos(t), fy - 95 * s + 5.3 * s * np.sin(t)
        d = t + rng.choice([-1.0, 1.0]) * np.pi * rng.uniform(0.35, 0.45)
        length, bend = s * rng.uniform(1.5, 3.5), rng.uniform(-0.4, 0.4)
        pts = [(x0 + length * j / 6 * np.cos(d + bend * j / 6), y0 + length * j / 6 * np.sin(d + bend * j / 6)) for j in range(7)]
        cv2.polylines(strands, [np.round(np.array(pts)).astype(np.int32)], False, 150, k, cv2.LINE_AA)
    parts.append((strands, (0.16, 0.10, 0.06)))
    rgb = np.zeros((H, W, 3), np.float32)
    alpha = np.zeros((H, W), np.float32)
    grain = 1.0 + 0.05 * cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), k * 0.7)
    for mask, colour in parts:
        a = mask.astype(np.float32) / 255
        inside = cv2.distanceTransform((mask > 127).astype(np.uint8), cv2.DIST_L2, 5)
        shade = 0.72 + 0.28 * np.sqrt(np.clip(inside / max(float(inside.max()), 1.0), 0, 1))
        rgb = rgb * (1 - a[..., None]) + (np.asarray(colour, np.float32) * (shade * grain)[..., None]) * a[..., None]
        alpha = np.maximum(alpha, a)
    rgb = cv2.resize(rgb * alpha[..., None], (w, h), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_AREA)
    rgb = np.clip(rgb / np.maximum(alpha, 1e-6)[..., None], 0, 1)
    rgba = np.dstack([rgb, alpha])
    return Image.fromarray(np.round(rgba * 255).astype(np.uint8), "RGBA")


def _overview_labelled(left: tuple[str, np.ndarray], right: tuple[str, np.ndarray]) -> np.ndarray:
    """Two whole composites side by side, OVERVIEW_W px wide each, with their labels."""
    oh = round(left[1].shape[0] * OVERVIEW_W / left[1].shape[1])
    return np.hstack([_label(cv2.resize(c, (OVERVIEW_W, oh), interpolation=cv2.INTER_AREA), what) for what, c in (left, right)])


def _shadow_sheet(out: Path, file: str, plain: studiocomp.PipelineResult, full: studiocomp.PipelineResult, lit: studiocomp.PipelineResult) -> list[Path]:
    """Overview (as it ships, and with the light given), then at 100 % the head against the wall and the feet with their shadow."""
    solid = full.alpha > 0.5
    rows, cols = np.flatnonzero(solid.any(axis=1)), np.flatnonzero(solid.any(axis=0))
    top, bottom, cx = int(rows[0]), int(rows[-1]), (cols[0] + cols[-1]) / 2
    images = [("plain", plain.composite), ("studiocomp", full.composite), ("light given", lit.composite)]
    head = _box(top + CROP / 3, cx, CROP, CROP, full.alpha.shape)
    feet = _box(bottom - CROP * 0.45, cx - CROP * 0.3, round(CROP * 1.25), CROP, full.alpha.shape)  # the given light's shadow falls left
    crops = np.vstack([_crop_row("head", head, images), _crop_row("feet", feet, images)])
    top_row = _overview_labelled(("studiocomp (light guessed)", full.composite), (f"light given: {LIGHT[0]:g} deg, {LIGHT[1]:g} deg up", lit.composite))
    return _save_sheet(out, file, top_row, crops)


def _fidelity(photo: np.ndarray, full: studiocomp.PipelineResult) -> tuple[float, float, float]:
    plain = metrics.pasted(full.placed_foreground, full.placed_alpha, full.background)
    return (
        metrics.sharpness_ratio(full.composite, photo, full.alpha),
        metrics.color_shift(full.composite, photo, full.alpha),
        metrics.edge_halo(full.composite, plain, full.alpha) * 255,
    )


def _public_cases() -> list[tuple[str, str, str, np.ndarray | Image.Image, object]]:
    astronaut = _rgb(data.astronaut())
    wall = _wall_and_floor()
    figure = _standing_figure(wall.shape[0], wall.shape[1], feet=(300, 440), height=300)
    return [
        # (file, title, preset, photo, background)
        ("astronaut-grey", "astronaut on the grey preset", "portrait", astronaut, "grey"),
        ("astronaut-coffee", "astronaut on coffee", "portrait", astronaut, _rgb(data.coffee())),
        ("astronaut-rocket", "astronaut on rocket", "portrait", astronaut, _rgb(data.rocket())),
        ("figure-brick", "generated figure on a brick wall and floor", "portrait", figure, wall),
    ]


def _real_cases() -> list[tuple[str, str, str, np.ndarray | Image.Image, object]]:
    shared = Path(os.environ.get("STUDIOCOMP_SHARED", REPO.parent / "shared"))
    assets = shared / "data" / "composite_assets"
    humanseg = shared / "data" / "humanseg_removebg290" / "image"
    if not assets.exists():
        raise SystemExit(f"{assets} not found: set STUDIOCOMP_SHARED to the shared data folder")

    def bg(name: str) -> np.ndarray:
        return studiocomp.load_image(assets / "backgrounds" / name)

    cases = []
    for frame, back in (("0001", "bgmatting_0002.png"), ("1000", "skimage_coffee.png")):
        photo = studiocomp.load_image(assets / "bgmatting_captures" / "image" / f"{frame}.png")
        cases.append((f"capture-{frame}-{Path(back).stem}", f"capture {frame} on {Path(back).stem}", "portrait", photo, bg(back)))
    for i, back in (("005", "grey"), ("056", "bgmatting_0001.png"), ("106", "skimage_rocket.jpg")):
        photo = studiocomp.load_image(next(humanseg.glob(f"{i}.*")))
        target = back if not back.endswith((".png", ".jpg")) else bg(back)
        cases.append((f"humanseg-{i}-{Path(back).stem}", f"studio photo {i} on {Path(back).stem}", "studio", photo, target))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", default=str(REPO / "docs" / "gallery"), help="output folder for the public pictures (default: %(default)s)")
    parser.add_argument("--real", metavar="DIR", help="render the real photos of ../shared into DIR (outside the repository) instead")
    args = parser.parse_args()
    if args.real:
        out = Path(args.real).resolve()
        if out == REPO or REPO in out.parents:
            parser.error(f"--real {args.real}: the real photos may not be written inside the repository ({REPO})")
        cases = _real_cases()
    else:
        out, cases = Path(args.output), _public_cases()
    table = ["| picture | sharpness ratio (≥ 0.90) | median ΔE00 (≤ 2.0) | halo ×255 (≤ 3) | relight gain (R, G, B) |", "|---|---:|---:|---:|---|"]
    for file, title, preset, photo, background in cases:
        t0 = time.perf_counter()
        plain = studiocomp.Pipeline.preset(preset, **PLAIN)(photo, background=background)
        full = studiocomp.Pipeline.preset(preset)(photo, background=background)
        if isinstance(photo, Image.Image):  # a cut-out already (RGBA): the sheet of a whole figure, then its colours
            lit = studiocomp.Pipeline.preset(preset, shadow_caster=studiocomp.create("shadow_caster", "cast", azimuth=LIGHT[0], elevation=LIGHT[1]))
            paths = _shadow_sheet(out, file, plain, full, lit(photo, background=background))
            photo = np.asarray(photo.convert("RGB"), np.float32) / 255
        else:
            paths = _sheet(out, file, photo, plain, full)
        sharp, shift, halo = _fidelity(photo, full)
        relight = full.finishing.get("relight", {})
        gains = ", ".join(f"{relight.get(k, 1.0):.2f}" for k in ("gain_r", "gain_g", "gain_b"))
        table.append(f"| {title} | {sharp:.2f} | {shift:.2f} | {halo:.2f} | {gains} |")
        sizes = ", ".join(f"{p.name} {p.stat().st_size // 1024} KB" for p in paths)
        print(f"{out}: {sizes} ({time.perf_counter() - t0:.1f} s)")
    print("\n".join(table))


if __name__ == "__main__":
    main()
