"""Print size (issue 27): memory, speed, quality and seams of tiled jobs and of Enlarge.

    python benchmarks/print_size.py memory [--sizes 2048 4096] [--steps N]
    python benchmarks/print_size.py speed [--sizes 1024 2048 4096]
    python benchmarks/print_size.py enlarge --eval-dir ../shared/eval --styles-dir ../shared/styles [--pairs 6]
    python benchmarks/print_size.py crops --out DIR  # seams and crops again from an enlarge run
    python benchmarks/print_size.py tiled --eval-dir ../shared/eval --styles-dir ../shared/styles [--pairs 6]
    python benchmarks/print_size.py history --eval-dir ../shared/eval --styles-dir ../shared/styles
    python benchmarks/print_size.py style-res --eval-dir ../shared/eval --styles-dir ../shared/styles

- memory: a CLI job at each size in a fresh process (``--tile-size -1``, automatic, and
  ``0``, untiled, where the plan says it fits this machine's RAM), its peak RSS against the
  plan's ``peak_bytes`` and the untiled plan's.
- speed: seconds per iteration of one scale at each size, tiled (the automatic tile, and
  512 px) and untiled where it fits, in units of one plain fp32 VGG19 forward+backward at
  512 px timed in the same process; the tiling overhead as a ratio.
- enlarge: per pair, the default 512 px job, then Enlarge to 2048 px, against the 512 px
  result upscaled with Lanczos: W at full size (the engine never optimises it), the RGB
  pixel-patch distance at full size, and a seam figure at the tile borders the job used; a
  sheet of 100% crops at tile corners to docs/print_size_crops.jpg.
- tiled: per pair, the default job at 1024 px untiled and with 256 px tiles: W, E and the
  mean and largest pixel difference.
- style-res: a style picture smaller than the output, blurred up to the output's size (the
  engine's way) against used at the size it has: per pair, the style shrunk to 512 px stands
  for a picture half the output's size, and the default 512 px result is enlarged to 1024 px
  both ways: W at 512 px (the look), the pixel-patch distance to the style as it is (its own
  pixels, not blurred up), sharpness (mean absolute Laplacian against the style's own), E;
  a crop sheet to docs/style_resolution_crops.jpg.
- history: per pair, the default 512 px job keeping all L-BFGS pairs and keeping only
  ``memory.MIN_HISTORY`` (what a 4096 px scale keeps): W and E.

Every figure goes to stdout and, with ``--json FILE``, to a file. Pairs are the sweep's
(benchmarks/sweep.py), taken in order, one per content image first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine import cpu_features, unit_seconds  # noqa: E402
from sweep import benchmark_pairs  # noqa: E402

from style_core import StyleParams, memory, stylize  # noqa: E402
from style_core.engine import device_plan  # noqa: E402
from style_core.images import load_image, resize, save_png, to_tensor  # noqa: E402
from style_core.metrics import _projected_quantiles, structure_lost, style_distance  # noqa: E402
from style_core.plan import enlarge_params, plan_job  # noqa: E402

CONTENT = ROOT / "examples" / "content_chelsea.jpg"
STYLE = ROOT / "examples" / "style_starry_night.jpg"
GB = 2**30


def last(snapshots):
    (final,) = deque(snapshots, maxlen=1)
    return final


# --- memory -----------------------------------------------------------------------------


def measure_memory(sizes: list[int], steps: int | None) -> list[dict]:
    rows = []
    content_size = load_image(CONTENT).size
    for size in sizes:
        params = StyleParams(size=size, **({"steps": steps} if steps else {}))
        tiled = device_plan(params, content_size)
        whole = plan_job(params.replace(tile_size=0), content_size, _here_untiled())
        runs = [("auto", -1)]
        if whole.peak_bytes < 0.6 * memory._available_bytes():
            runs.append(("untiled", 0))
        for name, tile_size in runs:
            peak, seconds = _cli_peak_rss(size, tile_size, params.steps)
            rows.append(
                {
                    "size": size,
                    "steps": params.steps,
                    "run": name,
                    "tiles": [scale.tile for scale in tiled.scales] if tile_size else 0,
                    "peak_rss_gb": peak / GB,
                    "plan_gb": (tiled if tile_size else whole).peak_bytes / GB,
                    "untiled_plan_gb": whole.peak_bytes / GB,
                    "seconds": seconds,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _here_untiled():
    from style_core.devices import resolve_device, resolve_precision

    dtype = resolve_precision("auto", resolve_device("auto"))
    return memory.Memory(float("inf"), dtype.itemsize)


def _cli_peak_rss(size: int, tile_size: int, steps: int) -> tuple[int, float]:
    """Peak RSS (bytes) and seconds of a CLI job in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable, "-m", "style_core", str(CONTENT), str(STYLE),
            "--size", str(size), "--tile-size", str(tile_size), "--steps", str(steps),
            "-o", f"{folder}/out.png", "--quiet",
        ]  # fmt: skip
        # A wrapper process of its own, so that ru_maxrss is this job's alone.
        wrapper = (
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", wrapper, *command],
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    return int(done.stdout.split()[-1]) * 1024, seconds


# --- speed ------------------------------------------------------------------------------


def measure_speed(sizes: list[int], steps: int = 4) -> list[dict]:
    content, style = load_image(CONTENT), load_image(STYLE)
    unit = unit_seconds((512, 512))
    rows = []
    for size in sizes:
        one_scale = StyleParams(size=size, steps=steps + 1, multiscale=False, preview_seconds=3600)
        auto = device_plan(one_scale, content.size).scales[0]
        whole = plan_job(one_scale.replace(tile_size=0), content.size, _here_untiled())
        runs = {"tiles 512": 512}
        if auto.tile:
            runs[f"auto tiles {auto.tile}"] = auto.tile
        if whole.peak_bytes < 0.6 * memory._available_bytes():
            runs["untiled"] = 0
        for name, tile in runs.items():
            params = one_scale.replace(tile_size=tile)
            times = [s.elapsed for s in stylize(content, [style], params) if not s.done]
            per_step = (times[-1] - times[0]) / (len(times) - 1)
            plan = plan_job(params, content.size)
            rows.append(
                {
                    "size": size,
                    "run": name,
                    "units_per_iteration": per_step / unit,
                    "evaluated_pixels_share": plan.scales[0].evaluated_pixels
                    / plan.scales[0].pixels,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


# --- enlarge ----------------------------------------------------------------------------


def measure_enlarge(pairs, out_dir: Path, size: int = 2048) -> list[dict]:
    rows = []
    crops = []
    for content, style in pairs:
        small = last(stylize(content, [style], StyleParams())).image
        params = enlarge_params(StyleParams(), max(small.size), size)
        plan = device_plan(params, load_image(content).size, start_side=max(small.size))
        started = time.perf_counter()
        big = last(stylize(content, [style], params, start=small)).image
        seconds = time.perf_counter() - started
        upscaled = small.resize(big.size, Image.Resampling.LANCZOS)
        name = f"{content.stem}__{style.stem}"
        tile = plan.scales[-1].tile
        save_png(big, out_dir / f"{name}_enlarged_tile{tile}.png", params)
        save_png(small, out_dir / f"{name}_512.png", StyleParams())
        row = {"pair": name, "seconds": seconds, "tile": tile}
        for label, image in (("enlarged", big), ("lanczos", upscaled)):
            row[f"W_{label}"] = style_distance(image, style, content)
            row[f"Wpx_{label}"] = pixel_patch_distance(image, style, content)
            row[f"E_{label}"] = structure_lost(image, content)
            if tile:
                row[f"seam_{label}"] = seam_ratio(image, tile)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if tile and len(crops) < 3:
            crops.append(_corner_crops(big, upscaled, tile))
    if crops:
        _crop_sheet(crops).save(ROOT / "docs" / "print_size_crops.jpg", quality=90)
    return rows


def crop_sheet_from(out_dir: Path, pairs) -> None:
    """The seams and the crop sheet again from an earlier ``enlarge`` run's pictures in
    ``out_dir`` (the 512 px results are remade where that run did not keep them: same seed,
    same machine)."""
    crops = []
    for content, style in pairs:
        name = f"{content.stem}__{style.stem}"
        found = sorted(out_dir.glob(f"{name}_enlarged_tile*.png"))
        if not found:
            continue
        enlarged = found[0]
        tile = int(enlarged.stem.rsplit("_tile", 1)[1])
        big = Image.open(enlarged).convert("RGB")
        small_file = out_dir / f"{name}_512.png"
        small = (
            Image.open(small_file).convert("RGB")
            if small_file.is_file()
            else last(stylize(content, [style], StyleParams())).image
        )
        upscaled = small.resize(big.size, Image.Resampling.LANCZOS)
        seams = {"enlarged": seam_ratio(big, tile), "lanczos": seam_ratio(upscaled, tile)}
        print(json.dumps({"pair": name, "tile": tile, "seam": seams}), flush=True)
        if len(crops) < 3:
            crops.append(_corner_crops(big, upscaled, tile))
    _crop_sheet(crops).save(ROOT / "docs" / "print_size_crops.jpg", quality=90)


def pixel_patch_distance(output: Image.Image, style: Path, content: Path) -> float:
    """Sliced Wasserstein-1 between 5x5 RGB patch distributions of the output and the style,
    both at the output's full size, relative to the content's (benchmarks/pixel_patches.py
    does this at 256 px; here the fine strokes of a print are the point)."""
    size = output.size

    def patches(image) -> torch.Tensor:
        picture = resize(load_image(image), size)
        return F.unfold(to_tensor(picture), 5, stride=4)

    target = _projected_quantiles(patches(style))
    distance = lambda image: float((_projected_quantiles(patches(image)) - target).abs().mean())  # noqa: E731
    return distance(output) / distance(content)


def seam_ratio(image: Image.Image, tile: int) -> float:
    """Mean absolute step between neighbouring pixels across each tile border line, over the
    same across the lines 2 to 16 px either side of it (1 = no seam; a seam is a larger step
    along a straight line than its surroundings have)."""
    pixels = to_tensor(image)[0].mean(0)  # (H, W) grey
    # Step between column x-1 and x (row y-1 and y), averaged along the line: index x-1.
    lines = {
        "columns": (pixels[:, 1:] - pixels[:, :-1]).abs().mean(0),
        "rows": (pixels[1:, :] - pixels[:-1, :]).abs().mean(1),
    }
    ratios = []
    for steps in lines.values():
        for border in range(tile - 1, len(steps) - 16, tile):
            nearby = [steps[border + d] for d in (-16, -8, -4, -2, 2, 4, 8, 16)]
            ratios.append(float(steps[border] / torch.stack(nearby).mean()))
    return statistics.mean(ratios)


def _corner_crops(big: Image.Image, upscaled: Image.Image, tile: int, side: int = 256):
    """100% crops centred on the first inner tile corner: enlarged, then Lanczos."""
    x = min(tile, big.width - side // 2)
    y = min(tile, big.height - side // 2)
    box = (x - side // 2, y - side // 2, x + side // 2, y + side // 2)
    return big.crop(box), upscaled.crop(box)


def _crop_sheet(crops) -> Image.Image:
    side = crops[0][0].width
    sheet = Image.new("RGB", (2 * side + 8, len(crops) * (side + 8) - 8), "white")
    for row, (enlarged, lanczos) in enumerate(crops):
        sheet.paste(enlarged, (0, row * (side + 8)))
        sheet.paste(lanczos, (side + 8, row * (side + 8)))
    return sheet


# --- tiled against untiled ----------------------------------------------------------------


def measure_tiled(pairs, size: int = 1024, tile: int = 256) -> list[dict]:
    rows = []
    for content, style in pairs:
        whole = last(stylize(content, [style], StyleParams(size=size, tile_size=0))).image
        tiled = last(stylize(content, [style], StyleParams(size=size, tile_size=tile))).image
        difference = (to_tensor(whole) - to_tensor(tiled)).abs() * 255
        row = {
            "pair": f"{content.stem}__{style.stem}",
            "W_untiled": style_distance(whole, style, content),
            "W_tiled": style_distance(tiled, style, content),
            "E_untiled": structure_lost(whole, content),
            "E_tiled": structure_lost(tiled, content),
            "mean_grey_levels": float(difference.mean()),
            "max_grey_levels": float(difference.max()),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


# --- a style smaller than the output ---------------------------------------------------


def measure_style_resolution(pairs, out_dir: Path, size: int = 1024, own: int = 512) -> list[dict]:
    from style_core import engine

    blur_up = engine._prepare_style

    def as_it_is(style_image, content, long_side, params, device):
        return blur_up(style_image, content, min(long_side, max(style_image.size)), params, device)

    rows, crops = [], []
    for content, style in pairs:
        small_style = out_dir / f"{style.stem}_{own}.png"
        resize(load_image(style), _fit(load_image(style).size, own)).save(small_style)
        start = last(stylize(content, [small_style], StyleParams())).image
        params = enlarge_params(StyleParams(), max(start.size), size)
        row = {"pair": f"{content.stem}__{style.stem}"}
        pictures = {}
        for label, prepare in (("blurred_up", blur_up), ("as_it_is", as_it_is)):
            engine._prepare_style = prepare
            try:
                image = last(stylize(content, [small_style], params, start=start)).image
            finally:
                engine._prepare_style = blur_up
            image.save(out_dir / f"{row['pair']}_{label}.png")
            pictures[label] = image
            row[f"W512_{label}"] = style_distance(image, small_style, content, size=512)
            row[f"Wpx_own_{label}"] = _patch_distance_own(image, small_style, content)
            row[f"sharpness_{label}"] = _sharpness(image) / _sharpness(load_image(small_style))
            row[f"E_{label}"] = structure_lost(image, content)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if len(crops) < 3:
            box = (size // 2 - 128, size // 3 - 128, size // 2 + 128, size // 3 + 128)
            crops.append((pictures["blurred_up"].crop(box), pictures["as_it_is"].crop(box)))
    _crop_sheet(crops).save(ROOT / "docs" / "style_resolution_crops.jpg", quality=90)
    return rows


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _patch_distance_own(output: Image.Image, style: Path, content: Path) -> float:
    """Sliced W-1 of 5x5 RGB patches: the output at its size, the style at the size it has."""

    def patches(picture: Image.Image) -> torch.Tensor:
        return F.unfold(to_tensor(picture), 5, stride=4)

    target = _projected_quantiles(patches(load_image(style)))
    distance = lambda picture: float((_projected_quantiles(patches(picture)) - target).abs().mean())  # noqa: E731
    return distance(output) / distance(resize(load_image(content), output.size))


def _sharpness(picture: Image.Image) -> float:
    grey = to_tensor(picture).mean(1, keepdim=True)
    laplacian = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
    return float(F.conv2d(grey, laplacian).abs().mean())


# --- L-BFGS history -----------------------------------------------------------------------


def measure_history(pairs) -> list[dict]:
    rows = []
    for content, style in pairs:
        row = {"pair": f"{content.stem}__{style.stem}"}
        for label, history_bytes in (("all", memory.HISTORY_BYTES), ("min", 1)):
            memory.HISTORY_BYTES = history_bytes  # 1 byte: every scale keeps MIN_HISTORY pairs
            try:
                image = last(stylize(content, [style], StyleParams())).image
            finally:
                memory.HISTORY_BYTES = 2 * GB
            row[f"W_{label}"] = style_distance(image, style, content)
            row[f"E_{label}"] = structure_lost(image, content)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def summarise(rows: list[dict]) -> None:
    keys = [k for k in rows[0] if isinstance(rows[0][k], float)]
    print("median: " + ", ".join(f"{k} {statistics.median(r[k] for r in rows):.4g}" for k in keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "what", choices=("memory", "speed", "enlarge", "crops", "tiled", "history", "style-res")
    )
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--styles-dir", type=Path, default=ROOT.parent / "shared" / "styles")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument(
        "--skip", type=int, default=0, help="leave out the first N pairs (measured)"
    )
    parser.add_argument("--steps", type=int, help="memory: steps of each job (default 60)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="print_size_")))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"# {cpu_features()}; torch {torch.__version__}", flush=True)
    pairs = _spread(benchmark_pairs(args.eval_dir, args.styles_dir), args.pairs)[args.skip :]
    if args.what == "memory":
        rows = measure_memory(args.sizes or [2048, 4096], args.steps)
    elif args.what == "speed":
        rows = measure_speed(args.sizes or [1024, 2048, 4096])
    elif args.what == "enlarge":
        args.out.mkdir(parents=True, exist_ok=True)
        rows = measure_enlarge(pairs, args.out)
    elif args.what == "crops":
        crop_sheet_from(args.out, pairs)
        return
    elif args.what == "tiled":
        rows = measure_tiled(pairs)
    elif args.what == "style-res":
        args.out.mkdir(parents=True, exist_ok=True)
        rows = measure_style_resolution(pairs, args.out)
    else:
        rows = measure_history(pairs)
    if args.what in ("enlarge", "tiled", "history", "style-res"):
        summarise(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


def _spread(pairs: list, count: int) -> list:
    """``count`` pairs, each content and style as evenly used as the list allows."""
    styles = sorted({style for _, style in pairs}, key=lambda path: path.name)
    contents = sorted({content for content, _ in pairs}, key=lambda path: path.name)
    chosen = [(contents[i % len(contents)], styles[i % len(styles)]) for i in range(count)]
    return [pair for pair in chosen if pair in pairs]


if __name__ == "__main__":
    main()
