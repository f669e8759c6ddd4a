"""Image I/O at the edge of the engine: decoding untrusted input, resizing, tensors, PNG metadata."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from style_core.params import StyleParams

ImageInput = str | os.PathLike | bytes | Image.Image | np.ndarray

MAX_INPUT_PIXELS = 50_000_000  # refuse larger images before decoding them (decompression bombs)
MIN_SIDE = 32  # relu5_1 sits behind four 2x poolings: keep at least 2x2 positions there
PARAMS_KEY = "parameters"
MASK_KEY = "mask"  # PNG text chunk: the run's mask, itself a base64 greyscale PNG
SOURCES_KEY = "sources"  # PNG text chunk: the files a run was made from (describe_sources)
# A mask whose aspect ratio is this close to the content's is resized to fit (rounding, a
# crop of a pixel or two); further off, it was made for another picture and is refused.
MASK_ASPECT_TOLERANCE = 0.05


class ImageError(ValueError):
    """An input is not a usable image. The message is safe to show to a user."""


def load_image(
    source: ImageInput,
    name: str = "image",
    max_side: int | None = None,
    convert: Callable[[Image.Image], Image.Image] | None = None,
) -> Image.Image:
    """Any supported input -> an RGB PIL image, EXIF orientation applied.

    ``name`` ("content image", "style image 2") is used in error messages. ``convert``
    replaces the final conversion to RGB (masks keep their alpha). ``max_side`` lets a
    JPEG decode at a reduced scale that still covers that long side (a 24 Mpx photo then
    never sits in memory at full size); the image may still be larger than ``max_side``.
    """
    if isinstance(source, Image.Image):
        image = source
    elif isinstance(source, np.ndarray):
        image = _from_array(source, name)
    elif isinstance(source, (bytes, bytearray)):
        image = _open(io.BytesIO(source), name)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"{name}: file not found: {path.name}")
        image = _open(path, name)
    else:
        raise ImageError(
            f"{name}: expected a file path, PIL image or numpy array, got {type(source).__name__}"
        )
    _check_pixels(image, name)
    if max_side and image.format == "JPEG":
        # Only photos at least 4x too large decode reduced (to >= 2x, so the final resize
        # still downsamples well); ordinary uploads decode exactly as they are.
        image.draft("RGB", (2 * max_side, 2 * max_side))
    try:
        return (convert or _to_rgb)(ImageOps.exif_transpose(image))
    except (OSError, ValueError, SyntaxError) as error:  # truncated or corrupt pixel data
        raise ImageError(
            f"{name}: the image data is damaged or truncated ({_reason(error)})"
        ) from None


def image_size(source: str | os.PathLike, name: str = "image") -> tuple[int, int]:
    """(width, height) as displayed (EXIF orientation applied), from the header only.

    ``name`` is used in error messages, as in ``load_image``."""
    path = Path(source)
    if not path.is_file():
        raise ImageError(f"{name}: file not found: {path.name}")
    image = _open(path, name)
    _check_pixels(image, name)
    width, height = image.size
    try:  # a PNG's EXIF may follow its pixels: reading it reads them, and a cut file fails
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageError(f"{name}: could not be read as an image ({_reason(error)})") from None
    # EXIF orientations 5-8 are quarter turns.
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _open(file: io.BytesIO | Path, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # PIL warns (to stderr) between its two bomb limits; our own, lower limit in
            # _check_pixels refuses those images with their size in the message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(file)  # lazy: reads only the header
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: image is too large (over {MAX_INPUT_PIXELS:,} pixels)") from None
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image file (or an unsupported format)") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageError(f"{name}: could not be read as an image ({_reason(error)})") from None
    return image


def _reason(error: Exception) -> str:
    # Keep messages one line and free of internal paths.
    if isinstance(error, ValueError) and "MAX_TEXT" in str(error):
        # Pillow 12 refuses a PNG text chunk that inflates past MAX_TEXT_CHUNK (1 MiB), or
        # text chunks over MAX_TEXT_MEMORY (64 MiB) in all, as decompression bombs.
        return "a text chunk in it is too large"
    text = str(error).split("\n")[0]
    return os.path.basename(text) if os.sep in text else text


def _check_pixels(image: Image.Image, name: str) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError(f"{name}: image has no pixels ({width}x{height})")
    if width * height > MAX_INPUT_PIXELS:
        raise ImageError(
            f"{name}: image is too large ({width}x{height}); the limit is {MAX_INPUT_PIXELS:,} pixels"
        )


def _from_array(array: np.ndarray, name: str) -> Image.Image:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageError(f"{name}: array must be HxW, HxWx3 or HxWx4; got shape {array.shape}")
    if array.size == 0:
        raise ImageError(f"{name}: array is empty")
    if array.shape[0] * array.shape[1] > MAX_INPUT_PIXELS:
        raise ImageError(f"{name}: image is too large; the limit is {MAX_INPUT_PIXELS:,} pixels")
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ImageError(f"{name}: array contains NaN or infinite values")
        # Floats are taken as 0..1 unless they clearly use 0..255.
        scale = 1.0 if array.max() > 1.0 else 255.0
        array = np.clip(array * scale, 0, 255).round().astype(np.uint8)
    elif array.dtype == np.uint16:
        array = (array // 257).astype(np.uint8)
    elif array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.integer):
            raise ImageError(f"{name}: unsupported array type {array.dtype}")
        array = np.clip(array, 0, 255).astype(np.uint8)
    return Image.fromarray(array)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL mode -> RGB. Transparency is composited onto white."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float64)
        # 16-bit modes span 0..65535; for 32-bit I/F the range is unknown, so guess it.
        sixteen_bit = image.mode.startswith("I;16") or values.max() > 255
        peak = 65535.0 if sixteen_bit else 255.0
        image = Image.fromarray(np.clip(values / peak * 255, 0, 255).round().astype(np.uint8))
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert("RGB")


def load_mask(source: ImageInput, content_size: tuple[int, int], name: str = "mask") -> Image.Image:
    """A mask for a content image of ``content_size`` -> greyscale ("L") at exactly that size.

    White means "style here", black "keep the content" (or, with two styles, the second
    style); grey blends. An image with transparency (a layer painted over the content) is
    read by its alpha: painted means "style here". Others are read by their luminance.
    Raises ImageError if the mask's aspect ratio is more than 5% off the content's.
    """
    mask = load_image(source, name, convert=_mask_values)
    width, height = mask.size
    content_width, content_height = content_size
    ratio = (width / height) / (content_width / content_height)
    if abs(math.log(ratio)) > math.log1p(MASK_ASPECT_TOLERANCE):
        raise ImageError(
            f"{name}: its shape ({width}x{height}) does not match the content image's "
            f"({content_width}x{content_height}); make the mask from the content image"
        )
    return mask.resize(content_size, Image.Resampling.BILINEAR)


def _mask_values(image: Image.Image) -> Image.Image:
    """-> "L": the alpha channel if any pixel is see-through, else the luminance."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = image.getchannel("A")
        if alpha.getextrema()[0] < 255:
            return alpha
    return _to_rgb(image).convert("L")


