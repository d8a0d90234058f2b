"""Small numeric helpers shared by backends (internal)."""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np


def working_size(h: int, w: int, long_side: int) -> tuple[int, int]:
    """(h, w) scaled so the longer side is at most ``long_side`` (never upscaled)."""
    s = min(1.0, long_side / max(h, w))
    return max(1, round(h * s)), max(1, round(w * s))


def resize(a: np.ndarray, hw: tuple[int, int], interp: int = cv2.INTER_LINEAR) -> np.ndarray:
    """cv2.resize with (h, w) order; returns ``a`` unchanged when the size already matches."""
    if a.shape[:2] == tuple(hw):
        return a
    return cv2.resize(a, (hw[1], hw[0]), interpolation=interp)


def shrink_area(a: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """A small (h, w) copy of a large image for statistics and smooth estimates.

    Nearest-neighbour sampling to twice the size, then area averaging: each
    output pixel averages 4 evenly spread input pixels. At 24 MP this costs
    3 ms where area averaging of every pixel costs about 45 ms.
    """
    h, w = a.shape[:2]
    if h <= 2 * hw[0] or w <= 2 * hw[1]:
        return resize(a, hw, cv2.INTER_AREA)
    return cv2.resize(cv2.resize(a, (2 * hw[1], 2 * hw[0]), interpolation=cv2.INTER_NEAREST), (hw[1], hw[0]), interpolation=cv2.INTER_AREA)


def shrink_centred(a: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """:func:`shrink_area` with its nearest-neighbour step centre-aligned: a small copy that lines up with the photo.

    OpenCV's ``INTER_NEAREST`` takes source pixel ``floor(x · s)`` for output
    pixel ``x`` (scale ``s`` > 1), the first pixel of each cell rather than its
    middle, so :func:`shrink_area`'s copy shows the photo moved by a fraction of
    an output pixel towards the bottom right: a disk's centroid, shrunk to a
    1024-px long side and enlarged back bilinearly, moves by 0.6 px at
    2500×1500, 1.0 px at 4000×3000 and 1.45 px at 6000×4000 (on each axis).
    ``INTER_NEAREST_EXACT`` takes ``floor((x + 0.5) · s)``, the cell's middle
    (within 0.03 px), at the same cost (23–26 ms at 24 MP). Use this where a
    mask is made on the small copy and brought back to the photo.

    Parameters
    ----------
    a : numpy.ndarray
        H×W or H×W×C array (float32 or uint8).
    hw : tuple of int
        (h, w) of the copy, at most (H, W).

    Returns
    -------
    numpy.ndarray
        h×w(×C) array of ``a``'s dtype: each pixel the mean of 4 evenly spread
        pixels of its cell (area averaging of every pixel when ``a`` is less
        than twice ``hw`` on a side).
    """
    h, w = a.shape[:2]
    if h <= 2 * hw[0] or w <= 2 * hw[1]:
        return resize(a, hw, cv2.INTER_AREA)
    return cv2.resize(cv2.resize(a, (2 * hw[1], 2 * hw[0]), interpolation=cv2.INTER_NEAREST_EXACT), (hw[1], hw[0]), interpolation=cv2.INTER_AREA)


def clear_hidden(rgba: np.ndarray) -> np.ndarray:
    """Zero the colour of every pixel whose alpha (the last channel) is 0, in place; returns ``rgba``.

    A cut-out's hidden pixels must keep none of the photo: a reader that drops the
    alpha channel would otherwise get the old background (and its bystanders)
    back. rembg and remove.bg write zeros there too. ``rgba`` is H×W×4 of any
    dtype; 0 in the alpha channel means fully transparent at that dtype's scale.
    """
    rgba[..., :3][rgba[..., 3] == 0] = 0
    return rgba


def bounding_window(mask: np.ndarray, pad: int = 0) -> tuple[slice, slice] | None:
    """(rows, cols) slices of the bounding box of a 2-D mask grown by ``pad`` pixels; None when it is empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask[rows[0] : rows[-1] + 1].any(axis=0))
    h, w = mask.shape
    return slice(max(0, rows[0] - pad), min(h, rows[-1] + 1 + pad)), slice(max(0, cols[0] - pad), min(w, cols[-1] + 1 + pad))


def row_extent(mask: np.ndarray) -> tuple[int, int] | None:
    """(first row, last row) of a 2-D mask that hold a True pixel; None when it is empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1])


