"""The screenshot in docs/serve.md: the upload page in headless Chromium, after a photo was dropped on it.

The photo is scikit-image's astronaut (NASA, public domain; shipped with scikit-image), so nothing from
``../shared`` ends up in the repository. The server runs the ``studio`` preset with the weights of
``../shared/weights`` linked into a fresh hub cache (the keyer alone where they are absent)::

    python benchmarks/serve_screenshot.py docs/serve/upload-page.png
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STUDIOCOMP_SHARED", REPO.parent / "shared"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    import httpx
    from playwright.sync_api import sync_playwright
    from skimage import data

    from studiocomp import hub
    from studiocomp.image import encode_image

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/serve/upload-page.png")
    cache = tempfile.mkdtemp(prefix="studiocomp-shot-hub-")
    for path in sorted((SHARED / "weights").rglob("*.onnx")) if (SHARED / "weights").is_dir() else []:
        try:
            hub.import_file(path, cache_dir=cache, link=True)
        except Exception as exc:
            print(f"not imported: {path.name}: {exc}", file=sys.stderr)
    photo = Path(tempfile.mkdtemp()) / "astronaut.png"
    photo.write_bytes(encode_image(data.astronaut(), format="png"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, HF_HUB_CACHE=cache, HF_HUB_OFFLINE="1")
    env.pop("STUDIOCOMP_API_KEY", None)
    proc = subprocess.Popen([sys.executable, "-m", "studiocomp", "serve", "--port", str(port), "--workers", "1"], env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                return 1
            time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("STUDIOCOMP_CHROMIUM", "/usr/bin/chromium"), args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1100, "height": 860})
            page.goto(url + "/")
            page.wait_for_selector(".bg[data-name='pink-white-2'] img")
            page.set_input_files("#file", str(photo))
            page.wait_for_selector("#download:not([hidden])", timeout=300_000)
            page.wait_for_function("() => document.getElementById('after').complete && document.getElementById('after').naturalWidth > 0")
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(20)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
