"""The ``portrait`` preset on real group photos where MODNet keeps a person only in part (humanseg 272, 280).

On 272 MODNet keeps the man's head and drops his shirt and jeans; on 280 it keeps a girl's body and drops
her head. The selfie mask has them; the mask's parts MODNet dropped without an edge in the photo between them
and what it kept are restored (``seamless_parts``). 107's table and pfcn 00174's crowd, 00735's painting and
00178's chair stay out. Bounds sit a little under what was measured (docs/evaluation.md).
"""

from __future__ import annotations

import pytest
from tests.conftest import shared_path

from studiocomp.evaluate import evaluate

pytestmark = pytest.mark.data


def test_half_dropped_people_are_restored(hub_cache) -> None:  # type: ignore[no-untyped-def]
    report = evaluate(shared_path("data", "humanseg_removebg290"), "portrait", names=["272", "280", "107"], progress=False, gallery=0)
    ious = {r["name"]: r["iou"] for r in report.rows}
    # before: 0.662, 0.783, 0.890; restored 0.858, 0.867, 0.890 (107's table is not added); with MODNet's mirrored
    # pass (2026-12-01) 0.855, 0.846, 0.885: the boy's head on 280 outlined a little tighter, flagged soft-outline
    assert ious["272"] > 0.84 and ious["280"] > 0.83 and ious["107"] > 0.88, ious


def test_crowd_painting_and_chair_stay_out(hub_cache) -> None:  # type: ignore[no-untyped-def]
    report = evaluate(shared_path("data", "pfcn_portrait_test"), "portrait", names=["00174", "00735", "00178"], progress=False, gallery=0)
    ious = {r["name"]: r["iou"] for r in report.rows}
    # measured 0.970, 0.992, 0.952 (unchanged); filling their dropped parts gave 0.644, 0.803, 0.857
    assert ious["00174"] > 0.95 and ious["00735"] > 0.98 and ious["00178"] > 0.94, ious
