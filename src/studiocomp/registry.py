"""Backend registry: built-ins as lazy ``"module:Class"`` strings, plus plug-ins.

Third-party packages add backends through the entry-point group
``studiocomp.backends``; an entry point's name is ``"<kind>.<name>"`` and its
value ``"package.module:Class"``::

    [project.entry-points."studiocomp.backends"]
    "segmenter.my-model" = "my_package.seg:MySegmenter"

Nothing is imported until a backend is created, so listing backends is cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Literal, overload

from .errors import InputError, StudiocompError, UnknownBackendError
from .types import STAGE_PROTOCOLS, Compositor, Matter, Relighter, Segmenter, ShadowCaster

__all__ = ["KINDS", "register", "create", "parse_stage", "parse_spec", "list_backends", "backend_factory", "builtin_backends"]

KINDS: tuple[str, ...] = tuple(STAGE_PROTOCOLS)
ENTRY_POINT_GROUP = "studiocomp.backends"

_BUILTIN: dict[str, dict[str, str]] = {
    "segmenter": {
        "backdrop": "studiocomp.backends.segment.backdrop:BackdropKeyer",
        "studio": "studiocomp.backends.segment.studio:StudioSegmenter",
        "ensemble": "studiocomp.backends.segment.ensemble:PersonEnsemble",
        "selfie": "studiocomp.backends.segment.selfie:SelfieSegmenter",
        "u2netp": "studiocomp.backends.segment.u2netp:U2NetPSegmenter",
        "deeplab": "studiocomp.backends.segment.deeplab:DeepLabSegmenter",
        "sam": "studiocomp.backends.segment.sam:SAMSegmenter",
    },
    "matter": {
        "unmix": "studiocomp.backends.matte.unmix:UnmixMatter",
        "closed-form": "studiocomp.backends.matte.closed_form:ClosedFormMatter",
        "modnet": "studiocomp.backends.matte.modnet:MODNetMatter",
        "rvm": "studiocomp.backends.matte.rvm:RVMMatter",
    },
    "relighter": {
        "reinhard": "studiocomp.backends.relight.match:ReinhardRelighter",
        "histogram": "studiocomp.backends.relight.match:HistogramRelighter",
        "illuminant": "studiocomp.backends.relight.illuminant:IlluminantRelighter",
    },
    "shadow_caster": {
        "contact": "studiocomp.backends.shadow.floor:ContactShadow",
        "cast": "studiocomp.backends.shadow.floor:CastShadow",
    },
    "compositor": {
        "alpha-over": "studiocomp.backends.composite.alpha_over:AlphaOverCompositor",
        "matched": "studiocomp.backends.composite.matched:MatchedCompositor",
    },
}
_registry: dict[str, dict[str, str | Callable[..., Any]]] = {k: dict(v) for k, v in _BUILTIN.items()}
_entry_points_loaded = False


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UnknownBackendError("backend kind", kind, list(KINDS))


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        kind, _, name = ep.name.partition(".")
        if kind in KINDS and name and name not in _registry[kind]:
            _registry[kind][name] = ep.value


def register(kind: str, name: str, factory: str | Callable[..., Any], *, overwrite: bool = False) -> None:
    """Register a backend under ``kind``/``name``.

    ``factory`` is a class or callable, or a lazy ``"module:attr"`` string.
    Re-registering an existing name needs ``overwrite=True``.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    name : str
        The name to create it by.
    factory : str or callable
        A class or callable, or a lazy ``"module:attr"`` string (imported on first :func:`create`).
    overwrite : bool
        Replace an existing registration of ``name``.

    Raises
    ------
    UnknownBackendError
        Unknown ``kind``.
    StudiocompError
        ``name`` is taken and ``overwrite`` is False.
    """
    _check_kind(kind)
    _load_entry_points()
    if name in _registry[kind] and not overwrite:
        raise StudiocompError(f"{kind} {name!r} is already registered (pass overwrite=True to replace it)")
    _registry[kind][name] = factory


def _resolve(target: str | Callable[..., Any]) -> Callable[..., Any]:
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return]


def _check_options(kind: str, name: str, factory: Callable[..., Any], options: dict[str, Any]) -> None:
    """Refuse options the backend's constructor does not take, naming those it takes (not a TypeError from deep inside)."""
    import inspect

    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin or an object without a signature: let the call decide
        return
    try:
        sig.bind(**options)
    except TypeError:
        takes = [p.name for p in sig.parameters.values() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"]
        unknown = sorted(set(options) - set(takes))
        if not unknown:  # another mismatch (a required argument missing): the call says which
            return
        raise InputError(f"options of {kind} {name!r}", f"options among {', '.join(takes) or '(none)'}", ", ".join(unknown)) from None


@overload
def create(kind: Literal["segmenter"], name: str, **options: Any) -> Segmenter: ...
@overload
def create(kind: Literal["matter"], name: str, **options: Any) -> Matter: ...
@overload
def create(kind: Literal["relighter"], name: str, **options: Any) -> Relighter: ...
@overload
def create(kind: Literal["shadow_caster"], name: str, **options: Any) -> ShadowCaster: ...
@overload
def create(kind: Literal["compositor"], name: str, **options: Any) -> Compositor: ...
@overload
def create(kind: str, name: str, **options: Any) -> Any: ...


def create(kind: str, name: str, **options: Any) -> Any:
    """Create the backend ``name`` of ``kind`` with ``options``.

    Parameters
    ----------
    kind : str
        One of ``"segmenter"``, ``"matter"``, ``"relighter"``, ``"shadow_caster"``,
        ``"compositor"``.
    name : str
        A registered name (see :func:`list_backends`).
    **options
        Passed to the backend's constructor.

    Returns
    -------
    Segmenter, Matter, Relighter, ShadowCaster or Compositor
        The backend object.

    Raises
    ------
    UnknownBackendError
        Unknown kind or name; the message lists the valid ones.
    InputError
        An option the backend does not take (the message lists those it takes), or a bad value.
    StudiocompError
        The object created does not satisfy the kind's protocol.

    Examples
    --------
    >>> import studiocomp
    >>> studiocomp.create("segmenter", "backdrop", working_size=320)
    BackdropKeyer(working_size=320, shadow_depth=0.42, plate=no)
    """
    _check_kind(kind)
    _load_entry_points()
    if name not in _registry[kind]:
        raise UnknownBackendError(kind, name, sorted(_registry[kind]))
    factory = _resolve(_registry[kind][name])
    _check_options(kind, name, factory, options)
    backend = factory(**options)
    protocol = STAGE_PROTOCOLS[kind]
    if not isinstance(backend, protocol):
        raise StudiocompError(f"{kind} {name!r} created {type(backend).__name__}, which lacks the {protocol.__name__} methods")
    return backend


def parse_stage(kind: str, text: str, **extra: Any) -> Any:
    """Create a stage from a ``NAME[:key=value,...]`` spec, the command line's stage syntax.

    ``"matched:grain=False,light_wrap=0"`` creates
    ``create("compositor", "matched", grain=False, light_wrap=0)``. Values are
    Python literals (:func:`ast.literal_eval`) or, failing that, plain strings.
    The spec ``"none"`` gives ``None`` (the stage is dropped). A spec string is
    picklable where the backend it makes may not be, which is why the Dask
    scale-out (:class:`studiocomp.cluster.PipelineSpec`) sends specs to workers.

    Parameters
    ----------
    kind : str
        The stage kind (see :data:`KINDS`); also names the option in errors (``--kind``).
    text : str
        ``NAME`` or ``NAME:key=value,...``, or ``none``.
    **extra
        Further constructor options (e.g. from other command-line flags); they
        win over options of the same name in ``text``.

    Returns
    -------
    object or None
        The backend, or ``None`` for ``none``.

    Raises
    ------
    InputError
        A malformed ``key=value`` item.
    StudiocompError
        Unknown backend or bad options (from :func:`create`).
    """
    name, options = parse_spec(text, what=f"--{kind}")
    if name == "none":
        return None
    return create(kind, name, **(options | extra))


def parse_spec(text: str, *, what: str = "stage") -> tuple[str, dict[str, Any]]:
    """Split a ``NAME[:key=value,...]`` stage spec into its name and options, without creating anything.

    Parameters
    ----------
    text : str
        The spec, e.g. ``"matched:grain=False,light_wrap=0"``.
    what : str
        Where the spec came from, for the error message (``"--matter"``).

    Returns
    -------
    tuple of (str, dict)
        The name (stripped) and the options: values :func:`ast.literal_eval` reads, else the stripped text.

    Raises
    ------
    InputError
        An item that is not ``key=value`` with an identifier as its key.
    """
    import ast

    name, _, rest = text.partition(":")
    options: dict[str, Any] = {}
    for item in filter(None, (x.strip() for x in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip().isidentifier():
            raise InputError(what, "NAME[:key=value,...]", repr(text))
        try:
            options[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            options[key.strip()] = value.strip()
    return name.strip(), options


@overload
def list_backends(kind: None = None) -> dict[str, list[str]]: ...
@overload
def list_backends(kind: str) -> list[str]: ...


def list_backends(kind: str | None = None) -> dict[str, list[str]] | list[str]:
    """Registered backend names: a sorted list for ``kind``, or a dict of every kind.

    Parameters
    ----------
    kind : str, optional
        One of :data:`KINDS`; None for every kind.

    Returns
    -------
    list of str or dict of str to list of str
        Sorted names (built-ins, plug-ins and :func:`register` calls).

    Raises
    ------
    UnknownBackendError
        Unknown ``kind``.
    """
    _load_entry_points()
    if kind is not None:
        _check_kind(kind)
        return sorted(_registry[kind])
    return {k: sorted(v) for k, v in _registry.items()}


def builtin_backends() -> dict[str, list[str]]:
    """The backends that ship with studiocomp, by kind (sorted names; plug-ins and :func:`register` calls left out).

    Returns
    -------
    dict of str to list of str
        Every kind of :data:`KINDS` → its built-in names.
    """
    return {k: sorted(v) for k, v in _BUILTIN.items()}


def backend_factory(kind: str, name: str) -> Callable[..., Any]:
    """The class (or callable) registered as ``kind``/``name``, its module imported, nothing created.

    For reading what a backend declares without loading its weights (e.g. the
    hub model of a neural backend, its class's ``model`` attribute).

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    name : str
        A registered name (see :func:`list_backends`).

    Returns
    -------
    callable
        What :func:`create` would call with the options.

    Raises
    ------
    UnknownBackendError
        Unknown kind or name; the message lists the valid ones.
    """
    _check_kind(kind)
    _load_entry_points()
    if name not in _registry[kind]:
        raise UnknownBackendError(kind, name, sorted(_registry[kind]))
    return _resolve(_registry[kind][name])
