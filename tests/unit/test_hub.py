"""Model specs and the weights fetch, through the real hf_hub_download code path, offline."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import HUB_CACHE, SHARED_WEIGHTS, shared_path

from studiocomp import WeightsUnavailableError, hub
from studiocomp.cli import main


def test_specs_are_complete() -> None:
    import studiocomp

    assert studiocomp.list_models() == hub.list_models()
    names = [s.name for s in hub.list_models()]
    assert names == sorted(names) and {"modnet", "rvm-mobilenetv3", "u2netp", "selfie", "sam-vit-b", "mobile-sam"} <= set(names)
    for spec in hub.list_models():
        assert spec.repo_id.count("/") == 1 and spec.filename and spec.license and spec.framework in {"onnx", "torch"}
        if spec.sha256_verified:
            assert spec.sha256 is not None and len(spec.sha256) == 64
    assert hub.get_spec("rvm-mobilenetv3").copyleft and not hub.get_spec("modnet").copyleft


def test_pinned_sha256_match_the_real_files() -> None:
    for name, rel in SHARED_WEIGHTS.items():
        assert hub.sha256_of(shared_path("weights", rel)) == hub.get_spec(name).sha256


def test_fetch_goes_through_the_seeded_hub_cache(hub_cache: Path) -> None:
    path = hub.fetch("selfie")
    assert str(path).startswith(str(hub_cache)) and "snapshots" in path.parts
    assert hub.sha256_of(path) == hub.get_spec("selfie").sha256


def test_local_weights_are_checked(tmp_path: Path) -> None:
    real = shared_path("weights", SHARED_WEIGHTS["selfie"])
    assert hub.fetch("selfie", weights=real) == real
    fake = tmp_path / "selfie.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(WeightsUnavailableError, match="sha256"):
        hub.fetch("selfie", weights=fake)
    with pytest.raises(WeightsUnavailableError, match="does not exist"):
        hub.fetch("selfie", weights=tmp_path / "missing.onnx")


def test_corrupt_cached_file_is_refused(tmp_path: Path) -> None:
    from tests.conftest import FAKE_COMMIT

    spec = hub.get_spec("u2netp")
    repo = tmp_path / ("models--" + spec.repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(FAKE_COMMIT)
    target = repo / "snapshots" / FAKE_COMMIT / spec.filename
    target.parent.mkdir(parents=True)
    target.write_bytes(b"truncated download")
    with pytest.raises(WeightsUnavailableError, match="sha256"):
        hub.fetch("u2netp", cache_dir=tmp_path)


def test_offline_without_cache_fails_fast_and_says_what_to_do(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    with pytest.raises(WeightsUnavailableError) as info:
        hub.fetch("modnet", cache_dir=tmp_path / "empty")
    assert time.perf_counter() - t0 < 1.0
    msg = str(info.value)
    assert "DavG25/modnet-pretrained-models" in msg and "models/modnet_photographic_portrait_matting.onnx" in msg
    assert "studiocomp models fetch modnet" in msg and "weights=PATH" in msg


def test_backend_creation_fails_fast_offline(tmp_path: Path) -> None:
    """A fresh process, offline, empty cache: creating the backend fails in under a second of fetch time."""
    code = (
        "import time, studiocomp\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    studiocomp.create('matter', 'modnet')\n"
        "except studiocomp.WeightsUnavailableError as e:\n"
        "    print('ERR', round(time.perf_counter() - t, 3), e)\n"
    )
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60).stdout
    assert out.startswith("ERR"), out
    assert float(out.split()[1]) < 1.0


def test_models_cli(hub_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "rvm-mobilenetv3" in out and "GPL-3.0" in out and "copyleft" in out
    assert main(["models", "fetch", "selfie", "u2netp"]) == 0
    out = capsys.readouterr().out
    assert "selfie" in out and "sha256 ok" in out
    assert main(["models", "verify", "selfie"]) == 0
    assert main(["models", "fetch", "nope"]) == 2
    assert HUB_CACHE.exists()
