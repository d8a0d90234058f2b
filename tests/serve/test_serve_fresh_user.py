"""A fresh user's findings on the service (each failed on the old code).

- ``place=99999,5`` on a prepared background answered with the horizon's row only: now 400 naming ``place`` and the x.
- ``fit=none`` without ``place`` gave a photo-sized result; the CLI refuses ``--fit none`` without ``--place``: both refuse.
- a prepared background whose light is only the default gave no ``light-default``; an uploaded texture did.
- ``/favicon.ico`` was a 404 logged as a request error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def test_place_off_the_background_is_400_naming_place_and_the_problem(server: Any, shot_jpeg: bytes) -> None:
    with server.client() as c:  # the hall: 400×300, horizon at row 120
        r = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "hall", "place": "99999,5"})
        assert r.status_code == 400, r.text
        err = r.json()["errors"][0]
        assert err["code"] == "invalid_parameter" and "place" in err["title"], err
        assert "x 99999 is off its width (0 to 400)" in err["detail"] and "400×300" in err["detail"] and "horizon" not in err["detail"], err
        r = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "hall", "place": "200,100"})
        assert r.status_code == 400 and "place" in r.json()["errors"][0]["title"], r.text
        assert "below the horizon (row 120)" in r.json()["errors"][0]["detail"], r.text
        assert c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "hall", "place": "200,280"}).status_code == 200


def test_fit_none_without_place_is_refused_as_on_the_command_line(server: Any, shot_jpeg: bytes) -> None:
    with server.client() as c:
        for background in ("white", "hall"):
            r = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": background, "fit": "none"})
            assert r.status_code == 400, r.text
            err = r.json()["errors"][0]
            assert "'fit'" in err["title"] and "place=auto" in err["detail"], err
        r = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "hall", "fit": "none", "place": "auto"})
        assert r.status_code == 200 and (r.headers["x-width"], r.headers["x-height"]) == ("400", "300")


def test_a_prepared_backgrounds_default_light_is_noted_as_an_uploaded_ones_is(make_server: Any, shot_jpeg: bytes, tmp_path: Path) -> None:
    from studiocomp.image import encode_image, save_image
    from studiocomp.prepared import BackgroundInfo, Light, write_info

    lobby = np.full((300, 400, 3), 0.55, np.float32)
    save_image(tmp_path / "lobby.png", lobby)
    write_info(tmp_path / "lobby.png", BackgroundInfo(light=Light(0.0, 45.0, 0.004, "default"), camera_height=1.5, feet=(200.0, 276.0), subject_height=1.7))
    srv = make_server(backgrounds_dir=tmp_path)
    with srv.client() as c:
        # stood at the spot as the upload is: a subject laid on the bottom edge casts no shadow, and then no light note
        prepared = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "lobby", "place": "200,276"})
        uploaded = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg), "background_file": ("b.png", encode_image(lobby, format="png"))}, data={"place": "200,276"})
        favicon = c.get("/favicon.ico")
    assert prepared.status_code == uploaded.status_code == 200, (prepared.text, uploaded.text)
    assert "light-default" in uploaded.headers["x-warnings"].split(",")
    assert "light-default" in prepared.headers["x-warnings"].split(","), prepared.headers["x-warnings"]
    assert favicon.status_code == 204 and not favicon.content  # asked for by every browser: no icon, and not an error


def test_visible_height_sizes_a_bust_as_on_the_command_line(server: Any) -> None:
    """``visible_height`` (the CLI's ``--visible-height``) reaches the service: a bust laid by the horizon is sized by it, unwarned."""
    from tests.silhouettes import FG, bust_alpha

    from studiocomp.image import encode_image

    bust = encode_image(FG, bust_alpha(), format="png")  # an RGBA cut-out: its alpha is the subject
    with server.client() as c:  # the hall: 400×300, horizon at row 120
        guessed = c.post("/v1/composite", files={"image": ("b.png", bust)}, data={"background": "hall", "place": "auto"})
        sized = c.post("/v1/composite", files={"image": ("b.png", bust)}, data={"background": "hall", "place": "auto", "visible_height": "0.6"})
        bad = c.post("/v1/composite", files={"image": ("b.png", bust)}, data={"background": "hall", "place": "auto", "visible_height": "0"})
    assert guessed.status_code == sized.status_code == 200, (guessed.text, sized.text)
    assert "cut-subject-full-height" in guessed.headers["x-warnings"].split(","), guessed.headers["x-warnings"]
    assert "cut-subject-full-height" not in sized.headers["x-warnings"].split(","), sized.headers["x-warnings"]
    assert bad.status_code == 400 and "visible_height" in bad.json()["errors"][0]["title"], bad.text
