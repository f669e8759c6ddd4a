"""What the network sees: feature maps, Gram matrices ordered to show their structure, and
the image patches that excite a channel most. One forward pass per image, no optimisation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from style_core.devices import resolve_device
from style_core.images import to_tensor
from style_core.layers import receptive_field
from style_core.params import StyleParams
from style_core.vgg import get_vgg19


def cluster_order(similarity: torch.Tensor) -> torch.Tensor:
    """A channel order that puts similar channels next to each other, so that the Gram
    matrix shows blocks: the leaves of an average-linkage (UPGMA) clustering on distance
    1 - similarity, (C, C) -> (C,). Plain numpy; C <= 512 merges take well under a second."""
    count = len(similarity)
    distance = 1 - similarity.double().numpy()
    np.fill_diagonal(distance, np.inf)
    sizes, members = np.ones(count), [[index] for index in range(count)]
    for _ in range(count - 1):
        first, second = np.unravel_index(np.argmin(distance), distance.shape)
        # Average linkage: the merged cluster's distance to any other is the size-weighted mean.
        merged = (distance[first] * sizes[first] + distance[second] * sizes[second]) / (
            sizes[first] + sizes[second]
        )
        distance[first, :], distance[:, first] = merged, merged
        distance[first, first] = np.inf
        distance[second, :], distance[:, second] = np.inf, np.inf
        sizes[first] += sizes[second]
        members[first], members[second] = members[first] + members[second], []
    return torch.tensor(next(leaves for leaves in members if leaves))


def correlations(gram: torch.Tensor) -> torch.Tensor:
    """Gram matrix -> cosine similarities of the channels (1 on the diagonal), (C, C)."""
    norms = gram.diagonal().clamp_min(1e-12).sqrt()
    return gram / torch.outer(norms, norms)


@torch.no_grad()
def layer_features(image: Image.Image, layer: str, device_name: str = "auto") -> torch.Tensor:
    """(C, h, w) float32 features of an RGB image at ``layer`` (bundled Caffe VGG19, the
    engine's default network and pooling), on the CPU."""
    device = resolve_device(device_name)
    net = get_vgg19("vgg19-caffe", StyleParams().pooling, device)
    return net(to_tensor(image, device), (layer,))[layer][0].float().cpu()


def strongest_patches(
    sources: Sequence[tuple[Image.Image, torch.Tensor]], layer: str, count: int
) -> list[tuple[int, Image.Image]]:
    """The ``count`` crops, over all (image, channel map (h, w)) sources, where the channel
    fires most: (source index, crop of the layer's receptive field). Crops of one image
    overlap by at most half a field, so one bright spot does not fill every tile."""
    size, stride = receptive_field(layer)
    apart = max(1, size // (2 * stride))  # positions closer than this overlap by > half
    ranked = sorted(
        (
            (float(value), source, row, column)
            for source, (_, activation) in enumerate(sources)
            for (row, column), value in np.ndenumerate(activation.numpy())
        ),
        reverse=True,
    )
    chosen: list[tuple[int, int, int]] = []
    for _, source, row, column in ranked:
        if all(s != source or max(abs(r - row), abs(c - column)) >= apart for s, r, c in chosen):
            chosen.append((source, row, column))
            if len(chosen) == count:
                break
    return [(s, receptive_crop(sources[s][0], r, c, size, stride)) for s, r, c in chosen]


def receptive_crop(
    image: Image.Image, row: int, column: int, size: int, stride: int
) -> Image.Image:
    """The receptive field of one position, moved inside the image where it sticks out
    (zero padding lets deep fields reach past the borders; the part inside is what fired)."""
    centre_x, centre_y = (column + 0.5) * stride, (row + 0.5) * stride
    left = round(min(max(centre_x - size / 2, 0), max(image.width - size, 0)))
    top = round(min(max(centre_y - size / 2, 0), max(image.height - size, 0)))
    return image.crop((left, top, left + min(size, image.width), top + min(size, image.height)))
