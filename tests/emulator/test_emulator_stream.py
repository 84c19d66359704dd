"""The SSE status stream (`.../status/stream`), read with httpx-sse: one event at once,
one per visible change, keep-alive comments when idle, closed after COMPLETED."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse, connect_sse

from seedance_magic.emulator import Fault

from helpers.routing import SMALL, T2V_FAST, run

SSE = {"Accept": "text/event-stream", "Authorization": "Key test:secret"}


def submit(base: str) -> dict[str, Any]:
    reply = httpx.post(f"{base}/{T2V_FAST}", json=SMALL, headers={"Authorization": "Key test:secret"})
    assert reply.status_code == 200
    body: dict[str, Any] = reply.json()
    return body


def test_events_follow_the_job_in_order_and_the_stream_ends(make_emulator: Any) -> None:
    emu = make_emulator(hold=True, queue_seconds=0.3, run_seconds=0.4, log_interval=0.1)
    job = submit(emu.url)
    events: list[dict[str, Any]] = []
    with (
        httpx.Client(timeout=10) as client,
        connect_sse(
            client, "GET", job["status_url"] + "/stream", params={"logs": "1"}, headers=SSE
        ) as source,
    ):
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for event in source.iter_sse():
            events.append(event.json())
            if len(events) == 1:
                emu.release(job["request_id"])  # the first event came at once, before any change
    states = [e["status"] for e in events]
    assert states[0] == "IN_QUEUE" and states[-1] == "COMPLETED"
    assert states == sorted(states, key=["IN_QUEUE", "IN_PROGRESS", "COMPLETED"].index)
    assert [e["queue_position"] for e in events if e["status"] == "IN_QUEUE"] == [2, 1, 0]
    running = [e["logs"] for e in events if e["status"] == "IN_PROGRESS"]
    assert running and all(len(logs) == 1 for logs in running), "one event per new log line, only that line"
    final = events[-1]
    assert final["metrics"]["inference_time"] > 0 and final["logs"][-1]["message"].startswith("Done:")
    streamed = [entry for e in events for entry in e.get("logs") or []]
    assert streamed == list(emu.jobs[job["request_id"]].logs), "every line once, in order"
    assert all(e["request_id"] == job["request_id"] and e["status_url"] == job["status_url"] for e in events)
    assert emu.stats.count("stream", job["request_id"]) == 1


def test_async_stream_without_logs_and_an_already_completed_job(make_emulator: Any) -> None:
    emu = make_emulator()
    job = submit(emu.url)

    async def read(params: dict[str, str]) -> list[dict[str, Any]]:
        async with (
            httpx.AsyncClient(timeout=10) as client,
            aconnect_sse(client, "GET", job["status_url"] + "/stream", params=params, headers=SSE) as source,
        ):
            return [event.json() async for event in source.aiter_sse()]

    live = run(read({"logs": "0"}))
    assert live[-1]["status"] == "COMPLETED"
    assert all(e.get("logs") is None for e in live)
    assert len({json.dumps(e) for e in live}) == len(live), "no event repeats the previous one"
    after = run(read({"logs": "1"}))
    assert len(after) == 1 and after[0]["status"] == "COMPLETED"
    assert after[0]["logs"] == list(emu.jobs[job["request_id"]].logs), (
        "a new connection starts with every line"
    )


def test_a_cut_stream_is_closed_mid_way_and_the_next_starts_with_every_line(make_emulator: Any) -> None:
    emu = make_emulator(queue_seconds=0.0, run_seconds=3.0, log_interval=0.05)
    emu.inject(Fault(on="stream", action="cut", delay=0.3))
    job = submit(emu.url)

    def read() -> list[dict[str, Any]]:
        with (
            httpx.Client(timeout=10) as client,
            connect_sse(
                client, "GET", job["status_url"] + "/stream", params={"logs": "1"}, headers=SSE
            ) as source,
        ):
            return [event.json() for event in source.iter_sse()]

    cut = read()
    assert cut and cut[-1]["status"] == "IN_PROGRESS", "closed before the job ended"
    whole = read()
    assert whole[-1]["status"] == "COMPLETED"
    first = [entry for e in cut for entry in e.get("logs") or []]
    second = [entry for e in whole for entry in e.get("logs") or []]
    assert second == list(emu.jobs[job["request_id"]].logs) and second[: len(first)] == first


def test_idle_stream_sends_keep_alive_comments(make_emulator: Any) -> None:
    emu = make_emulator(hold=True, keepalive_seconds=0.05)
    job = submit(emu.url)
    lines: list[str] = []
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", job["status_url"] + "/stream", headers=SSE) as response,
    ):
        for line in response.iter_lines():
            lines.append(line)
            if lines.count(": keep-alive") == 2:
                break
    assert lines[0].startswith("data: ") and json.loads(lines[0][6:])["status"] == "IN_QUEUE"
    assert lines.count(": keep-alive") == 2


def test_stream_is_404_when_disabled_or_unknown(make_emulator: Any) -> None:
    emu = make_emulator(stream=False)
    job = submit(emu.url)
    assert httpx.get(job["status_url"] + "/stream", headers=SSE).status_code == 404
    assert httpx.post(f"{emu.url}/_emulator/config", json={"stream": True}).status_code == 200
    missing = job["status_url"].replace(job["request_id"], "no-such-request")
    assert httpx.get(missing + "/stream", headers=SSE).status_code == 404


@pytest.mark.parametrize("logs", ["true", "1"])
def test_stream_accepts_both_spellings_of_logs(make_emulator: Any, logs: str) -> None:
    emu = make_emulator()
    job = submit(emu.url)
    with (
        httpx.Client(timeout=10) as client,
        connect_sse(
            client, "GET", job["status_url"] + "/stream", params={"logs": logs}, headers=SSE
        ) as source,
    ):
        last = [event.json() for event in source.iter_sse()][-1]
    assert last["status"] == "COMPLETED" and last["logs"]
