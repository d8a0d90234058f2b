"""The options of ``POST /v1/cutout`` and ``POST /v1/composite``: the CLI's, checked, from form fields or the query string.

A client's stage options may only be numbers, booleans or ``None``: a string option could name a file
on the server (``backdrop:plate=/etc/...``), so it is refused. Backgrounds are a preset, a colour, the
name of a prepared background the server holds, or an uploaded file, never a server path.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

__all__ = ["JobOptions", "parse_options", "parse_stage_spec", "check_stage_options", "OPTION_NAMES", "OPTIONS", "OptionSpec", "option_enum", "STAGE_OPTIONS", "StageOption", "DEFAULT_MAX_WORK_SIDE"]

_STAGE_FIELDS = {"segmenter": "segmenter", "matter": "matter", "relighter": "relighter", "shadow": "shadow_caster", "compositor": "compositor"}
_FORMATS = {"cutout": ("png", "webp", "tif"), "composite": ("png", "jpg", "tif", "webp")}
_FITS = ("cover", "contain", "stretch", "none")
_BOTH = ("cutout", "composite")
_COMPOSITE = ("composite",)


@dataclass(frozen=True)
class OptionSpec:
    """One option of ``POST /v1/cutout`` and ``POST /v1/composite``, as a client sends it (a form field or query parameter).

    The single description of the options: :func:`parse_options` takes exactly these names, and the
    service's OpenAPI schema (``/openapi.json``) is generated from them.

    Attributes
    ----------
    name : str
        The field name.
    type : {"string", "integer", "number", "boolean"}
        Its JSON-schema type (every value arrives as text and is read as this type).
    default : str, int, float, bool or None
        What an absent or empty field means (``None``: the pipeline's own choice, or not used).
    help : str
        One sentence for the schema's description.
    kinds : tuple of str
        The endpoints that take it: ``cutout``, ``composite`` (the other one answers 400 to a value).
    enum : tuple, optional
        The values allowed.
    minimum, maximum : float, optional
        The range of a number.
    pattern : str, optional
        A regular expression a text value matches (JSON-schema ``pattern``).
    """

    name: str
    type: str
    default: Any
    help: str
    kinds: tuple[str, ...] = _BOTH
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None


_STAGE_HELP = "NAME[:key=value,...]: replace the pipeline's {what} (NAME none drops it); options are numbers, true/false or none, within the ranges of STAGE_OPTIONS"
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("preset", "string", None, "another pipeline preset than the server's"),
    OptionSpec("background", "string", "white", "a preset, '#rrggbb', or the name of one of GET /v1/backgrounds", _COMPOSITE),
    OptionSpec("fit", "string", None, "how the background is fitted to the photo (none keeps the background's size and needs place)", _COMPOSITE, enum=_FITS),
    OptionSpec("place", "string", None, "auto, or X,Y[,H] in background pixels: where the subject's feet stand (and its height)", _COMPOSITE, pattern=r"^(auto|-?[0-9.]+,-?[0-9.]+(,[0-9.]+)?)$"),
    OptionSpec("horizon", "number", None, "the background's horizon row in pixels (with place)", _COMPOSITE),
    OptionSpec("subject_height", "number", 1.7, "the subject's height in metres (with place)", _COMPOSITE, minimum=0.1, maximum=5),
    OptionSpec(
        "visible_height",
        "number",
        None,
        "for a subject cut by its photo's edge (a bust): the real height in metres of what is visible (with place)",
        _COMPOSITE,
        minimum=0.05,
        maximum=5,
    ),
    OptionSpec("camera_height", "number", 1.5, "the camera's height in metres (with place)", _COMPOSITE, minimum=0.05, maximum=50),
    OptionSpec("light", "string", None, "AZIMUTH,ELEVATION in degrees: a cast shadow from this light (azimuth in [-360, 360], elevation in [5, 89])", _COMPOSITE, pattern=r"^-?[0-9.]+,[0-9.]+$"),
    OptionSpec("no_grain", "boolean", False, "no film grain matched to the background", _COMPOSITE),
    OptionSpec("no_sharpen", "boolean", False, "no sharpness matching", _COMPOSITE),
    OptionSpec("no_light_wrap", "boolean", False, "no light wrap", _COMPOSITE),
    OptionSpec("format", "string", "png", "the output format (jpeg and tiff are read as jpg and tif; a cut-out has no jpg)"),
    OptionSpec("quality", "integer", 95, "JPEG/WebP quality", _COMPOSITE, minimum=1, maximum=100),
    OptionSpec("depth", "integer", 8, "bits per channel (16: png or tif only)", enum=(8, 16)),
    OptionSpec("only_mask", "boolean", False, "answer the alpha alone, as a 16-bit grey PNG"),
    OptionSpec("input_alpha", "string", "cutout", "what an input's own transparency means", enum=("cutout", "hint", "ignore")),
    OptionSpec("segmenter", "string", None, _STAGE_HELP.format(what="segmenter")),
    OptionSpec("matter", "string", None, _STAGE_HELP.format(what="matter")),
    OptionSpec("relighter", "string", None, _STAGE_HELP.format(what="relighter"), _COMPOSITE),
    OptionSpec("shadow", "string", None, _STAGE_HELP.format(what="shadow caster"), _COMPOSITE),
    OptionSpec("compositor", "string", None, _STAGE_HELP.format(what="compositor"), _COMPOSITE),
)
"""Every option the two endpoints take, with its type, default and range: the one place they are defined."""

OPTION_NAMES = frozenset(o.name for o in OPTIONS)
"""Every option name the two endpoints take (others are a 400, so a typo never passes silently)."""


@dataclass(frozen=True)
class StageOption:
    """One option of a stage backend that a client may set in a stage spec (``matter=modnet:resolution=768``).

    Attributes
    ----------
    type : {"integer", "number", "boolean"}
        An integer option takes whole numbers only; a number option takes any finite number.
    minimum, maximum : float or None
        The range allowed to clients (``None``: no bound; booleans have none).
    side : bool
        A size in pixels the backend allocates by (a working or network side): capped further by the server's
        ``ServeSettings.max_work_side``.
    nullable : bool
        ``none`` is allowed (the backend's automatic choice).
    """

    type: str
    minimum: float | None = None
    maximum: float | None = None
    side: bool = False
    nullable: bool = False


def _side(low: int, high: int = 4096, nullable: bool = False) -> StageOption:
    return StageOption("integer", low, high, side=True, nullable=nullable)


def option_enum(spec: OptionSpec, kind: str, presets: Any = None) -> tuple[Any, ...] | None:
    """The values ``spec`` takes on endpoint ``kind``: its ``enum``, the formats of that endpoint, or the presets.

    Parameters
    ----------
    spec : OptionSpec
        One of :data:`OPTIONS`.
    kind : {"cutout", "composite"}
        The endpoint.
    presets : container of str, optional
        The pipeline presets (the ``preset`` option's values); ``None``: not enumerated.

    Returns
    -------
    tuple or None
        The allowed values, or ``None`` when the option is not an enumeration.
    """
    if spec.name == "format":
        return _FORMATS[kind]
    if spec.name == "preset":
        return tuple(sorted(presets)) if presets is not None else None
    return spec.enum


DEFAULT_MAX_WORK_SIDE = 1024
"""The largest pixel side (a network input or working size) a client may ask a stage for, by default
(``ServeSettings.max_work_side``): twice the 512 every built-in model was trained at."""

_FRACTION = StageOption("number", 0.0, 1.0)
_FLAG = StageOption("boolean")

STAGE_OPTIONS: dict[str, dict[str, dict[str, StageOption]]] = {
    "segmenter": {
        "backdrop": {"working_size": _side(64), "shadow_depth": StageOption("number", 0.01, 0.99), "highlight": StageOption("number", 1.0, 3.0)},
        "studio": {"working_size": _side(64), "edge_band": StageOption("integer", 1, 16), "shadow_depth": StageOption("number", 0.01, 0.99), "highlight": StageOption("number", 1.0, 3.0)},
        "ensemble": {"threshold": StageOption("number", 0.01, 0.99), "working_side": _side(64), "skip_unavailable": _FLAG},
        "selfie": {"threshold": StageOption("number", 0.01, 0.99)},
        "u2netp": {"threshold": StageOption("number", 0.01, 0.99)},
        "deeplab": {"threshold": StageOption("number", 0.01, 0.99), "resolution": _side(64, 2048, nullable=True)},
        "sam": {"points_per_side": StageOption("integer", 1, 16), "min_iou": _FRACTION},
    },
    "matter": {
        "unmix": {"working_size": _side(64), "band": StageOption("integer", 1, 32), "min_separation": StageOption("number", 0.01, 0.99)},
        "closed-form": {"band": StageOption("number", 0.001, 0.25), "scale": StageOption("integer", 2, 8)},
        "modnet": {"resolution": _side(32, 2048, nullable=True), "mask_margin": StageOption("number", 0.001, 1.0, nullable=True), "fill_missed": _FLAG, "mirror": _FLAG},
        "rvm": {"max_side": _side(64, 4096, nullable=True), "downsample_ratio": StageOption("number", 0.01, 1.0, nullable=True), "mask_margin": StageOption("number", 0.001, 1.0, nullable=True)},
    },
    "relighter": {
        "reinhard": {"strength": _FRACTION, "max_chroma_shift": StageOption("number", 0, 100), "max_lightness_shift": StageOption("number", 0, 100), "work_side": _side(16)},
        "histogram": {"strength": _FRACTION, "max_chroma_shift": StageOption("number", 0, 100), "max_lightness_shift": StageOption("number", 0, 100), "work_side": _side(16)},
        "illuminant": {
            "strength": _FRACTION,
            "p": StageOption("number", 1, 64),
            "max_stops": StageOption("number", 0, 10),
            "max_tint": StageOption("number", 1, 10),
            "grow": StageOption("number", 0, 10),
            "work_side": _side(16),
            "winsor": StageOption("number", 0.5, 1.0),
            "max_green_magenta": StageOption("number", 0, 10),
        },
    },
    "shadow": {
        "contact": {"opacity": _FRACTION, "band": _FRACTION, "softness": _FRACTION, "reach": StageOption("number", 1e-4, 1.0), "depth": StageOption("number", 0.05, 1.0), "work_side": _side(16)},
        "cast": {
            "azimuth": StageOption("number", -360, 360, nullable=True),
            "elevation": StageOption("number", 5, 89, nullable=True),
            "opacity": _FRACTION,
            "softness": _FRACTION,
            "fade": _FRACTION,
            "depth": StageOption("number", 0.05, 1.0),
            "contact": _FLAG,
            "work_side": _side(16),
            "thickness": _FRACTION,
        },
    },
    "compositor": {
        "alpha-over": {},
        "matched": {
            "grain": _FLAG,
            "sharpness": _FLAG,
            "deblur_iterations": StageOption("integer", 0, 20),
            "light_wrap": StageOption("number", 0, 0.25),
            "wrap_radius": StageOption("number", 1e-4, 0.05),
            "max_wrap_px": StageOption("number", 0.5, 16),
        },
    },
}
"""The stage options open to clients, by form field (``segmenter``, ``matter``, ``relighter``, ``shadow``,
``compositor``), backend name and option, with their ranges. Any other option (``threads``, ``device``,
file options) is a 400: only whoever starts the server sets those. The ranges keep a request's memory and
time bounded: a pixel side (``side``) is further capped by ``ServeSettings.max_work_side``."""


@dataclass(frozen=True)
class JobOptions:
    """One request's options, checked.

    Attributes
    ----------
    kind : {"cutout", "composite"}
    preset : str or None
        Another preset than the server's (``None``: the server's).
    stages : tuple of (stage, NAME, options)
        Stage replacements: options hold only numbers, booleans and ``None``; NAME ``none`` drops the stage.
    background : str
        Preset name, ``#rrggbb``, or a prepared background's name (resolved by the server).
    fit : str or None
        ``cover``, ``contain``, ``stretch``, ``none`` or ``None`` (the pipeline's default).
    place : tuple or None
        ``(feet, height, horizon, subject_height, camera_height, visible_height)`` for :class:`~studiocomp.Placement`, or ``None``.
    light : (azimuth, elevation) in degrees, or None
    compositor_off : tuple of (option, value)
        Finishing steps turned off (``grain``, ``sharpness``, ``light_wrap``).
    format : str
        Output format; ``only_mask`` always writes PNG.
    quality : int
        JPEG/WebP quality 1–100.
    depth : {8, 16}
        Bits per channel (16 for PNG and TIFF).
    only_mask : bool
    input_alpha : {"cutout", "hint", "ignore"}
    """

    kind: str
    preset: str | None = None
    stages: tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...] = ()
    background: str = "white"
    fit: str | None = None
    place: tuple[Any, ...] | None = None
    light: tuple[float, float] | None = None
    compositor_off: tuple[tuple[str, Any], ...] = ()
    format: str = "png"
    quality: int = 95
    depth: int = 8
    only_mask: bool = False
    input_alpha: str = "cutout"

    def pipeline_key(self) -> tuple[Any, ...]:
        """What decides the pipeline (stages), apart from per-call options: the key of a worker's pipeline cache.

        Returns
        -------
        tuple
            ``(kind, preset, stages, light, compositor_off)``: hashable, equal for options that need the same pipeline.
        """
        return (self.kind, self.preset, self.stages, self.light, self.compositor_off)


def _invalid(name: str, expected: str, got: Any) -> ApiError:
    return ApiError(400, "invalid_parameter", f"Invalid value for parameter '{name}'", f"{name}: expected {expected}, got {got!r}")


def parse_bool(name: str, value: str) -> bool:
    """``true/false``, ``1/0``, ``yes/no``, ``on/off`` (any case); raises :class:`ApiError` otherwise."""
    text = value.strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise _invalid(name, "true or false", value)


def _number(name: str, value: str, low: float | None = None, high: float | None = None) -> float:
    try:
        out = float(value)
    except ValueError:
        raise _invalid(name, "a number", value) from None
    if not math.isfinite(out) or (low is not None and out < low) or (high is not None and out > high):
        raise _invalid(name, f"a number in [{low}, {high}]", value)
    return out


def parse_stage_spec(name: str, text: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """``NAME[:key=value,...]`` with number, boolean or ``None`` values only; raises :class:`ApiError`.

    Returns ``(NAME, ((key, value), ...))``; NAME ``none`` drops the stage. A string value is refused:
    a client must not name files on the server.

    Parameters
    ----------
    name : str
        The form field it came from (``segmenter``, ``matter``, ``relighter``, ``shadow``, ``compositor``), named in errors.
    text : str
        The spec, e.g. ``matched:grain=False,light_wrap=0.5``; values are read as Python literals
        (``true``/``false``/``none``/``null`` in any case, or Python's ``True``, ``False``, ``None``).

    Returns
    -------
    tuple of (str, tuple of (str, value))
        The backend name and its options in the order given; values are int, float, bool or ``None``.

    Raises
    ------
    ApiError
        400 ``invalid_parameter``: a name that is not letters, digits, ``-`` and ``_``, an option that is not
        ``key=value``, or a value that is not a number, boolean or ``None``.
    """
    backend, _, rest = text.partition(":")
    backend = backend.strip()
    if not backend or not backend.replace("-", "").replace("_", "").isalnum():
        raise _invalid(name, "NAME[:key=value,...]", text)
    options: list[tuple[str, Any]] = []
    for item in filter(None, (x.strip() for x in rest.split(","))):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or not key.isidentifier():
            raise _invalid(name, "NAME[:key=value,...]", text)
        words = {"true": True, "false": False, "none": None, "null": None}  # as HTTP clients spell them
        try:
            value = words[raw.strip().lower()] if raw.strip().lower() in words else ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            value = raw.strip()
        if value is not None and not isinstance(value, (bool, int, float)):
            raise _invalid(name, "option values that are numbers, true/false or None (file and text options are for the server's own settings)", text)
        options.append((key, value))
    return backend, tuple(options)


def check_stage_options(field: str, backend: str, options: tuple[tuple[str, Any], ...], max_work_side: int = DEFAULT_MAX_WORK_SIDE) -> None:
    """Refuse (400, naming the option and its range) a stage option a client may not set, or a value out of its range.

    Parameters
    ----------
    field : str
        The form field (``segmenter``, ``matter``, ``relighter``, ``shadow``, ``compositor``).
    backend : str
        The backend's name from the spec (``modnet`` …); a backend :data:`STAGE_OPTIONS` does not list takes no options.
    options : tuple of (str, value)
        The options as :func:`parse_stage_spec` returns them.
    max_work_side : int, default DEFAULT_MAX_WORK_SIDE
        The largest pixel side allowed to an option marked ``side`` (the server's ``max_work_side``).

    Raises
    ------
    ApiError
        400 ``invalid_parameter``: an option not open to clients (the detail lists those that are), a value of the
        wrong type, or one outside ``[minimum, maximum]`` (a side: ``[minimum, min(maximum, max_work_side)]``).
    """
    allowed = STAGE_OPTIONS.get(field, {}).get(backend.strip().lower(), {})
    spec_text = f"{backend}:" + ",".join(f"{k}={v}" for k, v in options)
    for key, value in options:
        opt = allowed.get(key)
        if opt is None:
            open_ = ", ".join(sorted(allowed)) or "none"
            raise ApiError(
                400, "invalid_parameter", f"Invalid value for parameter '{field}'", f"{field}: option '{key}' of {backend} is not open to clients (those that are: {open_}), got {spec_text!r}"
            )
        high = opt.maximum
        if opt.side and high is not None:
            high = min(high, max_work_side)
        where = f"an integer in [{opt.minimum:g}, {high:g}]" if opt.type == "integer" else f"a number in [{opt.minimum:g}, {high:g}]" if opt.type == "number" else "true or false"
        if opt.nullable:
            where += " or none"
        if opt.side:
            where += " (pixels; this server's max_work_side is " + f"{max_work_side})"
        if value is None:
            if opt.nullable:
                continue
            raise ApiError(400, "invalid_parameter", f"Invalid value for parameter '{field}'", f"{field}: {backend} option '{key}' must be {where}, got none")
        if opt.type == "boolean":
            ok = isinstance(value, bool)
        elif opt.type == "integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok and opt.type != "boolean":
            ok = (opt.minimum is None or value >= opt.minimum) and (high is None or value <= high)
        if not ok:
            raise ApiError(400, "invalid_parameter", f"Invalid value for parameter '{field}'", f"{field}: {backend} option '{key}' must be {where}, got {value!r}")


def parse_options(kind: str, fields: Mapping[str, str], *, presets: Any = None, max_work_side: int = DEFAULT_MAX_WORK_SIDE) -> JobOptions:
    """Check the options of one request (form fields or query parameters, as strings).

    Parameters
    ----------
    kind : {"cutout", "composite"}
    fields : mapping of str to str
        The request's option fields (not its files).
    presets : container of str, optional
        The pipeline presets a client may ask for.
    max_work_side : int, default DEFAULT_MAX_WORK_SIDE
        The largest pixel side a stage option may ask for (:func:`check_stage_options`).

    Returns
    -------
    JobOptions
        The options, checked, with the defaults filled in (format ``png``, quality 95, depth 8 …).

    Raises
    ------
    ApiError
        400 ``invalid_parameter`` for an unknown option or a bad value, naming it (a stage option out of its
        range names the range), or a value for an option the other endpoint takes (``background`` on a cut-out).
    """
    unknown = sorted(set(fields) - OPTION_NAMES)
    if unknown:
        takes = sorted(spec.name for spec in OPTIONS if kind in spec.kinds)
        raise ApiError(400, "invalid_parameter", f"Unknown parameter '{unknown[0]}'", f"this endpoint takes: {', '.join(takes)}")
    for spec in OPTIONS:
        if kind not in spec.kinds and fields.get(spec.name):
            reasons = {"background": "a cut-out is transparent (use /v1/composite)", "place": "a cut-out stays in the photo's frame"}
            reason = reasons.get(spec.name, "a cut-out has no background or finishing stages (use /v1/composite)")
            raise _invalid(spec.name, f"no value: {reason}", fields[spec.name])
    get = fields.get
    preset = get("preset") or None
    if preset is not None and presets is not None and preset not in presets:
        raise _invalid("preset", f"one of {sorted(presets)}", preset)
    stages: list[tuple[str, str, tuple[tuple[str, Any], ...]]] = []
    for field_name, stage in _STAGE_FIELDS.items():
        text = get(field_name)
        if text:
            backend, opts = parse_stage_spec(field_name, text)
            check_stage_options(field_name, backend, opts, max_work_side)
            stages.append((stage, backend, opts))
    fmt = (get("format") or "png").lower().replace("jpeg", "jpg").replace("tiff", "tif")
    if fmt not in _FORMATS[kind]:
        raise _invalid("format", f"one of {', '.join(_FORMATS[kind])}", fmt)
    quality = int(_number("quality", get("quality") or "95", 1, 100))
    depth_text = get("depth") or "8"
    if depth_text not in ("8", "16"):
        raise _invalid("depth", "8 or 16", depth_text)
    depth = int(depth_text)
    if depth == 16 and fmt not in ("png", "tif"):
        raise _invalid("depth", "8 for this format (16 needs png or tif)", depth_text)
    input_alpha = get("input_alpha") or "cutout"
    if input_alpha not in ("cutout", "hint", "ignore"):
        raise _invalid("input_alpha", "cutout, hint or ignore", input_alpha)
    only_mask = parse_bool("only_mask", get("only_mask") or "false")
    background = get("background") or "white"
    fit = get("fit") or None
    if fit is not None and fit not in _FITS:
        raise _invalid("fit", f"one of {', '.join(_FITS)}", fit)
    light: tuple[float, float] | None = None
    if get("light"):
        parts = (get("light") or "").split(",")
        if len(parts) != 2:
            raise _invalid("light", "AZIMUTH,ELEVATION in degrees", get("light"))
        light = (_number("light", parts[0], -360, 360), _number("light", parts[1], 5, 89))
    off: list[tuple[str, Any]] = []
    for flag, step, value in (("no_grain", "grain", False), ("no_sharpen", "sharpness", False), ("no_light_wrap", "light_wrap", 0.0)):
        if parse_bool(flag, get(flag) or "false"):
            off.append((step, value))
    place: tuple[Any, ...] | None = None
    if kind == "composite" and (get("place") or get("horizon") or get("visible_height")):
        from ..errors import StudiocompError
        from ..placement import Placement

        try:
            base = Placement.parse(get("place") or "auto")
        except StudiocompError as exc:
            raise _invalid("place", "auto or X,Y[,H] in pixels", f"{get('place')} ({exc})") from None
        horizon = _number("horizon", get("horizon") or "nan") if get("horizon") else None
        place = (
            base.feet,
            base.height,
            horizon,
            _number("subject_height", get("subject_height") or "1.7", 0.1, 5),
            _number("camera_height", get("camera_height") or "1.5", 0.05, 50),
            _number("visible_height", get("visible_height") or "nan", 0.05, 5) if get("visible_height") else None,
        )
    if kind == "composite" and fit == "none" and place is None:  # as the CLI's --fit none without --place
        raise _invalid(
            "fit",
            "cover, contain or stretch without 'place': fit=none keeps the background's own size, so the subject must be laid into it (add place=auto or place=X,Y)",
            fit,
        )
    return JobOptions(
        kind=kind,
        preset=preset,
        stages=tuple(stages),
        background=background,
        fit=fit,
        place=place,
        light=light,
        compositor_off=tuple(off),
        format=fmt,
        quality=quality,
        depth=depth,
        only_mask=only_mask,
        input_alpha=input_alpha,
    )
