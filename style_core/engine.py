"""The optimisation loop: a generator of progress snapshots.

Gatys et al. (2016) optimise the pixels of an image so that its VGG19 features match the
content image at deep layers and its Gram matrices match the style image(s). We match each
style layer's feature mean and covariance by default (the Gram matrix is an option: see
losses.py) and add coarse-to-fine optimisation (each scale starts from the upsampled previous
result), which reaches a given quality at 512 px many times faster than optimising at full
size only.
An optional mask says where the style goes (guided statistics, Gatys et al. 2017).

Usage::

    for snapshot in stylize(content, [style], StyleParams()):
        if snapshot.image is not None:
            show(snapshot.image)
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter

from style_core import color, tiles
from style_core.devices import autocast, resolve_device, resolve_precision
from style_core.images import (
    ImageInput,
    fit_size,
    load_image,
    load_mask,
    resize,
    to_pil,
    to_tensor,
)
from style_core.lbfgs import LBFGS
from style_core.losses import (
    blend_statistics,
    content_loss,
    style_loss,
    style_statistics,
    total_variation,
)
from style_core.memory import Memory, device_budget
from style_core.params import MAX_STYLES, StyleParams
from style_core.plan import (
    JobPlan,
    ScalePlan,
    matched_layers,
    own_pixels,
    plan_job,
    scale_style_layers,
    style_side,
)
from style_core.vgg import VGG19Features, get_vgg19, poolings_before

# L-BFGS step lengths in pixels (0..1). Until it knows the curvature, a gradient step moves the
# most changed pixel by 1/20 of the range (torch's first step moved it ~1/N: one wasted
# evaluation, then several crawling ones); no step moves a pixel more than 1/4 (an early
# quasi-Newton step can propose 15x the range and cost two backtracks). benchmarks/RESULTS.md,
# "Engine v3, third step".
LBFGS_GRADIENT_STEP: float | None = 0.05
LBFGS_MAX_STEP: float | None = 0.25


@dataclass(frozen=True)
class Snapshot:
    """Progress of a run. The last snapshot has ``done=True`` and the full-size result."""

    iteration: int  # iterations finished, over all scales
    total: int  # iterations planned, over all scales
    scale: int  # 1-based index of the current coarse-to-fine scale
    scales: int  # number of scales
    size: tuple[int, int]  # (width, height) being optimised now
    elapsed: float  # seconds since the run started (image loading included)
    progress: float  # 0..1, estimated share of the work done (larger scales cost more)
    losses: Mapping[str, float] = field(default_factory=dict)  # content, style, tv, total
    image: Image.Image | None = None  # preview at the current scale, when one is due
    done: bool = False

    @property
    def eta(self) -> float | None:
        """Estimated seconds left, or None before there is anything to go on."""
        if self.done:
            return 0.0
        if self.progress <= 0:
            return None
        return self.elapsed * (1 - self.progress) / self.progress


@dataclass(frozen=True)
class Temporal:
    """Holds a video frame to the previous stylised frame carried onto it by optical flow
    (Ruder et al. 2016; style_core.video): ``weight`` x the mean squared pixel difference
    from ``target``, counted where ``confidence`` says the flow can be trusted."""

    target: torch.Tensor  # (1, 3, H, W) in 0..1, the output's size
    confidence: torch.Tensor  # (1, 1, H, W) in 0..1
    weight: float


@dataclass
class _Scale:
    """Per-scale targets; built fresh for every run (run state never outlives the call)."""

    size: tuple[int, int]
    steps: int
    tile: int  # evaluated in tiles of this many px; 0 = whole (style_core.plan)
    history: int  # L-BFGS curvature pairs kept
    content_rgb: torch.Tensor  # (1, 3, H, W) the content image at this size
    content: torch.Tensor  # what the content loss sees: content_rgb (grey in luminance mode)
    content_targets: dict[str, torch.Tensor]
    content_statistics: dict[str, torch.Tensor]  # per style layer: the style error's floor
    style_layers: tuple[str, ...]  # the style layers used at this scale
    regions: list[tiles.Region]  # one per style with a mask; one blended target without
    keep: torch.Tensor | None  # (1, 1, H, W) where the content stays (a mask, one style)
    style_image: torch.Tensor  # (1, 3, H, W) first style at output size, for init="style"
    temporal: Temporal | None = None  # a video frame's hold on the frame before (this size)


def stylize(
    content: ImageInput,
    styles: ImageInput | Sequence[ImageInput],
    params: StyleParams | None = None,
    mask: ImageInput | None = None,
    start: ImageInput | None = None,
    temporal: Temporal | None = None,
) -> Iterator[Snapshot]:
    """Run style transfer, yielding a Snapshot per iteration and a final one with the result.

    ``mask`` (optional, any image input; see ``images.load_mask``) says where the style goes:
    white = style, black = keep the content, grey blends; with two styles, white = the first
    and black = the second. ``start`` (optional): a finished result of the same job to
    continue from (Enlarge): only the scales above its size are optimised, from it
    upsampled, ``params.steps`` shared equally between them; a ``start`` of the output's
    own size is refined at that size alone (a video frame from the one before).
    ``temporal`` (optional, with such a start): a video frame's temporal term. Stop early by
    closing the generator (or just stop iterating): the work halts at once and tensors are
    released.
    Raises ValueError (ImageError for images) on bad input, before any heavy work.
    """
    params = (params or StyleParams()).validate()
    started = time.perf_counter()
    # 1. Check and decode every input up front.
    inputs = _load_inputs(content, styles, mask, params)
    image = None if start is None else _start_image(start, inputs, params)
    if temporal is not None and (image is None or max(image.shape[-2:]) != params.size):
        raise ValueError("a temporal term needs a start image of the output's size")
    # 2. Device, precision and the shared frozen network.
    device = resolve_device(params.device)
    dtype = resolve_precision(params.precision, device)
    net = get_vgg19(params.backbone, params.pooling, device)
    generator = torch.Generator().manual_seed(params.seed)
    # 3. Coarse-to-fine optimisation, each scale starting from the previous result.
    start_side = 0 if image is None else max(image.shape[-2:])
    shape = {"styles": len(inputs.styles), "masked": inputs.mask is not None}
    plan = device_plan(params, inputs.content.size, start_side=start_side, **shape)
    clock = _Clock(started, plan, params)
    if image is not None:
        image = image.to(device)
    for index, planned in enumerate(plan.scales):
        scale = _build_scale(net, dtype, device, inputs, params, planned)
        if temporal is not None:
            scale.temporal = _temporal_at(temporal, scale, params)
        start = _initial_image(image, scale, params, generator)
        for step, losses, image in _optimise(net, dtype, start, scale, params):
            yield clock.tick(index, step, scale, losses, image)
        image = _keep_content(image, scale)  # the next scale starts from what is shown
    # 4. The full-resolution result.
    yield clock.finish(scale, losses, image)


def device_plan(
    params: StyleParams,
    content_size: tuple[int, int],
    *,
    styles: int = 1,
    masked: bool = False,
    start_side: int = 0,
    style_sizes: Sequence[tuple[int, int]] = (),
) -> JobPlan:
    """The plan a job gets on the device it resolves to here: its memory decides the tiles
    (``tile_size=-1``); ``style_sizes`` how deep each scale's network runs (plan_job).
    Touches CUDA: on ZeroGPU only inside the GPU call."""
    device = resolve_device(params.device)
    element_bytes = resolve_precision(params.precision, device).itemsize
    memory = Memory(device_budget(device), element_bytes, styles, masked)
    return plan_job(params, content_size, memory, start_side, style_sizes)


def _start_image(start: ImageInput, inputs: _Inputs, params: StyleParams) -> torch.Tensor:
    """A finished result to continue from, (1, 3, h, w) on the CPU: grey in luminance mode
    (the optimised image is), and of the content's shape."""
    image = load_image(start, "result to enlarge", max_side=params.size)
    check_start_shape(image.size, inputs.content.size)
    tensor = to_tensor(image)
    return color.grey(tensor) if params.color == "luminance" else tensor


