"""The service as an integrator sees it (each test failed on the old code).

- a stage option such as ``matter=modnet:resolution=99999999`` reached the backend: a 500 (OpenCV out of memory), and
  allocatable values under it (``unmix:working_size=2048`` on a small photo) were taken: now a 400 naming the option
  and its range, pixel sides capped by the server's ``max_work_side``;
- ``/openapi.json`` declared no parameters, no request body and a JSON 200 for the image routes, and a FastAPI 422
  on the thumbnail route that the service never sends;
- docs/serve.md's error table said 400 for ``unknown_background``, which the thumbnail route answers with 404;
- ``X-Timings`` left out the time before the pipeline and the encoding: its parts did not add up.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")

DOCS = Path(__file__).resolve().parents[2] / "docs" / "serve.md"


def _error(resp: Any) -> dict[str, Any]:
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    return dict(resp.json()["errors"][0])


# --------------------------------------------------------------------------- 1. stage options are capped


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("modnet:resolution=99999999", "[32, 1024]"),  # was a 500: OpenCV out of memory
        ("modnet:resolution=2048", "[32, 1024]"),  # allocatable, and 3x the memory of 512: refused by the server's cap
        ("unmix:working_size=2048", "[64, 1024]"),  # the backend takes up to 4096; the server caps at max_work_side
        ("modnet:threads=64", "not open to clients"),  # a resource option only whoever starts the server sets
        ("unmix:band=1.5", "[1, 32]"),  # an integer option given a fraction
    ],
)
def test_a_stage_option_out_of_its_range_is_400_naming_it_and_its_range(server: Any, shot_jpeg: bytes, spec: str, needle: str) -> None:
    with server.client() as c:
        r = c.post("/v1/cutout", params={"matter": spec}, content=shot_jpeg)
        assert r.status_code == 400, r.text
        err = _error(r)
        assert err["code"] == "invalid_parameter" and "matter" in err["title"], err
        assert spec.split(":")[1].split("=")[0] in err["detail"] and needle in err["detail"], err
        assert c.post("/v1/cutout", params={"matter": "unmix:working_size=512,band=3"}, content=shot_jpeg).status_code == 200


def test_max_work_side_is_a_server_setting(make_server: Any, shot_jpeg: bytes) -> None:
    srv = make_server(workers=1, max_work_side=256)
    with srv.client() as c:
        assert c.get("/healthz").json()["limits"]["max_work_side"] == 256
        r = c.post("/v1/cutout", params={"segmenter": "backdrop:working_size=300"}, content=shot_jpeg)
        assert r.status_code == 400 and "[64, 256]" in _error(r)["detail"] and "max_work_side is 256" in _error(r)["detail"], r.text
        assert c.post("/v1/cutout", params={"segmenter": "backdrop:working_size=256"}, content=shot_jpeg).status_code == 200


def test_every_stage_option_open_to_clients_is_a_real_option_of_its_backend() -> None:
    """The table of client options names only options the backends' constructors take (it cannot drift silently)."""
    import inspect

    from studiocomp.registry import backend_factory
    from studiocomp.serve.options import STAGE_OPTIONS

    kinds = {"segmenter": "segmenter", "matter": "matter", "relighter": "relighter", "shadow": "shadow_caster", "compositor": "compositor"}
    for field, backends in STAGE_OPTIONS.items():
        for backend, options in backends.items():
            params = inspect.signature(backend_factory(kinds[field], backend)).parameters
            assert set(options) <= set(params), (field, backend, set(options) - set(params))


# --------------------------------------------------------------------------- 2. the OpenAPI schema


def _schema_value(schema: dict[str, Any]) -> str | None:
    """What a client reading the schema would send: the default, as text (nothing when there is none)."""
    if "default" in schema:
        value = schema["default"]
        return str(value).lower() if isinstance(value, bool) else str(value)
    return None


