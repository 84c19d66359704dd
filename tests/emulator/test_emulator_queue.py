"""The emulator's queue API driven by the real fal_client (1.0.3) over loopback:
submit, status in every state, result, cancel, fal.run runs, 404s and auth."""

from __future__ import annotations

import re
from typing import Any

import fal_client
import httpx
import pytest

from helpers.routing import SMALL, SMALL_SILENT, T2V_FAST, async_client, run, sync_client

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
QUEUE = "/bytedance/seedance-2.0/requests/"
KEY = {"Authorization": "Key test:secret"}


def submit_raw(base: str, args: dict[str, Any], endpoint: str = T2V_FAST, **headers: str) -> httpx.Response:
    auth = {"Authorization": "Key test:secret"} if "Authorization" not in headers else {}
    return httpx.post(f"{base}/{endpoint}", json=args, headers={**auth, **headers})


def test_submit_answers_with_queue_urls_naming_only_owner_and_alias(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    reply = submit_raw(emu.url, SMALL)
    assert reply.status_code == 200
    body = reply.json()
    rid = body["request_id"]
    assert reply.headers["x-fal-request-id"] == rid
    assert body == {
        "status": "IN_QUEUE",
        "request_id": rid,
        "queue_position": 2,
        "response_url": f"{emu.url}{QUEUE}{rid}",
        "status_url": f"{emu.url}{QUEUE}{rid}/status",
        "cancel_url": f"{emu.url}{QUEUE}{rid}/cancel",
    }
    assert reply.headers["content-length"] == str(len(reply.content))
    job = emu.jobs[rid]
    assert (job.arguments, job.seed, job.state, job.held) == (SMALL, 7, "IN_QUEUE", True)


def test_status_in_every_state_with_and_without_logs(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    emu = make_emulator(hold=True, run_seconds=30, log_interval=0.05)

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(T2V_FAST, SMALL_SILENT)
            rid = handle.request_id
            assert await handle.status(with_logs=True) == fal_client.Queued(position=2)
            queued = httpx.get(handle.status_url, params={"logs": "1"}, headers=KEY)
            assert queued.status_code == 202
            assert "logs" not in queued.json() and queued.json()["queue_position"] == 2

            emu.release(rid)
            emu.wait_for(rid, "IN_PROGRESS", until=lambda job: len(job.logs) >= 2)
            first = await handle.status(with_logs=True)
            assert isinstance(first, fal_client.InProgress) and first.logs is not None
            assert first.logs[0]["message"] == "Loading Seedance 2.0 weights"
            for line in first.logs:
                assert set(line) == {"message", "level", "source", "timestamp"}
                assert line["level"] == "INFO" and ISO_Z.match(line["timestamp"])
            emu.wait_for(rid, "IN_PROGRESS", until=lambda job: len(job.logs) > len(first.logs or []))
            later = await handle.status(with_logs=True)
            assert isinstance(later, fal_client.InProgress) and later.logs is not None
            assert later.logs[: len(first.logs)] == first.logs, "logs are cumulative"
            assert await handle.status(with_logs=False) == fal_client.InProgress(logs=None)
            for value, has_logs in (("true", True), ("1", True), ("false", False), ("0", False)):
                raw = httpx.get(handle.status_url, params={"logs": value}, headers=KEY)
                assert raw.status_code == 202
                assert (raw.json()["logs"] is not None) is has_logs

            emu.configure(run_seconds=0.0)  # applies to new jobs only: this one keeps running
            assert emu.jobs[rid].state == "IN_PROGRESS"

    run(scenario())


def test_completed_status_carries_metrics_and_all_logs(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    emu = make_emulator()

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(T2V_FAST, SMALL)
            emu.wait_for(handle.request_id, "COMPLETED")
            done = await handle.status(with_logs=True)
            assert isinstance(done, fal_client.Completed)
            assert done.error is None and done.error_type is None
            assert done.metrics["inference_time"] >= 0.3
            messages = [line["message"] for line in done.logs or []]
            assert messages[0] == "Loading Seedance 2.0 weights"
            assert "Muxing audio" in messages and messages[-1].startswith("Done: 864x496, 4 s, seed 7")
            raw = httpx.get(handle.status_url, params={"logs": "0"}, headers=KEY)
            assert raw.status_code == 200 and raw.json()["logs"] is None
            assert raw.json()["request_id"] == handle.request_id and "cancel_url" in raw.json()

    run(scenario())


def test_queue_position_counts_down_then_runs(make_emulator: Any, fal_key: str, monkeypatch: Any) -> None:
    emu = make_emulator(queue_seconds=0.6, queue_position_start=2)

    async def scenario() -> list[Any]:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(T2V_FAST, SMALL)
            return [event async for event in handle.iter_events(with_logs=True, interval=0.02)]

    events = run(scenario())
    positions = [e.position for e in events if isinstance(e, fal_client.Queued)]
    assert positions[0] == 2 and positions == sorted(positions, reverse=True)
    assert set(positions) == {2, 1, 0}
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("InProgress") > kinds.index("Queued") and kinds[-1] == "Completed"


def test_subscribe_async_and_sync_clients(make_emulator: Any, fal_key: str, monkeypatch: Any) -> None:
    emu = make_emulator()
    updates: list[Any] = []

    async def scenario() -> dict[str, Any]:
        async with async_client(monkeypatch, emu.url) as client:
            return await client.subscribe(T2V_FAST, SMALL, with_logs=True, on_queue_update=updates.append)

    result = run(scenario())
    assert result["seed"] == 7 and result["video"]["url"].startswith(f"{emu.url}/files/")
    assert isinstance(updates[-1], fal_client.Completed)
    with sync_client(monkeypatch, emu.url) as sync:
        again = sync.subscribe(T2V_FAST, SMALL)
    assert again["video"]["file_size"] == result["video"]["file_size"]
    assert emu.stats.count("submit") == 2


def test_result_before_completion_is_400(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    rid = submit_raw(emu.url, SMALL).json()["request_id"]
    reply = httpx.get(f"{emu.url}{QUEUE}{rid}", headers=KEY)
    assert reply.status_code == 400
    assert reply.json() == {"detail": "Request is still in progress"}


def test_fal_run_answers_the_result_directly(make_emulator: Any, fal_key: str, monkeypatch: Any) -> None:
    emu = make_emulator()

    async def scenario() -> dict[str, Any]:
        async with async_client(monkeypatch, emu.url) as client:
            return await client.run(T2V_FAST, SMALL)

    result = run(scenario())
    assert result["seed"] == 7 and result["video"]["content_type"] == "video/mp4"
    (job,) = emu.jobs.values()
    assert job.state == "COMPLETED" and emu.stats.count("submit") == 1


def test_unknown_things_are_404(make_emulator: Any) -> None:
    emu = make_emulator()
    missing = f"{emu.url}{QUEUE}00000000-0000-0000-0000-000000000000"
    key = KEY
    assert httpx.get(f"{missing}/status", headers=key).status_code == 404
    assert httpx.get(missing, headers=key).status_code == 404
    reply = httpx.put(f"{missing}/cancel", headers=key)
    assert (reply.status_code, reply.json()) == (404, {"status": "NOT_FOUND"})
    unknown = submit_raw(emu.url, SMALL, "fal-ai/flux/dev")
    assert unknown.status_code == 404 and "fal-ai/flux/dev" in unknown.json()["detail"]
    assert httpx.get(f"{emu.url}/files/nothing/here.mp4").status_code == 404


MALFORMED = "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'."


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Missing Authorization header"),
        ("Key", "Invalid Authorization header"),
        ("Key just-a-key", MALFORMED),
        ("Key id:", MALFORMED),
        ("Key :secret", MALFORMED),
        ("Basic dXNlcjpwYXNz", "Invalid Authorization header"),
        ("Bearer", "Invalid Authorization header"),
    ],
)
def test_a_missing_or_malformed_key_is_401_on_every_queue_and_storage_route(
    make_emulator: Any, authorization: str | None, detail: str
) -> None:
    """As fal's queue and storage answer: the check is on submit, status, stream, result,
    cancel, the CDN token and the signed upload's initiate; files need no key."""
    emu = make_emulator(hold=True)
    job = submit_raw(emu.url, SMALL).json()
    headers = {} if authorization is None else {"Authorization": authorization}
    answers = [
        httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=headers),
        httpx.get(job["status_url"], headers=headers),
        httpx.get(job["status_url"] + "/stream", headers=headers),
        httpx.get(job["response_url"], headers=headers),
        httpx.put(job["cancel_url"], headers=headers),
        httpx.post(f"{emu.url}/storage/auth/token", json={}, headers=headers),
        httpx.post(f"{emu.url}/storage/upload/initiate", json={"file_name": "a.png"}, headers=headers),
    ]
    for answer in answers:
        assert answer.status_code == 401, answer.request.url
        assert answer.json()["detail"].startswith(detail)
    assert len(emu.jobs) == 1 and emu.jobs[job["request_id"]].state == "IN_QUEUE", "nothing was done"


@pytest.mark.parametrize("authorization", ["Key id:secret", "Bearer eyJhbGciOi.x.y", "key a:b"])
def test_keys_of_fal_s_shape_are_let_in(make_emulator: Any, authorization: str) -> None:
    emu = make_emulator(hold=True)
    reply = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers={"Authorization": authorization})
    assert reply.status_code == 200
    assert httpx.get(reply.json()["status_url"], headers={"Authorization": authorization}).status_code == 202