def check_start_shape(start_size: tuple[int, int], content_size: tuple[int, int]) -> None:
    """Refuse (ValueError) a result to enlarge whose shape is not the content's: it was not
    made from this content. Public so that the app can refuse before it asks for a GPU."""
    (width, height), (content_width, content_height) = start_size, content_size
    if abs(width / height - content_width / content_height) > 0.02 * width / height:
        raise ValueError(
            f"the result to enlarge is {width}x{height} but the content image is "
            f"{content_width}x{content_height}: not the same shape, so not this job's result"
        )


class _Clock:
    """Turns optimiser steps into Snapshots: counts, progress by work done, preview throttle."""

    def __init__(self, started: float, plan: JobPlan, params: StyleParams) -> None:
        self.started, self.work, self.params = started, plan.work(), params
        self.total, self.done = plan.steps, 0
        self.last_preview = float("-inf")

    def tick(
        self, index: int, step: int, scale: _Scale, losses: dict[str, float], image: torch.Tensor
    ) -> Snapshot:
        self.done += 1
        now = time.perf_counter()
        every = self.params.preview_every
        preview = None
        if now - self.last_preview >= self.params.preview_seconds or (
            every and self.done % every == 0
        ):
            preview, self.last_preview = _finish(image, scale, self.params), now
        done_work = sum(self.work[:index]) + self.work[index] * step / scale.steps
        return self._snapshot(index + 1, scale, losses, now, done_work / sum(self.work), preview)

    def finish(self, scale: _Scale, losses: dict[str, float], image: torch.Tensor) -> Snapshot:
        final = _finish(image, scale, self.params)
        return self._snapshot(len(self.work), scale, losses, time.perf_counter(), 1.0, final, True)

    def _snapshot(self, scale_number, scale, losses, now, progress, image, done=False) -> Snapshot:
        return Snapshot(
            iteration=self.done,
            total=self.total,
            scale=scale_number,
            scales=len(self.work),
            size=scale.size,
            elapsed=now - self.started,
            progress=progress,
            losses=MappingProxyType(dict(losses)),
            image=image,
            done=done,
        )


