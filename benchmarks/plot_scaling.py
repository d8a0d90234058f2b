"""Plot end-to-end cost against pixel count from a pytest-benchmark JSON file.

    pytest benchmarks/test_studio_preset.py benchmarks/test_neural.py -k "end_to_end" \\
        --benchmark-enable --benchmark-json=benchmarks/results-presets.json
    python benchmarks/plot_scaling.py benchmarks/results-presets.json docs/performance/scaling.png

Every ``test_*_end_to_end`` case (one per preset and size, its ``extra_info``
holding ``megapixels``) becomes a point: median seconds against megapixels, with
min–max bars. The dashed line for each preset is linear growth from its
smallest size (time × pixel ratio): a curve below it grows slower than the
pixel count. The right panel is the cost per megapixel, which stays flat or
falls where growth is at most linear. Prints the table it plotted.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any


def series(results: dict[str, Any]) -> dict[str, list[tuple[float, float, float, float]]]:
    """Preset name → sorted (megapixels, median, min, max) from the ``*_end_to_end`` cases."""
    out: dict[str, list[tuple[float, float, float, float]]] = {}
    for bench in results["benchmarks"]:
        m = re.match(r"test_(\w+?)_end_to_end\[", bench["name"])
        if not m:
            continue
        st = bench["stats"]
        out.setdefault(m.group(1), []).append((float(bench["extra_info"]["megapixels"]), st["median"], st["min"], st["max"]))
    return {k: sorted(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="pytest-benchmark JSON")
    parser.add_argument("output", type=Path, help="PNG to write")
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    data = series(results)
    if not data:
        raise SystemExit(f"{args.results}: no test_*_end_to_end cases")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    machine = results.get("machine_info", {})
    cpu = machine.get("cpu", {}).get("brand_raw", "?")
    date = results.get("datetime", "")[:10]
    fig, (ax, per_mp) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    print("| preset | megapixels | median (s) | × pixels vs smallest | × time vs smallest | s per MP |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, pts in data.items():
        mp = [p[0] for p in pts]
        med = [p[1] for p in pts]
        err = [[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]]
        line = ax.errorbar(mp, med, yerr=err, fmt="o-", capsize=3, label=f"{name} preset")
        ax.plot(mp, [med[0] * m / mp[0] for m in mp], "--", color=line[0].get_color(), alpha=0.5, label=f"{name}: linear from {mp[0]:.0f} MP")
        per_mp.plot(mp, [t / m for m, t in zip(mp, med, strict=True)], "o-", color=line[0].get_color(), label=f"{name} preset")
        for m, t in zip(mp, med, strict=True):
            print(f"| {name} | {m:.1f} | {t:.3f} | {m / mp[0]:.1f}× | {t / med[0]:.1f}× | {t / m:.3f} |")
    ax.set_xlabel("megapixels")
    ax.set_ylabel("seconds end to end (median, min–max)")
    ax.set_ylim(bottom=0, top=max(max(p[3] for p in pts) for pts in data.values()) * 1.6)
    ax.set_title(f"{cpu}, {machine.get('cpu', {}).get('count', '?')} cores, {date}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    per_mp.set_xlabel("megapixels")
    per_mp.set_ylabel("seconds per megapixel (median)")
    per_mp.set_ylim(bottom=0)
    per_mp.set_title("cost per megapixel: flat or falling = at most linear", fontsize=9)
    per_mp.grid(alpha=0.3)
    per_mp.legend(fontsize=8)
    fig.tight_layout()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
