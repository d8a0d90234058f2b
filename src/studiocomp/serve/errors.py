"""The service's error answers: one JSON shape for every endpoint, remove.bg's.

``{"errors": [{"title": "...", "code": "...", "detail": "..."}]}`` with a 4xx status for anything
the client sent, 503/504 for load, 500 for a bug.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, StudiocompError, UnknownBackendError

__all__ = ["ApiError", "from_library_error"]


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
