"""studiocomp against the peers a user would pick instead, side by side in one process.

    pip install -e ".[peers]"          # rembg, pymatting and matplotlib: for this script only
    python benchmarks/compare_peers.py --output benchmarks/peers

Part ``u2netp`` (issue 6):

- studiocomp's ``u2netp`` segmenter and rembg's ``u2netp`` session run the **same model file** (the one
  studiocomp's hub cache holds; rembg finds it through ``U2NET_HOME``) with the **same ONNX Runtime
  settings** (the machine's cores as intra-op threads, spinning off), on the same decoded images of
  ``pfcn_portrait_test``.
- The runs are interleaved per image, and the order alternates, so drift on the machine hits both.
- The time is one call each: ``segmenter.segment(float image)`` and ``rembg.remove(uint8 image,
  only_mask=True)``. Each takes the input type its users hand it; decoding is not timed.
- IoU is measured against the ground-truth masks, with both masks cut at 0.5.
- Cost growth: the first ``--growth-images`` photos are upscaled (bicubic) to 1, 6, 12 and 24 MP and
  timed the same way.

Writes ``<output>/u2netp.json``: every row, plus the date, machine, thread counts and versions. It also
writes ``u2netp.md`` (the tables) and ``u2netp_growth.png`` (time against megapixels, both libraries).
Needs ``../shared/data/pfcn_portrait_test`` and the u2netp weights: from the hub cache, or ``--weights``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"


def machine() -> dict[str, Any]:
    import cv2
    import onnxruntime

    import studiocomp

    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {"python": platform.python_version(), "studiocomp": studiocomp.__version__, "numpy": np.__version__, "opencv": cv2.__version__, "onnxruntime": onnxruntime.__version__}
    for name in ("rembg", "pymatting"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - not installed: not reported
            pass
    return {
        "date": dt.date.today().isoformat(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "cv2_threads": cv2.getNumThreads(),
        "versions": versions,
    }


def _rembg_session(weights: Path, threads: int) -> Any:
    """A rembg u2netp session on ``weights``, with the ONNX Runtime settings studiocomp uses."""
    home = Path(tempfile.mkdtemp(prefix="u2net_home_"))
    (home / "u2netp.onnx").symlink_to(weights.resolve())
    os.environ["U2NET_HOME"] = str(home)  # rembg reads it when it looks for the model file
    import onnxruntime as ort
    from rembg import new_session

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return new_session("u2netp", sess_opts=opts)


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def compare_u2netp(data: Path, output: Path, weights: Path | None, limit: int | None, growth_images: int) -> dict[str, Any]:
    import cv2
    from rembg import remove

    import studiocomp
    from studiocomp import hub, metrics
    from studiocomp.runtime.onnx import default_threads

    weights = Path(hub.fetch("u2netp")) if weights is None else weights
    threads = default_threads()
    ours = studiocomp.create("segmenter", "u2netp", weights=str(weights), threads=threads)
    theirs = _rembg_session(weights, threads)
    folder = data / "pfcn_portrait_test"
    names = sorted(p.name for p in (folder / "image").iterdir())[:limit]

    def run_pair(img: np.ndarray, k: int) -> tuple[np.ndarray, float, np.ndarray, float]:
        u8 = np.round(img * 255).astype(np.uint8)
        jobs = [("ours", lambda: ours.segment(img)), ("rembg", lambda: remove(u8, session=theirs, only_mask=True))]
        if k % 2:
            jobs.reverse()
        got = {}
        for who, job in jobs:
            got[who] = _timed(job)
        mask_r = np.asarray(got["rembg"][0])
        return got["ours"][0], got["ours"][1], mask_r > 127, got["rembg"][1]

    first = studiocomp.load_image(folder / "image" / names[0])
    run_pair(first, 0)  # warm-up: sessions, caches
    rows = []
    for k, name in enumerate(names):
        img = studiocomp.load_image(folder / "image" / name)
        truth = studiocomp.load_image(folder / "mask" / (Path(name).stem + ".png"))[..., 0] > 0.5
        m_ours, t_ours, m_rembg, t_rembg = run_pair(img, k)
        rows.append(
            {
                "image": name,
                "height": img.shape[0],
                "width": img.shape[1],
                "seconds_studiocomp": t_ours,
                "seconds_rembg": t_rembg,
                "iou_studiocomp": metrics.iou(m_ours, truth),
                "iou_rembg": metrics.iou(m_rembg, truth),
                "iou_between": metrics.iou(m_ours, m_rembg),
            }
        )
    growth = []
    for mp in (1, 6, 12, 24):
        for k, name in enumerate(names[:growth_images]):
            img = studiocomp.load_image(folder / "image" / name)
            h, w = img.shape[:2]
            s = (mp * 1e6 / (h * w)) ** 0.5
            big = np.clip(cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
            _, t_ours, _, t_rembg = run_pair(big, k)
            growth.append({"megapixels": mp, "image": name, "seconds_studiocomp": t_ours, "seconds_rembg": t_rembg})
    t_o = np.array([r["seconds_studiocomp"] for r in rows])
    t_r = np.array([r["seconds_rembg"] for r in rows])
    summary = {
        "images": len(rows),
        "median_seconds_studiocomp": float(np.median(t_o)),
        "median_seconds_rembg": float(np.median(t_r)),
        "total_seconds_studiocomp": float(t_o.sum()),
        "total_seconds_rembg": float(t_r.sum()),
        "speedup_median": float(np.median(t_r) / np.median(t_o)),
        "speedup_total": float(t_r.sum() / t_o.sum()),
        "mean_iou_studiocomp": float(np.mean([r["iou_studiocomp"] for r in rows])),
        "mean_iou_rembg": float(np.mean([r["iou_rembg"] for r in rows])),
        "mean_iou_between": float(np.mean([r["iou_between"] for r in rows])),
        "threads": threads,
        "weights": str(weights),
    }
    by_mp = {}
    for mp in sorted({g["megapixels"] for g in growth}):
        sel = [g for g in growth if g["megapixels"] == mp]
        by_mp[mp] = {
            "median_seconds_studiocomp": float(np.median([g["seconds_studiocomp"] for g in sel])),
            "median_seconds_rembg": float(np.median([g["seconds_rembg"] for g in sel])),
        }
    summary["growth"] = by_mp
    result = {"machine": machine(), "summary": summary, "rows": rows, "growth_rows": growth}
    output.mkdir(parents=True, exist_ok=True)
    (output / "u2netp.json").write_text(json.dumps(result, indent=1))
    _write_u2netp_report(result, output)
    return result


def _write_u2netp_report(result: dict[str, Any], output: Path) -> None:
    s, m = result["summary"], result["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cpus']} cores; ONNX Runtime {s['threads']} intra-op threads, spinning off, for both),",
        f"studiocomp {m['versions']['studiocomp']}, rembg {m['versions'].get('rembg', '?')}, onnxruntime {m['versions']['onnxruntime']}.",
        "",
        "| pfcn_portrait_test, same u2netp.onnx | studiocomp | rembg | ratio |",
        "|---|---:|---:|---:|",
        f"| median time per image (s) | {s['median_seconds_studiocomp']:.4f} | {s['median_seconds_rembg']:.4f} | **{s['speedup_median']:.2f}×** |",
        f"| total time, {s['images']} images (s) | {s['total_seconds_studiocomp']:.2f} | {s['total_seconds_rembg']:.2f} | {s['speedup_total']:.2f}× |",
        f"| mean IoU vs ground truth | {s['mean_iou_studiocomp']:.4f} | {s['mean_iou_rembg']:.4f} | Δ {s['mean_iou_studiocomp'] - s['mean_iou_rembg']:+.4f} |",
        f"| mean IoU between the two masks | {s['mean_iou_between']:.4f} | | |",
        "",
        "| megapixels | studiocomp median (s) | rembg median (s) | ratio |",
        "|---:|---:|---:|---:|",
    ]
    for mp, g in s["growth"].items():
        lines.append(f"| {mp} | {g['median_seconds_studiocomp']:.3f} | {g['median_seconds_rembg']:.3f} | {g['median_seconds_rembg'] / g['median_seconds_studiocomp']:.2f}× |")
    (output / "u2netp.md").write_text("\n".join(lines) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (pip install -e '.[peers]')", file=sys.stderr)
        return
    mps = [float(k) for k in s["growth"]]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    ax.plot(mps, [g["median_seconds_rembg"] for g in s["growth"].values()], "o-", label="rembg u2netp")
    ax.plot(mps, [g["median_seconds_studiocomp"] for g in s["growth"].values()], "o-", label="studiocomp u2netp")
    ax.set_xlabel("megapixels")
    ax.set_ylabel("seconds per image (median)")
    ax.set_title(f"Same u2netp.onnx, {m['cpus']} CPU cores, {m['date']}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(output / "u2netp_growth.png")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=HERE / "peers", help="folder for JSON, tables and plots (default: %(default)s)")
    parser.add_argument("--weights", type=Path, help="u2netp.onnx to use (default: studiocomp's hub cache)")
    parser.add_argument("--limit", type=int, help="only the first N images")
    parser.add_argument("--growth-images", type=int, default=5, help="images timed at 1/6/12/24 MP (default: %(default)s)")
    args = parser.parse_args()
    result = compare_u2netp(args.data, args.output, args.weights, args.limit, args.growth_images)
    print((args.output / "u2netp.md").read_text())
    print(json.dumps(result["summary"], indent=1))


if __name__ == "__main__":
    main()
