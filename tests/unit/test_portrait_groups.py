"""The ``portrait`` preset on groups: a person the matter keeps only in part is restored, a chair is not (issue 12).

Every input is generated here, and the networks are stood in for: the segmenter by a fake that returns a
known mask (selfie finds every person, and the chair behind them), the matter by a
:class:`~studiocomp.backends.matte.modnet.MODNetMatter` whose network is replaced by a known alpha (MODNet
keeps the second person and only the head and shoulders of the first, as on humanseg 272).
tests/integration and benchmarks/eval_real.py run the real models on the real photos.
"""

from __future__ import annotations

import numpy as np
from tests.portrait_fakes import FixedSegmenter, fake_modnet

import studiocomp
from studiocomp.backends._neural import finish_matte, missed_regions, seamless_parts

H, W = 240, 320


def _group(seed: int = 0) -> dict[str, np.ndarray]:
    """Two people side by side, touching, and a chair beside the second; each a flat colour with a little noise."""
    rng = np.random.default_rng(seed)
    image = np.empty((H, W, 3), np.float32)
    image[:] = np.linspace(0.55, 0.75, W, dtype=np.float32)[None, :, None] * np.array([0.8, 0.9, 1.0], np.float32)  # a pale wall
    yy, xx = np.mgrid[:H, :W]
    head_a = (yy - 50) ** 2 / 22**2 + (xx - 90) ** 2 / 18**2 <= 1
    body_a = (yy >= 70) & (yy < H) & (xx >= 55) & (xx < 130)
    head_b = (yy - 55) ** 2 / 22**2 + (xx - 180) ** 2 / 18**2 <= 1
    body_b = (yy >= 75) & (yy < H) & (xx >= 130) & (xx < 225)
    chair = (yy >= 110) & (yy < H) & (xx >= 225) & (xx < 290)
    image[chair] = (0.45, 0.25, 0.1)  # brown, beside the second person
    image[body_a] = (0.15, 0.15, 0.35)  # a dark blue shirt
    image[body_b] = (0.85, 0.8, 0.7)  # a cream one
    image[head_a | head_b] = (0.85, 0.65, 0.5)
    image = np.clip(image + rng.normal(0.0, 0.02, image.shape).astype(np.float32), 0.0, 1.0)
    person_a, person_b = head_a | body_a, head_b | body_b
    mask = person_a | person_b | chair  # the segmenter finds both people and takes in the chair
    # the matter keeps the second person, and of the first the head, the shoulders and the arms down the sides:
    # it drops the middle of the shirt below the chest, where the photo has no edge (as MODNet on humanseg 272)
    dropped = body_a & (yy >= 120) & (xx >= 72) & (xx < 113)
    alpha = ((person_a & ~dropped) | person_b).astype(np.float32)
    return {"image": image, "mask": mask, "alpha": alpha, "dropped": dropped, "chair": chair, "truth": person_a | person_b}


class TestHalfDroppedPerson:
    def test_whole_region_fill_alone_misses_the_half_dropped_person(self) -> None:
        g = _group()
        assert not missed_regions(g["mask"], g["alpha"]).any()  # one region, mostly kept: not a whole dropped person

    def test_seamless_parts_restores_the_body_and_not_the_chair(self) -> None:
        g = _group()
        parts = seamless_parts(g["image"], g["mask"], g["alpha"])
        assert parts[g["dropped"]].mean() > 0.99
        assert not parts[g["chair"]].any()
        assert not (parts & ~g["mask"]).any()

    def test_finish_matte_fill_missed_restores_the_person(self) -> None:
        g = _group()
        matte = finish_matte(g["image"], g["alpha"], g["mask"], margin=None, fill_missed=True)
        kept = matte.alpha > 0.5
        assert kept[g["dropped"]].mean() > 0.99
        assert kept[g["chair"]].mean() < 0.01
        truth = g["truth"]
        assert (kept & truth).sum() / (kept | truth).sum() > 0.97

    def test_an_edge_at_the_seam_keeps_the_part_out(self) -> None:
        g = _group()
        g["image"][g["dropped"]] = (0.9, 0.2, 0.2)  # the dropped part now differs sharply from what was kept
        assert not seamless_parts(g["image"], g["mask"], g["alpha"]).any()


class TestPortraitPipeline:
    def test_no_person_dropped_and_no_chair_added(self) -> None:
        g = _group(seed=3)
        pipe = studiocomp.Pipeline(segmenter=FixedSegmenter(g["mask"]), matter=fake_modnet(g["alpha"]))
        result = pipe(g["image"])
        kept = result.alpha > 0.5
        assert kept[g["dropped"]].mean() > 0.99, "the first person's body was dropped"
        assert kept[g["chair"]].mean() < 0.01, "the chair was added"

    def test_a_restored_part_is_reported_for_a_person_to_check(self) -> None:
        # the rule is wrong on 5 of 14 photos outside the sets it was chosen on (a dark bench or chair taken in):
        # a result it changed must say so
        g = _group(seed=3)
        result = studiocomp.Pipeline(segmenter=FixedSegmenter(g["mask"]), matter=fake_modnet(g["alpha"]))(g["image"])
        codes = {w.code: w for w in result.warnings}
        assert "part-restored" in codes and codes["part-restored"].uncertain, [str(w) for w in result.warnings]
        assert 0.1 < codes["part-restored"].value < 0.9
        assert result.uncertain

    def test_no_note_when_nothing_is_restored(self) -> None:
        g = _group()
        g["image"][g["dropped"]] = (0.9, 0.2, 0.2)
        matte = finish_matte(g["image"], g["alpha"], g["mask"], margin=None, fill_missed=True)
        assert matte.warnings == ()
