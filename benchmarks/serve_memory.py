"""Peak memory of ``studiocomp serve`` per request: large photos one and two at once, and MODNet's resolution.

Each row starts its own ``studiocomp serve --workers 2`` (the ``studio`` preset; the weights in ``../shared/weights``
linked into a fresh hub cache, as ``load_serve.py`` does), sends its requests to ``/v1/cutout`` with httpx, and reads
the server's peak resident memory (``VmHWM`` in ``/proc/PID/status``, Linux only) and each answer's ``X-Timings``.
The photo is ``humanseg_removebg290/image/012.jpg`` (from ``../shared``) enlarged with Lanczos to 6000×4000 (24 MP),
4243×2828 (12 MP), or shrunk to 275×183 for the MODNet rows; the images are made in a temporary folder.

    python benchmarks/serve_memory.py --out results-serve-memory.json            # all rows
    python benchmarks/serve_memory.py --rows 24mp-one 24mp-two
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_serve import SHARED, seeded_hub  # noqa: E402

ROWS = ("12mp-one", "24mp-one", "24mp-two", "modnet512", "modnet1024")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024  # MiB
    return out


def run_row(label: str, body: bytes, n: int, params: dict[str, str], cache: str, logs: Path) -> dict[str, Any]:
    """Start a server, send ``n`` requests at once, and read its peak memory."""
    import httpx

    port = _free_port()
    env = dict(os.environ, HF_HUB_CACHE=cache, HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "studiocomp", "serve", "--port", str(port), "--workers", "2", "--timeout", "900"]
    with open(logs / f"serve-{label}.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            url = f"http://127.0.0.1:{port}"
            while True:
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None:
                    raise SystemExit(f"the server of {label} stopped: {logs / f'serve-{label}.log'}")
                time.sleep(0.5)
            idle = _memory(proc.pid)

            def one(_: int) -> tuple[int, float, str | None]:
                t0 = time.perf_counter()
                r = httpx.post(url + "/v1/cutout", params=params, content=body, timeout=1200)
                return r.status_code, round(time.perf_counter() - t0, 3), r.headers.get("x-timings")

            with cf.ThreadPoolExecutor(n) as ex:
                results = list(ex.map(one, range(n)))
            peak = _memory(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    return {
        "row": label,
        "requests_at_once": n,
        "params": params,
        "idle_MiB": round(idle["VmRSS"], 1),
        "peak_VmHWM_MiB": round(peak["VmHWM"], 1),
        "results": results,
        "loadavg_after": os.getloadavg(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    from PIL import Image

    photo = SHARED / "data" / "humanseg_removebg290" / "image" / "012.jpg"
    if not photo.is_file():
        print(f"needs {photo}", file=sys.stderr)
        return 2
    import shutil

    cache = seeded_hub()  # links only, removed at the end
    rows = []
    with tempfile.TemporaryDirectory(prefix="studiocomp-serve-memory-") as tmp:
        work = Path(tmp)

        def sized(w: int, h: int) -> bytes:
            path = work / f"{w}x{h}.jpg"
            Image.open(photo).convert("RGB").resize((w, h), Image.LANCZOS).save(path, quality=92)
            return path.read_bytes()

        plan = {
            "12mp-one": (lambda: sized(4243, 2828), 1, {}),
            "24mp-one": (lambda: sized(6000, 4000), 1, {}),
            "24mp-two": (lambda: sized(6000, 4000), 2, {}),
            "modnet512": (lambda: sized(275, 183), 1, {"matter": "modnet:resolution=512"}),
            "modnet1024": (lambda: sized(275, 183), 1, {"matter": "modnet:resolution=1024"}),
        }
        for label in args.rows:
            make, n, params = plan[label]
            row = run_row(label, make(), n, params, cache, work)
            print(json.dumps(row), flush=True)
            rows.append(row)
    shutil.rmtree(cache, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
