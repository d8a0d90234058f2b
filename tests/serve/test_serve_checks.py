"""The service and the command line agree on what they refuse: a too-small photo, a body that is not an image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studiocomp.image import encode_image
from studiocomp.pipeline import MIN_SIDE

pytest.importorskip("httpx")


def error_of(resp: Any) -> dict[str, Any]:
    """The one error of a JSON error answer (remove.bg's shape)."""
    body = resp.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return dict(body["errors"][0])


@pytest.mark.parametrize("size", [(1, 1), (MIN_SIDE - 1, 64)])
def test_too_small_photo_is_refused_with_the_cli_message(server: Any, size: tuple[int, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    h, w = size
    png = encode_image(np.full((h, w, 3), 0.5, np.float32), format="png")
    with server.client() as c:
        for endpoint in ("/v1/cutout", "/v1/composite"):
            r = c.post(endpoint, content=png, headers={"content-type": "image/png"})
            assert r.status_code == 400, (endpoint, r.status_code)
            err = error_of(r)
            assert err["code"] == "image_too_small" and f"{w}×{h} pixels, too small" in err["detail"]
    from studiocomp.cli import main

    src = tmp_path / "small.png"
    src.write_bytes(png)
    assert main(["cutout", str(src), "-o", str(tmp_path / "out")]) == 1
    cli = capsys.readouterr().err
    # the same sentence, less the argument's name (the CLI's line starts with the file)
    assert err["detail"].split(": ", 1)[1] in cli


def test_smallest_photo_is_taken(server: Any) -> None:
    png = encode_image(np.full((MIN_SIDE, MIN_SIDE, 3), 0.5, np.float32), format="png")
    with server.client() as c:
        r = c.post("/v1/cutout", content=png, headers={"content-type": "image/png"})
    assert r.status_code == 200


def test_text_file_sent_as_a_form_is_not_an_image(server: Any) -> None:
    """curl --data-binary @notes.txt labels the file application/x-www-form-urlencoded."""
    with server.client() as c:
        for body in (b"hello, this is a text file\nnot an image\n", "café".encode()):
            r = c.post("/v1/cutout", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
            assert r.status_code == 400 and error_of(r)["code"] == "not_an_image", r.text
        # a real form still reads as one: options without an image
        r = c.post("/v1/cutout", content=b"format=png", headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 400 and error_of(r)["code"] == "empty_file"