def run(
    content: ImageInput,
    styles: ImageInput | Sequence[ImageInput],
    params: StyleParams | None = None,
    mask: ImageInput | None = None,
) -> Image.Image:
    """Convenience: run to the end and return the final image."""
    (final,) = deque(stylize(content, styles, params, mask), maxlen=1)  # keep only the last
    return final.image


@dataclass
class _Inputs:
    """The decoded images of a run."""

    content: Image.Image
    styles: list[Image.Image]
    blend: list[float]  # each style's share (sums to 1); unused with a mask
    mask: Image.Image | None  # "L" at the content's size: white = (first) style


def _load_inputs(
    content: ImageInput,
    styles: ImageInput | Sequence[ImageInput],
    mask: ImageInput | None,
    params: StyleParams,
) -> _Inputs:
    if isinstance(styles, (str, bytes, bytearray, os.PathLike, Image.Image)) or not isinstance(
        styles, Sequence
    ):
        styles = [styles]  # a single style (path, PIL image or array)
    if len(styles) == 0:
        raise ValueError("give at least one style image")
    if len(styles) > MAX_STYLES:
        raise ValueError(f"at most {MAX_STYLES} style images; got {len(styles)}")
    if params.style_blend and len(params.style_blend) != len(styles):
        raise ValueError(
            f"style_blend has {len(params.style_blend)} weights but there are {len(styles)} style images"
        )
    if mask is not None and len(styles) > 2:
        raise ValueError(
            f"a mask splits the picture between two styles at most; got {len(styles)} styles"
        )
    if mask is not None and params.style_blend:
        raise ValueError(
            "style_blend does not apply with a mask: the mask says where each style goes"
        )
    # Decode no larger than needed (JPEG draft); resizing to exact sizes happens per scale.
    content_image = load_image(content, "content image", max_side=params.size)
    names = (
        ["style image"]
        if len(styles) == 1
        else [f"style image {i + 1}" for i in range(len(styles))]
    )
    style_images = [
        load_image(style, name, max_side=style_side(params, params.size))
        for style, name in zip(styles, names)
    ]
    mask_image = None if mask is None else load_mask(mask, content_image.size)
    weights = list(params.style_blend) or [1.0] * len(styles)
    blend = [w / sum(weights) for w in weights]
    return _Inputs(content_image, style_images, blend, mask_image)


