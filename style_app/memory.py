"""GPU memory a job needs, from its pixels, so a dedicated GPU refuses what it cannot hold
before any work (ZeroGPU slices are large enough for every slider value: see README).

Per output pixel of the largest scale, a VGG19 pass to relu5_1 keeps every conv and ReLU
output for the backward pass (the ReLUs are not in place), about ``ACTIVATION_FLOATS`` values
in the network's precision; L-BFGS keeps ``2 x history`` image-sized float32 vectors (its
curvature pairs) plus a few more. The rest (weights, Gram matrices) is a fixed part.
"""

from __future__ import annotations

import torch

from style_core import StyleParams, lbfgs
from style_core.devices import resolve_precision
from style_core.images import fit_size

# conv + ReLU outputs per pixel, blocks 1-5 up to relu5_1: 2 x (2x64 + 2x128/4 + 4x256/16 +
# 4x512/64 + 512/256) = 580, plus the pooling outputs (30). tests/test_app_memory.py counts
# them on the real network.
ACTIVATION_FLOATS = 610
ALLOCATOR_SLACK = 1.5  # backward transients and the caching allocator's fragmentation
FIXED_BYTES = 400 * 2**20  # weights (float32, to relu5_1), Gram matrices, kernels' workspace
FREE_SHARE = 0.9  # never plan on the last tenth of what the driver reports free


def job_bytes(params: StyleParams, content_size: tuple[int, int], element_bytes: int) -> int:
    """Peak bytes of a job on a GPU: its largest (final) scale."""
    width, height = fit_size(*content_size, params.size)
    pixels = width * height
    activations = ACTIVATION_FLOATS * element_bytes * ALLOCATOR_SLACK
    if params.optimizer == "lbfgs":
        history = min(lbfgs.HISTORY_SIZE, params.scale_steps()[-1])
        optimiser = 3 * 4 * (2 * history + 6)  # RGB float32 vectors: (s, y) pairs, grads, dir
    else:
        optimiser = 3 * 4 * 4  # Adam: two moments, the gradient, the image
    return int(pixels * (activations + optimiser) + FIXED_BYTES)


def largest_size(
    params: StyleParams, content_size: tuple[int, int], element_bytes: int, budget: float
) -> int | None:
    """The largest output size (a multiple of 64) whose job fits ``budget`` bytes."""
    for size in range(params.size - params.size % 64, 127, -64):
        if job_bytes(params.replace(size=size), content_size, element_bytes) <= budget:
            return size
    return None


def check_fits(params: StyleParams, content_size: tuple[int, int]) -> str | None:
    """On a dedicated CUDA GPU: None if the job fits its free memory, else what to lower."""
    device = torch.device("cuda")
    element_bytes = resolve_precision(params.precision, device).itemsize
    free, _total = torch.cuda.mem_get_info()
    budget = FREE_SHARE * free
    need = job_bytes(params, content_size, element_bytes)
    if need <= budget:
        return None
    largest = largest_size(params, content_size, element_bytes, budget)
    lower = f"lower the output size to {largest} px or less" if largest else "try again later"
    return (
        f"This job needs about {need / 2**30:.1f} GB of GPU memory at {params.size} px and "
        f"{budget / 2**30:.1f} GB are free here: {lower}."
    )
