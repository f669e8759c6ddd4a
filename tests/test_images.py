"""Image I/O: decoding untrusted input of every common kind, clear errors, PNG metadata."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, PngImagePlugin

from style_core.images import (
    MASK_KEY,
    MAX_INPUT_PIXELS,
    MIN_SIDE,
    ImageError,
    fit_size,
    image_size,
    load_image,
    load_mask,
    read_mask,
    read_params,
    resize,
    save_png,
    to_pil,
    to_tensor,
)
from style_core.params import StyleParams


def _png_bytes(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **kwargs)
    return buffer.getvalue()


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(int)


def _checked_rgb(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    assert isinstance(image, Image.Image)
    assert image.mode == "RGB"
    assert image.size == size
    return _pixels(image)


# --- the kinds of source -----------------------------------------------------------------


def test_load_from_path_str_and_pathlike(tmp_path, content_image):
    path = tmp_path / "content.png"
    content_image.save(path)
    for source in (path, str(path)):
        loaded = load_image(source)
        assert np.array_equal(_checked_rgb(loaded, (64, 48)), _pixels(content_image))


def test_load_from_bytes_and_bytearray(content_image):
    data = _png_bytes(content_image)
    for source in (data, bytearray(data)):
        loaded = load_image(source)
        assert np.array_equal(_checked_rgb(loaded, (64, 48)), _pixels(content_image))


def test_load_from_pil_image(content_image):
    loaded = load_image(content_image)
    assert np.array_equal(_checked_rgb(loaded, (64, 48)), _pixels(content_image))


def test_load_uint8_rgb_array():
    array = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    assert np.array_equal(_checked_rgb(load_image(array), (30, 20)), array)


@pytest.mark.parametrize("shape", [(20, 30), (20, 30, 1)])
def test_load_grey_array(shape):
    grey = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    pixels = _checked_rgb(load_image(grey), (30, 20))
    plane = grey.reshape(20, 30)
    for channel in range(3):
        assert np.array_equal(pixels[..., channel], plane)


def test_load_rgba_array_composites_on_white():
    array = np.zeros((2, 3, 4), np.uint8)
    array[0, 0] = (255, 0, 0, 255)  # opaque red
    array[0, 1] = (255, 0, 0, 0)  # fully transparent red
    array[0, 2] = (0, 0, 0, 128)  # half-transparent black
    pixels = _checked_rgb(load_image(array), (3, 2))
    assert tuple(pixels[0, 0]) == (255, 0, 0)
    assert tuple(pixels[0, 1]) == (255, 255, 255)
    assert all(abs(v - 127) <= 1 for v in pixels[0, 2])
    assert tuple(pixels[1, 0]) == (255, 255, 255)  # (0, 0, 0, 0) -> white


def test_load_float_array_in_0_1():
    array = np.array([[[0.0, 0.5, 1.0], [0.25, 0.75, 0.1]]], np.float32)
    pixels = _checked_rgb(load_image(array), (2, 1))
    assert np.array_equal(pixels, np.round(array * 255).astype(int))


def test_load_float64_array_in_0_255():
    array = np.array([[[0.0, 128.0, 255.0]]], np.float64)
    assert tuple(_checked_rgb(load_image(array), (1, 1))[0, 0]) == (0, 128, 255)


def test_load_uint16_array_scales_to_8_bit():
    array = np.array([[[0, 257 * 128, 65535]]], np.uint16)
    assert tuple(_checked_rgb(load_image(array), (1, 1))[0, 0]) == (0, 128, 255)


def test_load_int_array_is_clipped():
    array = np.array([[[-5, 100, 300]]], np.int32)
    assert tuple(_checked_rgb(load_image(array), (1, 1))[0, 0]) == (0, 100, 255)


# --- PIL modes ---------------------------------------------------------------------------


def test_mode_l(tmp_path):
    grey = Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4) * 20, "L")
    path = tmp_path / "grey.png"
    grey.save(path)
    pixels = _checked_rgb(load_image(path), (4, 3))
    assert np.array_equal(pixels[..., 1], _pixels(grey))
    assert np.array_equal(pixels[..., 0], pixels[..., 2])


def test_mode_la_composites_on_white(tmp_path):
    la = Image.new("LA", (2, 1))
    la.putpixel((0, 0), (40, 255))
    la.putpixel((1, 0), (40, 0))
    path = tmp_path / "la.png"
    la.save(path)
    pixels = _checked_rgb(load_image(path), (2, 1))
    assert tuple(pixels[0, 0]) == (40, 40, 40)
    assert tuple(pixels[0, 1]) == (255, 255, 255)


def test_mode_p_with_transparency_composites_on_white(tmp_path):
    palette_image = Image.new("P", (2, 1))
    palette_image.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    palette_image.putpixel((0, 0), 0)  # red, made transparent below
    palette_image.putpixel((1, 0), 1)  # blue, opaque
    path = tmp_path / "palette.png"
    palette_image.save(path, transparency=0)
    assert Image.open(path).mode == "P"
    pixels = _checked_rgb(load_image(path), (2, 1))
    assert tuple(pixels[0, 0]) == (255, 255, 255)
    assert tuple(pixels[0, 1]) == (0, 0, 255)


def test_mode_p_without_transparency(tmp_path):
    palette_image = Image.new("P", (1, 1))
    palette_image.putpalette([10, 200, 30] + [0, 0, 0] * 255)
    path = tmp_path / "palette.png"
    palette_image.save(path)
    assert tuple(_checked_rgb(load_image(path), (1, 1))[0, 0]) == (10, 200, 30)


def test_mode_rgba_png_composites_on_white(tmp_path):
    rgba = Image.new("RGBA", (2, 1), (0, 255, 0, 255))
    rgba.putpixel((1, 0), (0, 255, 0, 0))
    path = tmp_path / "rgba.png"
    rgba.save(path)
    pixels = _checked_rgb(load_image(path), (2, 1))
    assert tuple(pixels[0, 0]) == (0, 255, 0)
    assert tuple(pixels[0, 1]) == (255, 255, 255)


def test_mode_cmyk(tmp_path):
    cmyk = Image.new("CMYK", (3, 1))
    cmyk.putpixel((0, 0), (0, 0, 0, 0))  # paper white
    cmyk.putpixel((1, 0), (255, 0, 0, 0))  # cyan ink
    cmyk.putpixel((2, 0), (0, 0, 0, 255))  # black ink
    path = tmp_path / "cmyk.tiff"
    cmyk.save(path)
    assert Image.open(path).mode == "CMYK"
    pixels = _checked_rgb(load_image(path), (3, 1))
    assert tuple(pixels[0, 0]) == (255, 255, 255)
    assert tuple(pixels[0, 1]) == (0, 255, 255)
    assert tuple(pixels[0, 2]) == (0, 0, 0)


def test_16_bit_png_is_scaled_to_8_bit(tmp_path):
    values = np.array([[0, 257 * 64, 257 * 128, 65535]], np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I")
    pixels = _checked_rgb(load_image(path), (4, 1))
    assert list(pixels[0, :, 0]) == [0, 64, 128, 255]
    assert np.array_equal(pixels[..., 0], pixels[..., 2])


def test_dark_16_bit_png_stays_dark(tmp_path):
    values = np.array([[0, 100, 255]], np.uint16)  # at most 0.4% brightness
    path = tmp_path / "dark.png"
    Image.fromarray(values).save(path)
    pixels = _checked_rgb(load_image(path), (3, 1))
    assert pixels.max() <= 1


def test_animated_gif_gives_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 6), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(path), "n_frames", 1) == 2
    pixels = _checked_rgb(load_image(path), (8, 6))
    assert (pixels == (255, 0, 0)).all()


def test_exif_orientation_is_applied(tmp_path):
    # Stored 40x20 with a red top half; orientation 6 = "rotate 90 degrees clockwise to show",
    # so the shown picture is 20x40 with the red half on the right.
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 40, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    stored.save(path, exif=exif, quality=95)
    assert Image.open(path).size == (40, 20)
    pixels = _checked_rgb(load_image(path), (20, 40))
    right, left = pixels[:, 13:].mean(axis=(0, 1)), pixels[:, :7].mean(axis=(0, 1))
    assert right[0] > 200 and right[2] < 60
    assert left[2] > 200 and left[0] < 60


# --- errors ------------------------------------------------------------------------------


def _error_for(source, name: str = "style image 2") -> str:
    with pytest.raises(ImageError) as info:
        load_image(source, name)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message
    return message


def _no_path_in(message: str, tmp_path: Path) -> None:
    assert str(tmp_path) not in message
    assert str(tmp_path.parent) not in message


def test_missing_file(tmp_path):
    message = _error_for(tmp_path / "nope.png")
    assert "not found" in message and "nope.png" in message
    _no_path_in(message, tmp_path)


def test_directory_is_not_a_file(tmp_path):
    message = _error_for(tmp_path)
    assert "not found" in message
    _no_path_in(message, tmp_path)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    message = _error_for(path)
    assert "not an image" in message
    _no_path_in(message, tmp_path)


def test_text_file_renamed_png(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are my notes, not a picture\n" * 20)
    message = _error_for(path)
    assert "not an image" in message
    _no_path_in(message, tmp_path)


def test_empty_and_garbage_bytes():
    assert "not an image" in _error_for(b"")
    assert "not an image" in _error_for(b"\x00\x01garbage" * 10)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(tmp_path, fmt):
    noisy = Image.fromarray(np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    noisy.save(buffer, format=fmt)
    data = buffer.getvalue()
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    message = _error_for(path)
    assert "damaged or truncated" in message
    _no_path_in(message, tmp_path)
    assert "damaged or truncated" in _error_for(data[: len(data) // 2])


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height (8-bit RGB) but with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [60_000, 8_000])  # PIL's own bomb limit, and ours (50 Mpx)
def test_huge_dimensions_are_refused_before_decoding(tmp_path, side):
    assert side * side > MAX_INPUT_PIXELS
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(side, side))
    started = time.perf_counter()
    message = _error_for(path)
    assert time.perf_counter() - started < 1.0  # decoding 64+ Mpx would take far longer
    assert "too large" in message
    _no_path_in(message, tmp_path)


def test_huge_array_is_refused_without_copying(monkeypatch):
    monkeypatch.setattr("style_core.images.MAX_INPUT_PIXELS", 100)
    assert "too large" in _error_for(np.zeros((11, 10, 3), np.uint8))


@pytest.mark.parametrize("source", [123, 4.5, None, ["a.png"], {"path": "a.png"}])
def test_wrong_python_type(source):
    message = _error_for(source)
    assert "expected a file path" in message and type(source).__name__ in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_array_with_non_finite_values(bad):
    array = np.full((4, 4, 3), 0.5, np.float32)
    array[1, 2, 0] = bad
    assert "NaN or infinite" in _error_for(array)


@pytest.mark.parametrize("shape", [(10,), (4, 4, 2), (4, 4, 5), (2, 4, 4, 3), (0, 4, 3), (0, 0)])
def test_bad_array_shape(shape):
    message = _error_for(np.zeros(shape, np.uint8))
    assert "shape" in message or "empty" in message


def test_unsupported_array_dtype():
    assert "unsupported array type" in _error_for(np.zeros((4, 4, 3), bool))


# --- sizes and tensors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "long_side", "expected"),
    [
        (64, 48, 64, (64, 48)),
        (48, 64, 64, (48, 64)),
        (640, 480, 100, (100, 75)),
        (1000, 1000, 256, (256, 256)),
        (100, 50, 512, (512, 256)),  # upscaling too
        (2, 4000, 64, (MIN_SIDE, 64)),
        (4000, 2, 64, (64, MIN_SIDE)),
        (4000, 2, 1024, (1024, MIN_SIDE)),
    ],
)
def test_fit_size(width, height, long_side, expected):
    assert fit_size(width, height, long_side) == expected


@pytest.mark.parametrize(("width", "height"), [(64, 48), (1920, 1080), (777, 1234), (300, 299)])
@pytest.mark.parametrize("long_side", [64, 257, 512, 1024])
def test_fit_size_keeps_long_side_and_aspect(width, height, long_side):
    new_width, new_height = fit_size(width, height, long_side)
    assert max(new_width, new_height) == long_side
    assert min(new_width, new_height) >= MIN_SIDE
    assert (new_width >= new_height) == (width >= height)
    assert abs(new_width / new_height - width / height) <= width / height * 2 / min(
        new_width, new_height
    )


def test_resize(content_image):
    assert resize(content_image, (64, 48)) is content_image
    assert resize(content_image, (32, 24)).size == (32, 24)


def test_tensor_round_trip_is_exact():
    array = np.random.default_rng(3).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    array[0, 0], array[0, 1] = (0, 0, 0), (255, 255, 255)
    tensor = to_tensor(Image.fromarray(array))
    assert tensor.shape == (1, 3, 7, 9) and tensor.dtype == torch.float32
    assert tensor.min().item() == 0.0 and tensor.max().item() == 1.0
    assert torch.allclose(tensor[0, :, 2, 3], torch.tensor(array[2, 3], dtype=torch.float32) / 255)
    back = to_pil(tensor)
    assert back.mode == "RGB" and back.size == (9, 7)
    assert np.array_equal(np.asarray(back), array)


def test_to_pil_clamps_and_accepts_grads_and_bf16():
    tensor = torch.tensor([[[[-1.0, 0.5]], [[2.0, 0.0]], [[0.25, 1.0]]]], requires_grad=True)
    pixels = _pixels(to_pil(tensor))
    assert tuple(pixels[0, 0]) == (0, 255, 64) and tuple(pixels[0, 1]) == (128, 0, 255)
    assert _pixels(to_pil(tensor.detach().to(torch.bfloat16))).shape == (1, 2, 3)


# --- PNG metadata ------------------------------------------------------------------------


def test_save_png_and_read_params_round_trip(tmp_path, content_image):
    params = StyleParams(
        size=96,
        steps=7,
        style_weight=33.0,
        color="linear",
        style_layers=("relu1_1", "relu2_1"),
        style_layer_weights=(1.0, 3.0),
        style_blend=(0.3, 0.7),
        seed=9,
    )
    path = save_png(content_image, tmp_path / "out.png", params)
    assert path == tmp_path / "out.png"
    assert read_params(path) == params
    assert read_params(str(path)) == params
    with Image.open(path) as reopened:
        assert read_params(reopened) == params
        assert np.array_equal(_pixels(reopened.convert("RGB")), _pixels(content_image))


def test_read_params_of_a_plain_png_is_none(tmp_path, content_image):
    plain = tmp_path / "plain.png"
    content_image.save(plain)
    assert read_params(plain) is None
    bare = save_png(content_image, tmp_path / "bare.png")
    assert read_params(bare) is None
    assert read_params(content_image) is None


def test_read_params_of_a_missing_file_names_the_file_only(tmp_path):
    with pytest.raises(ImageError, match="^result PNG: file not found: gone.png$"):
        read_params(tmp_path / "gone.png")


def test_read_params_and_read_mask_refuse_other_formats(tmp_path, content_image):
    # Settings and masks live only in PNG text chunks: a JPEG is answered, not searched.
    path = tmp_path / "photo.jpg"
    content_image.save(path, format="JPEG", comment=StyleParams().to_json().encode())
    for read in (read_params, read_mask):
        with pytest.raises(ImageError, match="a JPEG image, not a PNG"):
            read(path)


def test_read_params_validates_what_it_reads(tmp_path, content_image):
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", '{"style_weight": NaN}')
    path = tmp_path / "nan.png"
    content_image.save(path, pnginfo=info)
    with pytest.raises(ValueError, match="^style_weight must be between 0 and 1e\\+06; got nan$"):
        read_params(path)


# --- masks -------------------------------------------------------------------------------


def _checked_mask(mask: Image.Image, size: tuple[int, int]) -> np.ndarray:
    assert isinstance(mask, Image.Image)
    assert mask.mode == "L"
    assert mask.size == size
    return _pixels(mask)


def _left_half_white(width: int, height: int) -> Image.Image:
    mask = Image.new("L", (width, height), 0)
    mask.paste(255, (0, 0, width // 2, height))
    return mask


def test_mask_comes_back_greyscale_at_the_content_size(tmp_path):
    path = tmp_path / "mask.png"
    _left_half_white(64, 48).save(path)
    for source in (path, str(path), path.read_bytes(), Image.open(path)):
        pixels = _checked_mask(load_mask(source, (64, 48)), (64, 48))
        assert (pixels[:, :32] == 255).all() and (pixels[:, 32:] == 0).all()


def test_grey_mask_values_are_kept():
    ramp = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (48, 1))  # 64 columns
    pixels = _checked_mask(load_mask(Image.fromarray(ramp, "L"), (64, 48)), (64, 48))
    assert np.array_equal(pixels, ramp)


@pytest.mark.parametrize("mask_size", [(128, 96), (32, 24), (65, 49)])
def test_mask_of_another_size_but_the_same_aspect_is_resized(mask_size):
    pixels = _checked_mask(load_mask(_left_half_white(*mask_size), (64, 48)), (64, 48))
    # Away from the edge the halves keep their values; bilinear resizing only softens it.
    assert (pixels[:, :28] == 255).all() and (pixels[:, 36:] == 0).all()


@pytest.mark.parametrize(
    ("mask_size", "content_size"), [((103, 100), (100, 100)), ((97, 65), (96, 64))]
)
def test_mask_within_5_percent_of_the_aspect_is_accepted(mask_size, content_size):
    mask = Image.new("L", mask_size, 255)
    assert (_checked_mask(load_mask(mask, content_size), content_size) == 255).all()


@pytest.mark.parametrize(
    ("mask_size", "content_size"),
    [
        ((64, 64), (96, 64)),
        ((96, 64), (64, 96)),
        ((107, 100), (100, 100)),
        ((100, 107), (100, 100)),
    ],
)
def test_mask_of_a_clearly_different_aspect_is_refused_naming_both_shapes(mask_size, content_size):
    with pytest.raises(ImageError) as info:
        load_mask(Image.new("L", mask_size, 255), content_size)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith("mask: ") and "\n" not in message
    assert "{}x{}".format(*mask_size) in message and "{}x{}".format(*content_size) in message


def test_mask_error_uses_the_given_name():
    with pytest.raises(ImageError, match=r"^brush layer: .*64x64.*96x64"):
        load_mask(Image.new("L", (64, 64)), (96, 64), name="brush layer")


def test_transparent_layer_is_read_by_its_alpha(tmp_path):
    """Strokes painted over a see-through layer: painted = style, whatever the brush colour."""
    layer = Image.new("RGBA", (64, 48), (255, 255, 255, 0))  # transparent white
    layer.paste((0, 0, 0, 255), (0, 0, 20, 48))  # an opaque black stroke
    layer.paste((200, 30, 30, 255), (40, 10, 50, 30))  # an opaque red stroke
    layer.paste((0, 0, 0, 128), (55, 0, 64, 48))  # a half-transparent stroke: grey
    path = tmp_path / "layer.png"
    layer.save(path)
    for source in (layer, path):
        pixels = _checked_mask(load_mask(source, (64, 48)), (64, 48))
        assert (pixels[:, :20] == 255).all()
        assert (pixels[10:30, 40:50] == 255).all()
        assert (pixels[:, 20:40] == 0).all() and (pixels[:10, 40:55] == 0).all()
        assert (pixels[:, 55:] == 128).all()


def test_la_and_transparent_palette_masks_are_read_by_alpha(tmp_path):
    la = Image.new("LA", (8, 6), (255, 0))
    la.paste((0, 255), (0, 0, 4, 6))  # painted black on the left
    palette = Image.new("P", (8, 6), 0)
    palette.putpalette([255, 255, 255, 0, 0, 0] + [0, 0, 0] * 254)
    palette.paste(1, (0, 0, 4, 6))
    palette_path = tmp_path / "palette.png"
    palette.save(palette_path, transparency=0)  # index 0 (white) is see-through
    for source in (la, palette_path):
        pixels = _checked_mask(load_mask(source, (8, 6)), (8, 6))
        assert (pixels[:, :4] == 255).all() and (pixels[:, 4:] == 0).all()


def test_opaque_rgba_mask_is_read_by_luminance():
    """Alpha 255 everywhere says nothing about where to paint: the picture itself does."""
    rgba = Image.new("RGBA", (8, 6), (0, 0, 0, 255))
    rgba.paste((255, 255, 255, 255), (0, 0, 4, 6))
    pixels = _checked_mask(load_mask(rgba, (8, 6)), (8, 6))
    assert (pixels[:, :4] == 255).all() and (pixels[:, 4:] == 0).all()


def test_colour_mask_is_read_by_luminance():
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (128, 128, 128)]
    rgb = np.array([colours], np.uint8)  # 6x1
    pixels = _checked_mask(load_mask(rgb, (6, 1)), (6, 1))[0]
    expected = [round(0.299 * r + 0.587 * g + 0.114 * b) for r, g, b in colours]
    assert all(abs(int(p) - e) <= 1 for p, e in zip(pixels, expected)), (pixels, expected)


@pytest.mark.parametrize("value", [0, 255])
def test_all_black_and_all_white_masks_are_accepted(tmp_path, value):
    path = tmp_path / "flat.png"
    Image.new("L", (32, 24), value).save(path)
    pixels = _checked_mask(load_mask(path, (64, 48)), (64, 48))
    assert (pixels == value).all()


def test_numpy_masks_uint8_and_float():
    uint8 = np.zeros((24, 32), np.uint8)
    uint8[:, :16] = 255
    floats = np.zeros((24, 32), np.float32)
    floats[:, :16] = 1.0
    floats[:, 16:] = 0.5
    pixels = _checked_mask(load_mask(uint8, (32, 24)), (32, 24))
    assert (pixels[:, :16] == 255).all() and (pixels[:, 16:] == 0).all()
    pixels = _checked_mask(load_mask(floats, (32, 24)), (32, 24))
    assert (pixels[:, :16] == 255).all() and (pixels[:, 16:] == 128).all()
    column = _checked_mask(load_mask(uint8[:, :, None], (64, 48)), (64, 48))  # HxWx1, resized
    assert column[:, 0].min() == 255 and column[:, -1].max() == 0


def test_exif_rotated_mask_is_turned_like_the_content(tmp_path):
    # Stored 64x48 with a white top half and orientation 6 ("rotate 90 degrees clockwise"):
    # shown 48x64 with the white half on the right, as the content photo it was painted on.
    stored = Image.new("L", (64, 48), 0)
    stored.paste(255, (0, 0, 64, 24))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "mask.jpg"
    stored.save(path, exif=exif, quality=95)
    assert image_size(path) == (48, 64)
    pixels = _checked_mask(load_mask(path, (48, 64)), (48, 64))
    assert pixels[:, 28:].min() > 200 and pixels[:, :20].max() < 50
    with pytest.raises(ImageError, match="48x64"):  # the stored shape is never compared
        load_mask(path, (64, 48))


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (b"", "not an image"),
        (b"<svg></svg>", "not an image"),
        (_png_header_only(60_000, 60_000), "too large"),
        (_png_header_only(8_000, 8_000), "too large"),
    ],
)
def test_bad_mask_files_get_a_one_line_message_naming_the_mask(source, words):
    with pytest.raises(ImageError) as info:
        load_mask(source, (64, 48))
    message = str(info.value)
    assert message.startswith("mask: ") and words in message and "\n" not in message


def test_truncated_mask_is_named_damaged(tmp_path):
    noisy = np.random.default_rng(4).integers(0, 256, (48, 64), dtype=np.uint8)
    data = _png_bytes(Image.fromarray(noisy, "L"))
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match=r"^mask: the image data is damaged or truncated") as info:
        load_mask(path, (64, 48))
    _no_path_in(str(info.value), tmp_path)


def test_image_size_names_the_input(tmp_path):
    with pytest.raises(ImageError, match=r"^content image: file not found: gone\.png$"):
        image_size(tmp_path / "gone.png", "content image")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match=r"^content image: not an image"):
        image_size(empty, "content image")


def test_image_size_of_a_cut_png_is_an_image_error(tmp_path):
    """Its header is whole, but PIL reads the pixels to find an EXIF chunk after them."""
    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), "red").save(buffer, "PNG")
    cut = tmp_path / "cut.png"
    cut.write_bytes(buffer.getvalue()[:-30])
    with pytest.raises(ImageError, match=r"^style image: could not be read as an image"):
        image_size(cut, "style image")


# --- masks in the result PNG -------------------------------------------------------------


def _gradient_mask(width: int = 64, height: int = 48) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    return Image.fromarray(((x * 255 // (width - 1) + y) % 256).astype(np.uint8), "L")


def test_save_png_and_read_mask_round_trip(tmp_path, content_image):
    mask = _gradient_mask()
    params = StyleParams(size=64, steps=3)
    path = save_png(content_image, tmp_path / "out.png", params, mask=mask)
    for source in (path, str(path), Image.open(path)):
        back = read_mask(source)
        assert back is not None and back.mode == "L" and back.size == mask.size
        assert np.array_equal(_pixels(back), _pixels(mask))
    assert read_params(path) == params  # the mask does not disturb the parameters
    with Image.open(path) as reopened:
        assert np.array_equal(_pixels(reopened.convert("RGB")), _pixels(content_image))


def test_colour_mask_is_stored_greyscale(tmp_path, content_image):
    rgb = Image.new("RGB", (64, 48), (255, 255, 255))
    rgb.paste((0, 0, 0), (0, 0, 32, 48))
    back = read_mask(save_png(content_image, tmp_path / "out.png", mask=rgb))
    pixels = _checked_mask(back, (64, 48))
    assert (pixels[:, :32] == 0).all() and (pixels[:, 32:] == 255).all()


def test_read_mask_of_a_png_without_one_is_none(tmp_path, content_image):
    plain = tmp_path / "plain.png"
    content_image.save(plain)
    assert read_mask(plain) is None
    assert read_mask(save_png(content_image, tmp_path / "params.png", StyleParams())) is None
    assert read_mask(content_image) is None


def _png_with_mask_text(tmp_path: Path, image: Image.Image, text: str) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text(MASK_KEY, text, zip=True)
    path = tmp_path / "tampered.png"
    image.save(path, format="PNG", pnginfo=info)
    return path


@pytest.mark.parametrize(
    "payload",
    [
        "this is not base64 at all!",
        "QUJD=",  # bad padding
        base64.b64encode(b"not a png, but valid base64").decode(),
        base64.b64encode(_png_header_only(60_000, 60_000)).decode(),  # a bomb inside
    ],
)
def test_damaged_embedded_mask_is_an_image_error(tmp_path, content_image, payload):
    path = _png_with_mask_text(tmp_path, content_image, payload)
    with pytest.raises(ImageError) as info:
        read_mask(path)
    message = str(info.value)
    assert "mask" in message and "\n" not in message
    _no_path_in(message, tmp_path)


def test_truncated_embedded_mask_is_an_image_error(tmp_path, content_image):
    data = _png_bytes(
        Image.fromarray(np.random.default_rng(5).integers(0, 256, (48, 64), dtype=np.uint8), "L")
    )
    path = _png_with_mask_text(
        tmp_path, content_image, base64.b64encode(data[: len(data) // 2]).decode()
    )
    with pytest.raises(ImageError, match="embedded mask: the image data is damaged"):
        read_mask(path)


def test_save_png_stores_any_mask_input_at_the_result_size(tmp_path, content_image):
    """A path, a larger mask or a painted transparent layer: stored as the run read it."""
    big = tmp_path / "big_mask.png"
    Image.new("L", (128, 96), 255).save(big)
    stored = read_mask(save_png(content_image, tmp_path / "a.png", mask=big))
    assert (_checked_mask(stored, (64, 48)) == 255).all()
    layer = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    layer.paste((0, 0, 0, 255), (0, 0, 32, 48))  # a black stroke: painted, so style
    stored = _checked_mask(
        read_mask(save_png(content_image, tmp_path / "b.png", mask=layer)), (64, 48)
    )
    assert (stored[:, :32] == 255).all() and (stored[:, 32:] == 0).all()


def test_save_png_stores_the_mask_at_a_result_of_another_shape(tmp_path):
    """A 2x400 content gives a 32x64 result (MIN_SIDE): its 2x400 mask is stored, not refused."""
    result = Image.new("RGB", (32, 64))
    stored = read_mask(save_png(result, tmp_path / "thin.png", mask=Image.new("L", (2, 400), 255)))
    assert (_checked_mask(stored, (32, 64)) == 255).all()


def test_a_large_noisy_mask_is_stored_smaller_so_it_reads_back(tmp_path):
    """Pillow refuses PNG text over 1 MiB; a 2048x1536 noise mask would pass that as base64."""
    noise = np.random.default_rng(0).integers(0, 256, (1536, 2048), dtype=np.uint8)
    path = save_png(Image.new("RGB", (2048, 1536)), tmp_path / "big.png", mask=noise)
    mask = read_mask(path)
    assert mask is not None and mask.size[0] * 3 == mask.size[1] * 4  # the result's shape
    assert 256 <= mask.width < 2048


def test_read_mask_of_a_file_that_is_not_an_image_is_an_image_error(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture")
    with pytest.raises(ImageError, match="not an image file"):
        read_mask(path)


def test_read_mask_of_a_text_bomb_is_an_image_error(tmp_path, content_image):
    info = PngImagePlugin.PngInfo()
    info.add_text("mask", "A" * (PngImagePlugin.MAX_TEXT_CHUNK + 10), zip=True)
    path = tmp_path / "bomb.png"
    content_image.save(path, pnginfo=info)
    with pytest.raises(ImageError, match="too large"):
        read_mask(path)