@pytest.mark.parametrize("kind", ["cutout", "composite"])
def test_openapi_describes_the_options_body_and_answers_of_the_image_routes(server: Any, shot_jpeg: bytes, kind: str) -> None:
    from studiocomp.serve.options import OPTION_NAMES

    with server.client() as c:
        api = c.get("/openapi.json").json()
        op = api["paths"][f"/v1/{kind}"]["post"]
        params = {p["name"]: p for p in op.get("parameters", [])}
        assert params and all(p["in"] == "query" for p in params.values())
        body = op["requestBody"]["content"]
        form = body["multipart/form-data"]["schema"]
        assert form["required"] == ["image"] and form["properties"]["image"]["format"] == "binary"
        assert set(form["properties"]) - {"image", "background_file"} == set(params), "the form and the query take the same options"
        assert "image/jpeg" in body and "application/octet-stream" in body, "a raw image body"
        assert ("background_file" in form["properties"]) == (kind == "composite")
        assert params["format"]["schema"]["enum"] == (["png", "webp", "tif"] if kind == "cutout" else ["png", "jpg", "tif", "webp"])
        assert "modnet (resolution: integer 32–1024 or none" in params["matter"]["schema"]["description"]
        ok = op["responses"]["200"]["content"]
        assert "image/png" in ok and "application/json" not in ok, ok
        assert {"X-Timings", "X-Uncertain"} <= set(op["responses"]["200"]["headers"])
        for status in ("400", "403", "413", "500", "503", "504"):
            err = op["responses"][status]["content"]["application/json"]["schema"]
            assert err["required"] == ["errors"] and "code" in err["properties"]["errors"]["items"]["properties"]
        assert "422" not in op["responses"]

        # every option in the schema is taken, and every option not in it is refused: a client could build the request
        sent = {name: v for name, p in params.items() if (v := _schema_value(p["schema"])) is not None}
        r = c.post(f"/v1/{kind}", files={"image": ("s.jpg", shot_jpeg, "image/jpeg")}, data=sent)
        assert r.status_code == 200, (sent, r.text)
        assert r.headers["content-type"] in ok
        for name in sorted(OPTION_NAMES - set(params)):  # the composite's options, sent to a cut-out
            r = c.post(f"/v1/{kind}", params={name: "1"}, content=shot_jpeg)
            assert r.status_code == 400 and name in _error(r)["title"], (name, r.text)
        for name in params:  # and nothing in the schema is an unknown parameter
            r = c.post(f"/v1/{kind}", params={name: "\x01"}, content=shot_jpeg)
            assert "Unknown parameter" not in r.text, (name, r.text)
        # an unknown one is answered with this endpoint's own options, the schema's (a cut-out's 400 listed the composite's too)
        r = c.post(f"/v1/{kind}", params={"no_such_option": "1"}, content=shot_jpeg)
        assert r.status_code == 400 and "Unknown parameter 'no_such_option'" in _error(r)["title"]
        listed = _error(r)["detail"].split("this endpoint takes: ", 1)[1].split(", ")
        assert sorted(listed) == sorted(params), (kind, listed)


def test_openapi_of_removebg_and_the_thumbnail(server: Any) -> None:
    from studiocomp.serve.removebg import FIELDS

    with server.client() as c:
        api = c.get("/openapi.json").json()
    rb = api["paths"]["/v1.0/removebg"]["post"]
    content = rb["requestBody"]["content"]
    assert set(content["multipart/form-data"]["schema"]["properties"]) == set(FIELDS)
    assert {"application/x-www-form-urlencoded", "application/json"} <= set(content)
    assert content["multipart/form-data"]["schema"]["properties"]["size"]["enum"][0] == "preview"
    assert {"image/png", "image/jpeg", "application/zip", "application/json"} <= set(rb["responses"]["200"]["content"])
    thumb = api["paths"]["/v1/backgrounds/{name}/thumbnail"]["get"]
    assert [p["name"] for p in thumb["parameters"]] == ["name"] and thumb["parameters"][0]["in"] == "path"
    assert set(thumb["responses"]) == {"200", "404"} and "image/jpeg" in thumb["responses"]["200"]["content"]
    assert "422" not in str(api["paths"]) and "HTTPValidationError" not in str(api), "the service never answers FastAPI's 422"


# --------------------------------------------------------------------------- 3. the error codes: code, docs and schema agree


def _docs_error_table() -> dict[str, set[int]]:
    """``code -> statuses`` from docs/serve.md's Errors table."""
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    out: dict[str, set[int]] = {}
    for line in table.splitlines():
        cells = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.match(r"^\d{3}", cells[0]):
            continue
        statuses = {int(s) for s in re.findall(r"\d{3}", cells[0])}
        for code in re.findall(r"`([a-z0-9_]+)`", cells[1]):
            out.setdefault(code, set()).update(statuses)
    return out


