"""The OpenAPI description of the routes, generated from where their options and errors are defined.

The routes read their requests themselves (raw bodies, forms and JSON alike), so FastAPI cannot see what
they take; these functions give it, as FastAPI's documented ``openapi_extra`` and ``responses`` route
arguments: the options from :data:`studiocomp.serve.options.OPTIONS` and
:data:`~studiocomp.serve.options.STAGE_OPTIONS`, remove.bg's fields from :mod:`studiocomp.serve.removebg`,
the error codes from :data:`studiocomp.serve.errors.ERROR_CODES`. Nothing here is a second list to keep
in step by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import ERROR_CODES, ERROR_SCHEMA
from .options import OPTIONS, STAGE_OPTIONS, OptionSpec, option_enum

__all__ = ["option_operation", "removebg_operation", "error_responses", "image_response", "stage_options_text", "ANSWER_HEADERS"]

_BINARY = {"type": "string", "format": "binary"}
_MEDIA = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "tif": "image/tiff"}
_RAW_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/tiff", "image/gif", "image/bmp", "application/octet-stream")
_STATUS_TEXT = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Method not allowed", 413: "Payload too large", 500: "Internal server error", 503: "Server busy", 504: "Timed out"}


def _schema(spec: OptionSpec, kind: str, presets: Iterable[str] | None) -> dict[str, Any]:
    """The JSON schema of one option's value on endpoint ``kind``."""
    out: dict[str, Any] = {"type": spec.type}
    enum = option_enum(spec, kind, presets)
    if enum is not None:
        out["enum"] = list(enum)
    if spec.default is not None:
        out["default"] = spec.default
    if spec.minimum is not None:
        out["minimum"] = spec.minimum
    if spec.maximum is not None:
        out["maximum"] = spec.maximum
    if spec.pattern is not None:
        out["pattern"] = spec.pattern
    out["description"] = spec.help
    return out


def stage_options_text(field: str, max_work_side: int) -> str:
    """The backends a stage field takes and the options open to clients, with their ranges, as one line of text.

    Parameters
    ----------
    field : str
        ``segmenter``, ``matter``, ``relighter``, ``shadow`` or ``compositor``.
    max_work_side : int
        The server's cap on pixel sides (``ServeSettings.max_work_side``), applied to the ranges shown.

    Returns
    -------
    str
        ``"backdrop (working_size: integer 64–1024, ...); ..."``.
    """
    parts = []
    for backend, opts in STAGE_OPTIONS[field].items():
        items = []
        for name, opt in opts.items():
            if opt.type == "boolean":
                items.append(f"{name}: true/false")
                continue
            high = opt.maximum if not opt.side or opt.maximum is None else min(opt.maximum, max_work_side)
            items.append(f"{name}: {opt.type} {opt.minimum:g}–{high:g}{' or none' if opt.nullable else ''}")
        parts.append(f"{backend} ({', '.join(items) or 'no options'})")
    return "; ".join(parts)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for these error statuses: the JSON error body and the codes each status answers with.

    Parameters
    ----------
    *statuses : int
        HTTP statuses (400, 403, 404 …), each listed in :data:`~studiocomp.serve.errors.ERROR_CODES`.

    Returns
    -------
    dict of int to dict
        One OpenAPI response object per status: ``application/json`` with
        :data:`~studiocomp.serve.errors.ERROR_SCHEMA`, its description naming the codes.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        codes = sorted(code for code, (sts, _) in ERROR_CODES.items() if status in sts)
        schema = {**ERROR_SCHEMA, "example": {"errors": [{"title": _STATUS_TEXT.get(status, "Error"), "code": codes[0] if codes else "bad_request"}]}}
        out[status] = {"description": f"{_STATUS_TEXT.get(status, 'Error')}: code one of {', '.join(codes)} (docs/serve.md, Errors)", "content": {"application/json": {"schema": schema}}}
    return out


