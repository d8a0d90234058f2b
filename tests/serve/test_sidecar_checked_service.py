"""A prepared background whose sidecar cannot work with its image is a 400 naming the sidecar and the field.

A second fresh user's finding (tests/unit/test_sidecar_checked.py for the command line and the pipeline): ``place.feet
[9999, 100]`` or ``horizon 900`` on a 512×512 image answered as a bad ``place`` (which the request did not send) after
the photo was decoded; the check is now :meth:`studiocomp.prepared.BackgroundInfo.check`, the one the CLI makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest


@pytest.mark.parametrize(
    ("sidecar", "words"),
    [
        ('{"version":1,"horizon":900}', "hall.studiocomp.json: horizon: expected a row above the bottom of the 512×512 image"),
        ('{"version":1,"place":{"feet":[9999,100]}}', "hall.studiocomp.json: place.feet: expected the feet on the 512×512 background"),
    ],
)
def test_a_sidecar_that_cannot_work_with_its_image_is_400_naming_it(make_server: Any, shot_jpeg: bytes, tmp_path: Path, sidecar: str, words: str) -> None:
    from studiocomp.image import save_image
    from studiocomp.prepared import sidecar_path

    save_image(tmp_path / "hall.png", np.full((512, 512, 3), 0.5, np.float32))
    sidecar_path(tmp_path / "hall.png").write_text(sidecar)
    srv = make_server(backgrounds_dir=tmp_path)
    with srv.client() as c:
        r = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "hall"})
        listed = {b["name"]: b for b in c.get("/v1/backgrounds").json()["backgrounds"]}
    assert r.status_code == 400, r.text
    err = r.json()["errors"][0]
    assert err["code"] == "invalid_parameter" and "hall.studiocomp.json" in err["title"], err
    assert words in err["detail"], err
    assert str(tmp_path) not in r.text  # the server's folder is not the client's business
    assert words in (listed["hall"].get("problem") or ""), listed["hall"]  # the list says it too