def fit_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(width, height) scaled so the long side is ``long_side``; short side at least MIN_SIDE."""
    scale = long_side / max(width, height)
    fitted = (max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale)))
    return fitted


def resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def to_tensor(image: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """RGB PIL -> (1, 3, H, W) float32 in 0..1."""
    array = np.asarray(image, dtype=np.uint8)
    tensor = torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0)
    return tensor.to(device=device, dtype=torch.float32).div_(255.0)


def to_pil(tensor: torch.Tensor) -> Image.Image:
    """(1, 3, H, W) in 0..1 (clamped) -> RGB PIL."""
    array = tensor.detach()[0].float().clamp(0, 1).mul(255).round().byte()
    return Image.fromarray(array.permute(1, 2, 0).cpu().numpy(), "RGB")


def save_png(
    image: Image.Image,
    path: str | os.PathLike,
    params: StyleParams | None = None,
    mask: ImageInput | None = None,
    sources: dict[str, Any] | None = None,
) -> Path:
    """Save as PNG with the run's parameters as a JSON text chunk (key ``parameters``), its
    mask, if any (any mask ``load_mask`` takes), as a base64 greyscale PNG at the image's
    size (key ``mask``, compressed), and ``sources`` (``describe_sources``: which files it
    was made from, so that Enlarge can find them again)."""
    info = PngImagePlugin.PngInfo()
    if params is not None:
        info.add_text(PARAMS_KEY, params.to_json())
    if sources is not None:
        info.add_text(SOURCES_KEY, json.dumps(sources, sort_keys=True))
    if mask is not None:
        # No shape check here: the run already checked the mask against the content, and the
        # result's shape may differ from the content's (the short side is at least MIN_SIDE).
        stored = load_image(mask, "mask", convert=_mask_values)
        info.add_text(MASK_KEY, _mask_text(stored, image.size), zip=True)
    path = Path(path)
    image.save(path, format="PNG", pnginfo=info)
    return path


def _mask_text(mask: Image.Image, size: tuple[int, int]) -> str:
    """The mask as base64 PNG at ``size``, halved until Pillow will read it back (it refuses
    text chunks over MAX_TEXT_CHUNK, 1 MiB, as a defence against decompression bombs; only
    a large, noisy mask gets there)."""
    while True:
        buffer = io.BytesIO()
        mask.resize(size, Image.Resampling.BILINEAR).save(buffer, format="PNG", optimize=True)
        text = base64.b64encode(buffer.getvalue()).decode("ascii")
        if len(text) < PngImagePlugin.MAX_TEXT_CHUNK or min(size) <= MIN_SIDE:
            return text
        size = (max(MIN_SIDE, size[0] // 2), max(MIN_SIDE, size[1] // 2))


def read_params(
    source: str | os.PathLike | Image.Image, name: str = "result PNG"
) -> StyleParams | None:
    """The parameters embedded by ``save_png``, validated; None if the image carries none.

    A file is opened with ``load_image``'s guards (decompression bombs, size limit) and must
    be a readable PNG. Raises ImageError for a file that is not, ValueError naming the field
    for settings that ``StyleParams.validate`` refuses; ``name`` starts the former.
    """
    if not isinstance(source, Image.Image):
        with _open_file(source, name) as image:
            return read_params(image, name)
    text = _png_text(source, PARAMS_KEY, name)
    return StyleParams.from_json(text) if text else None


def read_mask(
    source: str | os.PathLike | Image.Image, name: str = "result PNG"
) -> Image.Image | None:
    """The mask embedded by ``save_png`` (greyscale), or None if the image carries none.
    Raises ImageError if the file is not a readable PNG or the embedded mask is damaged."""
    if not isinstance(source, Image.Image):
        with _open_file(source, name) as image:
            return read_mask(image, name)
    text = _png_text(source, MASK_KEY, name)
    if not text:
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        raise ImageError("the mask embedded in that PNG is damaged") from None
    return load_image(data, "embedded mask").convert("L")


def describe_sources(content: str | os.PathLike, styles: list[str | os.PathLike]) -> dict:
    """The input files of a run by name and SHA-256 (never by folder: a shared PNG should not
    tell where its maker keeps files)."""
    return {
        "content": _describe_file(content),
        "styles": [_describe_file(style) for style in styles],
    }


def _describe_file(path: str | os.PathLike) -> dict[str, str]:
    return {"name": Path(path).name, "sha256": file_digest(path)}


def file_digest(path: str | os.PathLike) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def read_sources(source: str | os.PathLike, name: str = "result PNG") -> dict | None:
    """The ``describe_sources`` record a result PNG carries, or None (made by the app, or
    before 2026-12-06). Raises ImageError for a file that is not a readable PNG."""
    with _open_file(source, name) as image:
        text = _png_text(image, SOURCES_KEY, name)
    if not text:
        return None
    try:
        sources = json.loads(text)
        names = [sources["content"]] + list(sources["styles"])
        if not all(isinstance(n["name"], str) and isinstance(n["sha256"], str) for n in names):
            raise TypeError
    except (ValueError, TypeError, KeyError, RecursionError):
        raise ImageError(f"{name}: its record of the files it was made from is damaged") from None
    return sources


def _open_file(source: str | os.PathLike, name: str) -> Image.Image:
    path = Path(source)
    if not path.is_file():
        raise ImageError(f"{name}: file not found: {path.name}")
    return _open(path, name)


def _png_text(image: Image.Image, key: str, name: str) -> str | None:
    """The PNG text chunk ``key`` (tEXt, zTXt or iTXt), or None.

    Text chunks may follow the pixel data, so Pillow decodes the whole image to find them:
    the size limit comes first, and damaged data or oversized text become an ImageError.
    Images made in memory (no format) carry their text in ``info``.
    """
    _check_pixels(image, name)
    if isinstance(image, PngImagePlugin.PngImageFile):
        try:
            text = image.text.get(key)
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            too_large = "MAX_TEXT" in str(error)
            problem = "could not be read" if too_large else "the image data is damaged or truncated"
            raise ImageError(f"{name}: {problem} ({_reason(error)})") from None
    elif image.format is None:
        text = image.info.get(key)
    else:
        raise ImageError(f"{name}: a {image.format} image, not a PNG (only PNGs carry settings)")
    if text is not None and not isinstance(text, str):
        raise ImageError(f"{name}: its {key!r} entry is not text")
    return text