def _build_scale(
    net: VGG19Features,
    dtype: torch.dtype,
    device: torch.device,
    inputs: _Inputs,
    params: StyleParams,
    planned: ScalePlan,
) -> _Scale:
    size, steps = planned.size, planned.steps
    content_rgb = to_tensor(resize(inputs.content, size), device)
    content = color.grey(content_rgb) if params.color == "luminance" else content_rgb
    content_targets, content_statistics = _features_and_statistics(
        net, dtype, content, params.content_layers, params, planned.tile
    )
    styles = [
        _prepare_style(image, content, planned.style_side, params, device)
        for image in inputs.styles
    ]
    per_style = [_style_statistics(net, dtype, style, params, planned.tile) for style in styles]
    layers = matched_layers(
        params, [_own_size(image, s) for image, s in zip(inputs.styles, styles)]
    )
    regions, keep = _regions(per_style, layers, inputs, size, device, params.style_statistic)
    style_for_init = F.interpolate(
        styles[0], size=content.shape[-2:], mode="bilinear", antialias=True, align_corners=False
    )
    return _Scale(
        size,
        steps,
        planned.tile,
        planned.history,
        content_rgb,
        content,
        content_targets,
        content_statistics,
        layers,
        regions,
        keep,
        style_for_init,
    )


