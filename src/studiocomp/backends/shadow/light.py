"""Moved to :mod:`studiocomp.estimate.casters` (the light read off casters and their shadows); these names stay as aliases."""

from __future__ import annotations

from ...estimate.casters import CasterShadow, floor_step, read_light

__all__ = ["floor_step", "CasterShadow", "read_light"]
