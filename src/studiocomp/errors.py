"""The error hierarchy. Every error the library raises on purpose derives from
:class:`StudiocompError`, so ``except studiocomp.StudiocompError`` catches them all."""

from __future__ import annotations

from typing import Any

__all__ = [
    "StudiocompError",
    "InputError",
    "UnknownBackendError",
    "BackendUnavailableError",
    "WeightsUnavailableError",
]


class StudiocompError(Exception):
    """Base class of every error studiocomp raises on purpose."""


class InputError(StudiocompError, ValueError):
    """An argument (array, file, option) is not what the function accepts.

    Parameters
    ----------
    argument : str
        The argument's name.
    expected : str
        What it should be.
    got : str
        What it was.

    Attributes
    ----------
    argument : str
        Name of the offending argument (or file path).
    expected : str
        What would have been accepted.
    got : str
        What was actually given.
    """

    def __init__(self, argument: str, expected: str, got: Any) -> None:
        self.argument = argument
        self.expected = expected
        self.got = str(got)
        super().__init__(f"{argument}: expected {expected}, got {self.got}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, so it crosses process boundaries (Dask workers, multiprocessing)
        return (type(self), (self.argument, self.expected, self.got))


class UnknownBackendError(StudiocompError, LookupError):
    """No backend of that kind is registered under that name.

    Parameters
    ----------
    kind : str
        What was looked up (``"segmenter"``, ``"preset"``, …).
    name : str
        The unknown name.
    valid : list of str
        The names that exist (listed in the message).
    """

    def __init__(self, kind: str, name: str, valid: list[str]) -> None:
        self.kind, self.name, self.valid = kind, name, valid
        listing = ", ".join(repr(v) for v in valid) or "(none registered)"
        super().__init__(f"unknown {kind} {name!r}; valid names: {listing}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, as InputError
        return (type(self), (self.kind, self.name, self.valid))

    def __str__(self) -> str:  # LookupError would add quotes around the message
        return str(self.args[0])


class BackendUnavailableError(StudiocompError, ImportError):
    """A backend exists but cannot run here (missing optional dependency, no device)."""


class WeightsUnavailableError(StudiocompError):
    """Model weights are neither cached nor downloadable (e.g. offline)."""
