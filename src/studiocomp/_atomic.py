"""Atomic file writes: a reader sees the old file or the complete new one, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "remove_orphans"]

_PREFIX = ".studiocomp-"  # temporary names are short (≈ 30 bytes) whatever the target's name, and carry the writer's pid


def _read_umask() -> int:
    # os.umask can only be read by setting it: done once, at import, not while other threads write files
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file (``.studiocomp-PID-XXXXXXXX.part``, short whatever the
    target's name, so a name near the file-system limit still works) is
    fsync'ed and renamed over ``path`` with :func:`os.replace`, which is atomic
    on POSIX and Windows. On any failure (including ``KeyboardInterrupt``) the
    temporary file is removed and ``path`` is left as it was; a process killed
    mid-write leaves one, which :func:`remove_orphans` deletes later.

    Raises
    ------
    OSError
        The folder cannot be created or written (read-only, disk full …).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{_PREFIX}{os.getpid()}-", suffix=".part", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); give it the permissions a plain open() would
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_orphans(folder: str | os.PathLike[str], *, recursive: bool = True) -> list[Path]:
    """Delete temporary files that killed writers left in ``folder``; returns the paths removed.

    Only ``.studiocomp-PID-*.part`` files whose process no longer runs are
    removed (a file of a live writer is left alone); unreadable folders are
    passed over.
    """
    removed: list[Path] = []
    root = Path(folder)
    if not root.is_dir():
        return removed
    pattern = f"**/{_PREFIX}*.part" if recursive else f"{_PREFIX}*.part"
    try:
        candidates = list(root.glob(pattern))
    except OSError:
        return removed
    for f in candidates:
        try:
            pid = int(f.name[len(_PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        if _alive(pid):
            continue
        try:
            f.unlink()
            removed.append(f)
        except OSError:
            pass
    return removed