def _temporal_at(temporal: Temporal, scale: _Scale, params: StyleParams) -> Temporal:
    """The temporal term at this scale's size and device, grey in luminance mode (the
    optimised image is)."""
    size = scale.content.shape[-2:]

    def fit(tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.float().to(scale.content.device)
        if tensor.shape[-2:] == size:
            return tensor
        return F.interpolate(tensor, size=size, mode="bilinear", align_corners=False)

    target = fit(temporal.target)
    if params.color == "luminance":
        target = color.grey(target)
    return Temporal(target, fit(temporal.confidence), temporal.weight)


def matched_style_layers(
    params: StyleParams, style_sizes: Sequence[tuple[int, int]]
) -> tuple[str, ...]:
    """The style layers a job's last (full-size) scale matches, for style images of these
    (width, height): what the page says a job used. Earlier, smaller scales may use fewer."""
    params = params.validate()
    return scale_style_layers(params, style_side(params, params.size), style_sizes)


def _own_size(image: Image.Image, style: torch.Tensor) -> tuple[int, int]:
    """(width, height) of the style as the rank rule counts it: at this scale's size, but no
    more than the picture really has (upscaling a small style adds no positions)."""
    return own_pixels(image.size, max(style.shape[-2:]))


def _regions(
    per_style: list[dict[str, torch.Tensor]],
    layers: tuple[str, ...],
    inputs: _Inputs,
    size: tuple[int, int],
    device: torch.device,
    statistic: str,
) -> tuple[list[tiles.Region], torch.Tensor | None]:
    """Where each style goes at this scale, and where the content is kept.

    No mask: one region, the whole image, matching the mixture of the styles (blend_statistics).
    A mask: the first style where it is white, then the second style (or, with one, the
    content) where it is black.
    """
    if inputs.mask is None:
        blended = {
            name: blend_statistics([s[name] for s in per_style], inputs.blend, statistic)
            for name in layers
        }
        return [tiles.Region(blended)], None
    painted = _mask_tensor(inputs.mask, size, device)
    regions = [
        tiles.Region({name: g[name] for name in layers}, _layer_masks(share, layers))
        for g, share in zip(per_style, (painted, 1 - painted))
        if share.mean() > 1e-3  # an empty region has no style to match
    ]
    return regions, (1 - painted if len(per_style) == 1 else None)


def _mask_tensor(mask: Image.Image, size: tuple[int, int], device: torch.device) -> torch.Tensor:
    """The mask at this scale's size, (1, 1, H, W) in 0..1, its edges feathered over ~1% of
    the long side so regions meet without a seam."""
    feathered = resize(mask, size).filter(ImageFilter.GaussianBlur(max(size) / 128))
    values = torch.from_numpy(np.asarray(feathered, dtype=np.float32) / 255.0)
    return values[None, None].to(device)


def _layer_masks(share: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
    """A region's weight at each style layer's resolution (the average over each position's
    pixels), for the guided statistics."""
    height, width = share.shape[-2:]
    return {
        name: F.adaptive_avg_pool2d(
            share, (height >> poolings_before(name), width >> poolings_before(name))
        )
        for name in layers
    }


def _keep_content(image: torch.Tensor, scale: _Scale) -> torch.Tensor:
    """Where a one-style mask is black, the content itself (grey blends). Put back after
    every scale and in every preview: the content loss alone lets the kept region drift (by
    13/255 on average in benchmarks/masks.py, and the rocket takes on the sky's texture)."""
    if scale.keep is None:
        return image
    with torch.no_grad():
        return image.detach() * (1 - scale.keep) + scale.content * scale.keep


def _prepare_style(
    style_image: Image.Image,
    content: torch.Tensor,
    long_side: int,
    params: StyleParams,
    device: torch.device,
) -> torch.Tensor:
    style = to_tensor(resize(style_image, fit_size(*style_image.size, long_side)), device)
    if params.color == "luminance":
        return color.match_luminance(style, content)
    if params.color == "linear":
        return color.linear_color_transfer(style, content)
    return style


# Style statistics of style images, keyed by the exact pixels and everything that shapes them,
# so a second run with the same style (and size) skips that work. Small LRU, shared safely.
_STYLE_CACHE: OrderedDict[tuple, dict[str, torch.Tensor]] = OrderedDict()
_STYLE_CACHE_LOCK = threading.Lock()
_STYLE_CACHE_SIZE = 32


def _style_statistics(
    net: VGG19Features, dtype: torch.dtype, style: torch.Tensor, params: StyleParams, tile: int
) -> dict[str, torch.Tensor]:
    digest = hashlib.sha1(style.cpu().numpy().tobytes()).hexdigest()
    key = (
        digest,
        tuple(style.shape),
        params.style_layers,
        params.backbone,
        params.pooling,
        params.style_statistic,
        str(style.device),
        str(dtype),
    )
    with _STYLE_CACHE_LOCK:
        if key in _STYLE_CACHE:
            _STYLE_CACHE.move_to_end(key)
            return _STYLE_CACHE[key]
    _, statistics = _features_and_statistics(net, dtype, style, (), params, tile)
    with _STYLE_CACHE_LOCK:
        _STYLE_CACHE[key] = statistics
        while len(_STYLE_CACHE) > _STYLE_CACHE_SIZE:
            _STYLE_CACHE.popitem(last=False)
    return statistics


def _features_and_statistics(
    net: VGG19Features,
    dtype: torch.dtype,
    image: torch.Tensor,
    feature_layers: tuple[str, ...],
    params: StyleParams,
    tile: int,
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """An image's features (float32) at ``feature_layers`` and its style statistics at every
    style layer: tile by tile (style_core.tiles) where the scale is tiled and the image is
    larger than a tile, so that a large scale's set-up never runs the network on all of it."""
    if tile and max(image.shape[-2:]) > tile:
        return tiles.features_and_statistics(
            net, dtype, image, feature_layers, params.style_layers, params.style_statistic, tile
        )
    with torch.no_grad(), autocast(image.device, dtype):
        features = net(image, tuple(dict.fromkeys(feature_layers + params.style_layers)))
    statistics = {
        name: style_statistics(features[name], params.style_statistic)
        for name in params.style_layers
    }
    return {name: features[name].float() for name in feature_layers}, statistics


def clear_style_cache() -> None:
    with _STYLE_CACHE_LOCK:
        _STYLE_CACHE.clear()


def _initial_image(
    previous: torch.Tensor | None, scale: _Scale, params: StyleParams, generator: torch.Generator
) -> torch.Tensor:
    """Upsampled previous scale, or the configured start image at the first scale."""
    height, width = scale.content.shape[-2:]
    if previous is not None:
        return F.interpolate(
            previous.detach().clamp(0, 1), size=(height, width), mode="bicubic", align_corners=False
        ).clamp(0, 1)
    if params.init == "noise":
        noise = torch.rand((1, 3, height, width), generator=generator)
        return noise.to(scale.content.device)
    if params.init == "style":
        start = scale.style_image
        return color.grey(start) if params.color == "luminance" else start.clone()
    return scale.content.clone()


def _optimise(
    net: VGG19Features, dtype: torch.dtype, start: torch.Tensor, scale: _Scale, params: StyleParams
) -> Iterator[tuple[int, dict[str, float], torch.Tensor]]:
    """One scale: yields (step, loss values, current image) after every iteration."""
    image = start.detach().clone().requires_grad_(True)  # NCHW: L-BFGS flattens its grad
    # A scale may use fewer style layers (plan.describes_texture); weights renormalise over them.
    layers = tuple(dict.fromkeys(params.content_layers + scale.style_layers))
    all_weights = params.style_layer_weights or [1.0] * len(params.style_layers)
    layer_weights = {
        name: weight
        for name, weight in zip(params.style_layers, all_weights)
        if name in scale.style_layers
    }
    if params.optimizer == "lbfgs":
        optimizer = LBFGS(
            image,
            history_size=scale.history,
            gradient_step=LBFGS_GRADIENT_STEP,
            max_step=LBFGS_MAX_STEP,
        )
    else:
        optimizer = torch.optim.Adam([image], lr=params.learning_rate)
    values: dict[str, float] = {}

    def closure() -> torch.Tensor:
        if tiled:
            return tiled_closure()
        image.grad = None
        with autocast(image.device, dtype):
            features = net(image, layers)
        # With a mask, each region's style counts equally, however small the region.
        regional = [
            style_loss(
                features,
                r.targets,
                layer_weights,
                r.masks,
                params.style_statistic,
                scale.content_statistics,
            )
            for r in scale.regions
        ]
        terms = {
            "content": content_loss(features, scale.content_targets),
            "style": torch.stack(regional).mean() if regional else image.new_zeros(()),
            "tv": total_variation(image),
        }
        total = (
            params.content_weight * terms["content"]
            + params.style_weight * terms["style"]
            + params.tv_weight * terms["tv"]
        )
        if scale.temporal is not None:
            terms["temporal"] = temporal_loss(image, scale.temporal)
            total = total + scale.temporal.weight * terms["temporal"]
        total.backward()
        image.grad = image.grad.contiguous()  # the channels_last network hands back NHWC grads
        values.update({name: term.item() for name, term in terms.items()}, total=total.item())
        return total

    # A scale the plan tiles is evaluated tile by tile, exactly (style_core.tiles).
    tiled = scale.tile > 0

    def tiled_closure() -> torch.Tensor:
        total, terms, gradient = tiles.evaluate(
            net,
            dtype,
            image,
            content_targets=scale.content_targets,
            regions=scale.regions,
            layer_weights=layer_weights,
            statistic=params.style_statistic,
            references=scale.content_statistics,
            weights=(params.content_weight, params.style_weight, params.tv_weight),
            tile_size=scale.tile,
        )
        if scale.temporal is not None:  # per pixel: no tiles needed
            held = image.detach().requires_grad_(True)
            with torch.enable_grad():
                term = temporal_loss(held, scale.temporal)
                (scale.temporal.weight * term).backward()
            gradient, terms = gradient + held.grad, {**terms, "temporal": term.item()}
            total += scale.temporal.weight * term.item()
        image.grad = gradient
        values.update(terms, total=total)
        return torch.tensor(total)

    reported: dict[str, float] = {}
    for step in range(1, scale.steps + 1):
        if params.optimizer == "lbfgs":
            if optimizer.step(closure):
                reported = dict(values)  # the losses of the image shown, not of a rejected step
            yield step, reported, optimizer.kept_image()
        else:
            optimizer.step(closure)
            with torch.no_grad():
                image.clamp_(0, 1)
            yield step, dict(values), image


def temporal_loss(image: torch.Tensor, temporal: Temporal) -> torch.Tensor:
    """Mean over pixels of confidence x squared difference from the target (0..1 units)."""
    return (temporal.confidence * (image.float() - temporal.target).pow(2)).mean()


def _finish(image: torch.Tensor, scale: _Scale, params: StyleParams) -> Image.Image:
    """The image a person sees: clamped, with the content's colours back in luminance mode."""
    with torch.no_grad():
        result = _keep_content(image, scale).clamp(0, 1)
        if params.color == "luminance":
            result = color.recombine_luminance(result, scale.content_rgb)
    return to_pil(result)
