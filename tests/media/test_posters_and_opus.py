"""media.video's JPEG posters (a size bound, a frame a third in, a sheet of several) and
media.opus's copy of a clip with Opus sound for players without AAC, checked by decoding
real MP4s with PyAV."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from seedance_magic.emulator.clip import RenderSpec
from seedance_magic.emulator.synth import render_cached
from seedance_magic.media import video
from seedance_magic.media.opus import opus_copy

CLIP = RenderSpec(864, 496, 4, 3, "A paper boat drifts down a rain-filled gutter", audio=True)
TALL = RenderSpec(496, 864, 2, 4, "A lighthouse at dawn", audio=False)


@pytest.fixture
def clip_path(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(render_cached(CLIP))
    return path


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_poster_is_a_small_jpeg_of_the_frame_a_third_in(clip_path: Path) -> None:
    poster = video.poster_jpeg(clip_path)
    image = picture(poster)
    assert image.format == "JPEG" and image.size == (400, 230)  # the longer side bounded
    assert 2_000 < len(poster) <= 15_000
    wanted = Image.fromarray(video._frame_at(clip_path, 1 / 3)).resize(image.size)
    other = Image.fromarray(video.first_frame(clip_path)).resize(image.size)
    seen = np.asarray(image.convert("RGB"), dtype=float)
    assert (
        np.abs(seen - np.asarray(wanted, dtype=float)).mean()
        < np.abs(seen - np.asarray(other, dtype=float)).mean()
    )
    tall = picture(video.poster_jpeg(render_cached(TALL), max_side=320))
    assert tall.size == (184, 320)


def test_a_detailed_picture_is_squeezed_under_the_bound(tmp_path: Path) -> None:
    noise = np.random.default_rng(1).integers(0, 256, (496, 864, 3), dtype=np.uint8)
    path = tmp_path / "noise.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=4)
        stream.width, stream.height, stream.pix_fmt = 864, 496, "yuv420p"
        for _ in range(4):
            for packet in stream.encode(av.VideoFrame.from_ndarray(noise, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    poster = video.poster_jpeg(path, max_bytes=12_000)
    assert len(poster) <= 12_000 and picture(poster).format == "JPEG"


def test_a_sheet_puts_posters_side_by_side_and_marks_missing_ones(clip_path: Path) -> None:
    poster = video.poster_jpeg(clip_path)
    sheet = picture(video.poster_sheet([poster, None, poster], columns=2, cell=200))
    assert sheet.size == (404, 404) and sheet.format == "JPEG"
    pixels = np.asarray(sheet.convert("RGB")).astype(int)
    assert abs(pixels[100, 300, 0] - 96) < 12  # the second cell has no video: grey
    assert abs(pixels[300, 300, 0] - 32) < 12  # no fourth cell: the background
    assert picture(video.poster_sheet([poster], columns=3, cell=100)).size == (100, 100)


def packets(data: bytes) -> list[bytes]:
    with av.open(io.BytesIO(data)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


def test_the_opus_copy_keeps_the_video_packets_and_reencodes_the_sound(clip_path: Path) -> None:
    original = clip_path.read_bytes()
    copy = opus_copy(clip_path)
    assert copy == opus_copy(original)
    assert packets(copy) == packets(original)  # copied, not encoded again
    info = video.probe(copy)
    assert (info.video_codec, info.audio_codec, info.width, info.height) == ("h264", "opus", 864, 496)
    with av.open(io.BytesIO(copy)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        assert stream.codec_context.sample_rate == 48_000
    assert samples / 48_000 == pytest.approx(4.0, abs=0.05)
    loud = np.abs(np.concatenate([f.to_ndarray().ravel() for f in av.open(io.BytesIO(copy)).decode(audio=0)]))
    assert loud.max() > 0.01  # the sound is still there


def test_a_silent_clip_or_one_with_opus_already_comes_back_as_it_is(clip_path: Path) -> None:
    silent = render_cached(TALL)
    assert opus_copy(silent) == silent
    copy = opus_copy(clip_path)
    assert opus_copy(copy) == copy


def test_an_unreadable_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a readable video"):
        opus_copy(b"not a video at all")
