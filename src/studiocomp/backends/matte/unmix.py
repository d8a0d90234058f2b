"""Alpha and foreground colour from a coarse mask by local colour unmixing.

Around the mask's boundary lies an unknown band (``band`` working pixels each
side). For every pixel in it, the local subject colour F and local background
colour B are estimated by normalized convolution of the trimap's known regions
(so a shadow or vignette next to the edge is part of B), and alpha is the
projection of the pixel onto the F–B colour line,
``alpha = ((I − B)·(F − B)) / |F − B|²`` — the linear mixing model of matting.
Where F and B are too alike for that to be reliable, alpha falls back to the
upsampled mask, and so does it where the backdrop's own local scatter (its RMS about B)
is large against the F–B distance: a busy background is not one colour. Pixels of the
"sure background" far from B (RGB distance > 0.2) and nearer F than B are strays of the
subject the coarse mask missed (hair strands); where they are sparse (under 30 % of the
local backdrop pixels) they are left out of B and its scatter, so strands do not make a
plain backdrop look busy. Outside the mask, where most of the neighbourhood is the backdrop
darkened (I ≈ k·B, k ≥ 0.5: the subject's own soft shadow on the paper, darker than the local mean B read a
little farther out) and the subject has a colour of its own, a faint mix reading is taken for that shadow and
fades to backdrop (a smooth share at working size: single pixels of a dark subject's soft edge fit k·B by chance).
A backdrop with a texture of its own (mortar grooves, wood grain, tile joints) is not one colour near the edge: where the
backdrop has a direction (the structure tensor of the sure background), a band pixel outside the mask whose colour is
that of the backdrop along the line through it, out past the band where the mask already says backdrop, is that
line's backdrop (B is the line's colour there, and alpha fades to 0 as the match gets close), so a groove running up
to the hair is not kept as a stub of subject (inside the mask it is not tested: a black sleeve beside a black joint
matches the joint too). The band is
taken at full size where a bilinear upsampling of it reaches, its border feathered into
the mask. The foreground colour of mixed pixels is unmixed,
``F = B + (I − B) / alpha``, so no backdrop colour remains on hair and edges; on a coloured backdrop what is
left of its hue beyond the local subject colour's is then taken out (a JPEG's subsampled chroma puts it on dark
strands, off the F–B line).

Everything outside the band is decided by the mask, and the per-pixel work at
full resolution touches only band pixels, so the cost grows with the outline's
length more than with the photo's area.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..._ops import block_pixels, disk, fill_from, resize, sample_bilinear, wide_blur, working_size
from ...errors import InputError
from ...image import as_mask, checked_image
from ...types import Image, Mask, Matte

__all__ = ["UnmixMatter"]

_K3 = np.ones((3, 3), np.uint8)
#: RGB distance from the smooth backdrop beyond which a "sure background" pixel is taken for a stray bit of
#: subject (a hair strand past the mask) and left out of the backdrop's colour and scatter
_OFF_BACKDROP = 0.2
#: the largest local share of such stray pixels that is taken for strands (more: a busy backdrop)
_SPARSE = 0.3
#: outside the mask, a pixel that is the backdrop darkened to at least this fraction (a shadow on it), with an RGB
#: residual from the line k·B under _SHADOW_CHROMA and under 0.7× that of the F–B mix, is shadow-like (see _shadow_share)
_SHADOW_DEPTH = 0.5
_SHADOW_CHROMA = 0.03
#: ... and only where the subject colour F is at least this far (RGB) from the line k·B (it has a colour of its own)
_SUBJECT_CHROMA = 0.08
#: a band pixel within this RGB distance of the backdrop's colour along the line through it that follows the backdrop's
#: texture is that line's backdrop: fully at the first distance, not at all at the second (a groove's colour varies by
#: ~0.05 along it in a JPEG; a hair mix is |F − B| ≈ 0.5 from the backdrop at alpha 1, 0.12 at alpha 0.25)
_LINE_MATCH = (0.06, 0.12)
#: ... where the backdrop has a direction: the coherence of its structure tensor, 0 (isotropic) … 1 (one orientation)
_LINE_COHERENCE = (0.3, 0.5)
#: the line is followed this many bands each way, and counts where sure backdrop makes up at least _LINE_COVER of one side
#: and the RGB scatter along it is under _LINE_SCATTER (one straight structure, not a busy scene)
_LINE_REACH = 8
_LINE_COVER = 0.6
#: ... sampled every this many working pixels (a straight line's mean needs few samples)
_LINE_STEP = 3
_LINE_SCATTER = 0.06
#: ... and runs away from the subject: one end at least this share of the reach from the mask (none at 0.2 less)
_LINE_AWAY = 0.6
#: cv2.remap refuses a map or source image this many pixels or more on a side
_REMAP_LIMIT = 32767
#: a line counts as a structure of its own from this RGB distance from the smooth B (fully at twice that)
_LINE_OTHER = 0.04
#: the backdrop-hue chroma a band pixel's foreground colour may have beyond the local subject colour's (see _despill)
_SPILL_MARGIN = 0.03


def _mix_alpha(pixel: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Alpha of ``pixel`` on the line from B towards F (``d = F − B``), along the last axis, clipped to [0, 1]."""
    out: np.ndarray = np.clip(((pixel - b) * d).sum(axis=-1) / np.maximum((d * d).sum(axis=-1), 1e-6), 0.0, 1.0)
    return out


