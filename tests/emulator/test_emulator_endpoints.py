"""Every Seedance endpoint end to end through the real fal_client: submit, follow,
result, download, then decode the MP4 with PyAV and check its size, duration and audio."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import av
import fal_client
import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from seedance_magic.emulator.clip import RenderSpec
from seedance_magic.emulator.synth import render

from helpers.routing import async_client, route_storage, run

APP = "bytedance/seedance-2.0"


def picture(width: int, height: int, hue: int) -> Image.Image:
    """A test image with structure: a gradient, a disc and a bar."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    rgb = np.stack([x + 0 * y, (y + hue) % 256 + 0 * x, 255 - x + 0 * y], axis=-1).astype(np.uint8)
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.55, height * 0.4, width * 0.85, height * 0.9), fill=(250, 250, 40))
    draw.rectangle((width * 0.05, height * 0.6, width * 0.4, height * 0.7), fill=(20, 20, 20))
    return image


def save(image: Image.Image, path: Path) -> Path:
    image.save(path)
    return path


def wav_data_uri(seconds: float = 1.0) -> str:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return fal_client.encode(buffer.getvalue(), "audio/wav")


def decode(data: bytes) -> dict[str, Any]:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        frames = list(container.decode(video=0))
        return {
            "size": (video.codec_context.width, video.codec_context.height),
            "codec": video.codec_context.name,
            "frames": len(frames),
            "duration": float(container.duration or 0) / 1_000_000,
            "audio": [s.codec_context.name for s in container.streams.audio],
            "first": frames[0].to_ndarray(format="rgb24"),
        }


def follow(
    monkeypatch: Any, base: str, endpoint: str, args: dict[str, Any]
) -> tuple[dict[str, Any], list[Any]]:
    updates: list[Any] = []

    async def scenario() -> dict[str, Any]:
        async with async_client(monkeypatch, base) as client:
            return await client.subscribe(endpoint, args, with_logs=True, on_queue_update=updates.append)

    return run(scenario()), updates


def fetched(result: dict[str, Any]) -> bytes:
    reply = httpx.get(result["video"]["url"])
    assert reply.status_code == 200 and reply.headers["content-type"] == "video/mp4"
    assert len(reply.content) == result["video"]["file_size"]
    assert result["video"]["file_name"] == "output.mp4"
    return reply.content


T2V_CASES = {
    "standard-720p-16x9": (f"{APP}/text-to-video", "720p", "16:9", (1280, 720), True),
    "fast-480p-9x16-silent": (f"{APP}/fast/text-to-video", "480p", "9:16", (496, 864), False),
    "fast-480p-21x9": (f"{APP}/fast/text-to-video", "480p", "21:9", (992, 432), True),
}


@pytest.mark.parametrize("case", T2V_CASES.values(), ids=T2V_CASES.keys())
def test_text_to_video(make_emulator: Any, fal_key: str, monkeypatch: Any, case: tuple[Any, ...]) -> None:
    endpoint, resolution, aspect, size, audio = case
    args = {"resolution": resolution, "aspect_ratio": aspect}
    emu = make_emulator()
    request = {
        "prompt": "Neon koi circling a lantern",
        "duration": "4",
        "seed": 3,
        "generate_audio": audio,
        **args,
    }
    result, updates = follow(monkeypatch, emu.url, endpoint, request)
    clip = decode(fetched(result))
    assert clip["size"] == size and clip["codec"] == "h264"
    assert abs(clip["duration"] - 4) < 0.1 and clip["frames"] == 96
    assert clip["audio"] == (["aac"] if audio else [])
    assert result["seed"] == 3 and isinstance(updates[-1], fal_client.Completed)


@pytest.mark.parametrize("tier", ["standard", "fast"])
def test_image_to_video_starts_from_the_image(
    make_emulator: Any, fal_key: str, monkeypatch: Any, tmp_path: Path, tier: str
) -> None:
    emu = make_emulator()
    start = picture(640, 480, 40)
    endpoint = f"{APP}/image-to-video" if tier == "standard" else f"{APP}/fast/image-to-video"
    if tier == "standard":  # uploaded through fal_client's CDN path
        route_storage(monkeypatch, emu.url)

        async def upload() -> str:
            async with async_client(monkeypatch, emu.url) as client:
                return await client.upload_file(save(start, tmp_path / "start.png"))

        image_url, extra = run(upload()), {}
    else:  # inline data: URIs, with an end image
        image_url = fal_client.encode_file(save(start, tmp_path / "start.png"))
        extra = {"end_image_url": fal_client.encode_file(save(picture(300, 300, 160), tmp_path / "end.png"))}
    args = {"prompt": "The scene slowly comes alive", "image_url": image_url, "resolution": "480p", **extra}
    result, _ = follow(monkeypatch, emu.url, endpoint, {**args, "duration": "5", "seed": 11})
    clip = decode(fetched(result))
    assert clip["size"] == (752, 560), "aspect auto follows the 4:3 start image"
    assert abs(clip["duration"] - 5) < 0.1 and clip["audio"] == ["aac"]
    expected = np.asarray(ImageOps.fit(start, (752, 560)), dtype=np.int16)
    diff = np.abs(clip["first"].astype(np.int16) - expected)
    assert diff.mean() < 20, "the first frame is the start image (under the banner)"
    assert diff[240:, :320].mean() < 6, "away from the banner it matches closely"


def test_reference_to_video_with_every_kind_of_reference(
    make_emulator: Any, fal_key: str, monkeypatch: Any, tmp_path: Path
) -> None:
    emu = make_emulator()
    route_storage(monkeypatch, emu.url)
    clip_path = tmp_path / "motion.mp4"
    clip_path.write_bytes(render(RenderSpec(64, 64, 1, 5, "reference motion", audio=False)))

    async def uploads() -> list[str]:
        async with async_client(monkeypatch, emu.url) as client:
            first = await client.upload_file(save(picture(900, 1600, 0), tmp_path / "a.png"))
            second = await client.upload_file(save(picture(500, 500, 90), tmp_path / "b.png"))
            return [first, second, await client.upload_file(clip_path)]

    first, second, video = run(uploads())
    args = {
        "prompt": "@Image1 dances with @Image2 in the style of @Video1 to @Audio1",
        "image_urls": [first, second],
        "video_urls": [video],
        "audio_urls": [wav_data_uri()],
        "resolution": "480p",
        "duration": "4",
        "generate_audio": False,
    }
    result, _ = follow(monkeypatch, emu.url, f"{APP}/reference-to-video", args)
    clip = decode(fetched(result))
    assert clip["size"] == (496, 864), "aspect auto follows the first (9:16) reference image"
    assert clip["audio"] == [] and abs(clip["duration"] - 4) < 0.1
    (job,) = emu.jobs.values()
    assert not [line for line in job.logs if line["level"] == "WARN"]


def test_unreachable_inputs_become_placeholders_with_a_warning(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    emu = make_emulator()
    args = {
        "prompt": "@Image1 on a beach",
        "image_urls": ["https://example.com/cat.png"],
        "resolution": "480p",
        "duration": "4",
        "aspect_ratio": "1:1",
    }
    result, updates = follow(monkeypatch, emu.url, f"{APP}/fast/reference-to-video", args)
    clip = decode(fetched(result))
    assert clip["size"] == (640, 640) and clip["audio"] == ["aac"]
    logs = updates[-1].logs
    warnings = [line["message"] for line in logs if line["level"] == "WARN"]
    assert len(warnings) == 1 and "example.com/cat.png" in warnings[0] and "placeholder" in warnings[0]
    assert emu.stats.count("download") == 1, "the emulator itself fetched nothing"
