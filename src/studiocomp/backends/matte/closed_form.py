"""Closed-form matting in a band along a segmenter's outline (``refine.closed_form`` as a Matter)."""

from __future__ import annotations

from ...errors import InputError
from ...image import as_mask, checked_image
from ...types import Image, Mask, Matte

__all__ = ["ClosedFormMatter"]


class ClosedFormMatter:
    """Matter: coarse mask → unknown band along its outline → closed-form alpha + foreground colours.

    Parameters
    ----------
    band : float
        Half-width of the unknown band, as a fraction of the photo's long side
        (at least 2 pixels). Wider bands recover more hair and cost more.
    scale : int
        Solve at ``1/scale`` of the photo's size (see :func:`studiocomp.refine.closed_form`).

    Raises
    ------
    InputError
        ``band`` or ``scale`` out of range.

    Examples
    --------
    >>> import studiocomp
    >>> image, truth = studiocomp.synthetic.studio_shot((160, 120), seed=1)
    >>> matte = studiocomp.create("matter", "closed-form").matte(image, truth > 0.5)
    >>> matte.alpha.dtype, matte.foreground.shape
    (dtype('float32'), (160, 120, 3))
    """

    def __init__(self, band: float = 0.01, scale: int = 2) -> None:
        if not (0.0 < band <= 0.25):
            raise InputError("band", "a fraction of the long side in (0, 0.25]", repr(band))
        if not (isinstance(scale, int) and 1 <= scale <= 8):
            raise InputError("scale", "an integer in 1–8", repr(scale))
        self.band = float(band)
        self.scale = scale

    def __repr__(self) -> str:
        return f"ClosedFormMatter(band={self.band}, scale={self.scale})"

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
        from ..._ops import estimate_foreground
        from ...refine import trimap
        from ...refine.solver import solve_alpha

        image = checked_image(image)
        h, w = image.shape[:2]
        if mask is None:
            raise InputError("mask", "a coarse H×W bool mask (ClosedFormMatter refines a segmenter's mask)", "None")
        tri = trimap(as_mask(mask, shape=(h, w)), width=min(max(2, round(self.band * max(h, w))), 256))
        # the image is checked once here; the solver and the estimator take it as it is
        alpha = solve_alpha(image, tri == 1.0, tri == 0.0, scale=self.scale)
        return Matte(alpha=alpha, foreground=estimate_foreground(image, alpha))
