"""studiocomp.refine: the matting Laplacian against its definition, the solver, the public functions."""

from __future__ import annotations

import numpy as np
import pytest

import studiocomp
from studiocomp import refine
from studiocomp.refine import solver
from studiocomp.refine.laplacian import unknown_system


def _reference_laplacian(img: np.ndarray, eps: float) -> np.ndarray:
    """Dense matting Laplacian straight from Levin et al. (2008): one 3×3 window at a time."""
    h, w, _ = img.shape
    lap = np.zeros((h * w, h * w))
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            idx = [(y + dy) * w + (x + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
            win = img.reshape(-1, 3)[idx]
            d = win - win.mean(axis=0)
            inv = np.linalg.inv(d.T @ d / 9 + eps / 9 * np.eye(3))
            lap[np.ix_(idx, idx)] += np.eye(9) - (1 + d @ inv @ d.T) / 9
    return lap


def _small_case(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    img = rng.random((9, 11, 3))
    known = np.ones((9, 11), bool)
    known[2:7, 3:9] = False
    known[0, 0] = False  # an unknown pixel on the border, reached by one window only
    values = np.zeros((9, 11))
    values[:, 6:] = 1.0
    return img, known, values


def test_laplacian_system_matches_the_definition() -> None:
    img, known, values = _small_case()
    eps = 1e-5
    a, rhs, (ys, xs) = unknown_system(img, known, values, eps)
    lap = _reference_laplacian(img, eps)
    u = ys * img.shape[1] + xs
    k = np.flatnonzero(known.ravel())
    np.testing.assert_allclose(a.toarray(), lap[np.ix_(u, u)], atol=1e-9)
    np.testing.assert_allclose(rhs, -lap[np.ix_(u, k)] @ values.ravel()[k], atol=1e-9)
    assert (a != a.T).nnz == 0  # symmetric, as the energy's Hessian must be


def test_ridge_pulls_towards_half_only_faintly() -> None:
    img, known, values = _small_case(1)
    a0, b0, _ = unknown_system(img, known, values, 1e-5)
    a1, b1, _ = unknown_system(img, known, values, 1e-5, ridge=1e-3)
    np.testing.assert_allclose((a1 - a0).toarray(), 1e-3 * np.eye(a0.shape[0]), atol=1e-12)
    np.testing.assert_allclose(b1 - b0, 0.5e-3, atol=1e-12)


def _scene(size: int = 96, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A textured disc with a soft rim over a textured backdrop, its true alpha and a trimap."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    r = np.hypot(yy - size / 2, xx - size / 2)
    alpha = np.clip((size * 0.3 - r) / 4 + 0.5, 0.0, 1.0).astype(np.float32)
    fg = np.stack([0.8 + 0.1 * np.sin(xx / 5), 0.3 + 0.05 * rng.random((size, size)), 0.2 + 0 * xx], -1)
    bg = np.stack([0.1 + 0 * xx, 0.5 + 0.2 * np.cos(yy / 7), 0.9 - 0.05 * rng.random((size, size))], -1)
    image = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg).astype(np.float32)
    tri = refine.trimap(alpha > 0.5, width=6)
    return image, alpha, tri


def test_closed_form_recovers_a_soft_edge() -> None:
    image, alpha, tri = _scene()
    got = refine.closed_form(image, tri, scale=1)
    assert got.dtype == np.float32 and got.shape == alpha.shape
    assert 0.0 <= got.min() and got.max() <= 1.0
    unknown = (tri > 0) & (tri < 1)
    assert np.array_equal(got[~unknown], tri[~unknown])  # sure pixels kept exactly
    err = np.abs(got - alpha)[unknown].mean()
    blunt = np.abs((tri > 0.25).astype(np.float32) - alpha)[unknown].mean()
    assert err < 0.03 and err < blunt / 4, (err, blunt)
    half = refine.closed_form(image, tri)  # default: solved at half size, brought back along edges
    assert np.abs(half - alpha)[unknown].mean() < 0.05


def test_pyramid_solve_agrees_with_the_direct_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    image, _, tri = _scene(128, seed=5)
    direct = refine.closed_form(image, tri, scale=1)
    monkeypatch.setattr(solver, "_DIRECT_MAX", 300)  # force two coarser levels and CG on the way up
    layered = refine.closed_form(image, tri, scale=1)
    unknown = (tri > 0) & (tri < 1)
    assert np.abs(layered - direct)[unknown].mean() < 0.01


def test_uint8_trimap_read_from_a_file_is_accepted() -> None:
    image, _, tri = _scene(64)
    as_u8 = np.where(tri == 1, 255, np.where(tri == 0, 0, 128)).astype(np.uint8)
    np.testing.assert_array_equal(refine.closed_form(image, as_u8), refine.closed_form(image, tri))


def test_closed_form_rejects_bad_input() -> None:
    image, _, tri = _scene(64)
    with pytest.raises(studiocomp.InputError, match="trimap"):
        refine.closed_form(image, tri[:-1])
    with pytest.raises(studiocomp.InputError, match="sure foreground"):
        refine.closed_form(image, np.full(tri.shape, 0.5, np.float32))
    with pytest.raises(studiocomp.InputError, match="scale"):
        refine.closed_form(image, tri, scale=0)
    with pytest.raises(studiocomp.InputError, match="eps"):
        refine.closed_form(image, tri, eps=0.0)


def test_trimap_band_follows_the_outline() -> None:
    mask = np.zeros((40, 40), bool)
    mask[10:30, 10:30] = True
    tri = refine.trimap(mask, width=3)
    assert set(np.unique(tri)) == {0.0, 0.5, 1.0}
    assert tri[20, 20] == 1.0 and tri[0, 0] == 0.0
    assert np.all(tri[20, 7:13] == 0.5) and tri[20, 6] == 0.0 and tri[20, 13] == 1.0
    with pytest.raises(studiocomp.InputError, match="width"):
        refine.trimap(mask, width=0)


def test_foreground_takes_the_old_background_out_of_soft_edges() -> None:
    size = 96
    yy, xx = np.mgrid[:size, :size]
    alpha = np.clip((size * 0.3 - np.hypot(yy - 48, xx - 48)) / 6 + 0.5, 0.0, 1.0).astype(np.float32)
    fg = np.broadcast_to(np.float32([0.9, 0.4, 0.1]), (size, size, 3))
    bg = np.broadcast_to(np.float32([0.1, 0.3, 0.9]), (size, size, 3))
    image = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg).astype(np.float32)
    est = refine.foreground(image, alpha)
    sure = (alpha == 0) | (alpha == 1)
    np.testing.assert_array_equal(est[sure], image[sure])  # only soft pixels change
    soft = ~sure & (alpha > 0.1)
    assert np.abs(est - fg)[soft].mean() < np.abs(image - fg)[soft].mean() * 0.55  # one blur-fusion pass: about half
    with pytest.raises(studiocomp.InputError, match="radius"):
        refine.foreground(image, alpha, radius=0)


def test_closed_form_matter_refines_a_mask() -> None:
    image, alpha, _ = _scene(96)
    matter = studiocomp.create("matter", "closed-form", band=0.08)
    matte = matter.matte(image, alpha > 0.5)
    soft = (alpha > 0) & (alpha < 1)
    assert np.abs(matte.alpha - alpha)[soft].mean() < np.abs((alpha > 0.5) - alpha)[soft].mean() / 3
    assert matte.foreground.shape == image.shape
    empty = matter.matte(image, np.zeros(alpha.shape, bool))  # no outline: nothing to refine
    assert not empty.alpha.any()
    with pytest.raises(studiocomp.InputError, match="mask"):
        matter.matte(image)
    with pytest.raises(studiocomp.InputError, match="band"):
        studiocomp.create("matter", "closed-form", band=0.0)
