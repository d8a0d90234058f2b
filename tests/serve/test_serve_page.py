"""The upload page in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

A real photo is dropped on the page; the before/after preview appears; the download is a valid RGBA PNG
of the photo's size. Skipped, with the reason, where chromium, Playwright or ../shared are missing.
Set ``STUDIOCOMP_SCREENSHOT=path.png`` to keep a screenshot of the page with its result.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from tests.conftest import shared_path

CHROMIUM = os.environ.get("STUDIOCOMP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the page test needs Playwright (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set STUDIOCOMP_CHROMIUM)")
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Exception as exc:  # a chromium Playwright cannot drive
            pytest.skip(f"chromium at {CHROMIUM} did not start under Playwright: {str(exc)[:300]}")
        yield b
        b.close()


def test_drop_a_photo_see_before_and_after_download_the_png(browser: Any, server: Any, tmp_path: Path) -> None:
    photo = shared_path("data", "humanseg_removebg290", "image", "004.jpg")
    with Image.open(photo) as im:
        size = im.size
    page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    external: list[str] = []
    page.on("request", lambda req: external.append(req.url) if not req.url.startswith((server.url, "blob:", "data:")) else None)
    page.goto(server.url + "/")
    page.wait_for_selector(".bg[data-name='pink-white-1'] img")  # the background picker came from /v1/backgrounds
    # before any photo: no empty before/after panels and no download button on the page
    assert not page.is_visible("#preview") and not page.is_visible("#download")
    # drop the photo on the drop zone, as a person drags it from a file manager
    data = list(photo.read_bytes())
    page.evaluate(
        """([bytes, name]) => {
            const file = new File([new Uint8Array(bytes)], name, {type: 'image/jpeg'});
            const dt = new DataTransfer();
            dt.items.add(file);
            document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""",
        [data, photo.name],
    )
    page.wait_for_selector("#download:not([hidden])", timeout=120_000)
    assert page.eval_on_selector("#before", "img => img.complete && img.naturalWidth") == size[0]
    page.wait_for_function("() => document.getElementById('after').complete && document.getElementById('after').naturalWidth > 0")
    assert page.eval_on_selector("#after", "img => [img.naturalWidth, img.naturalHeight]") == list(size)
    assert "Done in" in page.inner_text("#status")
    with page.expect_download() as info:
        page.click("#download")
    saved = tmp_path / "download.png"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "004-cutout.png"
    with Image.open(saved) as got:
        got.load()
        assert got.format == "PNG" and got.mode == "RGBA" and got.size == size
        alpha = got.getchannel("A")
        lo, hi = alpha.getextrema()
        assert lo == 0 and hi == 255  # a cut-out: transparent background, opaque subject
    shot = os.environ.get("STUDIOCOMP_SCREENSHOT")
    if shot:
        page.screenshot(path=shot, full_page=True)
    # pick a background: the page composites and offers a JPEG
    page.click(".bg[data-name='pink-white-1']")
    page.wait_for_function("() => document.getElementById('download').download.endsWith('-pink-white-1.jpg') && !document.getElementById('download').hidden", timeout=120_000)
    with page.expect_download() as info:
        page.click("#download")
    composite = Image.open(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert composite.format == "JPEG" and composite.size == size
    assert external == [], external  # nothing fetched from anywhere else
    page.close()


BROKEN_IMAGES = """() => [...document.querySelectorAll('img')]
    .filter((img) => img.offsetParent !== null && (!img.getAttribute('src') || (img.complete && img.naturalWidth === 0)))
    .map((img) => img.id || img.alt)"""
"""The ids of the images on view that show nothing or a broken-image icon (no source, or one that did not decode)."""


def test_page_reports_a_bad_upload(browser: Any, server: Any, shot_jpeg: bytes) -> None:
    page = browser.new_page()
    page.goto(server.url + "/")
    page.set_input_files("#file", files=[{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not an image"}])
    page.wait_for_selector("#status.error")
    assert "not an image" in page.inner_text("#status")
    page.wait_for_timeout(300)  # (the browser's own failed decode of the file)
    assert page.evaluate(BROKEN_IMAGES) == [] and not page.is_visible("#preview")  # no broken "before" or empty "after"
    # a good photo after it: both panels; then a failure again takes the old result away, leaving no empty panel
    page.set_input_files("#file", files=[{"name": "shot.jpg", "mimeType": "image/jpeg", "buffer": shot_jpeg}])
    page.wait_for_selector("#download:not([hidden])", timeout=60_000)
    page.wait_for_function("() => document.getElementById('after').complete && document.getElementById('after').naturalWidth > 0")
    assert page.is_visible("#before") and page.is_visible("#after") and page.evaluate(BROKEN_IMAGES) == []
    page.set_input_files("#file", files=[{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not an image"}])
    page.wait_for_selector("#status.error")
    page.wait_for_timeout(300)
    assert page.evaluate(BROKEN_IMAGES) == [] and not page.is_visible("#after") and not page.is_visible("#download")
    page.close()


def test_a_missing_or_wrong_key_says_what_to_do(browser: Any, make_server: Any, shot_jpeg: bytes) -> None:
    srv = make_server(api_key="s3cret")
    page = browser.new_page()
    page.goto(srv.url + "/")
    page.wait_for_selector("#status.error")
    status = page.inner_text("#status")
    assert "needs an API key" in status and "API key box" in status, status
    assert "X-Api-Key" not in status and "Backgrounds:" not in status, status  # words for a person, not for an API client
    assert "error" in (page.get_attribute("#keybox", "class") or "") and page.evaluate("() => document.activeElement.id") == "apikey"
    page.set_input_files("#file", files=[{"name": "shot.jpg", "mimeType": "image/jpeg", "buffer": shot_jpeg}])
    page.wait_for_function("() => document.getElementById('before').naturalWidth > 0")
    page.wait_for_timeout(300)
    assert page.is_visible("#before") and not page.is_visible("#after") and page.evaluate(BROKEN_IMAGES) == []
    page.fill("#apikey", "wrong")
    page.dispatch_event("#apikey", "change")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('was not accepted')")
    assert "X-Api-Key" not in page.inner_text("#status") and page.evaluate(BROKEN_IMAGES) == []
    page.close()


def test_a_fixed_key_clears_the_error_and_the_same_photo_can_be_sent_again(browser: Any, make_server: Any, shot_jpeg: bytes, tmp_path: Path) -> None:
    srv = make_server(api_key="s3cret")
    photo = tmp_path / "shot.jpg"
    photo.write_bytes(shot_jpeg)
    page = browser.new_page()
    sent: list[str] = []
    page.on("request", lambda req: sent.append(req.url) if req.url.endswith("/v1/cutout") else None)
    page.goto(srv.url + "/")
    page.wait_for_selector("#keybox:not([hidden])")
    page.fill("#apikey", "wrong")
    page.dispatch_event("#apikey", "change")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('was not accepted')")
    page.set_input_files("#file", str(photo))
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('The API key was not accepted')")
    assert len(sent) == 1
    page.evaluate("() => { document.getElementById('status').textContent = ''; }")
    # the same photo chosen again is sent again (the old page kept the file input's value: no change event)
    page.set_input_files("#file", str(photo))
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('The API key was not accepted')")
    assert len(sent) == 2
    # the right key: the stale error goes, and the photo already chosen is sent with it
    page.fill("#apikey", "s3cret")
    page.dispatch_event("#apikey", "change")
    page.wait_for_selector("#download:not([hidden])", timeout=60_000)
    status = page.inner_text("#status")
    assert "Done in" in status and "not accepted" not in status and page.get_attribute("#status", "class") != "error"
    assert "error" not in (page.get_attribute("#keybox", "class") or "")
    assert len(sent) == 3
    assert page.locator(".bg[data-name='pink-white-1']").count() == 1  # the backgrounds came with the key
    page.close()


def test_the_page_names_each_doubt_in_words(browser: Any, server: Any, tmp_path: Path) -> None:
    from studiocomp.image import save_image

    noise = tmp_path / "noise.png"  # no backdrop to key: the cut-out covers the whole frame
    save_image(noise, np.random.default_rng(0).random((120, 160, 3)).astype(np.float32))
    page = browser.new_page()
    page.goto(server.url + "/")
    page.set_input_files("#file", str(noise))
    page.wait_for_selector("#download:not([hidden])", timeout=60_000)
    status = page.inner_text("#status")
    assert "the subject covers 100% of the frame" in status and "touches the frame on 4 sides" in status, status
    assert "edges" not in status and "subject-fills-frame" not in status, status  # the messages, not the codes
    page.close()


def test_the_page_loads_with_no_console_warning_or_missing_icon(browser: Any, make_server: Any) -> None:
    """A fresh user's console: "[DOM] Password field is not contained in a form" and a 404 for /favicon.ico."""
    srv = make_server(api_key="s3cret")  # the key box shows
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(srv.url + "/")
    page.wait_for_selector("#keybox:not([hidden])")
    page.wait_for_timeout(500)
    assert not [m for m in console if "[DOM]" in m or "404" in m], console  # (the 403 of the missing key is expected)
    assert missing == [], missing
    assert page.evaluate("() => document.getElementById('apikey').form !== null")
    page.fill("#apikey", "wrong")
    page.press("#apikey", "Enter")  # commits the key; the page is not reloaded by the form
    page.wait_for_function("() => document.getElementById('status').textContent.includes('was not accepted')")
    assert page.input_value("#apikey") == "wrong"
    page.close()
