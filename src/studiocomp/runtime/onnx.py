"""One ONNX Runtime session per (model file, device, threads), reused across calls and threads.

``device`` is ``"auto"`` (CUDA when onnxruntime has it, else CPU), ``"cpu"`` or
``"cuda"``; asking for ``"cuda"`` where onnxruntime has no CUDA provider is an
error, never a silent CPU run. Sessions run with intra-op spinning off (idle
ORT threads would otherwise keep spinning after a run and slow torch and
OpenCV down about 2×) and ``threads`` intra-op threads (default: the CPU count,
or ``STUDIOCOMP_THREADS``). ``InferenceSession.run`` is thread-safe, so one
session serves every thread; creation is guarded by a lock.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailableError, InputError

__all__ = ["providers_for", "get_session", "default_threads", "clear_sessions"]

_LOCK = threading.Lock()
_SESSIONS: dict[tuple[str, tuple[str, ...], int], Any] = {}
DEVICES = ("auto", "cpu", "cuda")


def _ort() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise BackendUnavailableError("this backend needs onnxruntime: pip install onnxruntime (or onnxruntime-gpu for CUDA)") from exc
    return onnxruntime


def default_threads() -> int:
    """Intra-op threads for a session: ``$STUDIOCOMP_THREADS`` when set, else the cores this process may use.

    Returns
    -------
    int
        ≥ 1.

    Raises
    ------
    InputError
        ``STUDIOCOMP_THREADS`` is not an integer.
    """
    env = os.environ.get("STUDIOCOMP_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise InputError("STUDIOCOMP_THREADS", "a positive integer", repr(env)) from None
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def providers_for(device: str) -> list[str]:
    """The execution providers for ``device``; raises when ``"cuda"`` cannot be had.

    Parameters
    ----------
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    list of str
        ONNX Runtime execution providers, best first.

    Raises
    ------
    InputError
        Another ``device``.
    BackendUnavailableError
        ``"cuda"`` without a CUDA provider.
    """
    if device not in DEVICES:
        raise InputError("device", f"one of {DEVICES}", repr(device))
    if device == "auto":
        from . import default_device

        device = default_device()
    available = _ort().get_available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    has_cuda = "CUDAExecutionProvider" in available
    if device == "cuda" and not has_cuda:
        raise BackendUnavailableError(
            f"device='cuda' was asked for, but this onnxruntime has no CUDA provider (it has {', '.join(available)}). Install onnxruntime-gpu with a matching CUDA, or pass device='cpu'."
        )
    return ["CUDAExecutionProvider", "CPUExecutionProvider"] if has_cuda else ["CPUExecutionProvider"]


def get_session(path: str | os.PathLike[str], *, device: str = "auto", threads: int | None = None) -> Any:
    """The shared ``onnxruntime.InferenceSession`` for this model file, device and thread count.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.onnx`` file.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    threads : int, optional
        Intra-op threads (default :func:`default_threads`).

    Returns
    -------
    onnxruntime.InferenceSession
        Shared by every caller with the same file, device and threads.

    Raises
    ------
    InputError
        A bad ``device`` or ``threads``.
    BackendUnavailableError
        ``"cuda"`` without a CUDA provider, or onnxruntime missing.
    """
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise InputError("threads", "a positive int or None", repr(threads))
    providers = tuple(providers_for(device))
    n = threads or default_threads()
    key = (str(Path(path).resolve()), providers, n)
    with _LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            ort = _ort()
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = n
            opts.inter_op_num_threads = 1
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
            opts.log_severity_level = 3
            session = ort.InferenceSession(str(path), sess_options=opts, providers=list(providers))
            _SESSIONS[key] = session
    return session


def clear_sessions() -> None:
    """Drop every cached session (frees their memory)."""
    with _LOCK:
        _SESSIONS.clear()
