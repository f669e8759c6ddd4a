"""Contact sheet of the benchmark set: for every photo, a row at the default job and a row at
the app's Balanced job (as fitted on a 2-core CPU), each cell labelled with W, E and P.

    python benchmarks/contact_sheet.py --work /tmp/sheet      # runs both sweeps, then draws
    python benchmarks/contact_sheet.py --work /tmp/sheet      # again: reuses finished sweeps

Each job's results go to WORK/<job>/ (images and results.json, by benchmarks/sweep.py); a job
whose results.json is there is not run again. Writes docs/contact_sheet.jpg: look at it,
pasted objects show up there before they show up in any number.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sweep import benchmark_pairs, job_params, summary, sweep  # noqa: E402
from style_core.images import load_image  # noqa: E402

CELL = 200  # long side of a thumbnail
LABEL = 14  # pixels under each result for its figures
JOBS = ("default", "balanced")


def thumbnail(image: Image.Image, label: str = "") -> Image.Image:
    picture = image.convert("RGB")
    picture.thumbnail((CELL, CELL - LABEL), Image.Resampling.LANCZOS)
    cell = Image.new("RGB", (CELL, CELL), "white")
    cell.paste(picture, ((CELL - picture.width) // 2, (CELL - LABEL - picture.height) // 2))
    ImageDraw.Draw(cell).text((4, CELL - LABEL), label, fill="black")
    return cell


def run_job(job: str, pairs: list, folder: Path, workers: int) -> list[dict]:
    """The job's results, from WORK/<job>/results.json, made first if missing."""
    results_file = folder / "results.json"
    if not results_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        results = []
        for result in sweep(pairs, job_params(job), workers, folder):
            results.append({k: v for k, v in result.items() if k != "image"})
            print(f"{job}: {result['content']} x {result['style']} done", flush=True)
        results_file.write_text(json.dumps(results, indent=1))
    return json.loads(results_file.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--styles-dir", type=Path, default=Path("../shared/styles"))
    parser.add_argument("--work", type=Path, required=True, help="folder for both sweeps")
    parser.add_argument("--out", type=Path, default=Path("docs/contact_sheet.jpg"))
    parser.add_argument("--jobs", type=int, default=2, help="worker processes, one thread each")
    args = parser.parse_args()
    pairs = benchmark_pairs(args.eval_dir, args.styles_dir)
    contents = list(dict.fromkeys(content for content, _ in pairs))
    styles = list(dict.fromkeys(style for _, style in pairs))
    results = {job: run_job(job, pairs, args.work / job, args.jobs) for job in JOBS}

    sheet = Image.new("RGB", (CELL * (len(styles) + 1), CELL * (2 * len(contents) + 1)), "white")
    for column, style in enumerate(styles, start=1):
        sheet.paste(thumbnail(load_image(style), style.stem), (column * CELL, 0))
    for index, content in enumerate(contents):
        for offset, job in enumerate(JOBS):
            row = 1 + 2 * index + offset
            params = job_params(job)
            label = f"{job}: {params.size} px, {params.steps} steps"
            sheet.paste(thumbnail(load_image(content), label), (0, row * CELL))
            for column, style in enumerate(styles, start=1):
                figures = next(
                    r
                    for r in results[job]
                    if r["content"] == content.stem and r["style"] == style.stem
                )
                image = load_image(args.work / job / f"{content.stem}__{style.stem}.png")
                label = f"W {figures['W']:.2f} E {figures['E']:.2f} P {figures['P']:.2f}"
                sheet.paste(thumbnail(image, label), (column * CELL, row * CELL))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=85)
    for job in JOBS:
        print(f"\n{job}, over {len(results[job])} pairs:\n\n{summary(results[job])}")
    print(f"\nwrote {args.out} ({sheet.width}x{sheet.height})")


if __name__ == "__main__":
    main()