def image_response(formats: Iterable[str], what: str, headers: dict[str, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """The 200 answer of an image route: one binary content per format, and its headers.

    Parameters
    ----------
    formats : iterable of str
        ``png``, ``jpg``, ``webp``, ``tif`` (or a media type, used as it is).
    what : str
        The description.
    headers : dict of str to str, optional
        Response header names and their descriptions.

    Returns
    -------
    dict
        ``{200: {"description", "content", "headers"}}`` for ``responses=``.
    """
    content = {_MEDIA.get(f, f): {"schema": _BINARY} for f in formats}
    out: dict[str, Any] = {"description": what, "content": content}
    if headers:
        out["headers"] = {name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()}
    return {200: out}


ANSWER_HEADERS: dict[str, str] = {
    "X-Width": "output width in pixels",
    "X-Height": "output height in pixels",
    "X-Uncertain": "true when a person should look at the result",
    "X-Warnings": "the warning codes, comma-separated",
    "X-Warning-Messages": 'a JSON list of {"code", "message", "uncertain"} (ASCII, \\u escapes)',
    "X-Timings": "seconds spent, name=seconds;...: receive, queue, decode_background, load (decoding the photo), each stage, encode, other, total (docs/serve.md)",
    "X-Request-Id": "the request's id (as sent in X-Request-Id, or made up)",
}
"""The headers of an image answer of ``/v1/cutout`` and ``/v1/composite``, by name, with what they hold."""


def option_operation(kind: str, presets: Iterable[str] | None, max_work_side: int) -> dict[str, Any]:
    """``openapi_extra`` for ``POST /v1/cutout`` (``kind`` ``cutout``) or ``/v1/composite``: parameters and request body.

    The options go in the query string with a raw image body (any image type), or as form fields beside the
    file ``image`` (multipart/form-data; ``background_file`` on a composite); a JSON object of options with the
    image in the query is not offered here (it has no image).

    Parameters
    ----------
    kind : {"cutout", "composite"}
    presets : iterable of str or None
        The pipeline presets a client may name (the ``preset`` option's enum); ``None``: no enum.
    max_work_side : int
        The server's cap on stage options' pixel sides, shown in the stage options' descriptions.

    Returns
    -------
    dict
        ``{"parameters": [...], "requestBody": {...}}``, every option of :data:`~studiocomp.serve.options.OPTIONS`
        this endpoint takes once in each (query parameter, form property).
    """
    presets = sorted(presets) if presets is not None else None
    params, props = [], {}
    for spec in OPTIONS:
        if kind not in spec.kinds:
            continue
        schema = _schema(spec, kind, presets)
        if spec.name in STAGE_OPTIONS:
            schema["description"] += ". Backends and their options: " + stage_options_text(spec.name, max_work_side)
        params.append({"name": spec.name, "in": "query", "required": False, "schema": schema, "description": schema["description"]})
        props[spec.name] = schema
    props["image"] = {**_BINARY, "description": "the photo (JPEG, PNG, WebP, TIFF, GIF, BMP)"}
    encoding = {"image": {"contentType": "image/*"}}
    if kind == "composite":
        props["background_file"] = {**_BINARY, "description": "a background image (instead of the background option)"}
        encoding["background_file"] = {"contentType": "image/*"}
    raw = {media: {"schema": {**_BINARY, "description": "the photo file itself; options in the query string"}} for media in _RAW_IMAGE_TYPES}
    body = {
        "required": True,
        "description": "the photo as the raw body (options in the query string) or as the multipart field 'image' (options as form fields)",
        "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["image"], "properties": props}, "encoding": encoding}, **raw},
    }
    return {"parameters": params, "requestBody": body}


def removebg_operation() -> dict[str, Any]:
    """``openapi_extra`` for ``POST /v1.0/removebg``: remove.bg's fields, as multipart, url-encoded form or JSON.

    Returns
    -------
    dict
        ``{"requestBody": {...}}`` with one property per field of :data:`studiocomp.serve.removebg.FIELDS` (files as
        binary in multipart only), enums from the values the endpoint checks.
    """
    from .removebg import FIELD_SCHEMAS

    text_props = {name: dict(schema) for name, schema in FIELD_SCHEMAS.items() if schema.get("format") != "binary"}
    multipart = {name: dict(schema) for name, schema in FIELD_SCHEMAS.items()}
    return {
        "requestBody": {
            "required": True,
            "description": "remove.bg's request: the image as image_file (multipart) or image_file_b64 (any content type)",
            "content": {
                "multipart/form-data": {"schema": {"type": "object", "properties": multipart}},
                "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": text_props}},
                "application/json": {"schema": {"type": "object", "properties": text_props}},
            },
        }
    }