def lowest_rows(mask: np.ndarray) -> np.ndarray:
    """Per column, the last row of a 2-D bool mask that is True; −1 where the column is empty (int array of width W)."""
    low = mask.shape[0] - 1 - np.argmax(mask[::-1], axis=0)
    return np.where(mask.any(axis=0), low, -1)


#: A subject whose lowest solid row is within this many rows of the frame's bottom is cut by it (no feet in the frame).
BOTTOM_CUT_ROWS = 2
#: :func:`cut_by_bottom`'s feet test: the band of the subject's height above the bottom edge where its lower outline is read,
FEET_BAND = 0.08
#: the least share of that band's columns whose lowest pixel ends above the edge (other feet standing just above it),
FEET_ENDING = 0.35
#: and the most width touching the edge, as a share of the body's width (a sole, not a cross-section of legs or a torso).
FEET_CONTACT = 0.35


def cut_by_bottom(alpha: np.ndarray) -> bool:
    """True when the frame's bottom edge cuts the solid subject (alpha ≥ 0.5) of a full-size H×W alpha.

    The one rule for "a head-and-shoulders shot, no feet": :func:`studiocomp.placement.subject_extent`
    (placed on the background's bottom edge) and the floor shadows (none) both ask it, on the
    full-size alpha, so they always agree.

    A subject whose lowest solid row is more than ``BOTTOM_CUT_ROWS`` above the bottom edge is not cut.
    One that reaches the edge is cut, unless its feet are in the frame and only graze the edge: a
    standing subject's lowest parts (feet, shoes) end at about the same level, so when the edge grazes a
    sole, other parts of the subject's lower outline end just above it; an edge that cuts legs or a
    torso crosses every part that reaches that low. In the bottom ``FEET_BAND`` of the subject's height
    (rows), each column holding the subject *reaches* the edge (its lowest solid pixel within
    ``BOTTOM_CUT_ROWS`` of it) or *ends* above it. The feet graze the edge when at least ``FEET_ENDING``
    of those columns end above it and the columns that reach it are at most ``FEET_CONTACT`` of the
    body's width (the 90th percentile of the row widths over the subject's upper 60 %): a cross-section
    of a torso is never a sole. A rule of thumb from silhouettes, not a learned one: of the 183 pseudo
    ground-truth masks of ``humanseg_removebg290`` that reach the bottom edge it frees 10 whole people
    with their feet on the edge (5 more stay "cut") and one whose feet are hidden behind props, and no cut
    torso or legs (docs/evaluation.md).

    Parameters
    ----------
    alpha : numpy.ndarray
        H×W alpha in [0, 1] (float32), full size.

    Returns
    -------
    bool
        True when the subject is cut by the bottom edge (no feet in the frame); False when it is empty,
        ends above the edge, or only its feet graze it.
    """
    solid = alpha >= 0.5
    extent = row_extent(solid)
    h = alpha.shape[0]
    if extent is None or extent[1] < h - BOTTOM_CUT_ROWS:
        return False
    top = extent[0]
    height = h - top
    band = solid[h - max(3, round(FEET_BAND * height)) :]
    lowest = lowest_rows(band)  # each column's lowest solid row in the band
    present = lowest >= 0
    reach = lowest >= band.shape[0] - BOTTOM_CUT_ROWS - 1
    if np.count_nonzero(present & ~reach) < FEET_ENDING * np.count_nonzero(present):
        return True
    step = max(1, height // 512)  # (row widths from at most ~300 rows: a percentile needs no more)
    widths = np.count_nonzero(solid[top : top + max(1, round(0.6 * height)) : step], axis=1)
    return bool(np.count_nonzero(reach) > FEET_CONTACT * float(np.percentile(widths, 90)))


def upsample_into(dst: np.ndarray, small: np.ndarray, hw: tuple[int, int], win: tuple[slice, slice]) -> None:
    """Write the window ``win`` of ``small`` bilinearly upsampled to the frame size ``hw`` into ``dst``.

    ``dst`` has the window's shape (a view into a full-size array, or its own).
    Same values as resizing ``small`` to ``hw`` (pixel-centre aligned) and
    cropping, up to OpenCV's 1/32-pixel sampling grid, without computing the
    rest of the frame.
    """
    h, w = hw
    sh, sw = small.shape[:2]
    y0, x0 = win[0].start, win[1].start
    sy, sx = sh / h, sw / w
    # full-resolution pixel (x, y) of the window reads small at ((x + x0 + 0.5)·sx − 0.5, …)
    m = np.array([[sx, 0.0, (x0 + 0.5) * sx - 0.5], [0.0, sy, (y0 + 0.5) * sy - 0.5]], np.float64)
    cv2.warpAffine(small, m, (dst.shape[1], dst.shape[0]), dst=dst, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)


def wide_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of ``sigma`` px; a wide one is done on a copy 2^k times smaller (sigma there ≥ 4 px), upsampled bilinearly.

    The result of a wide blur has no detail finer than sigma, so the small copy
    loses nothing that matters (the classic Gaussian-pyramid shortcut, Burt &
    Adelson 1983) at a small fraction of the cost of a kernel 6·sigma wide.
    Below sigma 8 it is ``cv2.GaussianBlur`` itself.
    """
    f = 1
    while sigma / (2 * f) >= 4.0:
        f *= 2
    if f == 1:
        return cast("np.ndarray", cv2.GaussianBlur(x, (0, 0), sigma))
    h, w = x.shape[:2]
    small = cv2.resize(x, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA)
    return cast("np.ndarray", cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / f), (w, h), interpolation=cv2.INTER_LINEAR))


def block_pixels(small: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the full-size pixels under the set pixels of a small mask, without a full-size array.

    Small pixel (r, c) of an h'×w' mask covers full rows ``ceil(r·H/h')`` to ``ceil((r+1)·H/h') − 1``
    (columns alike): the blocks tile the H×W frame. Equivalent to ``np.nonzero`` of a nearest-neighbour
    upsampling, but its cost grows with the pixels returned, not with H×W (at 24 MP a full-size
    resize and scan took ~0.3 s). The order is block by block.
    """
    h, w = shape
    sh, sw = small.shape
    lo_r = (np.arange(sh + 1, dtype=np.int64) * h + sh - 1) // sh  # exact integer ceilings
    lo_c = (np.arange(sw + 1, dtype=np.int64) * w + sw - 1) // sw
    rs, cs = np.nonzero(small)
    nr = (lo_r[rs + 1] - lo_r[rs]).astype(np.int64)
    nc = (lo_c[cs + 1] - lo_c[cs]).astype(np.int64)
    counts = nr * nc
    k = np.repeat(np.arange(rs.size), counts)
    local = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    width = nc[k]
    return (lo_r[rs][k] + local // width).astype(np.intp), (lo_c[cs][k] + local % width).astype(np.intp)


def fill_from(img: np.ndarray, weight: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Normalized convolution: the weighted local mean of ``img`` everywhere.

    Used to carry the colour of known pixels (backdrop, subject) into pixels
    where it is unknown. Returns the filled image and the local weight density;
    where the density is ~0 the fill is meaningless. Both blurs are :func:`wide_blur`.
    """
    w = weight.astype(np.float32)
    num = wide_blur(img * w[..., None], sigma)
    den = wide_blur(w, sigma)
    return num / np.maximum(den, 1e-6)[..., None], den


def disk(radius: int) -> np.ndarray:
    r = max(1, int(radius))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def remove_small(mask: np.ndarray, rel_area: float) -> np.ndarray:
    """Drop 8-connected components smaller than ``rel_area`` × the largest one."""
    n, lab, st, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask.astype(bool)
    areas = st[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(n, bool)
    keep[1:] = areas >= rel_area * areas.max()
    return cast("np.ndarray", keep[lab])


def sample_bilinear(img: np.ndarray, ys: np.ndarray, xs: np.ndarray, scale: tuple[float, float], origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Bilinearly sample a small H'×W'×C image at full-resolution pixel centres.

    ``ys``/``xs`` are integer pixel coordinates of the full-resolution image and
    ``scale`` is (H'/H, W'/W). ``img`` may be a crop of the small image whose
    top-left pixel is ``origin`` (row, column) of it. Used to upsample slowly varying
    estimates only where they are needed instead of over the whole frame. Returns N×C float32.
    """
    n = len(ys)
    channels = 1 if img.ndim == 2 else img.shape[2]
    if n == 0:
        return np.zeros((0, channels), np.float32)
    # cv2.remap caps each side of the map at 32767: lay the N points out as rows of 4096
    cols = 4096
    rows = -(-n // cols)
    map_y = np.zeros(rows * cols, np.float32)
    map_x = np.zeros(rows * cols, np.float32)
    map_y[:n] = (ys + 0.5) * scale[0] - 0.5 - origin[0]
    map_x[:n] = (xs + 0.5) * scale[1] - 0.5 - origin[1]
    out = cv2.remap(img, map_x.reshape(rows, cols), map_y.reshape(rows, cols), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(out.reshape(rows * cols, channels)[:n], dtype=np.float32)


def label_tile(tile: np.ndarray, text: str) -> np.ndarray:
    """A copy of an H×W×3 float tile with ``text`` on a black band at the top (for contact sheets)."""
    out = tile.copy()
    scale = max(0.4, tile.shape[1] / 500)
    cv2.rectangle(out, (0, 0), (tile.shape[1], int(28 * scale)), (0.0, 0.0, 0.0), -1)
    cv2.putText(out, text, (6, int(20 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, (1.0, 1.0, 1.0), 1, cv2.LINE_AA)
    return cast("np.ndarray", out)


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def adjugate_sym3(s00: np.ndarray, s01: np.ndarray, s02: np.ndarray, s11: np.ndarray, s12: np.ndarray, s22: np.ndarray) -> tuple[np.ndarray, ...]:
    """Element-wise adjugate (i00, i01, i02, i11, i12, i22) and determinant of symmetric 3×3 matrices.

    The inverse is the adjugate divided by the determinant; arrays of any shape hold one matrix per element.
    """
    i00 = s11 * s22 - s12 * s12
    i01 = s02 * s12 - s01 * s22
    i02 = s01 * s12 - s02 * s11
    i11 = s00 * s22 - s02 * s02
    i12 = s01 * s02 - s00 * s12
    i22 = s00 * s11 - s01 * s01
    return i00, i01, i02, i11, i12, i22, s00 * i00 + s01 * i01 + s02 * i02


def guided_coefficients(guide: np.ndarray, p: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """The colour guided filter's linear model of ``p`` in ``guide`` (He, Sun & Tang, PAMI 2013), box-averaged.

    ``guide`` is h×w×3 float32, ``p`` h×w float32; returns h×w×4 float32 (a, b, c, d): the filtered value
    at a pixel of colour (r, g, b) is a·r + b·g + c·b + d. Shared by :func:`guided_upsample` and the video
    tracker's snap of its cut.
    """
    ch, cw = p.shape
    mean_i = _box(guide, radius)
    mean_p = _box(p, radius)
    mean_ip = _box(guide * p[..., None], radius)
    cov_ip = mean_ip - mean_i * mean_p[..., None]
    # covariance of the guide: 6 distinct entries of a symmetric 3×3
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    var = {}
    for a, b in pairs:
        var[a, b] = _box(guide[..., a] * guide[..., b], radius) - mean_i[..., a] * mean_i[..., b]
    s00, s01, s02 = var[0, 0] + eps, var[0, 1], var[0, 2]
    s11, s12, s22 = var[1, 1] + eps, var[1, 2], var[2, 2] + eps
    i00, i01, i02, i11, i12, i22, det = adjugate_sym3(s00, s01, s02, s11, s12, s22)
    c0, c1, c2 = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    coef = np.empty((ch, cw, 4), np.float32)
    coef[..., 0] = (i00 * c0 + i01 * c1 + i02 * c2) / det
    coef[..., 1] = (i01 * c0 + i11 * c1 + i12 * c2) / det
    coef[..., 2] = (i02 * c0 + i12 * c1 + i22 * c2) / det
    coef[..., 3] = mean_p - np.einsum("hwc,hwc->hw", coef[..., :3], mean_i)
    return _box(coef, radius)


def guided_upsample(alpha: np.ndarray, image: np.ndarray, radius: int = 2, eps: float = 1e-4) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Bring a low-resolution alpha to ``image``'s size along the image's edges (fast colour guided filter).

    The guided filter's linear coefficients (He et al. 2013, colour guide) are
    fitted between the alpha and the image shrunk to the alpha's size, then
    interpolated bilinearly and applied to the full-resolution image (He & Sun
    2015), so edges follow the photo, not the model's coarse grid. Returns the
    float32 alpha in [0, 1] and the (rows, cols) of the pixels it was free to
    make fractional (every other pixel is exactly 0 or 1).
    """
    h, w = image.shape[:2]
    lh, lw = alpha.shape
    if (lh, lw) == (h, w):
        # already full size: values within half an 8-bit step of 0 or 1 are snapped to it (invisible
        # in any 8-bit output, and every fractional pixel costs foreground and compositing work)
        out = np.clip(alpha, 0.0, 1.0).astype(np.float32)
        out[out < 0.5 / 255] = 0.0
        out[out > 1.0 - 0.5 / 255] = 1.0
        rows, cols = np.nonzero((out > 0.0) & (out < 1.0))
        return out, (rows, cols)
    # Where the model is sure (alpha within `snap` of 0 or 1, `radius` pixels around included),
    # the output is exactly 0 or 1: the guided filter would add faint texture there, and every
    # fractional pixel costs foreground estimation and compositing work later.
    snap = 0.05
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    sure_bg = cv2.erode((alpha <= snap).view(np.uint8), k)
    sure_fg = cv2.erode((alpha >= 1 - snap).view(np.uint8), k)
    sure = cv2.resize(sure_fg * np.uint8(2) + sure_bg, (w, h), interpolation=cv2.INTER_NEAREST)
    out = (sure == 2).astype(np.float32)
    rows, cols = np.nonzero(sure == 0)
    if not rows.size:
        return out, (rows, cols)
    # The coefficients are needed only around the unsure pixels: fit them on that window of the
    # small image. Two box filters of ``radius`` and the bilinear lookup reach 2·radius + 1 pixels,
    # so a margin of 2·radius + 2 leaves every coefficient that is used as on the whole image.
    guide_full = cv2.resize(image, (lw, lh), interpolation=cv2.INTER_AREA).astype(np.float32)
    unsure = np.nonzero(cv2.bitwise_or(sure_fg, sure_bg) == 0)
    margin = 2 * radius + 2
    if unsure[0].size:
        y0, y1 = max(0, int(unsure[0].min()) - margin), min(lh, int(unsure[0].max()) + margin + 1)
        x0, x1 = max(0, int(unsure[1].min()) - margin), min(lw, int(unsure[1].max()) + margin + 1)
    else:  # unsure only through the nearest-neighbour resize of a thin band
        y0, y1, x0, x1 = 0, lh, 0, lw
    guide = guide_full[y0:y1, x0:x1]
    p = alpha[y0:y1, x0:x1].astype(np.float32)
    coef = guided_coefficients(guide, p, radius, eps)
    # Full-size output: exactly 0 or 1 where the model is sure (nearest lookup, no blending across),
    # the guided-filter model — coefficients interpolated bilinearly — only in between.
    c = sample_bilinear(coef, rows, cols, (lh / h, lw / w), origin=(y0, x0))
    px = image[rows, cols]
    val = c[:, 3] + c[:, 0] * px[:, 0] + c[:, 1] * px[:, 1] + c[:, 2] * px[:, 2]
    out[rows, cols] = np.clip(val, 0.0, 1.0)
    return out, (rows, cols)


def estimate_foreground(image: np.ndarray, alpha: np.ndarray, radius: int = 45, work_side: int = 512, band: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Subject colours with the old background taken out of the soft edge (blur-fusion estimate).

    Following Germer et al. (2021): local means of the subject's and the
    background's colours, F̄ = blur(αI)/blur(α) and B̄ = blur((1−α)I)/blur(1−α),
    computed at about ``work_side`` pixels (they are smooth), then per pixel
    F = F̄ + α(I − αF̄ − (1−α)B̄). Only pixels with 0 < α < 1 change; elsewhere F = I.
    ``band``, (rows, cols) of a superset of those pixels, saves finding them.
    """
    h, w = alpha.shape
    out = image.copy()
    rows, cols = np.nonzero((alpha > 0.0) & (alpha < 1.0)) if band is None else band
    a = alpha[rows, cols]
    partial = (a > 0.0) & (a < 1.0)
    rows, cols, a = rows[partial], cols[partial], a[partial][:, None]
    if rows.size == 0:
        return cast("np.ndarray", out)
    sh, sw = working_size(h, w, work_side)
    small_i = shrink_area(image, (sh, sw))  # local mean colours: a subsampled copy is as good
    small_a = shrink_area(alpha, (sh, sw))[..., None]
    r = max(1, round(radius * max(sh, sw) / 1024))
    k = (2 * r + 1, 2 * r + 1)
    fg = cv2.blur(small_i * small_a, k) / np.maximum(cv2.blur(small_a, k), 1e-4)[..., None]
    bg = cv2.blur(small_i * (1 - small_a), k) / np.maximum(cv2.blur(1 - small_a, k), 1e-4)[..., None]
    scale = (sh / h, sw / w)
    f = sample_bilinear(fg.astype(np.float32), rows, cols, scale)
    b = sample_bilinear(bg.astype(np.float32), rows, cols, scale)
    est = f + a * (image[rows, cols] - a * f - (1 - a) * b)
    out[rows, cols] = np.clip(est, 0.0, 1.0)
    return cast("np.ndarray", out)


def feather_into(alpha: np.ndarray, region: np.ndarray, image: np.ndarray, work_side: int = 512, radius: int = 2) -> None:
    """Set ``alpha`` to 1 over a bool ``region``, its outline made soft along the photo's edges (in place).

    For a region taken whole from a segmenter's mask (a part of the subject a matter dropped, restored):
    its outline is the mask's, cut at 0.5 from a coarse probability map: hard (aliased, stepped when the
    subject is enlarged) and only as accurate as the model's grid (wherever the map was a little too wide,
    a rim of the old background comes along). The region, together with what ``alpha`` already holds
    (≥ 0.5, so no seam opens where they meet), is shrunk to the matter's scale (long side ``work_side``,
    area averaging: fractional along the outline) and brought back to full size with
    :func:`guided_upsample` (He et al. 2013; He & Sun 2015), whose edges follow the photo's, as the
    matter's own alpha is. Only pixels within the filter's reach of ``region`` change, and outside
    ``region`` only upwards: ``alpha`` keeps its own soft edges (hair) away from it. Photos no larger
    than ``work_side`` are shrunk to half their size.

    Parameters
    ----------
    alpha : numpy.ndarray
        H×W float32 alpha in [0, 1], changed in place.
    region : numpy.ndarray
        H×W bool: the pixels to restore.
    image : numpy.ndarray
        H×W×3 float32 sRGB photo in [0, 1], the guide.
    work_side, radius : int
        The scale (long side, pixels) and the guided filter's radius there.
    """
    h, w = region.shape
    side = work_side if max(h, w) > work_side else max(8, max(h, w) // 2)
    sh, sw = working_size(h, w, side)
    small = shrink_area(region.view(np.uint8) * np.uint8(255), (sh, sw))
    reach_small = cv2.dilate((small > 0).view(np.uint8), disk(2 * radius + 2))
    win_small = bounding_window(reach_small > 0, pad=2 * radius + 2)
    if win_small is None:
        return
    ys, xs = win_small
    # the same window at full size (whole small pixels, so the two grids stay aligned)
    fy, fx = h / sh, w / sw
    y0, y1 = int(ys.start * fy), min(h, int(np.ceil(ys.stop * fy)))
    x0, x1 = int(xs.start * fx), min(w, int(np.ceil(xs.stop * fx)))
    a_win, r_win = alpha[y0:y1, x0:x1], region[y0:y1, x0:x1]
    sub = (ys.stop - ys.start, xs.stop - xs.start)
    held = shrink_area((r_win | (a_win >= 0.5)).view(np.uint8) * np.uint8(255), sub).astype(np.float32) / 255.0
    soft = guided_upsample(held, np.ascontiguousarray(image[y0:y1, x0:x1]), radius=radius)[0]
    near = cv2.resize(reach_small[ys, xs], (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 0
    soft[~near] = 0.0
    a_win[r_win] = 0.0  # the region takes the feathered value, everything else only rises to it
    np.maximum(a_win, soft, out=a_win)


def mask_gate(mask: np.ndarray, margin: float, work_side: int = 512) -> np.ndarray:
    """A soft H×W float32 gate: 1 on and near ``mask``, falling to 0 at ``margin`` × the long side away.

    Used by the matters to drop alpha that a segmenter says is far from any
    subject. Computed at about ``work_side`` pixels and upsampled (it is smooth).
    """
    h, w = mask.shape
    sh, sw = working_size(h, w, work_side)
    small = cv2.resize(mask.view(np.uint8) * np.uint8(255), (sw, sh), interpolation=cv2.INTER_AREA) > 0
    r = max(1, round(margin * max(sh, sw)))
    dist = cv2.distanceTransform((~small).view(np.uint8), cv2.DIST_L2, 3)
    gate = np.clip((r - dist) / (0.5 * r), 0.0, 1.0).astype(np.float32)  # 1 within r/2, 0 beyond r
    return cast("np.ndarray", cv2.resize(gate, (w, h), interpolation=cv2.INTER_LINEAR))
