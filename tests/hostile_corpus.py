"""A corpus of hostile and unusual input files, generated on demand (nothing binary is committed).

``write_corpus(folder)`` writes every file into ``folder`` and returns a list of ``Case``:
what a correct app or CLI does with it, either

* ``"ok"``: a result whose size is ``case.expected_size(long_side)`` (the long side as asked,
  the content's aspect kept, the short side at least ``MIN_SIDE`` px), or
* ``"error"``: a one-line message containing every word in ``case.words``.

``CASES`` describes the files without building them (tests parametrize over ``CASE_NAMES`` at
collection time); ``write_corpus`` builds them, about 2 s, mostly the 6000x4000 photo.

Used by tests/test_hostile_inputs.py (HTTP API and CLI).
"""

from __future__ import annotations

import dataclasses
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

MIN_SIDE = 32  # the engine's smallest output side (style_core.images.MIN_SIDE), restated here


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    expect: str  # "ok" or "error"
    make: Callable[[], bytes] = field(repr=False, compare=False)
    source_size: tuple[int, int] | None = None  # (width, height) as displayed, for "ok"
    words: tuple[str, ...] = ()  # for "error": the message names the problem with these
    as_style: bool = False  # also sent as the style image (a representative subset)
    path: Path | None = None  # set by write_corpus

    @property
    def large(self) -> bool:
        """A legitimately big picture (memory and time are measured apart from the rest)."""
        return self.source_size is not None and self.source_size[0] * self.source_size[1] > 4e6

    def expected_size(self, long_side: int) -> tuple[int, int]:
        """Output (width, height) for a run at ``long_side``."""
        assert self.expect == "ok" and self.source_size is not None
        return fit(self.source_size, long_side)

    def __str__(self) -> str:  # readable pytest ids
        return self.name


