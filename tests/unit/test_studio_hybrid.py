"""The hybrid ``studio`` segmenter and honest confidence, one test class per kind of real-photo failure (issue 12).

Every input is generated here. The neural prior is stood in for by :class:`FakePrior` (the true alpha,
blurred and shrunk the way a 256-px network's output is), so the fusion logic is tested without weights;
tests/integration/test_real_studio.py runs the real models on the real photos.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

import studiocomp
from studiocomp.backends._neural import finish_matte, missed_regions
from studiocomp.backends.segment.backdrop import BackdropKeyer
from studiocomp.backends.segment.studio import StudioSegmenter
from studiocomp.pipeline import assess_mask
from studiocomp.synthetic import studio_shot
from studiocomp.types import Assessed, QualityWarning


class FakePrior:
    """A person prior that knows the truth but, like a small network, sees it blurred at low resolution and stops short."""

    def __init__(self, alpha: np.ndarray, *, shrink: int = 1, blur: float = 1.0, override: dict[str, np.ndarray] | None = None) -> None:
        self.alpha = alpha
        self.shrink = shrink
        self.blur = blur

    def probability_small(self, image: np.ndarray) -> tuple[np.ndarray, list[QualityWarning]]:
        p = self.alpha.astype(np.float32)
        if self.shrink:
            p = cv2.erode(p, np.ones((3, 3), np.uint8), iterations=self.shrink)
        return cv2.GaussianBlur(p, (0, 0), self.blur), []


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def grey(image: np.ndarray) -> np.ndarray:
    return np.repeat(image.mean(axis=2, keepdims=True), 3, axis=2).astype(np.float32)


def textured(image: np.ndarray, alpha: np.ndarray, seed: int, amount: float = 0.25) -> np.ndarray:
    """The shot with a painted-canvas backdrop: blotches at several scales behind the subject."""
    rng = np.random.default_rng(seed)
    h, w = alpha.shape
    tex = np.zeros((h, w), np.float32)
    for cells in (6, 20, 60):
        tex += cv2.resize(rng.standard_normal((cells, cells)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    tex = tex / np.abs(tex).max() * amount
    out = image * (1.0 + tex[..., None] * (1.0 - alpha[..., None]))
    return np.clip(out, 0, 1).astype(np.float32)


class TestGreyscale:
    def test_greyscale_matches_colour(self) -> None:
        for seed in (1, 2, 3):
            image, alpha = studio_shot((240, 180), seed=seed, backdrop="blue")
            truth = alpha > 0.5
            prior = FakePrior(alpha)
            seg = StudioSegmenter(prior=prior)
            colour = iou(seg.segment(image), truth)
            mono = iou(seg.segment(grey(image)), truth)
            prior_only = iou(prior.probability_small(image)[0] > 0.5, truth)
            # without chroma the backdrop model can add fewer edge pixels, but it never costs the prior's shape
            assert colour > 0.95 and mono >= prior_only - 0.005
            assert abs(colour - mono) <= 0.03, (seed, colour, mono)


class TestPaintedCanvas:
    def test_keyer_alone_flags_a_textured_backdrop(self) -> None:
        image, alpha = studio_shot((240, 180), seed=4, backdrop="light-grey")
        mask, warnings = StudioSegmenter(prior=None).segment_assessed(textured(image, alpha, seed=4))
        codes = {w.code: w for w in warnings}
        assert "no-prior" in codes and not codes["no-prior"].uncertain
        assert any(w.uncertain for w in warnings), [str(w) for w in warnings]

    def test_prior_keeps_the_shape_on_a_textured_backdrop(self) -> None:
        image, alpha = studio_shot((240, 180), seed=4, backdrop="light-grey")
        mask, warnings = StudioSegmenter(prior=FakePrior(alpha)).segment_assessed(textured(image, alpha, seed=4))
        assert iou(mask, alpha > 0.5) > 0.95
        assert not any(w.uncertain for w in warnings), [str(w) for w in warnings]


class TestWhiteOnWhite:
    def test_white_subject_on_white_paper_is_kept(self) -> None:
        h, w = 240, 180
        yy, xx = np.mgrid[0:h, 0:w]
        alpha = (((yy - 150) / 80.0) ** 2 + ((xx - 90) / 60.0) ** 2 <= 1).astype(np.float32)
        alpha = cv2.GaussianBlur(alpha, (0, 0), 0.7)
        rng = np.random.default_rng(0)
        backdrop = np.full((h, w, 3), 0.93, np.float32)
        jacket = np.full((h, w, 3), 0.95, np.float32)
        image = np.clip(jacket * alpha[..., None] + backdrop * (1 - alpha[..., None]) + rng.normal(0, 0.005, (h, w, 3)), 0, 1).astype(np.float32)
        keyer_only = BackdropKeyer().segment(image)
        fused = StudioSegmenter(prior=FakePrior(alpha)).segment(image)
        assert iou(fused, alpha > 0.5) > 0.95
        assert iou(fused, alpha > 0.5) > iou(keyer_only, alpha > 0.5)


class TestColouredPaper:
    @pytest.mark.parametrize("backdrop", ["blue", "green", "pink"])
    def test_outline_reaches_the_true_edge(self, backdrop: str) -> None:
        image, alpha = studio_shot((240, 180), seed=6, backdrop=backdrop)
        truth = alpha > 0.5
        prior = FakePrior(alpha, shrink=1)
        fused = StudioSegmenter(prior=prior).segment(image)
        prior_only = prior.probability_small(image)[0] > 0.5
        assert iou(fused, truth) >= iou(prior_only, truth)
        assert iou(fused, truth) > 0.95


class TestBackdropInHair:
    def test_backdrop_pocket_inside_the_prior_is_removed(self) -> None:
        image, alpha = studio_shot((240, 180), seed=7, backdrop="blue")
        # a gap between strands: inside the subject's outline, the backdrop shows through
        hole = np.zeros(alpha.shape, np.float32)
        cv2.circle(hole, (90, 170), 14, 1.0, -1)
        hole *= alpha > 0.99
        paper = np.asarray(studiocomp.synthetic.BACKDROPS["blue"], np.float32)
        image = (image * (1 - hole[..., None]) + paper * hole[..., None]).astype(np.float32)
        prior_alpha = np.maximum(alpha - 0.6 * hole, 0)  # the network leans to background there, but not below 0.5
        seg = StudioSegmenter(prior=FakePrior(prior_alpha, shrink=0, blur=0.5))
        mask = seg.segment(image)
        inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        assert inner.sum() > 100
        assert mask[inner].mean() < 0.05, "the backdrop between strands stayed in the cut-out"


class TestShadowRim:
    def test_shadow_on_the_paper_never_joins_the_subject(self) -> None:
        image, alpha = studio_shot((240, 180), seed=8, backdrop="white")  # a soft cast shadow falls right of the subject
        for prior in (FakePrior(alpha, shrink=1), None):
            fused = StudioSegmenter(prior=prior).segment(image)
            rim = fused & (alpha < 0.02)  # mask pixels with no subject in them: a rim of the paper's shadow
            assert rim.sum() <= 0.01 * fused.sum(), (prior, rim.sum(), fused.sum())


class TestGroups:
    def _two_people(self) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros((120, 200), bool)
        mask[20:110, 20:80] = True
        mask[25:110, 120:185] = True
        alpha = np.zeros(mask.shape, np.float32)
        alpha[20:110, 20:80] = 1.0  # the network saw only the first person
        return mask, alpha

    def test_missed_regions_finds_the_dropped_person(self) -> None:
        mask, alpha = self._two_people()
        missed = missed_regions(mask, alpha)
        assert missed[25:110, 120:185].all() and not missed[:, :100].any()

    def test_fill_missed_restores_a_dropped_person(self) -> None:
        mask, alpha = self._two_people()
        image = np.full(mask.shape + (3,), 0.5, np.float32)
        matte = finish_matte(image, alpha, mask, margin=None, fill_missed=True)
        assert iou(matte.alpha > 0.5, mask) > 0.99
        plain = finish_matte(image, alpha, mask, margin=None)
        assert iou(plain.alpha > 0.5, mask) < 0.6


class TestDeterminism:
    def test_same_alpha_whatever_ran_before_and_on_any_thread(self) -> None:
        image, _ = studio_shot((200, 150), seed=9, backdrop="light-grey")
        keyer = BackdropKeyer()
        reference = keyer.segment(image)
        results: list[np.ndarray] = []

        def run(seed: int) -> None:
            cv2.setRNGSeed(seed)  # a different per-thread random state, then unrelated random work
            pts = np.random.default_rng(seed).random((500, 3)).astype(np.float32)
            cv2.kmeans(pts, 4, None, (cv2.TERM_CRITERIA_MAX_ITER, 5, 0), 3, cv2.KMEANS_RANDOM_CENTERS)
            results.append(keyer.segment(image))

        threads = [threading.Thread(target=run, args=(s,)) for s in (1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        run(4)  # and on this thread after random work
        assert len(results) == 4
        for r in results:
            np.testing.assert_array_equal(r, reference)

    def test_studio_preset_alpha_is_bit_identical(self) -> None:
        image, _ = studio_shot((200, 150), seed=10, backdrop="pink")
        pipe = studiocomp.Pipeline(segmenter=StudioSegmenter(prior=None), matter="unmix")
        first = pipe(image).alpha
        cv2.setRNGSeed(12345)
        np.testing.assert_array_equal(pipe(image).alpha, first)


class TestHonestConfidence:
    def test_assess_mask(self) -> None:
        empty = np.zeros((50, 40), bool)
        assert [w.code for w in assess_mask(empty)] == ["no-subject"]
        full = np.ones((50, 40), bool)
        codes = {w.code for w in assess_mask(full)}
        assert {"subject-fills-frame", "subject-touches-frame"} <= codes
        bust = np.zeros((50, 40), bool)
        bust[10:, 2:38] = True  # touches bottom only (and the sides barely not): fine
        bust[30:, :] = True  # shoulders touch both sides: still fine, the top is free
        assert assess_mask(bust) == []

    def test_segmenter_is_assessed_and_pipeline_reports(self) -> None:
        seg = StudioSegmenter(prior=None)
        assert isinstance(seg, Assessed)
        image, alpha = studio_shot((240, 180), seed=4)
        pipe = studiocomp.Pipeline(segmenter=seg, matter="unmix")
        good = pipe(image)
        assert not good.uncertain and good.confidence == 0.5 and [w.code for w in good.warnings] == ["no-prior"]
        bad = pipe(textured(image, alpha, seed=4))
        assert bad.uncertain and bad.confidence == 0.0

    def test_cli_counts_uncertain_images_apart(self, tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        from studiocomp import cli, pipeline

        monkeypatch.setitem(pipeline.PRESETS, "studio", {**pipeline.PRESETS["studio"], "segmenter": ("studio", {"prior": None})})
        src = tmp_path / "in"
        src.mkdir()
        image, alpha = studio_shot((240, 180), seed=4)
        studiocomp.save_image(src / "clean.png", image)
        studiocomp.save_image(src / "canvas.png", textured(image, alpha, seed=4))
        code = cli.main(["composite", str(src), "-o", str(tmp_path / "out"), "--relight", "none", "--shadow", "none", "--progress", "off"])
        err = capsys.readouterr().err
        assert code == 0
        assert "2 written (1 uncertain: look at it, listed below)" in err and "uncertain: " in err and "canvas.png" in err
        assert (tmp_path / "out" / "canvas.png").exists()
        code = cli.main(["composite", str(src), "-o", str(tmp_path / "out2"), "--relight", "none", "--shadow", "none", "--progress", "off", "--fail-uncertain"])
        assert code == 1


class TestStageAgreement:
    """A segmenter and a matter that disagree strongly (MODNet dropping a person the segmenter found) put the result in doubt."""

    class _Seg:
        def segment(self, image: np.ndarray) -> np.ndarray:
            m = np.zeros(image.shape[:2], bool)
            m[10:90, 10:40] = True
            m[10:90, 60:90] = True  # two people
            return m

    class _Mat:
        def __init__(self, both: bool) -> None:
            self.both = both

        def matte(self, image: np.ndarray, mask: np.ndarray | None = None) -> studiocomp.Matte:
            a = np.zeros(image.shape[:2], np.float32)
            a[10:90, 10:40] = 1.0
            if self.both:
                a[10:90, 60:90] = 1.0
            return studiocomp.Matte(alpha=a, foreground=image.copy())

    def test_disagreement_is_uncertain_agreement_is_not(self) -> None:
        image = np.full((100, 100, 3), 0.5, np.float32)
        dropped = studiocomp.Pipeline(segmenter=self._Seg(), matter=self._Mat(both=False))(image)
        assert dropped.uncertain and [w.code for w in dropped.warnings] == ["stage-disagreement"]
        kept = studiocomp.Pipeline(segmenter=self._Seg(), matter=self._Mat(both=True))(image)
        assert not kept.uncertain and kept.warnings == []


@pytest.mark.parametrize("how", ["use_weights", "weights="])
def test_a_wrong_weights_file_the_caller_named_is_an_error_not_the_keyer(tmp_path, how: str) -> None:  # type: ignore[no-untyped-def]
    """``--weights modnet=WRONG`` under the default preset was skipped silently (keyer alone, exit 0): it must raise."""
    from studiocomp import hub
    from studiocomp.errors import WeightsUnavailableError

    wrong = tmp_path / "not-modnet.onnx"
    wrong.write_bytes(b"not a model")
    try:
        with pytest.raises(WeightsUnavailableError, match="modnet"):
            if how == "use_weights":
                hub.use_weights("modnet", wrong)
                StudioSegmenter()
            else:
                StudioSegmenter(weights={"modnet": wrong})
    finally:
        hub.use_weights("modnet", None)
    # a model that is simply not there is still skipped (the keyer decides), as on a fresh offline machine
    assert isinstance(StudioSegmenter(prior=("selfie",), weights=None), StudioSegmenter)


class _LostPrior:
    """Person models that are lost (they disagree) and unsure everywhere, as on the demo's drawn head."""

    def __init__(self, alpha: np.ndarray) -> None:
        self.alpha = alpha

    def probability_small(self, image: np.ndarray) -> tuple[np.ndarray, list[QualityWarning]]:
        h, w = image.shape[:2]
        p = cv2.erode(cv2.resize(self.alpha, (w, h)), np.ones((9, 9), np.uint8)) > 0.5
        return cv2.GaussianBlur(p.astype(np.float32), (0, 0), 4) * np.float32(0.75), [QualityWarning("prior-disagreement", "members disagree", 0.5)]


