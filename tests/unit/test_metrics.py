"""Metrics: hand-computed cases, slow loop references written here, and properties."""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pytest

from studiocomp import InputError, metrics

# --------------------------------------------------------------------------- references (loops on purpose)


def ref_boundary(m: np.ndarray) -> np.ndarray:
    h, w = m.shape
    out = np.zeros_like(m)
    for y in range(h):
        for x in range(w):
            if not m[y, x]:
                continue
            for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                yy, xx = y + dy, x + dx
                if 0 <= yy < h and 0 <= xx < w and not m[yy, xx]:
                    out[y, x] = True
    return out


def ref_directed(a: np.ndarray, b: np.ndarray) -> list[float]:
    pb = list(zip(*np.nonzero(b), strict=False))
    return [min(math.hypot(y - v, x - u) for v, u in pb) for y, x in zip(*np.nonzero(a), strict=False)]


def ref_components(m: np.ndarray) -> list[list[tuple[int, int]]]:
    """4-connected components in row-major order of their first pixel."""
    h, w = m.shape
    seen = np.zeros_like(m)
    comps = []
    for y in range(h):
        for x in range(w):
            if m[y, x] and not seen[y, x]:
                comp, queue = [], deque([(y, x)])
                seen[y, x] = True
                while queue:
                    cy, cx = queue.popleft()
                    comp.append((cy, cx))
                    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                        ny, nx = cy + dy, cx + dx
                        if 0 <= ny < h and 0 <= nx < w and m[ny, nx] and not seen[ny, nx]:
                            seen[ny, nx] = True
                            queue.append((ny, nx))
                comps.append(comp)
    return comps


def ref_connectivity(pred: np.ndarray, gt: np.ndarray, region: np.ndarray, step: float = 0.1) -> float:
    """Line by line the published MATLAB evaluation code (Xu et al. 2017), with loops."""
    h, w = pred.shape
    steps = [i * step for i in range(int(round(1 / step)) + 1)]
    level = [[-1.0] * w for _ in range(h)]
    for ii in range(1, len(steps)):
        s = (pred >= np.float32(steps[ii])) & (gt >= np.float32(steps[ii]))
        comps = ref_components(s)
        omega = set(max(comps, key=len)) if comps else set()
        for y in range(h):
            for x in range(w):
                if level[y][x] == -1.0 and (y, x) not in omega:
                    level[y][x] = steps[ii - 1]
    total = 0.0
    for y in range(h):
        for x in range(w):
            lv = 1.0 if level[y][x] == -1.0 else level[y][x]
            dp, dg = float(pred[y, x]) - lv, float(gt[y, x]) - lv
            phi_p = 1 - dp * (dp >= 0.15)
            phi_g = 1 - dg * (dg >= 0.15)
            if region[y, x]:
                total += abs(phi_p - phi_g)
    return total


def ref_gaussgradient(a: np.ndarray, sigma: float = 1.4) -> np.ndarray:
    """Gradient magnitude with the 2-D kernel of MATLAB's gaussgradient, replicate borders, loops."""
    half = math.ceil(sigma * math.sqrt(-2 * math.log(math.sqrt(2 * math.pi) * sigma * 0.01)))
    size = 2 * half + 1

    def gauss(v: float) -> float:
        return math.exp(-(v**2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))

    hx = [[gauss(i - half) * (-(j - half) * gauss(j - half) / sigma**2) for j in range(size)] for i in range(size)]
    norm = math.sqrt(sum(v * v for row in hx for v in row))
    hx = [[v / norm for v in row] for row in hx]
    h, w = a.shape
    out = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            gx = gy = 0.0
            for i in range(size):
                for j in range(size):
                    # convolution: flipped kernel; hy is hx transposed
                    yy = min(max(y - (i - half), 0), h - 1)
                    xx = min(max(x - (j - half), 0), w - 1)
                    gx += hx[i][j] * a[yy, xx]
                    yy2 = min(max(y - (j - half), 0), h - 1)
                    xx2 = min(max(x - (i - half), 0), w - 1)
                    gy += hx[i][j] * a[yy2, xx2]
            out[y, x] = math.hypot(gx, gy)
    return out


# --------------------------------------------------------------------------- fixtures