def test_the_docs_error_table_says_what_the_service_answers(server: Any, shot_jpeg: bytes) -> None:
    from studiocomp.serve.errors import ERROR_CODES

    docs = _docs_error_table()
    assert set(docs) == set(ERROR_CODES), (set(docs) ^ set(ERROR_CODES))
    for code, (statuses, _) in ERROR_CODES.items():
        assert docs[code] == set(statuses), (code, docs[code], statuses)
    with server.client() as c:
        r = c.get("/v1/backgrounds/nonexistent/thumbnail")
        assert r.status_code in docs[_error(r)["code"]], r.text
        r = c.post("/v1/composite", params={"background": "nonexistent"}, content=shot_jpeg)
        assert r.status_code in docs[_error(r)["code"]], r.text


def test_every_error_code_the_service_sends_is_listed() -> None:
    from studiocomp.serve.errors import ERROR_CODES

    folder = Path(__import__("studiocomp.serve", fromlist=["x"]).__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    sent = set(re.findall(r"ApiError\(\s*\d{3},\s*\"([a-z0-9_]+)\"", source)) | set(re.findall(r"_bad\([^\n]*\"(invalid_[a-z]+)\"\)", source))
    sent |= set(re.findall(r"\(\"[^\"]+\", \"([a-z_]+)\", f\"The \{what\}", source)) | {f"invalid_{n}" for n in ("scale", "position")}
    assert sent and sent <= set(ERROR_CODES), sent - set(ERROR_CODES)


# --------------------------------------------------------------------------- 4. X-Timings adds up


def test_x_timings_has_receive_queue_decode_and_encode_and_adds_up(server: Any, shot_jpeg: bytes) -> None:
    import numpy as np

    from studiocomp.image import encode_image

    bg = encode_image(np.full((200, 300, 3), 0.4, np.float32), format="png")
    with server.client() as c:
        t0 = time.perf_counter()
        r = c.post("/v1/composite", files={"image": ("s.jpg", shot_jpeg), "background_file": ("b.png", bg)}, data={"format": "png"})
        wall = time.perf_counter() - t0
    assert r.status_code == 200, r.text
    parts = {k: float(v) for k, v in (item.split("=") for item in r.headers["X-Timings"].split(";"))}
    assert {"receive", "queue", "decode_background", "load", "segmenter", "matter", "compositor", "encode", "other", "total"} <= set(parts), parts
    assert list(parts)[:2] == ["receive", "queue"] and list(parts)[-2:] == ["other", "total"], parts
    assert all(v >= 0 for v in parts.values()), parts
    assert abs(sum(v for k, v in parts.items() if k != "total") - parts["total"]) <= 0.0005 * len(parts) + 1e-6, parts
    assert parts["total"] <= wall, (parts, wall)


def test_an_option_in_both_the_query_and_the_form_is_refused_unless_equal(server: Any, shot_jpeg: bytes) -> None:
    """A fresh user's form ``matter=modnet`` with ``?matter=modnet:resolution=99999999`` got a 200: the query's value was dropped."""
    with server.client() as c:
        r = c.post("/v1/cutout", params={"format": "webp"}, files={"image": ("s.jpg", shot_jpeg, "image/jpeg")}, data={"format": "png"})
        assert r.status_code == 400 and "given twice" in _error(r)["title"] and "'webp'" in _error(r)["detail"], r.text
        same = c.post("/v1/cutout", params={"format": "png"}, files={"image": ("s.jpg", shot_jpeg, "image/jpeg")}, data={"format": "png"})
        assert same.status_code == 200, same.text


def test_a_backend_without_weights_on_the_server_is_said_so_to_the_client(server: Any, shot_jpeg: bytes) -> None:
    """The library's advice (``studiocomp models fetch``) is for the operator; the client is told to choose another backend."""
    with server.client() as c:
        r = c.post("/v1/cutout", params={"segmenter": "sam"}, content=shot_jpeg)
    assert r.status_code == 400, r.text
    err = _error(r)
    assert err["code"] == "invalid_parameter" and "no weights" in err["title"] and "choose another backend" in err["detail"], err
