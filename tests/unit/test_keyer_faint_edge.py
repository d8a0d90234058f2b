"""The keyer alone (no weights) says when a pale edge fades into a light backdrop (issue 12, humanseg 037).

There the keyer's outline, and the ``unmix`` matter's 0.5 contour, sit pixels inside where the edge starts to
show; on a small photo that is several IoU points that no other check saw. Every input is generated here: a
pale subject on near-white paper whose edge is blurred over a few pixels (soft, low-resolution photos), against
the same subject with a crisp edge.
"""

from __future__ import annotations

import cv2
import numpy as np

import studiocomp
from studiocomp.backends.segment.studio import FAINT_FRINGE_LIMIT, FRINGE_LOW, FRINGE_WIDTH_MIN, StudioSegmenter, faint_fringe


def pale_bust(edge_sigma: float, h: int = 160, w: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A pale-blue head and shoulders on near-white paper; its edge blurred by ``edge_sigma`` px. (image, alpha)."""
    yy, xx = np.mgrid[0:h, 0:w]
    head = ((yy - 70) / 45.0) ** 2 + ((xx - 150) / 36.0) ** 2 <= 1
    body = ((yy - 175) / 60.0) ** 2 + ((xx - 150) / 95.0) ** 2 <= 1
    alpha = cv2.GaussianBlur((head | body).astype(np.float32), (0, 0), edge_sigma)
    subject = np.array([0.62, 0.80, 0.88], np.float32)
    paper = np.full((h, w, 3), 0.95, np.float32)
    noise = np.random.default_rng(0).normal(0, 0.004, (h, w, 3))
    image = np.clip(subject * alpha[..., None] + paper * (1 - alpha[..., None]) + noise, 0, 1).astype(np.float32)
    return image, alpha


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


class TestFaintEdge:
    def test_faint_fringe_measures_the_soft_edge(self) -> None:
        soft, soft_alpha = pale_bust(3.0)
        crisp, crisp_alpha = pale_bust(0.6)
        (soft_share, soft_width), (crisp_share, crisp_width) = faint_fringe(soft, soft_alpha > 0.5), faint_fringe(crisp, crisp_alpha > 0.5)
        assert soft_share > FAINT_FRINGE_LIMIT > crisp_share and soft_width > FRINGE_WIDTH_MIN > crisp_width
        assert faint_fringe(soft, np.zeros(soft_alpha.shape, bool)) == (0.0, 0.0)

    def test_keyer_alone_flags_a_pale_edge_fading_into_the_backdrop(self) -> None:
        pipe = studiocomp.Pipeline(segmenter=StudioSegmenter(prior=None), matter="unmix")
        image, alpha = pale_bust(3.0)
        result = pipe(image)
        codes = {w.code: w for w in result.warnings}
        assert result.uncertain and "faint-edge" in codes and codes["faint-edge"].uncertain
        # what it warns of: a mask drawn where the edge starts to show lies well outside the cut-out
        assert iou(result.alpha > 0.5, alpha >= FRINGE_LOW) < 1.0 - FAINT_FRINGE_LIMIT

    def test_a_crisp_edge_is_not_flagged(self) -> None:
        pipe = studiocomp.Pipeline(segmenter=StudioSegmenter(prior=None), matter="unmix")
        image, alpha = pale_bust(0.6)
        result = pipe(image)
        assert [w.code for w in result.warnings] == ["no-prior"] and not result.uncertain
        assert iou(result.alpha > 0.5, alpha > 0.5) > 0.97

    def test_a_tiny_photo_with_a_crisp_edge_is_not_flagged(self) -> None:
        # on a 72×54 photo a crisp, anti-aliased edge alone is 4–6 % of the subject: the fringe must also be wide
        seg = StudioSegmenter(prior=None)
        for seed in range(4):
            image, _ = studiocomp.synthetic.studio_shot((72, 54), seed=seed)
            assert "faint-edge" not in [w.code for w in seg.segment_assessed(image)[1]], seed

    def test_cli_counts_it_uncertain(self, tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        from studiocomp import cli, pipeline

        monkeypatch.setitem(pipeline.PRESETS, "studio", {**pipeline.PRESETS["studio"], "segmenter": ("studio", {"prior": None})})
        src = tmp_path / "in"
        src.mkdir()
        studiocomp.save_image(src / "crisp.png", pale_bust(0.6)[0])
        studiocomp.save_image(src / "soft.png", pale_bust(3.0)[0])
        code = cli.main(["composite", str(src), "-o", str(tmp_path / "out"), "--relight", "none", "--shadow", "none", "--progress", "off"])
        err = capsys.readouterr().err
        assert code == 0
        assert "2 written (1 uncertain: look at it, listed below)" in err and "soft.png" in err and "crisp.png" not in err.split("uncertain:", 1)[1]
