"""The HTTP service: ``studiocomp serve`` (needs ``pip install "studiocomp[serve]"``).

Endpoints (docs/serve.md): ``POST /v1/cutout``, ``POST /v1/composite`` (multipart or raw bytes, the CLI's
options), ``GET /v1/backgrounds``, ``GET /healthz``, a remove.bg-compatible ``POST /v1.0/removebg``, and
the upload page at ``/``. The pipeline is built once at start-up; a fixed pool of workers takes requests
from a bounded queue (503 with ``Retry-After`` when it is full); uploads are limited in bytes and pixels,
requests in time; an optional API key (``X-Api-Key``); JSON-lines logs.

Importing this package does not import FastAPI or uvicorn; :func:`create_app` and :func:`serve` do.

>>> from studiocomp.serve import ServeSettings
>>> ServeSettings(workers=1, queue_size=4).host
'127.0.0.1'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .settings import API_KEY_ENV, ServeSettings

__all__ = ["ServeSettings", "API_KEY_ENV", "create_app", "serve"]

if TYPE_CHECKING:
    from .app import create_app
    from .run import serve

_LAZY = {"create_app": "app", "serve": "run"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