def blob(h: int, w: int, seed: int) -> np.ndarray:
    """A random smooth blob with holes and specks, as a bool mask."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    field = np.zeros((h, w))
    for _ in range(4):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(3, h / 2)
        field += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2))
    return (field + rng.normal(0, 0.05, (h, w))) > 0.6


def soft(h: int, w: int, seed: int) -> np.ndarray:
    """A random alpha with a soft edge, fully opaque core, and stray translucent specks."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot((yy - h / 2) / (h / 2.5), (xx - w / 2) / (w / 2.8)) + rng.normal(0, 0.05, (h, w))
    a = np.clip((1.15 - r) * 3, 0, 1)
    a[rng.random((h, w)) < 0.02] = rng.random()
    return (np.round(a * 255) / 255).astype(np.float32)


# --------------------------------------------------------------------------- segmentation


def test_overlap_by_hand() -> None:
    pred = np.zeros((4, 4), bool)
    gt = np.zeros((4, 4), bool)
    pred[0:2, 0:2] = True  # 4 px
    gt[0:2, 1:3] = True  # 4 px, 2 shared
    assert metrics.iou(pred, gt) == pytest.approx(2 / 6)
    assert metrics.dice(pred, gt) == pytest.approx(4 / 8)
    assert metrics.precision(pred, gt) == pytest.approx(0.5)
    assert metrics.recall(pred, gt) == pytest.approx(0.5)


def test_overlap_empty_masks() -> None:
    empty = np.zeros((5, 5), bool)
    full = np.ones((5, 5), bool)
    assert metrics.iou(empty, empty) == 1.0
    assert metrics.dice(empty, empty) == 1.0
    assert metrics.precision(empty, full) == 0.0
    assert metrics.recall(full, empty) == 1.0
    assert metrics.iou(full, empty) == 0.0


def test_alpha_inputs_are_cut_at_half() -> None:
    a = np.array([[0.2, 0.6], [0.51, 0.5]], np.float32)
    b = np.array([[0, 255], [255, 0]], np.uint8)
    assert metrics.iou(a, b) == 1.0


def test_boundary_by_hand_ignores_frame() -> None:
    m = np.zeros((6, 6), bool)
    m[1:5, 1:5] = True
    expected = m.copy()
    expected[2:4, 2:4] = False
    assert np.array_equal(metrics.boundary(m), expected)
    assert not metrics.boundary(np.ones((4, 4), bool)).any()
    half = np.zeros((4, 4), bool)
    half[:, :2] = True  # touches three sides of the frame: only column 1 is a contour
    assert np.array_equal(np.nonzero(metrics.boundary(half))[1], [1, 1, 1, 1])


def test_hausdorff_by_hand() -> None:
    a = np.zeros((20, 20), bool)
    b = np.zeros((20, 20), bool)
    a[5:10, 5:10] = True
    b[5:10, 8:13] = True
    assert metrics.hausdorff(a, b) == pytest.approx(3.0)
    b2 = np.zeros((20, 20), bool)
    b2[8:13, 9:14] = True  # moved 3 down, 4 right: the far corners are 5 apart
    assert metrics.hausdorff(a, b2) == pytest.approx(5.0)


@pytest.mark.parametrize("seed", range(4))
def test_boundary_metrics_match_loop_reference(seed: int) -> None:
    p, g = blob(28, 34, seed), blob(28, 34, seed + 100)
    bp, bg = ref_boundary(p), ref_boundary(g)
    assert np.array_equal(metrics.boundary(p), bp)
    d_p, d_g = np.array(ref_directed(bp, bg)), np.array(ref_directed(bg, bp))
    assert metrics.hausdorff(p, g) == pytest.approx(max(d_p.max(), d_g.max()), rel=1e-5)
    assert metrics.hausdorff95(p, g) == pytest.approx(max(np.percentile(d_p, 95), np.percentile(d_g, 95)), rel=1e-5)
    for tol in (0.0, 1.0, 2.5):
        prec, rec = np.mean(d_p <= tol), np.mean(d_g <= tol)
        f1 = 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
        assert metrics.boundary_f1(p, g, tolerance=tol) == pytest.approx(f1)


def test_distance_transform_path_matches_kdtree(monkeypatch: pytest.MonkeyPatch) -> None:
    from studiocomp.metrics import segmentation

    p, g = blob(60, 80, 1), blob(60, 80, 2)
    expected = (metrics.hausdorff95(p, g), metrics.boundary_f1(p, g, 1.5))
    monkeypatch.setattr(segmentation, "_KDTREE_MAX_POINTS", 0)
    assert (metrics.hausdorff95(p, g), metrics.boundary_f1(p, g, 1.5)) == pytest.approx(expected, rel=1e-5)


