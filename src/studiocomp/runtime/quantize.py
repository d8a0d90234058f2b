"""Opt-in int8 variants of the ONNX models, made on the user's machine from the pinned fp32 file.

::

    from studiocomp.runtime.quantize import int8_model
    path = int8_model(fp32_path, calibration)   # cached next to the fp32 file

The int8 file is made with ONNX Runtime's own static quantisation
(:func:`onnxruntime.quantization.quantize_static`): the fp32 graph is raised to
opset 13 (per-channel weight scales need it), shape-inferred
(``quant_pre_process``), then every supported operator gets int8 weights
(per output channel) and uint8 activations (``QOperator`` format: ``QLinearConv``
…), the activation ranges calibrated (min–max) on the inputs given — the
backends give their own preprocessing of deterministic synthetic studio shots
(:func:`studiocomp.synthetic.studio_shot`), so every machine makes the same file
from the same weights and onnxruntime. It is written next to the fp32 file in the
Hugging Face hub cache as ``NAME.int8.onnx`` with ``NAME.int8.json`` (the source's
sha256, the method, the onnxruntime version); a file from elsewhere
(``weights=PATH``) gets its int8 variant in ``~/.cache/studiocomp/int8/`` (named by
its sha256): folders outside the caches are never written to.
A sidecar whose source sha256 or recipe does not match is made again.

Whether an int8 model may be used is decided by the evaluation, not here: see
:data:`INT8_EVALUATION` and ``docs/performance.md``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BackendUnavailableError, InputError

__all__ = ["INT8_EVALUATION", "RECIPE", "int8_model", "int8_allowed"]

#: What the int8 file is made with; part of the sidecar, so a change of recipe makes the file again.
RECIPE = "onnxruntime.quantization.quantize_static: opset 13, QOperator, per-channel int8 weights, uint8 activations, min-max calibration"

#: The evaluation that decides where int8 may be used: ``python benchmarks/eval_int8.py`` on pfcn_portrait_test
#: (263 portraits, masks cut at 0.5, mean IoU against the hand-drawn masks; median seconds per ``segment()``),
#: 2026-11-30, 2 intra-op threads on a 2-core Xeon with AVX-512 VNNI shared with other sessions
#: (``benchmarks/results-int8-2026-11-30.json``). ``holds``: int8's mean IoU within 0.002 of fp32's, the
#: project's band for equal quality. Neither holds, so neither is offered.
INT8_EVALUATION: dict[str, dict[str, Any]] = {
    "u2netp": {"holds": False, "iou_fp32": 0.8865, "iou_int8": 0.6494, "seconds_fp32": 0.460, "seconds_int8": 0.217},
    "selfie": {"holds": False, "iou_fp32": 0.9621, "iou_int8": 0.9587, "seconds_fp32": 0.0168, "seconds_int8": 0.0178},
}


def int8_allowed(model: str) -> bool:
    """Whether the evaluation lets ``model`` run in int8 (see :data:`INT8_EVALUATION`).

    Parameters
    ----------
    model : str
        A model name of :data:`studiocomp.hub.MODELS`.

    Returns
    -------
    bool
        True only where the measured accuracy holds.
    """
    return bool(INT8_EVALUATION.get(model, {}).get("holds", False))


def _sidecar(target: Path) -> Path:
    return target.with_suffix(".json")


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "studiocomp" / "int8"


def _in_hub_cache(path: Path) -> bool:
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - a dependency
        return False
    root = Path(constants.HF_HUB_CACHE).absolute()
    return path.absolute().is_relative_to(root) and os.access(path.parent, os.W_OK)


def int8_model(source: str | os.PathLike[str], calibration: Iterable[Mapping[str, np.ndarray]], *, source_sha256: str | None = None) -> Path:
    """The int8 variant of an fp32 ONNX file: made once (minutes at most), then read from its cache.

    Parameters
    ----------
    source : str or os.PathLike
        The fp32 ``.onnx`` file (normally :func:`studiocomp.hub.fetch`'s path, whose sha256 is pinned).
    calibration : iterable of mapping str → ndarray
        Network inputs (input name → float32 array of the model's input shape) to
        calibrate the activation ranges on; read only when the file is made.
    source_sha256 : str, optional
        The source's sha256 when known (it is computed otherwise).

    Returns
    -------
    Path
        ``NAME.int8.onnx`` next to the source when it is in the hub cache (else
        ``~/.cache/studiocomp/int8/SHA256.int8.onnx``), with its ``.json`` sidecar.

    Raises
    ------
    BackendUnavailableError
        The ``onnx`` package (needed by ONNX Runtime's quantisation) is missing.
    InputError
        ``source`` does not exist, or ``calibration`` is empty.
    """
    from .._atomic import atomic_write_bytes
    from ..hub import sha256_of

    src = Path(source)
    if not src.is_file():
        raise InputError("source", "an existing .onnx file", str(src))
    digest = source_sha256 or sha256_of(src)
    folder = src.parent if _in_hub_cache(src) else _cache_root()
    target = folder / f"{src.stem if folder == src.parent else digest[:16]}.int8.onnx"
    try:
        import onnxruntime
    except ImportError as exc:  # pragma: no cover - a dependency
        raise BackendUnavailableError("int8 models need onnxruntime: pip install onnxruntime") from exc
    meta = {"source_sha256": digest, "recipe": RECIPE, "onnxruntime": onnxruntime.__version__}
    try:
        if target.is_file() and json.loads(_sidecar(target).read_text())["source_sha256"] == digest and json.loads(_sidecar(target).read_text())["recipe"] == RECIPE:
            return target
    except (OSError, ValueError, KeyError):
        pass
    try:
        import onnx
        from onnx import version_converter
        from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as exc:
        raise BackendUnavailableError('making an int8 model needs the onnx package: pip install "studiocomp[onnx]" (or pip install onnx)') from exc
    feeds = [dict(feed) for feed in calibration]
    if not feeds:
        raise InputError("calibration", "at least one network input", "none")

    class _Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._it = iter(feeds)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._it, None)

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="studiocomp-int8-") as tmp:
        raised = Path(tmp) / "opset13.onnx"
        prepared = Path(tmp) / "prepared.onnx"
        quantized = Path(tmp) / "int8.onnx"
        onnx.save(version_converter.convert_version(onnx.load(str(src)), 13), str(raised))
        quant_pre_process(str(raised), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared), str(quantized), _Reader(), quant_format=QuantFormat.QOperator, per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8
        )
        atomic_write_bytes(target, quantized.read_bytes())
    atomic_write_bytes(_sidecar(target), (json.dumps(meta, indent=2) + "\n").encode())
    return target
