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

__all__ = ["JobOptions", "parse_options", "parse_stage_spec", "OPTION_NAMES"]

_STAGE_FIELDS = {"segmenter": "segmenter", "matter": "matter", "relighter": "relighter", "shadow": "shadow_caster", "compositor": "compositor"}
_FORMATS = {"cutout": ("png", "webp", "tif"), "composite": ("png", "jpg", "tif", "webp")}
_FITS = ("cover", "contain", "stretch", "none")

OPTION_NAMES = frozenset(
    {
        "preset",
        "background",
        "fit",
        "place",
        "horizon",
        "subject_height",
        "camera_height",
        "light",
        "no_grain",
        "no_sharpen",
        "no_light_wrap",
        "format",
        "quality",
        "depth",
        "only_mask",
        "input_alpha",
        *_STAGE_FIELDS,
    }
)
"""Every option name the two endpoints take (others are a 400, so a typo never passes silently)."""


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
        ``(feet, height, horizon, subject_height, camera_height)`` for :class:`~studiocomp.Placement`, or ``None``.
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


def parse_options(kind: str, fields: Mapping[str, str], *, presets: Any = None) -> JobOptions:
    """Check the options of one request (form fields or query parameters, as strings).

    Parameters
    ----------
    kind : {"cutout", "composite"}
    fields : mapping of str to str
        The request's option fields (not its files).
    presets : container of str, optional
        The pipeline presets a client may ask for.

    Returns
    -------
    JobOptions
        The options, checked, with the defaults filled in (format ``png``, quality 95, depth 8 …).

    Raises
    ------
    ApiError
        400 ``invalid_parameter`` for an unknown option or a bad value, naming it.
    """
    unknown = sorted(set(fields) - OPTION_NAMES)
    if unknown:
        raise ApiError(400, "invalid_parameter", f"Unknown parameter '{unknown[0]}'", f"this endpoint takes: {', '.join(sorted(OPTION_NAMES))}")
    get = fields.get
    preset = get("preset") or None
    if preset is not None and presets is not None and preset not in presets:
        raise _invalid("preset", f"one of {sorted(presets)}", preset)
    stages: list[tuple[str, str, tuple[tuple[str, Any], ...]]] = []
    for field_name, stage in _STAGE_FIELDS.items():
        text = get(field_name)
        if text:
            if kind == "cutout" and stage not in ("segmenter", "matter"):
                raise _invalid(field_name, "no value: a cut-out has no finishing stages", text)
            backend, opts = parse_stage_spec(field_name, text)
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
    if kind == "cutout" and get("background"):
        raise _invalid("background", "no value: a cut-out is transparent (use /v1/composite)", background)
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
    if kind == "composite" and (get("place") or get("horizon")):
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
        )
    elif kind == "cutout" and get("place"):
        raise _invalid("place", "no value: a cut-out stays in the photo's frame", get("place"))
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