def test_identical_masks_score_perfectly() -> None:
    m = blob(50, 60, 3)
    assert metrics.iou(m, m) == metrics.dice(m, m) == metrics.boundary_f1(m, m, tolerance=0) == 1.0
    assert metrics.hausdorff(m, m) == metrics.hausdorff95(m, m) == 0.0


def test_one_pixel_shift_scores_well_under_tolerance_two() -> None:
    m = blob(80, 90, 5)
    shifted = np.roll(m, 1, axis=1)
    shifted[:, 0] = m[:, 0]
    assert metrics.boundary_f1(shifted, m, tolerance=2) == 1.0
    assert metrics.hausdorff(shifted, m) <= math.sqrt(2) + 1e-6  # inner contours can step diagonally
    assert metrics.iou(shifted, m) < 1.0  # the pixel metric does see it


def test_empty_boundaries() -> None:
    empty = np.zeros((8, 8), bool)
    m = np.zeros((8, 8), bool)
    m[2:5, 2:5] = True
    assert metrics.boundary_f1(empty, empty) == 1.0
    assert metrics.boundary_f1(m, empty) == 0.0
    assert metrics.hausdorff(empty, empty) == 0.0
    assert metrics.hausdorff(m, empty) == math.inf


@pytest.mark.parametrize(("d", "grade"), [(0, "excellent"), (10, "excellent"), (10.5, "good"), (20, "good"), (30, "fair"), (41, "poor"), (math.inf, "poor")])
def test_hausdorff_grade(d: float, grade: str) -> None:
    assert metrics.hausdorff_grade(d) == grade


