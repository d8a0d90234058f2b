"""Model weights: one frozen :class:`ModelSpec` per file, fetched from the Hugging Face hub on first use.

::

    from studiocomp import hub
    hub.list_models()                  # every known weight file, with its license
    path = hub.fetch("modnet")         # cached path; downloads once, checks the sha256
    path = hub.fetch("modnet", weights="my/modnet.onnx")   # a local file, sha256-checked too

Downloads go through :func:`huggingface_hub.hf_hub_download` at the spec's
revision, so the hub's cache (``HF_HOME``, ``HF_HUB_CACHE``) and offline mode
(``HF_HUB_OFFLINE=1``) work as for any hub model. Offline with nothing cached,
:func:`fetch` fails at once with :class:`~studiocomp.WeightsUnavailableError`
saying which repo and file are missing and how to get them. It never falls back
to random weights.

``sha256_verified`` on a spec says whether its sha256 was checked against the
real file, ``location_verified`` whether the repo and file name were confirmed.
The hub cannot be reached from where this library is developed: revisions
(``main``) could not be resolved to commits, so the sha256 is what pins the
content, and a spec whose location is unconfirmed may need ``weights=PATH``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, WeightsUnavailableError

__all__ = ["ModelSpec", "MODELS", "list_models", "get_spec", "fetch", "sha256_of", "is_offline"]


@dataclass(frozen=True)
class ModelSpec:
    """Where one weight file lives, what it is, and how its input must be prepared."""

    name: str
    repo_id: str
    filename: str
    sha256: str | None
    size: int | None
    license: str
    framework: str  # "onnx" or "torch"
    task: str
    revision: str = "main"
    preprocessing: dict[str, Any] = field(default_factory=dict)
    sha256_verified: bool = False  # the sha256 was checked against the real file
    location_verified: bool = False  # repo and file name were confirmed to hold that file
    notes: str = ""
    source_url: str | None = None  # where the authors publish the file, when that is not the hub

    @property
    def copyleft(self) -> bool:
        return self.license.upper().startswith(("GPL", "AGPL", "LGPL"))

    @property
    def url(self) -> str:
        return f"https://huggingface.co/{self.repo_id}/blob/{self.revision}/{self.filename}"


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="modnet",
            repo_id="DavG25/modnet-pretrained-models",
            filename="models/modnet_photographic_portrait_matting.onnx",
            sha256="07c308cf0fc7e6e8b2065a12ed7fc07e1de8febb7dc7839d7b7f15dd66584df9",
            size=25_888_640,
            license="Apache-2.0",
            framework="onnx",
            task="portrait matting",
            preprocessing={"layout": "NCHW", "range": "(x*255 - 127.5) / 127.5", "multiple_of": 32, "reference_short_side": 512},
            sha256_verified=True,
            location_verified=True,
        ),
        ModelSpec(
            name="rvm-mobilenetv3",
            repo_id="LPDoctor/video_matting",
            filename="rvm_mobilenetv3_fp32.onnx",
            sha256="88d4531297118f595bf2fd60f6f566aec2e559393802d1f436c380f0cbbd2828",
            size=14_975_696,
            license="GPL-3.0",
            framework="onnx",
            task="video matting (recurrent)",
            preprocessing={"layout": "NCHW", "range": "[0, 1]", "states": "r1i..r4i zeros [1,1,1,1] at the first frame", "downsample_ratio": "float32[1]"},
            sha256_verified=True,
            notes="GPL-3.0: software that ships these weights may have to be GPL-3.0 too. The exact file name in the hub repo is unconfirmed.",
        ),
        ModelSpec(
            name="u2netp",
            repo_id="danielgatis/rembg",
            filename="u2netp.onnx",
            sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
            size=4_574_861,
            license="Apache-2.0",
            framework="onnx",
            task="salient object segmentation",
            preprocessing={"layout": "NCHW", "size": 320, "mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225), "scale": "divide by the image max"},
            sha256_verified=True,
            notes="The file rembg calls u2netp.onnx (same md5 as rembg's pin). rembg itself serves it from GitHub releases; this hub location is unconfirmed.",
        ),
        ModelSpec(
            name="selfie",
            repo_id="onnx-community/mediapipe_selfie_segmentation",
            filename="selfie_segmentation.onnx",
            sha256="1511ab5564cb0ae179cba9bcad6ad931003ccc71656f11fd270967023678c6a5",
            size=447_596,
            license="Apache-2.0",
            framework="onnx",
            task="person segmentation",
            preprocessing={"layout": "NHWC", "size": 256, "range": "[0, 1]"},
            sha256_verified=True,
            notes="MediaPipe selfie segmentation (general) converted by tf2onnx; this hub location is unconfirmed.",
        ),
        ModelSpec(
            name="sam-vit-b",
            repo_id="ybelkada/segment-anything",
            filename="checkpoints/sam_vit_b_01ec64.pth",
            sha256=None,
            size=None,
            license="Apache-2.0",
            framework="torch",
            task="promptable segmentation",
            preprocessing={"long_side": 1024, "mean": (123.675, 116.28, 103.53), "std": (58.395, 57.12, 57.375), "pad": "bottom-right to 1024×1024"},
            notes="Official Segment Anything ViT-B checkpoint; not available here, so its sha256 is not pinned and quality was not measured.",
        ),
        ModelSpec(
            name="mobile-sam",
            repo_id="dhkim2810/MobileSAM",
            filename="mobile_sam.pt",
            sha256=None,
            size=40_728_226,
            license="Apache-2.0",
            framework="torch",
            task="promptable segmentation",
            preprocessing={"long_side": 1024, "mean": (123.675, 116.28, 103.53), "std": (58.395, 57.12, 57.375), "pad": "bottom-right to 1024×1024"},
            notes="MobileSAM (TinyViT encoder + SAM decoder); not available here: size from the hub listing, sha256 not pinned, quality not measured.",
        ),
        ModelSpec(
            name="deeplabv3-mobilenet-v3-large",
            repo_id="timm/deeplabv3_mobilenet_v3_large.tv_in1k",
            filename="deeplabv3_mobilenet_v3_large-fc3c493d.pth",
            source_url="https://download.pytorch.org/models/deeplabv3_mobilenet_v3_large-fc3c493d.pth",
            sha256=None,
            size=None,
            license="BSD-3-Clause",
            framework="torch",
            task="semantic segmentation (COCO subset with VOC classes; person = 15)",
            preprocessing={"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225), "short_side": 520},
            notes="torchvision's published checkpoint (see source_url); the hub location is unconfirmed. Download it and pass weights=PATH.",
        ),
        ModelSpec(
            name="deeplabv3-resnet50",
            repo_id="timm/deeplabv3_resnet50.tv_in1k",
            filename="deeplabv3_resnet50_coco-cd0a2569.pth",
            source_url="https://download.pytorch.org/models/deeplabv3_resnet50_coco-cd0a2569.pth",
            sha256=None,
            size=None,
            license="BSD-3-Clause",
            framework="torch",
            task="semantic segmentation (COCO subset with VOC classes; person = 15)",
            preprocessing={"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225), "short_side": 520},
            notes="torchvision's published checkpoint (see source_url); the hub location is unconfirmed. Download it and pass weights=PATH.",
        ),
    )
}


def list_models() -> list[ModelSpec]:
    """Every known weight file, sorted by name."""
    return [MODELS[k] for k in sorted(MODELS)]


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise InputError("model", f"one of {sorted(MODELS)}", repr(name)) from None


def sha256_of(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def is_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set (read as the hub library reads it)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def _verify(spec: ModelSpec, path: Path, where: str) -> Path:
    if spec.sha256 is None:
        return path
    digest = sha256_of(path)
    if digest != spec.sha256:
        raise WeightsUnavailableError(
            f"{where} {path} is not the {spec.name} weight file: its sha256 is {digest}, expected {spec.sha256}. "
            f"Delete it and fetch again (studiocomp models fetch {spec.name}), or pass the right file."
        )
    return path


def _how_to_get(spec: ModelSpec) -> str:
    where = spec.source_url or spec.url
    return f"Fetch it once with internet access: `studiocomp models fetch {spec.name}` (or unset HF_HUB_OFFLINE), or download {where} yourself and pass weights=PATH."


def fetch(
    name: str | ModelSpec,
    *,
    weights: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    local_only: bool = False,
) -> Path:
    """The local path of a model's weight file, downloading it on first use.

    ``weights`` is a local file to use instead (checked against the spec's
    sha256 like a download). ``cache_dir`` overrides the hub cache folder;
    ``local_only`` never downloads (as if offline).
    Raises :class:`~studiocomp.WeightsUnavailableError` when the file cannot
    be had or does not match its sha256.
    """
    spec = name if isinstance(name, ModelSpec) else get_spec(name)
    if weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise WeightsUnavailableError(f"weights file {path} for {spec.name} does not exist")
        return _verify(spec, path, "weights file")
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
    except ImportError as exc:  # pragma: no cover - huggingface-hub is a dependency
        raise WeightsUnavailableError(f"huggingface-hub is needed to fetch {spec.name}: pip install huggingface-hub") from exc
    try:
        local = hf_hub_download(spec.repo_id, spec.filename, revision=spec.revision, cache_dir=cache_dir, local_files_only=local_only, library_name="studiocomp")
    except LocalEntryNotFoundError as exc:
        mode = "offline (HF_HUB_OFFLINE=1)" if is_offline() else "not asked (local only)" if local_only else "unreachable"
        raise WeightsUnavailableError(
            f"{spec.name} weights are not in the local hub cache and the hub is {mode}: repo {spec.repo_id}, file {spec.filename}, revision {spec.revision}. " + _how_to_get(spec)
        ) from exc
    except (HfHubHTTPError, OSError) as exc:
        raise WeightsUnavailableError(f"could not download {spec.name} ({spec.repo_id}/{spec.filename}): {exc}. " + _how_to_get(spec)) from exc
    return _verify(spec, Path(local), "cached file")
