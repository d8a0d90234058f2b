"""``studiocomp serve``: every endpoint, each bad-input kind, the limits, the queue's 503, the API key, the CLI.

A real uvicorn on 127.0.0.1 and a real HTTP client (httpx); inputs are made here.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studiocomp.image import encode_image

httpx = pytest.importorskip("httpx")


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def error_of(resp: Any) -> dict[str, Any]:
    """The one error of a JSON error answer, checking remove.bg's shape."""
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    err = body["errors"][0]
    assert {"title", "code"} <= set(err) <= {"title", "code", "detail"}, err
    return dict(err)


# --------------------------------------------------------------------------- the endpoints


def test_healthz(server: Any) -> None:
    with server.client() as c:
        r = c.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["api_key_required"] is False
    assert body["queue"]["workers"] == 2 and body["queue"]["queue_size"] == 8
    assert body["limits"] == {"max_upload_bytes": 3_000_000, "max_pixels": 1_000_000, "max_work_side": 1024, "request_timeout": 120.0}
    assert body["missing_models"] == []  # the keyer asks for no model; the studio preset without weights lists them
    assert r.headers["x-request-id"]


def test_upload_page_and_its_files_are_served_with_no_external_urls(server: Any) -> None:
    with server.client() as c:
        page = c.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'id="drop"' in page.text and 'id="download"' in page.text
        texts = [page.text]
        for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
            r = c.get(f"/static/{name}")
            assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
            texts.append(r.text)
        assert c.get("/static/../app.py").status_code == 404
        assert c.get("/static/nothing.js").status_code == 404
    for text in texts:  # no CDN, no fonts or scripts from elsewhere
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


def test_backgrounds_list_and_thumbnails(server: Any) -> None:
    with server.client() as c:
        r = c.get("/v1/backgrounds")
        assert r.status_code == 200
        items = {b["name"]: b for b in r.json()["backgrounds"]}
        assert {"white", "grey", "gradient", "pink-white-1"} <= set(items)
        assert items["white"]["kind"] == "preset"
        hall = items["hall"]
        assert hall["kind"] == "prepared" and hall["prepared"] is True and (hall["width"], hall["height"]) == (400, 300)
        assert hall["sidecar"]["horizon"] == 120 and hall["sidecar"]["light"]["azimuth"] == 30.0
        assert items["plain"]["prepared"] is False and items["plain"]["sidecar"] is None
        for name in ("hall", "gradient"):
            t = c.get(items[name]["thumbnail"])
            assert t.status_code == 200 and t.headers["content-type"] == "image/jpeg"
            assert max(decode(t.content).size) <= 160
        missing = c.get("/v1/backgrounds/nope/thumbnail")
        assert missing.status_code == 404 and error_of(missing)["code"] == "unknown_background"
        assert c.get("/v1/backgrounds/..%2Fetc/thumbnail").status_code == 404


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a & b) / max(1, np.count_nonzero(a | b)))


def test_cutout_multipart_and_raw_body_give_the_same_rgba_png(server: Any, shot: Any, shot_jpeg: bytes) -> None:
    with server.client() as c:
        multi = c.post("/v1/cutout", files={"image": ("shot.jpg", shot_jpeg, "image/jpeg")})
        raw = c.post("/v1/cutout", content=shot_jpeg, headers={"content-type": "image/jpeg"})
        # curl --data-binary @shot.jpg labels the file as a url-encoded form: the image's own bytes decide
        curl = c.post("/v1/cutout", content=shot_jpeg, headers={"content-type": "application/x-www-form-urlencoded"})
    for r in (multi, raw, curl):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "image/png"
        assert (r.headers["x-width"], r.headers["x-height"]) == ("240", "320")
        assert r.headers["x-uncertain"] in ("true", "false") and "segmenter=" in r.headers["x-timings"]
    im = decode(multi.content)
    assert im.mode == "RGBA" and im.size == (240, 320)
    assert multi.content == raw.content == curl.content
    alpha = np.asarray(im)[..., 3] > 127
    assert _iou(alpha, shot[1] > 0.5) > 0.9  # the backdrop keyer finds the synthetic subject


