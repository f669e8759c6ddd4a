"""Tiny video clips written on demand with PyAV (nothing binary is committed).

Every good clip shows the same scene: a textured square moving ``STEP`` px right per frame
over a still textured background, ``SIZE`` pixels, ``FRAMES`` frames. ``write_good(folder)``
writes it as MP4 (H.264), WebM (VP9 with an Opus sine), MOV (H.264) and an animated GIF;
``write_hostile(folder)`` writes the files a video input must refuse. About 0.3 s for both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageFilter

SIZE = (96, 64)  # (width, height) of the good clips
FRAMES = 12
FRAME_RATE = 12
STEP = 3  # px the square moves right per frame
SQUARE = 20  # side of the moving square, px; its top left corner is at square_corner(index)
AUDIO_RATE = 48_000


def texture(width: int, height: int, seed: int, blur: float = 2.0) -> np.ndarray:
    """(height, width, 3) uint8: blurred noise stretched to the full range. Smooth enough
    for optical flow and video codecs, busy enough that every patch can be told apart."""
    noise = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(noise).filter(ImageFilter.GaussianBlur(blur)), float)
    low, high = smooth.min(), smooth.max()
    return ((smooth - low) * 255 / (high - low)).round().astype(np.uint8)


def square_corner(index: int) -> tuple[int, int]:
    """(x, y) of the moving square's top left corner in frame ``index``."""
    return 10 + STEP * index, 22


def scene(index: int, size: tuple[int, int] = SIZE) -> Image.Image:
    """Frame ``index`` of the good clips."""
    width, height = size
    picture = texture(width, height, seed=1).copy()
    x, y = square_corner(index)
    square = texture(SQUARE, SQUARE, seed=2, blur=1.0)
    visible = picture[y : y + SQUARE, x : x + SQUARE]
    visible[...] = square[: visible.shape[0], : visible.shape[1]]
    return Image.fromarray(picture)


def scenes(count: int = FRAMES, size: tuple[int, int] = SIZE) -> list[Image.Image]:
    return [scene(index, size) for index in range(count)]


def sine(seconds: float, rate: int = AUDIO_RATE, hertz: float = 440.0) -> np.ndarray:
    """(1, samples) float32 mono tone."""
    time = np.arange(round(seconds * rate)) / rate
    return (0.3 * np.sin(2 * math.pi * hertz * time)).astype(np.float32)[None]


def write_video(
    path: Path,
    pictures: list[Image.Image],
    frame_rate: int = FRAME_RATE,
    format: str = "mp4",
    codec: str = "libx264",
    audio_codec: str | None = None,
) -> Path:
    """``pictures`` as a clip; with ``audio_codec``, a sine as long as the pictures."""
    with av.open(str(path), "w", format=format) as container:
        video = container.add_stream(codec, rate=frame_rate)
        video.width, video.height = pictures[0].size
        video.pix_fmt = "yuv420p"
        if codec == "libx264":
            video.options = {"preset": "ultrafast"}
        audio = container.add_stream(audio_codec, rate=AUDIO_RATE) if audio_codec else None
        for index, picture in enumerate(pictures):
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            _write_audio(container, audio, sine(len(pictures) / frame_rate))
    return path


def _write_audio(container, stream, samples: np.ndarray, chunk: int = 960) -> None:
    for start in range(0, samples.shape[1], chunk):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples[:, start : start + chunk]), format="flt", layout="mono"
        )
        frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, start, Fraction(1, AUDIO_RATE)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def write_gif(path: Path, pictures: list[Image.Image], milliseconds: int = 100) -> Path:
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=milliseconds, loop=0)
    return path


# --- good clips ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Good:
    """A clip of the scene and what ``probe`` must say about it."""

    filename: str
    frame_rate: int
    has_audio: bool
    codec: str  # FFmpeg's decoder name
    write: Callable[[Path], Path]


