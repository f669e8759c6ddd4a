"""Pictures for the Explore experiments: colour maps, heat maps, loss curves, labelled grids.

Pillow and numpy only (no plotting library): every picture is small and of one kind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Anchor colours of matplotlib's "viridis" (dark blue -> green -> yellow), interpolated
# linearly: perceptually even enough for a heat map, and readable in greyscale.
_VIRIDIS = np.array(
    [
        (68, 1, 84),
        (72, 40, 120),
        (62, 74, 137),
        (49, 104, 142),
        (38, 130, 142),
        (31, 158, 137),
        (53, 183, 121),
        (109, 205, 89),
        (180, 222, 44),
        (253, 231, 37),
    ],
    dtype=np.float32,
)
CURVE_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))
BACKGROUND = (255, 255, 255)
INK = (30, 30, 30)


def font(size: int = 13) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's bundled font (FreeType when available, so any size and Unicode)."""
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def colormap(values: np.ndarray) -> np.ndarray:
    """(H, W) floats in 0..1 -> (H, W, 3) uint8 viridis colours (NaN -> the darkest)."""
    scaled = np.nan_to_num(np.clip(values, 0, 1), nan=0.0) * (len(_VIRIDIS) - 1)
    low = np.floor(scaled).astype(int).clip(0, len(_VIRIDIS) - 2)
    fraction = (scaled - low)[..., None]
    colours = _VIRIDIS[low] * (1 - fraction) + _VIRIDIS[low + 1] * fraction
    return colours.round().astype(np.uint8)