def test_bad_inputs_raise_input_error() -> None:
    with pytest.raises(InputError, match="gt"):
        metrics.iou(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(InputError, match="NaN"):
        metrics.sad(np.full((4, 4), np.nan, np.float32), np.zeros((4, 4), np.float32))
    with pytest.raises(InputError, match="tolerance"):
        metrics.boundary_f1(np.zeros((4, 4)), np.zeros((4, 4)), tolerance=-1)
    with pytest.raises(InputError, match="trimap"):
        metrics.sad(np.zeros((4, 4)), np.zeros((4, 4)), trimap=np.zeros((3, 3)))
    with pytest.raises(InputError):
        metrics.hausdorff_grade(float("nan"))


# --------------------------------------------------------------------------- matting


def test_sad_mse_by_hand() -> None:
    pred = np.array([[0.0, 0.5], [1.0, 1.0]], np.float32)
    gt = np.array([[0.0, 1.0], [0.5, 1.0]], np.float32)
    assert metrics.sad(pred, gt) == pytest.approx(1.0 / 1000)  # in thousands, as the matting tables
    assert metrics.mse(pred, gt) == pytest.approx(0.5 / 4)
    trimap = np.array([[0, 128], [255, 255]], np.uint8)  # only the top-right pixel is unknown
    assert metrics.sad(pred, gt, trimap=trimap) == pytest.approx(0.5 / 1000)
    assert metrics.sad(np.ones((100, 100)), np.zeros((100, 100))) == pytest.approx(10.0)  # 10,000 wrong pixels: 10 thousand
    assert metrics.mse(pred, gt, trimap=trimap) == pytest.approx(0.25)
    assert metrics.mse(pred, gt, trimap=np.zeros((2, 2), np.uint8)) == 0.0


def test_gradient_error_matches_loop_reference() -> None:
    p, g = soft(14, 16, 1), soft(14, 16, 2)
    region = np.ones_like(p, bool)
    region[:3] = False
    expected = float(((ref_gaussgradient(p) - ref_gaussgradient(g)) ** 2)[region].sum())
    trimap = np.where(region, 128, 255).astype(np.uint8)
    assert metrics.gradient_error(p, g, trimap=trimap) == pytest.approx(expected, rel=1e-4)


def test_gradient_kernel_has_nine_taps_at_sigma_1_4() -> None:
    from studiocomp.metrics.matting import _gauss_gradient_kernels

    smooth, deriv = _gauss_gradient_kernels(1.4)
    assert smooth.size == deriv.size == 9
    assert np.linalg.norm(np.outer(smooth, deriv)) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_connectivity_error_matches_loop_reference(seed: int) -> None:
    p, g = soft(20, 24, seed), soft(20, 24, seed + 50)
    region = np.random.default_rng(seed).random(p.shape) < 0.7
    trimap = np.where(region, 128, 0).astype(np.uint8)
    assert metrics.connectivity_error(p, g, trimap=trimap) == pytest.approx(ref_connectivity(p, g, region), rel=1e-4, abs=1e-4)
    assert metrics.connectivity_error(p, g) == pytest.approx(ref_connectivity(p, g, np.ones_like(region)), rel=1e-4, abs=1e-4)


def test_connectivity_error_sees_a_detached_piece() -> None:
    gt = np.zeros((20, 20), np.float32)
    gt[4:16, 4:12] = 1.0
    pred = gt.copy()
    pred[4:16, 14:17] = 1.0  # a false piece, not connected to the body
    gt_with_piece = gt.copy()
    gt_with_piece[4:16, 12:17] = 1.0  # the same piece, connected
    assert metrics.connectivity_error(pred, gt) > 0
    assert metrics.connectivity_error(gt, gt) == 0.0
    # a detached piece costs connectivity beyond what an attached one of the same alpha costs
    assert metrics.connectivity_error(pred, gt_with_piece) > 0


def test_matting_metrics_perfect_on_identical() -> None:
    a = soft(40, 50, 9)
    for fn in (metrics.sad, metrics.mse, metrics.gradient_error, metrics.connectivity_error):
        assert fn(a, a) == pytest.approx(0.0, abs=1e-9)  # filters may round differently by memory alignment


def test_score_matches_the_functions() -> None:
    rng = np.random.default_rng(0)
    p, g = soft(60, 70, 1), soft(60, 70, 4)
    image = np.clip(rng.random((60, 70, 3)) * 0.3 + p[..., None] * 0.5, 0, 1).astype(np.float32)
    trimap = np.where(rng.random(p.shape) < 0.5, 128, 255).astype(np.uint8)
    s = metrics.score(p, g, image=image, trimap=trimap, tolerance=1.5)
    assert set(s) == set(metrics.SEGMENTATION_KEYS + metrics.MATTING_KEYS + metrics.REALISM_KEYS)
    assert s["iou"] == metrics.iou(p, g)
    assert s["boundary_f1"] == metrics.boundary_f1(p, g, tolerance=1.5)
    assert s["hausdorff95"] == metrics.hausdorff95(p, g)
    assert s["sad"] == metrics.sad(p, g, trimap=trimap)
    assert s["connectivity_error"] == metrics.connectivity_error(p, g, trimap=trimap)
    assert s["gradient_error"] == pytest.approx(metrics.gradient_error(p, g, trimap=trimap), rel=1e-6)
    assert s["noise_mismatch"] == metrics.noise_mismatch(image, p)
    assert s["boundary_sharpness"] == pytest.approx(metrics.boundary_sharpness(image, p))
    assert s["lab_color_distance"] == metrics.lab_color_distance(image, p)
    assert set(metrics.score(p, g, matting=False)) == set(metrics.SEGMENTATION_KEYS)


# --------------------------------------------------------------------------- realism


def test_noise_level_agrees_with_skimage() -> None:
    pytest.importorskip("pywt", reason="skimage.restoration.estimate_sigma needs PyWavelets")
    from skimage.restoration import estimate_sigma

    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:256, :256] / 256.0
    base = np.stack([0.3 + 0.4 * xx, 0.5 + 0.2 * yy, 0.4 + 0.1 * xx * yy], axis=2)
    for sigma in (0.01, 0.03):
        img = np.clip(base + rng.normal(0, sigma, base.shape), 0, 1).astype(np.float32)
        ours = metrics.noise_level(img)
        assert ours == pytest.approx(sigma, rel=0.06)
        assert ours == pytest.approx(estimate_sigma(img, channel_axis=-1, average_sigmas=True), rel=0.06)


def test_noise_level_region_and_mismatch() -> None:
    rng = np.random.default_rng(4)
    img = np.full((200, 200, 3), 0.5, np.float32)
    alpha = np.zeros((200, 200), np.float32)
    alpha[50:150, 50:150] = 1.0
    img[alpha > 0] += rng.normal(0, 0.04, (100 * 100, 3)).astype(np.float32)
    img = np.clip(img, 0, 1)
    assert metrics.noise_level(img, region=alpha > 0) == pytest.approx(0.04, rel=0.08)
    assert metrics.noise_level(img, region=alpha == 0) == pytest.approx(0.0, abs=1e-6)
    assert metrics.noise_mismatch(img, alpha) == pytest.approx(0.04, rel=0.08)
    clean = np.full((200, 200, 3), 0.5, np.float32)
    assert metrics.noise_mismatch(clean, alpha) == 0.0