GOOD = {
    "mp4": Good("clip.mp4", FRAME_RATE, False, "h264", lambda p: write_video(p, scenes())),
    "webm": Good(
        "clip.webm",
        FRAME_RATE,
        True,
        "vp9",
        lambda p: write_video(
            p, scenes(), format="webm", codec="libvpx-vp9", audio_codec="libopus"
        ),
    ),
    "mov": Good(
        "clip.mov", FRAME_RATE, False, "h264", lambda p: write_video(p, scenes(), format="mov")
    ),
    "gif": Good("clip.gif", 10, False, "gif", lambda p: write_gif(p, scenes())),  # 100 ms
}


def write_good(folder: Path) -> dict[str, Path]:
    return {name: clip.write(folder / clip.filename) for name, clip in GOOD.items()}


# --- hostile files ------------------------------------------------------------------------


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())


def _truncated(path: Path) -> None:
    # PyAV writes the index (moov) after the frames: the first 1000 bytes hold no index.
    whole = write_video(path.with_name("whole.mp4"), scenes())
    path.write_bytes(whole.read_bytes()[:1000])


def _audio_only(path: Path) -> None:
    with av.open(str(path), "w", format="mp4") as container:
        _write_audio(container, container.add_stream("aac", rate=AUDIO_RATE), sine(0.5))


def _still_png(path: Path) -> None:
    scene(0).save(path, format="PNG")


def _still_ppm(path: Path) -> None:
    scene(0).save(path, format="PPM")


def _svg(path: Path) -> None:
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64">'
        '<rect width="96" height="64" fill="teal"/></svg>\n'
    )


def _text(path: Path) -> None:
    # A few lines of notes: FFmpeg's "tty" demuxer takes a .txt file for ANSI art.
    path.write_text("".join(f"take {take}: the cat crosses the table\n" for take in range(40)))


def _tiny_frames(path: Path) -> None:
    write_video(path, scenes(size=(16, 16)))


def _matroska(path: Path) -> bytes:
    return write_video(path, scenes(), format="matroska").read_bytes()


def _unknown_codec(path: Path) -> None:
    # The same H.264 clip, its Matroska CodecID overwritten by a same-length id no decoder has.
    data = _matroska(path)
    assert data.count(b"V_MPEG4/ISO/AVC") == 1
    path.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_XYZW/NOT/REAL"))


def _no_frames(path: Path) -> None:
    # The Matroska header and track list, cut before the first Cluster (the frames).
    data = _matroska(path)
    path.write_bytes(data[: data.index(bytes.fromhex("1F43B675"))])


@dataclass(frozen=True)
class Hostile:
    """A file ``probe`` must refuse, and the words its one-line message must hold."""

    filename: str
    make: Callable[[Path], None]
    words: tuple[str, ...] = ()


HOSTILE = {
    "random bytes": Hostile("noise.mp4", _random_bytes, ("could not be read",)),
    "truncated mp4": Hostile("cut.mp4", _truncated, ("could not be read",)),
    "audio only": Hostile("voice.m4a", _audio_only, ("no video stream",)),
    "png named mp4": Hostile("photo.mp4", _still_png, ("still image",)),
    "png": Hostile("photo.png", _still_png, ("still image",)),
    "ppm": Hostile("photo.ppm", _still_ppm, ("still image",)),
    "svg": Hostile("drawing.svg", _svg, ("still image",)),
    "text": Hostile("notes.txt", _text, ("text file, not a video",)),
    "empty": Hostile("empty.mp4", lambda path: path.write_bytes(b""), ("is empty",)),
    "16x16 frames": Hostile("tiny.mp4", _tiny_frames, ("16x16", "at least 32 px")),
    "unknown codec": Hostile("alien.mkv", _unknown_codec, ("cannot decode",)),
    "no frames": Hostile("hollow.mkv", _no_frames, ("before its first frame",)),
}


def write_hostile(folder: Path) -> dict[str, Path]:
    paths = {}
    for name, case in HOSTILE.items():
        paths[name] = folder / case.filename
        case.make(paths[name])
    return paths
