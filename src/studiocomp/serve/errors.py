"""The service's error answers: one JSON shape for every endpoint, remove.bg's.

``{"errors": [{"title": "...", "code": "...", "detail": "..."}]}`` with a 4xx status for anything
the client sent, 503/504 for load, 500 for a bug.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, StudiocompError, UnknownBackendError, WeightsUnavailableError

__all__ = ["ApiError", "from_library_error", "ERROR_CODES", "ERROR_SCHEMA"]


ERROR_CODES: dict[str, tuple[tuple[int, ...], str]] = {
    "empty_file": ((400,), "no image, or an empty one"),
    "not_an_image": ((400,), "bytes no decoder recognises"),
    "damaged_image": ((400,), "truncated or corrupt data"),
    "multi_frame": ((400,), "an animated or multi-page image"),
    "too_many_pixels": ((400,), "more pixels than the server's max_pixels (read from the header, before decoding)"),
    "image_too_small": ((400,), "a photo under 16×16 pixels"),
    "invalid_image": ((400,), "anything else the loader refuses (a broken colour profile …)"),
    "invalid_parameter": ((400,), "an unknown option, a bad value, or a stage option out of its range (the detail names it and the range)"),
    "invalid_request": ((400,), "a body that cannot be read as the content type says (form, JSON)"),
    "bad_request": ((400,), "another malformed request"),
    "unknown_background": (
        (400, 404),
        "400: POST /v1/composite with a background that is neither a preset, a colour, nor one of the server's; 404: the thumbnail of a background the server does not have",
    ),
    "multiple_bg_sources": ((400,), "two backgrounds given (background and background_file; bg_color and bg_image_file)"),
    "missing_source": ((400,), "remove.bg: no image_file nor image_file_b64"),
    "multiple_sources": ((400,), "remove.bg: both image_file and image_file_b64"),
    "invalid_image_file_b64": ((400,), "remove.bg: image_file_b64 is not base64"),
    "url_not_supported": ((400,), "remove.bg: image_url or bg_image_url (the server never fetches a URL)"),
    "invalid_size": ((400,), "remove.bg: an unknown size"),
    "invalid_format": ((400,), "remove.bg: an unknown format"),
    "invalid_channels": ((400,), "remove.bg: channels other than rgba or alpha"),
    "invalid_roi": ((400,), "remove.bg: a roi that does not read"),
    "roi_exceeds_bounds": ((400,), "remove.bg: a roi outside the image"),
    "roi_region_empty": ((400,), "remove.bg: an empty roi"),
    "invalid_scale": ((400,), "remove.bg: scale other than original"),
    "invalid_position": ((400,), "remove.bg: position other than original"),
    "unknown_foreground": ((400,), "remove.bg: no subject found"),
    "auth_failed": ((403,), "a missing or wrong X-Api-Key"),
    "not_found": ((404,), "no such route or file"),
    "method_not_allowed": ((405,), "a route that does not take this method"),
    "file_too_large": ((413,), "a body over the server's max_upload_bytes"),
    "queue_full": ((503,), "every worker busy and the queue full (with Retry-After)"),
    "timeout": ((504,), "the request took longer than the server's request_timeout, queue included"),
    "internal_error": ((500,), "a bug: the server log has the traceback"),
}
"""Every error code the service answers: ``code -> (HTTP statuses, when)``, what docs/serve.md's table and the
OpenAPI schema (``/openapi.json``) say (only ``unknown_background`` has two: a bad option value, a missing resource)."""

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["title", "code"],
                "properties": {
                    "title": {"type": "string", "description": "one line for people"},
                    "code": {"type": "string", "enum": sorted(ERROR_CODES), "description": "machine-readable (docs/serve.md, Errors)"},
                    "detail": {"type": "string", "description": "what exactly was wrong and how to fix it"},
                },
            },
        }
    },
}
"""The JSON body of every error answer (remove.bg's shape), as a JSON schema."""


class ApiError(Exception):
    """An error answer.

    Parameters
    ----------
    status : int
        HTTP status.
    code : str
        Machine-readable code (``invalid_parameter``, ``damaged_image`` …; see docs/serve.md).
    title : str
        One line for people.
    detail : str, optional
        What exactly was wrong and how to fix it.
    headers : dict, optional
        Extra response headers (``Retry-After``).
    """

    def __init__(self, status: int, code: str, title: str, detail: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body: ``{"errors": [{"title", "code", "detail"}]}`` (``detail`` only when there is one).

        Returns
        -------
        dict
            ``{"errors": [item]}``, ``item`` holding ``title``, ``code`` and, when set, ``detail`` (all str).
        """
        item: dict[str, Any] = {"title": self.title, "code": self.code}
        if self.detail:
            item["detail"] = self.detail
        return {"errors": [item]}


def from_library_error(exc: StudiocompError, what: str = "image") -> ApiError:
    """A 400 answer for an error the library raised on the client's input, with a code for its kind.

    The loader's refusals (:func:`studiocomp.load_image`) become ``empty_file``, ``not_an_image``,
    ``damaged_image``, ``multi_frame``, ``too_many_pixels`` or ``invalid_image``, a photo under
    :data:`studiocomp.pipeline.MIN_SIDE` pixels on a side ``image_too_small``; an unknown backend
    ``invalid_parameter``. ``what`` names the upload (``image``, ``background``).

    Parameters
    ----------
    exc : StudiocompError
        What the library raised; an :class:`~studiocomp.errors.InputError`'s ``got`` and ``argument``
        pick the code, its message becomes the answer's ``detail``.
    what : str, default "image"
        The upload it concerns, named in the answer's title.

    Returns
    -------
    ApiError
        Status 400 with one of the codes above (returned, not raised).
    """
    text = str(exc)
    if isinstance(exc, UnknownBackendError):
        return ApiError(400, "invalid_parameter", "Unknown backend", text)
    if isinstance(exc, WeightsUnavailableError):  # the library's advice (fetch the weights) is for the server's operator
        return ApiError(400, "invalid_parameter", "This server has no weights for the backend asked for", f"choose another backend, or ask the server's operator to install them ({text})")
    if not isinstance(exc, InputError):
        return ApiError(400, "invalid_parameter", "The request could not be processed", text)
    got = exc.got
    kinds = (
        ("an empty file", "empty_file", f"The {what} is empty"),
        ("no decoder recognises", "not_an_image", f"The {what} is not an image file"),
        ("frames", "multi_frame", f"The {what} has several frames (animated or multi-page)"),
        ("too small", "image_too_small", f"The {what} is too small"),
        ("pixels", "too_many_pixels", f"The {what} has too many pixels"),
        ("available", "too_many_pixels", f"The {what} is too large to load in memory"),
        ("corrupt", "damaged_image", f"The {what} is damaged or truncated"),
        ("truncated", "damaged_image", f"The {what} is damaged or truncated"),
        ("cannot decode", "damaged_image", f"The {what} is damaged or truncated"),
        ("no decoder could read", "damaged_image", f"The {what} is damaged or truncated"),
        ("profile", "invalid_image", f"The {what} has a broken colour profile"),
    )
    for needle, code, title in kinds:
        if needle in got:
            return ApiError(400, code, title, text)
    if exc.argument in ("image", "background") or exc.argument.startswith(("image", "background")):
        return ApiError(400, "invalid_image", f"The {what} could not be read", text)
    return ApiError(400, "invalid_parameter", f"Invalid value for {exc.argument}", text)
