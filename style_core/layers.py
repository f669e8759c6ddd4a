"""VGG19's layer names (``conv1_1`` ... ``pool5``, as in the VGG paper), with no dependencies.

``params`` validates layer names against this table and ``vgg`` builds the network from it;
it lives apart from both so that neither module has to import the other to know the names.
"""

from __future__ import annotations

# (block, convolutions in it): VGG19 "E" configuration (Simonyan & Zisserman 2015, Table 1).
BLOCKS = ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4))


def _layer_names() -> tuple[str, ...]:
    names: list[str] = []
    for block, convs in BLOCKS:
        for conv in range(1, convs + 1):
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
        names.append(f"pool{block}")
    return tuple(names)


LAYER_NAMES: tuple[str, ...] = _layer_names()
CONV_NAMES: tuple[str, ...] = tuple(n for n in LAYER_NAMES if n.startswith("conv"))

# Output channels of each block's convolutions (Simonyan & Zisserman 2015, Table 1).
_BLOCK_CHANNELS = {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}


def channels(name: str) -> int:
    """Channels of a layer's output, e.g. 512 for ``relu4_1`` (``pool3``: 256)."""
    if name not in LAYER_NAMES:
        raise ValueError(f"unknown VGG19 layer {name!r}")
    block = int(name.removeprefix("conv").removeprefix("relu").removeprefix("pool")[0])
    return _BLOCK_CHANNELS[block]


def receptive_field(layer: str) -> tuple[int, int]:
    """(size, stride) in input pixels of one position at ``layer``: each 3x3 convolution
    widens the field by 2 strides, each 2x2 pooling by 1 and doubles the stride."""
    size, stride = 1, 1
    for name in LAYER_NAMES[: LAYER_NAMES.index(layer) + 1]:
        if name.startswith("conv"):
            size += 2 * stride
        elif name.startswith("pool"):
            size, stride = size + stride, stride * 2
    return size, stride
