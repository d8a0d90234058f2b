"""Closed-form alpha matting from a trimap, solved coarse to fine.

The alpha that minimises the matting Laplacian's energy with the trimap's sure
pixels held fixed (Levin et al. 2008, ε = 1e-7, 3×3 windows: the same energy
as ``pymatting.estimate_alpha_cf``) is solved at ``1/scale`` of the photo's
size, then brought back to full size by a colour guided filter that follows the
photo's edges. At the working size, the system is solved on an image pyramid:
exactly (sparse LU) on the coarsest level that has few unknowns, then each finer
level starts from the level below, upsampled, and takes a bounded number of
Jacobi-preconditioned conjugate-gradient steps. The smooth part of the answer
is settled where it is cheap; the fine levels only add detail, so the cost
grows with the number of unknown pixels, not faster.
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._ops import guided_upsample
from .laplacian import unknown_system

__all__ = ["solve_alpha"]

#: the coarsest level is solved exactly once it has at most this many unknowns
_DIRECT_MAX = 6000
#: weight of the pull towards ½ (far below the Laplacian's own entries)
_RIDGE = 1e-9
#: conjugate-gradient steps on each finer level
_STEPS = 120
#: ... or until the residual falls below this fraction of the right-hand side
_TOL = 1e-7


def _shrink_trimap(fg: np.ndarray, bg: np.ndarray, hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Sure foreground/background at size ``hw``: sure only where every covered pixel is."""
    h, w = hw
    f = cv2.resize(fg.view(np.uint8) * np.float32(1), (w, h), interpolation=cv2.INTER_AREA)
    b = cv2.resize(bg.view(np.uint8) * np.float32(1), (w, h), interpolation=cv2.INTER_AREA)
    return f > 1 - 1e-4, b > 1 - 1e-4


def _pcg(a: sp.csr_matrix, rhs: np.ndarray, x: np.ndarray, steps: int, tol: float) -> np.ndarray:
    """Jacobi-preconditioned conjugate gradients from ``x``, at most ``steps`` steps."""
    inv_diag = 1.0 / a.diagonal()
    r = rhs - a @ x
    stop = tol * max(float(np.sqrt(rhs @ rhs)), 1e-30)
    z = inv_diag * r
    p = z.copy()
    rz = float(r @ z)
    for _ in range(steps):
        ap = a @ p
        step = rz / float(p @ ap)
        x += step * p
        r -= step * ap
        if float(np.sqrt(r @ r)) < stop:
            break
        z = inv_diag * r
        rz_next = float(r @ z)
        p *= rz_next / rz
        p += z
        rz = rz_next
    return x


def _level_solve(image: np.ndarray, fg: np.ndarray, bg: np.ndarray, eps: float, depth: int) -> np.ndarray:
    """Alpha at ``image``'s size (float32), for sure masks ``fg``/``bg`` of that size."""
    h, w = fg.shape
    alpha = fg.astype(np.float32)
    unknown = ~(fg | bg)
    if not unknown.any():
        return alpha
    a, rhs, (uy, ux) = unknown_system(image, ~unknown, fg.astype(np.float64), eps, ridge=_RIDGE)
    n = uy.size
    if n <= _DIRECT_MAX or min(h, w) < 16 or depth >= 8:
        x = spla.spsolve(a.tocsc(), rhs, permc_spec="COLAMD")
    else:
        ch, cw = (h + 1) // 2, (w + 1) // 2
        small = cv2.resize(image, (cw, ch), interpolation=cv2.INTER_AREA)
        cfg, cbg = _shrink_trimap(fg, bg, (ch, cw))
        coarse = _level_solve(small, cfg, cbg, eps, depth + 1)
        guess = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)[uy, ux].astype(np.float64)
        x = _pcg(a, rhs, guess, _STEPS, _TOL)
    alpha[uy, ux] = np.clip(x, 0.0, 1.0)
    return alpha


def solve_alpha(image: np.ndarray, fg: np.ndarray, bg: np.ndarray, scale: int = 2, eps: float = 1e-7) -> np.ndarray:
    """Alpha (H×W float32) for ``image`` (H×W×3 float32) with sure masks ``fg`` and ``bg``.

    Parameters
    ----------
    image : numpy.ndarray
        H×W×3 float32.
    fg, bg : numpy.ndarray
        H×W bool sure foreground and background.
    scale : int
        Solve at 1/``scale`` of the size, then guided-upsample (1: full size).
    eps : float
        Colour-line regulariser ε.

    Returns
    -------
    numpy.ndarray
        H×W float32 in [0, 1]; sure pixels exactly 1 / 0.
    """
    h, w = fg.shape
    if scale == 1:
        alpha = _level_solve(image.astype(np.float64), fg, bg, eps, 0)
    else:
        hw = (max(h // scale, 3), max(w // scale, 3))
        small = cv2.resize(image, (hw[1], hw[0]), interpolation=cv2.INTER_AREA).astype(np.float64)
        sfg, sbg = _shrink_trimap(fg, bg, hw)
        alpha, _ = guided_upsample(_level_solve(small, sfg, sbg, eps, 0), image, radius=1, eps=1e-5)
    alpha[fg] = 1.0
    alpha[bg] = 0.0
    return alpha
