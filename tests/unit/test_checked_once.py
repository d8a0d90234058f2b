"""Arrays are checked once per pipeline run (image.checked_once / trust), and never trusted outside it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from studiocomp import InputError, Pipeline
from studiocomp.image import checked_alpha, checked_image, checked_once, trust


def test_trusted_arrays_skip_the_range_pass_only_inside_the_block() -> None:
    bad = np.full((4, 5, 3), 0.5, np.float32)
    bad[1, 1, 1] = np.nan  # a value a check would refuse: shows whether the pass ran
    bad_alpha = np.full((4, 5), 2.0, np.float32)
    with pytest.raises(InputError):
        checked_image(bad)
    with checked_once():
        assert checked_image(trust(bad)) is bad
        assert checked_alpha(trust(bad_alpha)) is bad_alpha
        with pytest.raises(InputError):  # an equal copy is another array: checked
            checked_image(bad.copy())
        with checked_once():  # a nested block starts empty
            with pytest.raises(InputError):
                checked_image(bad)
        assert checked_image(bad) is bad  # the outer block's trust is back
        with pytest.raises(InputError):  # shape is still checked
            checked_alpha(bad_alpha, shape=(5, 4))
    with pytest.raises(InputError):
        checked_image(bad)
    assert trust(bad) is bad  # a no-op outside a block
    with pytest.raises(InputError):
        checked_image(bad)


def test_trust_is_per_thread() -> None:
    bad = np.full((4, 5, 3), 2.0, np.float32)
    seen: list[str] = []

    def other() -> None:
        try:
            checked_image(bad)
            seen.append("passed")
        except InputError:
            seen.append("refused")

    with checked_once():
        trust(bad)
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == ["refused"]


class _WildRelighter:
    """A third-party relighter (its module is not studiocomp's) that returns values out of range."""

    def relight(self, foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
        return foreground * np.float32(3.0)


def test_a_third_party_stage_output_is_still_checked() -> None:
    img = np.full((40, 30, 3), 0.8, np.float32)
    img[8:36, 10:20] = (0.5, 0.3, 0.2)
    pipe = Pipeline(segmenter="backdrop", matter=None, relighter=_WildRelighter(), shadow_caster=None, compositor="alpha-over")
    with pytest.raises(InputError, match="foreground"):
        pipe(img, background="grey")
    ok = Pipeline(segmenter="backdrop", matter=None, relighter=None, shadow_caster=None, compositor="alpha-over")(img, background="grey")
    assert np.isfinite(ok.composite).all() and ok.composite.max() <= 1.0
