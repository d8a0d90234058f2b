"""DeepLabV3 and SAM/MobileSAM: architecture layout, loading, prompts and modes — with random weights.

No DeepLabV3, SAM or MobileSAM weights exist on the machines this is developed
on, so quality is not tested; what is tested is that the networks have the
published state-dict layouts (parameter counts, key shapes, strict loading, and
— where torchvision / segment_anything are installed — identical outputs to the
reference implementations) and that the backends behave.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import studiocomp  # noqa: E402
from studiocomp import BackendUnavailableError, InputError, WeightsUnavailableError  # noqa: E402
from studiocomp.backends.segment._sam_model import build_sam  # noqa: E402
from studiocomp.backends.segment.deeplab import DeepLabSegmenter, build_deeplabv3  # noqa: E402
from studiocomp.backends.segment.sam import SAMSegmenter, boxes_from_mask  # noqa: E402


def _params(net: object) -> int:
    return sum(p.numel() for p in net.parameters())  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- layouts


def test_deeplab_parameter_counts_match_torchvision() -> None:
    # torchvision's documented num_params for its COCO checkpoints
    assert _params(build_deeplabv3("mobilenet_v3_large")) == 11_029_328
    assert _params(build_deeplabv3("resnet50")) == 42_004_074


def test_sam_parameter_counts_match_the_papers() -> None:
    assert _params(build_sam("vit_b")) == 93_735_472  # segment_anything vit_b
    assert _params(build_sam("mobile_sam")) == 10_130_092  # MobileSAM: "10.13M"


def test_sam_key_shapes() -> None:
    sd = build_sam("vit_b").state_dict()
    assert tuple(sd["image_encoder.blocks.0.attn.rel_pos_h"].shape) == (27, 64)  # windowed (14)
    assert tuple(sd["image_encoder.blocks.2.attn.rel_pos_h"].shape) == (127, 64)  # global (64)
    assert tuple(sd["image_encoder.pos_embed"].shape) == (1, 64, 64, 768)
    assert tuple(sd["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"].shape) == (2, 128)
    assert tuple(sd["mask_decoder.output_hypernetworks_mlps.3.layers.2.weight"].shape) == (32, 256)
    assert tuple(sd["mask_decoder.iou_prediction_head.layers.2.weight"].shape) == (4, 256)
    assert "pixel_mean" not in sd  # not persistent in the official model either
    msd = build_sam("mobile_sam").state_dict()
    assert tuple(msd["image_encoder.neck.0.weight"].shape) == (256, 320, 1, 1)
    assert tuple(msd["image_encoder.layers.1.blocks.0.attn.attention_biases"].shape) == (4, 49)


def test_deeplab_matches_torchvision_when_installed() -> None:
    tv = pytest.importorskip("torchvision.models.segmentation", reason="torchvision not installed (it is not a dependency)")
    for variant, fn in (("mobilenet_v3_large", tv.deeplabv3_mobilenet_v3_large), ("resnet50", tv.deeplabv3_resnet50)):
        ref = fn(weights=None, weights_backbone=None, aux_loss=True).eval()
        ours = build_deeplabv3(variant).eval()
        ours.load_state_dict(ref.state_dict(), strict=True)
        x = torch.randn(1, 3, 96, 80)
        with torch.no_grad():
            assert torch.equal(ref(x)["out"], ours(x))


def test_sam_matches_segment_anything_when_installed() -> None:
    sa = pytest.importorskip("segment_anything", reason="segment_anything not installed (it is not a dependency)")
    ref = sa.sam_model_registry["vit_b"](checkpoint=None).eval()
    ours = build_sam("vit_b").eval()
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(1, 3, 1024, 1024)
    box = torch.tensor([[100.0, 150.0, 600.0, 900.0]])
    with torch.no_grad():
        emb = ref.image_encoder(x)
        assert torch.equal(emb, ours.image_encoder(x))
        s1, d1 = ref.prompt_encoder(points=None, boxes=box, masks=None)
        m1, _ = ref.mask_decoder(emb, ref.prompt_encoder.get_dense_pe(), s1, d1, multimask_output=False)
        s2, d2 = ours.prompt_encoder(None, box)
        m2, _ = ours.mask_decoder(emb, ours.prompt_encoder.pe_layer.grid(64).unsqueeze(0), s2, d2)
        assert torch.equal(m1, m2[:, :1])


# --------------------------------------------------------------------------- loading


def test_weights_file_round_trip(tmp_path: Path, shot: tuple[np.ndarray, np.ndarray]) -> None:
    net = build_sam("tiny_mobile_sam")
    path = tmp_path / "tiny.pt"
    torch.save(net.state_dict(), path)
    a = SAMSegmenter("mobile_sam", config="tiny_mobile_sam", weights=path)
    b = SAMSegmenter("mobile_sam", config="tiny_mobile_sam", state_dict=net.state_dict())
    assert np.array_equal(a.segment(shot[0]), b.segment(shot[0]))
    torch.save({"model": net.state_dict()}, tmp_path / "wrapped.pt")
    SAMSegmenter("mobile_sam", config="tiny_mobile_sam", weights=tmp_path / "wrapped.pt")


def test_foreign_or_corrupt_weights_are_refused(tmp_path: Path) -> None:
    other = build_sam("tiny_vit_b").state_dict()
    with pytest.raises(RuntimeError, match="state_dict"):
        SAMSegmenter("mobile_sam", config="tiny_mobile_sam", state_dict=other)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsUnavailableError, match="checkpoint"):
        DeepLabSegmenter(weights=bad)


def test_no_weights_offline_fails_fast(tmp_path: Path) -> None:
    with pytest.raises(WeightsUnavailableError, match="mobile_sam.pt"):
        SAMSegmenter("mobile_sam")


def test_cuda_without_cuda_is_an_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(BackendUnavailableError, match="cuda"):
        SAMSegmenter("mobile_sam", config="tiny_mobile_sam", pretrained=False, device="cuda")
    with pytest.raises(InputError, match="device"):
        DeepLabSegmenter(pretrained=False, device="tpu")


# --------------------------------------------------------------------------- behaviour


@pytest.fixture(scope="module")
def sam() -> SAMSegmenter:
    torch.manual_seed(0)
    return SAMSegmenter("mobile_sam", config="tiny_mobile_sam", pretrained=False)


def test_prompts(sam: SAMSegmenter, shot: tuple[np.ndarray, np.ndarray]) -> None:
    image = shot[0]
    emb = sam.embed(image)
    for mask in (
        sam.segment_points(image, [[100, 150]]),
        sam.segment_points(emb, [[100, 150], [10, 10]], labels=[1, 0]),
        sam.segment_box(emb, (20, 30, 200, 300)),
    ):
        assert mask.shape == image.shape[:2] and mask.dtype == bool
    assert np.array_equal(sam.segment_points(image, [[100, 150]]), sam.segment_points(emb, [[100, 150]]))
    assert len(sam.segment_boxes(emb, [(0, 0, 50, 50), (60, 60, 200, 300)])) == 2
    with pytest.raises(InputError, match="points"):
        sam.segment_points(image, [[1, 2, 3]])
    with pytest.raises(InputError, match="labels"):
        sam.segment_points(image, [[1, 2]], labels=[2])
    with pytest.raises(InputError, match="boxes"):
        sam.segment_box(image, (50, 50, 10, 10))


def test_auto_mode_takes_the_largest_region_as_background(sam: SAMSegmenter, monkeypatch: pytest.MonkeyPatch) -> None:
    image = np.full((64, 64, 3), 0.5, np.float32)
    low = np.full((3, 4, 32, 32), -1.0, np.float32)
    low[0, 1, :, :] = 1.0  # a region covering everything
    low[1, 1, 8:16, 8:16] = 1.0  # a small region
    low[2, 1, :, 16:] = 1.0  # half of the frame: the largest confident one, as index 0 is not confident
    iou = np.array([[0, 0.5, 0, 0], [0, 0.95, 0, 0], [0, 0.9, 0, 0]], np.float32)
    monkeypatch.setattr(sam, "_decode", lambda *a, **k: (low, iou))  # the tiny decoder's maps are 32×32 too
    mask = sam.segment(image)
    assert mask[:, :30].all() and not mask[:, 34:].any()  # the right half was background


def test_two_stage_mode_gives_one_instance_per_person(shot: tuple[np.ndarray, np.ndarray]) -> None:
    class TwoPeople:
        def segment(self, image: np.ndarray) -> np.ndarray:
            m = np.zeros(image.shape[:2], bool)
            m[40:200, 10:70] = True
            m[60:220, 150:230] = True
            m[0:2, 0:2] = True  # a speck: no box for it
            return m

    seg = SAMSegmenter("mobile_sam", mode="boxes", detector=TwoPeople(), config="tiny_mobile_sam", pretrained=False)
    people = seg.instances(shot[0])
    assert len(people) == 2
    union = seg.segment(shot[0])
    assert np.array_equal(union, people[0] | people[1])
    assert seg.instances(shot[0], boxes=[(0, 0, 30, 30)])[0].shape == shot[0].shape[:2]


def test_boxes_from_mask() -> None:
    m = np.zeros((100, 100), bool)
    m[10:30, 60:90] = True
    m[50:90, 5:25] = True
    m[0, 0] = True
    assert boxes_from_mask(m, margin=0.0) == [(5, 50, 24, 89), (60, 10, 89, 29)]


def test_deeplab_segments(shot: tuple[np.ndarray, np.ndarray]) -> None:
    torch.manual_seed(0)
    seg = DeepLabSegmenter("mobilenet_v3_large", resolution=96, pretrained=False)
    prob = seg.probability(shot[0])
    assert prob.shape == shot[0].shape[:2] and 0 <= prob.min() and prob.max() <= 1
    assert np.array_equal(seg.segment(shot[0]), prob > 0.5)
    with pytest.raises(InputError, match="variant"):
        DeepLabSegmenter("vgg", pretrained=False)


def test_registered() -> None:
    assert {"sam", "deeplab"} <= set(studiocomp.list_backends("segmenter"))
