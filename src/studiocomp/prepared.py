"""Prepared backgrounds: a sidecar file of the scene's geometry and light, and a cache of decoded backgrounds.

A studio prepares a background once and reuses it for thousands of shots. What it
knows about the scene lives next to the image, in ``NAME.studiocomp.json``
(``hall.jpg`` → ``hall.studiocomp.json``)::

    {"version": 1,
     "horizon": 900, "floor_line": 1180,
     "light": {"azimuth": 120, "elevation": 35, "softness": 0.004, "source": "user"},
     "camera_height": 1.5, "floor_scale": 410.0,
     "place": {"feet": [1200, 1650], "subject_height": 1.7},
     "image": {"width": 2400, "height": 1800, "sha256": "9f86d08…"}}

Rows and columns are the background image's pixels (``y`` down). ``horizon`` is
the row of the vanishing line of the floor (at the camera's height); ``floor_line``
the row where the floor meets the back wall; ``floor_scale`` pixels per metre at the
default feet row (it follows from the horizon rule: ``(y − horizon) / camera_height``,
and is used when there is no horizon). The light is as in
:mod:`studiocomp.backends.shadow.floor` (degrees, azimuth 0 = from the camera, 90 =
from the right); ``source`` says where it came from (``"user"``, ``"shadows"``:
measured on the scene's own cast shadows, ``"default"``: nothing reliable was
found). Any field may be ``null``. A key or a ``source`` this format does not have is an error naming it (a
misspelt ``"hrizon"`` would otherwise leave the horizon unset without a word).

``image`` is the image the sidecar was written for: its size in pixels and the SHA-256 of its file
(:func:`write_info` stamps it). A sidecar whose image has since been replaced (same name, other content) is
refused as possibly stale, naming the command that refreshes it (``studiocomp backgrounds refresh IMAGE``: the
values kept, the stamp renewed). Sidecars written before this field existed have no ``image`` and load as
before (unchecked); the format's ``version`` stays 1.

:class:`~studiocomp.Pipeline` reads the sidecar of a background given as a path:
its placement fills what a :class:`~studiocomp.Placement` leaves open (feet,
horizon, camera height), and a ``cast`` shadow caster with no light of its own
uses the sidecar's light. ``studiocomp backgrounds`` lists, shows and creates sidecars.

Decoded backgrounds are kept in a per-process LRU cache bounded in bytes
(:func:`load_background`), keyed by the file's real path, modification time and
size, so an edited file is decoded again.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write_bytes
from .errors import InputError
from .hub import sha256_of
from .types import Image, QualityWarning

__all__ = [
    "SIDECAR_SUFFIX",
    "SIDECAR_VERSION",
    "LIGHT_SOURCES",
    "Light",
    "file_sha256",
    "BackgroundInfo",
    "sidecar_path",
    "read_info",
    "write_info",
    "prepare",
    "load_background",
    "BackgroundCache",
    "CACHE",
]

SIDECAR_SUFFIX = ".studiocomp.json"
SIDECAR_VERSION = 1
#: where the light in a sidecar came from
LIGHT_SOURCES = ("user", "shadows", "default")
#: the keys a sidecar's JSON object (and its ``light``, ``place`` and ``image`` objects) may hold
_KEYS = {
    "": ("version", "horizon", "floor_line", "light", "camera_height", "floor_scale", "place", "image"),
    "light.": ("azimuth", "elevation", "softness", "source"),
    "place.": ("feet", "subject_height"),
    "image.": ("width", "height", "sha256"),
}
#: default bound of the background cache, in bytes (a 20 MP background is 240 MB as float32)
DEFAULT_CACHE_BYTES = 1 << 30


@dataclass(frozen=True)
class Light:
    """The scene's key light. ``azimuth``, ``elevation`` in degrees; ``softness`` as :class:`CastShadow`'s (blur ÷ subject height).

    Attributes
    ----------
    azimuth, elevation : float or None
        Degrees (azimuth 0 = from the camera, 90 = from the right; elevation above the horizon).
    softness : float or None
        Shadow blur ÷ subject height.
    source : str
        ``"user"``, ``"shadows"`` (measured on the scene's cast shadows) or ``"default"``.
    """

    azimuth: float | None = None
    elevation: float | None = None
    softness: float | None = None
    source: str = "user"


@dataclass(frozen=True)
class BackgroundInfo:
    """What a sidecar file holds (see the module docstring for the units). ``None`` = not known.

    Attributes
    ----------
    horizon, floor_line : float or None
        Rows (background pixels, ``y`` down): the floor's vanishing line and the floor's meeting with the back wall.
    light : Light
        The scene's key light.
    camera_height : float or None
        Metres.
    floor_scale : float or None
        Pixels per metre at the default feet row.
    feet : (float, float) or None
        Default (x, y) of the subject's feet, pixels.
    subject_height : float or None
        Default height of a subject, metres.
    version : int
        The sidecar format (1).
    image_size : (int, int) or None
        (H, W) in pixels of the image the sidecar was written for (``None``: not recorded, an older sidecar).
    image_sha256 : str or None
        Hex SHA-256 of that image's file (``None``: not recorded).
    """

    horizon: float | None = None
    floor_line: float | None = None
    light: Light = field(default_factory=Light)
    camera_height: float | None = None
    floor_scale: float | None = None
    feet: tuple[float, float] | None = None
    subject_height: float | None = None
    version: int = SIDECAR_VERSION
    image_size: tuple[int, int] | None = None
    image_sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The sidecar's JSON object.

        Returns
        -------
        dict
            JSON-ready (numbers, None, lists, dicts).
        """
        d = asdict(self)
        return {
            "version": self.version,
            "horizon": d["horizon"],
            "floor_line": d["floor_line"],
            "light": d["light"],
            "camera_height": d["camera_height"],
            "floor_scale": d["floor_scale"],
            "place": {"feet": list(self.feet) if self.feet is not None else None, "subject_height": self.subject_height},
        } | ({"image": {"width": size[1], "height": size[0], "sha256": self.image_sha256}} if (size := self.image_size) is not None else {})

    @classmethod
    def from_json(cls, data: Any, *, where: str = "sidecar") -> BackgroundInfo:
        """Parse and check a sidecar's JSON object.

        Parameters
        ----------
        data : Any
            The decoded JSON.
        where : str
            Names the source in error messages.

        Returns
        -------
        BackgroundInfo

        Raises
        ------
        InputError
            Not an object, an unknown ``version`` (newer than this studiocomp reads), a key the format does not
            have (named, with the nearest known key), a light ``source`` other than ``"user"``, ``"shadows"`` or
            ``"default"``, or a field of the wrong kind.
        """
        if not isinstance(data, dict):
            raise InputError(where, "a JSON object", type(data).__name__)
        version = data.get("version")
        if version != SIDECAR_VERSION:
            raise InputError(f"{where}: version", f"{SIDECAR_VERSION}", repr(version))
        for prefix, known in _KEYS.items():
            obj = data if not prefix else data.get(prefix[:-1])
            for key in obj if isinstance(obj, dict) else ():
                if key not in known:
                    near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                    hint = f" (did you mean {prefix + near[0]!r}?)" if near else ""
                    raise InputError(f"{where}: {prefix}{key}", f"a key the sidecar format has ({', '.join(prefix + k for k in known)})", f"an unknown key {prefix + str(key)!r}{hint}")

        def num(value: Any, name: str, positive: bool = False) -> float | None:
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (positive and value <= 0):
                raise InputError(f"{where}: {name}", "a positive number or null" if positive else "a number or null", repr(value))
            return float(value)

        light = data.get("light") or {}
        place = data.get("place") or {}
        if not isinstance(light, dict) or not isinstance(place, dict):
            raise InputError(f"{where}: light/place", "JSON objects", f"{type(light).__name__}/{type(place).__name__}")
        feet = place.get("feet")
        if feet is not None and not (isinstance(feet, list) and len(feet) == 2):
            raise InputError(f"{where}: place.feet", "[x, y] in pixels or null", repr(feet))
        elevation = num(light.get("elevation"), "light.elevation")
        if elevation is not None and not 5.0 <= elevation <= 89.0:
            raise InputError(f"{where}: light.elevation", "degrees in [5, 89]", repr(elevation))
        azimuth = num(light.get("azimuth"), "light.azimuth")
        if azimuth is not None and not -360.0 <= azimuth <= 360.0:  # the ranges the cast shadow takes (CastShadow.with_light)
            raise InputError(f"{where}: light.azimuth", "degrees in [-360, 360]", repr(azimuth))
        softness = num(light.get("softness"), "light.softness", True)
        if softness is not None and softness > 1.0:
            raise InputError(f"{where}: light.softness", "a blur ÷ subject height in (0, 1]", repr(softness))
        source = light.get("source", "user")
        if source not in LIGHT_SOURCES:
            raise InputError(f"{where}: light.source", f"one of {', '.join(repr(v) for v in LIGHT_SOURCES)}", repr(source))
        stamp = data.get("image")
        if stamp is not None:
            ok = isinstance(stamp, dict) and all(isinstance(stamp.get(k), int) and not isinstance(stamp.get(k), bool) and stamp[k] > 0 for k in ("width", "height"))
            digest = stamp.get("sha256") if isinstance(stamp, dict) else None
            if not ok or not (digest is None or (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest))):
                raise InputError(f"{where}: image", '{"width": W, "height": H, "sha256": 64 hex digits or null} or null', repr(stamp))
        return cls(
            horizon=num(data.get("horizon"), "horizon"),
            floor_line=num(data.get("floor_line"), "floor_line"),
            light=Light(azimuth, elevation, softness, str(source)),
            camera_height=num(data.get("camera_height"), "camera_height", True),
            floor_scale=num(data.get("floor_scale"), "floor_scale", True),
            feet=None if feet is None else (num(feet[0], "place.feet") or 0.0, num(feet[1], "place.feet") or 0.0),
            subject_height=num(place.get("subject_height"), "place.subject_height", True),
            image_size=(int(stamp["height"]), int(stamp["width"])) if stamp is not None else None,
            image_sha256=stamp.get("sha256") if stamp is not None else None,
        )

    def check(self, size: tuple[int, int], *, where: str = "sidecar") -> None:
        """Check that this sidecar can work with its image of ``size`` = (H, W), before any photo is placed on it.

        Its rows and columns are the image's pixels, so a sidecar written for another image (or another size of
        it) shows as values off the image. The command line, the service and :class:`~studiocomp.Pipeline` call
        this once per background (through :func:`read_info` with ``check=True``), so each refuses the same
        sidecar with the same words, naming the file and the field.

        Parameters
        ----------
        size : (int, int)
            The image's (H, W) in pixels.
        where : str
            Names the sidecar in the error (its path).

        Raises
        ------
        InputError
            Its argument is ``"WHERE: FIELD"``: ``horizon`` at or below the image's bottom row H (no floor in view
            below it: a standing subject has no row to stand on), ``floor_line`` off the image (not in [0, H]), or
            ``place.feet`` off the image or, with a horizon, at or above it (:meth:`Placement.validate
            <studiocomp.Placement.validate>`, the check ``--place`` gets).
        """
        h, w = int(size[0]), int(size[1])
        if self.horizon is not None and self.horizon >= h:
            raise InputError(f"{where}: horizon", f"a row above the bottom of the {w}×{h} image (less than {h}, so some floor is in view below it)", f"{self.horizon:g}")
        if self.floor_line is not None and not 0.0 <= self.floor_line <= h:
            raise InputError(f"{where}: floor_line", f"a row of the {w}×{h} image (0 to {h})", f"{self.floor_line:g}")
        if self.feet is not None:
            from .placement import Placement

            Placement(feet=self.feet, horizon=self.horizon).validate((h, w), name=f"{where}: place.feet")

    def lit(self, caster: Any) -> tuple[Any, list[QualityWarning]]:
        """A shadow caster given this sidecar's light, and the note that light calls for.

        A caster with ``with_light`` (the ``cast`` caster) takes the sidecar's azimuth, elevation and softness
        where it has none of its own; when the sidecar's light is itself only the default (``source`` ``"default"``:
        no reliable cast shadow was found in the scene) and the caster has no light of its own, a ``light-default``
        note (``uncertain=False``) says the shadow's direction is a guess. The photo pipeline and ``video.run``
        both light their caster here.

        Parameters
        ----------
        caster : object
            A shadow caster; one without ``with_light`` is returned as it is.

        Returns
        -------
        (object, list of QualityWarning)
            The caster (a lit copy) and the notes (empty or one ``light-default``).
        """
        if not hasattr(caster, "with_light"):
            return caster, []
        notes = []
        if self.light.source == "default" and getattr(caster, "azimuth", 0.0) is None:
            notes.append(
                QualityWarning(
                    "light-default",
                    "the prepared background's light is the default (its sidecar's light source is \"default\": no reliable cast "
                    "shadow was found in the scene): the shadow's direction is a guess; set the sidecar's light (azimuth, elevation, "
                    'source "user") or give --light',
                    uncertain=False,
                )
            )
        return caster.with_light(self.light.azimuth, self.light.elevation, self.light.softness), notes

    def placement(self, given: Any = None) -> Any:
        """A :class:`~studiocomp.Placement` from this sidecar; fields set in ``given`` (a Placement, or None for ``auto``) win.

        The horizon rule needs a horizon; with none, ``floor_scale`` (px per metre at the default
        feet row) gives the height when the feet are that row. When the caller gave neither feet nor
        height, the sidecar's feet are marked ``for_standing``: a subject cut by its photo's bottom edge
        (a half-length portrait) is laid on the bottom edge below them instead of standing there in mid-air.

        Parameters
        ----------
        given : Placement, optional
            The caller's placement; its fields win over the sidecar's.

        Returns
        -------
        Placement
        """
        from .placement import Placement

        base = given if given is not None else Placement()
        feet = base.feet if base.feet is not None else self.feet
        height = base.height
        horizon = base.horizon if base.horizon is not None else self.horizon
        subject_height = self.subject_height if (self.subject_height is not None and base.subject_height == Placement.subject_height) else base.subject_height
        camera_height = self.camera_height if (self.camera_height is not None and base.camera_height == Placement.camera_height) else base.camera_height
        if height is None and horizon is None and self.floor_scale is not None and feet is not None and feet == self.feet:
            height = self.floor_scale * subject_height
        # the sidecar's spot is for a person seen whole: a cut subject goes on the bottom edge below it (Placement.for_standing)
        for_standing = base.feet is None and base.height is None and self.feet is not None
        return Placement(feet=feet, height=height, horizon=horizon, subject_height=subject_height, camera_height=camera_height, for_standing=for_standing, visible_height=base.visible_height)


