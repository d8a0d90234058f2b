"""The Pipeline: the five stages composed by keyword, and named presets."""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload

import numpy as np

from ._display import preview_png, short_repr
from .backgrounds import Fit, is_rendered, resolve_background, without_letterbox
from .errors import InputError, StudiocompError, UnknownBackendError
from .image import checked_image, checked_once, is_pil_image, trust
from .placement import Placement
from .prepared import BackgroundInfo, read_info
from .registry import create
from .types import STAGE_PROTOCOLS, Alpha, Assessed, Compositor, Image, Mask, Matte, Matter, QualityWarning, Relighter, Segmenter, ShadowCaster

if TYPE_CHECKING:
    import PIL.Image

SingleImage: TypeAlias = "str | os.PathLike[str] | np.ndarray | bytes | bytearray | memoryview | PIL.Image.Image | DecodedImage"
"""What :meth:`Pipeline.__call__` takes as one image (anything else iterable is a batch)."""

__all__ = ["Pipeline", "PipelineResult", "DecodedImage", "PRESETS", "MIN_SIDE", "BACKGROUND_UPSCALE_NOTE", "HOLE_LIMIT", "assess_holes", "assess_mask"]

MIN_SIDE: int = 16
"""Smallest photo a pipeline takes, in pixels on each side (width and height): below it there is no subject to
find (and the finishing steps' 2×2 noise blocks and model inputs degenerate). Checked when the photo is loaded;
the command line and the HTTP service refuse a smaller one with the same message."""

BACKGROUND_UPSCALE_NOTE: float = 2.0
"""An image background enlarged more than this many times to the photo's size gets a ``background-upscaled`` note."""

_STAGES = ("segmenter", "matter", "relighter", "shadow_caster", "compositor")

_FINISHING: dict[str, tuple[str, dict[str, Any]]] = {
    # bounded to 1 stop and a 15 % tint: a single-image estimate also reads a scene's content as light (a blue
    # video wall behind the subject turned sweaters lavender, a red-lit photo gave gains of 5-48x); the
    # relighter's own defaults (4 stops, 3x) follow a change of light further, for those who want that
    "relighter": ("illuminant", {"max_stops": 1.0, "max_tint": 1.15}),
    "shadow_caster": ("cast", {}),
    "compositor": ("matched", {}),
}

PRESETS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    # person prior (selfie + U²-Net-p + MODNet, those whose weights are there) + backdrop model; keyer alone offline
    "studio": {"segmenter": ("studio", {}), "matter": ("unmix", {}), **_FINISHING},
    # MODNet's alpha; people of a group that MODNet drops are restored from the selfie mask
    "portrait": {"segmenter": ("selfie", {}), "matter": ("modnet", {"fill_missed": True, "mirror": True}), **_FINISHING},
}
"""Named ready-made pipelines: stage → (backend name, options)."""

#: a side of the frame is "touched" when more than this fraction of its pixels are subject
_TOUCH_FRACTION = 0.05
#: a subject covering more of the frame than this is in doubt (the backdrop was probably not found)
_FILL_LIMIT = 0.9


#: IoU between the segmenter's mask and the matter's alpha > 0.5 below which the two stages disagree
_AGREEMENT_LIMIT = 0.85


def _trust_own(stage: Any, *arrays: np.ndarray) -> None:
    """Trust (:func:`~studiocomp.image.trust`) the outputs of the library's own backends, which make valid arrays; others' are checked where used."""
    if stage is not None and type(stage).__module__.startswith("studiocomp."):
        for arr in arrays:
            trust(arr)


def _assess_agreement(mask: Mask, matte: Mask) -> list[QualityWarning]:
    """``stage-disagreement`` when the segmenter's mask and the matter's alpha > 0.5 overlap by IoU < 0.85.

    Two models that disagree that much mean one of them dropped or invented a region (MODNet
    dropping a person of a group, a segmenter taking a desk for the person): uncertain either way.
    """
    union = np.count_nonzero(mask | matte)
    if union == 0:
        return []
    iou = np.count_nonzero(mask & matte) / union
    if iou >= _AGREEMENT_LIMIT:
        return []
    return [QualityWarning("stage-disagreement", f"the segmenter and the matter disagree on {1 - iou:.0%} of the subject (IoU {iou:.2f})", 1.0 - iou)]


#: an enclosed hole the matter cut into the segmenter's subject counts when it is at least this share of the subject
HOLE_LIMIT = 0.01


