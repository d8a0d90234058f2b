"""Every public function, class and method has a NumPy docstring that says what it takes, gives and raises.

The public surface is ``tests/api_surface.txt`` (see ``test_api_surface.py``). For
each function, class (its ``__init__``'s parameters) and public method defined in
studiocomp, in the modules checked here:

- there is a docstring;
- a callable that takes parameters has a ``Parameters`` section naming every one
  (``a, b : type`` lines name several; ``*args`` / ``**options`` by their names);
- a callable that returns something (its annotation is not ``None``) has a
  ``Returns`` (or ``Yields``) section — classes and properties excepted;
- a callable whose own body raises (a ``raise`` statement in its source, other than
  ``NotImplementedError`` and re-raises) has a ``Raises`` section.

Run ``python -m tests.unit.test_docstrings`` for the list of what is missing.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SURFACE_FILE = REPO / "tests" / "api_surface.txt"

#: Modules left out: other work documents them (the HTTP service, folder batches, the Dask scale-out).
SKIPPED: tuple[str, ...] = ()

_SECTION = re.compile(r"^\s*(Parameters|Returns|Yields|Raises|Attributes|Other Parameters)\s*\n\s*-{3,}\s*$", re.M)
_PARAM_LINE = re.compile(r"^(\s*)(\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*\*{0,2}[A-Za-z_][\w]*)*)\s*(?::.*)?$")


def _sections(doc: str) -> dict[str, str]:
    """The NumPy sections of a docstring: name → its text (up to the next section)."""
    doc = inspect.cleandoc(doc)
    marks = list(_SECTION.finditer(doc))
    return {m.group(1): doc[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(doc)] for i, m in enumerate(marks)}


def _documented_params(section: str) -> set[str]:
    """The parameter names listed in a Parameters section (the unindented ``name : type`` lines)."""
    lines = textwrap.dedent(section.strip("\n")).splitlines()
    names: set[str] = set()
    for line in lines:
        if not line.strip() or line.startswith((" ", "\t")):
            continue
        m = _PARAM_LINE.match(line)
        if m:
            names.update(n.strip().lstrip("*") for n in m.group(2).split(","))
    return names


def _params(func: Callable[..., Any], skip_first: bool) -> list[str]:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    names = list(sig.parameters)
    if skip_first and names:
        names = names[1:]
    return names


def _returns_value(func: Callable[..., Any]) -> bool:
    ann = inspect.signature(func).return_annotation
    return ann not in (inspect.Signature.empty, None, "None", "NoReturn")


class _Raises(ast.NodeVisitor):
    """Does the function's own body (not nested defs) raise a documented-worthy error?"""

    def __init__(self) -> None:
        self.found = False
        self.depth = 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.depth += 1
        if self.depth == 1:
            self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return

    def visit_Raise(self, node: ast.Raise) -> None:
        if node.exc is None:
            return  # a re-raise
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(target, ast.Name) and target.id == "NotImplementedError":
            return
        self.found = True


def _raises(func: Callable[..., Any]) -> bool:
    try:
        src = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return False
    visitor = _Raises()
    visitor.visit(ast.parse(src))
    return visitor.found


def _problems(label: str, func: Callable[..., Any], doc: str | None, *, skip_first: bool, returns: bool, fields: bool = False) -> Iterator[str]:
    """What ``func``'s docstring ``doc`` lacks; ``fields``: a dataclass, whose Attributes section names its parameters."""
    if not doc or not doc.strip():
        yield f"{label}: no docstring"
        return
    sections = _sections(doc)
    params = _params(func, skip_first)
    listing = ("Parameters", "Other Parameters", "Attributes") if fields else ("Parameters", "Other Parameters")
    if params:
        if not set(listing) & set(sections):
            yield f"{label}: takes {', '.join(params)} but has no Parameters section"
        else:
            named = set().union(*(_documented_params(sections.get(s, "")) for s in listing))
            missing = [p for p in params if p not in named]
            if missing:
                yield f"{label}: Parameters section does not name {', '.join(missing)}"
    if returns and _returns_value(func) and not ({"Returns", "Yields"} & set(sections)):
        yield f"{label}: returns a value but has no Returns section"
    if _raises(func) and "Raises" not in sections:
        yield f"{label}: raises but has no Raises section"


