"""The public API, checked against the list in ``tests/api_surface.txt``.

A name missing from the package but listed in the file fails the test: removing a
public name is a breaking change, so it must be deliberate (update the file in
the same commit, and say so in CHANGELOG.md). A new public name fails too, until
the file lists it, so that additions are seen in review. Regenerate the file with::

    python -m tests.unit.test_api_surface

The public API is ``studiocomp.__all__`` and, for every module whose dotted path
has no ``_``-prefixed part, its ``__all__`` (or, without one, the public classes
and functions it defines).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SURFACE_FILE = REPO / "tests" / "api_surface.txt"
HEADER = "# The public API of studiocomp, one `module:name` per line (see tests/unit/test_api_surface.py).\n# Regenerate: python -m tests.unit.test_api_surface\n"


def public_names() -> set[str]:
    """Every public ``module:name`` of the installed package (importing its public modules).

    Importing every submodule changes the package objects (``import pkg.run`` binds the
    attribute ``pkg.run`` to the submodule, over a lazily exported function of that name),
    so the tests call this in a fresh process (:func:`public_names_isolated`).
    """
    import studiocomp

    names = {f"studiocomp:{n}" for n in studiocomp.__all__}
    for info in pkgutil.walk_packages(studiocomp.__path__, "studiocomp."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        listed = getattr(module, "__all__", None)
        if listed is None:
            listed = [n for n, obj in vars(module).items() if not n.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == info.name]
        names.update(f"{info.name}:{n}" for n in listed)
    return names


def public_names_isolated() -> set[str]:
    """:func:`public_names`, computed in a fresh interpreter so this test process is left as it was."""
    run = subprocess.run([sys.executable, "-m", "tests.unit.test_api_surface", "--print"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return set(run.stdout.split())


def listed_names() -> set[str]:
    lines = SURFACE_FILE.read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_no_public_name_removed_or_unlisted() -> None:
    current, listed = public_names_isolated(), listed_names()
    removed, added = sorted(listed - current), sorted(current - listed)
    assert not removed, f"public names removed (a breaking change): {removed}. If that is meant, drop them from {SURFACE_FILE.name} (python -m tests.unit.test_api_surface) and say so in CHANGELOG.md."
    assert not added, f"new public names not in {SURFACE_FILE.name}: {added}. Add them: python -m tests.unit.test_api_surface"


def test_every_listed_name_resolves() -> None:
    """``__all__`` promises each name: it must be there (lazy attributes included), in a fresh process."""
    code = "import importlib, sys\nmissing = [e for e in sys.argv[1:] if getattr(importlib.import_module(e.split(':')[0]), e.split(':')[1], None) is None]\nprint(*missing)\n"
    run = subprocess.run([sys.executable, "-c", code, *sorted(listed_names(), key=lambda e: (e.count("."), e))], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and not run.stdout.split(), run.stdout + run.stderr[-3000:]


def write_surface_file() -> None:
    SURFACE_FILE.write_text(HEADER + "".join(f"{n}\n" for n in sorted(public_names())))


if __name__ == "__main__":
    if sys.argv[1:] == ["--print"]:
        print("\n".join(sorted(public_names())))
    else:
        write_surface_file()
        print(f"wrote {SURFACE_FILE} ({len(listed_names())} names)", file=sys.stderr)
