"""The evaluation harness: run a pipeline over a labelled folder and measure it.

A data folder holds ``image/`` and, matched by file stem, ``alpha/`` (true
alpha) or ``mask/`` (binary masks), optionally a trimap folder and an
``attributes.json`` mapping each stem to a dict of attributes (subject,
backdrop, number of people …)::

    report = evaluate("data/studio_synth", "studio", output="eval/studio_synth")
    report.summary["iou"]["mean"]
    report.by_attribute["backdrop"]["white"]["iou"]

``studiocomp eval --data DIR --preset NAME --output OUT`` does the same from the
shell. Files written to ``output`` (each atomically):

- ``per_image.csv``: one row per image — attributes, every metric, per-stage
  seconds, and the error for an image that failed;
- ``summary.json`` and ``summary.md``: mean and median of each metric, and the
  same per value of every attribute;
- ``by_attribute.csv``: the per-attribute means as a table;
- ``gallery.png``: the worst images by IoU, each as input | prediction |
  ground truth | error map (red: predicted but not there, blue: missed).

Units: IoU, Dice, precision, recall and boundary F1 in [0, 1]; Hausdorff
distances in pixels; matting errors as the Deep Image Matting tables give them
(SAD, gradient and connectivity errors in thousands, MSE in thousandths).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write_bytes
from .errors import InputError, StudiocompError
from .metrics.table import METRICS

__all__ = ["Sample", "EvalReport", "load_dataset", "evaluate", "METRIC_COLUMNS"]

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}

#: CSV column → (key in :func:`studiocomp.metrics.score`, factor, higher is better), from :data:`studiocomp.metrics.METRICS`.
METRIC_COLUMNS: dict[str, tuple[str, float, bool]] = {m.column: (m.name, m.scale, m.higher_is_better) for m in METRICS.values()}


@dataclass(frozen=True)
class Sample:
    """One labelled image: its paths, whether the truth is fractional alpha, and its attributes.

    Attributes
    ----------
    name : str
        The file stem.
    image, truth : pathlib.Path
        The photo and its ground truth (``alpha/`` or ``mask/``).
    truth_is_alpha : bool
        Fractional alpha (True) or a binary mask.
    trimap : pathlib.Path or None
        Its trimap, when a trimap folder was named.
    attributes : dict
        From ``attributes.json`` (e.g. subject, backdrop).
    """

    name: str
    image: Path
    truth: Path
    truth_is_alpha: bool
    trimap: Path | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalReport:
    """What :func:`evaluate` measured; ``files`` lists what it wrote.

    Attributes
    ----------
    rows : list of dict
        One per image: attributes, metrics (the eval columns), timings, ``error``.
    summary : dict
        Column → {"mean", "median", "min", "max", "n"}.
    by_attribute : dict
        Attribute → value → column → mean.
    failures : list of (str, str)
        (image name, error) of images that failed.
    files : list of pathlib.Path
        What was written.
    """

    rows: list[dict[str, Any]]
    summary: dict[str, dict[str, float]]
    by_attribute: dict[str, dict[str, dict[str, float]]]
    failures: list[tuple[str, str]]
    files: list[Path] = field(default_factory=list)

    def table(self) -> str:
        """The summary as a Markdown table (what ``summary.md`` holds).

        Returns
        -------
        str
        """
        return _markdown(self)


def _stems(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in _IMAGE_SUFFIXES and not p.name.startswith(".")}


def load_dataset(data: str | os.PathLike[str], *, trimap: str | None = None) -> list[Sample]:
    """The samples of a data folder (see the module docs), sorted by name.

    Raises :class:`~studiocomp.InputError` when the folder has no ``image/``, or
    no ``alpha/`` or ``mask/``, or an image has no ground truth.

    Parameters
    ----------
    data : str or os.PathLike
        The folder.
    trimap : str, optional
        A sub-folder of trimaps to pair with the images.

    Returns
    -------
    list of Sample

    Raises
    ------
    InputError
        No images, no ground-truth folder, a missing trimap folder, or an image without ground truth.
    """
    root = Path(data)
    images = _stems(root / "image")
    if not images:
        raise InputError("data", "a folder with image/ and alpha/ or mask/", f"{root} (no images in {root / 'image'})")
    alphas, masks = _stems(root / "alpha"), _stems(root / "mask")
    if not alphas and not masks:
        raise InputError("data", "a folder with alpha/ or mask/ beside image/", str(root))
    trimaps = _stems(root / trimap) if trimap else {}
    if trimap and not trimaps:
        raise InputError("trimap", f"a sub-folder of {root} holding trimaps", trimap)
    attributes: dict[str, dict[str, Any]] = {}
    if (root / "attributes.json").is_file():
        attributes = json.loads((root / "attributes.json").read_text())
    missing = [s for s in images if s not in alphas and s not in masks]
    if missing:
        raise InputError("data", "a ground truth (alpha/ or mask/) for every image", f"none for {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    return [
        Sample(
            name=stem,
            image=path,
            truth=alphas.get(stem) or masks[stem],
            truth_is_alpha=stem in alphas,
            trimap=trimaps.get(stem),
            attributes={k: v for k, v in attributes.get(stem, {}).items() if isinstance(v, (str, int, float, bool))},
        )
        for stem, path in images.items()
    ]


def _same_frame(path: str | os.PathLike[str], got: tuple[int, ...], shape: tuple[int, int]) -> None:
    """Refuse a mask or trimap that is not the photo's frame at another size (rotated, cropped, another photo's).

    A smaller mask of the same frame (the photo's sides scaled alike, within a pixel of rounding at the mask's
    size, or 1 %) is resized; another aspect ratio would be stretched onto the photo and scored as if right.
    """
    gh, gw = got[:2]
    h, w = shape
    if (gh, gw) == (h, w):
        return
    across = gw * h / gh  # the width the mask would have at the photo's height
    if abs(across - w) > max(w / gw, 0.01 * w):
        raise InputError(str(path), f"the photo's frame, {w}×{h} px (or that aspect ratio at another size)", f"{gw}×{gh} px (another aspect ratio: rotated, cropped or another photo's?)")


def _truth(sample: Sample, shape: tuple[int, int]) -> np.ndarray:
    """The ground truth as float32 alpha at the image's size (resized bilinearly when it differs).

    Raises :class:`InputError` when the mask's aspect ratio is not the photo's (:func:`_same_frame`).
    """
    import cv2

    from .image import as_alpha, load_image

    arr = load_image(sample.truth).mean(axis=2)
    _same_frame(sample.truth, arr.shape, shape)
    gt = as_alpha(arr, name=str(sample.truth))
    if gt.shape != shape:
        gt = np.asarray(cv2.resize(gt, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR), np.float32)  # already float32: no copy
    if not sample.truth_is_alpha:
        gt = (gt > 0.5).astype(np.float32)
    return gt


def _trimap(sample: Sample, shape: tuple[int, int]) -> np.ndarray | None:
    if sample.trimap is None:
        return None
    import cv2

    from .image import load_image, to_uint8

    t = to_uint8(load_image(sample.trimap).mean(axis=2))
    _same_frame(sample.trimap, t.shape, shape)
    if t.shape != shape:
        t = cv2.resize(t, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return t


def _stats(values: list[float]) -> dict[str, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return {"mean": math.nan, "median": math.nan, "min": math.nan, "max": math.nan, "n": 0}
    return {"mean": float(np.mean(finite)), "median": float(np.median(finite)), "min": float(np.min(finite)), "max": float(np.max(finite)), "n": len(finite)}


def _summarise(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, dict[str, float]]:
    ok = [r for r in rows if not r.get("error")]
    return {c: _stats([float(r[c]) for r in ok if r.get(c) not in (None, "")]) for c in columns}


def _error_map(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    diff = pred - gt
    out = np.full((*pred.shape, 3), 0.12, np.float32)
    out[..., 0] += np.clip(diff, 0, 1) * 0.88  # predicted but not there: red
    out[..., 2] += np.clip(-diff, 0, 1) * 0.88  # missed: blue
    return out


def _gallery(entries: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, float]], tile_h: int = 240) -> np.ndarray:
    import cv2

    from ._ops import label_tile

    rows = []
    for name, image, pred, gt, value in entries:
        h, w = image.shape[:2]
        size = (max(1, round(w * tile_h / h)), tile_h)
        tiles = [
            label_tile(cv2.resize(image, size, interpolation=cv2.INTER_AREA), f"{name}  IoU {value:.3f}"),
            label_tile(cv2.resize(np.repeat(pred[..., None], 3, axis=2), size, interpolation=cv2.INTER_AREA), "prediction"),
            label_tile(cv2.resize(np.repeat(gt[..., None], 3, axis=2), size, interpolation=cv2.INTER_AREA), "ground truth"),
            label_tile(cv2.resize(_error_map(pred, gt), size, interpolation=cv2.INTER_AREA), "error: red extra, blue missed"),
        ]
        rows.append(np.hstack(tiles))
    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=1.0) for r in rows]
    return np.vstack(padded)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: (f"{r[c]:.6g}" if isinstance(r.get(c), float) else r.get(c, "")) for c in columns})
    return buf.getvalue().encode()


def _markdown(report: EvalReport) -> str:
    cols = [c for c in METRIC_COLUMNS if c in report.summary and report.summary[c]["n"]]
    flagged = sum(1 for r in report.rows if r.get("uncertain"))
    lines = [f"{len(report.rows)} images, {flagged} flagged uncertain, {len(report.failures)} failed.", "", "| metric | mean | median | min | max |", "|---|---|---|---|---|"]
    lines += [f"| {c} | {report.summary[c]['mean']:.4f} | {report.summary[c]['median']:.4f} | {report.summary[c]['min']:.4f} | {report.summary[c]['max']:.4f} |" for c in cols]
    timing = [c for c in report.summary if c.startswith("t_")]
    if timing:
        lines += ["", "| stage | mean s | median s |", "|---|---|---|"]
        lines += [f"| {c[2:]} | {report.summary[c]['mean']:.3f} | {report.summary[c]['median']:.3f} |" for c in timing]
    head = [c for c in ("iou", "boundary_f1", "hausdorff95_px", "sad_thousands") if c in cols]
    for attr, groups in report.by_attribute.items():
        lines += ["", f"By {attr}:", "", "| " + attr + " | n | " + " | ".join(head) + " |", "|---" * (len(head) + 2) + "|"]
        for value, stats in groups.items():
            lines.append(f"| {value} | {int(stats['n'])} | " + " | ".join(f"{stats[c]:.4f}" for c in head) + " |")
    if report.failures:
        lines += ["", "Failed:", ""] + [f"- {name}: {why}" for name, why in report.failures]
    return "\n".join(lines) + "\n"


def evaluate(
    data: str | os.PathLike[str],
    pipeline: Any = "studio",
    *,
    output: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    tolerance: float = 2.0,
    trimap: str | None = None,
    background: Any = "white",
    gallery: int = 8,
    progress: bool | None = None,
    on_image: Callable[[str, dict[str, Any]], None] | None = None,
    names: Sequence[str] | None = None,
    attributes: dict[str, dict[str, Any]] | None = None,
    prepare: Callable[[np.ndarray], np.ndarray] | None = None,
) -> EvalReport:
    """Run ``pipeline`` (a :class:`~studiocomp.Pipeline` or a preset name) over a data folder and score it.

    Each row also records ``uncertain`` (1 when the result had an uncertain
    warning, else 0) and ``warnings`` (their codes), so that a report can show
    whether the bad cut-outs were the flagged ones.

    Parameters
    ----------
    data : folder
        ``image/`` + ``alpha/`` or ``mask/`` (+ ``attributes.json``); see the module docs.
    pipeline : Pipeline or str
        What to run: a pipeline, or a preset name (``Pipeline.preset(pipeline)``).
    output : folder, optional
        Where to write the CSVs, summaries and gallery; nothing is written without it.
    limit : int, optional
        Only the first ``limit`` images (by name).
    tolerance : float
        Boundary F1 tolerance in pixels.
    trimap : str, optional
        Name of a sub-folder of trimaps; matting errors are then measured in their unknown regions.
    background : background spec
        What the subject is composited onto for the realism metrics.
    gallery : int
        How many of the worst images (by IoU) the gallery shows; 0 for none.
    progress : bool, optional
        Draw a progress bar on stderr (default: when stderr is a terminal).
    on_image : callable, optional
        Called as ``on_image(name, row)`` after each image.
    names : sequence of str, optional
        Only these samples (file stems), in this order; an unknown name is an :class:`~studiocomp.InputError`.
    attributes : dict, optional
        Attributes by sample name, merged over the folder's ``attributes.json``.
    prepare : callable, optional
        Applied to each loaded image (H×W×3 float32) before the pipeline, e.g. a greyscale conversion.

    Returns
    -------
    EvalReport

    Raises
    ------
    InputError
        A bad folder, ``limit``, ``gallery``, ``pipeline`` or unknown ``names``.
    """
    from . import metrics
    from .image import load_image
    from .pipeline import Pipeline
    from .progress import Progress

    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise InputError("limit", "a positive int", repr(limit))
    if not isinstance(gallery, int) or gallery < 0:
        raise InputError("gallery", "an int ≥ 0", repr(gallery))
    pipe = Pipeline.preset(pipeline) if isinstance(pipeline, str) else pipeline
    if not isinstance(pipe, Pipeline):
        raise InputError("pipeline", "a Pipeline or a preset name", type(pipeline).__name__)
    samples = load_dataset(data, trimap=trimap)
    if names is not None:
        by_name = {x.name: x for x in samples}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise InputError("names", f"sample names in {data}", ", ".join(unknown[:5]))
        samples = [by_name[n] for n in names]
    if attributes:
        samples = [Sample(x.name, x.image, x.truth, x.truth_is_alpha, x.trimap, {**x.attributes, **attributes.get(x.name, {})}) for x in samples]
    samples = samples[:limit]
    attr_keys = sorted({k for s in samples for k in s.attributes})
    rows: list[dict[str, Any]] = []
    failures: list[tuple[str, str]] = []
    worst: list[tuple[float, str, np.ndarray, np.ndarray, np.ndarray]] = []
    stage_cols: list[str] = []
    with Progress(len(samples), "eval", enabled=progress) as bar:
        for sample in samples:
            row: dict[str, Any] = {"name": sample.name, **{k: sample.attributes.get(k, "") for k in attr_keys}}
            try:
                t0 = time.perf_counter()
                image = load_image(sample.image)
                if prepare is not None:
                    image = prepare(image)
                t_load = time.perf_counter() - t0
                gt = _truth(sample, image.shape[:2])
                result = pipe(image, background=background)
                t1 = time.perf_counter()
                plain = metrics.pasted(result.placed_foreground, result.placed_alpha, result.background)
                scores = metrics.score(result.alpha, gt, image=result.composite, trimap=_trimap(sample, gt.shape), tolerance=tolerance, matting=sample.truth_is_alpha, photo=image, reference=plain)
                t_metrics = time.perf_counter() - t1
            except (StudiocompError, OSError, ValueError) as exc:
                failures.append((sample.name, str(exc)))
                row["error"] = str(exc)
                rows.append(row)
                bar.advance(sample.name)
                continue
            for col, (key, factor, _) in METRIC_COLUMNS.items():
                if key in scores:
                    row[col] = scores[key] * factor
            timings = {"load": t_load, **{k: v for k, v in result.timings.items() if k != "load"}}
            for stage, seconds in timings.items():
                row[f"t_{stage}"] = seconds
                if f"t_{stage}" not in stage_cols:
                    stage_cols.append(f"t_{stage}")
            row["uncertain"] = int(result.uncertain)
            row["warnings"] = " ".join(w.code for w in result.warnings)
            row["t_pipeline"] = sum(timings.values())
            row["t_metrics"] = t_metrics
            rows.append(row)
            if gallery:
                worst.append((scores["iou"], sample.name, image, result.alpha, gt))
                worst.sort(key=lambda e: e[0])
                del worst[gallery:]
            if on_image is not None:
                on_image(sample.name, row)
            bar.advance(sample.name)

    metric_cols = [c for c in METRIC_COLUMNS if any(c in r for r in rows)]
    timing_cols = stage_cols + ["t_pipeline", "t_metrics"]
    summary = _summarise(rows, metric_cols + timing_cols)
    by_attribute: dict[str, dict[str, dict[str, float]]] = {}
    for key in attr_keys:
        groups: dict[str, dict[str, float]] = {}
        for value in sorted({str(r[key]) for r in rows if r.get(key) != ""}):
            members = [r for r in rows if str(r.get(key)) == value]
            stats = _summarise(members, metric_cols)
            groups[value] = {"n": float(len([m for m in members if not m.get("error")]))} | {c: s["mean"] for c, s in stats.items()}
        by_attribute[key] = groups
    report = EvalReport(rows=rows, summary=summary, by_attribute=by_attribute, failures=failures)

    if output is not None:
        from .image import save_image

        out = Path(output)
        columns = ["name", *attr_keys, *metric_cols, "uncertain", "warnings", *timing_cols, "error"]
        report.files.append(atomic_write_bytes(out / "per_image.csv", _csv(rows, columns)))
        attr_rows = [{"attribute": k, "value": v, **stats} for k, groups in by_attribute.items() for v, stats in groups.items()]
        report.files.append(atomic_write_bytes(out / "by_attribute.csv", _csv(attr_rows, ["attribute", "value", "n", *metric_cols])))
        payload = {"images": len(rows), "failures": dict(failures), "summary": summary, "by_attribute": by_attribute}
        report.files.append(atomic_write_bytes(out / "summary.json", json.dumps(payload, indent=1, allow_nan=True).encode()))
        report.files.append(atomic_write_bytes(out / "summary.md", report.table().encode()))
        if worst:
            entries = [(name, img, pred, gt, value) for value, name, img, pred, gt in worst]
            report.files.append(save_image(out / "gallery.png", _gallery(entries)))
    return report
