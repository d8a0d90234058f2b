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
fades to backdrop (a smooth share at working size: single pixels of a dark subject's soft edge fit k·B by chance). In a
monochrome photo (:data:`~studiocomp.color.MONOCHROME_SPREAD`) the F–B line is lightness alone, and a subject's edge in
its own shade (the underside of a raised arm, darker than both the lit skin F and the backdrop B) projects beyond B to
alpha 0: inside the mask, where the pixel lies far off the F–B segment (its distortion
``|I − (B + alpha (F − B))| / |F − B|``, Wang & Cohen 2007, smoothed at working size, above 0.15–0.3) the mask decides. The band is
taken at full size where a bilinear upsampling of it reaches, its border feathered into
the mask. The foreground colour of mixed pixels is unmixed,
``F = B + (I − B) / alpha``, so no backdrop colour remains on hair and edges; on a coloured backdrop it is kept from
overshooting into the backdrop's complementary hue (no more of it than the local subject colour or the pixel has: a
shaded skin edge on cyan paper turned red).

Everything outside the band is decided by the mask, and the per-pixel work at
full resolution touches only band pixels, so the cost grows with the outline's
length more than with the photo's area.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..._ops import block_pixels, disk, fill_from, resize, sample_bilinear, wide_blur, working_size
from ...color import MONOCHROME_SPREAD, chroma_spread
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
#: in a monochrome photo, inside the mask, the unmixing is trusted fully up to this distortion (the pixel's distance from
#: the F–B segment over |F − B|) and not at all from _MONO_OFF_LINE_NONE: humanseg 102 in greyscale, the shaded underside
#: of a raised arm (IoU 0.9398 → 0.9505); all 22 studio photos in greyscale 0.9433 → 0.9455, none down
_MONO_OFF_LINE = 0.15
_MONO_OFF_LINE_NONE = 0.3
#: the foreground may have this much more of the backdrop's complementary hue than the subject or the pixel (see _no_complement)
_COMPLEMENT_MARGIN = 0.03


def _mix_alpha(pixel: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Alpha of ``pixel`` on the line from B towards F (``d = F − B``), along the last axis, clipped to [0, 1]."""
    out: np.ndarray = np.clip(((pixel - b) * d).sum(axis=-1) / np.maximum((d * d).sum(axis=-1), 1e-6), 0.0, 1.0)
    return out


def _no_complement(fg: np.ndarray, pix: np.ndarray, f: np.ndarray, b: np.ndarray) -> np.ndarray:
    """n×3 foreground colours with no more of the backdrop's complementary hue than the subject or the photo has.

    ``F = B + (I − B) / alpha`` overshoots away from B where alpha is read too low (a shaded edge, a misread B):
    on cyan paper a skin edge turns saturated red. Along the chroma direction opposite the backdrop's
    (``−(B − mean(B))``, unit), the foreground's component is cut to the larger of the local subject colour's and
    the pixel's own, plus ``_COMPLEMENT_MARGIN``; the cut moves along a zero-sum direction, so lightness stays.
    Only on a coloured backdrop (its chroma 0.03–0.08 RGB ramps the cut in): on grey or white paper there is no
    complement to overshoot into.
    """
    r, g, bl = b[:, 0], b[:, 1], b[:, 2]
    nb = np.sqrt(((r - g) ** 2 + (g - bl) ** 2 + (bl - r) ** 2) / 3.0)  # |B − mean(B)|, column by column (a row mean is slow)
    on = np.flatnonzero(nb > 0.03)  # only these: on grey or white paper the band is skipped
    if on.size == 0:
        return fg
    part = on.size < len(nb)
    fg_on = fg[on] if part else fg
    if part:
        pix, f, b, nb = pix[on], f[on], b[on], nb[on]
    mean = (b[:, 0] + b[:, 1] + b[:, 2]) / 3.0
    u = [(b[:, k] - mean) / nb for k in range(3)]  # the backdrop's chroma direction, unit, one column each

    def anti(x: np.ndarray) -> np.ndarray:  # the component along −u of x's chroma (x·u, as u sums to zero)
        out: np.ndarray = -(x[:, 0] * u[0] + x[:, 1] * u[1] + x[:, 2] * u[2])
        return out

    excess = np.maximum(anti(fg_on) - np.maximum(anti(f), anti(pix)) - _COMPLEMENT_MARGIN, 0.0) * np.minimum((nb - 0.03) / 0.05, 1.0)
    cut = np.flatnonzero(excess > 0.0)
    moved = fg_on[cut] + excess[cut, None] * np.stack([c[cut] for c in u], axis=1)
    fg[on[cut] if part else cut] = np.clip(moved, 0.0, 1.0)
    return fg


def _off_line(small: np.ndarray, b_small: np.ndarray, f_small: np.ndarray) -> np.ndarray:
    """h×w float32: each pixel's distance from the F–B segment over |F − B| (Wang & Cohen 2007's distortion), σ 1 smoothed."""
    d = f_small - b_small
    a = _mix_alpha(small, b_small, d)
    r = np.sqrt(((small - b_small - a[..., None] * d) ** 2).sum(axis=2)) / np.maximum(np.sqrt((d * d).sum(axis=2)), 1e-6)
    out: np.ndarray = cv2.GaussianBlur(np.minimum(r, 2.0).astype(np.float32), (0, 0), 1.0)
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
        both = sample_bilinear(np.concatenate([f_small, b_small, b_var, band_small[..., None], _shadow_share(small, b_small, f_small, hard)[..., None]], axis=2), ys, xs, scale)
        inside = both[:, 7] > 0.0
        ys, xs, both = ys[inside], xs[inside], both[inside]
        f_col, b_col = both[:, :3], both[:, 3:6]
        b_rms = np.sqrt(np.maximum(both[:, 6], 0.0))
        band_w = both[:, 7]
        pix = image[ys, xs]
        d = f_col - b_col
        sep = np.sqrt((d * d).sum(1))
        a = _mix_alpha(pix, b_col, d)
        # trusted where F and B are apart, and the backdrop's own scatter is small against that distance
        # (its alpha error is about b_rms / sep): full trust at ≤ 0.15, none at ≥ 0.35
        trust = np.clip((sep - self.min_separation) / self.min_separation, 0.0, 1.0)
        trust *= np.clip((0.35 - b_rms / np.maximum(sep, 1e-6)) / 0.2, 0.0, 1.0)
        trust *= np.clip(band_w * 2.0, 0.0, 1.0)
        if chroma_spread(small[::2, ::2]) < MONOCHROME_SPREAD:  # every other pixel: a quarter of the cost, the same verdict
            # lightness alone: inside the mask, a pixel far off the F–B segment (a subject's edge in its own shade,
            # darker than both) is not a mix of the two, and its projection (alpha 0) is not trusted; the mask decides
            off = sample_bilinear(_off_line(small, b_small, f_small)[..., None], ys, xs, scale)[:, 0]
            fit = np.clip((_MONO_OFF_LINE_NONE - off) / (_MONO_OFF_LINE_NONE - _MONO_OFF_LINE), 0.0, 1.0)
            trust *= np.where(alpha[ys, xs] >= 0.5, fit, 1.0)
        a = trust * a + (1.0 - trust) * alpha[ys, xs]
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
        foreground[ys, xs] = _no_complement(lean * unmixed + (1.0 - lean) * np.clip(f_col, 0.0, 1.0), pix, f_col, b_col)
        return Matte(alpha=alpha, foreground=foreground)
