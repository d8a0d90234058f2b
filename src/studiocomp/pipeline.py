"""The Pipeline: the five stages composed by keyword, and named presets."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from .backgrounds import Fit, resolve_background
from .errors import InputError, StudiocompError, UnknownBackendError
from .image import checked_image
from .registry import create
from .types import STAGE_PROTOCOLS, Alpha, Image, Mask, Matte

__all__ = ["Pipeline", "PipelineResult", "PRESETS"]

_STAGES = ("segmenter", "matter", "relighter", "shadow_caster", "compositor")

PRESETS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "studio": {
        "segmenter": ("backdrop", {}),
        "matter": ("unmix", {}),
        "compositor": ("alpha-over", {}),
    },
    "portrait": {
        "segmenter": ("selfie", {}),
        "matter": ("modnet", {}),
        "compositor": ("alpha-over", {}),
    },
}
"""Named ready-made pipelines: stage → (backend name, options)."""


@dataclass
class PipelineResult:
    """Every layer a pipeline run produces, in the input image's coordinates.

    Attributes
    ----------
    mask : Mask
        H×W bool subject mask (from the segmenter, or ``alpha > 0.5``).
    alpha : Alpha
        H×W float32 alpha.
    foreground : Image
        H×W×3 subject colours, edges cleaned of backdrop colour.
    background : Image
        H×W×3 fitted background, before subject and shadow are added.
    composite : Image
        H×W×3 final picture.
    shadow : Alpha or None
        H×W shadow opacity in [0, 1], when a shadow caster ran (zeros when the
        subject's feet are not in the frame).
    timings : dict[str, float]
        Seconds spent in each stage, in run order.
    """

    mask: Mask
    alpha: Alpha
    foreground: Image
    background: Image
    composite: Image
    shadow: Alpha | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def placed_alpha(self) -> Alpha:
        """The subject's alpha in the composite's coordinates.

        The subject is composited where it stands in the photo (no placement
        stage yet), so this is :attr:`alpha`.
        """
        return self.alpha

    def cutout(self) -> np.ndarray:
        """H×W×4 float32 RGBA: cleaned foreground with alpha (straight)."""
        return np.concatenate([self.foreground, self.alpha[..., None]], axis=2)


def _is_single(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike, np.ndarray)) or (type(x).__module__.startswith("PIL.") and hasattr(x, "mode"))


class Pipeline:
    """Segment → matte → relight → shadow → composite, each stage optional.

    Parameters
    ----------
    segmenter, matter, relighter, shadow_caster, compositor
        A backend object satisfying the stage's protocol, a registered name
        (created with default options), or ``None`` to leave the stage out.
        At least a segmenter or a matter is needed; without a compositor the
        built-in ``"alpha-over"`` is used.

    Examples
    --------
    >>> import studiocomp
    >>> pipe = studiocomp.Pipeline.preset("studio")
    >>> image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=2)
    >>> result = pipe(image, background="grey")
    >>> result.composite.shape, sorted(result.timings)[:2]
    ((240, 180, 3), ['background', 'compositor'])
    """

    def __init__(
        self,
        *,
        segmenter: Any = None,
        matter: Any = None,
        relighter: Any = None,
        shadow_caster: Any = None,
        compositor: Any = "alpha-over",
    ) -> None:
        given = {"segmenter": segmenter, "matter": matter, "relighter": relighter, "shadow_caster": shadow_caster, "compositor": compositor}
        self._stages: dict[str, Any] = {}
        for kind, value in given.items():
            if value is None:
                continue
            backend = create(kind, value) if isinstance(value, str) else value
            protocol = STAGE_PROTOCOLS[kind]
            if not isinstance(backend, protocol):
                raise InputError(kind, f"an object with the {protocol.__name__} methods or a registered name", type(backend).__name__)
            self._stages[kind] = backend
        if "segmenter" not in self._stages and "matter" not in self._stages:
            raise InputError("segmenter/matter", "at least one of the two stages", "neither")
        if "compositor" not in self._stages:
            self._stages["compositor"] = create("compositor", "alpha-over")

    @classmethod
    def preset(cls, name: str, **stages: Any) -> Pipeline:
        """A named ready-made pipeline; keyword arguments replace its stages.

        ``Pipeline.preset("studio", matter=None)`` is the studio pipeline without
        matting; ``segmenter=studiocomp.create("segmenter", "backdrop", plate=p)``
        swaps in a configured backend.
        """
        if name not in PRESETS:
            raise UnknownBackendError("preset", name, sorted(PRESETS))
        unknown = set(stages) - set(_STAGES)
        if unknown:
            raise InputError("stages", f"keywords among {_STAGES}", sorted(unknown))
        built: dict[str, Any] = {}
        for kind, (backend, options) in PRESETS[name].items():
            built[kind] = create(kind, backend, **options)
        built.update(stages)
        return cls(**built)

    @property
    def components(self) -> dict[str, Any]:
        """The stages in use (a new dict; the backends themselves are shared)."""
        return dict(self._stages)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._stages.items())
        return f"Pipeline({inner})"

    @overload
    def __call__(self, image: Any, *, background: Any = ..., fit: Fit = ...) -> PipelineResult: ...
    @overload
    def __call__(self, image: Iterable[Any], *, background: Any = ..., fit: Fit = ...) -> Iterator[PipelineResult]: ...

    def __call__(self, image: Any, *, background: Any = "white", fit: Fit = "cover") -> PipelineResult | Iterator[PipelineResult]:
        """Run on one image, or lazily on an iterable of images.

        Parameters
        ----------
        image : path, PIL image, array, or an iterable of those
            One image returns a :class:`PipelineResult`; an iterable (list,
            generator …) returns an iterator that yields one result per image.
        background : preset name, '#rrggbb', RGB tuple, path or array
            See :func:`studiocomp.backgrounds.resolve_background`.
        fit : str or (x, y, w, h)
            How an image background is fitted to the photo's size.
        """
        if _is_single(image):
            return self._run(image, background, fit)
        if isinstance(image, Iterable):
            return (self._run(item, background, fit) for item in image)
        raise InputError("image", "a path, PIL image, array, or an iterable of those", type(image).__name__)

    def _run(self, image: Any, background: Any, fit: Fit) -> PipelineResult:
        timings: dict[str, float] = {}

        def timed(stage: str, fn: Any, *args: Any) -> Any:
            t0 = time.perf_counter()
            out = fn(*args)
            timings[stage] = time.perf_counter() - t0
            return out

        # no copy: stages only read the image, and every layer returned is a new array
        img = timed("load", checked_image, image)
        h, w = img.shape[:2]
        mask: Mask | None = None
        if "segmenter" in self._stages:
            mask = timed("segmenter", self._stages["segmenter"].segment, img)
        if "matter" in self._stages:
            matte: Matte = timed("matter", self._stages["matter"].matte, img, mask)
            alpha, foreground = matte.alpha, matte.foreground
        elif mask is not None:  # __init__ guarantees a segmenter when there is no matter
            alpha, foreground = mask.astype(np.float32), img.copy()
        else:  # pragma: no cover
            raise StudiocompError("pipeline has neither segmenter nor matter")
        if mask is None:
            mask = alpha > 0.5
        bg = timed("background", resolve_background, background, h, w, fit)
        if "relighter" in self._stages:
            foreground = timed("relighter", self._stages["relighter"].relight, foreground, alpha, bg)
        shadow = None
        if "shadow_caster" in self._stages:
            shadow = timed("shadow_caster", self._stages["shadow_caster"].cast, alpha, bg)
        composite = timed("compositor", self._stages["compositor"].composite, foreground, alpha, bg, shadow)
        for name, arr in (("alpha", alpha), ("foreground", foreground), ("composite", composite)):
            if arr.shape[:2] != (h, w):
                raise StudiocompError(f"a stage returned {name} of shape {arr.shape}, expected {(h, w)}")
        return PipelineResult(mask=mask, alpha=alpha, foreground=foreground, background=bg, composite=composite, shadow=shadow, timings=timings)
