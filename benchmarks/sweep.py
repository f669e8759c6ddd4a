"""The whole benchmark set at one job: S, W, E, P per pair, medians, worst pairs, time in units.

    python benchmarks/sweep.py --job default          # 512 px, 60 steps (the library default)
    python benchmarks/sweep.py --job balanced         # the app's Balanced job on a 2-core CPU
    python benchmarks/sweep.py --job default --set style_weight=30 --out /tmp/sw30

Pairs: tubingen and the photos in examples/ (rows) x the paintings in the styles folder
(columns): 30 pairs. Each pair runs in a worker process of one thread (two at once by
default); its time is stated in units, one fp32 VGG19 forward+backward with Gram matrices at
the pair's own output size, timed in the same worker just before and after the run (see
benchmarks/engine.py). W and P are
scored at the output's own size, so a 384 px job is judged at 384 px.

``--set`` overrides StyleParams fields (``name=value``, tuples as ``a,b,c``): every knob is
tried on the whole set, never on one pair.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import statistics
import sys
import time
from collections import deque
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.engine import cpu_features, unit_seconds  # noqa: E402 - after the path tweak
from style_core import StyleParams, stylize  # noqa: E402
from style_core.images import fit_size, load_image  # noqa: E402
from style_core.metrics import yardstick  # noqa: E402

# The app's quality levels as it fits them on the 2-core AVX2 CPU of RESULTS.md (fp32,
# one iteration at 512x384 ~ 2.9 s): style_app's fit_quality with that speed. Fixed here so
# that a benchmark on a faster machine still judges the job a slow CPU gets.
# The content weight is the level's own (style_app.speed.QUALITIES).
JOBS = {
    "default": {},
    "draft": {"size": 256, "steps": 15, "content_weight": 2.0},
    "balanced": {"size": 384, "steps": 30, "content_weight": 4.0},
    "best": {"size": 384, "steps": 89, "content_weight": 8.0},
}
FIGURES = ("S", "W", "E", "P")


def _judged(values) -> list[float]:
    """The figures that are numbers: P is NaN where it cannot judge (style_core.metrics)."""
    return [v for v in values if not math.isnan(v)]


def _median(values) -> float:
    judged = _judged(values)
    return statistics.median(judged) if judged else math.nan


def _worst(values) -> float:
    return max(_judged(values), default=math.nan)


def _one_position_per_channel() -> None:
    """Trial: the rank rule at one style position per channel instead of two."""
    from style_core import plan

    plan.STYLE_POSITIONS_PER_CHANNEL = 1


def _torch_first_step() -> None:
    """Before engine v3's third step: torch's first L-BFGS step, raw gradient steps, no cap."""
    from style_core import engine

    engine.LBFGS_GRADIENT_STEP = engine.LBFGS_MAX_STEP = None


def _content_plus_noise() -> None:
    """Trial (issue 14): start from the content with a quarter of uniform noise blended in
    (the first scale only; later scales start from the previous one, as always)."""
    from style_core import engine

    initial_image = engine._initial_image

    def noisy_start(previous, scale, params, generator):
        start = initial_image(previous, scale, params, generator)
        if previous is not None or params.init != "content":
            return start
        noise = torch.rand(start.shape, generator=generator).to(start.device)
        return 0.75 * start + 0.25 * noise

    engine._initial_image = noisy_start


def _mean_share(share: float) -> None:
    """Trial (issue 14): in the mean-and-covariance loss, the mean's error weighs ``share`` and
    the covariance's the rest (the engine's is ``losses.MEAN_SHARE``): more or less of the
    painting's average (its overall colour and brightness) against its texture."""
    from style_core import losses

    losses.MEAN_SHARE = share


# Engine changes under trial that no StyleParams field reaches, applied inside the worker
# only (name -> patch function). Knobs are tried with --set (rank_rule=false: every layer
# at every scale, as Gatys et al.).
VARIANTS = {
    "one-position-per-channel": _one_position_per_channel,
    "torch-first-step": _torch_first_step,
    "content-plus-noise": _content_plus_noise,
    "mean-quarter": lambda: _mean_share(0.25),
    "mean-half": lambda: _mean_share(0.5),
    "mean-nine-tenths": lambda: _mean_share(0.9),
}


def benchmark_pairs(eval_dir: Path, styles_dir: Path) -> list[tuple[Path, Path]]:
    examples = Path(__file__).resolve().parents[1] / "examples"
    contents = [eval_dir / "tubingen.jpg", *sorted(examples.glob("content_*.jpg"))]
    styles = sorted(styles_dir.glob("*.jpg"))
    return [(content, style) for content in contents for style in styles]


def job_params(job: str, overrides: dict | None = None) -> StyleParams:
    return StyleParams(precision="fp32", **{**JOBS[job], **(overrides or {})}).validate()


