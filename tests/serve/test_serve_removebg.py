"""``POST /v1.0/removebg`` against remove.bg's documented request fields, answers, headers and error shape.

The reference: remove.bg's API documentation and OpenAPI description (``BackgroundRemovalApi.removebgPost``):
sources ``image_file`` / ``image_file_b64`` / ``image_url``; ``size``, ``type``, ``type_level``, ``format``
(auto/png/jpg/zip), ``roi``, ``crop``, ``crop_margin``, ``channels`` (rgba/alpha), ``bg_color``,
``bg_image_file``; 200 answers with ``X-Width``, ``X-Height``, ``X-Type``, ``X-Credits-Charged``,
``X-Foreground-Top/Left/Width/Height`` or, with ``Accept: application/json``,
``{"data": {"result_b64", "foreground_top", "foreground_left", "foreground_width", "foreground_height"}}``;
errors ``{"errors": [{"title", "code", "detail"}]}``; the key in ``X-Api-Key``.
"""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studiocomp.image import encode_image

httpx = pytest.importorskip("httpx")

HEADERS = ("X-Width", "X-Height", "X-Credits-Charged", "X-Foreground-Top", "X-Foreground-Left", "X-Foreground-Width", "X-Foreground-Height")


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def error_of(resp: Any) -> dict[str, Any]:
    body = resp.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    err = body["errors"][0]
    assert {"title", "code"} <= set(err) <= {"title", "code", "detail"}
    return dict(err)


