"""The install's shape: torch is the optional extra ``studiocomp[torch]``, never a core dependency."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import studiocomp
from studiocomp import BackendUnavailableError

REPO = Path(__file__).resolve().parents[2]


def test_torch_is_an_extra_not_a_core_dependency() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    core = [d.split(";")[0].strip().lower() for d in project["dependencies"]]
    assert not any(d.startswith("torch") for d in core), core
    assert any(d.startswith("torch") for d in project["optional-dependencies"]["torch"])
    # the dev extra keeps the CPU pin so the tests run the torch backends
    assert any(d.startswith("torch==") for d in project["optional-dependencies"]["dev"])


@pytest.mark.parametrize("name", ["sam", "deeplab"])
def test_torch_backends_without_torch_name_the_extra(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(BackendUnavailableError, match=r'pip install "studiocomp\[torch\]"') as info:
        studiocomp.create("segmenter", name, pretrained=False, device="cpu")
    assert name in str(info.value)