def test_cutout_webp_and_only_mask(server: Any, shot_jpeg: bytes) -> None:
    with server.client() as c:
        webp = c.post("/v1/cutout", params={"format": "webp"}, content=shot_jpeg)
        mask = c.post("/v1/cutout", files={"image": ("s.jpg", shot_jpeg)}, data={"only_mask": "true"})
    assert webp.status_code == 200 and webp.headers["content-type"] == "image/webp" and decode(webp.content).mode == "RGBA"
    assert mask.status_code == 200 and mask.headers["content-type"] == "image/png"
    assert mask.content[24:26] == bytes([16, 0])  # a 16-bit one-channel grey PNG, as the CLI's --only-mask writes
    assert decode(mask.content).size == (240, 320)


def test_composite_on_presets_colours_prepared_and_uploaded_backgrounds(server: Any, shot_jpeg: bytes) -> None:
    with server.client() as c:
        jpg = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "pink-white-1", "format": "jpg", "quality": "80"})
        assert jpg.status_code == 200, jpg.text
        assert jpg.headers["content-type"] == "image/jpeg" and decode(jpg.content).size == (240, 320)
        colour = c.post("/v1/composite", params={"background": "#203040", "relighter": "none", "shadow": "none"}, content=shot_jpeg)
        assert colour.status_code == 200
        corner = np.asarray(decode(colour.content))[2, 2]
        assert np.abs(corner.astype(int) - [0x20, 0x30, 0x40]).max() <= 3
        prepared = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data={"background": "hall", "fit": "cover"})
        assert prepared.status_code == 200 and decode(prepared.content).size == (240, 320)  # fitted to the photo, as asked
        for data in ({"background": "hall", "place": "auto"}, {"background": "hall"}):  # its sidecar's feet place it by default
            placed = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg)}, data=data)
            assert placed.status_code == 200, placed.text
            assert decode(placed.content).size == (400, 300)  # placed into the background's own frame
        bg = encode_image(np.full((100, 80, 3), 0.2, np.float32), format="png")
        uploaded = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg), "background_file": ("bg.png", bg)}, data={"fit": "stretch", "format": "tif", "depth": "16"})
        assert uploaded.status_code == 200 and uploaded.headers["content-type"] == "image/tiff"
        tif = decode(uploaded.content)
        assert tif.size == (240, 320)
        flags = c.post("/v1/composite", params={"no_grain": "1", "no_sharpen": "true", "no_light_wrap": "yes", "light": "90,40", "compositor": "matched"}, content=shot_jpeg)
        assert flags.status_code == 200, flags.text


# --------------------------------------------------------------------------- bad inputs: a 4xx with a JSON error, and the server goes on


def _png_with_size(width: int, height: int) -> bytes:
    """A real 8×8 PNG whose header claims width×height (a decompression bomb's header)."""
    data = bytearray(encode_image(np.zeros((8, 8, 3), np.float32), format="png"))
    ihdr = bytearray(data[12:29])
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def _gif(frames: int) -> bytes:
    ims = [Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)) for i in range(frames)]
    buf = io.BytesIO()
    ims[0].save(buf, "GIF", save_all=True, append_images=ims[1:])
    return buf.getvalue()


def _bad_inputs(shot_jpeg: bytes) -> dict[str, tuple[bytes, int, str]]:
    corrupt = bytearray(shot_jpeg)
    mid = len(corrupt) // 2
    corrupt[mid : mid + 400] = bytes((i * 37 + 11) % 256 for i in range(400))
    big = encode_image(np.random.default_rng(0).random((1000, 1100, 3), dtype=np.float32), format="jpg", quality=30)
    return {
        "empty": (b"", 400, "empty_file"),
        "not an image": (b"this is not an image at all", 400, "not_an_image"),
        "truncated jpeg": (shot_jpeg[: len(shot_jpeg) * 2 // 3], 400, "damaged_image"),
        "damaged jpeg": (bytes(corrupt), 400, "damaged_image"),
        "bomb header": (_png_with_size(100_000, 100_000), 400, "too_many_pixels"),
        "too many pixels": (big, 400, "too_many_pixels"),
        "animated gif": (_gif(3), 400, "multi_frame"),
    }


@pytest.mark.parametrize("kind", ["empty", "not an image", "truncated jpeg", "damaged jpeg", "bomb header", "too many pixels", "animated gif"])
def test_each_bad_upload_kind_is_a_4xx_json_error(server: Any, shot_jpeg: bytes, kind: str) -> None:
    data, status, code = _bad_inputs(shot_jpeg)[kind]
    with server.client() as c:
        for endpoint in ("/v1/cutout", "/v1/composite"):
            multi = c.post(endpoint, files={"image": ("x.jpg", data, "image/jpeg")})
            raw = c.post(endpoint, content=data)
            for r in (multi, raw):
                assert r.status_code == status, (kind, endpoint, r.text)
                assert error_of(r)["code"] == code, (kind, r.text)
        assert c.post("/v1/cutout", content=shot_jpeg).status_code == 200  # and the server goes on


def test_bad_background_upload_is_named(server: Any, shot_jpeg: bytes) -> None:
    with server.client() as c:
        r = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg), "background_file": ("bg.jpg", shot_jpeg[:500])})
    assert r.status_code == 400 and error_of(r)["code"] == "damaged_image" and "background" in error_of(r)["title"]