def assess_holes(mask: Mask, alpha: np.ndarray) -> list[QualityWarning]:
    """``subject-hole`` when the matter cut a hole into the segmenter's subject: a region the segmenter's mask
    holds and the matter's alpha drops (< 0.5) that reaches neither the mask's outline nor the frame's edge and is
    at least :data:`HOLE_LIMIT` of the subject.

    The matter trimming the outline, or opening the backdrop between two people or between an arm and the body
    where the segmenter's coarse mask had closed it (such gaps reach the outline or the frame), is fine; so are
    the specks between curls. A hole wholly inside the person is the failure a fresh user found unflagged on the
    ``portrait`` preset (humanseg 273: a torso on a striped dress). Found on every n-th pixel, at most 1024 on the long side.

    Parameters
    ----------
    mask : Mask
        H×W bool, the segmenter's subject.
    alpha : numpy.ndarray
        H×W float32 in [0, 1], the matter's alpha.

    Returns
    -------
    list of QualityWarning
        One uncertain ``subject-hole`` (value: the largest hole's share of the subject), or none.
    """
    import cv2

    step = max(1, -(-max(mask.shape) // 1024))  # every step-th pixel: a 1 % hole spans many of them
    seg = np.ascontiguousarray(mask[::step, ::step])
    kept = alpha[::step, ::step] > 0.5
    area = np.count_nonzero(seg)
    holes = seg & ~kept
    if area == 0 or np.count_nonzero(holes) < HOLE_LIMIT * area:
        return []
    n, labels = cv2.connectedComponents(holes.view(np.uint8), connectivity=8)
    outside = cv2.dilate((~seg).view(np.uint8), np.ones((3, 3), np.uint8)) > 0  # the outline's outer neighbours
    outside[[0, -1], :] = True
    outside[:, [0, -1]] = True  # a gap open to the frame's edge is not a hole
    reaches = np.bincount(labels[outside], minlength=n) > 0
    sizes = np.bincount(labels.ravel(), minlength=n)
    sizes[0] = 0
    sizes[reaches] = 0
    largest = float(sizes.max() / area)
    if largest < HOLE_LIMIT:
        return []
    return [QualityWarning("subject-hole", f"the matter cut a hole into {largest:.1%} of the subject, inside its outline: look at it", largest)]


def assess_mask(mask: Mask) -> list[QualityWarning]:
    """The checks that hold for any segmenter: no subject, a subject filling the frame, or touching it on three sides.

    Parameters
    ----------
    mask : Mask
        H×W bool subject mask (the pipeline passes ``alpha > 0.5`` or the segmenter's mask).

    Returns
    -------
    list of QualityWarning
        ``no-subject``, ``subject-fills-frame`` (> 90 % of the frame), ``subject-touches-frame``
        (more than 5 % of each of three sides, the top among them: a bust touches the bottom and
        often both sides, which is fine), all ``uncertain``.
    """
    area = float(np.count_nonzero(mask)) / mask.size
    if area == 0.0:
        return [QualityWarning("no-subject", "no subject was found (the mask is empty)", 0.0)]
    out: list[QualityWarning] = []
    if area > _FILL_LIMIT:
        out.append(QualityWarning("subject-fills-frame", f"the subject covers {area:.0%} of the frame: the background was probably not found", area))
    sides = {"top": mask[0], "bottom": mask[-1], "left": mask[:, 0], "right": mask[:, -1]}
    touched = [name for name, line in sides.items() if line.mean() > _TOUCH_FRACTION]
    if len(touched) >= 3 and "top" in touched:
        out.append(QualityWarning("subject-touches-frame", f"the subject touches the frame on {len(touched)} sides ({', '.join(touched)})", float(len(touched))))
    return out


def _prepared_info(background: Any) -> BackgroundInfo | None:
    """The sidecar of a background file (:mod:`studiocomp.prepared`), checked against its image, or None for anything else."""
    if not isinstance(background, (str, os.PathLike)) or not os.path.isfile(background):
        return None
    return read_info(background, check=True)


@dataclass
class PipelineResult:
    """Every layer a pipeline run produces.

    The first three are in the photo's coordinates; the rest in the
    composite's (the same, unless the subject was placed into a background of
    another size).

    Attributes
    ----------
    mask : Mask
        Photo: H×W bool subject mask (from the segmenter, or ``alpha > 0.5``).
    alpha : Alpha
        Photo: H×W float32 alpha.
    foreground : Image
        Photo: H×W×3 subject colours, edges cleaned of backdrop colour.
    background : Image
        Composite: the fitted background, before subject and shadow are added.
    composite : Image
        Composite: the final picture.
    placed_alpha : Alpha
        Composite: the subject's alpha after placement (``alpha`` when it was not placed).
    placed_foreground : Image
        Composite: the subject's colours after placement and relighting.
    shadow : Alpha
        Composite: the shadow's opacity in [0, 1] (zeros without a shadow
        caster, or when the subject's feet are not in the frame).
    timings : dict[str, float]
        Seconds spent in each stage, in run order.
    warnings : list[QualityWarning]
        The segmenter's own doubts (when it has ``segment_assessed``), the
        pipeline's checks of the final alpha (:func:`assess_mask`) and the
        placement's (:meth:`Placement.check`). See :attr:`uncertain`.
    finishing : dict[str, dict[str, float]]
        What each finishing step did, by step: ``relight`` (the linear gains
        applied), ``sharpen``, ``grain``, ``light_wrap`` (see
        ``IlluminantRelighter.relight_reported`` and
        ``MatchedCompositor.composite_reported``). Steps that were off, and
        backends that do not report, are absent.
    """

    mask: Mask
    alpha: Alpha
    foreground: Image
    background: Image
    composite: Image
    placed_alpha: Alpha
    placed_foreground: Image
    shadow: Alpha
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[QualityWarning] = field(default_factory=list)
    finishing: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def uncertain(self) -> bool:
        """True when any warning puts the cut-out in doubt: a person should look at it."""
        return any(w.uncertain for w in self.warnings)

    def __repr__(self) -> str:
        # arrays by dtype and shape, warnings by code, seconds to the millisecond, finishing by step: one short line, nothing computed
        return short_repr(self, replace={"finishing": repr(list(self.finishing))}, uncertain=self.uncertain)

    def _repr_png_(self) -> bytes | None:
        """IPython's rich display: the composite (a PNG at most 1024 pixels on a side), so a notebook shows the picture."""
        return preview_png(self.composite)

    @property
    def confidence(self) -> float:
        """1.0 with no doubt, 0.0 with one or more uncertain warnings, 0.5 with notes only (a coarse summary of :attr:`warnings`)."""
        if self.uncertain:
            return 0.0
        return 0.5 if self.warnings else 1.0

    def cutout(self) -> np.ndarray:
        """H×W×4 float32 RGBA in the photo's coordinates: cleaned foreground with alpha (straight).

        Where alpha is 0 the colour is 0, as in the files :func:`~studiocomp.save_image`
        writes: a hidden pixel keeps none of the photo.

        Returns
        -------
        numpy.ndarray
            H×W×4 float32 in [0, 1].
        """
        from ._ops import clear_hidden

        return clear_hidden(np.concatenate([self.foreground, self.alpha[..., None]], axis=2))

    def layers(self) -> dict[str, np.ndarray]:
        """The layers a retoucher stacks, in the composite's coordinates, bottom to top.

        ``background`` (RGB), ``shadow`` (RGBA: black with the shadow's opacity
        as alpha; applied in linear light it gives the composite's darkening),
        ``subject`` (RGBA: placed, relit colours with their alpha) and
        ``composite`` (RGB). New arrays, float32 in [0, 1].

        Returns
        -------
        dict of str to numpy.ndarray
            ``background``, ``shadow``, ``subject``, ``composite`` (H×W×3 or H×W×4 float32 in [0, 1]), bottom to top.
        """
        shadow = np.zeros(self.shadow.shape + (4,), np.float32)
        shadow[..., 3] = self.shadow
        subject = np.concatenate([self.placed_foreground, self.placed_alpha[..., None]], axis=2)
        return {"background": self.background.copy(), "shadow": shadow, "subject": subject, "composite": self.composite.copy()}

    def save_layers(self, folder: str | os.PathLike[str], *, format: str = "png", depth: int = 16) -> dict[str, Path]:
        """Write :meth:`layers` as ``background``, ``shadow``, ``subject``, ``composite`` files in ``folder``.

        ``format`` is ``"png"`` or ``"tiff"``; ``depth`` 8 or 16 bits per
        channel. Each file is written atomically; the folder is created. Returns
        the paths by layer name.

        Parameters
        ----------
        folder : str or os.PathLike
            Created if missing.
        format : str
            ``"png"`` or ``"tiff"``.
        depth : int
            Bits per channel, 8 or 16.

        Returns
        -------
        dict of str to pathlib.Path
            Layer name → written file.

        Raises
        ------
        InputError
            Another ``format`` or ``depth``.
        OSError
            A file cannot be written.
        """
        from .image import save_image

        if format not in ("png", "tiff"):
            raise InputError("format", "'png' or 'tiff'", repr(format))
        if depth not in (8, 16):
            raise InputError("depth", "8 or 16", repr(depth))
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        for name, layer in self.layers().items():
            rgb, alpha = (layer[..., :3], layer[..., 3]) if layer.shape[2] == 4 else (layer, None)
            paths[name] = save_image(out / f"{name}.{'tif' if format == 'tiff' else 'png'}", rgb, alpha, bit_depth=depth)  # type: ignore[arg-type]
        return paths


def _is_single(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike, np.ndarray, bytes, bytearray, memoryview, DecodedImage)) or is_pil_image(x)


InputAlpha = Literal["cutout", "hint", "ignore"]
_INPUT_ALPHA = ("cutout", "hint", "ignore")


def _check_photo_size(img: Image, image: Any) -> None:
    """Refuse a photo smaller than :data:`MIN_SIDE` on a side (named by its path when it has one)."""
    h, w = img.shape[:2]
    if h < MIN_SIDE or w < MIN_SIDE:
        name = str(image) if isinstance(image, (str, os.PathLike)) else "image"
        raise InputError(name, f"a photo at least {MIN_SIDE}×{MIN_SIDE} pixels (width×height)", f"{w}×{h} pixels, too small to cut a subject out of")


def _source_background(background: Any) -> np.ndarray | None:
    """An image background as given (before fitting): the cached decode of a file, or the array; None for a preset, a colour or anything else."""
    if is_rendered(background):
        return None
    if isinstance(background, (str, os.PathLike)) and os.path.isfile(background):
        from .prepared import load_background

        return load_background(background)  # the cached decode resolve_background just used
    if isinstance(background, np.ndarray) and background.ndim >= 2:
        return background
    return None


def _upscale(background: Any, fit: Fit, h: int, w: int) -> tuple[float, int, int] | None:
    """(factor, width, height): how many times ``fit`` enlarges an image background of width×height to h×w; None for a preset or colour."""
    source = None if fit == "none" else _source_background(background)
    if source is None:
        return None
    bh, bw = source.shape[:2]
    if isinstance(fit, tuple) and len(fit) == 4:
        bw, bh = int(fit[2]), int(fit[3])
    if bw <= 0 or bh <= 0:
        return None
    return (min(w / bw, h / bh) if fit == "contain" else max(w / bw, h / bh)), bw, bh


def _generated_as_given(background: Any, fit: Fit, h: int, w: int) -> bool | None:
    """Whether an image background that ``fit`` enlarges to h×w was rendered, judged at its own scale; None when it is not enlarged.

    Enlarging smooths away the detail that tells a photographed wall from a rendered backdrop
    (:func:`studiocomp.estimate.looks_generated`): real backgrounds enlarged 2–4× read as generated.
    """
    up = _upscale(background, fit, h, w)
    if up is None or up[0] <= 1.0:
        return None
    from .estimate import looks_generated
    from .image import as_image

    return looks_generated(as_image(_source_background(background), name="background"))


def _background_upscaled(background: Any, fit: Fit, h: int, w: int) -> list[QualityWarning]:
    """A ``background-upscaled`` note when an image background is enlarged more than :data:`BACKGROUND_UPSCALE_NOTE` times to h×w."""
    up = _upscale(background, fit, h, w)
    if up is None:
        return []
    factor, bw, bh = up
    if factor <= BACKGROUND_UPSCALE_NOTE:
        return []
    return [
        QualityWarning(
            "background-upscaled",
            f"the {bw}×{bh} background is enlarged {factor:.1f}× to the {w}×{h} photo: it will look soft (use a background about the photo's size)",
            factor,
            uncertain=False,
        )
    ]


def _load_with_alpha(image: Any) -> tuple[Image, Alpha | None]:
    """The photo (straight colours) and its own alpha when it is a file, bytes or a PIL image with transparency."""
    from .image import load_image

    if isinstance(image, (str, os.PathLike, bytes, bytearray, memoryview)) or is_pil_image(image):
        rgb, alpha = load_image(image, with_alpha=True)
        if alpha is not None and float(alpha.min()) < 1.0:
            return rgb, alpha
        return rgb, None
    return checked_image(image), None


@dataclass(frozen=True)
class DecodedImage:
    """A photo decoded ahead of its run by :meth:`Pipeline.decode` (and perhaps segmented by :meth:`Pipeline.segment_batch`).

    A folder run decodes the next files on another thread while the current one
    is processed; the pipeline then takes this in place of the path and gives
    exactly the result it gives for the path.

    Attributes
    ----------
    image : ndarray, H×W×3 float32 in [0, 1]
        The photo, as the pipeline's load step makes it for ``input_alpha``.
    alpha : ndarray, H×W float32 in [0, 1], or None
        The file's own transparency (``None`` when opaque, or for ``input_alpha="ignore"``).
    input_alpha : {"cutout", "hint", "ignore"}
        What it was decoded for; the run must ask for the same.
    seconds : float
        Time spent decoding (reported as the ``load`` timing).
    mask : ndarray, H×W bool, or None
        The segmenter's mask when it was already computed in a batch (the segmenter is then not run again).
    segment_seconds : float
        This image's share of the batched segmentation time (the ``segmenter`` timing).
    """

    image: Image
    alpha: Alpha | None
    input_alpha: InputAlpha
    seconds: float = 0.0
    mask: Mask | None = None
    segment_seconds: float = 0.0

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_png_(self) -> bytes | None:
        """IPython's rich display: the decoded photo (over a checkerboard where it is transparent), at most 1024 pixels on a side."""
        return preview_png(self.image, self.alpha)


class _SegmentedMatter:
    """A segmenter and a matter as one frame-by-frame matter: the matter refines the segmenter's mask, as in a photo run."""

    def __init__(self, segmenter: Any, matter: Any) -> None:
        self.segmenter, self.matter = segmenter, matter

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.segmenter!r}, {self.matter!r})"

    def matte(self, image: Image, mask: Mask | None = None) -> Matte:
        matte: Matte = self.matter.matte(image, self.segmenter.segment(image) if mask is None else mask)
        return matte


