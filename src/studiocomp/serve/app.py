"""The FastAPI application: routes, the body-size limit, API key, queue, timeouts and request logs.

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations (``Request``, imported
inside :func:`create_app` so that importing this module does not need FastAPI) at definition time.
"""

import contextlib
import hmac
import importlib.resources
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from ..errors import BackendUnavailableError
from .errors import ApiError
from .logs import LOGGER
from .settings import API_KEY_ENV, ServeSettings, is_loopback

__all__ = ["create_app", "BodyLimit"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body passed the server's limit while it was arriving."""


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` is refused with 413, by its ``Content-Length`` before reading,
    or, sent in chunks without one, as soon as the bytes received pass the limit.

    Parameters
    ----------
    app : ASGI application
    max_bytes : int
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, int(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass one ASGI connection to the wrapped app, answering 413 instead when its body is too large.

        Parameters
        ----------
        scope : mutable mapping of str to Any
            The ASGI connection scope; only ``"http"`` scopes are checked, others pass through untouched.
        receive : async callable
            The ASGI receive channel; the app gets a wrapper that counts the body bytes (``http.request`` messages).
        send : async callable
            The ASGI send channel; once the body passed ``max_bytes`` the app's own answer is dropped and a
            JSON 413 ``file_too_large`` is sent here, unless the app had already started its response.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    LOGGER.info("request", extra={"event": "request", "method": scope.get("method"), "path": scope.get("path"), "status": 413, "bytes_in": declared, "error": "file_too_large"})
                    if (b"expect", b"100-continue") not in [(k, v.lower()) for k, v in scope.get("headers", [])]:
                        await _drain(receive, _DRAIN_FACTOR * self.max_bytes)  # (a 100-continue client has sent no body)
                    await _send_json(send, _too_large(self.max_bytes, declared))
                    return
        seen = 0
        too_big = started = body_done = False

        async def counted() -> Message:
            nonlocal seen, too_big, body_done
            message = await receive()
            if message["type"] == "http.request":
                body_done = not message.get("more_body", False)
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_big = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if too_big and not started:  # the app's own answer to the exception (a 500) is replaced by the 413 below
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not too_big or started:
                raise
        if too_big and not started:
            LOGGER.info("request", extra={"event": "request", "method": scope.get("method"), "path": scope.get("path"), "status": 413, "bytes_in": seen, "error": "file_too_large"})
            if not body_done:  # (once the last part is in, another receive() would wait for the client to hang up)
                await _drain(receive, _DRAIN_FACTOR * self.max_bytes)
            await _send_json(send, _too_large(self.max_bytes))


_DRAIN_FACTOR = 8  # read and drop up to 8 × the limit of a refused body before answering


async def _drain(receive: Receive, limit: int) -> None:
    """Read and drop what is left of a refused request body, up to ``limit`` bytes, before the 413 is sent.

    A server that answers without reading the body and then closes the socket leaves unread bytes in its
    receive buffer, so the kernel resets the connection and the client can lose the answer it was sent
    (seen here: httpx got the 413's headers and no body under load). Draining first is the same remedy
    as nginx's lingering close; a body beyond ``limit`` is answered anyway.
    """
    got = 0
    while got <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        got += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _too_large_in(exc: BaseException) -> bool:
    """Whether ``exc`` is, or (in an exception group) holds, :class:`BodyTooLarge`."""
    if isinstance(exc, BodyTooLarge):
        return True
    return any(_too_large_in(e) for e in getattr(exc, "exceptions", ()) or ()) or (exc.__cause__ is not None and _too_large_in(exc.__cause__))


def _too_large(limit: int, got: int | None = None) -> ApiError:
    size = f"is {got:,} bytes" if got is not None and got >= 0 else f"is larger than {limit:,} bytes"
    return ApiError(413, "file_too_large", "File too large", f"the request body {size}; this server takes at most {limit:,} bytes")


async def _send_json(send: Send, err: ApiError) -> None:
    import json

    body = json.dumps(err.body()).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": err.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM", b"II+\x00", b"MM\x00+")


def _is_image_bytes(data: bytes) -> bool:
    """True when ``data`` starts like an image file (JPEG, PNG, GIF, TIFF, BMP, WebP), whatever the request's content type said."""
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _is_form(data: bytes) -> bool:
    """True when ``data`` reads as a url-encoded form: ASCII ``name=value`` pairs joined by ``&`` (or nothing at all)."""
    if not data:
        return True
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return False
    return all("=" in pair and not any(c in pair for c in " \t\r\n") for pair in text.rstrip("\r\n").split("&"))


def create_app(settings: ServeSettings | None = None) -> Any:
    """The service as a FastAPI application, with its pipelines built (models loaded) before it returns.

    Parameters
    ----------
    settings : ServeSettings, optional
        Defaults: ``ServeSettings()``.

    Returns
    -------
    fastapi.FastAPI
        Serve it with uvicorn (``studiocomp serve`` does: :func:`studiocomp.serve.serve`).

    Raises
    ------
    BackendUnavailableError
        FastAPI is not installed (``pip install "studiocomp[serve]"``).
    StudiocompError
        A stage of the configured pipeline cannot be built (unknown backend, weights unavailable).
    """
    try:
        from fastapi import FastAPI, Request
        from fastapi.responses import JSONResponse, Response
        from starlette.exceptions import HTTPException
    except ImportError as exc:  # pragma: no cover - the [serve] extra is missing
        raise BackendUnavailableError(f'the HTTP service needs FastAPI and uvicorn: pip install "studiocomp[serve]" ({exc})') from None

    from .. import __version__
    from ..backgrounds import ALIASES, PRESETS
    from ..pipeline import PRESETS as PIPELINES
    from .catalog import catalog, thumbnail
    from .jobs import WorkerSet, prepared_path
    from .openapi import ANSWER_HEADERS, error_responses, image_response, option_operation, removebg_operation
    from .options import parse_options
    from .queue import JobTimeout, QueueFull, WorkerPool
    from .removebg import FIELDS, parse_removebg, run_removebg

    settings = settings or ServeSettings()
    started = time.perf_counter()
    workers = WorkerSet(settings)  # every worker's pipelines, now: the models are loaded before the first request
    pool = WorkerPool(settings.workers, settings.queue_size, initializer=workers.take)
    LOGGER.info(
        "startup",
        extra={
            "event": "startup",
            "preset": settings.preset,
            "workers": settings.workers,
            "queue_size": settings.queue_size,
            "max_upload_bytes": settings.max_upload_bytes,
            "max_pixels": settings.max_pixels,
            "max_work_side": settings.max_work_side,
            "request_timeout": settings.request_timeout,
            "api_key": settings.api_key is not None,
            "backgrounds_dir": str(settings.backgrounds_dir) if settings.backgrounds_dir else None,
            "load_seconds": round(time.perf_counter() - started, 3),
            "missing_models": workers.missing_models,
        },
    )
    if settings.api_key is None and not is_loopback(settings.host):  # anyone who reaches the port may use it
        LOGGER.warning(
            "no API key on a network interface",
            extra={
                "event": "no_api_key",
                "host": settings.host,
                "hint": f"every client that can reach {settings.host}:{settings.port} may use this server: set an API key (export {API_KEY_ENV}=...) or serve on 127.0.0.1",
            },
        )
    if workers.missing_models:  # never silently worse: say it at start, and in /healthz
        LOGGER.warning(
            "models missing",
            extra={"event": "models_missing", "missing_models": workers.missing_models, "hint": "studiocomp models import PATH, or --weights NAME=PATH"},
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        yield
        pool.shutdown()
        LOGGER.info("shutdown", extra={"event": "shutdown", **pool.stats()})

    app = FastAPI(title="studiocomp", version=__version__, docs_url="/docs", redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.pool = pool
    static = importlib.resources.files("studiocomp.serve") / "static"

    def error_response(err: ApiError) -> Response:
        return JSONResponse(err.body(), status_code=err.status, headers=err.headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        request.state.error = exc.code
        return error_response(exc)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        request.state.error = codes.get(exc.status_code, "bad_request")
        return error_response(ApiError(exc.status_code, codes.get(exc.status_code, "bad_request"), str(exc.detail)))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        if _too_large_in(exc):  # BodyLimit answers 413 itself
            return error_response(_too_large(settings.max_upload_bytes))
        LOGGER.error("internal error", exc_info=exc, extra={"event": "error", "path": request.url.path, "request_id": getattr(request.state, "request_id", None)})
        request.state.error = "internal_error"
        return error_response(ApiError(500, "internal_error", "Internal server error", f"{type(exc).__name__} (a bug: the server log has the details)"))

    @app.middleware("http")
    async def _log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        t0 = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-Id"] = request.state.request_id
        LOGGER.info(
            "request",
            extra={
                "event": "request",
                "request_id": request.state.request_id,
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - t0) * 1000, 1),
                "bytes_in": int(request.headers.get("content-length") or 0),
                "client": request.client.host if request.client else None,
                "error": getattr(request.state, "error", None),
            },
        )
        return response

    def authorise(request: Request) -> None:
        if settings.api_key is None:
            return
        given = request.headers.get("x-api-key")
        if not given:
            raise ApiError(403, "auth_failed", "Missing API Key", "send the server's API key in the X-Api-Key header")
        if not hmac.compare_digest(given.encode("utf-8"), settings.api_key.encode("utf-8")):
            raise ApiError(403, "auth_failed", "Invalid API Key", "the X-Api-Key header does not hold this server's key")

    async def queued(fn: Callable[..., Any], *args: Any, deadline: float) -> Any:
        try:
            return await pool.run(fn, *args, deadline=deadline)
        except QueueFull:
            raise ApiError(
                503, "queue_full", "Server busy", f"all {settings.workers} workers are busy and {settings.queue_size} requests are waiting; retry later", {"Retry-After": str(settings.retry_after)}
            ) from None
        except JobTimeout:
            raise ApiError(504, "timeout", "Request timed out", f"the request took longer than {settings.request_timeout:g} s (queue included)") from None

    async def read_request(request: Request) -> tuple[dict[str, str], dict[str, bytes], bytes]:
        """(text fields, files, raw body): multipart and url-encoded forms are parsed; any other body is raw."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        query: dict[str, str] = dict(request.query_params)
        fields: dict[str, str] = dict(query)
        files: dict[str, bytes] = {}
        if ctype == "application/x-www-form-urlencoded" and (_is_image_bytes(await request.body()) or not _is_form(await request.body())):
            # curl --data-binary @photo.jpg labels a raw file as a url-encoded form: an image's own bytes decide, and a
            # body that is no form at all (curl --data-binary @notes.txt) is the upload, which the loader then names
            return fields, files, await request.body()
        if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            try:
                form = await request.form(max_files=4, max_fields=64, max_part_size=settings.max_upload_bytes)
            except HTTPException as exc:
                raise ApiError(400, "invalid_request", "The form could not be read", str(exc.detail)) from None
            for key, value in form.multi_items():
                if isinstance(value, str):
                    if key in query and query[key] != value:  # one value an option: the query's was dropped silently
                        raise ApiError(400, "invalid_parameter", f"Parameter '{key}' given twice", f"{key}: {query[key]!r} in the query string and {value!r} in the form; send it once")
                    fields[key] = value
                else:
                    files[key] = await value.read()
                    await value.close()
            return fields, files, b""
        if ctype == "application/json":
            import json

            try:
                data = json.loads(await request.body() or b"{}")
            except ValueError as exc:
                raise ApiError(400, "invalid_request", "The JSON body could not be read", str(exc)) from None
            if not isinstance(data, dict):
                raise ApiError(400, "invalid_request", "The JSON body must be an object")
            fields.update({k: v if isinstance(v, str) else ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for k, v in data.items()})
            return fields, files, b""
        return fields, files, await request.body()

    def response(out: Any) -> Response:
        return Response(out.body, media_type=out.media_type, headers=out.headers)

    async def process(request: Request, kind: str) -> Response:
        authorise(request)
        received = time.perf_counter()  # X-Timings: 'receive' runs from here until the job is queued
        deadline = time.monotonic() + settings.request_timeout
        fields, files, raw = await read_request(request)
        data = files.pop("image", None) or files.pop("image_file", None) or raw
        bg_file = files.pop("background_file", None)
        if files:
            raise ApiError(400, "invalid_parameter", f"Unknown file field '{sorted(files)[0]}'", "send the photo as 'image' and a background as 'background_file'")
        if not data:
            raise ApiError(400, "empty_file", "No image given", "send the photo as the request body, or as the multipart field 'image'")
        options = parse_options(kind, fields, presets=PIPELINES, max_work_side=settings.max_work_side)
        background: Any = options.background
        if bg_file is not None:
            if kind == "cutout":
                raise ApiError(400, "invalid_parameter", "A cut-out takes no background", "use /v1/composite")
            if fields.get("background"):  # one of the two would be dropped: never silently (remove.bg's code for the same conflict)
                raise ApiError(
                    400,
                    "multiple_bg_sources",
                    "Multiple background sources given",
                    f"send either 'background' (here {fields['background']!r}) or the file 'background_file', not both",
                )
            if not bg_file:
                raise ApiError(400, "empty_file", "The background is empty")
            background = bg_file
        elif kind == "composite" and not (background in PRESETS or background in ALIASES or (background.startswith("#") and len(background) == 7)):
            path = prepared_path(settings.backgrounds_dir, background)
            if path is None:
                raise ApiError(
                    400, "unknown_background", f"Unknown background '{background}'", "send a preset, '#rrggbb', the name of one of GET /v1/backgrounds, or a file as 'background_file'"
                )
            background = path
        elif kind == "composite" and background.startswith("#"):
            try:
                int(background[1:], 16)
            except ValueError:
                raise ApiError(400, "invalid_parameter", "Invalid value for parameter 'background'", f"expected '#rrggbb', got {background!r}") from None
        submitted = time.perf_counter()
        out = await queued(lambda: workers.current().run(options, data, background, submitted=submitted, received=received), deadline=deadline)
        return response(out)

    v1_errors = error_responses(400, 403, 413, 500, 503, 504)
    cutout_doc: dict[str, Any] = {"openapi_extra": option_operation("cutout", PIPELINES, settings.max_work_side), "response_class": Response}
    cutout_doc["responses"] = {**image_response(("png", "webp", "tif"), "the cut-out: RGBA (only_mask: a 16-bit grey PNG)", ANSWER_HEADERS), **v1_errors}
    composite_doc: dict[str, Any] = {"openapi_extra": option_operation("composite", PIPELINES, settings.max_work_side), "response_class": Response}
    composite_doc["responses"] = {**image_response(("png", "jpg", "webp", "tif"), "the composite (only_mask: the alpha as a 16-bit grey PNG)", ANSWER_HEADERS), **v1_errors}
    removebg_200 = image_response(("png", "jpg", "webp", "application/zip"), "the result, or with Accept: application/json {\"data\": {\"result_b64\", \"foreground_top\", ...}}")
    removebg_200[200]["content"]["application/json"] = {"schema": {"type": "object", "properties": {"data": {"type": "object"}}}}
    removebg_doc: dict[str, Any] = {"openapi_extra": removebg_operation(), "response_class": Response, "responses": {**removebg_200, **v1_errors}}

    @app.post("/v1/cutout", summary="Cut out the subject: RGBA PNG (or WebP/TIFF)", **cutout_doc)
    async def cutout(request: Request) -> Response:
        return await process(request, "cutout")

    @app.post("/v1/composite", summary="Cut out the subject and composite it on a background", **composite_doc)
    async def composite(request: Request) -> Response:
        return await process(request, "composite")

    @app.post("/v1.0/removebg", summary="remove.bg-compatible background removal", **removebg_doc)
    async def removebg(request: Request) -> Response:
        authorise(request)
        deadline = time.monotonic() + settings.request_timeout
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in ("multipart/form-data", "application/x-www-form-urlencoded", "application/json"):
            raise ApiError(400, "invalid_request", "Invalid request content type", "send multipart/form-data, application/x-www-form-urlencoded or application/json")
        fields, files, _ = await read_request(request)
        req = parse_removebg({k: v for k, v in fields.items() if k in FIELDS}, files)
        want_json = "application/json" in request.headers.get("accept", "")
        out = await queued(lambda: run_removebg(workers.current(), req, want_json), deadline=deadline)
        return response(out)

    listing = {"type": "object", "properties": {"backgrounds": {"type": "array", "items": {"type": "object", "required": ["name", "kind", "thumbnail"]}}}}
    backgrounds_doc: dict[str, Any] = {"response_class": Response, "responses": {200: {"description": "the backgrounds", "content": {"application/json": {"schema": listing}}}, **error_responses(403)}}

    @app.get("/v1/backgrounds", summary="The backgrounds this server offers (presets and prepared)", **backgrounds_doc)
    async def backgrounds(request: Request) -> Response:
        authorise(request)
        return JSONResponse({"backgrounds": catalog(settings.backgrounds_dir)})

    name_param = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}, "description": "a name from GET /v1/backgrounds"}
    thumbnail_doc: dict[str, Any] = {
        "openapi_extra": {"parameters": [name_param]},
        "response_class": Response,
        "responses": {**image_response(("jpg",), "a JPEG of at most 160 px"), **error_responses(404)},
    }

    @app.get("/v1/backgrounds/{name}/thumbnail", summary="A small JPEG of one background", **thumbnail_doc)
    async def background_thumbnail(request: Request) -> Response:  # (the name read here: no FastAPI validation, so no 422 in the schema)
        import asyncio

        name = str(request.path_params["name"])
        data = await asyncio.to_thread(thumbnail, name, settings.backgrounds_dir)
        if data is None:
            raise ApiError(404, "unknown_background", f"Unknown background '{name}'")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=300"})

    health_200: dict[int | str, dict[str, Any]] = {200: {"description": "the server's state (docs/serve.md)", "content": {"application/json": {"schema": {"type": "object"}}}}}

    @app.get("/healthz", summary="Liveness, version and the queue's state", response_class=JSONResponse, responses=health_200)
    async def healthz() -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "preset": settings.preset,
                "api_key_required": settings.api_key is not None,
                "limits": {"max_upload_bytes": settings.max_upload_bytes, "max_pixels": settings.max_pixels, "max_work_side": settings.max_work_side, "request_timeout": settings.request_timeout},
                "queue": pool.stats(),
                "missing_models": workers.missing_models,
            }
        )

    @app.get("/", summary="The upload page", response_class=Response, responses={200: {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}})
    async def index() -> Response:
        return Response((static / "index.html").read_bytes(), media_type="text/html; charset=utf-8")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:  # browsers ask for it on their own: no icon, and not a 404 in the log
        return Response(status_code=204, headers={"Cache-Control": "max-age=86400"})

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        kinds = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
        suffix = name[name.rfind(".") :] if "." in name else ""
        if "/" in name or suffix not in kinds or not (static / name).is_file():
            raise ApiError(404, "not_found", "Not Found")
        return Response((static / name).read_bytes(), media_type=kinds[suffix], headers={"Cache-Control": "no-cache"})

    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)  # outermost: before anything reads the body
    return app