def test_too_large_body_is_413_with_and_without_content_length(server: Any) -> None:
    blob = b"\xff\xd8" + bytes(3_100_000)
    with server.client() as c:
        r = c.post("/v1/cutout", content=blob)
        assert r.status_code == 413 and error_of(r)["code"] == "file_too_large"

        def chunks() -> Any:  # no Content-Length: counted as it arrives
            for i in range(0, len(blob), 256 * 1024):
                yield blob[i : i + 256 * 1024]

        r = c.post("/v1/cutout", content=chunks())
        assert r.status_code == 413 and error_of(r)["code"] == "file_too_large"
        r = c.post("/v1/cutout", files={"image": ("big.jpg", blob)})
        assert r.status_code == 413
    with server.client() as c:
        assert c.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"format": "gif"}, "format"),
        ({"format": "jpg"}, "format"),  # a cut-out needs alpha
        ({"quality": "0"}, "quality"),
        ({"depth": "12"}, "depth"),
        ({"only_mask": "maybe"}, "only_mask"),
        ({"input_alpha": "keep"}, "input_alpha"),
        ({"segmenter": "nope"}, "segmenter"),
        ({"segmenter": "backdrop:plate='/etc/passwd'"}, "segmenter"),  # a client never names server files
        ({"segmenter": "backdrop:plate=/etc/passwd"}, "segmenter"),
        ({"matter": "unmix:no_such_option=1"}, "option"),
        ({"colour": "red"}, "colour"),
        ({"background": "white"}, "background"),  # a cut-out is transparent
    ],
)
def test_bad_cutout_options_are_400_naming_the_option(server: Any, shot_jpeg: bytes, params: dict[str, str], where: str) -> None:
    with server.client() as c:
        r = c.post("/v1/cutout", params=params, content=shot_jpeg)
    assert r.status_code == 400, r.text
    err = error_of(r)
    assert err["code"] == "invalid_parameter"
    assert where in (err["title"] + err.get("detail", "")).lower()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"background": "nowhere"}, "unknown_background"),
        ({"background": "/etc/hosts"}, "unknown_background"),
        ({"background": "../backgrounds/hall.jpg"}, "unknown_background"),
        ({"background": "#12345g"}, "invalid_parameter"),
        ({"fit": "squash"}, "invalid_parameter"),
        ({"place": "here"}, "invalid_parameter"),
        ({"light": "90"}, "invalid_parameter"),
        ({"light": "90,100"}, "invalid_parameter"),
        ({"preset": "fancy"}, "invalid_parameter"),
        ({"format": "jpg", "depth": "16"}, "invalid_parameter"),
        ({"shadow": "cast:azimuth='x'"}, "invalid_parameter"),
    ],
)
def test_bad_composite_options_are_400(server: Any, shot_jpeg: bytes, params: dict[str, str], code: str) -> None:
    with server.client() as c:
        r = c.post("/v1/composite", params=params, content=shot_jpeg)
    assert r.status_code == 400, r.text
    assert error_of(r)["code"] == code


def test_unknown_routes_and_methods_answer_json(server: Any) -> None:
    with server.client() as c:
        r = c.get("/v2/nothing")
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"
        r = c.get("/v1/cutout")
        assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"


# --------------------------------------------------------------------------- the API key, the queue, the timeout