def _shadow_share(small: np.ndarray, b_small: np.ndarray, f_small: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """h×w float32 in [0, 1]: how surely the neighbourhood outside the mask is the backdrop in a shadow.

    A pixel is shadow-like when it is the backdrop darkened (I ≈ k·B with k in [``_SHADOW_DEPTH``, 1), RGB
    residual under ``_SHADOW_CHROMA`` and under 0.7× that of the F–B mix) and the subject colour F has a colour
    of its own (at least ``_SUBJECT_CHROMA`` from the line k·B: a mix with a grey or black subject is I ≈ k·B
    too). The share of shadow-like pixels among the outside ones (Gaussian, σ 1.5 working pixels) is mapped
    from 0.5–0.8 to 0–1, so only a region that is mostly shadow counts.
    """
    bb = np.maximum((b_small * b_small).sum(axis=2), 1e-6)
    k = (small * b_small).sum(axis=2) / bb
    r_shadow = np.sqrt(((small - k[..., None] * b_small) ** 2).sum(axis=2))
    d = f_small - b_small
    a = _mix_alpha(small, b_small, d)
    r_mix = np.sqrt(((small - b_small - a[..., None] * d) ** 2).sum(axis=2))
    f_off = np.sqrt(((f_small - ((f_small * b_small).sum(axis=2) / bb)[..., None] * b_small) ** 2).sum(axis=2))
    outside = hard == 0
    like = outside & (k >= _SHADOW_DEPTH) & (k < 1.0) & (r_shadow < _SHADOW_CHROMA) & (r_shadow < 0.7 * r_mix) & (f_off > _SUBJECT_CHROMA)
    share = cv2.GaussianBlur(like.astype(np.float32), (0, 0), 1.5) / np.maximum(cv2.GaussianBlur(outside.astype(np.float32), (0, 0), 1.5), 1e-6)
    out: np.ndarray = np.clip((share - 0.5) / 0.3, 0.0, 1.0).astype(np.float32)
    return out


def _texture_tensor(small: np.ndarray, bg_sure: np.ndarray, sigma: float) -> np.ndarray:
    """h×w×3 float32: the backdrop's structure tensor (Jxx, Jyy, Jxy), read from the sure backdrop only.

    Sobel gradients summed over the colour channels, their products averaged by normalized convolution over
    ``bg_sure`` (Gaussian, ``sigma`` working px), so the subject's own edges do not count (Bigün & Granlund 1987;
    Knutsson 1989).
    """
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    tensor = np.stack([(gx * gx).sum(axis=2), (gy * gy).sum(axis=2), (gx * gy).sum(axis=2)], axis=2)
    filled, _ = fill_from(tensor, bg_sure, sigma)
    return filled


def _coherence(tensor: np.ndarray) -> np.ndarray:
    """N float32 in [0, 1]: how much one orientation dominates the N×3 structure tensors (Jxx, Jyy, Jxy)."""
    jxx, jyy, jxy = tensor[:, 0], tensor[:, 1], tensor[:, 2]
    out: np.ndarray = np.sqrt((jxx - jyy) ** 2 + 4.0 * jxy**2) / np.maximum(jxx + jyy, 1e-9)
    return out


def _gather_bilinear(image: np.ndarray, fy: np.ndarray, fx: np.ndarray) -> np.ndarray:
    """``image`` (H×W×C float32) read bilinearly at the fractional (row, column) positions ``fy``, ``fx`` (any equal
    shapes S), the border replicated; S×C float32."""
    h, w = image.shape[:2]
    fy = np.clip(fy, 0.0, h - 1.0)
    fx = np.clip(fx, 0.0, w - 1.0)
    y0 = np.minimum(fy.astype(np.intp), h - 2) if h > 1 else np.zeros(fy.shape, np.intp)
    x0 = np.minimum(fx.astype(np.intp), w - 2) if w > 1 else np.zeros(fx.shape, np.intp)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    wy = (fy - y0).astype(np.float32)[..., None]
    wx = (fx - x0).astype(np.float32)[..., None]
    top = image[y0, x0] + wx * (image[y0, x1] - image[y0, x0])
    bottom = image[y1, x0] + wx * (image[y1, x1] - image[y1, x0])
    out: np.ndarray = top + wy * (bottom - top)
    return out


def _line_backdrop(
    image: np.ndarray, ys: np.ndarray, xs: np.ndarray, tensor: np.ndarray, bg_sure: np.ndarray, away: np.ndarray, reach: int, scale: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The backdrop's colour along its texture's line through each pixel, and how surely the pixel is that backdrop.

    The line runs perpendicular to the dominant gradient of the N×3 structure tensors ``tensor`` (Jxx, Jyy, Jxy) at
    the full-size pixels (``ys``, ``xs``) of ``image`` (H×W×3 float32). It is sampled ``reach`` working pixels each
    way, one sample every ``_LINE_STEP`` working pixels, bilinearly in ``image`` at full size (a groove two pixels wide vanishes at
    working size) and in ``bg_sure`` (h×w uint8, the sure backdrop at working size; ``scale`` is (h/H, w/W)), twice:
    half a pixel to either side of the pixel (a line's edge is steep, so a slight misalignment changes its colour a
    lot). The pixel is compared with the nearest colour between the two sides' means over their sure-backdrop
    samples. A line counts where those samples weigh at least ``_LINE_COVER`` × one side's count (it runs on past
    the band for most of ``reach``) and scatter less than ``_LINE_SCATTER`` RGB about their mean, and where it runs away
    from the subject: one of its ends at least ``_LINE_AWAY`` × ``reach`` working pixels from the mask (``away``, h×w
    float32, each working pixel's distance from the mask). A hair strand lying along the outline just outside the
    mask is a straight line of sure "backdrop" too, but it stays near the subject; a groove crosses the outline.

    Returns
    -------
    (ndarray, ndarray)
        N×3 float32, the line's colour nearest the pixel; N float32 in [0, 1], 1 where it is within
        ``_LINE_MATCH[0]`` of the pixel and the backdrop has a direction (``_LINE_COHERENCE``), 0 beyond
        ``_LINE_MATCH[1]``, where it has none, or where the line does not count.
    """
    jxx, jyy, jxy = tensor[:, 0], tensor[:, 1], tensor[:, 2]
    phi = 0.5 * np.arctan2(2.0 * jxy, jxx - jyy)  # the dominant gradient: (cos, sin) in (x, y)
    gx, gy = np.cos(phi), np.sin(phi)
    t = np.concatenate([np.arange(-reach, 0, _LINE_STEP), np.arange(_LINE_STEP, reach + 1, _LINE_STEP)]).astype(np.float32)
    pix = image[ys, xs]
    means, counts = [], []
    weight_small = bg_sure.astype(np.float32)
    for off in (-0.5, 0.5):
        # along the line (−sin, cos) in (x, y), t in working pixels; the offset across it in full pixels
        fy = ys[:, None] + off * gy[:, None] + t[None, :] * (gx / scale[0])[:, None]
        fx = xs[:, None] + off * gx[:, None] - t[None, :] * (gy / scale[1])[:, None]
        colour = np.zeros((*fy.shape, 3), np.float32)
        wgt = np.zeros(fy.shape, np.float32)
        for lo in range(0, len(ys), _REMAP_LIMIT - 1):  # cv2.remap takes maps and sources under 32767 px a side
            sl = slice(lo, lo + _REMAP_LIMIT - 1)
            my, mx = fy[sl].astype(np.float32), fx[sl].astype(np.float32)
            if max(image.shape[:2]) < _REMAP_LIMIT:
                colour[sl] = cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            else:  # a panorama: the same bilinear reading in NumPy (about 3x slower)
                colour[sl] = _gather_bilinear(image, my, mx)
            wy, wx = (my + 0.5) * scale[0] - 0.5, (mx + 0.5) * scale[1] - 0.5
            wgt[sl] = cv2.remap(weight_small, wx, wy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        den = np.maximum(wgt.sum(axis=1), 1e-6)
        mu = np.einsum("nmc,nm->nc", colour, wgt) / den[:, None]
        scatter = np.sqrt(np.maximum(np.einsum("nmc,nmc,nm->n", colour, colour, wgt) / den - (mu * mu).sum(axis=1), 0.0))
        means.append(mu)
        counts.append((wgt.sum(axis=1) >= _LINE_COVER * len(t) / 2) & (scatter < _LINE_SCATTER))
    # the line's two ends, in working pixels: how far from the mask does it run?
    end_y = (ys[:, None] + 0.5) * scale[0] - 0.5 + np.array([-reach, reach], np.float32)[None, :] * gx[:, None]
    end_x = (xs[:, None] + 0.5) * scale[1] - 0.5 - np.array([-reach, reach], np.float32)[None, :] * gy[:, None]
    far = _gather_bilinear(away[..., None], end_y, end_x)[..., 0].max(axis=1)
    lo_mu, seg = means[0], means[1] - means[0]
    u = np.clip(((pix - lo_mu) * seg).sum(axis=1) / np.maximum((seg * seg).sum(axis=1), 1e-9), 0.0, 1.0)
    mu = lo_mu + u[:, None] * seg
    dist = np.sqrt(((pix - mu) ** 2).sum(axis=1))
    weight = np.clip((_LINE_MATCH[1] - dist) / (_LINE_MATCH[1] - _LINE_MATCH[0]), 0.0, 1.0)
    weight *= np.clip((_coherence(tensor) - _LINE_COHERENCE[0]) / (_LINE_COHERENCE[1] - _LINE_COHERENCE[0]), 0.0, 1.0)
    weight *= counts[0] & counts[1]
    weight *= np.clip((far / reach - _LINE_AWAY + 0.2) / 0.2, 0.0, 1.0)
    return mu.astype(np.float32), weight.astype(np.float32)


def _despill(colour: np.ndarray, subject: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """N×3 float32 in [0, 1]: ``colour`` without more of the backdrop's hue than the local ``subject`` colour has.

    The chroma of ``colour`` (its RGB minus its channel mean) along the backdrop's chroma direction is cut to that
    of ``subject`` plus ``_SPILL_MARGIN``; the channel mean (lightness) is kept. A generalisation of the screen
    keyers' spill suppressor (green limited to max(red, blue); Brinkmann, *The Art and Science of Digital
    Compositing*, 2nd ed. 2008, ch. 6) to any backdrop colour. It acts only on a coloured backdrop (full at a chroma
    of 0.1, none on grey paper). Why: a JPEG's chroma is subsampled, so dark hair strands
    over an orange wall carry the wall's chroma and do not lie on the F–B line; unmixing leaves them orange-red on a
    new background. ``colour``, ``subject`` and ``backdrop`` are N×3 float32 RGB.
    """
    cb = backdrop - backdrop.mean(axis=1, keepdims=True)
    strength = np.sqrt(np.einsum("nc,nc->n", cb, cb))
    n = cb / np.maximum(strength, 1e-6)[:, None]
    excess = np.einsum("nc,nc->n", colour - subject, n)  # n sums to 0: the channel means drop out of the projection
    cut = np.maximum(excess - _SPILL_MARGIN, 0.0) * np.minimum(strength / 0.1, 1.0)
    out: np.ndarray = np.clip(colour - cut[:, None] * n, 0.0, 1.0).astype(np.float32, copy=False)
    return out


class UnmixMatter:
    """Matter: coarse mask → fractional alpha + cleaned foreground colours.

    Parameters
    ----------
    working_size : int
        Long side (pixels) at which local colours are estimated.
    band : int
        Half-width of the unknown band, in working pixels.
    min_separation : float
        F–B colour distance below which unmixing is not trusted and the mask is
        used instead.

    Raises
    ------
    InputError
        ``working_size``, ``band`` or ``min_separation`` out of range.

    Examples
    --------
    >>> import studiocomp
    >>> image, truth = studiocomp.synthetic.studio_shot((240, 180), seed=1)
    >>> matte = studiocomp.create("matter", "unmix").matte(image, truth > 0.5)
    >>> matte.alpha.dtype, matte.foreground.shape
    (dtype('float32'), (240, 180, 3))
    """

    def __init__(self, working_size: int = 400, band: int = 3, min_separation: float = 0.08) -> None:
        if not (64 <= int(working_size) <= 4096):
            raise InputError("working_size", "an integer in 64–4096", repr(working_size))
        if not (1 <= int(band) <= 32):
            raise InputError("band", "an integer in 1–32", repr(band))
        if not (0.0 < min_separation < 1.0):
            raise InputError("min_separation", "a float in (0, 1)", repr(min_separation))
        self.working_size = int(working_size)
        self.band = int(band)
        self.min_separation = float(min_separation)

    def __repr__(self) -> str:
        return f"UnmixMatter(working_size={self.working_size}, band={self.band})"

    def matte(self, image: Image, mask: Mask | None = None) -> Matte:
        """Return alpha and foreground; ``mask`` is required (this matter refines one).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).
        mask : array_like
            The coarse H×W mask to refine (required; bool, or alpha cut at 0.5).

        Returns
        -------
        Matte
            ``alpha`` H×W float32 in [0, 1] and ``foreground`` H×W×3 float32 (straight colours).

        Raises
        ------
        InputError
            No ``mask``, or a mask of another size.
        """
        image = checked_image(image)
        h, w = image.shape[:2]
        if mask is None:
            raise InputError("mask", "a coarse H×W bool mask (UnmixMatter refines a segmenter's mask)", "None")
        mask = as_mask(mask, shape=(h, w))
        hw = working_size(h, w, self.working_size)
        small = resize(image, hw, cv2.INTER_AREA)
        coarse = resize(mask.astype(np.float32), hw, cv2.INTER_AREA)
        hard = (coarse >= 0.5).astype(np.uint8)
        k = disk(self.band)
        fg_sure = cv2.erode(hard, k)
        bg_sure = cv2.erode(1 - hard, k)
        sigma = 2.5 * self.band
        b_small, _ = fill_from(small, bg_sure, sigma)
        f_small, _ = fill_from(small, fg_sure, sigma)
        # the "sure background" holds what a coarse mask missed (hair strands, a loose thread): pixels far off
        # the smooth B and nearer the local subject colour F than B are left out of it, so B and its scatter
        # describe the backdrop and not those strands (a textured wall's own texture is not subject-coloured)
        to_b = np.sqrt(((small - b_small) ** 2).sum(axis=2))
        stray = (to_b > _OFF_BACKDROP) & (np.sqrt(((small - f_small) ** 2).sum(axis=2)) < to_b) & (bg_sure > 0)
        # how well the smooth B explains the backdrop around each pixel: the local RMS of the backdrop's
        # residual (a textured or busy background is not one colour, and the F–B line then says little)
        b_var, _ = fill_from((small - b_small) ** 2, bg_sure, sigma)
        b_var = b_var.sum(axis=2, keepdims=True)
        clean = (bg_sure.astype(bool) & ~stray).view(np.uint8)
        if clean.any() and stray.any():
            # only where strays are sparse (strands); where they are many, the backdrop is busy and keeps them
            share = wide_blur(stray.astype(np.float32), sigma) / np.maximum(wide_blur(bg_sure.astype(np.float32), sigma), 1e-6)
            sparse = (share < _SPARSE)[..., None]
            b_clean, _ = fill_from(small, clean, sigma)
            v_clean, _ = fill_from((small - b_clean) ** 2, clean, sigma)
            b_small = np.where(sparse, b_clean, b_small)
            b_var = np.where(sparse, v_clean.sum(axis=2, keepdims=True), b_var)
        band_small = ((fg_sure == 0) & (bg_sure == 0)).astype(np.float32)

        alpha = (resize(coarse, (h, w), cv2.INTER_LINEAR) >= 0.5).astype(np.float32)
        foreground = image.copy()
        # the band at full size: every pixel a bilinear upsampling of it reaches (a nearest-neighbour band steps
        # by a working pixel, 14 px at 24 MP, and leaves blocks of backdrop at full alpha); its weight is read
        # bilinearly at those pixels only and feathers the band's border into the mask
        ys, xs = block_pixels(cv2.dilate((band_small > 0).view(np.uint8), _K3), (h, w))
        if len(ys) == 0:
            return Matte(alpha=alpha, foreground=foreground)
        # F and B vary slowly: upsample only the band's pixels (bilinear at their coordinates)
        scale = (hw[0] / h, hw[1] / w)
        # the backdrop's own direction (mortar lines, wood grain, tile joints), for the band pixels that continue it
        tensor = _texture_tensor(small, bg_sure, 2.0 * self.band)
        both = sample_bilinear(np.concatenate([f_small, b_small, b_var, band_small[..., None], _shadow_share(small, b_small, f_small, hard)[..., None]], axis=2), ys, xs, scale)
        inside = both[:, 7] > 0.0
        ys, xs, both = ys[inside], xs[inside], both[inside]
        f_col, b_col = both[:, :3], both[:, 3:6]
        b_rms = np.sqrt(np.maximum(both[:, 6], 0.0))
        band_w = both[:, 7]
        pix = image[ys, xs]
        # a textured backdrop: a band pixel that is the backdrop's colour along the line of its texture through it
        # (a mortar groove running up to the hair) is that backdrop, not a mix of the smooth B and the subject (the
        # groove's dark colour lies between the two and read as alpha 0.5–0.9, a stub of groove beside the hair).
        # Only pixels the smooth B leaves partly subject, where the backdrop has a direction, are tested
        line_w = np.zeros(len(ys), np.float32)
        test = np.nonzero(alpha[ys, xs] < 0.5)[0]
        test = test[(_mix_alpha(pix[test], b_col[test], f_col[test] - b_col[test]) > 0.02) & (((pix[test] - b_col[test]) ** 2).sum(axis=1) > _LINE_OTHER**2)]
        tensor_at = sample_bilinear(tensor, ys[test], xs[test], scale)
        directed = _coherence(tensor_at) > _LINE_COHERENCE[0]
        test, tensor_at = test[directed], tensor_at[directed]
        if len(test):
            away = cv2.distanceTransform(1 - hard, cv2.DIST_L2, 3)
            mu, w_test = _line_backdrop(image, ys[test], xs[test], tensor_at, bg_sure, away, _LINE_REACH * self.band, scale)
            # only a line of another colour than the smooth B is a structure: where they agree the pixel is a faint mix
            # (the subject's own soft edge tangent to the line keeps its alpha)
            line_w[test] = w_test * np.clip((np.sqrt(((mu - b_col[test]) ** 2).sum(axis=1)) - _LINE_OTHER) / _LINE_OTHER, 0.0, 1.0)
            b_col[test] += line_w[test, None] * (mu - b_col[test])
        d = f_col - b_col
        sep = np.sqrt((d * d).sum(1))
        a = _mix_alpha(pix, b_col, d)
        # trusted where F and B are apart, and the backdrop's own scatter is small against that distance
        # (its alpha error is about b_rms / sep): full trust at ≤ 0.15, none at ≥ 0.35
        trust = np.clip((sep - self.min_separation) / self.min_separation, 0.0, 1.0)
        trust *= np.clip((0.35 - b_rms / np.maximum(sep, 1e-6)) / 0.2, 0.0, 1.0)
        trust *= np.clip(band_w * 2.0, 0.0, 1.0)
        a = trust * a + (1.0 - trust) * alpha[ys, xs]
        a *= 1.0 - line_w
        # outside the mask, where most of the neighbourhood is the backdrop darkened by a shadow (I ≈ k·B), a faint
        # mix reading is that shadow, not subject: B is a local mean that lags behind a shadow deepening towards the
        # subject, and the mix read the difference as alpha 0.1–0.2, a grey rim on a new background. A smooth share
        # at working size, not a per-pixel test: single pixels of a dark subject's soft edge fit k·B by chance
        faint = np.clip((0.45 - a) / 0.1, 0.0, 1.0)
        a = np.where(alpha[ys, xs] < 0.5, a * (1.0 - both[:, 8] * faint), a)
        alpha[ys, xs] = a
        # unmixed colour; for faint pixels lean on the local subject colour (division amplifies noise)
        safe = np.maximum(a, 1e-3)[:, None]
        unmixed = np.clip(b_col + (pix - b_col) / safe, 0.0, 1.0)
        lean = np.clip(a / 0.5, 0.0, 1.0)[:, None]
        fg_col = lean * unmixed + (1.0 - lean) * np.clip(f_col, 0.0, 1.0)
        foreground[ys, xs] = _despill(fg_col, f_col, b_col)
        return Matte(alpha=alpha, foreground=foreground)