class TestKeyerPockets:
    def test_backdrop_closed_between_strands_is_opened_when_the_keyer_decides(self) -> None:
        """The keyer's mask closes over backdrop between hair strands narrower than its edge barrier (the demo's grey
        blocks). When the keyer decides (the person models lost on a clean backdrop), pixels of its mask that match the
        backdrop closely and that the prior is not sure of are backdrop. Measured, seeds 0–2 at 800×600: backdrop
        pixels in the mask 3203 / 2823 / 1502 (keyer alone) → 1276 / 1583 / 539; subject pixels kept within 0.1 %."""
        for seed in (0, 1, 2):
            image, truth = studio_shot((800, 600), seed=seed)
            keyer = StudioSegmenter(prior=None).segment(image)
            decided = StudioSegmenter(prior=_LostPrior(truth)).segment(image)
            backdrop, subject = truth < 0.02, truth > 0.5
            assert (decided & backdrop).sum() < 0.6 * (keyer & backdrop).sum(), seed
            assert (decided & subject).sum() > 0.998 * (keyer & subject).sum(), seed


class TestMonochromeKeyer:
    """In a black-and-white photo the keyer sees lightness only: its disagreement with the person models is a note.

    On the 22 real studio photos in greyscale the keyer disagreed with the prior on 10 (all within 0.03 IoU of their
    colour run) and not on the worst one, so as a doubt it flagged good cut-outs and missed the bad one.
    """

    @staticmethod
    def shot(mono: bool) -> tuple[np.ndarray, np.ndarray]:
        h, w = 240, 180
        yy, xx = np.mgrid[0:h, 0:w]
        head = ((yy - 70) / 32.0) ** 2 + ((xx - 90) / 26.0) ** 2 <= 1
        body = ((yy - 190) / 80.0) ** 2 + ((xx - 90) / 60.0) ** 2 <= 1
        alpha = cv2.GaussianBlur((head | body).astype(np.float32), (0, 0), 0.7)
        rng = np.random.default_rng(5)
        # a red jumper on grey paper: apart in colour, of nearly the paper's lightness (0.48 against 0.55)
        subject, paper = np.array([0.75, 0.35, 0.35], np.float32), np.array([0.55, 0.55, 0.55], np.float32)
        image = subject * alpha[..., None] + paper * (1 - alpha[..., None]) + rng.normal(0, 0.004, (h, w, 3))
        image = np.clip(image, 0, 1).astype(np.float32)
        return (grey(image) if mono else image), alpha

    def test_keyer_disagreement_in_a_monochrome_photo_is_a_note(self) -> None:
        image, alpha = self.shot(mono=True)
        mask, warnings = StudioSegmenter(prior=FakePrior(alpha)).segment_assessed(image)
        codes = {w.code: w for w in warnings}
        assert "keyer-disagreement" in codes, [str(w) for w in warnings]  # the keyer cannot see the jumper by lightness
        assert not codes["keyer-disagreement"].uncertain and "monochrome" in codes["keyer-disagreement"].message
        assert iou(mask, alpha > 0.5) > 0.95  # the person models decided the shape

    def test_in_colour_the_same_subject_raises_no_doubt(self) -> None:
        image, alpha = self.shot(mono=False)
        mask, warnings = StudioSegmenter(prior=FakePrior(alpha)).segment_assessed(image)
        assert not any(w.uncertain for w in warnings), [str(w) for w in warnings]
        assert iou(mask, alpha > 0.5) > 0.95

    def test_keyer_disagreement_in_colour_stays_a_doubt(self) -> None:
        image, alpha = self.shot(mono=False)
        wrong = alpha.copy()
        wrong[150:] = 0.0  # a prior that lost the body, on a clean backdrop where the keyer sees it
        _, warnings = StudioSegmenter(prior=FakePrior(wrong)).segment_assessed(image)
        codes = {w.code: w for w in warnings}
        assert "keyer-disagreement" in codes and codes["keyer-disagreement"].uncertain, [str(w) for w in warnings]


