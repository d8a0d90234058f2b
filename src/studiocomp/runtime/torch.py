"""torch devices for the torch backends: ``"auto"`` (CUDA when torch has it), ``"cpu"`` or ``"cuda"``.

Asking for ``"cuda"`` where torch has no usable CUDA device is an error, never a
silent CPU run. ``threads`` sets torch's intra-op thread count — a process-wide
setting in torch, so it is only changed when asked for.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import BackendUnavailableError, InputError, WeightsUnavailableError

__all__ = ["resolve_device", "load_checkpoint", "require_torch", "INSTALL_HINT"]

DEVICES = ("auto", "cpu", "cuda")
#: How to get torch for the torch backends; torch is an extra, not a core dependency.
INSTALL_HINT = 'pip install "studiocomp[torch]"'


def require_torch(backend: str = "this backend") -> Any:
    """The ``torch`` module, or :class:`~studiocomp.BackendUnavailableError` naming the ``[torch]`` extra.

    Parameters
    ----------
    backend : str
        Who needs torch, for the message (e.g. ``"the sam backend"``).

    Returns
    -------
    module
        ``torch``.

    Raises
    ------
    BackendUnavailableError
        torch is not installed (it is the optional extra ``studiocomp[torch]``).
    """
    try:
        import torch
    except ImportError as exc:
        raise BackendUnavailableError(f"{backend} needs torch, which is an optional extra: {INSTALL_HINT}") from exc
    return torch


def resolve_device(device: str = "auto", threads: int | None = None) -> Any:
    """The ``torch.device`` for ``device``; raises when ``"cuda"`` cannot be had.

    Parameters
    ----------
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    threads : int, optional
        torch's intra-op threads (``torch.set_num_threads``); None leaves torch's own setting.

    Returns
    -------
    torch.device

    Raises
    ------
    InputError
        A bad ``device`` or ``threads``.
    BackendUnavailableError
        ``"cuda"`` where torch sees no CUDA device, or torch missing.
    """
    if device not in DEVICES:
        raise InputError("device", f"one of {DEVICES}", repr(device))
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise InputError("threads", "a positive int or None", repr(threads))
    if device == "auto":
        from . import default_device

        device = default_device()
    torch = require_torch()
    if threads is not None:
        torch.set_num_threads(threads)
    has_cuda = bool(torch.cuda.is_available())
    if device == "cuda" and not has_cuda:
        raise BackendUnavailableError("device='cuda' was asked for, but torch sees no CUDA device (CPU-only build, or no GPU). Pass device='cpu'.")
    return torch.device("cuda" if device == "cuda" or (device == "auto" and has_cuda) else "cpu")


def load_checkpoint(model: str, weights: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The state dict of hub model ``model`` (or of the local file ``weights``), loaded on the CPU.

    ``torch.load`` runs with ``weights_only=True``: a checkpoint cannot execute
    code. A ``{"model": state_dict}`` wrapper is unwrapped.

    Parameters
    ----------
    model : str
        A torch model of :data:`studiocomp.hub.MODELS`.
    weights : str or os.PathLike, optional
        A local checkpoint instead of the hub's (sha256-checked when the spec pins one).

    Returns
    -------
    dict of str to torch.Tensor
        The state dict, on the CPU.

    Raises
    ------
    WeightsUnavailableError
        The file cannot be had, is not a torch checkpoint, or holds no state dict.
    """
    from ..hub import fetch

    torch = require_torch()

    path = fetch(model, weights=weights)
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt or foreign file
        raise WeightsUnavailableError(f"could not read {path} as a torch checkpoint: {exc}") from exc
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict):
        raise WeightsUnavailableError(f"{path} holds a {type(state).__name__}, not a state dict")
    return dict(state)
