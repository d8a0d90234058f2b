"""The evaluation harness on a small generated data set (no shared data needed)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from studiocomp import InputError, save_image
from studiocomp.cli import main
from studiocomp.evaluate import evaluate, load_dataset
from studiocomp.synthetic import studio_shot


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    attrs = {}
    for i, backdrop in enumerate(["white", "blue", "white", "blue"]):
        image, alpha = studio_shot((160, 120), seed=i, backdrop=backdrop)
        save_image(root / "image" / f"shot{i}.png", image)
        save_image(root / "alpha" / f"shot{i}.png", alpha)
        attrs[f"shot{i}"] = {"backdrop": backdrop, "people": 1 + i % 2, "notes": ["ignored: not a scalar"]}
    (root / "attributes.json").write_text(json.dumps(attrs))
    return root


def test_report_contents(data: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    report = evaluate(data, "studio", output=tmp_path, gallery=2, on_image=lambda name, row: seen.append(name))
    assert seen == ["shot0", "shot1", "shot2", "shot3"] and not report.failures
    assert set(report.by_attribute) == {"backdrop", "people"}
    assert set(report.by_attribute["backdrop"]) == {"white", "blue"}
    assert report.by_attribute["people"]["1"]["n"] == 2
    whites = [r["iou"] for r in report.rows if r["backdrop"] == "white"]
    assert report.by_attribute["backdrop"]["white"]["iou"] == pytest.approx(np.mean(whites))
    assert 0.9 < report.summary["iou"]["mean"] <= 1.0
    with open(tmp_path / "per_image.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["shot0", "shot1", "shot2", "shot3"]
    assert {"iou", "boundary_f1", "hausdorff95_px", "sad_thousands", "conn_thousands", "noise_mismatch", "t_segmenter", "t_matter", "t_pipeline", "t_metrics"} <= set(rows[0])
    assert float(rows[0]["iou"]) == pytest.approx(report.rows[0]["iou"], rel=1e-5)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["images"] == 4 and "backdrop" in summary["by_attribute"]
    with open(tmp_path / "by_attribute.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 4  # two backdrops + two people counts
    gallery = tmp_path / "gallery.png"
    assert gallery.stat().st_size > 0
    assert not list(tmp_path.glob(".*.part"))  # nothing half-written left behind


def test_without_output_nothing_is_written(data: Path) -> None:
    report = evaluate(data, "studio", gallery=0)
    assert report.files == []  # no output folder: nothing written
    assert len(report.rows) == 4


def test_mask_truth_is_resized_and_binary(tmp_path: Path) -> None:
    image, alpha = studio_shot((120, 90), seed=3)
    save_image(tmp_path / "image" / "a.jpg", image)
    save_image(tmp_path / "mask" / "a.png", (alpha[::2, ::2] > 0.5).astype(np.float32))  # half size, as some data sets ship them
    (sample,) = load_dataset(tmp_path)
    assert not sample.truth_is_alpha
    report = evaluate(tmp_path, "studio")
    row = report.rows[0]
    assert row["iou"] > 0.9
    assert "sad_thousands" not in row  # matting errors only against true alpha


def test_trimap_and_failures(data: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "d"
    shutil.copytree(data, root)
    for p in (root / "alpha").iterdir():
        a = np.asarray(__import__("studiocomp").load_image(p))[..., 0]
        trimap = np.where(a > 0.99, 1.0, np.where(a < 0.01, 0.0, 0.5)).astype(np.float32)
        save_image(root / "trimap" / p.name, trimap)
    (root / "image" / "shot1.png").write_bytes(b"not a png")
    report = evaluate(root, "studio", trimap="trimap")
    assert [name for name, _ in report.failures] == ["shot1"]
    assert report.rows[1]["error"]
    assert report.summary["iou"]["n"] == 3
    with pytest.raises(InputError, match="trimap"):
        evaluate(root, "studio", trimap="nope")


def test_bad_data_folders(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="image"):
        load_dataset(tmp_path)
    image, alpha = studio_shot((60, 40), seed=1)
    save_image(tmp_path / "image" / "a.png", image)
    with pytest.raises(InputError, match="alpha/ or mask/"):
        load_dataset(tmp_path)
    save_image(tmp_path / "image" / "b.png", image)
    save_image(tmp_path / "alpha" / "a.png", alpha)
    with pytest.raises(InputError, match="none for b"):
        load_dataset(tmp_path)
    with pytest.raises(InputError, match="limit"):
        evaluate(tmp_path, "studio", limit=0)


def test_cli_eval(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "--data", str(data), "--preset", "studio", "--output", str(tmp_path), "--limit", "2", "--gallery", "1", "--progress", "off"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| iou |" in out and "By backdrop" in out and "gallery.png" in out
    assert (tmp_path / "per_image.csv").read_text().count("\n") == 3
    assert main(["eval", "--data", str(tmp_path / "missing"), "--output", str(tmp_path / "x")]) == 2


def test_a_mask_of_another_frame_is_refused_a_smaller_one_is_resized(tmp_path: Path) -> None:
    """A rotated or stretched mask is a failed row naming the file, not a silently stretched score; a mask of the
    same frame at a smaller size (as humanseg's masks are) is resized and scored."""
    import cv2

    root = tmp_path / "data"
    image, alpha = studio_shot((160, 120), seed=3)
    save_image(root / "image" / "small.png", image)
    save_image(root / "alpha" / "small.png", cv2.resize(alpha, (90, 120), interpolation=cv2.INTER_AREA))  # 3/4 of 120×160
    save_image(root / "image" / "rotated.png", image)
    save_image(root / "alpha" / "rotated.png", np.ascontiguousarray(np.rot90(alpha)))
    save_image(root / "image" / "stretched.png", image)
    save_image(root / "alpha" / "stretched.png", cv2.resize(alpha, (40, 120), interpolation=cv2.INTER_AREA))
    report = evaluate(root, "studio", gallery=0)
    failed = dict(report.failures)
    assert set(failed) == {"rotated", "stretched"}, report.failures
    assert "another aspect ratio" in failed["rotated"] and "rotated.png" in failed["rotated"]
    assert "160×120" in failed["rotated"] or "120×160" in failed["rotated"]
    (small,) = [r for r in report.rows if r["name"] == "small"]
    assert small["iou"] > 0.9