def bbox(alpha: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(alpha.max(1) > 0), np.flatnonzero(alpha.max(0) > 0)
    return int(rows[0]), int(cols[0]), int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def post(server: Any, data: dict[str, str] | None = None, files: dict[str, Any] | None = None, **kw: Any) -> Any:
    with server.client() as c:
        return c.post("/v1.0/removebg", data=data or {}, files=files, **kw)


def test_image_file_full_size_answers_png_with_removebg_headers(server: Any, shot: Any, shot_jpeg: bytes) -> None:
    r = post(server, {"size": "auto"}, {"image_file": ("shot.jpg", shot_jpeg, "image/jpeg")})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    for h in HEADERS:
        assert h in r.headers, h
    im = decode(r.content)
    assert im.mode == "RGBA" and im.size == (240, 320)
    assert (r.headers["X-Width"], r.headers["X-Height"]) == ("240", "320")
    assert r.headers["X-Credits-Charged"] == "0" and r.headers["X-Type"] == "other"
    top, left, h, w = bbox(np.asarray(im)[..., 3])
    assert [int(r.headers[f"X-Foreground-{k}"]) for k in ("Top", "Left", "Height", "Width")] == [top, left, h, w]
    truth = shot[1] > 0.5
    got = np.asarray(im)[..., 3] > 127
    assert np.count_nonzero(got & truth) / np.count_nonzero(got | truth) > 0.9


def test_default_size_is_preview_at_most_a_quarter_megapixel(server: Any) -> None:
    from studiocomp.synthetic import studio_shot

    big = encode_image(studio_shot((900, 700), seed=2)[0], format="jpg")
    r = post(server, files={"image_file": ("big.jpg", big)})
    assert r.status_code == 200, r.text
    w, h = decode(r.content).size
    assert w * h <= 250_000 and abs(w / h - 700 / 900) < 0.01
    medium = post(server, {"size": "medium"}, {"image_file": ("big.jpg", big)})
    assert decode(medium.content).size == (700, 900)  # 0.63 MP is under medium's 1.5 MP


def test_image_file_b64_as_form_and_as_json_and_the_json_answer(server: Any, shot_jpeg: bytes) -> None:
    b64 = base64.b64encode(shot_jpeg).decode()
    form = post(server, {"image_file_b64": b64, "size": "full"})
    assert form.status_code == 200 and decode(form.content).size == (240, 320)
    with server.client() as c:
        js = c.post("/v1.0/removebg", json={"image_file_b64": "data:image/jpeg;base64," + b64, "size": "full", "crop": True}, headers={"Accept": "application/json"})
    assert js.status_code == 200, js.text
    assert js.headers["content-type"] == "application/json"
    data = js.json()["data"]
    assert set(data) == {"result_b64", "foreground_top", "foreground_left", "foreground_width", "foreground_height"}
    im = decode(base64.b64decode(data["result_b64"]))
    assert im.mode == "RGBA"
    assert im.size == (data["foreground_width"], data["foreground_height"])  # crop: the result is the foreground's box
    assert (data["foreground_top"], data["foreground_left"]) == (0, 0)


def test_formats_channels_bg_color_and_bg_image(server: Any, shot_jpeg: bytes) -> None:
    files = {"image_file": ("s.jpg", shot_jpeg)}
    red = post(server, {"size": "full", "bg_color": "ff0000"}, files)
    assert red.status_code == 200 and red.headers["content-type"] == "image/jpeg"  # auto: JPEG when nothing is transparent
    px = np.asarray(decode(red.content))[3, 3].astype(int)
    assert px[0] > 230 and px[1] < 30 and px[2] < 30
    named = post(server, {"size": "full", "bg_color": "green", "format": "png"}, files)
    assert named.status_code == 200 and decode(named.content).mode == "RGBA" and np.asarray(decode(named.content))[..., 3].min() == 255
    zipped = post(server, {"size": "full", "format": "zip"}, files)
    assert zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
        assert sorted(z.namelist()) == ["alpha.png", "color.jpg"]
        assert decode(z.read("color.jpg")).size == decode(z.read("alpha.png")).size == (240, 320)
    alpha = post(server, {"size": "full", "channels": "alpha"}, files)
    a = np.asarray(decode(alpha.content).convert("RGB"))
    assert alpha.headers["content-type"] == "image/png" and np.array_equal(a[..., 0], a[..., 1])
    assert decode(alpha.content).mode == "L"  # one grey channel, as remove.bg's channels=alpha
    assert alpha.headers["x-uncertain"] in ("true", "false") and "x-warnings" in alpha.headers
    webp = post(server, {"size": "full", "format": "webp"}, files)
    assert webp.headers["content-type"] == "image/webp"
    bg = encode_image(np.full((50, 60, 3), [0.1, 0.2, 0.9], np.float32), format="png")
    laid = post(server, {"size": "full"}, {"image_file": ("s.jpg", shot_jpeg), "bg_image_file": ("bg.png", bg)})
    assert laid.status_code == 200 and laid.headers["content-type"] == "image/jpeg"
    corner = np.asarray(decode(laid.content))[2, 2].astype(int)
    assert corner[2] > 200 and corner[0] < 60


def test_crop_margin_roi_and_type_level(server: Any, shot_jpeg: bytes) -> None:
    files = {"image_file": ("s.jpg", shot_jpeg)}
    plain = post(server, {"size": "full", "crop": "true"}, files)
    fw, fh = int(plain.headers["X-Foreground-Width"]), int(plain.headers["X-Foreground-Height"])
    assert decode(plain.content).size == (fw, fh)
    margin = post(server, {"size": "full", "crop": "true", "crop_margin": "10px"}, files)
    assert decode(margin.content).size == (fw + 20, fh + 20)
    assert (margin.headers["X-Foreground-Top"], margin.headers["X-Foreground-Left"]) == ("10", "10")
    roi = post(server, {"size": "full", "roi": "0% 0% 50% 100%"}, files)
    a = np.asarray(decode(roi.content))[..., 3]
    assert a[:, 121:].max() == 0 and a[:, :120].max() == 255  # nothing right of the region of interest
    typed = post(server, {"size": "full", "type": "person"}, files)
    assert typed.headers["X-Type"] == "person"
    none = post(server, {"size": "full", "type_level": "none"}, files)
    assert "X-Type" not in none.headers


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"image_url": "https://example.com/a.jpg"}, "url_not_supported"),
        ({"image_url": "http://127.0.0.1:22/"}, "url_not_supported"),
        ({"size": "huge"}, "invalid_size"),
        ({"format": "gif"}, "invalid_format"),
        ({"channels": "rgb"}, "invalid_channels"),
        ({"bg_color": "notacolour"}, "invalid_parameter"),
        ({"roi": "0 0 10"}, "invalid_roi"),
        ({"roi": "0% 0% 150% 100%"}, "invalid_roi"),
        ({"crop_margin": "80%"}, "invalid_parameter"),
        ({"scale": "50%"}, "invalid_scale"),
        ({"position": "center"}, "invalid_position"),
        ({"crop": "sometimes"}, "invalid_parameter"),
        ({"type": "spaceship"}, "invalid_parameter"),
        ({"bg_image_url": "https://example.com/bg.jpg"}, "url_not_supported"),
    ],
)
def test_bad_fields_answer_removebg_error_shape(server: Any, shot_jpeg: bytes, data: dict[str, str], code: str) -> None:
    files = None if "image_url" in data else {"image_file": ("s.jpg", shot_jpeg)}
    r = post(server, data, files)
    assert r.status_code == 400, r.text
    assert error_of(r)["code"] == code


