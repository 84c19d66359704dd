"""The emulator's MP4 renderer: browser-safe H.264/AAC, exact size and duration,
faststart, deterministic in (prompt, seed), marked and moving; and its input planning."""

from __future__ import annotations

import io
import struct
import sys
import time
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from seedance_magic.emulator import inputs, synth
from seedance_magic.emulator.clip import Media, RenderSpec
from seedance_magic.emulator.frames import Layers
from seedance_magic.emulator.synth import render
from seedance_magic.errors import MissingDependency
from seedance_magic.spec import endpoints as ep
from seedance_magic.spec.cost import frame_size

SPEC = RenderSpec(
    320, 180, 2, 42, "A red kite over green hills", audio=True, label="Seedance 2.0 text-to-video"
)


def frames_of(clip: bytes) -> list[np.ndarray[Any, Any]]:
    with av.open(io.BytesIO(clip)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def png(colour: tuple[int, int, int], size: tuple[int, int] = (160, 90)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, colour)
    image.paste((255 - colour[0], 128, 40), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def top_level_boxes(data: bytes) -> list[str]:
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("ascii"))
        offset += size if size else len(data)
    return boxes


def test_clip_is_browser_safe_h264_aac_with_moov_first() -> None:
    clip = render(SPEC)
    boxes = top_level_boxes(clip)
    assert boxes.index("moov") < boxes.index("mdat"), "+faststart puts the index first"
    with av.open(io.BytesIO(clip)) as container:
        video = container.streams.video[0].codec_context
        audio = container.streams.audio[0].codec_context
        assert (video.name, video.pix_fmt, video.width, video.height) == ("h264", "yuv420p", 320, 180)
        assert video.profile in ("Baseline", "Constrained Baseline", "Main")
        assert container.streams.video[0].average_rate == 24
        assert (audio.name, audio.sample_rate) == ("aac", synth.SAMPLE_RATE)
        assert abs(float(container.duration) / 1e6 - 2) < 0.1
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert 0.01 < float(np.sqrt(np.mean(samples**2))) < 0.5, "the tone pattern is audible, not clipping"


@pytest.mark.parametrize(("duration", "audio"), [(1, False), (7, True)])
def test_duration_is_exact(duration: int, audio: bool) -> None:
    clip = render(RenderSpec(64, 36, duration, 1, "tiny", audio=audio))
    with av.open(io.BytesIO(clip)) as container:
        assert abs(float(container.duration) / 1e6 - duration) < 0.1
        assert len(container.streams.audio) == int(audio)
        if audio:
            stream = container.streams.audio[0]
            assert abs(float(stream.duration * stream.time_base) - duration) < 0.1
    assert len(frames_of(clip)) == 24 * duration


def test_same_prompt_and_seed_give_the_same_frames_and_another_seed_does_not() -> None:
    first, again = frames_of(render(SPEC)), frames_of(render(SPEC))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    other = frames_of(render(RenderSpec(320, 180, 2, 43, SPEC.prompt, audio=True, label=SPEC.label)))
    assert np.abs(first[0].astype(int) - other[0].astype(int)).mean() > 10, "another seed looks different"
    assert np.abs(first[0].astype(int) - first[36].astype(int)).mean() > 3, "something moves"


def test_layers_are_deterministic_before_encoding() -> None:
    one, two = Layers(SPEC, None, None), Layers(SPEC, None, None)
    for i in (0, 11, 47):
        assert np.array_equal(one.frame(i), two.frame(i))


def first_decoded(spec: RenderSpec) -> np.ndarray[Any, Any]:
    return frames_of(render(spec))[0].astype(int)


def test_clip_is_marked_as_an_emulator_clip() -> None:
    frame = first_decoded(RenderSpec(320, 180, 1, 42, SPEC.prompt, audio=False, label=SPEC.label))
    plain = first_decoded(RenderSpec(320, 180, 1, 42, SPEC.prompt, audio=False, label=""))
    assert frame.shape == (180, 320, 3)
    banner = frame[8:30, 8:150]
    yellow = (banner[..., 0] > 180) & (banner[..., 1] > 150) & (banner[..., 2] < 110)
    dark = banner.sum(axis=-1) < 150
    assert yellow.sum() > 100 and dark.sum() > 100, "yellow banner text on a dark panel"
    assert np.abs(frame[30:60] - plain[30:60]).mean() > 1, "the caption names the endpoint"


def test_image_to_video_starts_on_the_image_and_fades_to_the_end_image() -> None:
    start, end = png((30, 60, 200)), png((220, 200, 30))
    spec = RenderSpec(160, 90, 2, 5, "fade", audio=False, start_image=Media("start image", "image", start))
    spec_end = RenderSpec(
        160, 90, 2, 5, "fade", False, "", spec.start_image, Media("end image", "image", end)
    )
    frames = frames_of(render(spec_end))
    expected_start = np.asarray(Image.open(io.BytesIO(start)).convert("RGB"), dtype=int)
    expected_end = np.asarray(Image.open(io.BytesIO(end)).convert("RGB"), dtype=int)
    lower = slice(45, 85), slice(0, 130)  # below the banner, away from the ball's corner
    assert np.abs(frames[0][lower].astype(int) - expected_start[lower]).mean() < 6
    assert np.abs(frames[-1][lower].astype(int) - expected_end[lower]).mean() < 6
    without_end = frames_of(render(spec))
    assert np.abs(without_end[-1][lower].astype(int) - expected_start[lower]).mean() < 25


def test_reference_tiles_and_placeholders() -> None:
    refs = (
        Media("@Image1", "image", png((250, 20, 20))),
        Media("@Image2", "image", None, "https://x.test/a.png"),
    )
    frame = first_decoded(RenderSpec(320, 180, 1, 9, "tiles", audio=False, references=refs))
    bare = first_decoded(RenderSpec(320, 180, 1, 9, "tiles", audio=False))
    assert np.abs(frame[100:170] - bare[100:170]).mean() > 10, "tiles fill the lower part of the frame"
    red = (frame[..., 0] > 200) & (frame[..., 1] < 60)
    assert red.sum() > 200, "the first reference image is shown"


def test_render_cache_and_abort() -> None:
    spec = RenderSpec(64, 36, 1, 77, "cached", audio=False)
    synth.CACHE.clear()
    first = synth.render_cached(spec)
    started = time.perf_counter()
    assert synth.render_cached(spec) is first and time.perf_counter() - started < 0.01
    assert len(synth.CACHE) == 1
    with pytest.raises(synth.RenderAborted):
        render(RenderSpec(64, 36, 2, 78, "stopped"), should_stop=lambda: True)
    with pytest.raises(ValueError, match="even"):
        RenderSpec(63, 36, 1, 1, "odd")


def test_missing_video_libraries_raise_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(MissingDependency, match=r'pip install "seedance-magic\[video\]"'):
        render(SPEC)


def test_input_planning() -> None:
    assert all(4 <= inputs.auto_duration(p) <= 15 for p in ("a", "b", "a fox", "x" * 500))
    assert inputs.auto_duration("a fox") == inputs.auto_duration("a fox")
    assert inputs.nearest_ratio(1920, 1080) == "16:9" and inputs.nearest_ratio(1000, 1010) == "1:1"
    assert inputs.nearest_ratio(640, 480) == "4:3" and inputs.nearest_ratio(1080, 1920) == "9:16"
    assert inputs.decode_data_uri("data:text/plain,hi%21") == b"hi!"
    assert inputs.decode_data_uri("data:image/png;base64,aGk=") == b"hi"
    assert inputs.decode_data_uri("data:nothing") is None
    own = frozenset({"127.0.0.1:9"})
    assert inputs.storage_key("http://127.0.0.1:9/files/ab/c.png", own) == "ab/c.png"
    assert inputs.storage_key("https://v3.fal.media/files/ab/c.png", own) == "ab/c.png"
    assert inputs.storage_key("https://example.com/files/ab/c.png", own) is None
    endpoint = ep.endpoint_for("i2v", "fast")
    plan = inputs.plan(
        endpoint, {"prompt": "p", "image_url": "https://example.com/a.png"}, 1, lambda url: None
    )
    assert plan.aspect_ratio == "16:9" and (plan.spec.width, plan.spec.height) == (1280, 720)
    assert len(plan.warnings) == 1 and "example.com" in plan.warnings[0]


@pytest.mark.slow
def test_render_times_for_typical_clips(capsys: pytest.CaptureFixture[str]) -> None:
    """Times to render (no cache): printed with -s; bounds are loose for slow CI machines."""
    timings = {}
    for resolution, duration in (("480p", 4), ("720p", 6), ("720p", 15)):
        width, height = frame_size(resolution, "16:9")
        started = time.perf_counter()
        render(RenderSpec(width, height, duration, 1, "A timing run over a long prompt " * 3))
        timings[f"{resolution} {duration} s"] = time.perf_counter() - started
    with capsys.disabled():
        print("\nrender times: " + ", ".join(f"{k}: {v:.2f} s" for k, v in timings.items()))
    assert timings["480p 4 s"] < 10 and timings["720p 15 s"] < 40
