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
        got = _interleaved([("ours", lambda: ours.segment(img)), ("rembg", lambda: remove(u8, session=theirs, only_mask=True))], k)
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
    plt = _pyplot()
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    _growth_axes(ax, s["growth"], ("rembg", "rembg u2netp"), "studiocomp u2netp", f"Same u2netp.onnx, {m['cpus']} CPU cores, {m['date']}")
    fig.tight_layout()
    fig.savefig(output / "u2netp_growth.png")
    plt.close(fig)


def _pymatting() -> Any:
    """Import pymatting and compile its kernels outside any timing (the first import JIT-compiles)."""
    import pymatting

    img = np.random.default_rng(0).random((24, 24, 3))
    tri = np.full((24, 24), 0.5)
    tri[:6], tri[-6:] = 0.0, 1.0
    pymatting.estimate_alpha_cf(img, tri)
    pymatting.estimate_foreground_ml(img, np.clip(tri, 0.0, 1.0))
    return pymatting


def _interleaved(jobs: list[tuple[str, Any]], k: int) -> dict[str, tuple[Any, float]]:
    """Run the jobs one after another, in reversed order on odd ``k``; each one's result and seconds."""
    order = jobs[::-1] if k % 2 else jobs
    return {who: _timed(job) for who, job in order}


def _foreground_error(est: np.ndarray, truth: np.ndarray, alpha: np.ndarray) -> tuple[float, float]:
    """SAD and MSE of the visible colour, alpha·F, over the pixels with 0 < alpha < 1 (all channels)."""
    band = (alpha > 0) & (alpha < 1)
    err = alpha[band][:, None] * (est[band] - truth[band])
    return float(np.abs(err).sum()), float((err * err).mean()) if err.size else 0.0


