"""Video (issue 28): flicker, style and cost of temporal styling against per-frame styling.

    python benchmarks/video.py [--clip examples/clip_cat_coffee.mp4] [--size 256] [--frames 24]
        [--styles starry_night wave ...] [--temporal-weights 2000] [--frame-steps 8] [--json F]

Per style, the clip is styled twice at the same settings: temporal (style_core.video: each
frame from the one before, warped by DIS flow, held by the temporal term) and per frame
(``temporal=False``, every frame a job of its own: the baseline). Figures:

- warping error (Lai et al. 2018): mean over frames of the masked mean squared difference
  between output frame t and output frame t-1 warped onto it by the *input's* flow. The
  flow here is Farneback's (OpenCV), not the DIS flow the temporal term is built on, so the
  figure is not the one the engine optimises; its mask is the same forward-backward test.
- still-region flicker: mean absolute change of the output between frames where the input
  barely changes (< 2 grey levels), no flow at all.
- W per frame (style_core.metrics.style_distance), mean over every 4th frame.
- cost: seconds of the first frame and the mean of the later ones, in units of one plain
  fp32 VGG19 forward+backward at 512 px timed in the same process; the clip's total seconds.

A sheet of the same crop over several frames, per frame against temporal, goes to
docs/video_frames.jpg.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine import cpu_features, unit_seconds  # noqa: E402

from style_core import StyleParams, flow, video_io  # noqa: E402
from style_core.images import to_tensor  # noqa: E402
from style_core.metrics import style_distance  # noqa: E402
from style_core.video import VideoParams, stylize_video  # noqa: E402

CLIP = ROOT / "examples" / "clip_cat_coffee.mp4"
STYLES = ROOT / "examples"


def style_clip(frames, style, params, video) -> tuple[list[Image.Image], list[float]]:
    """The finished frames and the seconds each took."""
    results, seconds, started = [], [], time.perf_counter()
    for update in stylize_video(frames, style, params, video, len(frames)):
        if update.frame_done:
            results.append(update.snapshot.image)
            now = time.perf_counter()
            seconds.append(now - started)
            started = now
    return results, seconds


def farneback(a: Image.Image, b: Image.Image) -> np.ndarray:
    grey = lambda p: np.asarray(p.convert("L"))  # noqa: E731
    return cv2.calcOpticalFlowFarneback(grey(a), grey(b), None, 0.5, 4, 15, 3, 5, 1.2, 0)


def warping_error(outputs: list[Image.Image], inputs: list[Image.Image]) -> float:
    errors = []
    for t in range(1, len(outputs)):
        backward, forward = farneback(inputs[t], inputs[t - 1]), farneback(inputs[t - 1], inputs[t])
        mask = torch.from_numpy(flow.confidence(backward, forward))
        warped = flow.warp(to_tensor(outputs[t - 1]), backward)[0]
        squared = (to_tensor(outputs[t])[0] - warped).pow(2).mean(0)
        errors.append(float((mask * squared).sum() / mask.sum().clamp(min=1)))
    return statistics.mean(errors)


def still_flicker(outputs: list[Image.Image], inputs: list[Image.Image]) -> float:
    changes = []
    for t in range(1, len(outputs)):
        still = (to_tensor(inputs[t]) - to_tensor(inputs[t - 1])).abs().amax(1) < 2 / 255
        change = (to_tensor(outputs[t]) - to_tensor(outputs[t - 1])).abs().mean(1)
        changes.append(float(change[still].mean()) * 255 if still.any() else 0.0)
    return statistics.mean(changes)


def mean_w(outputs, inputs, style) -> float:
    picks = range(0, len(outputs), 4)
    return statistics.mean(style_distance(outputs[i], style, inputs[i]) for i in picks)


def crop_sheet(rows: list[tuple[list[Image.Image], list[Image.Image]]], out: Path) -> None:
    """Per style: one row of per-frame crops, one of temporal crops, five frames apart."""
    per_frame, temporal = rows[0]
    width, height = per_frame[0].size
    side = min(width, height) // 2
    box = (
        width // 2 - side // 2,
        height // 2 - side // 2,
        width // 2 + side // 2,
        height // 2 + side // 2,
    )
    picks = list(range(0, len(per_frame), max(1, len(per_frame) // 5)))[:5]
    sheet = Image.new("RGB", (len(picks) * (side + 4) - 4, 2 * side + 4), "white")
    for row, frames in enumerate((per_frame, temporal)):
        for column, index in enumerate(picks):
            sheet.paste(frames[index].crop(box), (column * (side + 4), row * (side + 4)))
    sheet.save(out, quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument(
        "--styles", nargs="+", default=["starry_night", "wave", "the_scream", "udnie"]
    )
    parser.add_argument(
        "--temporal-weights", type=float, nargs="+", default=[VideoParams().temporal_weight]
    )
    parser.add_argument("--frame-steps", type=int, default=VideoParams().frame_steps)
    parser.add_argument("--no-baseline", action="store_true", help="skip the per-frame runs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    unit = unit_seconds((512, 512))
    print(f"# {cpu_features()}; torch {torch.__version__}; unit {unit:.3f} s", flush=True)
    video_io.probe(args.clip)
    inputs = list(video_io.read_frames(args.clip, args.size, args.frames))
    params = StyleParams()
    rows, sheets = [], []
    for name in args.styles:
        style = STYLES / f"style_{name}.jpg"
        runs = {}
        if not args.no_baseline:
            runs["per_frame"] = style_clip(inputs, style, params, VideoParams(temporal=False))
        for weight in args.temporal_weights:
            video = VideoParams(temporal_weight=weight, frame_steps=args.frame_steps)
            runs[f"temporal_{weight:g}"] = style_clip(inputs, style, params, video)
        row = {"style": name, "frames": len(inputs), "size": list(inputs[0].size)}
        for label, (outputs, seconds) in runs.items():
            row[label] = {
                "warping_error": warping_error(outputs, inputs),
                "still_flicker": still_flicker(outputs, inputs),
                "W": mean_w(outputs, inputs, style),
                "first_frame_units": seconds[0] / unit,
                "later_frame_units": statistics.mean(seconds[1:]) / unit,
                "total_seconds": sum(seconds),
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
        if "per_frame" in runs:
            temporal = next(v for k, v in runs.items() if k.startswith("temporal"))
            sheets.append((runs["per_frame"][0], temporal[0]))
    if sheets:
        crop_sheet(sheets, ROOT / "docs" / "video_frames.jpg")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
