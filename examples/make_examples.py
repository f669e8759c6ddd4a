"""Regenerate the demo's example images in this folder.

Content photos are scikit-image's bundled sample images (``skimage.data``), resized so the
long side is 512 px. The four style images are drawn procedurally with numpy and PIL only,
from fixed seeds, so ``python examples/make_examples.py`` rewrites every file byte-for-byte.
scikit-image is needed only for the content photos.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SIZE = 512  # long side of every image, in pixels
CONTENT_QUALITY = 90
STYLE_QUALITY = 92
CONTENT = ("astronaut", "coffee", "chelsea", "rocket")  # skimage.data function names


# --- helpers ---------------------------------------------------------------------------------


def hex_palette(*colours: str) -> np.ndarray:
    """Return an (n, 3) float array in [0, 1] from '#rrggbb' strings."""
    return np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in colours])


def colour_map(t: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] onto a palette by linear interpolation; returns (..., 3)."""
    stops = np.linspace(0.0, 1.0, len(palette))
    return np.stack([np.interp(t, stops, palette[:, c]) for c in range(3)], axis=-1)


def fractal_noise(
    rng: np.random.Generator, size: int, scale: float, beta: float = 3.0
) -> np.ndarray:
    """Periodic smooth noise with a power-law spectrum, normalised to zero mean, unit std.

    ``scale`` is the wavelength (px) below which detail is suppressed; ``beta`` sets how fast
    the spectrum falls off (larger is smoother).
    """
    freq = np.fft.fftfreq(size)
    fr = np.hypot(freq[:, None], freq[None, : size // 2 + 1])
    amp = np.where(fr > 0, np.maximum(fr, 1.0 / size) ** (-beta / 2), 0.0)
    amp *= np.exp(-((fr * scale) ** 2))
    spectrum = (rng.standard_normal(fr.shape) + 1j * rng.standard_normal(fr.shape)) * amp
    field = np.fft.irfft2(spectrum, s=(size, size))
    return (field - field.mean()) / field.std()


def normalise(a: np.ndarray) -> np.ndarray:
    """Stretch an array linearly onto [0, 1]."""
    return (a - a.min()) / (a.max() - a.min())


def sample_wrapped(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinearly sample a periodic 2-D image at float coordinates."""
    h, w = img.shape
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    x0, y0 = x0 % w, y0 % h
    x1, y1 = (x0 + 1) % w, (y0 + 1) % h
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    bottom = img[y1, x0] * (1 - fx) + img[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def to_image(rgb: np.ndarray) -> Image.Image:
    """Convert an (h, w, 3) float array in [0, 1] to an RGB PIL image."""
    return Image.fromarray(np.round(np.clip(rgb, 0.0, 1.0) * 255).astype(np.uint8), "RGB")


# --- styles ----------------------------------------------------------------------------------


def style_swirls(size: int = SIZE, seed: int = 1) -> Image.Image:
    """Brush-stroke swirls: line-integral convolution of noise along a curl-noise field."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)

    # Stream function: smooth noise plus a few vortices; its curl is divergence-free.
    vortices = [(0.3, 0.3, 70, 1), (0.72, 0.22, 45, -1), (0.62, 0.7, 90, 1)]  # x, y, px, spin
    psi = fractal_noise(rng, size, scale=40.0) * 60.0
    for cx, cy, radius, spin in vortices:
        r2 = (xx - cx * size) ** 2 + (yy - cy * size) ** 2
        psi += spin * 8.0 * radius * np.exp(-r2 / (2 * radius**2))
    gy, gx = np.gradient(psi)
    vx, vy = gy, -gx
    speed = np.hypot(vx, vy) + 1e-9
    vx, vy = vx / speed, vy / speed

    # Stroke-sized grains: coarse white noise upsampled 3x, so strokes are a few px wide.
    grains = rng.random((size // 3, size // 3))
    grains = np.asarray(
        Image.fromarray(grains.astype(np.float32), "F").resize(
            (size, size), Image.Resampling.BICUBIC
        )
    )

    total = np.zeros((size, size))
    steps = 18
    for direction in (1.0, -1.0):
        px, py = xx.copy(), yy.copy()
        for _ in range(steps):
            sx = sample_wrapped(vx, px, py)
            sy = sample_wrapped(vy, px, py)
            px, py = px + direction * sx, py + direction * sy
            total += sample_wrapped(grains, px, py)
    lic = normalise(total)
    lic = np.clip((lic - 0.5) * 2.2 + 0.5, 0.0, 1.0)  # punchier stroke contrast

    # Colour: a slow field (plus halos round two vortices) sets where the sky glows yellow.
    glow = normalise(fractal_noise(rng, size, scale=90.0, beta=4.0))
    for cx, cy, radius, _ in vortices[:2]:
        r2 = (xx - cx * size) ** 2 + (yy - cy * size) ** 2
        glow = np.maximum(glow, np.exp(-r2 / (2 * (0.8 * radius) ** 2)))
    palette = hex_palette("#050a30", "#0c2a78", "#1f5fb4", "#5fa8d3", "#f2d14b", "#fff4b0")
    t = np.clip(0.15 + 0.55 * glow**1.5 + 0.45 * (lic - 0.5), 0.0, 1.0)
    return to_image(colour_map(t, palette))


def style_stained_glass(size: int = SIZE, seed: int = 2) -> Image.Image:
    """Stained glass: Voronoi cells in saturated jewel colours with thick dark leading."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    seeds = np.concatenate(
        [rng.random((24, 2)) * size, rng.normal(0.5, 0.18, (60, 2)).clip(0, 1) * size]
    )

    d1 = np.full((size, size), np.inf)
    d2 = np.full((size, size), np.inf)
    i1 = np.zeros((size, size), dtype=int)
    i2 = np.zeros((size, size), dtype=int)
    for k, (sx, sy) in enumerate(seeds):
        d = (xx - sx) ** 2 + (yy - sy) ** 2
        closer = d < d1
        second = ~closer & (d < d2)
        d2 = np.where(closer, d1, np.where(second, d, d2))
        i2 = np.where(closer, i1, np.where(second, k, i2))
        d1 = np.where(closer, d, d1)
        i1 = np.where(closer, k, i1)
    # Distance from each pixel to the bisector between its two nearest seeds.
    gap = np.linalg.norm(seeds[i1] - seeds[i2], axis=-1) + 1e-9
    edge = (d2 - d1) / (2 * gap)

    palette = hex_palette(
        "#c1121f", "#1d3fbb", "#0f8a4f", "#f4a300", "#6a1b9a", "#00a6a6", "#e85d04", "#2b2d9a"
    )
    cell_colour = palette[rng.integers(0, len(palette), len(seeds))]
    rgb = cell_colour[i1]

    # Glass texture: brighter towards each cell's centre, streaky noise across it.
    centre_light = np.exp(-d1 / (2 * 55.0**2))
    streaks = fractal_noise(rng, size, scale=6.0, beta=2.0)
    shade = 0.55 + 0.45 * centre_light + 0.08 * streaks
    rgb = rgb * shade[..., None] + 0.18 * centre_light[..., None] ** 3

    lead_width = 3.2
    lead = np.clip((lead_width + 0.6 - edge) / 1.2, 0.0, 1.0)  # anti-aliased lines
    lead_colour = hex_palette("#16130f")[0] + 0.10 * np.clip(1 - edge / lead_width, 0, 1)[..., None]
    rgb = rgb * (1 - lead[..., None]) + lead_colour * lead[..., None]
    return to_image(rgb)


def style_pointillism(size: int = SIZE, seed: int = 3) -> Image.Image:
    """Pointillist dots: layers of warm-palette dots over a sunset, a sun and a cool hill."""
    rng = np.random.default_rng(seed)
    warm = hex_palette(
        "#3a0ca3", "#7209b7", "#b5179e", "#f72585", "#ff5d3a", "#ff8c1a", "#ffc300", "#fff3b0"
    )
    cool = hex_palette("#03045e", "#3a0ca3", "#0077b6", "#00b4d8", "#2ec4b6", "#90e0ef")

    def is_hill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return y > size * (0.72 + 0.05 * np.sin(x / size * 2 * np.pi * 1.3))

    def tone(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Scene brightness in [0, 1]: sky gradient brightening to a sun; hill darker below."""
        r = np.hypot(x - 0.62 * size, y - 0.5 * size) / size
        sun = np.clip((0.11 - r) * 40, 0, 1) + 0.5 * np.exp(-(r**2) / (2 * 0.16**2))
        sky = np.clip(0.25 + 0.6 * y / size + 0.7 * sun, 0.0, 1.0)
        return np.where(is_hill(x, y), 0.75 - 0.6 * (y / size - 0.7) / 0.3, sky)

    def paint(x: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        hill = is_hill(x, y)[..., None]
        return np.where(hill, colour_map(t, cool), colour_map(t, warm))

    scale = 2  # draw at twice the size, then downsample, for smooth dot edges
    canvas = Image.new("RGB", (size * scale, size * scale))
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    ground = 0.55 * paint(xx, yy, tone(xx, yy))  # darker ground shows between dots
    canvas.paste(to_image(ground).resize(canvas.size))
    draw = ImageDraw.Draw(canvas)
    for radius, count in [(13, 500), (9, 1300), (6, 2600), (3.5, 3000)]:
        x = rng.random(count) * size
        y = rng.random(count) * size
        t = np.clip(tone(x, y) + rng.normal(0, 0.1, count), 0.0, 1.0)
        colours = paint(x, y, t)
        # Complementary dots, as Seurat did: a few cool ones in the sky, warm ones on the hill.
        swap = rng.random(count) < 0.08
        colours[swap] = paint(x[swap], size - y[swap], rng.random(swap.sum()))
        r = radius * rng.uniform(0.75, 1.25, count)
        for cx, cy, rr, c in zip(x, y, r, np.round(colours * 255).astype(int)):
            box = [scale * (cx - rr), scale * (cy - rr), scale * (cx + rr), scale * (cy + rr)]
            draw.ellipse(box, fill=tuple(c))
    return canvas.resize((size, size), Image.Resampling.LANCZOS)


def style_woodcut(size: int = SIZE, seed: int = 4) -> Image.Image:
    """Woodcut: carved stripes on cream paper; rays round a red sun, contours along hills."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    u, v = xx / size, yy / size
    wobble = 0.04 * fractal_noise(rng, size, scale=10.0, beta=3.0)  # hand-cut irregularity

    def carve(height: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Ink coverage of stripes along the contours of ``height``; weight 0..1 = thin..fat."""
        signed = np.cos(2 * np.pi * (height + wobble)) - (1.0 - 2.0 * weight)
        gy, gx = np.gradient(signed)
        return np.clip(0.5 + signed / (np.hypot(gx, gy) + 1e-6), 0.0, 1.0)  # ~1 px edge

    # Sky: rays fanning out from the sun, fatter towards the edges of the block.
    sun_x, sun_y, sun_radius = 0.66, 0.3, 0.15
    dx, dy = u - sun_x, v - sun_y
    sun_r = np.hypot(dx, dy)
    angle = np.arctan2(dy, dx)
    ink = carve(angle * 26 / (2 * np.pi) + 0.6 * sun_r, np.clip(0.1 + 0.9 * sun_r, 0, 0.75))
    colour = np.zeros((size, size), dtype=int)  # index into (black, red)

    # Sun: concentric red rings.
    in_sun = sun_r < sun_radius
    ink = np.where(in_sun, carve(sun_r * 60, np.full_like(u, 0.45)), ink)
    colour[in_sun] = 1

    # Hills, back to front: stripes run parallel to each hill's outline.
    hills = [(0.62, 0.22, 0.25, 0.16, 1), (0.74, 0.85, 0.3, 0.2, 0), (0.86, 0.3, 0.35, 0.14, 0)]
    for base, centre, width, rise, ink_index in hills:
        top = base - rise * np.exp(-((u - centre) ** 2) / (2 * width**2))
        inside = v > top
        depth = v - top
        stripes = carve(depth * 48, np.clip(0.25 + 2.2 * depth, 0, 0.8))
        outline = np.clip(0.5 + (0.012 - depth) * size, 0.0, 1.0)  # anti-aliased edge
        ink = np.where(inside, np.maximum(stripes, outline), ink)
        colour[inside] = ink_index
        colour[inside & (outline > 0)] = 0
    rim = np.clip(0.5 + (0.007 - np.abs(sun_r - sun_radius)) * size, 0.0, 1.0)
    ink = np.maximum(ink, rim)
    colour[rim > 0] = 0

    paper, black, red = hex_palette("#f3e6c4", "#141210", "#c8102e")
    ink_colour = np.where(colour[..., None] == 1, red, black)
    rgb = paper * (1 - ink[..., None]) + ink_colour * ink[..., None]
    return to_image(rgb)


STYLES: dict[str, Callable[[], Image.Image]] = {
    "swirls": style_swirls,
    "stained_glass": style_stained_glass,
    "pointillism": style_pointillism,
    "woodcut": style_woodcut,
}


# --- content ---------------------------------------------------------------------------------


def content_photo(name: str) -> Image.Image:
    """Load a skimage.data sample and resize it so its long side is SIZE."""
    from skimage import data  # imported here: only the content photos need scikit-image

    img = Image.fromarray(getattr(data, name)()).convert("RGB")
    factor = SIZE / max(img.size)
    if factor != 1:
        img = img.resize(
            (round(img.width * factor), round(img.height * factor)), Image.Resampling.LANCZOS
        )
    return img


def save(img: Image.Image, path: Path, quality: int) -> None:
    """Write a JPEG deterministically and report it on one line."""
    img.save(path, "JPEG", quality=quality, optimize=True)
    print(f"wrote {path.name} {img.width}x{img.height} {path.stat().st_size // 1024} KB")


def main() -> None:
    for name in CONTENT:
        save(content_photo(name), HERE / f"content_{name}.jpg", CONTENT_QUALITY)
    for name, make in STYLES.items():
        save(make(), HERE / f"style_{name}.jpg", STYLE_QUALITY)


if __name__ == "__main__":
    main()