class Pipeline:
    """Segment → matte → relight → shadow → composite, each stage optional.

    Parameters
    ----------
    segmenter, matter, relighter, shadow_caster, compositor
        A backend object satisfying the stage's protocol, a registered name
        (created with default options), or ``None`` to leave the stage out.
        At least a segmenter or a matter is needed; without a compositor the
        built-in ``"alpha-over"`` is used.

    Raises
    ------
    InputError
        A stage is neither a registered name nor an object with its protocol's methods, or there is neither a segmenter nor a matter.
    UnknownBackendError
        A stage name is not registered.

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
        segmenter: Segmenter | str | None = None,
        matter: Matter | str | None = None,
        relighter: Relighter | str | None = None,
        shadow_caster: ShadowCaster | str | None = None,
        compositor: Compositor | str | None = "alpha-over",
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
        swaps in a configured backend. Only the stages not given are built, so a
        stage passed in never fetches the preset's default weights (a pipeline
        of your own configured backends works offline).

        Parameters
        ----------
        name : str
            A key of :data:`PRESETS` (``"studio"``, ``"portrait"``).
        **stages
            ``segmenter``, ``matter``, ``relighter``, ``shadow_caster``, ``compositor``: a backend, a registered name, or None to drop the stage.

        Returns
        -------
        Pipeline

        Raises
        ------
        UnknownBackendError
            ``name`` is not a preset (the message lists them).
        InputError
            A keyword is not a stage name.
        WeightsUnavailableError
            A default stage's weights cannot be had (offline, nothing cached).
        """
        if name not in PRESETS:
            raise UnknownBackendError("preset", name, sorted(PRESETS))
        unknown = set(stages) - set(_STAGES)
        if unknown:
            raise InputError("stages", f"keywords among {_STAGES}", sorted(unknown))
        built: dict[str, Any] = dict(stages)
        for kind, (backend, options) in PRESETS[name].items():
            if kind not in built:
                built[kind] = create(kind, backend, **options)
        return cls(**built)

    @property
    def components(self) -> dict[str, Any]:
        """The stages in use (a new dict; the backends themselves are shared)."""
        return dict(self._stages)

    @property
    def missing_models(self) -> list[str]:
        """Models a stage asked for but could not load, and runs without (``[]`` when none).

        The ``studio`` segmenter without its person models falls back to the
        backdrop keyer alone, which is much worse on real photos (see
        docs/evaluation.md); the command line and the service say so once at
        start, so a machine without weights is never silently worse.

        Returns
        -------
        list of str
            Model names (``hub`` spec names), in stage order.
        """
        out: list[str] = []
        for stage in self._stages.values():
            out += [m for m in getattr(stage, "missing_models", ()) if m not in out]
        return out

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._stages.items())
        return f"Pipeline({inner})"

    # a single image (a path string, an array) is itself iterable: the first overload wins, as at run time
    @overload
    def __call__(  # type: ignore[overload-overlap]
        self, image: SingleImage, *, background: Any = ..., fit: Fit | None = ..., place: Placement | str | tuple[float, ...] | None = ..., input_alpha: InputAlpha = ...
    ) -> PipelineResult: ...
    @overload
    def __call__(
        self, image: Iterable[Any], *, background: Any = ..., fit: Fit | None = ..., place: Placement | str | tuple[float, ...] | None = ..., input_alpha: InputAlpha = ...
    ) -> Iterator[PipelineResult]: ...

    def __call__(
        self, image: Any, *, background: Any = "white", fit: Fit | None = None, place: Placement | str | tuple[float, ...] | None = None, input_alpha: InputAlpha = "cutout"
    ) -> PipelineResult | Iterator[PipelineResult]:
        """Run on one image, or lazily on an iterable of images.

        Parameters
        ----------
        image : path, PIL image, array, or an iterable of those
            One image returns a :class:`PipelineResult`; an iterable (list,
            generator …) returns an iterator that yields one result per image.
        background : preset name, '#rrggbb', RGB tuple, path or array
            See :func:`studiocomp.backgrounds.resolve_background`.
        fit : str or (x, y, w, h), optional
            How an image background is fitted: to the photo's size (``"cover"``,
            the default without ``place``), or ``"none"`` (the background's own
            size, the default with ``place``).
        place : Placement, "auto", (x, y), (x, y, height) or None
            Lay the subject into the background's frame: where its feet stand and
            how tall it is (see :class:`studiocomp.Placement`; ``"auto"`` =
            ``Placement()``: the feet centred, 92 % down the frame). A tuple is the command
            line's ``X,Y`` / ``X,Y,H``: ``Placement(feet=(x, y), height=height)``,
            background pixels (a ``"X,Y"`` string is taken too). ``None`` keeps the
            subject where it is in the photo — except on a prepared background
            whose sidecar gives a horizon or default feet (:mod:`studiocomp.prepared`)
            when ``fit`` is not given either: the subject is then laid into it as
            with ``"auto"``, the sidecar filling in the rest (pass ``fit="cover"`` to
            fit the background to the photo instead).
        input_alpha : "cutout" (default), "hint" or "ignore"
            What to do with a file, bytes or PIL image that is already transparent:
            ``"cutout"`` takes its alpha as the cut-out (no segmenter, no matter);
            ``"hint"`` gives its alpha > 0.5 to the matter as the mask (no segmenter);
            ``"ignore"`` treats it as an opaque photo, its colours premultiplied
            over black. Colours hidden under fully transparent pixels never come
            back. Arrays are H×W×3 and carry no alpha. The result notes the choice
            (``input-alpha`` warning, not uncertain).

        Returns
        -------
        PipelineResult or iterator of PipelineResult
            One result for one image; a lazy iterator for an iterable. Like
            :func:`map`, the iterator raises at a bad item's turn and ends there
            (the results before it were already yielded). For a run that goes on
            past bad files, names each failure and writes atomically, use
            :func:`studiocomp.batch.run_jobs` (what the command line runs).

        Raises
        ------
        InputError
            A bad ``place``, ``fit`` or ``input_alpha``, an image the loader refuses, a photo
            smaller than :data:`MIN_SIDE` pixels on a side, or a prepared background's sidecar
            that is not valid or cannot work with its image (named with the field, before any photo
            is worked on: :meth:`studiocomp.prepared.BackgroundInfo.check`).
        """
        if input_alpha not in _INPUT_ALPHA:
            raise InputError("input_alpha", f"one of {_INPUT_ALPHA}", repr(input_alpha))
        if isinstance(place, str):
            place = Placement.parse(place)
        elif isinstance(place, tuple) and len(place) in (2, 3) and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in place):
            place = Placement(feet=(float(place[0]), float(place[1])), height=float(place[2]) if len(place) == 3 else None)
        elif place is not None and not isinstance(place, Placement):
            raise InputError("place", "a Placement, 'auto', (x, y), (x, y, height) in background pixels, or None", repr(place) if isinstance(place, tuple) else type(place).__name__)
        info = _prepared_info(background)  # read once for the whole call, checked against its image
        if place is None and fit is None and info is not None and (info.horizon is not None or info.feet is not None):
            place = Placement()  # a prepared background that says where people stand: lay the subject into it
        if fit is None:
            fit = "cover" if place is None else "none"
        if _is_single(image):
            return self._run(image, background, fit, place, input_alpha, info)
        if isinstance(image, (Mapping, str)) or not isinstance(image, Iterable):
            raise InputError("image", "a path, bytes, PIL image, array, or an iterable of those", type(image).__name__)
        if isinstance(image, Sequence):  # a list or tuple is checked now, not when its bad item's turn comes
            for i, item in enumerate(image):
                if not _is_single(item):
                    raise InputError(f"image[{i}]", "a path, bytes, PIL image or array", type(item).__name__)
        return (self._run(item, background, fit, place, input_alpha, info) for item in image)

    @staticmethod
    def decode(image: SingleImage, *, input_alpha: InputAlpha = "cutout") -> DecodedImage:
        """Decode one photo as a run would, so that the run itself can skip it (thread-safe; no inference).

        Parameters
        ----------
        image : path, bytes, PIL image or array
            As for :meth:`__call__`.
        input_alpha : {"cutout", "hint", "ignore"}
            As for :meth:`__call__`; the run must ask for the same.

        Returns
        -------
        DecodedImage
            Pass it to :meth:`__call__` in place of ``image``: the result is the same.

        Raises
        ------
        InputError
            A bad ``input_alpha``, an image the loader refuses, or a photo smaller than
            :data:`MIN_SIDE` pixels on a side.
        """
        if input_alpha not in _INPUT_ALPHA:
            raise InputError("input_alpha", f"one of {_INPUT_ALPHA}", repr(input_alpha))
        t0 = time.perf_counter()
        if input_alpha == "ignore":
            img, alpha = checked_image(image), None
        else:
            img, alpha = _load_with_alpha(image)
        _check_photo_size(img, image)
        return DecodedImage(img, alpha, input_alpha, time.perf_counter() - t0)

    def segment_batch(self, images: Sequence[DecodedImage]) -> list[DecodedImage]:
        """Segment several decoded photos in one model call, where the segmenter can (batched inference).

        A segmenter with a ``segment_batch(images) -> list of masks`` method (the
        ONNX ``u2netp`` and ``selfie``) gets every photo that has no alpha of its
        own in one call; the masks equal its one-by-one ones (within float
        rounding). Any other segmenter, and a pipeline without one, leaves the
        photos as they are, to be segmented one by one in :meth:`__call__`.

        Parameters
        ----------
        images : sequence of DecodedImage
            From :meth:`decode`.

        Returns
        -------
        list of DecodedImage
            The same photos, with ``mask`` (H×W bool) and ``segment_seconds`` (the
            batch's time shared equally) set where they were segmented.

        Raises
        ------
        BackendUnavailableError
            The segmenter's batched inference needs a package that is missing.
        """
        from dataclasses import replace

        from .image import checked_mask

        segmenter = self._stages.get("segmenter")
        todo = [i for i, d in enumerate(images) if d.alpha is None and d.mask is None]
        if segmenter is None or isinstance(segmenter, Assessed) or not hasattr(segmenter, "segment_batch") or len(todo) < 2:
            return list(images)
        t0 = time.perf_counter()
        masks = segmenter.segment_batch([images[i].image for i in todo])
        share = (time.perf_counter() - t0) / len(todo)
        out = list(images)
        for i, m in zip(todo, masks, strict=True):
            out[i] = replace(images[i], mask=checked_mask(m, shape=images[i].image.shape[:2]), segment_seconds=share)
        return out

    def video(
        self,
        src: str | os.PathLike[str],
        dst: str | os.PathLike[str],
        *,
        background: Any = "white",
        alpha_out: str | os.PathLike[str] | None = None,
        cutout_out: str | os.PathLike[str] | None = None,
        progress: Any = None,
        **options: Any,
    ) -> Any:
        """Run a clip (file or folder of frames) with this pipeline's stages, streaming; see :func:`studiocomp.video.run`.

        Each frame is cut out as a photo is: by the segmenter, then the matter refining its
        mask (the ``studio`` preset's ``unmix`` matter needs that mask), made steady over
        time by :class:`studiocomp.video.StabilisedMatter`. A recurrent matter (RVM) runs by
        itself and keeps its state. ``matter=`` in ``options`` replaces both (the command
        line's ``studiocomp video --preset`` uses RVM so, and the preset's finishing stages).
        Needs PyAV (``pip install "studiocomp[video]"``). Returns a :class:`studiocomp.video.VideoResult`.

        Parameters
        ----------
        src : str or os.PathLike
            A video file or a folder of frames.
        dst : str or os.PathLike
            The composite clip (a file, or a folder for frames).
        background : preset name, colour, path or array
            As for :meth:`__call__`.
        alpha_out, cutout_out : str or os.PathLike, optional
            Also write the alpha clip and the RGBA cut-out clip there.
        progress : bool or callable, optional
            Progress display (see :func:`studiocomp.video.run`).
        **options
            Further options of :func:`studiocomp.video.run`.

        Returns
        -------
        VideoResult
            What :func:`studiocomp.video.run` returns.
        """
        from .video.stream import run

        segmenter, matter = self._stages.get("segmenter"), self._stages.get("matter")
        recurrent = hasattr(matter, "sequence") and hasattr(matter, "reset")
        if "matter" not in options and segmenter is not None and matter is not None and not recurrent:
            options["matter"] = _SegmentedMatter(segmenter, matter)
        return run(src, dst, background=background, pipeline=self, alpha_out=alpha_out, cutout_out=cutout_out, progress=progress, **options)

    def _run(self, image: Any, background: Any, fit: Fit, place: Placement | None, input_alpha: InputAlpha, info: BackgroundInfo | None) -> PipelineResult:
        # each array is checked once (the photo when loaded, the background when made, a stage's output by the
        # library's own backends, which make valid arrays), not again by every stage it is handed to
        with checked_once():
            return self._run_stages(image, background, fit, place, input_alpha, info)

    def _run_stages(self, image: Any, background: Any, fit: Fit, place: Placement | None, input_alpha: InputAlpha, info: BackgroundInfo | None) -> PipelineResult:
        timings: dict[str, float] = {}

        def timed(stage: str, fn: Any, *args: Any) -> Any:
            t0 = time.perf_counter()
            out = fn(*args)
            timings[stage] = time.perf_counter() - t0
            return out

        # no copy: stages only read the image, and every layer returned is a new array
        given_alpha: Alpha | None = None
        if isinstance(image, DecodedImage):
            if image.input_alpha != input_alpha:
                raise InputError("input_alpha", f"{image.input_alpha!r}, as the image was decoded with", repr(input_alpha))
            img, given_alpha = image.image, image.alpha
            timings["load"] = image.seconds
        elif input_alpha == "ignore":
            img = timed("load", checked_image, image)
        else:
            img, given_alpha = timed("load", _load_with_alpha, image)
        h, w = trust(img).shape[:2]
        _check_photo_size(img, image)
        mask: Mask | None = None
        warnings: list[QualityWarning] = []
        if given_alpha is not None:
            use = "the cut-out" if input_alpha == "cutout" else "the mask given to the matter"
            warnings.append(QualityWarning("input-alpha", f"the input was already transparent: its alpha is {use}", uncertain=False))
            mask = given_alpha > 0.5
        elif isinstance(image, DecodedImage) and image.mask is not None:  # segmented in a batch
            mask = image.mask
            timings["segmenter"] = image.segment_seconds
        elif "segmenter" in self._stages:
            segmenter = self._stages["segmenter"]
            if isinstance(segmenter, Assessed):
                mask, warnings = timed("segmenter", segmenter.segment_assessed, img)
                warnings = list(warnings)
            else:
                mask = timed("segmenter", segmenter.segment, img)
        if given_alpha is not None and (input_alpha == "cutout" or "matter" not in self._stages):
            alpha, foreground = given_alpha, img.copy()
        elif "matter" in self._stages:
            matte: Matte = timed("matter", self._stages["matter"].matte, img, mask)
            alpha, foreground = matte.alpha, matte.foreground
            warnings = [*warnings, *matte.warnings]
            _trust_own(self._stages["matter"], alpha, foreground)
        elif mask is not None:  # __init__ guarantees a segmenter when there is no matter
            alpha, foreground = mask.astype(np.float32), img.copy()
        else:  # pragma: no cover
            raise StudiocompError("pipeline has neither segmenter nor matter")
        for name, arr in (("alpha", alpha), ("foreground", foreground)):
            if arr.shape[:2] != (h, w):
                raise StudiocompError(f"a stage returned {name} of shape {arr.shape}, expected {(h, w)}")
        if mask is None:
            mask = alpha > 0.5
        # the subject's shape as either stage saw it: a matter may leave a pale edge at the frame under 0.5
        warnings += assess_mask((alpha > 0.5) | mask)
        if mask is not None and given_alpha is None and "matter" in self._stages and "segmenter" in self._stages:
            warnings += _assess_agreement(mask, alpha > 0.5)
            warnings += assess_holes(mask, alpha)
        bg = trust(timed("background", resolve_background, background, h, w, fit))
        size = bg.shape[:2]
        warnings += _background_upscaled(background, fit, h, w)
        if info is not None and place is not None:  # a prepared background: its sidecar fills what place leaves open
            place = info.placement(place)
        if place is not None:
            placed = timed("placement", place.apply, foreground, alpha, size)
            subject, subject_alpha = trust(placed.foreground), trust(placed.alpha)
            # feet cut off, a bust stood up, an implausible scale; a rendered preset or colour has no scene scale to miss
            warnings += [x for x in placed.warnings if not (x.code == "size-guessed" and is_rendered(background))]
        elif size != (h, w):
            raise InputError("fit", "a fit that gives the photo's size when the subject is not placed (or place='auto')", repr(fit))
        else:
            subject, subject_alpha = foreground, alpha
        finishing: dict[str, dict[str, float]] = {}
        relighter = self._stages.get("relighter")
        scene = without_letterbox(bg) if relighter is not None and fit == "contain" else bg  # the light is the scene's, not the bars'
        if relighter is not None and hasattr(relighter, "relight_reported"):  # reads the photo's own light, and says what it did
            extra: dict[str, bool] = {}
            generated = _generated_as_given(background, fit, h, w)  # enlarged, a real background loses the detail that tells it from a rendered one
            if generated is not None and "generated" in inspect.signature(relighter.relight_reported).parameters:
                extra["generated"] = generated
            subject, finishing["relight"] = timed("relighter", lambda *a: relighter.relight_reported(*a, photo=img, photo_alpha=alpha, **extra), subject, subject_alpha, scene)
            if hasattr(relighter, "notes"):  # what the relighting could not do: cut back by its bounds, or the photo's light unread
                warnings += relighter.notes(finishing["relight"])
        elif relighter is not None:
            subject = timed("relighter", relighter.relight, subject, subject_alpha, scene)
        _trust_own(relighter, subject)
        if "shadow_caster" in self._stages:
            caster = self._stages["shadow_caster"]
            sidecar_guess: list[QualityWarning] = []
            if info is not None:  # the sidecar's light, unless the caster has its own
                caster, sidecar_guess = info.lit(caster)
            if hasattr(caster, "cast_assessed"):  # says when the light was guessed
                shadow, notes = timed("shadow_caster", caster.cast_assessed, subject_alpha, bg)
                if is_rendered(background):  # a rendered preset or colour has no cast shadows to read: its default light is no news
                    notes = [n for n in notes if n.code != "light-default"]
                if not shadow.max() > 0.0:  # no shadow drawn (a bust: no feet in the frame): its light is used for nothing
                    notes, sidecar_guess = [n for n in notes if n.code != "light-default"], []
                warnings += notes if any(n.code == "light-default" for n in notes) else [*notes, *sidecar_guess]
            else:
                shadow = timed("shadow_caster", caster.cast, subject_alpha, bg)
            _trust_own(caster, shadow)
        else:
            shadow = trust(np.zeros(size, np.float32))
        compositor = self._stages["compositor"]
        if hasattr(compositor, "composite_reported"):
            composite, steps = timed("compositor", compositor.composite_reported, subject, subject_alpha, bg, shadow)
            finishing.update(steps)
        else:
            composite = timed("compositor", compositor.composite, subject, subject_alpha, bg, shadow)
        for name, arr in (("relit foreground", subject), ("shadow", shadow), ("composite", composite)):
            if arr.shape[:2] != size:
                raise StudiocompError(f"a stage returned {name} of shape {arr.shape}, expected {size}")
        return PipelineResult(
            mask=mask,
            alpha=alpha,
            foreground=foreground,
            background=bg,
            composite=composite,
            placed_alpha=subject_alpha,
            placed_foreground=subject,
            shadow=shadow,
            timings=timings,
            warnings=warnings,
            finishing=finishing,
        )
