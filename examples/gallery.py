"""Before/after pictures for docs/gallery.md: real people on real backgrounds, with crops at 100 % of face and hair.

    python examples/gallery.py                     # public-domain pictures into docs/gallery (committed)
    python examples/gallery.py --real /tmp/real    # real photos from ../shared, into a folder OUTSIDE the repo

Each picture is one sheet: on top the whole composite, a **plain paste** (the
same preset with ``relighter=None, shadow_caster=None, compositor="alpha-over"``:
the cut-out laid over the background as it is) next to the preset **as it
ships**; below, at 100 % (one pixel of the photo per pixel), the face and the
hair edge: the photo as shot, the plain paste and studiocomp. The subject is not
moved (``place=None``), so the crops compare the same pixels, and the fidelity
measures of :mod:`studiocomp.metrics` apply (sharpness ratio, median CIEDE2000,
edge halo): the script prints them as a Markdown table.

Default: only public-domain and CC0 sources, so the output may be committed and
shared: scikit-image's astronaut (NASA, public domain), cut out with the
``portrait`` preset (MODNet and selfie weights from the Hugging Face hub or its
cache), on scikit-image's coffee and rocket photos (public domain) and on the
``grey`` preset.

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
from skimage import data

import studiocomp
from studiocomp import metrics
from studiocomp._ops import label_tile

PLAIN = {"relighter": None, "shadow_caster": None, "compositor": "alpha-over"}
REPO = Path(__file__).resolve().parents[1]
OVERVIEW_W = 240  # each of the two whole composites, px wide
MAX_CROP = 160  # the side of a 100 % crop (smaller when the subject is)


def _rgb(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32) / 255.0
    return np.repeat(x[..., None], 3, axis=2) if x.ndim == 2 else x


def _crop_boxes(alpha: np.ndarray) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """((y, x, side) of the face, (y, x, side) of the hair edge at the top of the head), from the subject's alpha."""
    h, w = alpha.shape
    solid = alpha > 0.5
    rows = np.flatnonzero(solid.any(axis=1))
    top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
    side = int(min(MAX_CROP, h, w, max(64, 0.3 * height)))
    # the head's middle: the centre of the subject's span a tenth of its height below its top
    probe = min(h - 1, top + max(1, height // 10))
    cols = np.flatnonzero(solid[probe])
    cx = int((cols[0] + cols[-1]) // 2) if cols.size else w // 2
    x = int(np.clip(cx - side // 2, 0, w - side))
    face = (int(np.clip(top + 0.3 * side, 0, h - side)), x, side)  # eyes to chin on a head-and-shoulders shot
    hair = (int(np.clip(top - side // 2, 0, h - side)), x, side)
    return face, hair


def _sheet(photo: np.ndarray, plain: studiocomp.PipelineResult, full: studiocomp.PipelineResult) -> np.ndarray:
    h, w = photo.shape[:2]
    oh = round(h * OVERVIEW_W / w)
    small = [cv2.resize(r.composite, (OVERVIEW_W, oh), interpolation=cv2.INTER_AREA) for r in (plain, full)]
    top = np.hstack([label_tile(small[0], "plain paste"), label_tile(small[1], "studiocomp")])
    rows = [top]
    for name, (y, x, s) in zip(("face", "hair edge"), _crop_boxes(full.alpha), strict=True):
        tiles = [img[y : y + s, x : x + s] for img in (photo, plain.composite, full.composite)]
        row = np.hstack([label_tile(t, f"{name}: {what}") for t, what in zip(tiles, ("as shot", "plain", "studiocomp"), strict=True)])
        pad = top.shape[1] - row.shape[1]
        if pad > 0:
            row = np.hstack([row, np.ones((row.shape[0], pad, 3), np.float32)])
        rows.append(row[:, : top.shape[1]])
    return np.vstack(rows)


def _fidelity(photo: np.ndarray, full: studiocomp.PipelineResult) -> tuple[float, float, float]:
    plain = metrics.pasted(full.placed_foreground, full.placed_alpha, full.background)
    return (
        metrics.sharpness_ratio(full.composite, photo, full.alpha),
        metrics.color_shift(full.composite, photo, full.alpha),
        metrics.edge_halo(full.composite, plain, full.alpha) * 255,
    )


def _public_cases() -> list[tuple[str, str, str, np.ndarray, object]]:
    astronaut = _rgb(data.astronaut())
    return [
        # (file, title, preset, photo, background)
        ("astronaut-grey", "astronaut on the grey preset", "portrait", astronaut, "grey"),
        ("astronaut-coffee", "astronaut on coffee", "portrait", astronaut, _rgb(data.coffee())),
        ("astronaut-rocket", "astronaut on rocket", "portrait", astronaut, _rgb(data.rocket())),
    ]


def _real_cases() -> list[tuple[str, str, str, np.ndarray, object]]:
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
        path = studiocomp.save_image(out / f"{file}.jpg", _sheet(photo, plain, full), quality=82)
        sharp, shift, halo = _fidelity(photo, full)
        relight = full.finishing.get("relight", {})
        gains = ", ".join(f"{relight.get(k, 1.0):.2f}" for k in ("gain_r", "gain_g", "gain_b"))
        table.append(f"| {title} | {sharp:.2f} | {shift:.2f} | {halo:.2f} | {gains} |")
        print(f"{path} ({path.stat().st_size // 1024} KB, {time.perf_counter() - t0:.1f} s)")
    print("\n".join(table))


if __name__ == "__main__":
    main()
