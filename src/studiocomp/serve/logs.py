"""Structured logs: one JSON object per line, through :mod:`logging`."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

__all__ = ["JsonLines", "LOGGER", "log_config"]

LOGGER = logging.getLogger("studiocomp.serve")
"""The service's logger: one ``request`` record per request, ``startup``/``shutdown``, and errors with tracebacks."""

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}


class JsonLines(logging.Formatter):
    """Formats a record as one JSON line: ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``msg`` and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """One record as one JSON line.

        Parameters
        ----------
        record : logging.LogRecord
            The record; its attributes beyond the standard ones (``extra=``) become fields of their own.

        Returns
        -------
        str
            A JSON object on one line (no newline): ``ts``, ``level``, ``logger``, ``msg``, the extra fields, and
            ``exc`` (the formatted traceback) when the record carries an exception; values JSON cannot hold are written with ``str``.
        """
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def log_config(level: str = "info") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for uvicorn and the service: JSON lines on stderr; uvicorn's access log off (the service logs each request itself).

    Parameters
    ----------
    level : str, default "info"
        The level of the ``uvicorn``, ``uvicorn.error`` and ``studiocomp.serve`` loggers (any case: ``debug``, ``info``, ``warning`` …).

    Returns
    -------
    dict
        The configuration (schema version 1), for :func:`logging.config.dictConfig` or uvicorn's ``log_config``.
    """
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "studiocomp.serve": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }
