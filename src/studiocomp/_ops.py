"""Small numeric helpers shared by backends (internal)."""

from __future__ import annotations

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


def fill_from(img: np.ndarray, weight: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Normalized convolution: the weighted local mean of ``img`` everywhere.

    Used to carry the colour of known pixels (backdrop, subject) into pixels
    where it is unknown. Returns the filled image and the local weight density;
    where the density is ~0 the fill is meaningless.
    """
    w = weight.astype(np.float32)
    num = cv2.GaussianBlur(img * w[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(w, (0, 0), sigma)
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
    return keep[lab]


def sample_bilinear(img: np.ndarray, ys: np.ndarray, xs: np.ndarray, scale: tuple[float, float]) -> np.ndarray:
    """Bilinearly sample a small H'×W'×C image at full-resolution pixel centres.

    ``ys``/``xs`` are integer pixel coordinates of the full-resolution image and
    ``scale`` is (H'/H, W'/W). Used to upsample slowly varying estimates only
    where they are needed instead of over the whole frame. Returns N×C float32.
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
    map_y[:n] = (ys + 0.5) * scale[0] - 0.5
    map_x[:n] = (xs + 0.5) * scale[1] - 0.5
    out = cv2.remap(img, map_x.reshape(rows, cols), map_y.reshape(rows, cols), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(out.reshape(rows * cols, channels)[:n], dtype=np.float32)


def label_tile(tile: np.ndarray, text: str) -> np.ndarray:
    """A copy of an H×W×3 float tile with ``text`` on a black band at the top (for contact sheets)."""
    out = tile.copy()
    scale = max(0.4, tile.shape[1] / 500)
    cv2.rectangle(out, (0, 0), (tile.shape[1], int(28 * scale)), (0.0, 0.0, 0.0), -1)
    cv2.putText(out, text, (6, int(20 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, (1.0, 1.0, 1.0), 1, cv2.LINE_AA)
    return out
