"""Model weights: one frozen :class:`ModelSpec` per file, fetched from the Hugging Face hub on first use.

::

    from studiocomp import hub
    hub.list_models()                  # every known weight file, with its license
    path = hub.fetch("modnet")         # cached path; downloads once, checks the sha256
    path = hub.fetch("modnet", weights="my/modnet.onnx")   # a local file, sha256-checked too
    hub.import_file("my/modnet.onnx")  # into the hub cache: fetch("modnet") finds it from now on

Downloads go through :func:`huggingface_hub.hf_hub_download` at the spec's
revision, so the hub's cache (``HF_HOME``, ``HF_HUB_CACHE``) and offline mode
(``HF_HUB_OFFLINE=1``) work as for any hub model. Offline with nothing cached,
:func:`fetch` fails at once with :class:`~studiocomp.WeightsUnavailableError`
saying which repo and file are missing and how to get them. It never falls back
to random weights. When the hub cannot be reached (and ``HF_HUB_OFFLINE`` is not
set), a short connection probe notices it and :func:`fetch` uses the cache only,
so a missing file fails within seconds rather than after the hub client's retries.

A weight file you already have goes into the cache with :func:`import_file`
(``studiocomp models import PATH``): the sha256 says which model it is, and from
then on :func:`fetch` (and every backend and preset) finds it, offline too.

``sha256_verified`` on a spec says whether its sha256 was checked against the
real file, ``location_verified`` whether the repo and file name were confirmed.
The hub cannot be reached from where this library is developed: revisions
(``main``) could not be resolved to commits, so the sha256 is what pins the
content, and a spec whose location is unconfirmed may need ``weights=PATH``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, WeightsUnavailableError

__all__ = [
    "ModelSpec", "Preprocessing", "MODELS", "list_models", "get_spec", "fetch", "import_file", "find_spec", "sha256_of",
    "is_offline", "hub_reachable", "LOCAL_COMMIT", "use_weights", "local_weights",
]  # fmt: skip

_LOCAL_WEIGHTS: dict[str, Path] = {}


def use_weights(name: str, path: str | os.PathLike[str] | None) -> None:
    """Use a local file for model ``name`` wherever this process fetches it (``None`` forgets it).

    Every backend that fetches ``name`` without its own ``weights=`` gets this
    file (sha256-checked on fetch) instead of the hub cache: the presets' default
    stages included. ``--weights NAME=PATH`` on the command line calls this.

    Parameters
    ----------
    name : str
        A model of :data:`MODELS`.
    path : str, os.PathLike or None
        The local weight file; None forgets an earlier one.

    Raises
    ------
    InputError
        ``name`` is not a known model (see :func:`list_models`).
    WeightsUnavailableError
        ``path`` does not exist.
    """
    spec = get_spec(name)
    if path is None:
        _LOCAL_WEIGHTS.pop(spec.name, None)
        return
    p = Path(path)
    if not p.is_file():
        raise WeightsUnavailableError(f"weights file {p} for {spec.name} does not exist")
    _LOCAL_WEIGHTS[spec.name] = p


def local_weights(name: str) -> Path | None:
    """The local file :func:`use_weights` set for model ``name``, or None.

    Parameters
    ----------
    name : str
        A model of :data:`MODELS`.

    Returns
    -------
    pathlib.Path or None
        The file a fetch of ``name`` will use instead of the hub cache.

    Raises
    ------
    InputError
        ``name`` is not a known model.
    """
    return _LOCAL_WEIGHTS.get(get_spec(name).name)


#: The snapshot "commit" under which :func:`import_file` places a file when the cache has no ref for the
#: spec's revision yet (a ref the hub wrote is kept and its snapshot used).
LOCAL_COMMIT = "0" * 40
#: Seconds the connection probe of :func:`hub_reachable` waits.
PROBE_TIMEOUT = 1.5


@dataclass(frozen=True)
class Preprocessing:
    """How a network's input is made from a photo: the one source the backends read.

    The photo is an H×W×3 float32 sRGB image in [0, 1] (see :mod:`studiocomp.types`).
    Its size is set by one of ``size`` / ``long_side`` / ``short_side``; its values by
    :meth:`normalize`: ``((x / max(x) if divide_by_max) · scale − mean) / std``.

    Attributes
    ----------
    layout : str
        "NCHW" or "NHWC": the axis order of the network's image input (batch of 1).
    size : int, optional
        Square input side (pixels): the photo is squeezed to ``size`` × ``size``.
    long_side : int, optional
        The photo is scaled so that its long side is this many pixels (the backend's default resolution).
    short_side : int, optional
        The photo is scaled so that its short side is this many pixels.
    multiple_of : int
        Each side is rounded to a multiple of this (the network's total stride).
    scale : float
        Factor applied to the [0, 1] values before ``mean`` and ``std`` (255 for networks trained on 8-bit values).
    mean, std : tuple of 3 floats
        Per-channel (R, G, B) normalisation, in the units after ``scale``.
    divide_by_max : bool
        Divide by the image's maximum first (rembg's preparation of U²-Net).
    pad_to_square : bool
        Pad bottom-right with zeros (after normalising) to ``long_side`` × ``long_side``.
    notes : str
        What else the network's inputs need (recurrent states, extra inputs), in words.
    """

    layout: str = "NCHW"
    size: int | None = None
    long_side: int | None = None
    short_side: int | None = None
    multiple_of: int = 1
    scale: float = 1.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    divide_by_max: bool = False
    pad_to_square: bool = False
    notes: str = ""

    def normalize(self, x: Any) -> Any:
        """The network's values for an image already at the network's size.

        Parameters
        ----------
        x : numpy.ndarray
            h×w×3 float32 sRGB in [0, 1].

        Returns
        -------
        numpy.ndarray
            h×w×3 float32: ``((x / max(x) if divide_by_max) · scale − mean) / std``; the steps that
            are identities (scale 1, mean 0, std 1) are skipped, so ``x`` itself comes back when all are.
        """
        import numpy as np

        if self.divide_by_max:
            x = x / max(float(x.max()), 1e-6)
        if self.scale != 1.0:
            x = x * np.float32(self.scale)
        if self.mean != (0.0, 0.0, 0.0):
            x = x - np.array(self.mean, np.float32)
        if self.std != (1.0, 1.0, 1.0):
            x = x / np.array(self.std, np.float32)
        return x

    def to_layout(self, x: Any) -> Any:
        """An h×w×3 array as the network's contiguous batch of one: 1×3×h×w (NCHW) or 1×h×w×3 (NHWC), float32.

        Parameters
        ----------
        x : numpy.ndarray
            h×w×3 float32 (after :meth:`normalize`).

        Returns
        -------
        numpy.ndarray
            1×3×h×w or 1×h×w×3 float32, C-contiguous.
        """
        import numpy as np

        return np.ascontiguousarray((x.transpose(2, 0, 1) if self.layout == "NCHW" else x)[None], np.float32)


_IMAGENET_MEAN, _IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
_SAM = Preprocessing(long_side=1024, scale=255.0, mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375), pad_to_square=True)


@dataclass(frozen=True)
class ModelSpec:
    """Where one weight file lives, what it is, and how its input must be prepared (:class:`Preprocessing`).

    Attributes
    ----------
    name : str
        The model's name (``fetch(name)``, ``--weights NAME=PATH``).
    repo_id, filename : str
        Hugging Face hub repository and file path in it.
    sha256 : str or None
        64 hex digits the file must hash to (None: not pinned).
    size : int or None
        Bytes.
    license : str
        SPDX identifier of the weights' license.
    framework : str
        "onnx" or "torch".
    task : str
        What the model does, in words.
    revision : str
        Hub revision (branch, tag or commit).
    preprocessing : Preprocessing
        How its input is prepared; the backends read it.
    sha256_verified, location_verified : bool
        Whether the sha256 was checked against the real file, and whether the hub location was confirmed.
    notes : str
        Caveats, in words.
    source_url : str or None
        Where the authors publish the file, when that is not the hub.
    """

    name: str
    repo_id: str
    filename: str
    sha256: str | None
    size: int | None
    license: str
    framework: str  # "onnx" or "torch"
    task: str
    revision: str = "main"
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    sha256_verified: bool = False  # the sha256 was checked against the real file
    location_verified: bool = False  # repo and file name were confirmed to hold that file
    notes: str = ""
    source_url: str | None = None  # where the authors publish the file, when that is not the hub

    @property
    def copyleft(self) -> bool:
        """True for GPL / AGPL / LGPL weights (software shipping them may have to be under that license too)."""
        return self.license.upper().startswith(("GPL", "AGPL", "LGPL"))

    @property
    def url(self) -> str:
        """The hub page of the file at the spec's revision."""
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
            preprocessing=Preprocessing(long_side=512, multiple_of=32, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),  # (x·255 − 127.5) / 127.5 = (x − 0.5) / 0.5
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
            preprocessing=Preprocessing(
                long_side=1024,
                notes="any size (the decoder crops to each skip's size, the guided filter returns the input's); "
                "recurrent states r1i..r4i (zeros [1,1,1,1] at the first frame) and downsample_ratio float32[1]",
            ),
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
            preprocessing=Preprocessing(size=320, divide_by_max=True, mean=_IMAGENET_MEAN, std=_IMAGENET_STD),
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
            preprocessing=Preprocessing(layout="NHWC", size=256),
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
            preprocessing=_SAM,
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
            preprocessing=_SAM,
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
            preprocessing=Preprocessing(short_side=520, mean=_IMAGENET_MEAN, std=_IMAGENET_STD),
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
            preprocessing=Preprocessing(short_side=520, mean=_IMAGENET_MEAN, std=_IMAGENET_STD),
            notes="torchvision's published checkpoint (see source_url); the hub location is unconfirmed. Download it and pass weights=PATH.",
        ),
    )
}


