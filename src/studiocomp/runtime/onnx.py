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

__all__ = ["providers_for", "get_session", "default_threads", "clear_sessions", "batched_model"]

_LOCK = threading.Lock()
_SESSIONS: dict[tuple[str, tuple[str, ...], int, bool], Any] = {}
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


def batched_model(path: str | os.PathLike[str]) -> bytes:
    """The model with a free batch dimension: the same weights and nodes, serialised for :func:`get_session`.

    Exported models often fix the batch at 1 (``u2netp.onnx`` takes
    ``[1, 3, 320, 320]``, the selfie model ``[1, 256, 256, 3]``). The first
    dimension of every graph input and output becomes symbolic, and a
    ``Reshape`` to a constant shape whose first entry is that batch of 1 (the
    selfie model's last one) reshapes to ``-1`` there instead. Each image of a
    batch then gets exactly the numbers it gets alone (checked for u2netp and
    selfie by ``tests/unit/test_throughput.py``).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.onnx`` file.

    Returns
    -------
    bytes
        The rewritten model (not written to disk).

    Raises
    ------
    BackendUnavailableError
        The ``onnx`` package is missing (``pip install "studiocomp[onnx]"``).
    InputError
        The model's batch dimension is neither 1 nor already free.
    """
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as exc:
        raise BackendUnavailableError('batched inference rewrites the model with the onnx package: pip install "studiocomp[onnx]" (or pip install onnx)') from exc
    model = onnx.load(str(path))
    graph = model.graph
    for value in list(graph.input) + list(graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        if dim.HasField("dim_value") and dim.dim_value != 1:
            raise InputError(str(path), "a model whose batch dimension is 1 or free", f"{value.name} with batch {dim.dim_value}")
        dim.dim_param = "batch"
    del graph.value_info[:]  # shapes inferred for batch 1; onnxruntime infers them again
    constants = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    constants[node.output[0]] = attr.t
    for node in graph.node:
        if node.op_type != "Reshape" or node.input[1] not in constants:
            continue
        tensor = constants[node.input[1]]
        shape = numpy_helper.to_array(tensor).copy()
        if shape.ndim == 1 and shape.size > 1 and shape[0] == 1 and -1 not in shape:
            shape[0] = -1
            tensor.CopyFrom(numpy_helper.from_array(shape, tensor.name))
    return bytes(model.SerializeToString())


def get_session(path: str | os.PathLike[str], *, device: str = "auto", threads: int | None = None, batched: bool = False) -> Any:
    """The shared ``onnxruntime.InferenceSession`` for this model file, device and thread count.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.onnx`` file.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    threads : int, optional
        Intra-op threads (default :func:`default_threads`).
    batched : bool
        Load :func:`batched_model` (any batch size) instead of the file as it is.

    Returns
    -------
    onnxruntime.InferenceSession
        Shared by every caller with the same file, device, threads and ``batched``.

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
    key = (str(Path(path).resolve()), providers, n, bool(batched))
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
            model: str | bytes = batched_model(path) if batched else str(path)
            session = ort.InferenceSession(model, sess_options=opts, providers=list(providers))
            _SESSIONS[key] = session
    return session


def clear_sessions() -> None:
    """Drop every cached session (frees their memory)."""
    with _LOCK:
        _SESSIONS.clear()
