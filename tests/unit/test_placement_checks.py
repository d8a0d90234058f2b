"""Placement checks itself: feet outside the frame are an error; a cut subject stood up, a cut subject sized as
if whole, an implausible scale and a subject mostly outside the frame are named warnings (issue 13, part 5)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.silhouettes import FG, bust_alpha, full_body_alpha

import studiocomp
from studiocomp import InputError, Placement


def codes(placement: Placement, alpha: np.ndarray, size: tuple[int, int] = (400, 600)) -> list[str]:
    return [w.code for w in placement.apply(FG, alpha, size).warnings]


@pytest.mark.parametrize("feet", [(1200, 1650), (-5, 300), (300, -1), (601, 200)])
def test_feet_outside_the_frame_are_an_error(feet: tuple[float, float]) -> None:
    with pytest.raises(InputError, match="feet"):
        Placement(feet=feet).apply(FG, full_body_alpha(), (400, 600))


def test_a_sensible_placement_has_no_warnings() -> None:
    assert codes(Placement(feet=(300, 380), height=200), full_body_alpha()) == []
    assert codes(Placement(horizon=100), full_body_alpha()) == []  # 200 px tall, feet at 200
    assert codes(Placement(feet=(300, 400), height=150), full_body_alpha()) == []  # feet on the bottom edge: allowed


def test_a_cut_subject_stood_on_the_floor_is_flagged() -> None:
    assert "cut-subject-standing" in codes(Placement(feet=(300, 300)), bust_alpha())  # sized like a standing person
    assert "cut-subject-standing" not in codes(Placement(feet=(300, 300), height=150), bust_alpha())  # a bust on a plinth, sized by hand
    assert "cut-subject-standing" not in codes(Placement(), bust_alpha())  # on the bottom edge, as shot


def test_a_cut_subject_sized_as_full_body_is_flagged() -> None:
    # --place auto with a horizon: the horizon rule would make a head-and-shoulders shot 1.7 m tall
    assert "cut-subject-full-height" in codes(Placement(horizon=100), bust_alpha())
    assert "cut-subject-full-height" in codes(Placement(feet=(300, 390), horizon=100), bust_alpha())
    assert "cut-subject-full-height" not in codes(Placement(feet=(300, 390), height=120), bust_alpha())  # its size was given


@pytest.mark.parametrize(("height", "code"), [(600, "implausible-scale"), (8, "implausible-scale"), (500, "subject-upscaled")])
def test_implausible_scales_are_flagged(height: float, code: str) -> None:
    alpha = np.zeros((200, 120), np.float32)
    alpha[80:180, 50:70] = 1.0  # 100 px tall
    assert code in codes(Placement(feet=(300, 390), height=height), alpha)


def test_scale_warnings_are_uncertain_except_the_upscale_note() -> None:
    alpha = np.zeros((200, 120), np.float32)
    alpha[150:180, 55:65] = 1.0  # 30 px tall: 600 px is 20x
    found = {w.code: w for w in Placement(feet=(300, 390), height=600).apply(FG, alpha, (400, 600)).warnings}
    assert found["implausible-scale"].uncertain and found["implausible-scale"].value == pytest.approx(1.5)
    assert not found["subject-upscaled"].uncertain and found["subject-upscaled"].value == pytest.approx(20.0)


def test_a_subject_mostly_outside_the_frame_is_flagged() -> None:
    placed = Placement(feet=(300, 150), height=390).apply(FG, full_body_alpha(), (400, 600))  # head 240 px above the frame
    assert "subject-outside-frame" in [w.code for w in placed.warnings]
    assert placed.alpha[:150].any()


def test_the_pipeline_reports_placement_warnings() -> None:
    image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=4)  # a studio bust, cut by the bottom edge
    bg = np.full((300, 500, 3), 0.6, np.float32)
    pipe = studiocomp.Pipeline.preset("studio", relighter=None, shadow_caster=None)
    result = pipe(image, background=bg, place=Placement(horizon=60))
    assert "cut-subject-full-height" in [w.code for w in result.warnings] and result.uncertain
    with pytest.raises(InputError, match="feet"):
        pipe(image, background=bg, place=Placement(feet=(250, 450)))


def test_a_backgrounds_spot_for_standing_people_does_not_stand_a_bust_in_mid_air() -> None:
    """A prepared background's feet are for a person seen whole; a bust goes on the bottom edge below them.

    A fresh user's folder of half-length portraits on a prepared hall came out as torsos cut off on the floor
    (9 of 10 flagged ``cut-subject-standing``): the sidecar's default feet were taken as the bust's.
    """
    from studiocomp.prepared import BackgroundInfo

    info = BackgroundInfo(horizon=150.0, camera_height=1.5, feet=(400.0, 330.0), subject_height=1.7)
    spot = info.placement(None)
    assert spot.for_standing
    whole = spot.apply(FG, full_body_alpha(), (400, 600))
    rows = np.flatnonzero((whole.alpha >= 0.5).any(axis=1))
    assert rows[-1] + 1 == pytest.approx(330, abs=1) and not whole.warnings  # stands on the spot, sized by the horizon
    bust = spot.apply(FG, bust_alpha(), (400, 600))
    rows, cols = np.flatnonzero((bust.alpha >= 0.5).any(axis=1)), np.flatnonzero((bust.alpha >= 0.5).any(axis=0))
    # sized by the horizon as with no feet given (`--horizon` alone gives the same), and said to be
    assert rows[-1] == 399 and rows[-1] + 1 - rows[0] == pytest.approx((400 - 150) * 1.7 / 1.5, abs=2)
    assert (cols[0] + cols[-1]) / 2 == pytest.approx(400, abs=2)
    assert [w.code for w in bust.warnings if w.uncertain] == ["cut-subject-full-height"]  # and the subject-upscaled note
    alone = Placement(horizon=150.0).apply(FG, bust_alpha(), (400, 600))
    assert np.array_equal(np.flatnonzero((alone.alpha >= 0.5).any(axis=1)), rows)
    # no horizon: its share of its photo's height (the spot's height is for a whole person)
    flat = BackgroundInfo(floor_scale=150.0, feet=(400.0, 330.0)).placement(None).apply(FG, bust_alpha(), (400, 600))
    rows = np.flatnonzero((flat.alpha >= 0.5).any(axis=1))
    assert rows[-1] == 399 and (rows[-1] + 1 - rows[0]) / 400 == pytest.approx(140 / 200, abs=0.01) and not flat.warnings
    # feet the caller gives are the bust's own: it stands there (a plinth), with the warning
    assert "cut-subject-standing" in codes(info.placement(Placement(feet=(400.0, 330.0))), bust_alpha())