def list_models() -> list[ModelSpec]:
    """Every known weight file, sorted by name.

    Returns
    -------
    list of ModelSpec
    """
    return [MODELS[k] for k in sorted(MODELS)]


def get_spec(name: str) -> ModelSpec:
    """The spec of a known model.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.

    Returns
    -------
    ModelSpec

    Raises
    ------
    InputError
        Unknown name; the message lists the known ones.
    """
    try:
        return MODELS[name]
    except KeyError:
        raise InputError("model", f"one of {sorted(MODELS)}", repr(name)) from None


def sha256_of(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """The sha256 of a file, as 64 lowercase hex digits (read in ``chunk``-byte blocks).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    chunk : int
        Bytes read at a time.

    Returns
    -------
    str
        64 lowercase hex digits.

    Raises
    ------
    OSError
        The file cannot be read.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def is_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set (read as the hub library reads it).

    Returns
    -------
    bool
    """
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
    unset = " (or unset HF_HUB_OFFLINE)" if is_offline() else ""
    return (
        f"Fetch it once with internet access: `studiocomp models fetch {spec.name}`{unset}; or download {where} yourself and "
        f"`studiocomp models import FILE` (then every preset finds it), or give it for one run: `--weights {spec.name}=FILE` "
        f"on the command line, `weights=FILE` in Python."
    )


def find_spec(sha256: str) -> ModelSpec | None:
    """The spec whose pinned sha256 is ``sha256`` (64 hex digits), or None.

    Parameters
    ----------
    sha256 : str
        64 hex digits (any case).

    Returns
    -------
    ModelSpec or None
    """
    digest = sha256.lower()
    return next((spec for spec in MODELS.values() if spec.sha256 == digest), None)


def _cache_root(cache_dir: str | os.PathLike[str] | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def import_file(
    path: str | os.PathLike[str],
    name: str | ModelSpec | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    link: bool = False,
) -> Path:
    """Put a local weight file into the hub cache, where :func:`fetch` finds it (offline too).

    The file is laid out as :func:`huggingface_hub.hf_hub_download` leaves a
    download: ``models--OWNER--REPO/blobs/SHA256``, a ``snapshots/COMMIT/FILENAME``
    link to it and ``refs/REVISION`` naming the commit. A ref already in the cache
    is kept (its snapshot gets the file); otherwise the commit is :data:`LOCAL_COMMIT`.

    Parameters
    ----------
    path : str or PathLike
        The weight file.
    name : str or ModelSpec, optional
        The model it is. Omitted: the model whose pinned sha256 the file has.
    cache_dir : str or PathLike, optional
        The hub cache folder; default the hub's own (``HF_HUB_CACHE``, ``HF_HOME``).
    link : bool
        Link to ``path`` instead of copying it (the file must then stay where it is).

    Returns
    -------
    Path
        The file's path in the cache (what :func:`fetch` will return).

    Raises
    ------
    WeightsUnavailableError
        ``path`` does not exist, its sha256 differs from the spec's, or (``name``
        omitted) no spec pins its sha256.
    InputError
        ``name`` is not a known model.
    """
    src = Path(path)
    if not src.is_file():
        raise WeightsUnavailableError(f"weights file {src} does not exist")
    digest = sha256_of(src)
    if name is None:
        found = find_spec(digest)
        if found is None:
            pinned = sorted(s.name for s in MODELS.values() if s.sha256)
            raise WeightsUnavailableError(
                f"{src} (sha256 {digest}) is none of the known weight files with a pinned sha256 ({', '.join(pinned)}). Name the model if its sha256 is not pinned: studiocomp models import {src} NAME"
            )
        spec = found
    else:
        spec = name if isinstance(name, ModelSpec) else get_spec(name)
        if spec.sha256 is not None and digest != spec.sha256:
            raise WeightsUnavailableError(f"{src} is not the {spec.name} weight file: its sha256 is {digest}, expected {spec.sha256}")
    repo = _cache_root(cache_dir) / ("models--" + spec.repo_id.replace("/", "--"))
    ref = repo / "refs" / spec.revision
    if ref.is_file() and ref.read_text().strip():
        commit = ref.read_text().strip()
    else:
        commit = spec.revision if len(spec.revision) == 40 and all(c in "0123456789abcdef" for c in spec.revision) else LOCAL_COMMIT
    target = repo / "snapshots" / commit / spec.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    # the hub names a large file's blob by its sha256 (its LFS etag): a later download finds it there
    blob = repo / "blobs" / digest
    blob.parent.mkdir(parents=True, exist_ok=True)
    if link:
        points_to = str(src.resolve())  # the snapshot links straight to the user's file
    else:
        if not (blob.is_file() and not blob.is_symlink() and sha256_of(blob) == digest):
            fd, tmp = tempfile.mkstemp(prefix=f".{digest}.", suffix=".part", dir=blob.parent)
            os.close(fd)
            try:
                os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache file is readable like a download
                shutil.copyfile(src, tmp)
                os.replace(tmp, blob)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        points_to = os.path.relpath(blob, target.parent)  # as the hub links a snapshot to its blob
    tmp_link = target.with_name(f".{target.name}.{os.getpid()}.link")
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(points_to)
    os.replace(tmp_link, target)  # atomic: a reader sees the old link or the new one
    if commit != spec.revision:
        ref.parent.mkdir(parents=True, exist_ok=True)
        tmp_ref = ref.with_name(f".{ref.name}.{os.getpid()}.ref")
        tmp_ref.write_text(commit)
        os.replace(tmp_ref, ref)  # atomic too: a reader never sees an empty ref
    return target


_probe_cache: dict[str, tuple[float, bool]] = {}


def _proxied_address(url: str) -> tuple[str, int] | None:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        pp = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if not pp.hostname:
            return None
        return pp.hostname, pp.port or 80
    return (host, port) if host else None


def hub_reachable(endpoint: str | None = None, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to the hub (or the proxy in front of it) opens within ``timeout`` seconds.

    ``endpoint`` defaults to the hub client's (``HF_ENDPOINT``). Name lookup is
    bounded by the timeout too. A result is remembered for 30 seconds.

    Parameters
    ----------
    endpoint : str, optional
        The hub URL (default: ``HF_ENDPOINT`` or https://huggingface.co).
    timeout : float
        Seconds to wait for the connection.

    Returns
    -------
    bool
    """
    if endpoint is None:
        from huggingface_hub import constants

        endpoint = constants.ENDPOINT
    cached = _probe_cache.get(endpoint)
    if cached is not None and time.monotonic() - cached[0] < 30.0:
        return cached[1]
    address = _proxied_address(endpoint)
    if address is None:
        return True  # nothing to probe: let the hub client try
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection(address, timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True, name="studiocomp-hub-probe")
    worker.start()
    worker.join(timeout + 0.2)
    ok = bool(result and result[0])
    _probe_cache[endpoint] = (time.monotonic(), ok)
    return ok


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
    ``local_only`` never downloads (as if offline). When the hub does not
    answer a connection probe within :data:`PROBE_TIMEOUT` seconds, only the
    cache is used (no retries).
    Raises :class:`~studiocomp.WeightsUnavailableError` when the file cannot
    be had or does not match its sha256.

    Parameters
    ----------
    name : str or ModelSpec
        A model of :data:`MODELS` (see :func:`list_models`), or a spec.
    weights : str or os.PathLike, optional
        A local file to use instead of the hub (sha256-checked like a download).
    cache_dir : str or os.PathLike, optional
        The hub cache folder (default: the hub's, ``HF_HUB_CACHE``).
    local_only : bool
        Never download (as if offline).

    Returns
    -------
    pathlib.Path
        The weight file.

    Raises
    ------
    InputError
        Unknown model name.
    WeightsUnavailableError
        The file cannot be had (offline and not cached, unreachable hub, missing local file) or does not match its sha256.
    """
    spec = name if isinstance(name, ModelSpec) else get_spec(name)
    if weights is None:
        weights = _LOCAL_WEIGHTS.get(spec.name)
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
    unreachable = not local_only and not is_offline() and not hub_reachable()
    try:
        local = hf_hub_download(
            spec.repo_id, spec.filename, revision=spec.revision, cache_dir=None if cache_dir is None else str(cache_dir), local_files_only=local_only or unreachable, library_name="studiocomp"
        )
    except LocalEntryNotFoundError as exc:
        mode = "offline (HF_HUB_OFFLINE=1)" if is_offline() else "not asked (local only)" if local_only else "unreachable"
        raise WeightsUnavailableError(
            f"{spec.name} weights are not in the local hub cache and the hub is {mode}: repo {spec.repo_id}, file {spec.filename}, revision {spec.revision}. " + _how_to_get(spec)
        ) from exc
    except (HfHubHTTPError, OSError) as exc:
        raise WeightsUnavailableError(f"could not download {spec.name} ({spec.repo_id}/{spec.filename}): {exc}. " + _how_to_get(spec)) from exc
    return _verify(spec, Path(local), "cached file")
