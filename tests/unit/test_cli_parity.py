"""Issue 17: the command line does what the API does — stage specs, --weights, --device, masks, stdin/stdout, aliases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import studiocomp
from studiocomp import cli, hub
from studiocomp.cli import main, parse_stage

KEYER = "studio:prior=None"  # no weights needed


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    image, _ = studiocomp.synthetic.studio_shot((120, 90), seed=2)
    return studiocomp.save_image(tmp_path / "shot.png", image)


def test_parse_stage() -> None:
    assert parse_stage("compositor", "none") is None
    comp = parse_stage("compositor", "matched:grain=False,light_wrap=0")
    assert type(comp).__name__ == "MatchedCompositor"
    seg = parse_stage("segmenter", "studio:prior=None,edge_band=2")
    assert seg.prior is None and seg.edge_band == 2
    with pytest.raises(studiocomp.InputError):
        parse_stage("segmenter", "studio:prior")
    with pytest.raises(studiocomp.UnknownBackendError):
        parse_stage("matter", "nope")


def test_stage_options_and_mask_only(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["composite", str(photo), "-o", str(out), "--segmenter", KEYER, "--relighter", "none", "--shadow", "none", "--compositor", "alpha-over", "--progress", "off"]) == 0
    assert (out / "shot.png").exists()
    masks = tmp_path / "masks"
    assert main(["cutout", str(photo), "-o", str(masks), "--segmenter", KEYER, "--only-mask", "--progress", "off"]) == 0
    data = (masks / "shot.png").read_bytes()
    assert data[24:26] == bytes([16, 0])  # IHDR: 16 bits, colour type 0 (one grey channel), as documented
    mask = studiocomp.load_image(masks / "shot.png")
    assert mask.shape == (120, 90, 3) and np.allclose(mask[..., 0], mask[..., 2]) and 0.05 < mask.mean() < 0.9
    assert main(["composite", str(photo), "-o", str(out), "--matter", "nope"]) == 2  # unknown backend: a usage error


def test_cutout_has_no_fit_option(photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["cutout", str(photo), "-o", str(tmp_path), "--fit", "cover"])
    assert exc.value.code == 2


def test_background_aliases(photo: Path, tmp_path: Path) -> None:
    for alias in ("grad", "gray"):
        assert main(["composite", str(photo), "-o", str(tmp_path / alias), "--segmenter", KEYER, "--background", alias, "--progress", "off"]) == 0
    np.testing.assert_array_equal(studiocomp.backgrounds.make_preset("grad", 8, 8), studiocomp.backgrounds.make_preset("gradient", 8, 8))


def test_weights_and_device_options(photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDIOCOMP_DEVICE", raising=False)
    missing = tmp_path / "missing.onnx"
    assert main(["cutout", str(photo), "-o", str(tmp_path / "o"), "--weights", f"modnet={missing}"]) == 2
    assert main(["cutout", str(photo), "-o", str(tmp_path / "o"), "--weights", "modnet"]) == 2
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not the model")
    try:
        assert main(["cutout", str(photo), "-o", str(tmp_path / "o2"), "--segmenter", KEYER, "--weights", f"modnet={fake}", "--device", "cpu", "--progress", "off"]) == 0
        assert os.environ["STUDIOCOMP_DEVICE"] == "cpu"
        with pytest.raises(studiocomp.WeightsUnavailableError, match="sha256"):
            hub.fetch("modnet")  # the registered file is used, and checked like a download
    finally:
        hub.use_weights("modnet", None)
        os.environ.pop("STUDIOCOMP_DEVICE", None)


def test_portrait_with_weights_options_offline(photo: Path, tmp_path: Path) -> None:
    from tests.conftest import SHARED

    files = {name: SHARED / "weights" / rel for name, rel in (("modnet", "modnet/modnet.onnx"), ("selfie", "mediapipe_selfie/selfie_segmentation.onnx"))}
    if not all(p.exists() for p in files.values()):
        pytest.skip(f"{SHARED}/weights not found")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "empty-cache")}
    args = ["composite", str(photo), "--preset", "portrait", "-o", str(tmp_path / "p"), "--progress", "off"]
    args += [f"--weights={n}={p}" for n, p in files.items()]
    run = subprocess.run([sys.executable, "-m", "studiocomp", *args], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "p" / "shot.png").exists()


def test_stdin_to_stdout(photo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "empty-cache")}
    run = subprocess.run(
        [sys.executable, "-m", "studiocomp", "cutout", "-", "-o", "-", "--segmenter", KEYER],
        input=photo.read_bytes(),
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "from-stdout.png"
    out.write_bytes(run.stdout)
    rgb, alpha = studiocomp.load_image(out, with_alpha=True)
    assert rgb.shape == (120, 90, 3) and alpha is not None and 0.05 < alpha.mean() < 0.9


def test_stdin_needs_one_input(photo: Path, tmp_path: Path) -> None:
    assert main(["cutout", "-", str(photo), "-o", str(tmp_path)]) == 2


def test_python_dash_m() -> None:
    run = subprocess.run([sys.executable, "-m", "studiocomp", "--version"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("studiocomp ")
    assert cli.EXIT_USAGE == 2


def test_depth_option(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "d16"
    assert main(["composite", str(photo), "-o", str(out), "--segmenter", KEYER, "--depth", "16", "--progress", "off"]) == 0
    assert studiocomp.image.source_bit_depth(out / "shot.png") == 16  # an 8-bit photo, a 16-bit composite on request
    assert main(["composite", str(photo), "-o", str(tmp_path / "j"), "--format", "jpg", "--depth", "16"]) == 2


def test_missing_weights_are_said_once_not_silently_worse(photo: Path, tmp_path: Path) -> None:
    """The studio preset on a machine without the person models: a note before any file, naming them."""
    import os
    import subprocess
    import sys

    empty = tmp_path / "hub"
    empty.mkdir()
    env = os.environ | {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(empty), "HF_HOME": str(tmp_path / "hf")}
    run = subprocess.run(
        [sys.executable, "-m", "studiocomp", "composite", str(photo), "-o", str(tmp_path / "out"), "--progress", "off"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("model weights not available") == 1 and "u2netp" in run.stderr and "models import" in run.stderr
    from studiocomp import Pipeline

    assert Pipeline.preset("studio", segmenter="backdrop").missing_models == []