def map_image(values: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """A 2-D array as a viridis picture of ``size`` (width, height), normalised to its own
    range; nearest-neighbour so each feature-map position stays a visible square."""
    values = np.asarray(values, dtype=np.float32)
    low, high = float(values.min()), float(values.max())
    normalised = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return Image.fromarray(colormap(normalised), "RGB").resize(size, Image.Resampling.NEAREST)


def loss_curves(
    histories: Mapping[str, Sequence[float]], size: tuple[int, int], title: str = "loss"
) -> Image.Image:
    """Loss per iteration, one line per run, on a log scale; the legend names the runs."""
    width, height = size
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    small = font(max(9, height // 16))
    left, top, right, bottom = 6, height // 7, width - 6, height - max(14, height // 9)
    draw.rectangle((left, top, right, bottom), outline=(180, 180, 180))
    logs = {
        label: [math.log10(v) for v in values if v > 0 and math.isfinite(v)]
        for label, values in histories.items()
    }
    points = [v for values in logs.values() for v in values]
    longest = max((len(values) for values in logs.values()), default=0)
    draw.text((left, 2), f"{title} (log scale) per iteration", fill=INK, font=small)
    if points and longest > 1:
        low, high = min(points), max(points)
        span = high - low or 1.0
        for values, colour in zip(logs.values(), CURVE_COLOURS):
            xy = [
                (
                    left + (right - left) * i / (longest - 1),
                    bottom - (bottom - top) * (v - low) / span,
                )
                for i, v in enumerate(values)
            ]
            if len(xy) > 1:
                draw.line(xy, fill=colour, width=2)
        draw.text((left + 2, top + 1), f"{10**high:.3g}", fill=INK, font=small)
        draw.text((left + 2, bottom - small.size - 2), f"{10**low:.3g}", fill=INK, font=small)
        draw.text((right - 40, bottom + 1), f"{longest} it", fill=INK, font=small)
    y = top + (bottom - top) // 3
    for (label, _), colour in zip(logs.items(), CURVE_COLOURS):
        draw.text((right - 4, y), label, fill=colour, font=small, anchor="ra")
        y += small.size + 3
    return image


def grid(
    cells: Sequence[tuple[str, Image.Image | None]],
    columns: int,
    title: str = "",
    cell_size: int | None = None,
) -> Image.Image:
    """Labelled grid: each image fitted (aspect kept) into a cell ``cell_size`` wide, its
    label right below; each row as tall as its tallest picture and label.

    ``cell_size`` defaults to the largest image's long side; blank cells (None) are as tall
    as the tallest picture and stay white.
    """
    columns = max(1, min(columns, len(cells)))
    side = cell_size or max((max(im.size) for _, im in cells if im is not None), default=128)
    label_font, title_font = font(max(11, side // 12)), font(max(13, side // 9))
    line_height = label_font.size + 3
    gap = max(6, side // 24)
    fitted = [_fit(image, side) for _, image in cells]
    tallest = max((im.height for im in fitted if im is not None), default=side)
    labels = [_wrap(label, label_font, side)[:3] for label, _ in cells]
    heights = [
        (im.height if im is not None else tallest) + len(lines) * line_height + 6
        for im, lines in zip(fitted, labels)
    ]
    rows = [max(heights[start : start + columns]) for start in range(0, len(cells), columns)]
    title_height = title_font.size + 2 * gap if title else 0
    canvas = Image.new(
        "RGB",
        (columns * (side + gap) + gap, title_height + sum(rows) + gap * (len(rows) + 1)),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(canvas)
    if title:
        draw.text((gap, gap), title, fill=INK, font=title_font)
    for index, (image, lines) in enumerate(zip(fitted, labels)):
        row = index // columns
        x = gap + (index % columns) * (side + gap)
        y = title_height + gap + sum(rows[:row]) + gap * row
        if image is not None:
            canvas.paste(image, (x + (side - image.width) // 2, y))
        text_top = y + (image.height if image is not None else tallest) + 3
        for line_number, line in enumerate(lines):
            draw.text(
                (x + side // 2, text_top + line_number * line_height),
                line,
                fill=INK,
                font=label_font,
                anchor="ma",
            )
    return canvas


def _fit(image: Image.Image | None, side: int) -> Image.Image | None:
    """The image scaled so that its long side is ``side`` (aspect kept)."""
    if image is None:
        return None
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _wrap(text: str, face: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Words into lines no wider than ``width`` pixels (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and face.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def mosaic(images: Sequence[Image.Image], columns: int, tile: int, gap: int = 2) -> Image.Image:
    """Square tiles of ``tile`` px in rows of ``columns``, separated by ``gap`` white pixels."""
    rows = max(1, math.ceil(len(images) / columns))
    canvas = Image.new("RGB", (columns * (tile + gap) - gap, rows * (tile + gap) - gap), BACKGROUND)
    for index, image in enumerate(images):
        x, y = (index % columns) * (tile + gap), (index // columns) * (tile + gap)
        canvas.paste(image.resize((tile, tile), Image.Resampling.LANCZOS), (x, y))
    return canvas


def make_tileable(image: Image.Image) -> Image.Image:
    """Offset-and-blend, once per axis: cross-fade the texture with itself shifted by half
    its width, then the result with itself shifted by half its height.

    The shifted copy wraps round seamlessly at the borders (its edge columns are neighbours
    in the original's middle) and the original has no seam in the middle, so a weight that
    is 0 at the borders and 1 in the middle keeps each where it is seamless. The price is a
    soft double exposure in between. Circular padding in the network would avoid it, but
    the shared frozen VGG19 pads with zeros.
    """
    array = np.asarray(image, dtype=np.float32)  # (H, W, 3)
    for axis in (1, 0):  # width, then height: each pass keeps the other's wrap-round
        length = array.shape[axis]
        weight = np.sin(np.pi * (np.arange(length) + 0.5) / length) ** 2  # 0 at borders, 1 mid
        weight = weight[:, None, None] if axis == 0 else weight[None, :, None]
        array = array * weight + np.roll(array, length // 2, axis=axis) * (1 - weight)
    return Image.fromarray(array.round().clip(0, 255).astype(np.uint8), "RGB")
