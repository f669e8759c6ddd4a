"""A corpus of hostile and unusual input files, generated on demand (nothing binary is committed).

``write_corpus(folder)`` writes every file into ``folder`` and returns a list of ``Case``:
what a correct app or CLI does with it, either

* ``"ok"``: a result whose size is ``case.expected_size(long_side)`` (the long side as asked,
  the content's aspect kept, the short side at least ``MIN_SIDE`` px), or
* ``"error"``: a one-line message containing every word in ``case.words``.

``CASES`` describes the files without building them (tests parametrize over ``CASE_NAMES`` at
collection time); ``write_corpus`` builds them, about 2 s, mostly the 6000x4000 photo.

Used by tests/test_hostile_inputs.py (HTTP API and CLI). ``SETTINGS_CASES`` are result PNGs
with crafted settings, for tests/test_restore_hostile.py (``read_params`` and the app's Restore).
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

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


# --- result PNGs with crafted settings (for read_params and the app's Restore) -------------
#
# A result PNG carries its run's settings as JSON in a text chunk keyed "parameters"
# (style_core.images.PARAMS_KEY). Restoring one must answer every crafted chunk below with one
# clear sentence, never a crash or a NaN in a widget.

PARAMS_KEY = "parameters"  # style_core.images.PARAMS_KEY, restated here


@dataclass(frozen=True)
class SettingsCase:
    name: str
    make: Callable[[], bytes] = field(repr=False, compare=False)
    # The one-line message has each of these words; () = a valid, if odd, PNG that restores.
    words: tuple[str, ...] = ()
    from_issue: bool = False  # one of the crafted PNGs measured in issue 15

    def __str__(self) -> str:
        return self.name


def settings_png(
    text: str | bytes,
    *,
    compressed: bool = False,
    after_idat: bool = False,
    image: Image.Image | None = None,
) -> bytes:
    """A small real picture whose "parameters" chunk holds ``text`` exactly as given.

    ``compressed`` writes a zTXt chunk; ``after_idat`` puts the chunk after the pixel data,
    where Pillow finds it only by decoding the image (PngInfo places text chunks before it)."""
    picture = image if image is not None else Image.fromarray(scene(64, 48, seed=11))
    if not after_idat:
        info = PngImagePlugin.PngInfo()
        info.add_text(PARAMS_KEY, text, zip=compressed)
        return _encoded(picture, "PNG", pnginfo=info)
    data = text.encode("latin-1") if isinstance(text, str) else text
    kind, payload = (b"zTXt", b"\0" + zlib.compress(data)) if compressed else (b"tEXt", data)
    png = _encoded(picture, "PNG")
    iend = png_chunk(b"IEND", b"")
    assert png.endswith(iend)
    return png[: -len(iend)] + png_chunk(kind, PARAMS_KEY.encode() + b"\0" + payload) + iend


def settings_json(**values) -> str:
    """The JSON a crafted PNG carries (NaN and Infinity written as Python's json writes them)."""
    return json.dumps(values)


def header_bomb_with_settings(width: int, height: int, text: str) -> bytes:
    """A valid PNG (correct CRCs) whose IHDR claims width x height, carrying valid settings."""
    chunk = png_chunk(b"tEXt", PARAMS_KEY.encode() + b"\0" + text.encode("latin-1"))
    return raw_png(width, height, zlib.compress(b"\x00" * 1024), extra=chunk)


def _truncated_settings_png() -> bytes:
    noisy = np.random.default_rng(12).integers(0, 256, (96, 96, 3), dtype=np.uint8)
    data = settings_png(settings_json(steps=30), image=Image.fromarray(noisy))
    return data[: len(data) * 3 // 4]


def _settings_jpeg() -> bytes:
    return _encoded(Image.fromarray(scene()), "JPEG", comment=settings_json(steps=30).encode())


def _s(**values) -> Callable[[], bytes]:
    return lambda: settings_png(settings_json(**values))


def _raw(text: str, **options) -> Callable[[], bytes]:
    return lambda: settings_png(text, **options)


MUST = ("must",)
SETTINGS_CASES: tuple[SettingsCase, ...] = (
    # The crafted PNGs of issue 15 that crashed Restore or put NaN in a slider.
    SettingsCase("blend 0 0", _s(style_blend=[0, 0]), ("style_blend", "all zeros"), True),
    SettingsCase("blend 1 -1", _s(style_blend=[1, -1]), ("style_blend", ">= 0"), True),
    SettingsCase("steps many", _s(steps="many"), ("steps", "integer", "'many'"), True),
    SettingsCase("size list", _s(size=[1, 2]), ("size", "integer", "(1, 2)"), True),
    SettingsCase("style layers int", _s(style_layers=5), ("style_layers", "VGG19 layer"), True),
    SettingsCase(
        "header 100000x100000",
        lambda: header_bomb_with_settings(100_000, 100_000, settings_json(steps=30)),
        ("too large",),
        True,
    ),
    SettingsCase("style weight NaN", _s(style_weight=math.nan), ("style_weight", "nan"), True),
    # Numbers that are not numbers, or not in range.
    SettingsCase("style weight Infinity", _s(style_weight=math.inf), ("style_weight", "inf")),
    SettingsCase("content weight -Infinity", _s(content_weight=-math.inf), ("content_weight",)),
    SettingsCase("content weight 1e999", _raw('{"content_weight": 1e999}'), ("content_weight",)),
    SettingsCase("steps float", _s(steps=30.0), ("steps", "integer")),
    SettingsCase("steps 1e300", _s(steps=1e300), ("steps", "integer")),
    SettingsCase("seed 10**30", _s(seed=10**30), ("seed", "between")),
    SettingsCase("steps 4000 digits", _raw('{"steps": 9' + "9" * 3999 + "}"), ("steps", "...")),
    SettingsCase("steps 5000 digits", _raw('{"steps": 9' + "9" * 4999 + "}"), ("unreadable",)),
    SettingsCase("size bool", _s(size=True), ("size", "integer")),
    SettingsCase("size null", _s(size=None), ("size", "None")),
    SettingsCase("size negative", _s(size=-512), ("size", "between")),
    SettingsCase("learning rate string", _s(learning_rate="0.1"), ("learning_rate", "'0.1'")),
    SettingsCase("both weights 0", _s(style_weight=0, content_weight=0), ("cannot both be 0",)),
    # Choices, flags and layer lists of the wrong kind.
    SettingsCase("color dict", _s(color={"a": 1}), ("color", "one of")),
    SettingsCase("color control chars", _s(color="none\u202e\n"), ("color", "\\u202e")),
    SettingsCase("multiscale string", _s(multiscale="yes"), ("multiscale", "true or false")),
    SettingsCase("style layers string", _s(style_layers="relu1_1"), ("style_layers",)),
    SettingsCase("style layers nested", _s(style_layers=[["relu1_1"]]), ("style_layers",)),
    SettingsCase("style layers unknown", _s(style_layers=["relu9_9"]), ("unknown layer",)),
    SettingsCase("content layers empty", _s(content_layers=[]), ("content_layers",)),
    SettingsCase("content layers null", _s(content_layers=None), ("content_layers",)),
    SettingsCase(
        "layer weights short", _s(style_layer_weights=[1, 2]), ("style_layer_weights", "5 values")
    ),
    SettingsCase(
        "layer weights NaN",
        _s(style_layer_weights=[1, 1, math.nan, 1, 1]),
        ("style_layer_weights", "finite"),
    ),
    SettingsCase("layer weights string", _s(style_layer_weights="1,1"), ("style_layer_weights",)),
    SettingsCase("blend strings", _s(style_blend=["a", "b"]), ("style_blend", "only numbers")),
    SettingsCase("blend overflow", _s(style_blend=[1e308, 1e308]), ("style_blend", "overflows")),
    SettingsCase("blend nine", _s(style_blend=[1] * 9), ("style_blend", "at most 8")),
    SettingsCase("blend dict", _s(style_blend={"a": 1}), ("style_blend", "list of numbers")),
    # Not settings at all.
    SettingsCase("unknown key", _s(zoom=2, steps=30), ("unknown parameter", "zoom")),
    SettingsCase("key with newline", _raw('{"a\\nb": 1}'), ("unknown parameter", "\\n")),
    SettingsCase("invalid json", _raw("{not json"), ("not valid JSON",)),
    SettingsCase("json list", _raw("[1, 2]"), ("JSON object",)),
    SettingsCase("json string", _raw('"steps"'), ("JSON object",)),
    SettingsCase("json null", _raw("null"), ("JSON object",)),
    SettingsCase("json nested deep", _raw("[" * 50_000), ("nested too deeply",)),
    SettingsCase("json too long", _raw(" " * 200_000 + "{}"), ("too long",)),
    SettingsCase(
        "nested garbage", _s(style_blend=[[[[{"a": [None, [1e999]]}]]]]), ("style_blend",)
    ),
    # Files that are no readable result PNG.
    SettingsCase(
        "ztxt settings bomb",
        _raw("A" * (2 << 20), compressed=True),
        ("could not be read", "too large"),
    ),
    SettingsCase(
        "ztxt settings bomb after pixels",
        _raw("A" * (2 << 20), compressed=True, after_idat=True),
        ("too large",),
    ),
    SettingsCase(
        "header 10000x6000",
        lambda: header_bomb_with_settings(10_000, 6_000, settings_json(steps=30)),
        ("too large", "10000x6000"),
    ),
    SettingsCase("truncated", _truncated_settings_png, ("damaged or truncated",)),
    SettingsCase("zero bytes", lambda: b"", ("not an image",)),
    SettingsCase("text file", lambda: b"these are notes\n" * 40, ("not an image",)),
    SettingsCase("jpeg", _settings_jpeg, ("not a PNG",)),
    # Valid but unusual settings: they restore, clamped into the sliders where needed.
    SettingsCase("valid after pixels", _raw(settings_json(steps=30), after_idat=True)),
    SettingsCase("valid ztxt", _raw(settings_json(steps=30), compressed=True)),
    SettingsCase("valid extremes", _s(style_weight=1e6, steps=10_000, size=4096, seed=2**32 - 1)),
    SettingsCase("valid int weights", _s(style_weight=7, content_weight=0)),
    SettingsCase("valid huge blend", _s(style_blend=[1e300, 1e300])),
    SettingsCase("valid tiny blend", _s(style_blend=[5e-324, 0])),
    SettingsCase("valid three styles", _s(style_blend=[1, 2, 3])),
    SettingsCase(
        "valid other layers",
        _s(style_layers=["pool5", "relu1_2"], style_layer_weights=[1e6, 0]),
    ),
)
SETTINGS_CASE_NAMES = tuple(case.name for case in SETTINGS_CASES)
SETTINGS_BY_NAME = {case.name: case for case in SETTINGS_CASES}
