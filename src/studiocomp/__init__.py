"""studiocomp — cut people out of photos and composite them onto new backgrounds.

Quick start::

    import studiocomp
    pipe = studiocomp.Pipeline.preset("studio")
    result = pipe("shot.jpg", background="pink-white-1")
    studiocomp.save_image("out.png", result.composite)

Public arrays follow one convention (see :mod:`studiocomp.types`): images are
H×W×3 float32 sRGB in [0, 1], alpha H×W float32 in [0, 1], masks H×W bool.

Importing this package is cheap: NumPy only. OpenCV and the backends load on
first use; torch and onnxruntime are never imported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    BackendUnavailableError,
    InputError,
    StudiocompError,
    UnknownBackendError,
    WeightsUnavailableError,
)
from .types import Alpha, Compositor, Image, Mask, Matte, Matter, Relighter, Segmenter, ShadowCaster

__all__ = [
    "__version__",
    # errors
    "StudiocompError",
    "InputError",
    "UnknownBackendError",
    "BackendUnavailableError",
    "WeightsUnavailableError",
    # types and protocols
    "Image",
    "Alpha",
    "Mask",
    "Matte",
    "Segmenter",
    "Matter",
    "Relighter",
    "ShadowCaster",
    "Compositor",
    # images
    "as_image",
    "as_alpha",
    "as_mask",
    "from_bgr",
    "load_image",
    "save_image",
    "encode_image",
    # backends and pipelines
    "create",
    "list_backends",
    "register",
    "list_models",
    "Pipeline",
    "PipelineResult",
    "Placement",
    # submodules
    "backgrounds",
    "synthetic",
    "metrics",
    "estimate",
    "evaluate",
    "hub",
    "refine",
]

_LAZY = {
    "as_image": "image",
    "as_alpha": "image",
    "as_mask": "image",
    "from_bgr": "image",
    "load_image": "image",
    "save_image": "image",
    "encode_image": "image",
    "create": "registry",
    "list_backends": "registry",
    "register": "registry",
    "list_models": "hub",
    "Pipeline": "pipeline",
    "PipelineResult": "pipeline",
    "Placement": "placement",
}
# every public submodule is reachable as an attribute after ``import studiocomp`` (imported on first use), as
# README's ``studiocomp.batch.run_jobs`` is written; ``serve`` needs the ``serve`` extra, ``cluster`` the ``dask`` one
_SUBMODULES = set(
    "backgrounds synthetic metrics estimate evaluate hub refine color registry pipeline placement image types errors"
    " batch video prepared progress runtime backends serve cluster".split()
)

if TYPE_CHECKING:
    from . import backgrounds, estimate, evaluate, hub, metrics, refine, synthetic
    from . import batch as batch  # reachable as attributes, not in __all__ (a star import does not pull them in)
    from . import prepared as prepared
    from . import video as video
    from .hub import list_models
    from .image import as_alpha, as_image, as_mask, encode_image, from_bgr, load_image, save_image
    from .pipeline import Pipeline, PipelineResult
    from .registry import create, list_backends, register


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'studiocomp' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the public names (what tab completion offers), not the helpers this module imports (importlib, Any …);
    # the module's own dunders stay, as introspection tools expect them. Listing a lazy name imports nothing.
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__") and n.endswith("__")})