def sidecar_path(image: str | os.PathLike[str]) -> Path:
    """``hall.jpg`` → ``hall.studiocomp.json`` (same folder).

    Parameters
    ----------
    image : str or os.PathLike
        The background image file.

    Returns
    -------
    pathlib.Path
    """
    p = Path(image)
    return p.with_name(p.stem + SIDECAR_SUFFIX)


def read_info(image: str | os.PathLike[str], *, check: bool = False) -> BackgroundInfo | None:
    """The sidecar of ``image``, or None when it has none.

    Parameters
    ----------
    image : str or os.PathLike
        The background image file.
    check : bool, default False
        Also check the sidecar against the image's size (:meth:`BackgroundInfo.check`); the image is then
        decoded through :data:`CACHE` (once per process). Only done when there is a sidecar.

    Returns
    -------
    BackgroundInfo or None

    Raises
    ------
    InputError
        The sidecar exists but is not valid JSON or not a valid sidecar, or (``check``) holds a value that cannot
        work with its image, or (``check``) records a size or SHA-256 other than the image's (it may be stale:
        the message names the command that refreshes it); the sidecar's path and the field are named in the
        message. With ``check``, also the image's own errors (:func:`load_background`).
    """
    path = sidecar_path(image)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), "a readable JSON sidecar", str(exc)) from None
    info = BackgroundInfo.from_json(data, where=str(path))
    if check:
        size = tuple(int(v) for v in load_background(image).shape[:2])
        advice = f"if its values still fit the image, renew its stamp with: studiocomp backgrounds refresh {image}; else remake it: studiocomp backgrounds create {image} --force"
        if info.image_size is not None and info.image_size != size:
            got = f"{Path(image).name} is {size[1]}×{size[0]}: the sidecar may be stale (written for another image); {advice}"
            raise InputError(f"{path}: image", f"the image it was written for ({info.image_size[1]}×{info.image_size[0]})", got)
        if info.image_sha256 is not None and info.image_sha256 != (now := file_sha256(image)):
            got = f"{Path(image).name} with sha256 {now[:12]}…: the sidecar may be stale (the image was replaced); {advice}"
            raise InputError(f"{path}: image", f"the image it was written for (sha256 {info.image_sha256[:12]}…)", got)
        info.check(size, where=str(path))  # type: ignore[arg-type]
    return info