def test_source_errors(server: Any, shot_jpeg: bytes) -> None:
    b64 = base64.b64encode(shot_jpeg).decode()
    both = post(server, {"image_file_b64": b64}, {"image_file": ("s.jpg", shot_jpeg)})
    assert both.status_code == 400 and error_of(both)["code"] == "multiple_sources"
    none = post(server, {"size": "full"}, {"bg_image_file": ("s.jpg", shot_jpeg)})
    assert none.status_code == 400 and error_of(none)["code"] == "missing_source"
    bad = post(server, {"image_file_b64": "!!! not base64 !!!"})
    assert bad.status_code == 400 and error_of(bad)["code"] == "invalid_image_file_b64"
    not_image = post(server, files={"image_file": ("x.jpg", b"hello")})
    assert not_image.status_code == 400 and error_of(not_image)["code"] == "not_an_image"
    two_bgs = post(server, {"bg_color": "fff"}, {"image_file": ("s.jpg", shot_jpeg), "bg_image_file": ("b.jpg", shot_jpeg)})
    assert two_bgs.status_code == 400 and error_of(two_bgs)["code"] == "multiple_bg_sources"
    with server.client() as c:
        raw = c.post("/v1.0/removebg", content=shot_jpeg, headers={"content-type": "image/jpeg"})
    assert raw.status_code == 400 and error_of(raw)["code"] == "invalid_request"


def test_nothing_found_is_unknown_foreground(server: Any) -> None:
    flat = encode_image(np.full((200, 160, 3), 0.85, np.float32), format="png")
    r = post(server, {"size": "full"}, {"image_file": ("flat.png", flat)})
    assert r.status_code == 400, r.headers
    assert error_of(r)["code"] == "unknown_foreground" and error_of(r)["title"].startswith("Could not identify foreground")


def test_the_doubts_come_in_words_as_on_the_native_route(server: Any) -> None:
    """``X-Warning-Messages`` (the sentence for each warning) is sent here too, the same as ``/v1/cutout`` sends."""
    import json

    noise = encode_image(np.random.default_rng(0).random((120, 160, 3)).astype(np.float32), format="png")  # no backdrop: the cut-out fills the frame
    r = post(server, {"size": "full"}, {"image_file": ("noise.png", noise, "image/png")})
    assert r.status_code == 200, r.text
    assert r.headers["X-Uncertain"] == "true"
    messages = json.loads(r.headers["X-Warning-Messages"])
    assert [m["code"] for m in messages] == r.headers["X-Warnings"].split(",")
    assert any(m["uncertain"] and "touches the frame on 4 sides" in m["message"] for m in messages), messages
    with server.client() as c:
        native = c.post("/v1/cutout", files={"image": ("noise.png", noise, "image/png")})
    assert native.status_code == 200, native.text
    assert messages == json.loads(native.headers["X-Warning-Messages"])


def test_zip_colour_image_keeps_none_of_the_scene(server: Any, shot: Any, shot_jpeg: bytes) -> None:
    """The ZIP's color.jpg has no alpha of its own: where the matte is 0 it must not carry the photo's scene back."""
    import cv2

    photo = np.asarray(decode(shot_jpeg).convert("RGB")).astype(np.float32) / 255
    zipped = post(server, {"size": "full", "format": "zip"}, {"image_file": ("s.jpg", shot_jpeg)})
    assert zipped.status_code == 200, zipped.text
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
        colour = np.asarray(decode(z.read("color.jpg")).convert("RGB")).astype(np.float32) / 255
        matte = np.asarray(decode(z.read("alpha.png")).convert("L"))
    hidden = cv2.erode((matte == 0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0  # clear of the outline's JPEG blocks
    assert hidden.mean() > 0.3
    # the backdrop is not there: the hidden pixels hold the subject's own colours spread smoothly
    assert float(np.abs(colour[hidden] - photo[hidden]).mean()) > 0.1
    subject = np.median(photo[matte == 255], axis=0)
    assert float(np.abs(np.median(colour[hidden], axis=0) - subject).max()) < 0.2