def test_seed_is_random_when_not_given_and_auto_duration_follows_the_prompt(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    args = {"prompt": "A lighthouse in fog", "resolution": "480p"}
    first = submit_raw(emu.url, args).json()["request_id"]
    second = submit_raw(emu.url, args).json()["request_id"]
    jobs = emu.jobs
    assert 0 <= jobs[first].seed < 2**31 and jobs[first].seed != jobs[second].seed
    assert jobs[first].duration == jobs[second].duration and 4 <= jobs[first].duration <= 15
    assert (jobs[first].width, jobs[first].height, jobs[first].aspect_ratio) == (864, 496, "16:9")


def test_on_request_runs_before_each_request_is_handled(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    seen: list[tuple[str, str | None, int]] = []

    def on_request(kind: str, request_id: str | None) -> None:
        seen.append((kind, request_id, emu.stats.count(kind)))

    emu = make_emulator(on_request=on_request)
    with sync_client(monkeypatch, emu.url) as client:
        handle = client.submit(T2V_FAST, SMALL)
        handle.get()
    assert seen[0] == ("submit", None, 0)
    assert seen[1] == ("status", handle.request_id, 0)
    assert seen[-1][:2] == ("result", handle.request_id)
    assert emu.stats.count("status", handle.request_id) == sum(1 for s in seen if s[0] == "status")


def test_start_timeout_ends_a_job_that_did_not_start(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    emu = make_emulator(hold=True)

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            # fal_client's start_timeout= refuses values under 1 s; the header is the same.
            handle = await client.submit(T2V_FAST, SMALL, headers={"X-Fal-Request-Timeout": "0.2"})
            job = emu.wait_for(handle.request_id)
            assert (job.error_type, job.start_timeout, job.started_at) == ("request_timeout", 0.2, None)
            with pytest.raises(fal_client.FalClientHTTPError) as caught:
                await handle.get()
            assert caught.value.status_code == 504
            assert caught.value.response_headers["x-fal-request-timeout-type"] == "user"

    run(scenario())
    assert emu.stats.count("result") == 1, "a user timeout is not retried"
