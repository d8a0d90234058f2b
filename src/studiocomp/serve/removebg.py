"""``POST /v1.0/removebg``: the remove.bg API, as far as a local cut-out can honour it.

Request fields and answers follow remove.bg's API reference (https://www.remove.bg/api, its OpenAPI
description ``BackgroundRemovalApi.removebgPost``): the source in ``image_file`` (multipart),
``image_file_b64`` (form or JSON); ``size``, ``type``, ``type_level``, ``format``, ``roi``, ``crop``,
``crop_margin``, ``scale``, ``position``, ``channels``, ``add_shadow``, ``semitransparency``,
``bg_color``, ``bg_image_file``. The answer is the image with ``X-Width``, ``X-Height``, ``X-Type``,
``X-Credits-Charged`` and ``X-Foreground-Top/Left/Width/Height``, or with ``Accept: application/json``
``{"data": {"result_b64", "foreground_top", "foreground_left", "foreground_width", "foreground_height"}}``;
errors are ``{"errors": [{"title", "code", "detail"}]}``.

What differs (docs/serve.md has the table): ``image_url`` and ``bg_image_url`` are refused (the server
never fetches a URL for a client); ``scale`` and ``position`` other than ``original`` are refused;
``add_shadow`` is accepted and ignored; ``X-Type`` is the ``type`` sent, or ``other`` for ``auto``
(studiocomp does not classify the foreground); nothing is charged (``X-Credits-Charged: 0``).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import StudiocompError
from .errors import ApiError, from_library_error
from .jobs import Output, Worker, check_pixels, decode_background, warning_headers
from .options import parse_bool

__all__ = ["RemoveBgRequest", "parse_removebg", "run_removebg", "FIELDS", "FIELD_SCHEMAS"]

#: output size caps in megapixels (remove.bg: preview 0.25 MP; medium 1.5; hd 4; full/4k/auto/50MP the original)
_SIZES: dict[str, float | None] = {"preview": 0.25, "small": 0.25, "regular": 0.25, "medium": 1.5, "hd": 4.0, "full": None, "4k": None, "auto": None, "50mp": None}
_TYPES = ("auto", "person", "product", "animal", "car", "graphic", "transportation", "other")
_FORMATS = ("auto", "png", "jpg", "jpeg", "zip", "webp")
_MARGIN = re.compile(r"^\d{1,5}(%|px)?([ ,]\d{1,5}(%|px)?){0,3}$")
_ROI = re.compile(r"^(\d{1,5})(%|px)?[ ,](\d{1,5})(%|px)?[ ,](\d{1,5})(%|px)?[ ,](\d{1,5})(%|px)?$")

_BOOL = {"type": "boolean"}
FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "image_file": {"type": "string", "format": "binary", "description": "the photo (multipart only)"},
    "image_file_b64": {"type": "string", "format": "byte", "description": "the photo file, base64 (a data: URL prefix is allowed)"},
    "image_url": {"type": "string", "description": "refused (400 url_not_supported): this server never fetches a URL"},
    "size": {"type": "string", "enum": list(_SIZES), "default": "preview", "description": "output size cap (any case): preview/small/regular 0.25 MP, medium 1.5, hd 4, else the original"},
    "type": {"type": "string", "enum": list(_TYPES), "default": "auto", "description": "echoed in X-Type; not used to choose a model"},
    "type_level": {"type": "string", "enum": ["none", "1", "2", "latest"], "default": "1", "description": "none leaves X-Type out"},
    "format": {"type": "string", "enum": list(_FORMATS), "default": "auto", "description": "auto: PNG when transparent, else JPEG; zip holds color.jpg and alpha.png"},
    "roi": {"type": "string", "pattern": _ROI.pattern, "description": "'x1 y1 x2 y2' in px or %: nothing outside is foreground"},
    "crop": {**_BOOL, "default": False, "description": "crop to the subject"},
    "crop_margin": {"type": "string", "pattern": _MARGIN.pattern, "description": "1, 2 or 4 values in px (≤ 500) or % (≤ 50)"},
    "scale": {"type": "string", "enum": ["original"], "default": "original", "description": "only original (else 400 invalid_scale)"},
    "position": {"type": "string", "enum": ["original"], "default": "original", "description": "only original (else 400 invalid_position)"},
    "channels": {"type": "string", "enum": ["rgba", "alpha"], "default": "rgba", "description": "the cut-out, or the matte alone"},
    "add_shadow": {**_BOOL, "default": False, "description": "accepted and ignored"},
    "semitransparency": {**_BOOL, "default": True, "description": "accepted and ignored (alpha is always fractional)"},
    "bg_color": {"type": "string", "description": "hex (81d4fa, fff, 81d4fa77, with or without #) or a colour name"},
    "bg_image_url": {"type": "string", "description": "refused (400 url_not_supported)"},
    "bg_image_file": {"type": "string", "format": "binary", "description": "a background image (multipart only), fitted with cover"},
    "shadow_type": {"type": "string", "description": "accepted and ignored"},
    "shadow_opacity": {"type": "integer", "description": "accepted and ignored"},
}
"""remove.bg's request fields, each with its JSON schema (what the OpenAPI schema shows; the values are the ones
:func:`parse_removebg` checks)."""

FIELDS = frozenset(FIELD_SCHEMAS)
"""The request fields remove.bg documents (unknown fields are ignored, as remove.bg does)."""


@dataclass(frozen=True)
class RemoveBgRequest:
    """A checked remove.bg request.

    ``megapixels`` caps the output (``None``: the original size); ``margin`` is (top, right, bottom, left)
    as (value, is_percent); ``roi`` is ((x0, %?), (y0, %?), (x1, %?), (y1, %?)); ``bg_color`` RGBA in 0–255.

    Attributes
    ----------
    image : bytes
        The source image file's bytes (from ``image_file`` or decoded ``image_file_b64``).
    megapixels : float or None
        The most megapixels (10⁶ pixels) of the output: the image is scaled down to fit; ``None`` keeps its size.
    type : str
        ``auto``, ``person``, ``product``, ``animal``, ``car``, ``graphic``, ``transportation`` or ``other``
        (only echoed in ``X-Type``).
    type_level : str
        ``none`` (no ``X-Type`` header), ``1``, ``2`` or ``latest``.
    format : str
        ``auto`` (PNG when the result has transparency, JPEG otherwise), ``png``, ``jpg``, ``jpeg``, ``webp`` or ``zip``.
    roi : tuple of 4 (int, bool) or None
        The region of interest ``x0, y0, x1, y1`` (inclusive), each a value in pixels or, when its flag is true,
        in percent of the width/height; nothing outside it is foreground. ``None``: the whole image.
    crop : bool
        Crop the result to the subject's bounding box (then add ``margin``).
    margin : tuple of 4 (int, bool)
        The crop's margin (top, right, bottom, left), each in pixels (≤ 500) or, when its flag is true, percent
        (≤ 50) of the cropped height (top, bottom) or width (right, left).
    channels : str
        ``rgba`` (the cut-out) or ``alpha`` (the matte alone, as a grey image).
    bg_color : tuple of 4 int or None
        A background colour, RGBA in 0–255 (``None``: transparent).
    bg_image : bytes or None
        An uploaded background image file's bytes (``None``: none).
    """

    image: bytes
    megapixels: float | None = None
    type: str = "auto"
    type_level: str = "1"
    format: str = "auto"
    roi: tuple[tuple[int, bool], ...] | None = None
    crop: bool = False
    margin: tuple[tuple[int, bool], ...] = ((0, False),) * 4
    channels: str = "rgba"
    bg_color: tuple[int, int, int, int] | None = None
    bg_image: bytes | None = None


def _bad(field: str, got: Any, expected: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(400, code, f"Invalid value for parameter '{field}'", f"{field}: expected {expected}, got {str(got)[:100]!r}")


def parse_color(text: str) -> tuple[int, int, int, int]:
    """remove.bg's ``bg_color``: hex ``81d4fa``, ``fff``, with alpha ``81d4fa77``, with or without ``#``, or a colour name (``green``)."""
    from PIL import ImageColor

    value = text.strip()
    hexpart = value.lstrip("#")
    if re.fullmatch(r"[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8}", hexpart):
        if len(hexpart) <= 4:
            hexpart = "".join(c * 2 for c in hexpart)
        rgba = [int(hexpart[i : i + 2], 16) for i in range(0, len(hexpart), 2)]
        return (rgba[0], rgba[1], rgba[2], rgba[3] if len(rgba) == 4 else 255)
    try:
        r, g, b = ImageColor.getrgb(value)[:3]
    except ValueError:
        raise _bad("bg_color", text, "a hex colour (81d4fa, fff, 81d4fa77) or a colour name (green)") from None
    return (r, g, b, 255)