def _public_objects() -> dict[str, Any]:
    """``module:name`` → object for the checked part of the public surface (each object once, under its home module)."""
    entries = [line.strip() for line in SURFACE_FILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    seen: dict[int, str] = {}
    out: dict[str, Any] = {}
    for entry in sorted(entries, key=lambda e: (e.count("."), e)):
        module_name, _, name = entry.partition(":")
        if module_name.startswith(SKIPPED):
            continue
        obj = getattr(importlib.import_module(module_name), name, None)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        home = getattr(obj, "__module__", "") or ""
        if not home.startswith("studiocomp") or home.startswith(SKIPPED) or id(obj) in seen:
            continue
        seen[id(obj)] = entry
        out[f"{home}:{obj.__qualname__}"] = obj
    return out


def problems() -> list[str]:
    """Every missing piece of documentation on the checked public surface."""
    found: list[str] = []
    for label, obj in sorted(_public_objects().items()):
        if inspect.isfunction(obj):
            found.extend(_problems(label, obj, obj.__doc__, skip_first=False, returns=True))
            continue
        init = obj.__dict__.get("__init__")
        own_init = inspect.isfunction(init) and init.__module__ == obj.__module__
        is_protocol = bool(getattr(obj, "_is_protocol", False))
        if own_init and not is_protocol:
            # the class's parameters are its __init__'s: documented in the class docstring (numpydoc) or on __init__
            doc = obj.__doc__ or ""
            if init.__doc__ and "Parameters" in _sections(init.__doc__):
                doc = init.__doc__
            found.extend(_problems(label, init, doc, skip_first=True, returns=False, fields=dataclasses.is_dataclass(obj)))
        elif not (obj.__doc__ or "").strip():
            found.append(f"{label}: no docstring")
        for name, member in obj.__dict__.items():
            if name.startswith("_") and name != "__call__":
                continue
            if isinstance(member, property):
                if not (member.__doc__ or "").strip():
                    found.append(f"{label}.{name}: property without a docstring")
                continue
            if isinstance(member, (staticmethod, classmethod)):
                func, skip = member.__func__, isinstance(member, classmethod)
            elif inspect.isfunction(member):
                func, skip = member, True
            else:
                continue
            found.extend(_problems(f"{label}.{name}", func, func.__doc__, skip_first=skip, returns=True))
    return found


def test_public_definitions_are_documented() -> None:
    """In a fresh process (importing every public module changes the package's attributes)."""
    run = subprocess.run([sys.executable, "-m", "tests.unit.test_docstrings"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr[-3000:]
    missing = [line for line in run.stdout.splitlines() if line.strip()]
    assert not missing, f"{len(missing)} public definitions lack documentation:\n" + "\n".join(missing)


def test_the_checker_catches_what_it_should() -> None:
    """The rules themselves: a bare function, an undocumented parameter, a missing Returns and Raises each fail."""

    def bare(x: int) -> int:
        return x

    def half(x: int, y: int) -> int:
        """Adds.

        Parameters
        ----------
        x : int
            One.
        """
        return x + y

    def raising(x: int) -> None:
        """Checks.

        Parameters
        ----------
        x : int
            A number.
        """
        if x < 0:
            raise ValueError(x)

    def good(x: int, *, y: int = 0, **options: Any) -> int:
        """Adds.

        Parameters
        ----------
        x, y : int
            Numbers.
        **options
            Ignored.

        Returns
        -------
        int
            The sum.

        Raises
        ------
        ValueError
            Negative ``x``.
        """
        if x < 0:
            raise ValueError(x)
        return x + y

    def check(f: Callable[..., Any]) -> list[str]:
        return list(_problems(f.__name__, f, f.__doc__, skip_first=False, returns=True))

    assert check(bare) == ["bare: no docstring"]
    assert check(half) == ["half: Parameters section does not name y", "half: returns a value but has no Returns section"]
    assert check(raising) == ["raising: raises but has no Raises section"]
    assert check(good) == []


if __name__ == "__main__":
    result = problems()
    print("\n".join(result))
    sys.exit(1 if result else 0)