class _GapPrior:
    """A person prior that sees a monochrome gap between arm and hair the way the small networks do on humanseg 102
    in greyscale: backdrop (p 0) at the gap's centre, unsure (p 0.66) over the rest of it, sure elsewhere."""

    def __init__(self, prob: np.ndarray) -> None:
        self.prob = prob

    def probability_small(self, image: np.ndarray) -> tuple[np.ndarray, list[QualityWarning]]:
        h, w = image.shape[:2]
        return cv2.resize(self.prob, (w, h), interpolation=cv2.INTER_LINEAR), []


class TestMonochromeGap:
    """Greyscale humanseg 102/270: the backdrop between a raised arm and the hair stayed in the cut-out.

    Without colour the person models see skin, blonde hair and light paper alike: they put the gap's centre at p ≈ 0
    (a hole in their mask) and the rest of it at p 0.54–0.77, above the pocket rule's 0.6. The keyer cannot help by
    lightness (the gap, shaded by the arm, and the skin are both within its backdrop range), but nothing separates the
    rest of the gap from the hole: no edge. Clothing of the backdrop's lightness that the models are unsure of is
    reached from the open backdrop, not from a hole, and stays.
    """

    @staticmethod
    def shot(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h, w = 240, 320
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        rng = np.random.default_rng(seed)
        # the person: a body, and an arm raised in a loop from shoulder to head, which encloses a gap of backdrop
        body = ((yy - 260) / 150.0) ** 2 + ((xx - 160) / 70.0) ** 2 <= 1
        ring = np.abs(np.hypot(yy - 110, xx - 90) - 45) <= 11
        gap = np.hypot(yy - 110, xx - 90) < 34
        sleeve = (xx > 200) & (xx < 240) & (yy > 160)  # clothing of the backdrop's lightness, beside the open backdrop
        subject = body | ring | sleeve
        gap &= ~subject
        # grey paper with a smooth falloff, darker in the gap (the arm's shade); skin 0.64, the sleeve the paper's 0.78
        paper = 0.82 - 0.0004 * np.abs(xx - 160) - 0.08 * np.clip(1.0 - np.hypot(yy - 118, xx - 110) / 40.0, 0, 1)
        lum = np.where(subject, 0.64, paper)
        lum = np.where(sleeve, 0.78, lum)
        lum = cv2.GaussianBlur(lum.astype(np.float32), (0, 0), 0.8) + rng.normal(0, 0.003, (h, w)).astype(np.float32)
        image = np.repeat(np.clip(lum, 0, 1)[..., None], 3, axis=2).astype(np.float32)
        # the prior: sure of the person, unsure of the sleeve and of the gap, which it sees only at its centre
        prob = subject.astype(np.float32)
        prob[gap] = 0.66
        prob[np.hypot(yy - 104, xx - 78) < 16] = 0.0
        prob[sleeve] = 0.66
        prob = cv2.GaussianBlur(prob, (0, 0), 1.0)
        return image, prob, np.stack([subject, gap, sleeve])

    def test_the_gap_between_arm_and_hair_is_backdrop(self) -> None:
        image, prob, (subject, gap, sleeve) = self.shot(0)
        mask = StudioSegmenter(prior=_GapPrior(prob)).segment(image)
        # beyond the edges' own response (the difference of Gaussians reaches about 3 px out; the matter decides there)
        inner = cv2.erode(gap.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        assert inner.sum() > 1500
        # before: the pocket rule left the unsure part (p 0.66 > 0.6) in: 74 % of the gap
        assert mask[inner].mean() < 0.01, f"{mask[inner].mean():.0%} of the gap stayed in the cut-out"
        core = cv2.erode(subject.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        assert mask[core].mean() > 0.999  # the arm and the body are kept
        assert mask[cv2.erode(sleeve.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0].mean() > 0.999  # so is the sleeve

    def test_in_colour_nothing_changes(self) -> None:
        """The colour photo keeps its chroma: the rule is for monochrome photos only (the prior sees colour there)."""
        image, prob, (subject, gap, _) = self.shot(0)
        tint = np.array([0.9, 1.0, 1.15], np.float32)
        coloured = np.where(subject[..., None], image, np.clip(image * tint, 0, 1)).astype(np.float32)
        seg = StudioSegmenter(prior=_GapPrior(prob))
        mask = seg.segment(coloured)
        inner = cv2.erode(gap.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        assert mask[inner].mean() > 0.3  # the unsure part of the gap is kept in colour: the models are trusted there
