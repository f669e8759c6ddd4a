"""Write examples/clip_cat_coffee.mp4: the cat from content_chelsea.jpg crossing the coffee
photo (content_coffee.jpg), which slowly zooms in, so the motion is not one global pan: the
background moves outwards from its centre and the cat, bobbing, crosses it left to right.
With ``--result``, also its styled version the Video tab shows on first sight
(examples/result_clip_cat_coffee_starry_night.mp4: the tab's CPU defaults, The Starry Night).

    python scripts/make_example_clip.py [--result]

Deterministic (no randomness); made only from the project's own example photos (their
licences: examples/README.md).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from style_core.video_io import VideoWriter  # noqa: E402

OUT = ROOT / "examples" / "clip_cat_coffee.mp4"
RESULT = ROOT / "examples" / "result_clip_cat_coffee_starry_night.mp4"
STYLE = ROOT / "examples" / "style_starry_night.jpg"
RESULT_SIZE = 256  # the Video tab's default on a CPU (style_app.video_job.VIDEO_SIZE)
SIZE = (384, 256)
FRAMES = 36
FRAME_RATE = 12
ZOOM = 0.08  # the background grows by this share over the clip


def background(t: float) -> Image.Image:
    coffee = Image.open(ROOT / "examples" / "content_coffee.jpg").convert("RGB")
    coffee = coffee.resize((SIZE[0] + 32, round((SIZE[0] + 32) * coffee.height / coffee.width)))
    scale = 1 + ZOOM * t
    width, height = SIZE[0] / scale, SIZE[1] / scale
    left, top = (coffee.width - width) / 2, (coffee.height - height) / 2
    box = (left, top, left + width, top + height)
    return coffee.resize(SIZE, Image.Resampling.LANCZOS, box=box)


def cat() -> tuple[Image.Image, Image.Image]:
    """The cat's head and a soft oval mask around it."""
    chelsea = Image.open(ROOT / "examples" / "content_chelsea.jpg").convert("RGB")
    head = chelsea.crop((100, 60, 420, 340)).resize((128, 112), Image.Resampling.LANCZOS)
    mask = Image.new("L", head.size, 0)
    ImageDraw.Draw(mask).ellipse((6, 6, 122, 106), fill=255)
    return head, mask.filter(ImageFilter.GaussianBlur(3))


def frame(index: int) -> Image.Image:
    t = index / (FRAMES - 1)
    picture = background(t)
    head, mask = cat()
    x = round(-40 + t * (SIZE[0] - 40))
    y = round(80 + 40 * math.sin(2 * math.pi * t))
    picture.paste(head, (x, y), mask)
    return picture


def styled() -> None:
    """The clip styled at the defaults, as the Video tab would on a CPU."""
    from style_core import StyleParams
    from style_core.video import VideoParams, stylize_video
    from style_core.video_io import read_frames

    frames = list(read_frames(OUT, RESULT_SIZE))
    started = time.perf_counter()
    with VideoWriter(RESULT, FRAME_RATE) as writer:
        for update in stylize_video(frames, STYLE, StyleParams(), VideoParams(), len(frames)):
            if update.frame_done:
                writer.write(update.snapshot.image)
                print(f"frame {update.frame + 1}/{len(frames)}", flush=True)
    seconds = time.perf_counter() - started
    record = {"size": RESULT_SIZE, "frames": len(frames), "seconds": round(seconds, 1)}
    RESULT.with_suffix(".json").write_text(json.dumps(record) + "\n")
    print(f"wrote {RESULT.relative_to(ROOT)} in {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--result", action="store_true", help="also write the styled clip")
    args = parser.parse_args()
    with VideoWriter(OUT, FRAME_RATE) as writer:
        for index in range(FRAMES):
            writer.write(frame(index))
    print(f"wrote {OUT.relative_to(ROOT)}: {FRAMES} frames, {SIZE[0]}x{SIZE[1]}, {FRAME_RATE} fps")
    if args.result:
        styled()


if __name__ == "__main__":
    main()
