"""The closed-form matting Laplacian (Levin, Lischinski & Weiss 2008), restricted to unknown pixels.

For every 3×3 window k with colour mean μ and covariance Σ, pixels i and j of
the window are tied by ``δij − (1 + (Ii − μ)ᵀ (Σ + ε/9·I)⁻¹ (Ij − μ)) / 9``;
summed over windows, a pixel is tied to the 24 pixels at most two rows and
columns away. Only windows that hold an unknown pixel matter, so only those are
computed, as flat arrays with the closed-form inverse of the symmetric 3×3
covariance. Instead of listing 81 entries per window and letting a sparse
matrix sum the duplicates, each of the 81 (i, j) pairs of positions is added,
for all windows at once, into a (25 neighbour directions × unknown pixels)
table; the CSR rows are then read off that table in order, with no sort.
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.sparse as sp

from .._ops import adjugate_sym3

__all__ = ["unknown_system"]

_WINDOW = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _code(dy: int, dx: int) -> int:
    """Index of the neighbour offset (dy, dx), each in −2…2, among the 25 directions (raster order)."""
    return (dy + 2) * 5 + (dx + 2)


def _window_terms(planes: list[np.ndarray], at: list[np.ndarray], eps: float) -> tuple[list[list[np.ndarray]], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Centred colours d[a][c] and Δ·d[a] (Δ = (Σ + ε/9)⁻¹ / 9) for the windows whose pixels are ``at``."""
    win = [[p[i] for p in planes] for i in at]
    mu = [np.add.reduce([w[c] for w in win]) / 9 for c in range(3)]
    d = [[win[a][c] - mu[c] for c in range(3)] for a in range(9)]

    def cov(i: int, j: int) -> np.ndarray:
        out: np.ndarray = np.add.reduce([d[a][i] * d[a][j] for a in range(9)]) / 9
        return out

    reg = eps / 9
    s00, s01, s02 = cov(0, 0) + reg, cov(0, 1), cov(0, 2)
    s11, s12, s22 = cov(1, 1) + reg, cov(1, 2), cov(2, 2) + reg
    i00, i01, i02, i11, i12, i22, det = adjugate_sym3(s00, s01, s02, s11, s12, s22)
    scale = 1.0 / (9 * det)
    for m in (i00, i01, i02, i11, i12, i22):
        m *= scale
    e = [(i00 * x + i01 * y + i02 * z, i01 * x + i11 * y + i12 * z, i02 * x + i12 * y + i22 * z) for x, y, z in d]
    return d, e


def unknown_system(image: np.ndarray, known: np.ndarray, values: np.ndarray, eps: float = 1e-7, ridge: float = 0.0) -> tuple[sp.csr_matrix, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The system ``A x = b`` that minimises the matting energy with ``known`` pixels held at ``values``.

    ``image`` is H×W×3 (float64 is best: ε is tiny), ``known`` H×W bool,
    ``values`` H×W. Windows are centred on interior pixels only, as in the
    reference implementation. ``ridge`` adds ``ridge·(x − ½)²`` per unknown
    pixel. Returns the CSR matrix (unknowns in raster order), the right-hand
    side and the (rows, cols) of the unknowns.

    Parameters
    ----------
    image : numpy.ndarray
        H×W×3 (float64 is best).
    known : numpy.ndarray
        H×W bool: pixels held fixed.
    values : numpy.ndarray
        H×W alpha of the known pixels.
    eps : float
        Colour-line regulariser ε.
    ridge : float
        Weight of ``(x − ½)²`` per unknown.

    Returns
    -------
    (scipy.sparse.csr_matrix, numpy.ndarray, (numpy.ndarray, numpy.ndarray))
        A (N×N), b (N,) and the unknowns' (rows, cols).
    """
    h, w = known.shape
    unknown = ~known
    ys, xs = np.nonzero(unknown)
    n = ys.size
    # row of every pixel in the system; known pixels share a scratch row n
    row = np.full(h * w, n, np.int64)
    row[ys * w + xs] = np.arange(n)
    centres = cv2.dilate(unknown.view(np.uint8), np.ones((3, 3), np.uint8))
    centres[0, :] = centres[-1, :] = 0
    centres[:, 0] = centres[:, -1] = 0
    k = np.flatnonzero(centres)
    table = np.zeros((25, n + 1))
    if k.size:
        planes = [np.ascontiguousarray(image[..., c], dtype=np.float64).ravel() for c in range(3)]
        at = [k + (dy * w + dx) for dy, dx in _WINDOW]
        d, e = _window_terms(planes, at, eps)
        rows = [row[i] for i in at]
        for a, (ay, ax) in enumerate(_WINDOW):
            ea = e[a]
            for b in range(a, 9):
                by, bx = _WINDOW[b]
                db = d[b]
                v = -(1.0 / 9) - (ea[0] * db[0] + ea[1] * db[1] + ea[2] * db[2])
                if a == b:
                    v += 1.0
                    table[12, rows[a]] += v  # each row once per (a, b): no index repeats but the scratch row
                    continue
                table[_code(by - ay, bx - ax), rows[a]] += v
                table[_code(ay - by, ax - bx), rows[b]] += v
    table = table[:, :n]
    table[12] += ridge
    # neighbours: their row in the system (−1 if known or outside) and their fixed value
    index = np.full((h + 4, w + 4), -1, np.int64)
    index[2:-2, 2:-2][unknown] = np.arange(n)
    fixed = np.zeros((h + 4, w + 4))
    fixed[2:-2, 2:-2][known] = values[known]
    cols = np.empty((n, 25), np.int64)
    rhs = np.full(n, 0.5 * ridge)
    for code in range(25):
        dy, dx = code // 5 - 2, code % 5 - 2
        cols[:, code] = index[ys + 2 + dy, xs + 2 + dx]
        rhs -= table[code] * fixed[ys + 2 + dy, xs + 2 + dx]
    inside = cols >= 0
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(inside.sum(axis=1), out=indptr[1:])
    a_mat = sp.csr_matrix((table.T[inside], cols[inside], indptr), shape=(n, n))
    return a_mat, rhs, (ys, xs)
