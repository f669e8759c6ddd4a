"""The default jobs on a GPU: time and peak memory, against the app's memory model.

    python benchmarks/gpu.py [--content examples/content_coffee.jpg] [--style examples/style_starry_night.jpg]

Runs the engine's default job (512 px), the app's GPU preset (1024 px, 400 steps) and the
print sizes (2048 and 4096 px, default steps) once each after a short warm-up run, then the
Video tab's GPU job (the example clip at 512 px, the video defaults), and prints
each job's seconds, the precision it ran in, the tiles its plan chose, its peak memory and
what the plan predicted (``JobPlan.peak_bytes``, the figure a dedicated GPU refuses jobs by). The model is compared with the peak the caching allocator reserved
(``torch.cuda.max_memory_reserved``), since its slack is meant to cover the allocator's
fragmentation too; the peak allocated by tensors is printed beside it. On a machine without a
CUDA GPU it says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from style_core import StyleParams, run  # noqa: E402 - after the path tweak above
from style_core.devices import resolve_precision  # noqa: E402
from style_core.engine import device_plan  # noqa: E402
from style_core.images import image_size  # noqa: E402
from style_core.params import preset_for  # noqa: E402
from style_core.video import VideoParams, stylize_video  # noqa: E402
from style_core.video_io import read_frames  # noqa: E402

EXAMPLES = ROOT / "examples"
CLIP = EXAMPLES / "clip_cat_coffee.mp4"
VIDEO_SIDE = 512  # the Video tab's default on a GPU (style_app.video_job.VIDEO_SIZE)
JOBS = {
    "default 512 px": StyleParams(),
    "GPU preset": preset_for("cuda"),
    "print 2048 px": StyleParams(size=2048),
    "print 4096 px": StyleParams(size=4096),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--content", default=str(EXAMPLES / "content_coffee.jpg"))
    parser.add_argument("--style", default=str(EXAMPLES / "style_starry_night.jpg"))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA GPU here: nothing to measure")
        return 0
    device = torch.device("cuda")
    dtype = resolve_precision("auto", device)
    print(f"{torch.cuda.get_device_name()}; torch {torch.__version__}; precision {dtype}")
    run(args.content, args.style, StyleParams(size=256, steps=10))  # weights, kernels
    for name, params in JOBS.items():
        torch.cuda.synchronize()
        torch.cuda.empty_cache()  # else the reserved peak starts at the last job's cache
        torch.cuda.reset_peak_memory_stats()
        plan = device_plan(params, image_size(args.content))  # the engine's, free memory now
        started = time.perf_counter()
        result = run(args.content, args.style, params)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - started
        reserved = torch.cuda.max_memory_reserved() / 2**30
        allocated = torch.cuda.max_memory_allocated() / 2**30
        predicted = plan.peak_bytes / 2**30
        tiles = "/".join(str(scale.tile or "whole") for scale in plan.scales)
        print(
            f"{name}: {params.size} px, {params.steps} steps -> {result.width}x{result.height} "
            f"in {seconds:.1f} s (tiles {tiles}); peak reserved {reserved:.2f} GB against the "
            f"memory model's {predicted:.2f} GB (peak allocated {allocated:.2f} GB)"
        )
    print(time_video(args.style, VIDEO_SIDE, synchronize=torch.cuda.synchronize))
    return 0


def time_video(style: str, side: int, frames: int | None = None, synchronize=lambda: None) -> str:
    """The example clip at ``side`` px with the video defaults: total, first and later frames."""
    pictures = list(read_frames(CLIP, side, frames))
    started, done = time.perf_counter(), []
    for update in stylize_video(pictures, style, StyleParams(), VideoParams(), len(pictures)):
        if update.frame_done:
            synchronize()
            done.append(time.perf_counter())
    later = (done[-1] - done[0]) / max(len(done) - 1, 1)
    width, height = pictures[0].size
    return (
        f"video: {CLIP.name}, {len(done)} frames at {width}x{height} in {done[-1] - started:.1f} s "
        f"(first frame {done[0] - started:.1f} s, later frames {later:.2f} s each)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
