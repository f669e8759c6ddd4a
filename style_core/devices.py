"""Device and precision choice. Nothing here touches CUDA at import time (ZeroGPU needs that)."""

from __future__ import annotations

import contextlib

import torch

from style_core.params import DeviceName, Precision


def resolve_device(name: DeviceName = "auto") -> torch.device:
    """auto = CUDA, then Apple MPS, then CPU. Asking for a missing device is an error."""
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ValueError(f"device {name!r} is not available on this machine; use 'auto' or 'cpu'")
    return torch.device(name)


def cpu_has_fast_bf16() -> bool:
    # Private helper, but the only way to ask; without native bf16 (AVX512-BF16/AMX) autocast
    # on CPU is slower than fp32, so fall back to fp32 if torch ever drops it.
    probe = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    return bool(probe and probe())


def resolve_precision(precision: Precision, device: torch.device) -> torch.dtype:
    """The dtype the network runs in. Losses always stay float32."""
    if precision == "fp32":
        return torch.float32
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        if device.type == "cpu":
            raise ValueError("precision 'fp16' is not supported on the CPU; use 'bf16' or 'fp32'")
        return torch.float16
    if device.type == "cuda":
        # Native bf16 only (Ampere and newer). Not fp16: the relative losses give tiny
        # gradients that underflow in fp16 without loss scaling, and L-BFGS then stalls.
        return (
            torch.bfloat16
            if torch.cuda.is_bf16_supported(including_emulation=False)
            else torch.float32
        )
    if device.type == "cpu" and cpu_has_fast_bf16():
        return torch.bfloat16
    return torch.float32  # MPS autocast is not reliably faster; keep fp32 there


def autocast(device: torch.device, dtype: torch.dtype) -> contextlib.AbstractContextManager:
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)