def _parse_margin(text: str) -> tuple[tuple[int, bool], ...]:
    if not _MARGIN.match(text.strip()):
        raise _bad("crop_margin", text, "1, 2 or 4 values in px or % (e.g. 30px, 10%, '10px 20px')")
    vals = [(int(m.group(1)), m.group(2) == "%") for m in re.finditer(r"(\d+)(%|px)?", text)]
    for v, pct in vals:
        if (pct and v > 50) or (not pct and v > 500):
            raise _bad("crop_margin", text, "at most 50% or 500px per side")
    if len(vals) == 1:
        return (vals[0],) * 4
    if len(vals) == 2:
        return (vals[0], vals[1], vals[0], vals[1])
    if len(vals) == 4:
        return tuple(vals)
    raise _bad("crop_margin", text, "1, 2 or 4 values")


def _decode_b64(text: str) -> bytes:
    text = re.sub(r"^data:[\w/+.-]+;base64,", "", text.strip())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid_image_file_b64", "image_file_b64 is not valid base64", "send the image file's bytes base64-encoded (a data: URL prefix is allowed)") from None


def parse_removebg(fields: Mapping[str, Any], files: Mapping[str, bytes]) -> RemoveBgRequest:
    """Check a remove.bg request: its text fields (form or JSON) and uploaded files; raises :class:`ApiError` (400).

    Codes are remove.bg's where it has one (``missing_source``, ``multiple_sources``, ``invalid_size``,
    ``invalid_channels``, ``invalid_format``, ``invalid_roi``, ``multiple_bg_sources``, ``invalid_scale``,
    ``invalid_position``), ``invalid_image_file_b64`` for base64 that does not decode,
    ``url_not_supported`` for ``image_url`` / ``bg_image_url``, and ``invalid_parameter`` for the rest
    (``type``, ``type_level``, ``crop``, ``add_shadow``, ``semitransparency``, ``crop_margin``, ``bg_color``).

    Parameters
    ----------
    fields : mapping of str to Any
        The request's fields (form values as str, JSON values as they came; a bool reads as ``true``/``false``);
        unknown ones are ignored.
    files : mapping of str to bytes
        The uploaded files by field name: ``image_file`` and ``bg_image_file`` are read.

    Returns
    -------
    RemoveBgRequest
        The request, checked; ``size`` defaults to ``preview`` (0.25 megapixels), as remove.bg's does.

    Raises
    ------
    ApiError
        400 with one of the codes above, naming the field.
    """

    def text(name: str, default: str = "") -> str:
        value = fields.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    if text("image_url") or text("bg_image_url"):
        which = "image_url" if text("image_url") else "bg_image_url"
        raise ApiError(
            400,
            "url_not_supported",
            f"{which} is not supported: this server never downloads a URL for a client",
            f"send the image itself: {'image_file (multipart) or image_file_b64' if which == 'image_url' else 'bg_image_file (multipart) or bg_color'}",
        )
    sources = [s for s in ("image_file", "image_file_b64") if (s in files if s == "image_file" else bool(text(s)))]
    if len(sources) > 1:
        raise ApiError(400, "multiple_sources", "Multiple image sources given: Please provide either the image_file or image_file_b64 parameter.")
    if not sources:
        raise ApiError(400, "missing_source", "No image given", "Please provide the source image in the image_file or image_file_b64 parameter.")
    image = files["image_file"] if sources[0] == "image_file" else _decode_b64(text("image_file_b64"))
    size = text("size", "preview").lower()  # remove.bg's default is preview
    if size not in _SIZES:
        raise _bad("size", size, "preview, small, regular, medium, hd, full, 4k, 50MP or auto", "invalid_size")
    kind = text("type", "auto").lower()
    if kind not in _TYPES:
        raise _bad("type", kind, ", ".join(_TYPES))
    type_level = text("type_level", "1").lower()
    if type_level not in ("none", "1", "2", "latest"):
        raise _bad("type_level", type_level, "none, 1, 2 or latest")
    fmt = text("format", "auto").lower()
    if fmt not in _FORMATS:
        raise _bad("format", fmt, "auto, png, jpg, zip or webp", "invalid_format")
    channels = text("channels", "rgba").lower()
    if channels not in ("rgba", "alpha"):
        raise _bad("channels", channels, "rgba or alpha", "invalid_channels")
    roi = None
    if text("roi"):
        m = _ROI.match(text("roi").strip())
        if not m:
            raise _bad("roi", text("roi"), "'x1 y1 x2 y2' in px or % (e.g. '0% 0% 100% 100%')", "invalid_roi")
        roi = tuple((int(m.group(i)), m.group(i + 1) == "%") for i in (1, 3, 5, 7))
        if any(pct and v > 100 for v, pct in roi):
            raise _bad("roi", text("roi"), "percentages up to 100%", "invalid_roi")
    for name in ("scale", "position"):
        if text(name, "original").lower() != "original":
            raise ApiError(400, f"invalid_{name}", f"'{name}' is not supported by this server", f"{name}: only 'original' (the subject stays where it is in the photo)")
    try:
        crop = parse_bool("crop", text("crop", "false"))
        parse_bool("add_shadow", text("add_shadow", "false"))
        parse_bool("semitransparency", text("semitransparency", "true"))
    except ApiError as exc:
        exc.code = "invalid_parameter"
        raise
    margin = _parse_margin(text("crop_margin")) if text("crop_margin") else ((0, False),) * 4
    bg_color = parse_color(text("bg_color")) if text("bg_color") else None
    if bg_color is not None and bg_color[3] == 0:
        bg_color = None
    bg_image = files.get("bg_image_file")
    if bg_image is not None and bg_color is not None:
        raise ApiError(400, "multiple_bg_sources", "Multiple background sources given: Please provide either the bg_color or the bg_image_file parameter.")
    return RemoveBgRequest(
        image=image,
        megapixels=_SIZES[size],
        type=kind,
        type_level=type_level,
        format=fmt,
        roi=roi,
        crop=crop,
        margin=margin,
        channels=channels,
        bg_color=bg_color,
        bg_image=bg_image,
    )


