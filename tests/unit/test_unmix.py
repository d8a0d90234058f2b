"""The ``unmix`` matter's band at any size, backdrop pockets inside a coarse mask, and busy backgrounds (generated inputs)."""

from __future__ import annotations

import cv2
import numpy as np

import studiocomp

B = np.array([0.75, 0.76, 0.78], np.float32)  # a grey paper backdrop
F = np.array([0.35, 0.22, 0.15], np.float32)  # a brown subject


def _disc(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    inside = (((xx - w / 2) / (0.3 * w)) ** 2 + ((yy - h / 2) / (0.3 * h)) ** 2) <= 1.0
    return inside, yy


def test_band_has_no_steps_at_large_sizes() -> None:
    """A blocky mask from a 12× smaller copy, looser than the band: the matte has no working-pixel steps.

    Where the band's border crosses the backdrop the alpha used to jump from 1 to 0 between two pixels
    along the blocks of a nearest-neighbour upsampling (steps of 12 px here, 14 px at 24 MP); the band is
    now upsampled bilinearly and its border feathered, and a tight mask's edge is matted as before.
    """
    h, w = 2400, 1800
    inside, _ = _disc(h, w)
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 1.5)
    image = (soft[..., None] * F + (1 - soft[..., None]) * B).astype(np.float32)
    matter = studiocomp.create("matter", "unmix")
    blocky = lambda m: cv2.resize(cv2.resize(m.astype(np.float32), (w // 12, h // 12), interpolation=cv2.INTER_AREA), (w, h), interpolation=cv2.INTER_NEAREST) >= 0.5  # noqa: E731
    tight = matter.matte(image, blocky(inside)).alpha
    err = np.abs(tight - soft)
    assert (err > 0.5).sum() < 500 and err.mean() < 0.002  # a pixel of the ~7000 px outline may be off; no blocks
    loose = matter.matte(image, blocky(cv2.dilate(inside.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (81, 81))))).alpha
    backdrop = cv2.dilate((soft > 0.01).view(np.uint8), np.ones((5, 5), np.uint8)) == 0
    jumps = np.maximum(np.abs(np.diff(loose, axis=0))[:, :-1], np.abs(np.diff(loose, axis=1))[:-1, :])
    assert jumps[backdrop[:-1, :-1]].max() < 0.35


def test_busy_background_gives_no_stray_partial_alpha() -> None:
    """On a busy, high-contrast background one backdrop colour explains nothing: the matte stays with the mask."""
    h, w = 600, 450
    inside, _ = _disc(h, w)
    rng = np.random.default_rng(3)
    leaves = cv2.resize(rng.random((h // 8, w // 8, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
    image = np.where(inside[..., None], F, leaves).astype(np.float32)
    alpha = studiocomp.create("matter", "unmix").matte(image, inside).alpha
    ring = (cv2.dilate(inside.view(np.uint8), np.ones((31, 31), np.uint8)) > 0) & ~inside
    assert (alpha[ring] > 0.1).mean() < 0.05  # the scenery around the subject is not kept as partly subject


def test_block_pixels_tile_the_frame_exactly() -> None:
    """Every full-size pixel lies under exactly one small pixel, for sizes that do not divide (830 / 400 …)."""
    from studiocomp._ops import block_pixels

    rng = np.random.default_rng(0)
    for (sh, sw), (h, w) in [((40, 30), (97, 61)), ((301, 400), (623, 830)), ((7, 5), (7, 5)), ((3, 4), (10, 10))]:
        ys, xs = block_pixels(np.ones((sh, sw), np.uint8), (h, w))
        counts = np.zeros((h, w), np.int64)
        np.add.at(counts, (ys, xs), 1)
        assert (counts == 1).all()
        some = (rng.random((sh, sw)) < 0.3).astype(np.uint8)
        ys, xs = block_pixels(some, (h, w))
        up = cv2.resize(some, (w, h), interpolation=cv2.INTER_NEAREST)
        assert abs(len(ys) - int(up.sum())) <= 0.05 * len(ys) + 50  # about what a nearest-neighbour upsampling covers


def test_strands_past_the_mask_do_not_count_as_busy_backdrop() -> None:
    """Hair strands a coarse mask leaves in its "sure background" are subject-coloured strays, not the backdrop's
    texture: they are left out of B and its scatter, so the band around them is unmixed rather than falling back
    to the blocky mask (the demo's grey patches round the hair). Measured, edge-region SAD/1000 over seeds 0–1 at
    800×600 with a mask from 1/8 size: 2.45 before, 1.98 after."""
    matter = studiocomp.create("matter", "unmix")
    sad = []
    for seed in (0, 1):
        image, truth = studiocomp.synthetic.studio_shot((800, 600), seed=seed)
        small = cv2.resize((truth > 0.5).astype(np.uint8), (75, 100), interpolation=cv2.INTER_AREA)
        coarse = cv2.resize(small, (600, 800), interpolation=cv2.INTER_NEAREST) > 0
        alpha = matter.matte(image, coarse).alpha
        edge = cv2.dilate(((truth > 0.02) & (truth < 0.98)).astype(np.uint8), np.ones((21, 21), np.uint8)) > 0
        sad.append(float(np.abs(alpha - truth)[edge].sum()) / 1000)
    assert np.mean(sad) < 2.25, sad


def test_the_subjects_shadow_on_the_paper_is_not_unmixed_into_a_rim() -> None:
    """Beside the outline the paper lies in the subject's soft shadow, darker than the local mean B the matter
    reads from a little farther out; the F–B mix read that as alpha 0.1–0.2, a grey rim on a new background
    (the demo's right side). The backdrop darkened (I ≈ k·B, B's colour) outside the mask is backdrop. Measured
    with the true mask, 480×360: alpha mass outside the subject 118 / 132 / 104 before, 25 / 21 / 18 after."""
    matter = studiocomp.create("matter", "unmix")
    for seed in (8, 3, 5):
        image, truth = studiocomp.synthetic.studio_shot((480, 360), seed=seed, backdrop="white")
        alpha = matter.matte(image, truth > 0.5).alpha
        outside = cv2.dilate((truth > 0.01).astype(np.uint8), np.ones((3, 3), np.uint8)) == 0
        assert float(alpha[outside].sum()) < 45.0, (seed, float(alpha[outside].sum()))


def test_a_neutral_subjects_soft_edge_beside_the_paper_keeps_its_mix() -> None:
    """A dark grey sleeve out of focus on grey paper: its soft edge outside the mask is I ≈ k·B too, like a
    shadow, but it is the subject's mix (a subject with no colour of its own cannot be told from a shadow), so
    it keeps its fractional alpha: no hard, stepped edge (fresh-eyes on humanseg 115). Measured, σ 3 px blur,
    noise 0.01: mean alpha of the soft edge outside the mask 0.157 with the shadow test unguarded, 0.181
    now (the same as without a shadow test; truth 0.224, the band's usual shortfall on a wide blur)."""
    h, w = 240, 200
    inside, _ = _disc(h, w)
    truth = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 3.0)
    dark = np.float32(0.25) * B / B.mean() + np.float32([0.03, 0.0, -0.03])  # nearly neutral
    image = truth[..., None] * dark + (1 - truth[..., None]) * B
    image = np.clip(image + np.random.default_rng(1).normal(0, 0.01, image.shape), 0, 1).astype(np.float32)
    alpha = studiocomp.create("matter", "unmix").matte(image, truth > 0.5).alpha
    soft = (truth > 0.05) & (truth < 0.5)  # the soft edge outside the mask
    assert float(alpha[soft].mean()) > 0.17, float(alpha[soft].mean())


def test_a_dark_subjects_soft_edge_on_coloured_paper_has_no_pinholes() -> None:
    """A dark navy jacket's soft edge on red paper: a mix with a dark subject is close to I ≈ k·B, like a shadow,
    and single pixels fitted a per-pixel shadow test by chance and dropped to 0 (salt-and-pepper holes in the
    ramp, humanseg 111 and 055 in a fresh-eyes run). The shadow test is a smooth share of the neighbourhood.
    Measured (σ 1.5 px edge, noise 0.015): 22 pinholes of 816 ramp pixels per pixel, 0 now."""
    h, w = 240, 200
    inside, _ = _disc(h, w)
    truth = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 1.5)
    red, navy = np.float32([0.70, 0.12, 0.10]), np.float32([0.10, 0.10, 0.22])
    image = truth[..., None] * navy + (1 - truth[..., None]) * red
    image = np.clip(image + np.random.default_rng(2).normal(0, 0.015, image.shape), 0, 1).astype(np.float32)
    alpha = studiocomp.create("matter", "unmix").matte(image, truth > 0.5).alpha
    ramp = (truth > 0.1) & (truth < 0.5)  # the soft edge outside the mask
    assert int((alpha[ramp] < 0.05).sum()) == 0, int((alpha[ramp] < 0.05).sum())


def _shaded_edge(mono: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A lit subject on light paper whose lower edge turns away into its own shade (humanseg 102's raised arm).

    In greyscale the skin F (0.86) and the paper B (0.78) are one lightness apart; the shaded edge (0.55, 3 px) is
    darker than both. Returns the image, the true mask and the shaded edge's pixels.
    """
    h, w = 160, 200
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    arm = (np.abs(yy - 80) < 22) & (xx > 20) & (xx < 180)
    shade = arm & (yy > 80 + 22 - 4)  # the underside: its last 3 px
    lum = np.where(arm, 0.86, 0.78 - 0.0004 * np.abs(xx - 100))
    lum = np.where(shade, 0.55, lum)
    rng = np.random.default_rng(0)
    lum = (lum + rng.normal(0, 0.003, (h, w))).astype(np.float32)
    image = np.repeat(lum[..., None], 3, axis=2)
    if not mono:  # the same lightness, with colour: pink skin on cyan paper
        tint = np.where(arm[..., None], np.array([1.1, 0.95, 0.9], np.float32), np.array([0.85, 1.05, 1.15], np.float32))
        image = image * tint
    return np.clip(image, 0, 1).astype(np.float32), arm, shade


def test_a_subjects_edge_in_its_own_shade_stays_in_a_monochrome_photo() -> None:
    """Greyscale humanseg 102: the shaded underside of a raised arm, darker than both the lit skin and the paper, read
    as beyond the backdrop on the one-dimensional F–B line, so alpha 0 (a missing rim, IoU 0.9398). Far off the F–B
    segment inside the mask, the mask decides (0.9505)."""
    image, arm, shade = _shaded_edge(mono=True)
    alpha = studiocomp.create("matter", "unmix").matte(image, arm).alpha
    assert alpha[shade].mean() > 0.9, alpha[shade].mean()  # before: 0.05
    assert alpha[80 + 22 + 2 :, 40:160].mean() < 0.01  # the paper below it stays backdrop (its noise: alpha < 0.1)


def test_the_shade_rule_is_for_monochrome_photos_only() -> None:
    """With colour the F–B line has chroma too: the shaded edge of the same photo in colour is unmixed, not given to the
    mask (it is a mix of neither, and the projection says so: no opaque rim is forced)."""
    image, arm, shade = _shaded_edge(mono=False)
    mono, _, _ = _shaded_edge(mono=True)
    matter = studiocomp.create("matter", "unmix")
    assert matter.matte(image, arm).alpha[shade].mean() < matter.matte(mono, arm).alpha[shade].mean() - 0.2
