"""Composite every photo in a folder onto a background and save a before/after sheet.

    python examples/composite_folder.py [INPUT_DIR] [OUTPUT_DIR] [--background PRESET|PATH]

Without INPUT_DIR it generates three studio shots to work on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import studiocomp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", help="folder of photos (default: generated shots)")
    parser.add_argument("output", nargs="?", default="out/example", help="output folder")
    parser.add_argument("--background", default="pink-white-1")
    args = parser.parse_args()

    if args.input:
        sources: list[object] = sorted(p for p in Path(args.input).iterdir() if p.is_file())
    else:
        sources = [studiocomp.synthetic.studio_shot((600, 450), seed=s, backdrop=b)[0] for s, b in enumerate(["white", "blue", "dark-grey"])]

    pipe = studiocomp.Pipeline.preset("studio")
    out = Path(args.output)
    rows = []
    for i, src in enumerate(sources):
        try:
            result = pipe(src, background=args.background)
        except studiocomp.InputError as exc:
            print(f"skipped: {exc}")
            continue
        name = Path(src).stem if isinstance(src, Path) else f"shot{i}"
        studiocomp.save_image(out / f"{name}.png", result.composite)
        print(f"{name}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))
        before = studiocomp.as_image(src)
        rows.append(np.hstack([before, np.repeat(result.alpha[..., None], 3, axis=2), result.composite]))
    if rows:
        width = min(r.shape[1] for r in rows)
        sheet = np.vstack([r[:, :width] for r in rows if r.shape[1] == width])
        print("sheet:", studiocomp.save_image(out / "sheet.png", sheet))


if __name__ == "__main__":
    main()