def _bbox(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, left, height, width) of the pixels with alpha > 0, or None."""
    rows = np.flatnonzero(alpha.max(axis=1) > 0)
    if rows.size == 0:
        return None
    cols = np.flatnonzero(alpha.max(axis=0) > 0)
    return int(rows[0]), int(cols[0]), int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def run_removebg(worker: Worker, req: RemoveBgRequest, want_json: bool) -> Output:
    """Cut out, apply roi / background / crop / channels / size, encode as remove.bg answers. Runs on a worker thread.

    Parameters
    ----------
    worker : Worker
        The calling thread's worker: its default cut-out pipeline is used, and its settings' ``max_pixels``.
    req : RemoveBgRequest
        The checked request.
    want_json : bool
        Answer ``{"data": {"result_b64", "foreground_top", "foreground_left", "foreground_width",
        "foreground_height"}}`` (the client sent ``Accept: application/json``) instead of the image itself.

    Returns
    -------
    Output
        The image (PNG, JPEG, WebP, or a ZIP of ``color.jpg`` and ``alpha.png``) or the JSON, with ``X-Width`` and
        ``X-Height`` (pixels), ``X-Credits-Charged`` (0), ``X-Foreground-Top/Left/Width/Height`` (pixels, in the
        output), ``X-Uncertain``, ``X-Warnings``, ``X-Warning-Messages`` (:func:`studiocomp.serve.jobs.warning_headers`) and, unless ``type_level`` is ``none``, ``X-Type``.

    Raises
    ------
    ApiError
        400: ``too_many_pixels`` or the loader's code for an image or background it refuses, ``roi_exceeds_bounds``
        or ``roi_region_empty`` for a roi outside the (resized) image or empty, and ``unknown_foreground`` when nothing was found.
    """
    import cv2

    from ..image import as_image, encode_alpha, encode_image

    max_pixels = worker.settings.max_pixels
    check_pixels(req.image, max_pixels)
    try:
        image = as_image(req.image, max_pixels=max_pixels)
    except StudiocompError as exc:
        raise from_library_error(exc) from None
    h, w = image.shape[:2]
    if req.megapixels is not None and h * w > req.megapixels * 1e6:  # remove.bg's size caps the result's resolution
        s = (req.megapixels * 1e6 / (h * w)) ** 0.5
        image = np.ascontiguousarray(cv2.resize(image, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA))
        h, w = image.shape[:2]
    try:
        result = worker.pipeline(worker.default_cutout)(image, background="white", input_alpha="ignore")
    except StudiocompError as exc:
        raise from_library_error(exc) from None
    alpha = result.alpha.copy()
    if req.roi is not None:  # nothing outside the region of interest is foreground
        (x0, px0), (y0, py0), (x1, px1), (y1, py1) = req.roi
        cx = [round(v / 100 * (w - 1)) if pct else v for v, pct in ((x0, px0), (x1, px1))]
        cy = [round(v / 100 * (h - 1)) if pct else v for v, pct in ((y0, py0), (y1, py1))]
        if cx[0] > w - 1 or cx[1] > w - 1 or cy[0] > h - 1 or cy[1] > h - 1:
            raise ApiError(400, "roi_exceeds_bounds", "ROI exceeds image bounds", "The given roi parameter defines a region that exceeds the image bounds")
        if cx[0] >= cx[1] or cy[0] >= cy[1]:
            raise ApiError(400, "roi_region_empty", "ROI region is empty", "The given roi parameter defines an empty region")
        keep = np.zeros_like(alpha)
        keep[cy[0] : cy[1] + 1, cx[0] : cx[1] + 1] = 1
        alpha *= keep
    box = _bbox(alpha)
    if box is None or float(alpha.max()) < 0.5:
        raise ApiError(400, "unknown_foreground", "Could not identify foreground in image.", "studiocomp found no subject in this image (its mask is empty).")
    colour = result.foreground
    opaque = req.bg_color is not None and req.bg_color[3] == 255 or req.bg_image is not None
    if req.bg_image is not None:  # laid on the uploaded background, fitted like remove.bg (cover), in linear light
        bg = decode_background(req.bg_image, max_pixels)
        colour = _over(colour, alpha, bg, w, h)
        out_alpha = np.ones_like(alpha)
    elif req.bg_color is not None:
        r, g, b, a = req.bg_color
        bg_rgb = np.array([r, g, b], np.float32) / 255
        if a == 255:
            colour = (colour * alpha[..., None] + bg_rgb * (1 - alpha[..., None])).astype(np.float32)
            out_alpha = np.ones_like(alpha)
        else:  # a see-through colour: "over" in straight colours
            ba = a / 255
            out_alpha = alpha + ba * (1 - alpha)
            safe = np.maximum(out_alpha, 1e-6)[..., None]
            colour = ((colour * alpha[..., None] + bg_rgb * ba * (1 - alpha[..., None])) / safe).astype(np.float32)
    else:
        out_alpha = alpha
    top, left, fh, fw = box
    if req.crop:  # cut to the subject, then the margin (pixels, or % of the cropped size), padded with the background
        (mt, pt), (mr, pr), (mb, pb), (ml, pl) = req.margin
        m = [round(v / 100 * (fh if i % 2 == 0 else fw)) if pct else v for i, (v, pct) in enumerate(((mt, pt), (mr, pr), (mb, pb), (ml, pl)))]
        colour = colour[top : top + fh, left : left + fw]
        out_alpha = out_alpha[top : top + fh, left : left + fw]
        alpha = alpha[top : top + fh, left : left + fw]
        if any(m):
            pad = ((m[0], m[2]), (m[3], m[1]))
            if req.bg_color is not None and req.bg_color[3] == 255:  # the margin shows the background colour
                colour = np.stack([np.pad(colour[..., c], pad, constant_values=req.bg_color[c] / 255) for c in range(3)], axis=2)
            else:
                colour = np.pad(colour, pad + ((0, 0),), mode="edge")
            out_alpha = np.pad(out_alpha, pad, constant_values=1.0 if opaque else 0.0)
            alpha = np.pad(alpha, pad, constant_values=0.0)
        top, left = m[0], m[3]
    oh, ow = out_alpha.shape
    fmt = req.format.replace("jpeg", "jpg")
    transparent = bool(out_alpha.min() < 1.0)
    if req.channels == "alpha":
        body_fmt = "jpg" if fmt == "jpg" else "png"
        body = encode_image(np.repeat(alpha[..., None], 3, axis=2), format="jpg") if body_fmt == "jpg" else encode_alpha(alpha, bit_depth=8)
    elif fmt == "zip":  # remove.bg's ZIP: color.jpg (the colours) and alpha.png (the matte)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("color.jpg", encode_image(_hidden_filled(colour, out_alpha), format="jpg", quality=95))
            z.writestr("alpha.png", encode_alpha(out_alpha, bit_depth=8))
        body, body_fmt = buf.getvalue(), "zip"
    else:
        body_fmt = ("png" if transparent else "jpg") if fmt == "auto" else fmt
        if body_fmt == "jpg":
            flat = colour * out_alpha[..., None] + (1 - out_alpha[..., None])  # JPEG has no alpha: over white
            body = encode_image(flat.astype(np.float32), format="jpg", quality=95)
        else:
            body = encode_image(colour, out_alpha, format=body_fmt)
    headers = {
        "X-Width": str(ow),
        "X-Height": str(oh),
        "X-Credits-Charged": "0",
        "X-Foreground-Top": str(top),
        "X-Foreground-Left": str(left),
        "X-Foreground-Width": str(fw),
        "X-Foreground-Height": str(fh),
        # studiocomp's own, beyond remove.bg's: a client that reads them sees a doubtful cut-out, and why (as on /v1/cutout)
        **warning_headers(result.warnings, result.uncertain),
    }
    if req.type_level != "none":
        headers["X-Type"] = "other" if req.type == "auto" else req.type
    media = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "zip": "application/zip"}[body_fmt]
    if want_json:
        import json

        data = {"result_b64": base64.b64encode(body).decode("ascii"), "foreground_top": top, "foreground_left": left, "foreground_width": fw, "foreground_height": fh}
        return Output(json.dumps({"data": data}).encode("utf-8"), "application/json", headers)
    return Output(body, media, headers)


def _over(colour: np.ndarray, alpha: np.ndarray, bg: np.ndarray, w: int, h: int) -> np.ndarray:
    """``colour`` over ``bg`` (fitted, cover) with ``alpha``, in linear light (the alpha-over compositor)."""
    from ..backgrounds import fit_background
    from ..registry import create

    fitted = fit_background(bg, h, w, "cover")
    out: np.ndarray = create("compositor", "alpha-over").composite(colour, alpha, fitted, np.zeros((h, w), np.float32))
    return out


def _hidden_filled(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``colour`` where the stored ``alpha`` is above 0; elsewhere a smooth spread of the subject's own colours.

    The ZIP's colour image has no alpha of its own: left as it was, the photo's scene
    (bystanders included) came back in it. A smooth fill (normalized convolution of the
    visible colours; their mean far from the subject) keeps none of the scene and gives
    JPEG no hard edge to ring at the outline.
    """
    from .._ops import fill_from

    visible = np.rint(alpha * 255.0) > 0
    if visible.all():
        return colour
    out: np.ndarray = np.array(colour, np.float32, copy=True)
    if not visible.any():
        out[...] = 0.0
        return out
    h, w = alpha.shape
    filled, density = fill_from(colour, visible.astype(np.float32), max(2.0, max(h, w) / 64.0))
    mean = colour[visible].mean(axis=0)
    far = density < 1e-3
    filled[far] = mean
    out[~visible] = filled[~visible]
    return out
