"""Alpha-over compositing in linear light."""

from __future__ import annotations

import numpy as np

from ...color import linear_to_srgb, srgb_to_linear
from ...errors import InputError
from ...image import checked_alpha, checked_image
from ...types import Alpha, Image

__all__ = ["AlphaOverCompositor"]


class AlphaOverCompositor:
    """``out = F·α + B·(1 − α)`` computed in linear light, as light mixes.

    Mixing sRGB values directly darkens soft edges (a 50 % hair pixel between
    white and black comes out too dark); the blend is therefore done on linear
    values. Only pixels with 0 < α < 1 differ between the two, so only those are
    linearised: full-resolution cost stays a few passes over memory.

    A shadow layer (opacity S) darkens the background first, also in linear
    light: ``B' = B·(1 − S)`` — it never brightens nor recolours it.

    Examples
    --------
    >>> import numpy as np, studiocomp
    >>> comp = studiocomp.create("compositor", "alpha-over")
    >>> out = comp.composite(np.ones((2, 2, 3)), np.full((2, 2), 0.5), np.zeros((2, 2, 3)))
    >>> round(float(out[0, 0, 0]), 3)  # 50 % linear light is 0.735 in sRGB
    0.735
    """

    def __repr__(self) -> str:
        return "AlphaOverCompositor()"

    def composite(
        self,
        foreground: Image,
        alpha: Alpha,
        background: Image,
        shadow: Alpha | None = None,
    ) -> Image:
        """Return the H×W×3 composite of ``foreground`` over ``background``."""
        fg = checked_image(foreground, name="foreground")
        hw = fg.shape[:2]
        a = checked_alpha(alpha, shape=hw)
        bg = checked_image(background, name="background")
        if bg.shape[:2] != hw:
            raise InputError("background", f"shape {hw + (3,)} (same as foreground)", f"shape {bg.shape}")
        if shadow is not None:
            s = checked_alpha(shadow, name="shadow", shape=hw)
            dark = np.flatnonzero(s > 0.0)  # shadows cover a small part of the frame: touch only that
            if dark.size:
                bg = bg.copy()
                flat = bg.reshape(-1, 3)
                flat[dark] = linear_to_srgb(srgb_to_linear(flat[dark]) * (1.0 - s.reshape(-1)[dark])[:, None])
        import cv2

        # sRGB blend everywhere (exact where α is 0 or 1) ...
        out = cv2.subtract(fg, bg)
        np.multiply(out, a[..., None], out=out)
        cv2.add(out, bg, dst=out)
        # ... then the linear-light blend where the subject is partial
        idx = np.flatnonzero((a > 0.0) & (a < 1.0))
        if idx.size:
            a_p = a.reshape(-1)[idx][:, None]
            f_p = srgb_to_linear(fg.reshape(-1, 3)[idx])
            b_p = srgb_to_linear(bg.reshape(-1, 3)[idx])
            out.reshape(-1, 3)[idx] = linear_to_srgb(f_p * a_p + b_p * (1.0 - a_p))
        np.clip(out, 0.0, 1.0, out=out)
        return out
