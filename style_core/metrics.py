"""A fixed quality yardstick for comparing runs and tools, independent of any run's settings.

C = ||F(out) - F(content)|| / ||F(content)|| at relu4_2, and
S = mean over relu1_1..relu5_1 of ||G(out) - G(style)|| / ||G(style)||,
with G the Gram matrix normalised by C*H*W, all on the bundled Caffe VGG19 (max pooling, fp32)
with every image resized to a 256 px long side. Lower is better for both.
"""

from __future__ import annotations

import torch

from style_core.images import ImageInput, fit_size, load_image, resize, to_tensor
from style_core.losses import gram_matrix
from style_core.params import CONTENT_LAYERS_DEFAULT, STYLE_LAYERS_DEFAULT
from style_core.vgg import get_vgg19

YARDSTICK_SIZE = 256


def _features(image: ImageInput) -> dict[str, torch.Tensor]:
    picture = load_image(image)
    picture = resize(picture, fit_size(*picture.size, YARDSTICK_SIZE))
    net = get_vgg19("vgg19-caffe", "max", torch.device("cpu"))
    with torch.no_grad():
        return net(to_tensor(picture), CONTENT_LAYERS_DEFAULT + STYLE_LAYERS_DEFAULT)


def content_error(output: ImageInput, content: ImageInput) -> float:
    """C: relative relu4_2 feature distance (needs both images at the same aspect ratio)."""
    layer = CONTENT_LAYERS_DEFAULT[0]
    out, ref = _features(output)[layer], _features(content)[layer]
    if out.shape != ref.shape:
        out = torch.nn.functional.interpolate(out, size=ref.shape[-2:], mode="bilinear")
    return float((out - ref).norm() / ref.norm())


def style_error(output: ImageInput, style: ImageInput) -> float:
    """S: mean relative Gram distance over relu1_1..relu5_1."""
    out, ref = _features(output), _features(style)
    errors = []
    for layer in STYLE_LAYERS_DEFAULT:
        out_gram, ref_gram = gram_matrix(out[layer]), gram_matrix(ref[layer])
        errors.append(float((out_gram - ref_gram).norm() / ref_gram.norm()))
    return sum(errors) / len(errors)
