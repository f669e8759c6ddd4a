"""Video in and out with PyAV: clips checked before any work, frames decoded at the clip's
rate, H.264 MP4 (yuv420p, even sides) that every browser plays, with the audio kept.

Nothing here needs a system ``ffmpeg``: PyAV's wheels carry their own libraries (H.264 via
libx264, AAC).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from style_core.images import MAX_INPUT_PIXELS, MIN_SIDE, fit_size, resize

# FFmpeg's demuxers of single pictures ("image2", "png_pipe", "ppm_pipe", ...): not clips.
STILL_FORMAT = ("image2", "_pipe")
# FFmpeg's "tty" demuxer shows any text file as an animation of its characters.
TEXT_FORMATS = {"tty"}
MAX_FRAME_RATE = 120


class VideoError(ValueError):
    """A clip that cannot be used, said in one sentence a person can act on."""


@dataclass(frozen=True)
class VideoInfo:
    """What a clip's headers (and its first frame) say."""

    frames: int  # counted from the duration and rate where the container does not say
    frame_rate: Fraction
    width: int
    height: int
    has_audio: bool
    codec: str

    @property
    def duration(self) -> float:
        return self.frames / float(self.frame_rate)


@dataclass(frozen=True)
class VideoLimits:
    """The most a job may take on: a clip over any of them is refused before any work."""

    frames: int = 10_000
    seconds: float = 600.0
    pixels: int = MAX_INPUT_PIXELS  # width x height of one decoded frame


def probe(
    source: str | os.PathLike, limits: VideoLimits = VideoLimits(), name: str = "video"
) -> VideoInfo:
    """Check a clip and say what it is: raises VideoError for a missing, corrupt or still
    file, one without a video stream or with no frames, or one over ``limits``."""
    path = Path(source)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise VideoError(f"the {name} {path.name!r} {what}")
    if path.stat().st_size == 0:
        raise VideoError(f"the {name} {path.name!r} is empty")
    try:
        with av.open(str(path)) as container:
            info = _read_info(container, limits, path.name, name)
    except VideoError:
        raise
    except EOFError:
        raise VideoError(f"the {name} {path.name!r} ends before its first frame") from None
    except (av.FFmpegError, UnicodeDecodeError, OSError) as error:
        raise VideoError(
            f"the {name} {path.name!r} could not be read as a video ({_reason(error)})"
        ) from None
    return info


