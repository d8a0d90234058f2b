"""Issue 14: an input that is already transparent is honoured (cut-out or hint), and its hidden colours never come back."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage

import studiocomp
from studiocomp.synthetic import studio_shot


@pytest.fixture
def transparent_png(tmp_path):  # type: ignore[no-untyped-def]
    """A studio shot already cut out: RGBA with the true alpha, and a loud magenta hidden under the transparent pixels."""
    image, alpha = studio_shot((120, 90), seed=3)
    rgb = np.where(alpha[..., None] > 0, image, np.array([1.0, 0.0, 1.0], np.float32))
    rgba = np.concatenate([rgb, alpha[..., None]], axis=2)
    path = tmp_path / "cut.png"
    PILImage.fromarray((rgba * 255 + 0.5).astype(np.uint8), "RGBA").save(path)
    return path, alpha


def test_cutout_takes_the_input_alpha(transparent_png) -> None:  # type: ignore[no-untyped-def]
    path, alpha = transparent_png
    pipe = studiocomp.Pipeline(segmenter=studiocomp.create("segmenter", "studio", prior=None), matter="unmix")
    result = pipe(path, background="grey")
    assert np.abs(result.alpha - alpha).max() <= 1 / 255 + 1e-6
    assert "segmenter" not in result.timings and "matter" not in result.timings
    assert [w.code for w in result.warnings][:1] == ["input-alpha"] and not result.uncertain
    hidden = result.alpha == 0
    assert hidden.any() and result.foreground[hidden].max() == 0.0  # the magenta never comes back
    magenta = (result.composite[..., 0] > 0.9) & (result.composite[..., 1] < 0.1) & (result.composite[..., 2] > 0.9)
    assert not magenta.any()


def test_same_for_bytes_and_pil(transparent_png) -> None:  # type: ignore[no-untyped-def]
    path, _ = transparent_png
    pipe = studiocomp.Pipeline(matter="unmix", segmenter=studiocomp.create("segmenter", "studio", prior=None))
    by_path = pipe(path).alpha
    np.testing.assert_array_equal(pipe(path.read_bytes()).alpha, by_path)
    np.testing.assert_array_equal(pipe(PILImage.open(io.BytesIO(path.read_bytes()))).alpha, by_path)


def test_hint_gives_the_alpha_to_the_matter(transparent_png) -> None:  # type: ignore[no-untyped-def]
    path, alpha = transparent_png
    pipe = studiocomp.Pipeline(segmenter=studiocomp.create("segmenter", "studio", prior=None), matter="unmix")
    result = pipe(path, input_alpha="hint")
    assert "matter" in result.timings and "segmenter" not in result.timings
    truth = alpha > 0.5
    assert ((result.alpha > 0.5) & truth).sum() / ((result.alpha > 0.5) | truth).sum() > 0.9


def test_ignore_and_bad_choice(transparent_png) -> None:  # type: ignore[no-untyped-def]
    path, _ = transparent_png
    pipe = studiocomp.Pipeline(segmenter=studiocomp.create("segmenter", "studio", prior=None), matter="unmix")
    result = pipe(path, input_alpha="ignore")
    assert "segmenter" in result.timings and all(w.code != "input-alpha" for w in result.warnings)
    with pytest.raises(studiocomp.InputError, match="input_alpha"):
        pipe(path, input_alpha="maybe")  # type: ignore[arg-type]


def test_bytes_are_one_image_not_an_iterable(transparent_png) -> None:  # type: ignore[no-untyped-def]
    path, _ = transparent_png
    pipe = studiocomp.Pipeline(segmenter=studiocomp.create("segmenter", "studio", prior=None), matter="unmix")
    assert isinstance(pipe(path.read_bytes()), studiocomp.PipelineResult)
    with pytest.raises(studiocomp.InputError):
        pipe(b"not an image")


def test_cli_takes_a_transparent_input_as_the_cutout(transparent_png, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from studiocomp import cli, pipeline

    monkeypatch.setitem(pipeline.PRESETS, "studio", {**pipeline.PRESETS["studio"], "segmenter": ("studio", {"prior": None})})
    path, alpha = transparent_png
    assert cli.main(["cutout", str(path), "-o", str(tmp_path / "out"), "--progress", "off"]) == 0
    _, saved = studiocomp.load_image(tmp_path / "out" / "cut.png", with_alpha=True)
    assert saved is not None and np.abs(saved - alpha).max() <= 2 / 255


def test_bad_collections_are_refused_at_once() -> None:
    pipe = studiocomp.Pipeline(segmenter=studiocomp.create("segmenter", "studio", prior=None))
    with pytest.raises(studiocomp.InputError, match="image"):
        pipe({"a": 1})
    with pytest.raises(studiocomp.InputError, match=r"image\[1\]"):
        pipe([np.zeros((8, 8, 3), np.float32), 3])  # not a lazy generator that fails on the second item
