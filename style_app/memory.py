"""The plan a job gets where the app runs (its tiles chosen by the device's memory), and a
dedicated GPU refusing, before any work, a job that does not fit even in tiles."""

from __future__ import annotations

from collections.abc import Sequence

from style_app.config import ZERO_GPU
from style_core import StyleParams
from style_core.engine import device_plan
from style_core.memory import FREE_SHARE, Memory, device_budget
from style_core.plan import JobPlan, plan_job

ZERO_GPU_ELEMENT_BYTES = 2  # ZeroGPU's H200 slices run the network in bf16


def zero_gpu_memory(styles: int = 1, masked: bool = False) -> Memory:
    """What a ZeroGPU call may use, known without touching CUDA (spaces' own setting)."""
    from spaces.config import Settings  # every Space has spaces; only ZeroGPU needs this

    budget = FREE_SHARE * Settings().zerogpu_cuda_total_memory
    return Memory(budget, ZERO_GPU_ELEMENT_BYTES, styles, masked)


def plan_here(
    params: StyleParams,
    content_size: tuple[int, int],
    style_sizes: Sequence[tuple[int, int]] = (),
    **shape: int,
) -> JobPlan:
    """The plan the engine will make for this job on this app's device (``shape``: styles,
    masked, start_side, as ``engine.device_plan`` takes them; ``style_sizes``: the style
    pictures' sizes, where known, for how deep each scale's network runs). On ZeroGPU the
    main process may not touch CUDA, so it plans on the slice's known memory."""
    start_side = shape.pop("start_side", 0)
    if ZERO_GPU:
        memory = zero_gpu_memory(**shape)
        return plan_job(params, content_size, memory, start_side, style_sizes)
    try:
        return device_plan(
            params, content_size, **shape, start_side=start_side, style_sizes=style_sizes
        )
    except RuntimeError:  # no driver to ask (tests build the GPU page on a CPU host)
        return plan_job(params, content_size, start_side=start_side, style_sizes=style_sizes)


def largest_size(
    params: StyleParams, content_size: tuple[int, int], memory: Memory, start_side: int = 0
) -> int | None:
    """The largest output size (a multiple of 64) whose job fits ``memory``, tiles included."""
    for size in range(params.size - params.size % 64, max(127, start_side), -64):
        plan = plan_job(params.replace(size=size), content_size, memory, start_side)
        if plan.peak_bytes <= memory.budget:
            return size
    return None


def check_fits(
    params: StyleParams,
    content_size: tuple[int, int],
    *,
    styles: int = 1,
    masked: bool = False,
    start_side: int = 0,
) -> str | None:
    """On a dedicated CUDA GPU: None if the job (tiled where it must be) fits the free
    memory, else the largest size that does."""
    import torch  # the app's main process touches CUDA only on a dedicated GPU

    from style_core.devices import resolve_precision

    device = torch.device("cuda")
    element_bytes = resolve_precision(params.precision, device).itemsize
    memory = Memory(device_budget(device), element_bytes, styles, masked)
    need = plan_job(params, content_size, memory, start_side).peak_bytes
    if need <= memory.budget:
        return None
    largest = largest_size(params, content_size, memory, start_side)
    lower = f"lower the output size to {largest} px or less" if largest else "try again later"
    return (
        f"This job needs about {need / 2**30:.1f} GB of GPU memory at {params.size} px, even "
        f"in tiles, and {memory.budget / 2**30:.1f} GB are free here: {lower}."
    )
