"""The backgrounds a server offers: the procedural presets and the images of its prepared-backgrounds folder."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["BackgroundEntry", "list_backgrounds", "catalog", "thumbnail"]

_KINDS = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}
_THUMB = 160  # longest side of a thumbnail, pixels
_thumbs: dict[tuple[str, int], bytes] = {}
_thumbs_lock = threading.Lock()


@dataclass(frozen=True)
class BackgroundEntry:
    """One prepared background: ``name`` (the file's stem, what clients send), ``file``, size, and its sidecar (or None).

    Attributes
    ----------
    name : str
        The file's stem: what clients send as ``background``.
    file : str
        The file's name in the backgrounds folder (no folder part).
    width, height : int or None
        The image's size in pixels from its header, or ``None`` when Pillow cannot read it.
    info : dict or None
        The sidecar (``NAME.studiocomp.json``) as JSON, or ``None`` when there is none or it cannot be read.
    problem : str or None
        Why the sidecar could not be read (``bad sidecar: ...``), or ``None``.
    """

    name: str
    file: str
    width: int | None
    height: int | None
    info: dict[str, Any] | None
    problem: str | None = None


def list_backgrounds(folder: Path) -> list[BackgroundEntry]:
    """The images in ``folder`` (not its subfolders, no hidden files), with their sidecars, sorted by name.

    A sidecar that cannot be read is reported in ``problem``, not raised: one bad file does not hide the others.

    Parameters
    ----------
    folder : Path
        The prepared-backgrounds folder.

    Returns
    -------
    list of BackgroundEntry
        One per image file (suffixes ``.jpg``, ``.jpeg``, ``.png``, ``.tif``, ``.tiff``, ``.webp``, ``.bmp``),
        sorted by file name; empty when the folder cannot be listed.
    """
    from PIL import Image as PILImage

    from ..errors import StudiocompError
    from ..prepared import SIDECAR_SUFFIX, read_info, sidecar_path

    out: list[BackgroundEntry] = []
    try:
        files = sorted(folder.iterdir())
    except OSError:
        return out
    for f in files:
        if f.name.startswith(".") or not f.is_file() or f.suffix.lower() not in _KINDS or f.name.endswith(SIDECAR_SUFFIX):
            continue
        width = height = None
        try:
            with PILImage.open(f) as im:
                width, height = im.size
        except Exception:
            pass
        info: dict[str, Any] | None = None
        problem = None
        try:
            found = read_info(f)
            info = found.to_json() if found is not None else None
            if found is not None and width is not None and height is not None:
                found.check((height, width), where=sidecar_path(f).name)  # a sidecar that cannot work with its image
        except StudiocompError as exc:
            problem = f"bad sidecar: {exc}"
        out.append(BackgroundEntry(f.stem, f.name, width, height, info, problem))
    return out


def catalog(folder: Path | None) -> list[dict[str, Any]]:
    """The list ``GET /v1/backgrounds`` answers: presets first, then the prepared backgrounds.

    Parameters
    ----------
    folder : Path or None
        The server's prepared-backgrounds folder, or ``None`` for presets only.

    Returns
    -------
    list of dict
        JSON-ready items: ``name``, ``kind`` (``preset`` or ``prepared``) and ``thumbnail`` (its URL path);
        a prepared one also ``file``, ``width``, ``height`` (pixels or ``None``), ``prepared``, ``sidecar``
        and, when its sidecar is bad, ``problem``.
    """
    from ..backgrounds import PRESETS

    items: list[dict[str, Any]] = [{"name": name, "kind": "preset", "thumbnail": f"/v1/backgrounds/{name}/thumbnail"} for name in PRESETS]
    if folder is not None:
        for e in list_backgrounds(folder):
            item: dict[str, Any] = {"name": e.name, "kind": "prepared", "file": e.file, "width": e.width, "height": e.height, "prepared": e.info is not None, "sidecar": e.info}
            if e.problem:
                item["problem"] = e.problem
            item["thumbnail"] = f"/v1/backgrounds/{e.name}/thumbnail"
            items.append(item)
    return items


def thumbnail(name: str, folder: Path | None) -> bytes | None:
    """A JPEG of the background ``name`` at most 160 px on its longest side (kept in memory), or None when unknown.

    Parameters
    ----------
    name : str
        A preset name or alias, or a prepared background's name (file stem) or file name.
    folder : Path or None
        The prepared-backgrounds folder (``None``: presets only).

    Returns
    -------
    bytes or None
        The JPEG file's bytes (quality 85; a preset is drawn 160 px wide and 120 px high, a prepared image scaled down
        to 160 px on its longest side, never up), or ``None`` for a name that is neither.
    """
    from ..backgrounds import ALIASES, PRESETS, make_preset
    from ..image import encode_image
    from ..prepared import load_background

    key = (name, 0)
    path: Path | None = None
    if name not in PRESETS and name not in ALIASES:
        from .jobs import prepared_path

        path = prepared_path(folder, name)
        if path is None:
            return None
        key = (str(path), path.stat().st_mtime_ns)
    with _thumbs_lock:
        hit = _thumbs.get(key)
    if hit is not None:
        return hit
    image: Any
    if path is None:
        image = make_preset(name, 120, _THUMB)
    else:
        import cv2

        full = load_background(path)
        h, w = full.shape[:2]
        s = _THUMB / max(h, w)
        image = cv2.resize(full, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA) if s < 1 else full
    data = encode_image(image, format="jpg", quality=85)
    with _thumbs_lock:
        _thumbs[key] = data
    return data