def test_api_key(make_server: Any, shot_jpeg: bytes) -> None:
    srv = make_server(workers=1, api_key="s3cret-key")
    with srv.client() as c:
        assert c.get("/healthz").json()["api_key_required"] is True  # health and the page stay open
        assert c.get("/").status_code == 200
        for path, kw in (("/v1/cutout", {"content": shot_jpeg}), ("/v1.0/removebg", {"files": {"image_file": ("s.jpg", shot_jpeg)}})):
            missing = c.post(path, **kw)
            assert missing.status_code == 403 and error_of(missing) == {"title": "Missing API Key", "code": "auth_failed", "detail": error_of(missing)["detail"]}
            wrong = c.post(path, headers={"X-Api-Key": "s3cret-kex"}, **kw)
            assert wrong.status_code == 403 and error_of(wrong)["title"] == "Invalid API Key"
            ok = c.post(path, headers={"x-api-key": "s3cret-key"}, **kw)
            assert ok.status_code == 200, ok.text
        assert c.get("/v1/backgrounds").status_code == 403
        assert c.get("/v1/backgrounds", headers={"X-Api-Key": "s3cret-key"}).status_code == 200


class SlowSegmenter:
    """The backdrop keyer, made slow on purpose (to fill the queue)."""

    def __init__(self, seconds: float) -> None:
        from studiocomp import create

        self.seconds, self.inner = seconds, create("segmenter", "backdrop")

    def segment(self, image: np.ndarray) -> np.ndarray:
        time.sleep(self.seconds)
        return self.inner.segment(image)  # type: ignore[no-any-return]


def test_full_queue_answers_503_with_retry_after_and_recovers(make_server: Any, shot_jpeg: bytes) -> None:
    srv = make_server(workers=1, queue_size=1, stages={"segmenter": SlowSegmenter(0.6), "matter": "unmix"}, retry_after=3)
    results: list[Any] = []

    def post() -> None:
        with srv.client() as c:
            results.append(c.post("/v1/cutout", content=shot_jpeg))

    threads = [threading.Thread(target=post) for _ in range(5)]
    for t in threads:
        t.start()
        time.sleep(0.05)  # in order: the first runs, the second waits, the rest find the queue full
    for t in threads:
        t.join(60)
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 200, 503, 503, 503], codes
    for r in results:
        if r.status_code == 503:
            assert r.headers["retry-after"] == "3"
            assert error_of(r)["code"] == "queue_full"
    with srv.client() as c:
        stats = c.get("/healthz").json()["queue"]
        assert stats["refused"] == 3 and stats["running"] == 0 and stats["waiting"] == 0
        assert c.post("/v1/cutout", content=shot_jpeg).status_code == 200


def test_request_timeout_is_504_and_the_worker_comes_back(make_server: Any, shot_jpeg: bytes) -> None:
    srv = make_server(workers=1, queue_size=2, request_timeout=0.3, stages={"segmenter": SlowSegmenter(0.8), "matter": "unmix"})
    with srv.client() as c:
        r = c.post("/v1/cutout", content=shot_jpeg)
        assert r.status_code == 504 and error_of(r)["code"] == "timeout"
        deadline = time.monotonic() + 10  # the job still running ends on its own and frees the worker
        while c.get("/healthz").json()["queue"]["running"] and time.monotonic() < deadline:
            time.sleep(0.1)
        stats = c.get("/healthz").json()["queue"]
        assert stats["running"] == 0 and stats["timed_out"] == 1


# --------------------------------------------------------------------------- the command


def test_cli_serve_takes_the_key_from_the_environment_and_logs_json_lines(tmp_path: Path, shot_jpeg: bytes) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, STUDIOCOMP_API_KEY="from-env", HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "studiocomp", "serve", "--port", str(port), "--workers", "1", "--queue-size", "2", "--segmenter", "backdrop", "--matter", "unmix"]
    log = tmp_path / "serve.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            assert httpx.post(url + "/v1/cutout", content=shot_jpeg, timeout=60).status_code == 403
            ok = httpx.post(url + "/v1/cutout", content=shot_jpeg, headers={"X-Api-Key": "from-env"}, timeout=60)
            assert ok.status_code == 200
        finally:
            proc.terminate()
            proc.wait(20)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    events = [x.get("event") for x in lines]
    assert "startup" in events and "request" in events
    assert [x["url"] for x in lines if x.get("event") == "listening"] == [f"http://127.0.0.1:{port}/"]  # after the models loaded
    assert events.index("listening") > events.index("startup")
    req = [x for x in lines if x.get("event") == "request" and x.get("path") == "/v1/cutout"]
    assert [x["status"] for x in req] == [403, 200] and all(x["ms"] >= 0 for x in req)
    assert "from-env" not in log.read_text()  # the key is never logged
    assert "--api-key " not in subprocess.run([sys.executable, "-m", "studiocomp", "serve", "--help"], capture_output=True, text=True).stdout  # only --api-key-env


