"""A bounded load test of ``studiocomp serve`` (issue 16): 16 concurrent clients, 400 requests, 127.0.0.1 only.

Starts the server as a separate process (``python -m studiocomp serve``), sends real photos from
``../shared/data/humanseg_removebg290`` (or synthetic studio shots where that is absent) from N client
threads, and reports failed requests, p50/p95 latency and the server's resident memory (VmRSS) when
request 100 and request 400 complete (it must stay within 10 %)::

    python benchmarks/load_serve.py --requests 400 --clients 16 --out benchmarks/results-serve-load.json

The weights in ``../shared/weights`` are linked into a fresh hub cache, so the ``studio`` preset runs its
person models as on a user's machine; ``--segmenter backdrop`` measures the keyer alone.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STUDIOCOMP_SHARED", REPO.parent / "shared"))
STUDIO_IDS = "004 005 006 010 011 029 036 037 038 041 055 056 057 097 101 102 106 111 115 157 263 270".split()


def rss_kib(pid: int) -> int:
    """Resident memory of a process, KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def photos() -> list[tuple[str, bytes]]:
    folder = SHARED / "data" / "humanseg_removebg290" / "image"
    if folder.is_dir():
        found = [(p.name, p.read_bytes()) for i in STUDIO_IDS for p in sorted(folder.glob(f"{i}.*"))]
        if found:
            return found
    from studiocomp.image import encode_image
    from studiocomp.synthetic import studio_shot

    return [(f"synthetic-{s}.jpg", encode_image(studio_shot((800, 600), seed=s)[0], format="jpg")) for s in range(8)]


def seeded_hub() -> str:
    """A fresh hub cache with ../shared/weights linked in (empty where ../shared has none)."""
    cache = tempfile.mkdtemp(prefix="studiocomp-load-hub-")
    weights = SHARED / "weights"
    if weights.is_dir():
        from studiocomp import hub

        for path in sorted(weights.rglob("*.onnx")):
            try:
                hub.import_file(path, cache_dir=cache, link=True)
            except Exception as exc:  # a file no spec names
                print(f"not imported: {path.name}: {exc}", file=sys.stderr)
    return cache


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queue-size", type=int, default=32)
    ap.add_argument("--preset", default="studio")
    ap.add_argument("--segmenter", help="replace the preset's segmenter (e.g. backdrop)")
    ap.add_argument("--endpoint", default="/v1/cutout", choices=["/v1/cutout", "/v1/composite", "/v1.0/removebg"])
    ap.add_argument("--out", type=Path, help="write the summary as JSON here")
    args = ap.parse_args()

    os.environ["HF_HUB_OFFLINE"] = "1"
    cache = seeded_hub()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "studiocomp", "serve", "--host", "127.0.0.1", "--port", str(port), "--preset", args.preset, "--workers", str(args.workers), "--queue-size", str(args.queue_size)]
    if args.segmenter:
        cmd += ["--segmenter", args.segmenter]
    log = Path(tempfile.mkdtemp(prefix="studiocomp-load-")) / "serve.log"
    env = dict(os.environ, HF_HUB_CACHE=cache, HF_HUB_OFFLINE="1")
    env.pop("STUDIOCOMP_API_KEY", None)
    import httpx

    images = photos()
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        try:
            t_start = time.perf_counter()
            while True:
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    print(log.read_text(), file=sys.stderr)
                    return 1
                time.sleep(0.2)
            startup = time.perf_counter() - t_start
            rss_start = rss_kib(proc.pid)
            lock = threading.Lock()
            issued = 0
            done = 0
            latencies: list[float] = []
            failures: list[tuple[int, str]] = []
            rss_at: dict[int, int] = {}
            marks = {100, args.requests}

            def client() -> None:
                nonlocal issued, done
                with httpx.Client(base_url=url, timeout=300) as c:
                    while True:
                        with lock:
                            if issued >= args.requests:
                                return
                            i = issued
                            issued += 1
                        name, data = images[i % len(images)]
                        t0 = time.perf_counter()
                        try:
                            if args.endpoint == "/v1.0/removebg":
                                r = c.post(args.endpoint, files={"image_file": (name, data)}, data={"size": "full"})
                            else:
                                r = c.post(args.endpoint, content=data)
                            status, why = r.status_code, r.text[:200] if r.status_code != 200 else ""
                        except httpx.HTTPError as exc:
                            status, why = -1, str(exc)
                        dt = time.perf_counter() - t0
                        with lock:
                            done += 1
                            latencies.append(dt)
                            if status != 200:
                                failures.append((status, why))
                            if done in marks:
                                rss_at[done] = rss_kib(proc.pid)

            wall0 = time.perf_counter()
            threads = [threading.Thread(target=client) for _ in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - wall0
            health = httpx.get(url + "/healthz", timeout=5).json()
        finally:
            proc.terminate()
            proc.wait(30)
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, round(p / 100 * (len(lat) - 1)))]

    r100, rend = rss_at.get(100), rss_at.get(args.requests)
    summary: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "server": " ".join(cmd[1:]),
        "endpoint": args.endpoint,
        "photos": len(images),
        "photo_source": "humanseg_removebg290 studio-like ids" if not images[0][0].startswith("synthetic") else "synthetic",
        "requests": args.requests,
        "clients": args.clients,
        "failed": len(failures),
        "failure_samples": failures[:5],
        "wall_s": round(wall, 1),
        "throughput_rps": round(args.requests / wall, 2),
        "latency_s": {"p50": round(pct(50), 3), "p95": round(pct(95), 3), "max": round(lat[-1], 3)},
        "rss_mib": {"after_start": round(rss_start / 1024, 1), "at_100": round((r100 or 0) / 1024, 1), f"at_{args.requests}": round((rend or 0) / 1024, 1)},
        "rss_change_100_to_end": round((rend or 0) / (r100 or 1) - 1, 4),
        "startup_s": round(startup, 1),
        "queue": health["queue"],
        "cpus": os.cpu_count(),
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    ok = not failures and r100 is not None and rend is not None and abs(rend / r100 - 1) <= 0.10
    print("PASS" if ok else "FAIL: failed requests or memory not flat within 10 %", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
