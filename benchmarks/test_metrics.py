"""Speed of the metrics on a 12-megapixel pair: the target is ≤ 1 s for all of them together.

Run:  pytest benchmarks/test_metrics.py --benchmark-enable

The pair is realistic rather than easy: a generated 12 MP studio shot with its
exact alpha, the studio preset's prediction for it (soft edges, so the
connectivity error visits every threshold), and the composite it made, for the
realism metrics.
"""

from __future__ import annotations

import os

import pytest

import studiocomp
from studiocomp import metrics


@pytest.fixture(scope="module")
def pair() -> tuple[object, object, object]:
    image, gt = studiocomp.synthetic.studio_shot((4000, 3000), seed=2)
    result = studiocomp.Pipeline.preset("studio")(image, background="gradient")
    return result.alpha, gt, result.composite


def test_all_metrics_12mp(benchmark: pytest.FixtureRequest, pair: tuple[object, object, object]) -> None:
    import cv2

    pred, gt, composite = pair
    benchmark.extra_info.update({"megapixels": 12.0, "cv2_threads": cv2.getNumThreads(), "cpus": os.cpu_count()})
    scores = benchmark.pedantic(metrics.score, args=(pred, gt), kwargs={"image": composite}, rounds=7, iterations=1, warmup_rounds=1)
    assert set(scores) == set(metrics.SEGMENTATION_KEYS + metrics.MATTING_KEYS + metrics.REALISM_KEYS)
    assert scores["iou"] > 0.95
