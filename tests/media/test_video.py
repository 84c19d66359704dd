"""seedance_magic.media.video: probing clips, first frames, posters and media durations."""

from __future__ import annotations

import io
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seedance_magic.emulator.clip import RenderSpec
from seedance_magic.emulator.synth import render_cached
from seedance_magic.errors import MissingDependency
from seedance_magic.media import video

CLIP = RenderSpec(320, 180, 3, 21, "A blue heron lifts off", audio=True)
SILENT = RenderSpec(180, 320, 2, 22, "Rain on a window", audio=False)


@pytest.fixture
def clip_path(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(render_cached(CLIP))
    return path


def test_probe_a_path_and_bytes(clip_path: Path) -> None:
    info = video.probe(clip_path)
    assert info == video.probe(clip_path.read_bytes()) == video.probe(str(clip_path))
    assert (info.width, info.height, info.fps, info.video_codec) == (320, 180, 24.0, "h264")
    assert abs(info.duration_s - 3) < 0.1
    assert (info.has_audio, info.audio_codec) == (True, "aac")
    assert info.size_bytes == clip_path.stat().st_size
    silent = video.probe(render_cached(SILENT))
    assert (silent.width, silent.height, silent.has_audio, silent.audio_codec) == (180, 320, False, None)


def test_first_frame_is_an_rgb_array(clip_path: Path) -> None:
    frame = video.first_frame(clip_path)
    assert frame.shape == (180, 320, 3) and frame.dtype == np.uint8
    assert np.array_equal(frame, video.first_frame(clip_path.read_bytes()))


def test_poster_is_a_small_png_from_a_third_into_the_clip(clip_path: Path) -> None:
    poster = video.poster_png(clip_path, max_width=160)
    assert poster.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(poster)) as image:
        assert image.size == (160, 90)
    full = np.asarray(Image.open(io.BytesIO(video.poster_png(clip_path, max_width=1000))).convert("RGB"))
    assert full.shape == (180, 320, 3), "never scaled up"
    # The emulator's progress bar along the bottom edge shows how far into the clip a frame is.
    bar = np.abs(full[-1].astype(int) - full[-1][0].astype(int)).sum(axis=-1) < 40
    filled = int(np.argmin(bar)) if not bar.all() else bar.size
    assert 0.25 < filled / 320 < 0.45


def test_media_duration_of_audio_and_video(tmp_path: Path, clip_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 16000 * 2)
    assert abs(video.media_duration(path) - 2.0) < 0.05
    assert abs(video.media_duration(path.read_bytes()) - 2.0) < 0.05
    assert abs(video.media_duration(clip_path) - 3.0) < 0.1


def test_unreadable_input_is_a_value_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(ValueError, match="not a readable"):
        video.probe(junk)
    with pytest.raises(ValueError):
        video.media_duration(b"\x00" * 10)
    audio_only = tmp_path / "a.wav"
    with wave.open(str(audio_only), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    with pytest.raises(ValueError, match="no video stream"):
        video.probe(audio_only)
    with pytest.raises(ValueError, match="no video stream"):
        video.first_frame(audio_only)


def test_missing_libraries_name_the_extra(monkeypatch: pytest.MonkeyPatch, clip_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(MissingDependency) as caught:
        video.probe(clip_path)
    assert 'pip install "seedance-magic[video]"' in str(caught.value)
    assert "av" in caught.value.message
    assert isinstance(caught.value, ImportError)


@pytest.mark.parametrize(
    ("env", "url", "proxy"),
    [
        ({"HTTP_PROXY": "http://p:3128"}, "http://cdn.example/v.mp4", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128"}, "https://cdn.example/v.mp4", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128"}, "http://cdn.example/v.mp4", ""),
        ({"ALL_PROXY": "http://p:3128"}, "https://cdn.example/v.mp4", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "example"}, "https://cdn.example/v.mp4", ""),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "*"}, "https://cdn.example/v.mp4", ""),
        ({"HTTPS_PROXY": "socks5://p:1080"}, "https://cdn.example/v.mp4", ""),
        ({}, "https://cdn.example/v.mp4", ""),
    ],
)
def test_the_proxy_for_a_url_is_the_environment_s(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str, proxy: str
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert video.url_proxy(url) == proxy
