"""fp32 against int8 (ONNX Runtime static quantisation, made by studiocomp.runtime.quantize) on pfcn_portrait_test.

    python benchmarks/eval_int8.py --output benchmarks/results-int8-2026-11-30.json [--limit N]

For ``u2netp`` and ``selfie``: the segmenter with ``precision="fp32"`` and with ``precision="int8"``
(the int8 file is made from the same pinned fp32 weights, calibrated on 16 synthetic studio shots),
each photo's mask cut at 0.5 scored against the hand-drawn mask (IoU), and the time of
``segment()`` per photo, the two precisions interleaved per photo so load on the machine hits both.
The int8 gate (:data:`studiocomp.runtime.quantize.INT8_EVALUATION`) is lifted in this process only, so
that a model whose int8 variant is refused can still be measured. Writes every row, the means and
medians, the machine and versions as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("STUDIOCOMP_SHARED", HERE.parent.parent / "shared"))
WEIGHTS = {"u2netp": "u2netp/u2netp.onnx", "selfie": "mediapipe_selfie/selfie_segmentation.onnx"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=HERE / "results-int8.json")
    parser.add_argument("--limit", type=int, help="only the first N photos")
    parser.add_argument("--models", nargs="+", default=list(WEIGHTS), choices=list(WEIGHTS))
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import onnxruntime

    import studiocomp
    from studiocomp.hub import use_weights
    from studiocomp.image import load_image
    from studiocomp.metrics import iou
    from studiocomp.runtime.onnx import default_threads
    from studiocomp.runtime.quantize import INT8_EVALUATION

    data = SHARED / "data" / "pfcn_portrait_test"
    if not data.is_dir():
        print(f"{data} not found (set STUDIOCOMP_SHARED)", file=sys.stderr)
        return 2
    names = sorted(p.stem for p in (data / "image").glob("*.jpg"))[: args.limit]
    report: dict[str, object] = {"date": time.strftime("%Y-%m-%d"), "data": "pfcn_portrait_test", "images": len(names), "threads": default_threads(), "onnxruntime": onnxruntime.__version__}
    models: dict[str, object] = {}
    for model in args.models:
        use_weights(model, SHARED / "weights" / WEIGHTS[model])
        INT8_EVALUATION.setdefault(model, {})["holds"] = True  # this process only: measure even a refused variant
        segs = {p: studiocomp.create("segmenter", model, precision=p) for p in ("fp32", "int8")}
        rows = []
        for i, name in enumerate(names):
            image = load_image(data / "image" / f"{name}.jpg")
            truth = load_image(data / "mask" / f"{name}.png")[..., 0] > 0.5
            row: dict[str, object] = {"image": name}
            for p in ("fp32", "int8") if i % 2 == 0 else ("int8", "fp32"):
                t0 = time.perf_counter()
                mask = segs[p].segment(image)
                row[f"seconds_{p}"] = time.perf_counter() - t0
                row[f"iou_{p}"] = float(iou(mask, truth))
            rows.append(row)
        summary = {
            f"{k}_{p}": float(np.mean([r[f"{k}_{p}"] for r in rows])) if k == "iou" else float(np.median([r[f"{k}_{p}"] for r in rows]))
            for k in ("iou", "seconds")
            for p in ("fp32", "int8")
        }
        print(f"{model}: mean IoU fp32 {summary['iou_fp32']:.4f} int8 {summary['iou_int8']:.4f}; median s fp32 {summary['seconds_fp32']:.4f} int8 {summary['seconds_int8']:.4f}", file=sys.stderr)
        models[model] = {"summary": summary, "rows": rows, "int8_file_bytes": segs["int8"].model_path.stat().st_size}
    report["models"] = models
    args.output.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