_HASHES: dict[tuple[str, int, int], str] = {}
_HASHES_LOCK = threading.Lock()


def file_sha256(image: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, cached per process by (real path, modification time, size).

    Parameters
    ----------
    image : str or os.PathLike
        A file (the background image a sidecar belongs to).

    Returns
    -------
    str
        64 lowercase hex digits.

    Raises
    ------
    InputError
        The file cannot be read.
    """
    real = os.path.realpath(image)
    try:
        st = os.stat(real)
        key = (real, st.st_mtime_ns, st.st_size)
        with _HASHES_LOCK:
            hit = _HASHES.get(key)
        if hit is not None:
            return hit
        digest = sha256_of(real)
    except OSError as exc:
        raise InputError("background", "a readable image file", f"{image!s} ({exc.strerror})") from None
    with _HASHES_LOCK:
        _HASHES[key] = digest
    return digest


def write_info(image: str | os.PathLike[str], info: BackgroundInfo) -> Path:
    """Write ``info`` as the sidecar of ``image`` (atomically), stamped with the image's size and SHA-256; returns its path.

    The stamp (the sidecar's ``image``) lets a later run see that the image was replaced (:func:`read_info`);
    an ``image`` that is not a file (yet) is written unstamped.

    Parameters
    ----------
    image : str or os.PathLike
        The background image file.
    info : BackgroundInfo
        What to write.

    Returns
    -------
    pathlib.Path
        The sidecar written.

    Raises
    ------
    OSError
        It cannot be written (nothing half-written is left).
    InputError
        ``image`` is a file but not an image :func:`load_background` decodes.
    """
    if os.path.isfile(image):
        info = replace(info, image_size=tuple(int(v) for v in load_background(image).shape[:2]), image_sha256=file_sha256(image))  # type: ignore[arg-type]
    return atomic_write_bytes(sidecar_path(image), (json.dumps(info.to_json(), indent=2) + "\n").encode("utf-8"))


def prepare(image: str | os.PathLike[str], *, camera_height: float = 1.5, subject_height: float = 1.7) -> BackgroundInfo:
    """A sidecar pre-filled by the estimators, for a person to check and correct.

    The light comes from :func:`studiocomp.estimate.find_light` (the cast shadows
    already in the scene, the people standing in it as casters when the person prior's weights
    are on this machine; ``source`` "shadows", or "default" when it found none reliable; the
    default is :func:`studiocomp.estimate.estimate_light`'s, the side the scene's brightness
    falls from, as the cast shadow takes without a sidecar, so a sidecar does not move the shadow). The
    horizon and floor line are not estimated (``None``) — they are for the user to fill in; the
    default placement is centred at 92 % of the height, where ``Placement()`` puts it.

    Parameters
    ----------
    image : str or os.PathLike
        The background image file.
    camera_height : float
        Metres, recorded in the sidecar.
    subject_height : float
        Metres, the default subject height recorded in the sidecar.

    Returns
    -------
    BackgroundInfo
        Not written: see :func:`write_info`.
    """
    from .estimate.light import estimate_light, find_light

    bg = load_background(image)
    h, w = bg.shape[:2]
    est = find_light(bg, casters="auto")  # the people standing in it as casters, when the person prior's weights are here
    azimuth, elevation = estimate_light(bg, found=est)  # with none found, the cast shadow's own default without a sidecar
    light = Light(round(azimuth, 1), round(elevation, 1), 0.004, "shadows" if est.found else "default")
    return BackgroundInfo(light=light, camera_height=camera_height, feet=(round(w / 2.0, 1), round(0.92 * h, 1)), subject_height=subject_height)


class BackgroundCache:
    """An LRU of decoded backgrounds bounded in bytes, keyed by (real path, mtime, size), and of rendered presets. Thread-safe.

    A hit returns the same read-only array (no copy: a copy of a 20 MP background costs
    ~50 ms); stages never write to their inputs. An image larger than the bound is not kept.

    Parameters
    ----------
    max_bytes : int
        Largest total size of the decoded images kept (bytes); the least recently used go first.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def nbytes(self) -> int:
        """Bytes held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every cached background."""
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def get(self, path: str | os.PathLike[str]) -> Image:
        """The decoded background of ``path`` (H×W×3 float32 sRGB, read-only), decoding it on a miss.

        Parameters
        ----------
        path : str or os.PathLike
            An image file.

        Returns
        -------
        Image
            A shared read-only array: copy it before writing.

        Raises
        ------
        InputError
            The file is missing, unreadable, or not an image :func:`studiocomp.load_image` takes.
        """
        from .image import load_image

        real = os.path.realpath(path)
        try:
            st = os.stat(real)
        except OSError as exc:
            raise InputError("background", "an existing image file", f"{path!s} ({exc.strerror})") from None
        key = (real, st.st_mtime_ns, st.st_size)
        return self._cached(key, lambda: load_image(real), stale=lambda k: k[0] == real)  # an older version of the same file goes

    def remember(self, key: tuple[str, int, int], make: Callable[[], Image]) -> Image:
        """The image cached under ``key``, or ``make()``'s, kept (read-only) for the next call.

        Used for rendered preset backgrounds, keyed ``("preset:NAME", height, width)``: a 24 MP
        preset takes ~0.15 s to render, a hit none.

        Parameters
        ----------
        key : (str, int, int)
            A key no file path can take (files use their real path).
        make : callable
            Returns the H×W×3 float32 image on a miss.

        Returns
        -------
        Image
            A shared read-only array: copy it before writing.
        """
        return self._cached(key, make, stale=lambda k: False)

    def _cached(self, key: tuple[str, int, int], make: Callable[[], Image], stale: Callable[[tuple[str, int, int]], bool]) -> Image:
        """The hit under ``key``, or ``make()``'s image kept (dropping the entries ``stale`` names) within the bound."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return hit
        image = make()
        image.setflags(write=False)
        with self._lock:
            self.misses += 1
            for old in [k for k in self._items if stale(k)]:
                self._bytes -= self._items.pop(old).nbytes
            if image.nbytes <= self.max_bytes:
                self._items[key] = image
                self._bytes += image.nbytes
                while self._bytes > self.max_bytes:
                    _, dropped = self._items.popitem(last=False)
                    self._bytes -= dropped.nbytes
        return image


CACHE = BackgroundCache(int(float(os.environ.get("STUDIOCOMP_BACKGROUND_CACHE_MB", DEFAULT_CACHE_BYTES / 2**20)) * 2**20))
"""The process's background cache (bound: ``STUDIOCOMP_BACKGROUND_CACHE_MB``, default 1024)."""


def load_background(path: str | os.PathLike[str]) -> Image:
    """H×W×3 float32 sRGB background decoded from ``path``, through :data:`CACHE` (read-only array).

    Parameters
    ----------
    path : str or os.PathLike
        An image file.

    Returns
    -------
    Image
        H×W×3 float32 sRGB in [0, 1], read-only (shared with later calls).

    Raises
    ------
    InputError
        The file does not exist or is not an image.
    """
    return CACHE.get(path)
