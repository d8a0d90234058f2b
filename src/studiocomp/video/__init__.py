"""Video: cut the main person out of a clip and lay them into a new scene, steady from frame to frame.

Needs PyAV (``pip install "studiocomp[video]"``); importing :mod:`studiocomp` never imports it,
and this package imports it only when a clip is opened.

- :func:`run` — the whole clip, streaming (decode → matte → track → finish → encode).
- :func:`open_video`, :class:`VideoWriter`, :class:`FrameFolderWriter` — reading and atomic writing.
- :class:`FlowStabiliser`, :class:`StabilisedMatter` — temporal stabilisation of any per-frame backend.
- :class:`SubjectTracker` — the main subject chosen on the first frame and followed (SORT-style);
  its :class:`SubjectRecord` (area and box per frame) gives the clip's ``subject-lost`` /
  ``subject-switched`` / ``subject-tiny`` / ``subject-merged`` warnings.
- :func:`evaluate_clip` — per-frame IoU, dtSSD and flicker of a clip against ground-truth masks.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "run",
    "VideoResult",
    "temporal_matter",
    "open_video",
    "read_info",
    "VideoInfo",
    "VideoReader",
    "VideoWriter",
    "FrameFolderWriter",
    "FlowStabiliser",
    "StabilisedMatter",
    "SubjectTracker",
    "SubjectRecord",
    "evaluate_clip",
    "ClipReport",
]

_LAZY = {
    "run": "stream",
    "VideoResult": "stream",
    "temporal_matter": "stream",
    "open_video": "io",
    "read_info": "io",
    "VideoInfo": "io",
    "VideoReader": "io",
    "VideoWriter": "io",
    "FrameFolderWriter": "io",
    "FlowStabiliser": "stabilise",
    "StabilisedMatter": "stabilise",
    "SubjectTracker": "track",
    "SubjectRecord": "subject_record",
    "evaluate_clip": "evaluate",
    "ClipReport": "evaluate",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'studiocomp.video' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
