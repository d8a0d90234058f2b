"""Shared fixtures. Tests never touch the network: the hub is forced offline."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before anything could import huggingface_hub

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STUDIOCOMP_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path inside ../shared, or skip the test with the reason."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not found (set STUDIOCOMP_SHARED to the shared data folder)")
    return p


@pytest.fixture(scope="session")
def shot() -> tuple[np.ndarray, np.ndarray]:
    from studiocomp.synthetic import studio_shot

    return studio_shot((320, 240), seed=11)