def fit(source_size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Long side as asked, aspect kept, the short side at least MIN_SIDE px."""
    width, height = source_size
    scale = long_side / max(width, height)
    return max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale))


# --- raw PNG / GIF writers (for headers that lie about their size) ------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def raw_png(
    width: int,
    height: int,
    idat: bytes,
    bit_depth: int = 8,
    color_type: int = 2,
    extra: bytes = b"",
) -> bytes:
    """A PNG with the given IHDR and one IDAT chunk (``idat`` already compressed)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + extra
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def bomb_png(width: int, height: int) -> bytes:
    """A few hundred bytes whose IHDR claims width x height 8-bit RGB pixels."""
    return raw_png(width, height, zlib.compress(b"\x00" * 1024))


def rgb48_png(pixels: np.ndarray) -> bytes:
    """A true 16-bit-per-channel RGB PNG (PIL itself cannot write one)."""
    height, width, _ = pixels.shape
    rows = pixels.astype(">u2").reshape(height, width * 6 // 2).tobytes()
    stride = width * 6
    data = b"".join(b"\x00" + rows[y * stride : (y + 1) * stride] for y in range(height))
    return raw_png(width, height, zlib.compress(data), bit_depth=16, color_type=2)


def huge_screen_gif(width: int, height: int) -> bytes:
    """A GIF whose logical screen is width x height but whose only frame is 1x1 (~40 bytes)."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
    palette = b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    pixels = b"\x02\x02\x44\x01\x00"  # LZW min code size 2, one sub-block: one black pixel
    return header + palette + frame + pixels + b"\x3b"


# --- ordinary pictures --------------------------------------------------------------------


def scene(width: int = 64, height: int = 48, seed: int = 0) -> np.ndarray:
    """A small photo-like RGB picture: gradients, a block, a disc and a little noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    image[..., 0] = 70 + 110 * y / height
    image[..., 1] = 120 + 80 * x / width
    image[..., 2] = 230 - 130 * y / height
    image[height // 2 :, width // 4 : width // 2] = (90, 50, 25)
    disc = (x - 0.75 * width) ** 2 + (y - 0.3 * height) ** 2 < (0.15 * min(width, height)) ** 2
    image[disc] = (250, 240, 150)
    image += np.random.default_rng(seed).normal(0, 6, image.shape)
    return np.clip(image, 0, 255).round().astype(np.uint8)


def big_photo(width: int = 6000, height: int = 4000) -> Image.Image:
    """A legitimate large camera-like picture (noise on smooth gradients), built in strips."""
    rng = np.random.default_rng(7)
    x = np.linspace(0, 1, width, dtype=np.float32)
    strips = []
    for top in range(0, height, 500):
        y = np.linspace(top / height, (top + 500) / height, 500, dtype=np.float32)[:, None]
        base = np.stack(
            [
                60 + 150 * y + 20 * np.sin(9 * x),
                90 + 100 * x + 0 * y,  # (+ 0 * y: every channel is 500 x width)
                200 - 120 * y * x,
            ],
            axis=-1,
        )
        base += rng.normal(0, 4, base.shape).astype(np.float32)
        strips.append(np.clip(base, 0, 255).astype(np.uint8))
    return Image.fromarray(np.concatenate(strips))


def _encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _exif_rotated_jpeg() -> bytes:
    """Stored 64x48 with EXIF orientation 6 (rotate 90° clockwise): displayed 48x64."""
    image = Image.fromarray(scene(64, 48, seed=3))
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encoded(image, "JPEG", quality=90, exif=exif.tobytes())


def _animated_gif() -> bytes:
    frames = [Image.fromarray(scene(64, 48, seed=s)).convert("P") for s in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=80)
    return buffer.getvalue()


def _palette_with_transparency() -> bytes:
    image = Image.fromarray(scene(64, 48, seed=4)).convert("P", palette=Image.Palette.ADAPTIVE)
    return _encoded(image, "PNG", transparency=0)


def _rgba() -> bytes:
    rgba = np.dstack(
        [scene(64, 48, seed=5), np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (48, 1))]
    )
    return _encoded(Image.fromarray(rgba, "RGBA"), "PNG")


def _la() -> bytes:
    grey = scene(64, 48, seed=6).mean(axis=2).astype(np.uint8)
    alpha = np.tile(np.linspace(255, 0, 48, dtype=np.uint8)[:, None], (1, 64))
    return _encoded(Image.fromarray(np.dstack([grey, alpha]), "LA"), "PNG")


def _dark_i16() -> bytes:
    """16-bit greyscale using only the darkest part of its range (values up to ~2000/65535)."""
    values = (scene(64, 48, seed=8).mean(axis=2) * 8).astype(np.uint16)
    image = Image.fromarray(values)  # uint16 -> mode I;16
    assert image.mode == "I;16"
    return _encoded(image, "PNG")


def _truncated(fmt: str) -> bytes:
    noisy = np.random.default_rng(2).integers(0, 256, (96, 96, 3), dtype=np.uint8)
    data = _encoded(Image.fromarray(noisy), fmt)
    return data[: len(data) // 2]


def _png_header_then_garbage() -> bytes:
    """A valid PNG signature and IHDR (64x48), then bytes that are no PNG chunk at all."""
    ihdr = struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0)
    garbage = np.random.default_rng(9).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + garbage


def _ztxt_bomb() -> bytes:
    """A valid 64x48 PNG with a zTXt chunk that inflates to 64 MB of text."""
    text = b"Comment\x00\x00" + zlib.compress(b"A" * (64 << 20), 9)
    pixels = scene(64, 48, seed=10)
    rows = b"".join(b"\x00" + row.tobytes() for row in pixels)
    return raw_png(64, 48, zlib.compress(rows), extra=png_chunk(b"zTXt", text))


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 64 48]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">'
    b'<script>fetch("/gradio_api/file=/etc/passwd").then(r=>r.text()).then(alert)</script>'
    b'<rect width="64" height="48" fill="red"/></svg>\n'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n"

NOT_AN_IMAGE = ("not an image",)
DAMAGED = ("damaged or truncated",)
TOO_LARGE = ("too large",)


def _tall() -> Image.Image:
    return Image.fromarray(np.tile(scene(2, 48), (84, 1, 1))[:4000])  # 2x4000


def _small(fmt: str, mode: str = "RGB", **kwargs) -> Callable[[], bytes]:
    return lambda: _encoded(Image.fromarray(scene()).convert(mode), fmt, **kwargs)


SMALL = (64, 48)
CASES: tuple[Case, ...] = (
    # Not images at all, or broken ones: a one-line error naming the problem.
    Case("zero bytes", "empty.png", "error", lambda: b"", words=NOT_AN_IMAGE, as_style=True),
    Case(
        "truncated png",
        "truncated.png",
        "error",
        lambda: _truncated("PNG"),
        words=DAMAGED,
        as_style=True,
    ),
    Case("truncated jpeg", "truncated.jpg", "error", lambda: _truncated("JPEG"), words=DAMAGED),
    Case(
        "text renamed png",
        "notes.png",
        "error",
        lambda: b"these are notes\n" * 40,
        words=NOT_AN_IMAGE,
    ),
    Case("html renamed png", "page.png", "error", lambda: HTML, words=NOT_AN_IMAGE),
    Case(
        "svg with script renamed png",
        "drawing.png",
        "error",
        lambda: SVG,
        words=NOT_AN_IMAGE,
        as_style=True,
    ),
    Case("pdf renamed png", "document.png", "error", lambda: PDF, words=NOT_AN_IMAGE),
    Case(
        "jpeg start marker only", "stub.jpg", "error", lambda: b"\xff\xd8\xff", words=NOT_AN_IMAGE
    ),
    Case(
        "png header then garbage",
        "garbage.png",
        "error",
        _png_header_then_garbage,
        words=NOT_AN_IMAGE,
    ),
    Case("png zero width", "zero_width.png", "error", lambda: bomb_png(0, 48), words=NOT_AN_IMAGE),
    Case("png ztxt bomb", "ztxt.png", "error", _ztxt_bomb, words=("could not be read",)),
    # Decompression bombs and oversized headers: refused before any decoding.
    Case(
        "png bomb 60000x60000",
        "bomb.png",
        "error",
        lambda: bomb_png(60_000, 60_000),
        words=TOO_LARGE,
        as_style=True,
    ),
    Case(
        "png 12000x12000 header",
        "warn_bomb.png",
        "error",
        lambda: bomb_png(12_000, 12_000),
        words=(*TOO_LARGE, "12000x12000"),
    ),
    Case(
        "png 10000x6000 header",
        "over_limit.png",
        "error",
        lambda: bomb_png(10_000, 6_000),
        words=(*TOO_LARGE, "10000x6000"),
    ),
    Case(
        "gif 65535x65535 screen",
        "huge.gif",
        "error",
        lambda: huge_screen_gif(65_535, 65_535),
        words=TOO_LARGE,
    ),
    # Unusual but legitimate images: each must work.
    Case(
        "1x1",
        "dot.png",
        "ok",
        lambda: _encoded(Image.new("RGB", (1, 1), (200, 30, 30)), "PNG"),
        source_size=(1, 1),
        as_style=True,
    ),
    Case(
        "2x4000",
        "tall.png",
        "ok",
        lambda: _encoded(_tall(), "PNG"),
        source_size=(2, 4000),
        as_style=True,
    ),
    Case(
        "4000x2",
        "wide.png",
        "ok",
        lambda: _encoded(_tall().transpose(Image.Transpose.TRANSPOSE), "PNG"),
        source_size=(4000, 2),
    ),
    Case(
        "16-bit rgb png",
        "rgb48.png",
        "ok",
        lambda: rgb48_png(scene().astype(np.uint16) * 257),
        source_size=SMALL,
        as_style=True,
    ),
    Case(
        "cmyk jpeg",
        "cmyk.jpg",
        "ok",
        _small("JPEG", "CMYK", quality=90),
        source_size=SMALL,
        as_style=True,
    ),
    Case(
        "palette png with transparency",
        "palette.png",
        "ok",
        _palette_with_transparency,
        source_size=SMALL,
    ),
    Case("rgba png", "rgba.png", "ok", _rgba, source_size=SMALL, as_style=True),
    Case("greyscale png", "grey.png", "ok", _small("PNG", "L"), source_size=SMALL),
    Case("la png", "la.png", "ok", _la, source_size=SMALL),
    Case("dark I;16 png", "dark16.png", "ok", _dark_i16, source_size=SMALL),
    Case(
        "exif orientation 6 jpeg",
        "rotated.jpg",
        "ok",
        _exif_rotated_jpeg,
        source_size=(48, 64),
        as_style=True,
    ),
    Case("animated gif", "animated.gif", "ok", _animated_gif, source_size=SMALL, as_style=True),
    Case("webp", "picture.webp", "ok", _small("WEBP", quality=90), source_size=SMALL),
    Case("bmp", "picture.bmp", "ok", _small("BMP"), source_size=SMALL),
    Case("tiff", "picture.tiff", "ok", _small("TIFF", compression="tiff_lzw"), source_size=SMALL),
    Case("png named jpg", "really_png.jpg", "ok", _small("PNG"), source_size=SMALL),
    Case(
        "6000x4000 photo jpeg",
        "photo.jpg",
        "ok",
        lambda: _encoded(big_photo(), "JPEG", quality=85),
        source_size=(6000, 4000),
        as_style=True,
    ),
)
CASE_NAMES = tuple(case.name for case in CASES)
BY_NAME = {case.name: case for case in CASES}


def write_corpus(folder: Path) -> list[Case]:
    """Write every case's file into ``folder`` (created if needed); return the cases with paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for case in CASES:
        path = folder / case.filename
        path.write_bytes(case.make())
        written.append(dataclasses.replace(case, path=path))
    return written
