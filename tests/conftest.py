"""Shared fixtures. Tests never touch the network: the hub is forced offline."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Before anything could import huggingface_hub: never the network, never the user's own hub cache.
os.environ["HF_HUB_OFFLINE"] = "1"
HUB_CACHE = Path(tempfile.mkdtemp(prefix="studiocomp-test-hub-"))
atexit.register(shutil.rmtree, HUB_CACHE, ignore_errors=True)  # links only: nothing of the user's is in it
os.environ["HF_HUB_CACHE"] = str(HUB_CACHE)

import numpy as np  # noqa: E402  (after the environment is set)
import pytest  # noqa: E402

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


#: Hub model name → file in ../shared/weights that is that model's weight file.
SHARED_WEIGHTS = {
    "modnet": "modnet/modnet.onnx",
    "rvm-mobilenetv3": "rvm/rvm_mobilenetv3_fp32.onnx",
    "u2netp": "u2netp/u2netp.onnx",
    "selfie": "mediapipe_selfie/selfie_segmentation.onnx",
}


def seed_hub_cache(cache: Path, names: list[str] | None = None) -> None:
    """Put these models' files from ../shared/weights into the hub cache ``cache`` (links, no copies).

    Through :func:`studiocomp.hub.import_file`, as ``studiocomp models import`` does:
    hf_hub_download with HF_HUB_OFFLINE=1 then resolves refs/main → snapshot → file
    exactly as on a user's machine after a first download.
    """
    from studiocomp.hub import import_file

    for name in names or list(SHARED_WEIGHTS):
        import_file(shared_path("weights", SHARED_WEIGHTS[name]), name, cache_dir=cache, link=True)


@pytest.fixture(scope="session")
def hub_cache() -> Path:
    """The test hub cache, seeded with every model in ../shared/weights (skips when absent)."""
    seed_hub_cache(HUB_CACHE)
    return HUB_CACHE
