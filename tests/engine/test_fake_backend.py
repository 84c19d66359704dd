"""The fake provider itself: it is a Backend (by the type checker and by signature), it
hands out the test's steps without polling time, raises what it is told to, records
every call, and its download is the small real clip of tests/data."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

from seedance_magic import errors
from seedance_magic.engine.backends.base import Backend, StatusUpdate, StreamUnavailable
from seedance_magic.media.video import probe

from helpers.fake_backend import FakeBackend
from helpers.fake_clips import clip_for
from helpers.fake_parts import DEFAULT_SCRIPT, TINY_MP4, completed, queued, running
from helpers.fake_runtime import FAST_T2V


def test_it_is_a_backend() -> None:
    backend: Backend = FakeBackend()  # the type checker holds it to the Protocol
    for name, member in inspect.getmembers(Backend, inspect.isfunction):
        if name.startswith("_"):
            continue
        ours = getattr(type(backend), name)
        assert inspect.signature(ours).parameters.keys() == inspect.signature(member).parameters.keys(), name
        assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(member), name
        assert inspect.isasyncgenfunction(ours) or name != "stream"


def test_the_tiny_clip_is_a_real_browser_safe_mp4() -> None:
    info = probe(TINY_MP4)
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (64, 64, "h264", "aac")
    assert info.duration_s == pytest.approx(1.0, abs=0.05) and TINY_MP4.stat().st_size < 10_000


@pytest.mark.parametrize(
    ("resolution", "ratio", "size"), [("480p", "16:9", (864, 496)), ("720p", "9:16", (720, 1280))]
)
def test_a_request_gets_a_clip_at_fals_frame_size(resolution: str, ratio: str, size: tuple[int, int]) -> None:
    info = probe(clip_for({"resolution": resolution, "aspect_ratio": ratio}))
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (*size, "h264", "aac")
    assert info.duration_s == pytest.approx(1.0, abs=0.05)


async def test_a_script_is_handed_out_one_step_per_call_then_completed_stays() -> None:
    backend = FakeBackend()
    handle = await backend.submit(FAST_T2V, {"prompt": "x", "seed": 3})
    states = [(await backend.status(handle)).state for _ in range(len(DEFAULT_SCRIPT) + 2)]
    assert states == ["IN_QUEUE", "IN_QUEUE", "IN_PROGRESS", "COMPLETED", "COMPLETED", "COMPLETED"]
    assert backend.count("status") == 6 and backend.submits == [(FAST_T2V, {"prompt": "x", "seed": 3})]
    result = await backend.result(handle)
    assert result["seed"] == 3 and result["video"]["file_size"] == clip_for({}).stat().st_size


async def test_status_waits_for_the_tests_next_step() -> None:
    backend = FakeBackend(script=None)
    handle = await backend.submit(FAST_T2V, {"prompt": "x"})
    pending = asyncio.ensure_future(backend.status(handle))
    await backend.until(lambda: backend.count("status") == 1)
    assert not pending.done()
    backend.advance(handle.request_id, "IN_PROGRESS", logs=["one"])
    update = await pending
    assert update.state == "IN_PROGRESS" and [line["message"] for line in update.logs] == ["one"]
    backend.advance(handle.request_id, "IN_PROGRESS", logs=["two"])
    again = await backend.status(handle)
    assert [line["message"] for line in again.logs] == ["one", "two"]  # fal sends them all


async def test_the_stream_yields_the_steps_and_ends_after_completed() -> None:
    backend = FakeBackend(script=[queued(2), running("go"), completed()])
    handle = await backend.submit(FAST_T2V, {"prompt": "x"})
    seen: list[StatusUpdate] = [update async for update in backend.stream(handle)]
    assert [u.state for u in seen] == ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
    assert seen[0].queue_position == 2 and backend.count("stream") == 1
    with pytest.raises(StreamUnavailable):
        await FakeBackend(stream=False).stream(handle).__anext__()


async def test_failures_are_raised_per_call_then_calls_pass() -> None:
    backend = FakeBackend()
    backend.fail("status", errors.Unavailable("fal answered 503"), times=2, skip=1)
    handle = await backend.submit(FAST_T2V, {"prompt": "x"})
    assert (await backend.status(handle)).state == "IN_QUEUE"
    for _ in range(2):
        with pytest.raises(errors.Unavailable, match="503"):
            await backend.status(handle)
    assert (await backend.status(handle)).state == "IN_QUEUE"
    backend.fail("submit", errors.SubmitOutcomeUnknown("lost"))
    with pytest.raises(errors.SubmitOutcomeUnknown):
        await backend.submit(FAST_T2V, {"prompt": "y"})
    assert backend.count("submit") == 2 and len(backend.requests) == 1


async def test_cancel_ends_an_unfinished_request_as_fal_does() -> None:
    backend = FakeBackend(script=[queued(0)])
    handle = await backend.submit(FAST_T2V, {"prompt": "x"})
    backend.script = None
    await backend.cancel(handle)
    await backend.status(handle)
    update = await backend.status(handle)
    assert update.state == "COMPLETED" and update.error_type == "client_cancelled"
    assert backend.cancels == [handle.request_id] and backend.last.cancelled
    other = await backend.submit(FAST_T2V, {"prompt": "y"})
    backend.fail_job(other.request_id, "runner_disconnected", "Runner disconnected")
    await backend.cancel(other)  # already finished: nothing changes
    ended = [await backend.status(other) for _ in range(2)][-1]
    assert (ended.state, ended.error_type, ended.error) == (
        "COMPLETED",
        "runner_disconnected",
        "Runner disconnected",
    )


async def test_uploads_and_downloads_are_recorded(tmp_path: Path) -> None:
    backend = FakeBackend()
    url = await backend.upload(b"\x89PNG", "image/png", "cat.png")
    assert url.startswith("http://fake.invalid/") and url.endswith("/cat.png")
    assert [(u.data, u.content_type, u.file_name) for u in backend.uploads] == [
        (b"\x89PNG", "image/png", "cat.png")
    ]
    seen: list[tuple[int, int | None]] = []
    dest = await backend.download(
        "http://fake.invalid/v.mp4", tmp_path / "a" / "v.mp4", attempts=3, progress=lambda *p: seen.append(p)
    )
    assert dest.read_bytes() == clip_for({}).read_bytes() and seen[-1] == (dest.stat().st_size,) * 2
    assert backend.downloads[0].attempts == 3 and backend.count("download") == 1
