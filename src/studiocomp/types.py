"""Array conventions and the five stage protocols.

Arrays at the public boundary
-----------------------------
=========  ==========  =========  ======================================
name       shape       dtype      values
=========  ==========  =========  ======================================
Image      H×W×3       float32    RGB, sRGB-encoded, in [0, 1]
Alpha      H×W         float32    coverage in [0, 1] (1 = subject)
Mask       H×W         bool       True = subject
=========  ==========  =========  ======================================

Every public function converts what it is given with :func:`studiocomp.as_image`,
:func:`studiocomp.as_alpha` or :func:`studiocomp.as_mask` and never returns an
alias of an input. Colours are straight (not premultiplied) in every layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

from ._display import preview_png, short_repr

__all__ = [
    "Image",
    "Alpha",
    "Mask",
    "Matte",
    "Segmenter",
    "Matter",
    "Relighter",
    "ShadowCaster",
    "Compositor",
    "QualityWarning",
    "Assessed",
    "STAGE_PROTOCOLS",
]

Image: TypeAlias = npt.NDArray[np.float32]
"""H×W×3 float32 sRGB in [0, 1]."""
Alpha: TypeAlias = npt.NDArray[np.float32]
"""H×W float32 in [0, 1]."""
Mask: TypeAlias = npt.NDArray[np.bool_]
"""H×W bool, True where the subject is."""


@dataclass(frozen=True)
class Matte:
    """What a :class:`Matter` returns.

    Attributes
    ----------
    alpha : Alpha
        H×W float32 coverage of the subject.
    foreground : Image
        H×W×3 float32 colour of the subject alone, with the backdrop's colour
        removed from mixed (edge) pixels. Meaningless where ``alpha == 0``.
    warnings : tuple of QualityWarning
        The matter's doubts about this matte (e.g. ``part-restored``); a :class:`~studiocomp.Pipeline`
        adds them to its result's warnings. Empty for most matters.
    """

    alpha: Alpha
    foreground: Image
    warnings: tuple[QualityWarning, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        if not self.warnings:
            return short_repr(self)
        return short_repr(self, warnings=list(self.warnings))

    def _repr_png_(self) -> bytes | None:
        """IPython's rich display: the cut-out over a checkerboard (a PNG at most 1024 pixels on a side)."""
        return preview_png(self.foreground, self.alpha)


@dataclass(frozen=True)
class QualityWarning:
    """A named doubt about one result: what was measured, and whether the result should be checked by a person.

    Attributes
    ----------
    code : str
        Stable identifier, e.g. ``"backdrop-not-found"``, ``"subject-touches-frame"``,
        ``"prior-disagreement"`` (see docs/architecture.md for the list).
    message : str
        One sentence for a person, with the measured value.
    value : float
        The measurement behind the warning (a fraction in [0, 1] or a count), NaN when none.
    uncertain : bool
        True when the cut-out may be wrong and should be looked at; False for a
        note that does not put the result in doubt (e.g. "no neural prior: keyer only"
        when the keyer's own checks pass).
    """

    code: str
    message: str
    value: float = float("nan")
    uncertain: bool = True

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@runtime_checkable
class Assessed(Protocol):
    """Optional extension of a :class:`Segmenter`: a mask together with the segmenter's own doubts about it.

    :class:`~studiocomp.Pipeline` calls :meth:`segment_assessed` instead of
    ``segment`` when a segmenter has it, and puts the warnings in
    :attr:`~studiocomp.PipelineResult.warnings`.
    """

    def segment_assessed(self, image: Image) -> tuple[Mask, list[QualityWarning]]:
        """Return the H×W bool mask and a list of :class:`QualityWarning` (empty when nothing is in doubt).

        Parameters
        ----------
        image : Image
            H×W×3 float32 sRGB in [0, 1] (implementations accept what :func:`studiocomp.as_image` takes).

        Returns
        -------
        (Mask, list of QualityWarning)
        """
        ...


@runtime_checkable
class Segmenter(Protocol):
    """Finds the subject: image → binary mask."""

    def segment(self, image: Image) -> Mask:
        """Return the H×W bool mask of the subject in an H×W×3 image.

        Parameters
        ----------
        image : Image
            H×W×3 float32 sRGB in [0, 1] (implementations accept what :func:`studiocomp.as_image` takes).

        Returns
        -------
        Mask
            H×W bool.
        """
        ...


@runtime_checkable
class Matter(Protocol):
    """Turns an image (and, optionally, a coarse mask) into alpha + clean foreground."""

    def matte(self, image: Image, mask: Mask | None = None) -> Matte:
        """Return the :class:`Matte` of ``image``; ``mask`` is a coarse hint.

        Parameters
        ----------
        image : Image
            H×W×3 float32 sRGB in [0, 1] (implementations accept what :func:`studiocomp.as_image` takes).
        mask : Mask, optional
            H×W bool coarse mask from a segmenter.

        Returns
        -------
        Matte
            H×W alpha and H×W×3 foreground colours.
        """
        ...


@runtime_checkable
class Relighter(Protocol):
    """Adapts the subject's colour and light to a new background."""

    def relight(self, foreground: Image, alpha: Alpha, background: Image) -> Image:
        """Return the relit H×W×3 foreground.

        Parameters
        ----------
        foreground : Image
            H×W×3 subject colours.
        alpha : Alpha
            H×W alpha of the subject in the background's frame.
        background : Image
            H×W×3 new background.

        Returns
        -------
        Image
            H×W×3 float32 in [0, 1].
        """
        ...


@runtime_checkable
class ShadowCaster(Protocol):
    """Produces the subject's shadow on the background as an opacity layer."""

    def cast(self, alpha: Alpha, background: Image) -> Alpha:
        """Return the H×W float32 shadow opacity in [0, 1].

        Parameters
        ----------
        alpha : Alpha
            H×W alpha of the subject in the background's frame.
        background : Image
            H×W×3 background.

        Returns
        -------
        Alpha
            H×W float32 opacity in [0, 1].
        """
        ...


@runtime_checkable
class Compositor(Protocol):
    """Lays the subject (and its shadow) over a background of the same size."""

    def composite(
        self,
        foreground: Image,
        alpha: Alpha,
        background: Image,
        shadow: Alpha | None = None,
    ) -> Image:
        """Return the H×W×3 composite.

        Parameters
        ----------
        foreground : Image
            H×W×3 subject colours (straight).
        alpha : Alpha
            H×W alpha.
        background : Image
            H×W×3 background.
        shadow : Alpha, optional
            H×W shadow opacity applied to the background first.

        Returns
        -------
        Image
            H×W×3 float32 in [0, 1].
        """
        ...


STAGE_PROTOCOLS: dict[str, type] = {
    "segmenter": Segmenter,
    "matter": Matter,
    "relighter": Relighter,
    "shadow_caster": ShadowCaster,
    "compositor": Compositor,
}
"""Stage kind → the protocol its backends satisfy; the keys are the valid kinds."""
