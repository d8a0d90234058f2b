"""The service's settings: one frozen, checked dataclass (what ``studiocomp serve`` builds from its options)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["ServeSettings", "API_KEY_ENV", "is_loopback"]

API_KEY_ENV = "STUDIOCOMP_API_KEY"
"""The environment variable ``studiocomp serve`` reads the API key from by default (never the command line)."""



def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only: a loopback address (``127.0.0.0/8``, ``::1``) or ``localhost``.

    Parameters
    ----------
    host : str
        What the server listens on (``--host``): an address or a host name.

    Returns
    -------
    bool
        False for every other name or address, ``0.0.0.0`` and ``::`` (all interfaces) included.
    """
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


_STAGES = ("segmenter", "matter", "relighter", "shadow_caster", "compositor")


@dataclass(frozen=True)
class ServeSettings:
    """How the HTTP service runs: where it listens, which pipeline it loads, and its limits.

    Attributes
    ----------
    host : str
        Interface to listen on (default ``127.0.0.1``: this machine only).
    port : int
        TCP port, 0–65535 (0: any free port, for tests).
    preset : str
        The pipeline preset (``studio`` or ``portrait``) loaded once at start-up and shared.
    stages : mapping of str to str, backend or None
        Stages that replace the preset's, as ``Pipeline.preset`` takes them: a registered name, a
        ``NAME[:key=value,...]`` spec (the CLI's), a backend object, or ``None`` to drop the stage.
        These come from whoever starts the server, so options may name files (``backdrop:plate=...``).
    workers : int
        Images processed at the same time (threads; each holds its own pipeline, and ONNX models are
        loaded once per process and shared by all).
    queue_size : int
        Requests that may wait for a worker; one more gets 503 with ``Retry-After``.
    max_upload_bytes : int
        Largest request body in bytes (413 beyond it; checked while the body arrives).
    max_pixels : int
        Largest image (width × height) accepted, read from the file's header before decoding.
    request_timeout : float
        Seconds a request may take, waiting in the queue included (504 beyond it).
    api_key : str or None
        When set, every ``/v1`` and ``/v1.0`` request must send it in ``X-Api-Key`` (403 otherwise).
    backgrounds_dir : Path or None
        A folder of prepared backgrounds (images with optional ``NAME.studiocomp.json`` sidecars)
        that clients may pick by name.
    retry_after : int
        Seconds a 503 asks the client to wait.
    max_work_side : int
        The largest pixel side (a network input such as MODNet's ``resolution``, a working size) a client may
        ask a stage for in a stage option (16–4096; default 1024, twice what the models were trained at): the
        memory and time of a request grow with its square, whatever the photo's size, so ``max_pixels`` does
        not bound it (:data:`studiocomp.serve.options.STAGE_OPTIONS` lists the options and their own ranges).

    Raises
    ------
    InputError
        A value out of range, an unknown stage name, or a backgrounds folder that does not exist.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    preset: str = "studio"
    stages: Mapping[str, Any] = field(default_factory=dict)
    workers: int = 2
    queue_size: int = 32
    max_upload_bytes: int = 25 * 2**20
    max_pixels: int = 40_000_000
    request_timeout: float = 120.0
    api_key: str | None = None
    backgrounds_dir: Path | None = None
    retry_after: int = 2
    max_work_side: int = 1024

    def __post_init__(self) -> None:
        def positive(name: str, value: float, low: float = 1) -> None:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
                raise InputError(name, f"a number ≥ {low}", repr(value))

        positive("workers", self.workers)
        positive("queue_size", self.queue_size, 0)
        positive("max_upload_bytes", self.max_upload_bytes)
        positive("max_pixels", self.max_pixels)
        positive("request_timeout", self.request_timeout, 0.001)
        positive("retry_after", self.retry_after)
        if isinstance(self.max_work_side, bool) or not isinstance(self.max_work_side, int) or not 16 <= self.max_work_side <= 4096:
            raise InputError("max_work_side", "a whole number of pixels in 16–4096", repr(self.max_work_side))
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise InputError("port", "a whole number in 0–65535", repr(self.port))
        unknown = set(self.stages) - set(_STAGES)
        if unknown:
            raise InputError("stages", f"keys among {_STAGES}", sorted(unknown))
        if self.api_key is not None and not self.api_key.strip():
            raise InputError("api_key", "a non-empty key, or None for no key", "an empty string")
        if self.backgrounds_dir is not None:
            folder = Path(self.backgrounds_dir)
            if not folder.is_dir():
                raise InputError("backgrounds_dir", "an existing folder of background images", str(folder))
            object.__setattr__(self, "backgrounds_dir", folder)

    @staticmethod
    def api_key_from_env(name: str = API_KEY_ENV) -> str | None:
        """The API key in environment variable ``name`` (``None`` when unset or empty).

        Parameters
        ----------
        name : str, default "STUDIOCOMP_API_KEY"
            The environment variable (:data:`API_KEY_ENV`).

        Returns
        -------
        str or None
            Its value without surrounding whitespace, or ``None`` when it is unset or blank.
        """
        value = os.environ.get(name, "").strip()
        return value or None
