"""GPU memory a job needs, from its pixels, so a dedicated GPU refuses what it cannot hold
before any work (ZeroGPU slices are large enough for every slider value: see README).

Per output pixel of the largest scale, a VGG19 pass to relu5_1 keeps every conv and ReLU
output for the backward pass (the ReLUs are not in place), about ``ACTIVATION_FLOATS`` values
in the network's precision; the style loss keeps float32 copies of the style layers' features
per region it matches (``loss_bytes_per_pixel``); L-BFGS keeps ``2 x history`` image-sized
float32 vectors (its curvature pairs) plus a few more. The rest (weights, Gram matrices) is a
fixed part.
"""

from __future__ import annotations

import torch

from style_core import StyleParams, lbfgs
from style_core.devices import resolve_precision
from style_core.layers import channels
from style_core.plan import plan_job
from style_core.vgg import poolings_before

# conv + ReLU outputs per pixel, blocks 1-5 up to relu5_1: 2 x (2x64 + 2x128/4 + 4x256/16 +
# 4x512/64 + 512/256) = 580, plus the pooling outputs (30). tests/test_app_memory.py counts
# them on the real network.
ACTIVATION_FLOATS = 610
ALLOCATOR_SLACK = 1.5  # backward transients and the caching allocator's fragmentation
FIXED_BYTES = 400 * 2**20  # weights (float32, to relu5_1), Gram matrices, kernels' workspace
FREE_SHARE = 0.9  # never plan on the last tenth of what the driver reports free
FLOAT32_BYTES = 4  # the loss maths runs in float32 whatever the network's precision


def loss_bytes_per_pixel(
    style_layers: tuple[str, ...],
    statistic: str,
    element_bytes: int,
    *,
    styles: int = 1,
    masked: bool = False,
) -> float:
    """Bytes per output pixel that the style loss (style_core.losses) keeps for the backward
    pass, beyond the activations: per region it matches (one without a mask, one per style
    with one) and per style layer position (a layer n poolings deep has 1/4^n per pixel):
    - mean and covariance: the centred float32 features (C floats) and two weight maps (the
      mask or ones, and its square root);
    - Gram with a mask: the masked float32 features (C floats) and the mask;
    - Gram without a mask: the float32 features, a copy only when the network ran in a
      half precision (in float32 they are the activation itself, counted above).
    The full-size mask the engine keeps (4 B/px) is left to the slack.
    tests/test_memory_buffers.py measures these buffers on real jobs."""
    regions = styles if masked else 1
    per_position = 0.0
    for layer in style_layers:
        if statistic != "gram":  # as style_core.losses.style_statistics: mean and covariance
            floats = channels(layer) + 2
        elif masked:
            floats = channels(layer) + 1
        else:
            floats = channels(layer) if element_bytes < FLOAT32_BYTES else 0
        per_position += floats / 4 ** poolings_before(layer)
    return regions * FLOAT32_BYTES * per_position


def job_bytes(
    params: StyleParams,
    content_size: tuple[int, int],
    element_bytes: int,
    *,
    styles: int = 1,
    masked: bool = False,
) -> int:
    """Peak bytes of a job on a GPU: its largest (final) scale, with ``styles`` style images
    and, if ``masked``, a mask saying where each goes. Every style layer is counted, although
    the engine's rank rule may match fewer at the final scale."""
    plan = plan_job(params, content_size)
    width, height = plan.output_size
    pixels = width * height
    loss = loss_bytes_per_pixel(
        params.style_layers, params.style_statistic, element_bytes, styles=styles, masked=masked
    )
    saved = (ACTIVATION_FLOATS * element_bytes + loss) * ALLOCATOR_SLACK  # for the backward
    if params.optimizer == "lbfgs":
        history = min(lbfgs.HISTORY_SIZE, plan.scales[-1].steps)
        optimiser = 3 * 4 * (2 * history + 6)  # RGB float32 vectors: (s, y) pairs, grads, dir
    else:
        optimiser = 3 * 4 * 4  # Adam: two moments, the gradient, the image
    return int(pixels * (saved + optimiser) + FIXED_BYTES)


def largest_size(
    params: StyleParams,
    content_size: tuple[int, int],
    element_bytes: int,
    budget: float,
    *,
    styles: int = 1,
    masked: bool = False,
) -> int | None:
    """The largest output size (a multiple of 64) whose job fits ``budget`` bytes."""
    for size in range(params.size - params.size % 64, 127, -64):
        need = job_bytes(
            params.replace(size=size), content_size, element_bytes, styles=styles, masked=masked
        )
        if need <= budget:
            return size
    return None


def check_fits(
    params: StyleParams, content_size: tuple[int, int], *, styles: int = 1, masked: bool = False
) -> str | None:
    """On a dedicated CUDA GPU: None if the job (``styles`` style images, ``masked`` if a mask
    says where they go) fits its free memory, else what to lower."""
    device = torch.device("cuda")
    element_bytes = resolve_precision(params.precision, device).itemsize
    free, _total = torch.cuda.mem_get_info()
    budget = FREE_SHARE * free
    shape = {"styles": styles, "masked": masked}
    need = job_bytes(params, content_size, element_bytes, **shape)
    if need <= budget:
        return None
    largest = largest_size(params, content_size, element_bytes, budget, **shape)
    lower = f"lower the output size to {largest} px or less" if largest else "try again later"
    return (
        f"This job needs about {need / 2**30:.1f} GB of GPU memory at {params.size} px and "
        f"{budget / 2**30:.1f} GB are free here: {lower}."
    )