def test_boundary_sharpness_prefers_a_crisp_edge() -> None:
    import cv2

    alpha = np.zeros((100, 100), np.float32)
    alpha[20:80, 30:70] = 1.0
    crisp = np.repeat((0.2 + 0.6 * alpha)[..., None], 3, axis=2)
    blurred = cv2.GaussianBlur(crisp, (0, 0), 3)
    # 196 contour pixels see one step of 0.6 over 2 px; the 4 corners see it in x and y
    assert metrics.boundary_sharpness(crisp, alpha) == pytest.approx((192 * 0.3 + 4 * math.hypot(0.3, 0.3)) / 196, rel=1e-5)
    assert metrics.boundary_sharpness(blurred, alpha) < 0.5 * metrics.boundary_sharpness(crisp, alpha)


def test_illumination_consistency() -> None:
    rng = np.random.default_rng(5)
    alpha = np.zeros((80, 80), np.float32)
    alpha[:, :40] = 1.0
    same = np.repeat(rng.random((80, 80, 1)).astype(np.float32), 3, axis=2)
    assert metrics.illumination_consistency(same, alpha) > 0.85
    split = np.where(alpha[..., None] > 0, 0.9, 0.1).astype(np.float32) * np.ones((1, 1, 3), np.float32)
    assert metrics.illumination_consistency(split, alpha) == 0.0
    flat = np.full((80, 80, 3), 0.5, np.float32)
    assert metrics.illumination_consistency(flat, alpha) == pytest.approx(1.0)


def test_lab_color_distance_agrees_with_skimage() -> None:
    from skimage.color import rgb2lab

    rng = np.random.default_rng(6)
    img = rng.random((60, 60, 3)).astype(np.float32)
    alpha = np.zeros((60, 60), np.float32)
    alpha[10:40, 10:40] = 1.0
    lab = rgb2lab(img.astype(np.float64))
    s, b = lab[alpha == 1], lab[alpha == 0]
    expected = math.sqrt(np.sum((s.mean(0) - b.mean(0)) ** 2 + (s.std(0) - b.std(0)) ** 2))
    assert metrics.lab_color_distance(img, alpha) == pytest.approx(expected, abs=0.05)
    assert metrics.lab_color_distance(np.full((60, 60, 3), 0.3, np.float32), alpha) == pytest.approx(0.0, abs=1e-3)


def test_realism_needs_both_regions() -> None:
    img = np.zeros((10, 10, 3), np.float32)
    with pytest.raises(InputError, match="subject"):
        metrics.lab_color_distance(img, np.zeros((10, 10), np.float32))
    with pytest.raises(InputError, match="background"):
        metrics.noise_mismatch(img, np.ones((10, 10), np.float32))


# --------------------------------------------------------------------------- video


def test_temporal_iou_and_dtssd() -> None:
    frames = [blob(30, 30, 1)] * 4
    assert metrics.temporal_iou(frames) == 1.0
    a = np.zeros((3, 10, 10), np.float32)
    a[1, :5] = 1.0  # frame 1 flickers on half of the pixels
    assert metrics.temporal_iou(a > 0.5) == pytest.approx(0.0)
    gt = np.zeros_like(a)
    assert metrics.dtssd(gt, gt) == 0.0
    # each pair changes 50 of 100 pixels by 1: sqrt(0.5) per pair
    assert metrics.dtssd(a, gt) == pytest.approx(math.sqrt(0.5))


def test_dtssd_matches_loop_reference() -> None:
    rng = np.random.default_rng(8)
    p = rng.random((5, 6, 7)).astype(np.float32)
    g = rng.random((5, 6, 7)).astype(np.float32)
    per_pair = []
    for t in range(1, 5):
        acc = 0.0
        for y in range(6):
            for x in range(7):
                acc += ((p[t, y, x] - p[t - 1, y, x]) - (g[t, y, x] - g[t - 1, y, x])) ** 2
        per_pair.append(math.sqrt(acc / 42))
    assert metrics.dtssd(list(p), list(g)) == pytest.approx(float(np.mean(per_pair)), rel=1e-5)
    with pytest.raises(InputError):
        metrics.dtssd(p[:1], g[:1])
    with pytest.raises(InputError):
        metrics.dtssd(p, g[:3])


def test_score_realism_is_nan_without_background() -> None:
    full = np.ones((20, 20), np.float32)
    s = metrics.score(full, full, image=np.full((20, 20, 3), 0.5, np.float32))
    assert s["iou"] == 1.0
    assert all(math.isnan(s[k]) for k in metrics.REALISM_KEYS)
