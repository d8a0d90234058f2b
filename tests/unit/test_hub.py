"""Model specs and the weights fetch, through the real hf_hub_download code path, offline."""

from __future__ import annotations

import socket
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
    cached = hub.import_file(shared_path("weights", SHARED_WEIGHTS["selfie"]), cache_dir=tmp_path)
    cached.resolve().write_bytes(b"truncated download")  # the blob behind the snapshot link
    with pytest.raises(WeightsUnavailableError, match="sha256"):
        hub.fetch("selfie", cache_dir=tmp_path)


def test_offline_without_cache_fails_fast_and_says_what_to_do(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    with pytest.raises(WeightsUnavailableError) as info:
        hub.fetch("modnet", cache_dir=tmp_path / "empty")
    assert time.perf_counter() - t0 < 3.0  # the hub's retries would take ~23 s; loose for a loaded machine
    msg = str(info.value)
    assert "DavG25/modnet-pretrained-models" in msg and "models/modnet_photographic_portrait_matting.onnx" in msg
    assert "studiocomp models fetch modnet" in msg and "--weights modnet=FILE" in msg and "weights=FILE" in msg


def test_backend_creation_fails_fast_offline(tmp_path: Path) -> None:
    """A fresh process, offline, empty cache: creating the backend fails at once, not after the hub's retries.

    Online-style retries cost ~23 s; the bound is loose (the import of huggingface_hub alone takes ~1 s on a
    loaded 2-core machine), so it tells the two apart without timing the machine.
    """
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
    assert float(out.split()[1]) < 5.0


def test_models_cli(hub_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "rvm-mobilenetv3" in out and "GPL-3.0" in out and "copyleft" in out
    assert main(["models", "fetch", "selfie", "u2netp"]) == 0
    out = capsys.readouterr().out
    assert "selfie" in out and "sha256 ok" in out
    assert main(["models", "verify", "selfie"]) == 0
    capsys.readouterr()
    assert main(["models", "verify"]) == 1  # every model, cache only: the seeded ones pass, the ones not here fail
    out, err = capsys.readouterr()
    assert "selfie" in out and "modnet" in out and "sam-vit-b: FAILED" in err
    assert main(["models", "fetch", "nope"]) == 2
    assert HUB_CACHE.exists()


# --------------------------------------------------------------------------- local files into the cache


def test_import_file_is_found_by_fetch(tmp_path: Path) -> None:
    src = shared_path("weights", SHARED_WEIGHTS["selfie"])
    placed = hub.import_file(src, cache_dir=tmp_path)  # the name from the sha256
    assert placed == hub.fetch("selfie", cache_dir=tmp_path, local_only=True)
    assert not placed.resolve().is_relative_to(src.parent) and hub.sha256_of(placed) == hub.get_spec("selfie").sha256
    assert hub.import_file(src, "selfie", cache_dir=tmp_path) == placed  # again: same place, no error
    linked = hub.import_file(src, "selfie", cache_dir=tmp_path / "links", link=True)
    assert linked.resolve() == src.resolve()


def test_import_file_keeps_a_ref_the_hub_wrote(tmp_path: Path) -> None:
    spec = hub.get_spec("selfie")
    repo = tmp_path / ("models--" + spec.repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("ab" * 20)
    placed = hub.import_file(shared_path("weights", SHARED_WEIGHTS["selfie"]), cache_dir=tmp_path, link=True)
    assert "ab" * 20 in placed.parts and (repo / "refs" / "main").read_text() == "ab" * 20


def test_import_file_refuses_the_wrong_file(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(WeightsUnavailableError, match="none of the known weight files"):
        hub.import_file(fake, cache_dir=tmp_path)
    with pytest.raises(WeightsUnavailableError, match="not the modnet weight file"):
        hub.import_file(shared_path("weights", SHARED_WEIGHTS["selfie"]), "modnet", cache_dir=tmp_path)
    with pytest.raises(WeightsUnavailableError, match="does not exist"):
        hub.import_file(tmp_path / "missing.onnx", cache_dir=tmp_path)
    assert not (tmp_path / "models--DavG25--modnet-pretrained-models").exists()


def test_models_import_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = shared_path("weights", SHARED_WEIGHTS["u2netp"])
    assert main(["models", "import", str(src), "--link"]) == 0  # into the session's hub cache (HF_HUB_CACHE)
    assert "u2netp" in capsys.readouterr().out and hub.fetch("u2netp", local_only=True).resolve() == src.resolve()
    fake = tmp_path / "x.onnx"
    fake.write_bytes(b"x")
    assert main(["models", "import", str(fake)]) == 1
    assert "none of the known" in capsys.readouterr().err
    assert main(["models", "import"]) == 2
    assert main(["models", "import", str(src), "nope"]) == 2


def test_preset_builds_only_the_stages_not_given(tmp_path: Path) -> None:
    """Own configured backends: the preset's default weights are never fetched (an empty cache, offline)."""
    code = (
        "import sys, studiocomp\n"
        "seg = studiocomp.create('segmenter', 'selfie', weights=sys.argv[1])\n"
        "mat = studiocomp.create('matter', 'modnet', weights=sys.argv[2])\n"
        "pipe = studiocomp.Pipeline.preset('portrait', segmenter=seg, matter=mat)\n"
        "assert pipe.components['segmenter'] is seg and pipe.components['matter'] is mat\n"
        "print('OK')\n"
    )
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "empty"), "PATH": "/usr/bin:/bin"}
    args = [str(shared_path("weights", SHARED_WEIGHTS[n])) for n in ("selfie", "modnet")]
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    assert run.stdout.strip() == "OK", run.stderr[-2000:]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_hub_fails_fast_without_offline_mode(tmp_path: Path) -> None:
    """HF_HUB_OFFLINE unset, the hub a closed local port: a cached file is still used, a missing one fails in ≤ 3 s."""
    code = (
        "import time, sys, studiocomp\n"
        "from studiocomp import hub\n"
        "hub.import_file(sys.argv[1], cache_dir=None, link=True)\n"
        "t = time.perf_counter()\n"
        "print('CACHED', hub.fetch('selfie').name)\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    hub.fetch('modnet')\n"
        "except studiocomp.WeightsUnavailableError as e:\n"
        "    print('ERR', round(time.perf_counter() - t, 3), e)\n"
    )
    env = {"HF_HUB_CACHE": str(tmp_path), "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}", "PATH": "/usr/bin:/bin"}
    src = shared_path("weights", SHARED_WEIGHTS["selfie"])
    run = subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True, text=True, env=env, timeout=60)
    lines = run.stdout.splitlines()
    assert len(lines) == 2 and lines[0] == "CACHED selfie_segmentation.onnx", run.stdout + run.stderr[-2000:]
    assert lines[1].startswith("ERR") and float(lines[1].split()[1]) <= 3.0, lines[1]
    assert "unreachable" in lines[1] and "studiocomp models import" in lines[1]


def test_hub_reachable_probe() -> None:
    t0 = time.perf_counter()
    assert not hub.hub_reachable(f"http://127.0.0.1:{_closed_port()}", timeout=0.5)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        assert hub.hub_reachable(f"http://127.0.0.1:{s.getsockname()[1]}", timeout=0.5)
    assert time.perf_counter() - t0 < 2.0


def test_models_import_takes_several_files_and_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``models import`` took one file per call: now files and folders (each weight file in them), each imported on
    its own, one line each and a summary; a bad file fails alone (exit 1) and leaves nothing in the cache."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("u2netp", "selfie"):  # links to the shared files: a folder of weights without copying 30 MB
        src = shared_path("weights", SHARED_WEIGHTS[name])
        (folder / src.name).symlink_to(src)
    (folder / "notes.txt").write_text("not a weight file: not even tried")
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"half a download")
    # into the session's hub cache (HF_HUB_CACHE, set by conftest before the hub was imported)
    code = main(["models", "import", str(bad), str(folder), str(tmp_path / "missing.onnx"), "--link"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "u2netp:" in out and "selfie:" in out and "notes.txt" not in out + err
    assert f"{bad}: FAILED" in err and "missing.onnx: FAILED" in err and "2 imported, 2 failed" in err
    for name in ("u2netp", "selfie"):
        assert hub.fetch(name, local_only=True).resolve() == shared_path("weights", SHARED_WEIGHTS[name]).resolve()
    assert not [p for p in HUB_CACHE.rglob("*") if p.name.endswith((".part", ".link", ".ref"))]  # nothing half-done
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["models", "import", str(empty)]) == 1  # a folder with no weight files in it
    assert "no weight files" in capsys.readouterr().err


def test_models_import_searches_the_subfolders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder laid out like the one the weights come in (``u2netp/u2netp.onnx``, ``mediapipe_selfie/…``): every
    weight file in its subfolders is imported and named; other files (``.tflite``, notes) and hidden folders are
    skipped. Only the top folder was looked into: "no weight files", exit 1."""
    folder = tmp_path / "weights"
    for name in ("u2netp", "selfie"):  # links to the shared files, in subfolders as they are shipped
        src = shared_path("weights", SHARED_WEIGHTS[name])
        (folder / src.parent.name).mkdir(parents=True)
        (folder / src.parent.name / src.name).symlink_to(src)
    (folder / "mediapipe_selfie" / "selfie_segmentation.tflite").write_bytes(b"not ours")
    (folder / "SOURCES.md").write_text("where they came from")
    (folder / ".cache").mkdir()
    (folder / ".cache" / "stale.onnx").write_bytes(b"a hidden leftover: not tried")
    code = main(["models", "import", str(folder), "--link"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "u2netp:" in out and "selfie:" in out and "stale.onnx" not in out + err
    assert f"{folder}: 2 weight files found: mediapipe_selfie/selfie_segmentation.onnx, u2netp/u2netp.onnx (2 other files skipped)" in err, err
    assert "2 imported, 0 failed" in err
    for name in ("u2netp", "selfie"):
        assert hub.fetch(name, local_only=True).resolve() == shared_path("weights", SHARED_WEIGHTS[name]).resolve()
