"""Memory a job needs, scale by scale, and how much this device lets it use.

Per pixel a VGG19 pass to relu5_1 keeps every conv and ReLU output for the backward pass (the
ReLUs are not in place), about ``ACTIVATION_FLOATS`` values in the network's precision; the
style loss keeps float32 copies of the style layers' features per region it matches
(``loss_bytes_per_pixel``). Those are paid on the pixels the network sees at once: the whole
scale, or one tile's window when the scale is evaluated in tiles (style_core.tiles). What is
image-sized whatever the tiling: the image, its gradient and the content's targets
(``IMAGE_BYTES_PER_PIXEL``), and L-BFGS's curvature pairs, ``2 x history`` float32 images,
which is why large scales keep fewer of them (``history_pairs``). The rest (weights, the
statistics) is a fixed part.

style_core.plan reads this to choose a scale's tile size; the app reads it to refuse a job a
GPU cannot hold; tests/test_memory.py and tests/test_memory_buffers.py measure it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from style_core.layers import channels
from style_core.vgg import poolings_before

# conv + ReLU outputs per pixel, blocks 1-5 up to relu5_1: 2 x (2x64 + 2x128/4 + 4x256/16 +
# 4x512/64 + 512/256) = 580, plus the pooling outputs (30). tests/test_memory.py counts them on
# the real network.
ACTIVATION_FLOATS = 610
ALLOCATOR_SLACK = 1.5  # backward transients and the caching allocator's fragmentation
FIXED_BYTES = 400 * 2**20  # weights (float32, to relu5_1), statistics, kernels' workspace
FREE_SHARE = 0.9  # never plan on the last tenth of what the GPU's driver reports free
FLOAT32_BYTES = 4  # the loss maths runs in float32 whatever the network's precision
# Image-sized float32 buffers besides the optimiser's: the image, its gradient, the content
# (RGB and what the content loss sees), the start image, and the content's relu4_2 targets
# (512 channels on 1/64 of the pixels).
IMAGE_BYTES_PER_PIXEL = FLOAT32_BYTES * (5 * 3 + 8)
# L-BFGS keeps up to lbfgs.HISTORY_SIZE curvature pairs, but never more than this many bytes
# of them (nor a quarter of the job's memory): 100 pairs of a 4096 x 3072 image would be
# 30 GB. A 1024 x 768 scale keeps all 100 where memory allows.
HISTORY_BYTES = 2 * 2**30
MIN_HISTORY = 5  # pairs: fewer and L-BFGS is little better than a gradient step
# On a CPU a job plans on half the memory the OS says is available, and on no more than this:
# a 2-core server's other users, and the 6 GB a 2048 px job is promised, come first.
CPU_BUDGET_BYTES = 4 * 2**30


@dataclass(frozen=True)
class Memory:
    """What a job may use on a device, and what shapes its need."""

    budget: float  # bytes the job may plan on
    element_bytes: int  # the network's precision: 2 (bf16, fp16) or 4
    styles: int = 1  # style images
    masked: bool = False  # a mask says where each style goes (one region per style)


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


def network_bytes_per_pixel(style_layers: tuple[str, ...], statistic: str, memory: Memory) -> float:
    """Bytes per pixel the network sees at once: activations and the loss's buffers."""
    loss = loss_bytes_per_pixel(
        style_layers,
        statistic,
        memory.element_bytes,
        styles=memory.styles,
        masked=memory.masked,
    )
    return (ACTIVATION_FLOATS * memory.element_bytes + loss) * ALLOCATOR_SLACK


def history_pairs(pixels: int, steps: int, history_size: int, budget: float = float("inf")) -> int:
    """L-BFGS curvature pairs a scale of this many pixels keeps: no more than it has steps,
    nor than HISTORY_BYTES or a quarter of the job's memory ``budget`` hold."""
    room = min(HISTORY_BYTES, budget / 4)
    affordable = int(room // (2 * 3 * FLOAT32_BYTES * pixels))
    return max(1, min(history_size, steps, max(MIN_HISTORY, affordable)))


def optimiser_bytes_per_pixel(optimizer: str, history: int) -> int:
    if optimizer == "lbfgs":  # (s, y) pairs, the kept point and gradient, the direction
        return 3 * FLOAT32_BYTES * (2 * history + 4)
    return 3 * FLOAT32_BYTES * 2  # Adam's two moments


def scale_bytes(
    pixels: int,
    network_pixels: int,
    optimiser_per_pixel: int,
    network_per_pixel: float,
) -> int:
    """Peak bytes of one scale: image-sized buffers on its ``pixels``, the network's on the
    ``network_pixels`` it sees at once (all of them, or one tile's window)."""
    image_sized = pixels * (IMAGE_BYTES_PER_PIXEL + optimiser_per_pixel)
    return int(image_sized + network_pixels * network_per_pixel + FIXED_BYTES)


def device_budget(device: torch.device) -> float:
    """Bytes a job may plan on here: 90% of a GPU's free memory; on a CPU half the memory
    available, at most CPU_BUDGET_BYTES; on Apple MPS half its recommended working set.
    Touches CUDA: on ZeroGPU call it only inside the GPU call."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return FREE_SHARE * free
    if device.type == "mps":
        return 0.5 * torch.mps.recommended_max_memory()
    return min(CPU_BUDGET_BYTES, 0.5 * _available_bytes())


def _available_bytes() -> float:
    """Memory the OS can give without swapping (Linux MemAvailable; elsewhere all of it)."""
    try:
        with open("/proc/meminfo") as lines:
            for line in lines:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2.0 * CPU_BUDGET_BYTES