def run_pair(task: tuple[Path, Path, StyleParams, Path | None]) -> dict:
    """One pair in a worker process: the result, its figures, seconds and units."""
    content, style, params, out_dir, variant = task
    if variant:
        VARIANTS[variant]()
    torch.set_num_threads(1)  # one core per worker: the workers share the machine
    size = fit_size(*load_image(content).size, params.size)
    before = unit_seconds(size, repeats=2)  # timed around every run: the load may change
    start = time.perf_counter()
    (final,) = deque(stylize(content, style, params), maxlen=1)
    seconds = time.perf_counter() - start
    unit = (before + unit_seconds(size, repeats=2)) / 2
    if out_dir is not None:
        final.image.save(out_dir / f"{content.stem}__{style.stem}.png")
    figures = yardstick(final.image, content, style)
    return {
        "content": content.stem,
        "style": style.stem,
        **{k: figures[k] for k in FIGURES},
        "seconds": seconds,
        "units": seconds / unit,
        "image": final.image,
    }


def sweep(
    pairs: list[tuple[Path, Path]],
    params: StyleParams,
    jobs: int,
    out_dir: Path | None = None,
    variant: str = "",
):
    """Yields each pair's result dict as it finishes, in pair order."""
    tasks = [(content, style, params, out_dir, variant) for content, style in pairs]
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        yield from pool.imap(run_pair, tasks)


def summary(results: list[dict]) -> str:
    """Median and worst pair of every figure, and the units' median and maximum."""
    lines = ["| figure | median | worst | worst pair |", "|---|---|---|---|"]
    for key in (*FIGURES, "units"):
        judged = [r for r in results if not math.isnan(r[key])]
        if not judged:  # P at sizes where it cannot judge
            lines.append(f"| {key} | nan | nan | none judged |")
            continue
        worst = max(judged, key=lambda r: r[key])
        lines.append(
            f"| {key} | {_median(r[key] for r in judged):.3f} | {worst[key]:.3f} | "
            f"{worst['content']} x {worst['style']} |"
        )
    return "\n".join(lines)


def compare(before: list[dict], after: list[dict]) -> str:
    """Two sweeps on the pairs both have: medians before and after, and on how many pairs
    each figure fell (lower is better for all)."""
    paired = {(r["content"], r["style"]): r for r in before}
    common = [
        (paired[(r["content"], r["style"])], r)
        for r in after
        if (r["content"], r["style"]) in paired
    ]
    lines = [
        f"{len(common)} pairs in both",
        "",
        "| figure | median before | median after | pairs better after | worst before | worst after |",
        "|---|---|---|---|---|---|",
    ]
    for key in FIGURES:
        old, new = [a[key] for a, _ in common], [b[key] for _, b in common]
        better = sum(b < a for a, b in zip(old, new))
        lines.append(
            f"| {key} | {_median(old):.3f} | {_median(new):.3f} | "
            f"{better} of {len(common)} | {_worst(old):.3f} | {_worst(new):.3f} |"
        )
    return "\n".join(lines)


def parse_overrides(pairs: list[str]) -> dict:
    """``name=value`` -> StyleParams fields, typed as the field's default is."""
    defaults, overrides = StyleParams(), {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        default = getattr(defaults, name)
        if isinstance(default, tuple):
            items = [item for item in text.split(",") if item]
            overrides[name] = tuple(float(i) if name.endswith("weights") else i for i in items)
        elif isinstance(default, bool):
            overrides[name] = text.lower() in ("1", "true", "yes")
        else:
            overrides[name] = type(default)(text)
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--styles-dir", type=Path, default=Path("../shared/styles"))
    parser.add_argument("--job", choices=tuple(JOBS), default="default")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes, one thread each")
    parser.add_argument("--out", type=Path, help="folder for the results and results.json")
    parser.add_argument("--variant", choices=tuple(VARIANTS), default="", help="engine trial")
    parser.add_argument("--start", type=int, default=0, help="skip the first N pairs")
    parser.add_argument(
        "--compare", nargs=2, type=Path, metavar="RESULTS_JSON", help="compare two sweeps, run none"
    )
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(path.read_text()) for path in args.compare)
        print(compare(before, after))
        return
    params = job_params(args.job, parse_overrides(args.set))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {cpu_features()}; torch {torch.__version__}")
    print(
        f"job {args.job}: {params.size} px, {params.steps} steps {params.scale_steps()}, "
        f"scales {params.scale_sizes()}, overrides {args.set or 'none'}, variant {args.variant or 'none'}\n"
    )
    print("| content | style | S | W | E | P | units |\n|---|---|---|---|---|---|---|")
    results = []
    for result in sweep(
        benchmark_pairs(args.eval_dir, args.styles_dir)[args.start :],
        params,
        args.jobs,
        args.out,
        args.variant,
    ):
        results.append({k: v for k, v in result.items() if k != "image"})
        print(
            f"| {result['content']} | {result['style']} | "
            + " | ".join(f"{result[k]:.3f}" for k in FIGURES)
            + f" | {result['units']:.1f} |",
            flush=True,
        )
        if args.out:  # after every pair: a sweep stopped half way still leaves its figures
            (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nover {len(results)} pairs:\n\n{summary(results)}")


if __name__ == "__main__":
    main()
