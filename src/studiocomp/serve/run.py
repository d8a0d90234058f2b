"""Running the service with uvicorn (what ``studiocomp serve`` calls)."""

from __future__ import annotations

import errno
import socket
from typing import Any

from ..errors import BackendUnavailableError, StudiocompError
from .settings import ServeSettings

__all__ = ["serve", "bind_socket"]


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and not yet listening (uvicorn listens on it once the models are loaded).

    Binding first finds a port that is taken, or an address this machine does not have, in milliseconds,
    before minutes of model loading, and as a plain error instead of uvicorn's exit status 3.

    Parameters
    ----------
    host : str
        An IPv4 or IPv6 address or a host name (an address with ``:`` is IPv6, as uvicorn reads it).
    port : int
        TCP port, 0–65535 (0: any free port).

    Returns
    -------
    socket.socket
        Bound with ``SO_REUSEADDR`` (as uvicorn binds: a port left in ``TIME_WAIT`` by a previous run is
        reusable, one another program listens on is not). The caller closes it.

    Raises
    ------
    StudiocompError
        The address cannot be bound: the port is in use, needs privileges, or the host is not this machine's.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        hints = {errno.EADDRINUSE: "another program is listening on it: stop it or choose another --port", errno.EACCES: "ports below 1024 need privileges: choose another --port"}
        hint = hints.get(exc.errno or 0, "check --host and --port")
        raise StudiocompError(f"cannot listen on {host}:{port}: {reason} ({hint})") from None
    return sock


def serve(settings: ServeSettings, *, log_level: str = "info", sock: socket.socket | None = None) -> None:
    """Build the app (models loaded once, before listening) and serve it with uvicorn until interrupted.

    Parameters
    ----------
    settings : ServeSettings
    log_level : str
        ``debug``, ``info``, ``warning`` …; logs are JSON lines on stderr.
    sock : socket.socket, optional
        An already bound socket to serve on (tests bind port 0 and pass it); otherwise ``settings.host:port``.

    Raises
    ------
    BackendUnavailableError
        uvicorn or FastAPI is not installed (``pip install "studiocomp[serve]"``).
    StudiocompError
        The address cannot be bound (checked before the models are loaded: :func:`bind_socket`), the configured
        pipeline cannot be built, or uvicorn stopped with a failure at start-up (its log says why).
    """
    import logging.config

    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - the [serve] extra is missing
        raise BackendUnavailableError(f'the HTTP service needs uvicorn: pip install "studiocomp[serve]" ({exc})') from None
    from .app import create_app
    from .logs import LOGGER, log_config

    config = log_config(log_level)
    logging.config.dictConfig(config)
    own = sock is None
    bound = bind_socket(settings.host, settings.port) if sock is None else sock
    try:
        app: Any = create_app(settings)
        server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_config=config, access_log=False, timeout_keep_alive=5))
        bound.listen(2048)  # (uvicorn's own backlog; it says nothing of a socket it is given, so the line below does)
        host, port = bound.getsockname()[:2]
        LOGGER.info("listening", extra={"event": "listening", "url": f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"})
        try:
            server.run(sockets=[bound])
        except SystemExit as exc:  # uvicorn exits 3 when its start-up fails; the CLI's 3 means a bug in studiocomp
            if exc.code not in (None, 0):
                raise StudiocompError(f"the server stopped while starting (uvicorn exit status {exc.code}; its log above says why)") from None
    finally:
        if own:
            bound.close()
