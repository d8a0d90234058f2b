"""Inference runtimes shared by the neural backends: ONNX Runtime sessions and torch devices."""

import os as _os

DEVICE_ENV = "STUDIOCOMP_DEVICE"
"""Environment variable: what ``device="auto"`` means for every backend ("auto", "cpu" or "cuda"); set by ``--device``."""


def default_device() -> str:
    """What ``device="auto"`` resolves to first: ``$STUDIOCOMP_DEVICE`` when set, else ``"auto"`` (CUDA when there is one).

    Returns
    -------
    str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.

    Raises
    ------
    InputError
        ``STUDIOCOMP_DEVICE`` is set to something other than auto, cpu or cuda.
    """
    from ..errors import InputError

    value = _os.environ.get(DEVICE_ENV, "auto").strip().lower() or "auto"
    if value not in ("auto", "cpu", "cuda"):
        raise InputError(DEVICE_ENV, "auto, cpu or cuda", repr(value))
    return value