def _read_info(container, limits: VideoLimits, file: str, name: str) -> VideoInfo:
    form = container.format.name
    if form.startswith(STILL_FORMAT[0]) or form.endswith(STILL_FORMAT[1]):
        raise VideoError(f"the {name} {file!r} is a still image, not a video")
    if form in TEXT_FORMATS:
        raise VideoError(f"the {name} {file!r} is a text file, not a video")
    if not container.streams.video:
        raise VideoError(f"the {name} {file!r} has no video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None:  # no decoder for it in this build
        raise VideoError(
            f"the {name} {file!r} uses a video codec this program cannot decode "
            f"({getattr(stream, 'codec_tag', '') or 'unknown'}): convert it to MP4 (H.264) "
            "or WebM"
        )
    info = VideoInfo(
        frames=_frame_count(container, stream),
        frame_rate=_frame_rate(stream),
        width=stream.codec_context.width,
        height=stream.codec_context.height,
        has_audio=bool(container.streams.audio),
        codec=stream.codec_context.name,
    )
    _check_limits(info, limits, file, name)
    decoded = 0
    for _ in container.decode(stream):  # the first frame decodes; a count if none was said
        decoded += 1
        if info.frames or decoded > limits.frames:
            break
    if decoded == 0:
        raise VideoError(f"the {name} {file!r} has no frames")
    if not info.frames:
        info = replace(info, frames=decoded)
        _check_limits(info, limits, file, name)
    return info


def _frame_rate(stream) -> Fraction:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate or rate <= 0:
        return Fraction(25)  # a clip that states no rate: the common default
    return min(Fraction(rate), Fraction(MAX_FRAME_RATE))


def _frame_count(container, stream) -> int:
    if stream.frames:
        return int(stream.frames)
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration:
        seconds = container.duration / av.time_base
    else:
        return 0
    return max(1, round(seconds * float(_frame_rate(stream))))


def _check_limits(info: VideoInfo, limits: VideoLimits, file: str, name: str) -> None:
    if min(info.width, info.height) < MIN_SIDE:
        raise VideoError(
            f"the {name} {file!r} is {info.width}x{info.height}: frames must be at least "
            f"{MIN_SIDE} px on each side"
        )
    if info.width * info.height > limits.pixels:
        raise VideoError(
            f"the {name} {file!r} has {info.width}x{info.height} frames, more than the "
            f"{limits.pixels / 1e6:.1f} megapixels allowed here"
        )
    if info.frames > limits.frames or info.duration > limits.seconds:
        raise VideoError(
            f"the {name} {file!r} is {info.duration:.1f} s long ({info.frames} frames); "
            f"this device takes at most {limits.seconds:g} s and {limits.frames} frames: "
            "trim it first"
        )


def _reason(error: Exception) -> str:
    text = getattr(error, "strerror", None) or str(error)
    return text.strip().rstrip(".").split(":")[-1].strip() or type(error).__name__


def read_frames(
    source: str | os.PathLike, long_side: int, max_frames: int | None = None
) -> Iterator[Image.Image]:
    """The clip's frames as RGB pictures fitted to ``long_side`` with even sides (what
    ``VideoWriter`` writes), in order, at most ``max_frames``. Call ``probe`` first: this
    assumes a clip that decodes."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        size = None
        for count, frame in enumerate(container.decode(stream)):
            if max_frames is not None and count >= max_frames:
                return
            picture = frame.to_image()
            size = size or even_size(*fit_size(*picture.size, long_side))
            yield resize(picture, size)


def even_size(width: int, height: int) -> tuple[int, int]:
    """H.264 in yuv420p wants even sides."""
    return max(2, width - width % 2), max(2, height - height % 2)


class VideoWriter:
    """An H.264 MP4 written frame by frame; ``close()`` (or leaving the ``with``) finishes
    it playable, with the audio of ``audio_from`` (if it has any) cut to the frames written;
    with no frame written, no file is left."""

    def __init__(
        self,
        path: str | os.PathLike,
        frame_rate: Fraction | float,
        audio_from: str | os.PathLike | None = None,
        quality: int = 18,  # x264 CRF: 18 is visually lossless, stylised detail survives
    ) -> None:
        self.path, self.audio_from = Path(path), audio_from
        self.frame_rate = Fraction(frame_rate).limit_denominator(1001)
        self.container = av.open(str(self.path), "w", format="mp4")
        self.stream = self.container.add_stream("libx264", rate=self.frame_rate)
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"crf": str(quality), "preset": "medium"}
        # Every stream must exist before the first frame is written.
        self.audio = self._add_audio_stream(audio_from) if audio_from is not None else None
        self.frames = 0
        self._closed = False

    def write(self, picture: Image.Image) -> None:
        if self.frames == 0:
            self.stream.width, self.stream.height = even_size(*picture.size)
        size = (self.stream.width, self.stream.height)
        if picture.size != size:
            picture = (
                picture.crop((0, 0, *size)) if _near(picture.size, size) else resize(picture, size)
            )
        frame = av.VideoFrame.from_image(picture.convert("RGB"))
        frame.pts = self.frames
        frame.time_base = 1 / self.frame_rate
        self.container.mux(self.stream.encode(frame))
        self.frames += 1

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.frames:
                self.container.mux(self.stream.encode(None))
                if self.audio is not None:
                    self._copy_audio(self.frames / float(self.frame_rate))
        finally:
            self.container.close()
            if not self.frames:  # nothing to play: leave no file behind
                self.path.unlink(missing_ok=True)

    def _add_audio_stream(self, source: str | os.PathLike):
        with av.open(str(source)) as clip:
            if not clip.streams.audio:
                return None
            rate = clip.streams.audio[0].codec_context.sample_rate or 44100
        return self.container.add_stream("aac", rate=rate)

    def _copy_audio(self, seconds: float) -> None:
        """The source's first audio track, re-encoded as AAC (what MP4 players expect
        whatever the source held: Vorbis or Opus from a WebM), up to ``seconds``."""
        audio_out = self.audio
        rate = audio_out.codec_context.sample_rate
        with av.open(str(self.audio_from)) as source:
            audio_in = source.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
            written = 0
            for frame in source.decode(audio_in):
                for chunk in resampler.resample(frame):
                    keep = min(chunk.samples, round(seconds * rate) - written)
                    if keep <= 0:
                        break
                    if keep < chunk.samples:
                        chunk = _first_samples(chunk, keep, rate)
                    chunk.pts, chunk.time_base = written, Fraction(1, rate)
                    written += chunk.samples
                    self.container.mux(audio_out.encode(chunk))
                if written >= round(seconds * rate):
                    break
            self.container.mux(audio_out.encode(None))

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _near(size: tuple[int, int], target: tuple[int, int]) -> bool:
    return 0 <= size[0] - target[0] <= 1 and 0 <= size[1] - target[1] <= 1


def _first_samples(frame: av.AudioFrame, count: int, rate: int) -> av.AudioFrame:
    samples = frame.to_ndarray()[:, :count]
    cut = av.AudioFrame.from_ndarray(
        samples.copy(), format=frame.format.name, layout=frame.layout.name
    )
    cut.sample_rate = rate
    return cut
