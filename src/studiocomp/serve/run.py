"""Running the service with uvicorn (what ``studiocomp serve`` calls)."""

from __future__ import annotations

import socket
from typing import Any

from ..errors import BackendUnavailableError
from .settings import ServeSettings

__all__ = ["serve"]


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
        The configured pipeline cannot be built.
    """
    import logging.config

    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - the [serve] extra is missing
        raise BackendUnavailableError(f'the HTTP service needs uvicorn: pip install "studiocomp[serve]" ({exc})') from None
    from .app import create_app
    from .logs import log_config

    config = log_config(log_level)
    logging.config.dictConfig(config)
    app: Any = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_config=config, access_log=False, timeout_keep_alive=5))
    server.run(sockets=[sock] if sock is not None else None)
