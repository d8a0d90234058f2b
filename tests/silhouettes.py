"""Plain silhouettes for the placement tests: a whole standing figure and a bust cut by the photo's bottom edge."""

from __future__ import annotations

import numpy as np

#: A grey 200×120 photo behind the silhouettes (float32 sRGB).
FG = np.full((200, 120, 3), 0.5, np.float32)


def full_body_alpha() -> np.ndarray:
    """200×120 float32 alpha of a standing figure: rows 20–179, columns 40–79 (feet at row 179, inside the photo)."""
    a = np.zeros((200, 120), np.float32)
    a[20:180, 40:80] = 1.0
    return a


def bust_alpha() -> np.ndarray:
    """200×120 float32 alpha of a bust cut by the photo's bottom edge (rows 60–199, columns 20–99): no feet."""
    a = np.zeros((200, 120), np.float32)
    a[60:200, 20:100] = 1.0
    return a
