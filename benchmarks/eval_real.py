"""The real-photo evaluation suite: the presets on real photos, per backdrop kind, with contact sheets of the worst cases.

Run from the repository root (needs ../shared, or STUDIOCOMP_SHARED; the hub is seeded from ../shared/weights
and kept offline)::

    python benchmarks/eval_real.py --output eval/real            # every suite
    python benchmarks/eval_real.py --suite studio22 --no-weights  # the keyer alone, as on a fresh offline machine

Suites (the photos stay in ../shared; only their names and our labels of the backdrop kind are here):

- ``studio22``: 22 studio-like photos of humanseg_removebg290 (machine-made masks), ``studio`` preset;
- ``studio22-grey``: the same in greyscale (the colour → luminance average), ``studio`` preset;
- ``groups``: the 33 group photos of humanseg_removebg290, ``portrait`` preset;
- ``pfcn``: pfcn_portrait_test (263 hand-labelled portraits), ``portrait`` preset;
- ``studio_synth``: 80 real subjects on generated backdrops, ``studio`` preset.

Each suite writes per_image.csv, summary.md/json, by_attribute.csv and gallery.png (the worst by IoU:
image | prediction | truth | error) under OUTPUT/SUITE, and OUTPUT/README.md gathers the summaries.
IoU, boundary F1 (2 px) and HD95 (px) are reported; ``uncertain`` says whether the pipeline flagged the image.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STUDIOCOMP_SHARED", REPO.parent / "shared"))

STUDIO22 = "004 005 006 010 011 029 036 037 038 041 055 056 057 097 101 102 106 111 115 157 263 270".split()
GROUPS = ("008 013 017 020 028 039 075 088 089 091 092 094 103 105 107 202 206 210 216 223 224 225 254 258 263 265 266 268 272 273 277 280 289").split()
#: our own labels of the 22 studio-like photos' backdrops (looked at by eye)
BACKDROP = {
    "004": "plain-light", "006": "plain-light", "029": "plain-light", "037": "plain-light", "038": "plain-light", "115": "plain-light",
    "036": "coloured-paper", "102": "coloured-paper", "270": "coloured-paper",
    "041": "painted-canvas", "263": "painted-canvas", "010": "mottled", "157": "mottled",
    "011": "textured-wall", "055": "textured-wall", "111": "textured-wall",
    "005": "blurred-room", "057": "blurred-room", "106": "blurred-room",
    "056": "black-and-white", "097": "black-and-white", "101": "black-and-white",
}  # fmt: skip
SUITES = ("studio22", "studio22-grey", "groups", "pfcn", "studio_synth")


def seed_hub() -> None:
    """Link ../shared/weights into a fresh hub cache (``hub.import_file`` names each file by its sha256), offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    cache = tempfile.mkdtemp(prefix="studiocomp-eval-hub-")
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    os.environ["HF_HUB_CACHE"] = cache  # before huggingface_hub is imported
    from studiocomp import hub

    for path in sorted((SHARED / "weights").rglob("*.onnx")):
        hub.import_file(path, cache_dir=cache, link=True)


def _grey(image):  # type: ignore[no-untyped-def]
    import numpy as np

    return np.repeat(image.mean(axis=2, keepdims=True), 3, axis=2).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="eval/real", help="folder for the reports (default: %(default)s)")
    parser.add_argument("--suite", action="append", choices=SUITES, help="run only these suites (repeatable; default: all)")
    parser.add_argument("--no-weights", action="store_true", help="no model weights: what a fresh offline machine gets")
    parser.add_argument("--limit", type=int, help="only the first N images of each suite")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"{SHARED} not found: set STUDIOCOMP_SHARED", file=sys.stderr)
        return 2
    if args.no_weights:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["HF_HUB_CACHE"] = empty = tempfile.mkdtemp(prefix="studiocomp-eval-empty-hub-")
        atexit.register(shutil.rmtree, empty, ignore_errors=True)
    else:
        seed_hub()
    from studiocomp import Pipeline
    from studiocomp.evaluate import evaluate

    humanseg = SHARED / "data" / "humanseg_removebg290"
    plans = {
        "studio22": (humanseg, "studio", STUDIO22, None),
        "studio22-grey": (humanseg, "studio", STUDIO22, _grey),
        "groups": (humanseg, "portrait", GROUPS, None),
        "pfcn": (SHARED / "data" / "pfcn_portrait_test", "portrait", None, None),
        "studio_synth": (SHARED / "data" / "studio_synth", "studio", None, None),
    }
    out = Path(args.output)
    lines = [f"# Real-photo evaluation ({time.strftime('%Y-%m-%d')})", "", f"`python benchmarks/eval_real.py {' '.join(argv if argv is not None else sys.argv[1:])}`", ""]
    pipes: dict[str, Pipeline] = {}
    for suite in args.suite or SUITES:
        data, preset, names, prepare = plans[suite]
        if args.no_weights and preset == "portrait":
            print(f"{suite}: skipped (the portrait preset needs weights)", file=sys.stderr)
            continue
        pipe = pipes.setdefault(preset, Pipeline.preset(preset))
        attributes = {n: {"backdrop": BACKDROP[n]} for n in STUDIO22} if names == STUDIO22 else None
        t0 = time.perf_counter()
        report = evaluate(data, pipe, output=out / suite, names=names, attributes=attributes, prepare=prepare, limit=args.limit, progress=False, background="grey")
        lines += [f"## {suite} (`{preset}` preset, {time.perf_counter() - t0:.0f} s)", "", report.table(), f"Worst cases: `{suite}/gallery.png`", ""]
        print(f"{suite}: IoU mean {report.summary['iou']['mean']:.4f} min {report.summary['iou']['min']:.4f}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text("\n".join(lines))
    print(out / "README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