def compare_refine(data: Path, output: Path, limit: int | None, growth_images: int) -> dict[str, Any]:
    """studiocomp's refinement and foreground against pymatting's, on alphamatting_lowres27."""
    import cv2

    import studiocomp
    from studiocomp import metrics, refine

    pm = _pymatting()
    folder = data / "alphamatting_lowres27"
    names = sorted(p.name for p in (folder / "image").iterdir())[:limit]

    def load(name: str) -> tuple[np.ndarray, np.ndarray]:
        img = studiocomp.load_image(folder / "image" / name)
        gt = cv2.imread(str(folder / "alpha" / name), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
        return img, gt

    def alpha_pair(img: np.ndarray, tri: np.ndarray, k: int) -> dict[str, tuple[Any, float]]:
        img64, tri64 = img.astype(np.float64), tri.astype(np.float64)
        return _interleaved([("studiocomp", lambda: refine.closed_form(img, tri)), ("pymatting", lambda: pm.estimate_alpha_cf(img64, tri64))], k)

    def fg_pair(comp: np.ndarray, alpha: np.ndarray, k: int) -> dict[str, tuple[Any, float]]:
        c64, a64 = comp.astype(np.float64), alpha.astype(np.float64)
        return _interleaved([("studiocomp", lambda: refine.foreground(comp, alpha)), ("pymatting", lambda: pm.estimate_foreground_ml(c64, a64))], k)

    def composite(k: int, img: np.ndarray, gt: np.ndarray) -> np.ndarray:
        # the photo's colours as a known foreground over another photo of the set, mirrored
        other, _ = load(names[(k + len(names) // 2) % len(names)])
        back = cv2.resize(np.ascontiguousarray(other[:, ::-1]), (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
        a = gt[..., None]
        return (a * img + (1 - a) * back).astype(np.float32)

    alpha_rows, fg_rows = [], []
    k = 0
    for i, name in enumerate(names):
        img, gt = load(name)
        for trimap_set in ("trimap1", "trimap2"):
            tri = cv2.imread(str(folder / trimap_set / name), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
            got = alpha_pair(img, tri, k)
            k += 1
            row: dict[str, Any] = {"image": name, "trimap": trimap_set, "height": img.shape[0], "width": img.shape[1], "unknown_pixels": int(((tri > 0) & (tri < 1)).sum())}
            for who, (a, t) in got.items():
                a = np.clip(np.asarray(a, np.float32), 0.0, 1.0)
                row[f"seconds_{who}"] = t
                row[f"sad_{who}"] = metrics.sad(a, gt, tri)  # in thousands
                row[f"mse_{who}"] = metrics.mse(a, gt, tri) * 1000
                row[f"grad_{who}"] = metrics.gradient_error(a, gt, tri) / 1000
            alpha_rows.append(row)
        comp = composite(i, img, gt)
        got = fg_pair(comp, gt, i)
        frow: dict[str, Any] = {"image": name}
        for who, (f, t) in got.items():
            sad_f, mse_f = _foreground_error(np.asarray(f, np.float32), img, gt)
            frow[f"seconds_{who}"] = t
            frow[f"sad_{who}"] = sad_f / 1000
            frow[f"mse_{who}"] = mse_f * 1000
        fg_rows.append(frow)

    growth = []
    for mp in (1, 2, 4):
        for j, name in enumerate(names[:growth_images]):
            img, gt = load(name)
            tri = cv2.imread(str(folder / "trimap1" / name), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
            h, w = gt.shape
            s = (mp * 1e6 / (h * w)) ** 0.5
            size = (round(w * s), round(h * s))
            big = np.clip(cv2.resize(img, size, interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
            got = alpha_pair(big, cv2.resize(tri, size, interpolation=cv2.INTER_NEAREST), j)
            growth.append({"stage": "alpha", "megapixels": mp, "image": name, **{f"seconds_{who}": t for who, (_, t) in got.items()}})
    for mp in (1, 6, 12, 24):
        for j, name in enumerate(names[:growth_images]):
            img, gt = load(name)
            h, w = gt.shape
            s = (mp * 1e6 / (h * w)) ** 0.5
            size = (round(w * s), round(h * s))
            comp = np.clip(cv2.resize(composite(j, img, gt), size, interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
            got = fg_pair(comp, np.clip(cv2.resize(gt, size, interpolation=cv2.INTER_CUBIC), 0.0, 1.0), j)
            growth.append({"stage": "foreground", "megapixels": mp, "image": name, **{f"seconds_{who}": t for who, (_, t) in got.items()}})

    def totals(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {"cases": len(rows)}
        for key in keys:
            for who in ("studiocomp", "pymatting"):
                out[f"total_{key}_{who}"] = float(sum(r[f"{key}_{who}"] for r in rows))
        speed = np.array([r["seconds_pymatting"] / r["seconds_studiocomp"] for r in rows])
        out.update(speedup_total=out["total_seconds_pymatting"] / out["total_seconds_studiocomp"], speedup_median=float(np.median(speed)), speedup_min=float(speed.min()))
        out["sad_ratio_total"] = out["total_sad_studiocomp"] / out["total_sad_pymatting"]
        return out

    by_mp: dict[str, dict[str, Any]] = {}
    for g in growth:
        by_mp.setdefault(g["stage"], {}).setdefault(g["megapixels"], []).append(g)
    growth_summary = {
        stage: {mp: {f"median_seconds_{who}": float(np.median([g[f"seconds_{who}"] for g in sel])) for who in ("studiocomp", "pymatting")} for mp, sel in per.items()} for stage, per in by_mp.items()
    }
    summary = {"alpha": totals(alpha_rows, ("seconds", "sad", "mse", "grad")), "foreground": totals(fg_rows, ("seconds", "sad", "mse")), "growth": growth_summary}
    result = {"machine": machine(), "summary": summary, "alpha_rows": alpha_rows, "foreground_rows": fg_rows, "growth_rows": growth}
    output.mkdir(parents=True, exist_ok=True)
    (output / "refine.json").write_text(json.dumps(result, indent=1))
    _write_refine_report(result, output)
    return result


def _write_refine_report(result: dict[str, Any], output: Path) -> None:
    s, m = result["summary"], result["machine"]
    a, f = s["alpha"], s["foreground"]
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cpus']} cores), studiocomp {m['versions']['studiocomp']}, pymatting {m['versions'].get('pymatting', '?')}",
        "(its kernels compiled before timing). SAD and Grad ÷1000, MSE ×1000, over each trimap's unknown region.",
        "",
        f"| alphamatting_lowres27, {a['cases']} image/trimap pairs | studiocomp `refine.closed_form` | pymatting `estimate_alpha_cf` | ratio |",
        "|---|---:|---:|---:|",
        f"| total time (s) | {a['total_seconds_studiocomp']:.2f} | {a['total_seconds_pymatting']:.2f} | **{a['speedup_total']:.1f}× faster** |",
        f"| per-pair speed-up: median / slowest pair | | | {a['speedup_median']:.1f}× / {a['speedup_min']:.1f}× |",
        f"| total SAD | {a['total_sad_studiocomp']:.1f} | {a['total_sad_pymatting']:.1f} | **{a['sad_ratio_total']:.3f}** |",
        f"| total MSE | {a['total_mse_studiocomp']:.1f} | {a['total_mse_pymatting']:.1f} | {a['total_mse_studiocomp'] / a['total_mse_pymatting']:.3f} |",
        f"| total Grad | {a['total_grad_studiocomp']:.1f} | {a['total_grad_pymatting']:.1f} | {a['total_grad_studiocomp'] / a['total_grad_pymatting']:.3f} |",
        "",
        f"| foreground, {f['cases']} composites (photo over another photo, true alpha) | studiocomp `refine.foreground` | pymatting `estimate_foreground_ml` | ratio |",
        "|---|---:|---:|---:|",
        f"| total time (s) | {f['total_seconds_studiocomp']:.2f} | {f['total_seconds_pymatting']:.2f} | **{f['speedup_total']:.1f}× faster** |",
        f"| total SAD of alpha·F | {f['total_sad_studiocomp']:.1f} | {f['total_sad_pymatting']:.1f} | {f['sad_ratio_total']:.3f} |",
        f"| total MSE of alpha·F | {f['total_mse_studiocomp']:.2f} | {f['total_mse_pymatting']:.2f} | {f['total_mse_studiocomp'] / f['total_mse_pymatting']:.3f} |",
        "",
        "| stage | megapixels | studiocomp median (s) | pymatting median (s) | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for stage, per in s["growth"].items():
        for mp, g in per.items():
            lines.append(f"| {stage} | {mp} | {g['median_seconds_studiocomp']:.3f} | {g['median_seconds_pymatting']:.3f} | {g['median_seconds_pymatting'] / g['median_seconds_studiocomp']:.1f}× |")
    (output / "refine.md").write_text("\n".join(lines) + "\n")
    plt = _pyplot()
    if plt is None:
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    for ax, stage, peer in zip(axes, ("alpha", "foreground"), ("estimate_alpha_cf", "estimate_foreground_ml"), strict=True):
        ours = f"studiocomp refine.{'closed_form' if stage == 'alpha' else 'foreground'}"
        _growth_axes(ax, s["growth"].get(stage, {}), ("pymatting", f"pymatting {peer}"), ours, f"{stage}, {m['cpus']} CPU cores, {m['date']}")
    fig.tight_layout()
    fig.savefig(output / "refine_growth.png")
    plt.close(fig)


def _growth_axes(ax: Any, per_mp: dict[Any, dict[str, float]], peer: tuple[str, str], ours: str, title: str) -> None:
    """Median seconds against megapixels, the peer's (``peer`` = key suffix, label) and studiocomp's."""
    mps = [float(k) for k in per_mp]
    ax.plot(mps, [g[f"median_seconds_{peer[0]}"] for g in per_mp.values()], "o-", label=peer[1])
    ax.plot(mps, [g["median_seconds_studiocomp"] for g in per_mp.values()], "o-", label=ours)
    ax.set_xlabel("megapixels")
    ax.set_ylabel("seconds per image (median)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (pip install -e '.[peers]')", file=sys.stderr)
        return None
    return plt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=HERE / "peers", help="folder for JSON, tables and plots (default: %(default)s)")
    parser.add_argument("--weights", type=Path, help="u2netp.onnx to use (default: studiocomp's hub cache)")
    parser.add_argument("--limit", type=int, help="only the first N images")
    parser.add_argument("--growth-images", type=int, default=5, help="images timed at 1/6/12/24 MP (default: %(default)s)")
    parser.add_argument("--part", choices=("all", "u2netp", "refine"), default="all", help="which comparison to run (default: %(default)s)")
    args = parser.parse_args()
    if args.part in ("all", "u2netp"):
        compare_u2netp(args.data, args.output, args.weights, args.limit, args.growth_images)
        print((args.output / "u2netp.md").read_text())
    if args.part in ("all", "refine"):
        compare_refine(args.data, args.output, args.limit, min(args.growth_images, 3))
        print((args.output / "refine.md").read_text())


if __name__ == "__main__":
    main()
