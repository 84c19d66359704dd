"""Cancelling a job in each state: 202 while queued or running (the job then reports
COMPLETED with error_type client_cancelled and its result answers 499), 400 once
completed, 404 for an unknown id."""

from __future__ import annotations

from typing import Any

import fal_client
import httpx
import pytest

from helpers.routing import SMALL, T2V_FAST, async_client, run


async def _cancelled_job_reports_client_cancelled(handle: fal_client.AsyncRequestHandle) -> None:
    status = await handle.status(with_logs=True)
    assert isinstance(status, fal_client.Completed)
    assert status.error == "Request cancelled by the client"
    assert status.error_type == "client_cancelled"
    assert status.metrics == {}
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        await handle.get()
    assert caught.value.status_code == 499
    assert caught.value.error_type == "client_cancelled"
    assert caught.value.response_headers["x-fal-request-id"] == handle.request_id
    again = httpx.put(handle.cancel_url, headers={"Authorization": "Key test:secret"})
    assert (again.status_code, again.json()) == (400, {"status": "ALREADY_COMPLETED"})


@pytest.mark.parametrize("state", ["IN_QUEUE", "IN_PROGRESS"])
def test_cancel_a_live_job(make_emulator: Any, fal_key: str, monkeypatch: Any, state: str) -> None:
    emu = make_emulator(hold=state == "IN_QUEUE", queue_seconds=0.0, run_seconds=30)

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(T2V_FAST, SMALL)
            assert emu.wait_for(handle.request_id, state).state == state
            reply = httpx.put(handle.cancel_url, headers={"Authorization": "Key test:secret"})
            assert (reply.status_code, reply.json()) == (202, {"status": "CANCELLATION_REQUESTED"})
            await _cancelled_job_reports_client_cancelled(handle)
            job = emu.jobs[handle.request_id]
            assert job.state == "COMPLETED" and job.completed_at is not None

    run(scenario())


def test_fal_client_cancel_then_completed_job_is_400(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    emu = make_emulator()

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            live = await client.submit(T2V_FAST, SMALL)
            await live.cancel()  # fal_client accepts the 202
            assert emu.jobs[live.request_id].error_type == "client_cancelled"

            done = await client.submit(T2V_FAST, SMALL)
            await done.get()
            with pytest.raises(fal_client.FalClientHTTPError) as caught:
                await done.cancel()
            assert caught.value.status_code == 400
            assert caught.value.response.json() == {"status": "ALREADY_COMPLETED"}
            assert emu.jobs[done.request_id].error is None

    run(scenario())
    assert emu.stats.count("cancel") == 2


def test_cancel_unknown_request_is_404(make_emulator: Any, fal_key: str, monkeypatch: Any) -> None:
    emu = make_emulator()

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.get_handle(T2V_FAST, "7f1a0c6e-0000-4000-8000-000000000000")
            # get_handle builds fal's own queue URLs: the routing sends them here.
            assert handle.cancel_url.startswith("https://queue.fal.run/bytedance/seedance-2.0/requests/")
            with pytest.raises(fal_client.FalClientHTTPError) as caught:
                await handle.cancel()
            assert caught.value.status_code == 404
            assert caught.value.response.json() == {"status": "NOT_FOUND"}

    run(scenario())


KEY = {"Authorization": "Key test:secret"}


@pytest.mark.parametrize(
    ("action", "error_type", "answer", "final"),
    [
        ("already_completed", None, (400, "ALREADY_COMPLETED"), "client_cancelled"),
        ("remove", None, (404, "NOT_FOUND"), None),
        ("ends_as", None, (202, "CANCELLATION_REQUESTED"), "client_disconnected"),
        ("ends_as", "request_timeout", (202, "CANCELLATION_REQUESTED"), "request_timeout"),
    ],
)
def test_cancel_faults_give_a_cancel_that_took_effect_another_answer(
    make_emulator: Any, action: str, error_type: str | None, answer: tuple[int, str], final: str | None
) -> None:
    from seedance_magic.emulator import Fault

    emu = make_emulator(hold=True)
    emu.inject(Fault(on="cancel", action=action, error_type=error_type))
    job = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=KEY).json()
    reply = httpx.put(job["cancel_url"], headers=KEY)
    assert (reply.status_code, reply.json()["status"]) == answer
    status = httpx.get(job["status_url"], headers=KEY)
    if final is None:  # removed: gone for good
        assert status.status_code == 404 and httpx.get(job["response_url"], headers=KEY).status_code == 404
        assert job["request_id"] not in emu.jobs
    else:
        assert status.json()["status"] == "COMPLETED" and status.json()["error_type"] == final
    again = httpx.put(job["cancel_url"], headers=KEY)
    assert again.status_code == (404 if final is None else 400), "the rule was used up"