def test_stage_option_words_as_http_clients_spell_them() -> None:
    from studiocomp.serve.options import parse_stage_spec

    assert parse_stage_spec("compositor", "matched:grain=false,light_wrap=0.5,sharpness=True") == ("matched", (("grain", False), ("light_wrap", 0.5), ("sharpness", True)))
    assert parse_stage_spec("matter", "unmix:band=none") == ("unmix", (("band", None),))


# --------------------------------------------------------------------------- what a first user ran into


def test_a_preset_background_and_an_uploaded_one_together_are_refused(server: Any, shot_jpeg: bytes) -> None:
    bg = encode_image(np.full((60, 80, 3), 0.2, np.float32), format="png")
    with server.client() as c:
        r = c.post("/v1/composite", data={"background": "grey"}, files={"image": ("s.jpg", shot_jpeg), "background_file": ("bg.png", bg)})
        assert r.status_code == 400, r.headers  # (it was 200, the file used and 'grey' dropped)
        err = error_of(r)
        assert err["code"] == "multiple_bg_sources" and "'grey'" in err["detail"] and "background_file" in err["detail"]
        # either one alone is fine
        assert c.post("/v1/composite", data={"background": "grey"}, files={"image": ("s.jpg", shot_jpeg)}).status_code == 200
        assert c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg), "background_file": ("bg.png", bg)}).status_code == 200


def test_healthz_counts_refused_uploads_apart_from_completed_ones(make_server: Any, shot_jpeg: bytes) -> None:
    srv = make_server(workers=1, queue_size=2)
    tiny = encode_image(np.full((8, 8, 3), 0.5, np.float32), format="png")
    with srv.client() as c:
        assert c.post("/v1/cutout", content=shot_jpeg).status_code == 200
        for body, code in ((b"GIF-ish, not an image at all" * 4, "not_an_image"), (shot_jpeg[: len(shot_jpeg) // 2], "damaged_image"), (tiny, "image_too_small")):
            r = c.post("/v1/cutout", files={"image": ("x.jpg", body)})
            assert r.status_code == 400 and error_of(r)["code"] == code
        stats = c.get("/healthz").json()["queue"]
    assert stats["completed"] == 1 and stats["failed"] == 3, stats  # (completed was 4)
    assert stats["refused"] == 0 and stats["timed_out"] == 0


def test_a_network_interface_without_a_key_is_warned_about_at_start_up() -> None:
    import logging

    from studiocomp.serve import ServeSettings, create_app
    from studiocomp.serve.logs import LOGGER
    from studiocomp.serve.settings import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("127.1.2.3") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.20") and not is_loopback("myhost.example")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.WARNING)
    LOGGER.addHandler(handler)
    try:
        stages = {"segmenter": "backdrop", "matter": "unmix"}
        for host, api_key, warned in (("0.0.0.0", None, True), ("0.0.0.0", "k", False), ("127.0.0.1", None, False), ("localhost", None, False)):
            records.clear()
            create_app(ServeSettings(host=host, port=0, workers=1, stages=stages, api_key=api_key)).state.pool.shutdown()
            said = [r for r in records if getattr(r, "event", None) == "no_api_key"]
            assert bool(said) == warned, (host, api_key, [r.getMessage() for r in records])
            if said:
                assert said[0].levelno == logging.WARNING and "0.0.0.0" in said[0].hint and "STUDIOCOMP_API_KEY" in said[0].hint  # type: ignore[attr-defined]
    finally:
        LOGGER.removeHandler(handler)


def test_cli_serve_on_a_port_in_use_is_a_usage_error_before_the_models_load() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        env.pop("STUDIOCOMP_API_KEY", None)
        done = subprocess.run([sys.executable, "-m", "studiocomp", "serve", "--port", str(port)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr  # (was 3, uvicorn's start-up failure, which the CLI documents as a bug)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("studiocomp: error: cannot listen on 127.0.0.1:") and "in use" in lines[0], done.stderr
    assert "startup" not in done.stderr  # refused before the pipelines were built (the studio preset's models)
