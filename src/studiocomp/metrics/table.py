"""The one table of the metrics :func:`studiocomp.metrics.score` reports: name → function, group, unit, direction, eval column.

:func:`~studiocomp.metrics.score` keys its dict by :attr:`MetricInfo.name`,
``SEGMENTATION_KEYS`` … ``FIDELITY_KEYS`` are the names of each group in this
order, and ``studiocomp eval`` (:data:`studiocomp.evaluate.METRIC_COLUMNS`)
writes each metric to :attr:`MetricInfo.column` multiplied by
:attr:`MetricInfo.scale`, the unit of the literature's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .fidelity import color_shift, edge_halo, sharpness_ratio
from .matting import connectivity_error, gradient_error, mse, sad
from .realism import boundary_sharpness, illumination_consistency, lab_color_distance, noise_mismatch
from .segmentation import boundary_f1, dice, hausdorff, hausdorff95, iou, precision, recall

__all__ = ["MetricInfo", "METRICS", "GROUPS", "keys"]

#: The metric groups, in the order :func:`~studiocomp.metrics.score` fills its dict.
GROUPS: tuple[str, ...] = ("segmentation", "matting", "realism", "fidelity")


@dataclass(frozen=True)
class MetricInfo:
    """One metric of :func:`~studiocomp.metrics.score`.

    Attributes
    ----------
    name : str
        The key in :func:`~studiocomp.metrics.score`'s dict and the name of ``function``.
    group : str
        One of :data:`GROUPS`.
    function : callable
        The public metric function that computes it alone (same value as ``score``).
    higher_is_better : bool
        Direction: True when a larger value is a better result.
    unit : str
        The unit of the function's value.
    column : str
        The column of ``studiocomp eval``'s CSV and summary.
    scale : float
        ``column`` = value × ``scale`` (e.g. 1000 for MSE in thousandths, as the matting tables report it).
    """

    name: str
    group: str
    function: Callable[..., float]
    higher_is_better: bool
    unit: str
    column: str
    scale: float = 1.0


def _m(function: Callable[..., Any], group: str, higher_is_better: bool, unit: str, column: str | None = None, scale: float = 1.0) -> MetricInfo:
    return MetricInfo(function.__name__, group, function, higher_is_better, unit, column or function.__name__, scale)


#: Every metric of :func:`~studiocomp.metrics.score`, by name, grouped in :data:`GROUPS` order.
METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        _m(iou, "segmentation", True, "fraction [0, 1]"),
        _m(dice, "segmentation", True, "fraction [0, 1]"),
        _m(precision, "segmentation", True, "fraction [0, 1]"),
        _m(recall, "segmentation", True, "fraction [0, 1]"),
        _m(boundary_f1, "segmentation", True, "fraction [0, 1]"),
        _m(hausdorff, "segmentation", False, "pixels", "hausdorff_px"),
        _m(hausdorff95, "segmentation", False, "pixels", "hausdorff95_px"),
        _m(sad, "matting", False, "thousands of alpha units", "sad_thousands"),  # metrics.sad is in thousands already
        _m(mse, "matting", False, "alpha units squared", "mse_thousandths", 1e3),
        _m(gradient_error, "matting", False, "alpha-gradient units squared", "grad_thousands", 1e-3),
        _m(connectivity_error, "matting", False, "alpha units", "conn_thousands", 1e-3),
        _m(noise_mismatch, "realism", False, "noise σ, [0, 1] image units"),
        _m(boundary_sharpness, "realism", True, "luma per pixel, [0, 1] units"),
        _m(illumination_consistency, "realism", True, "histogram overlap [0, 1]"),
        _m(lab_color_distance, "realism", False, "CIE L*a*b* units"),
        _m(sharpness_ratio, "fidelity", True, "ratio (1 = as sharp as the photo)"),
        _m(color_shift, "fidelity", False, "CIEDE2000 ΔE00", "color_shift_de00"),
        _m(edge_halo, "fidelity", False, "[0, 1] image units", "edge_halo_255", 255.0),
    )
}


def keys(group: str) -> tuple[str, ...]:
    """The names of one group's metrics, in table order.

    Parameters
    ----------
    group : str
        One of :data:`GROUPS`.

    Returns
    -------
    tuple of str
        Keys of :func:`~studiocomp.metrics.score`'s dict.

    Raises
    ------
    InputError
        ``group`` is not one of :data:`GROUPS`.
    """
    if group not in GROUPS:
        from ..errors import InputError

        raise InputError("group", f"one of {', '.join(GROUPS)}", repr(group))
    return tuple(name for name, m in METRICS.items() if m.group == group)
