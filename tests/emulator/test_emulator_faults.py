"""Injected faults, and what the real fal_client does with each: retries on 429, on
ingress (nginx) 5xx and on dropped connections; raises at once on application 5xx.
A dropped submit response makes fal_client submit twice: the documented danger."""

from __future__ import annotations

import time
from typing import Any

import fal_client
import httpx
import pytest

from seedance_magic.emulator import ERROR_TYPES, Fault

from helpers.routing import SMALL, T2V_FAST, async_client, run

AUTH = {"Authorization": "Key test:secret"}


def test_dropped_submit_creates_the_job_and_fal_client_submits_again(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    emu = make_emulator(hold=True)
    emu.inject(Fault(on="submit", action="drop"))

    async def scenario() -> str:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(T2V_FAST, SMALL)
            return handle.request_id

    rid = run(scenario())
    # The response to the first POST was lost, fal_client retried: two jobs, two charges.
    assert emu.stats.count("submit") == 2
    assert len(emu.jobs) == 2 and rid in emu.jobs
    (lost,) = set(emu.jobs) - {rid}
    assert emu.jobs[lost].arguments == SMALL
    assert [r.status for r in emu.stats.requests if r.kind == "submit"] == [None, 200]


def test_dropped_submit_is_an_error_for_a_client_that_does_not_retry(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    emu.inject(Fault(on="submit", action="drop"))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH)
    (job,) = emu.jobs.values()
    assert job.state == "IN_QUEUE", "the job exists although the client saw no answer"


def test_429_on_submit_is_retried_without_creating_jobs(
    make_emulator: Any, fal_key: str, monkeypatch: Any
) -> None:
    emu = make_emulator(hold=True)
    emu.inject(Fault(on="submit", action="429", times=2))

    async def scenario() -> str:
        async with async_client(monkeypatch, emu.url) as client:
            return (await client.submit(T2V_FAST, SMALL)).request_id

    rid = run(scenario())
    assert emu.stats.count("submit") == 3 and list(emu.jobs) == [rid]


@pytest.mark.parametrize("code", ["500", "502", "503", "504"])
def test_ingress_errors_are_retried_application_errors_are_not(
    make_emulator: Any, fal_key: str, monkeypatch: Any, code: str
) -> None:
    emu = make_emulator()

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(T2V_FAST, SMALL)
            emu.wait_for(handle.request_id)
            emu.inject(Fault(on="status", action=code, ingress=True, times=2))
            if code == "500":  # fal_client never retries a 500, not even from nginx
                for _ in range(2):
                    with pytest.raises(fal_client.FalClientHTTPError):
                        await handle.status()
            else:
                assert isinstance(await handle.status(), fal_client.Completed)
            emu.inject(Fault(on="status", action=code))
            with pytest.raises(fal_client.FalClientHTTPError) as caught:
                await handle.status()
            assert caught.value.status_code == int(code)
            assert caught.value.response_headers["x-fal-request-id"] == handle.request_id

    run(scenario())
    assert emu.stats.count("status") == (3 if code == "500" else 4)


def test_ingress_and_application_error_bodies(make_emulator: Any) -> None:
    emu = make_emulator()
    emu.inject(Fault(on="any", action="503", ingress=True))
    emu.inject(Fault(on="any", action="503", error_type="runner_connection_error"))
    ingress = httpx.get(f"{emu.url}/files/x/y.mp4")
    assert ingress.status_code == 503 and "nginx" in ingress.text
    assert "x-fal-request-id" not in ingress.headers and ingress.headers["content-type"] == "text/html"
    app = httpx.get(f"{emu.url}/files/x/y.mp4")
    assert app.status_code == 503 and "x-fal-request-id" in app.headers
    assert app.json()["error_type"] == "runner_connection_error"
    assert httpx.get(f"{emu.url}/files/x/y.mp4").status_code == 404, "each rule was used up"


@pytest.mark.parametrize(
    "error_type",
    [None, "runner_disconnected", "request_timeout", "runner_incomplete_response", "internal_error"],
)
def test_fail_job_completes_with_an_error_and_the_result_fails(
    make_emulator: Any, fal_key: str, monkeypatch: Any, error_type: str | None
) -> None:
    emu = make_emulator()
    emu.inject(Fault(on="submit", action="fail_job", error_type=error_type))
    expected = error_type or "runner_server_error"
    code, message = ERROR_TYPES[expected]

    async def scenario() -> None:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(T2V_FAST, SMALL)
            emu.wait_for(handle.request_id)
            status = await handle.status(with_logs=True)
            assert isinstance(status, fal_client.Completed)
            assert (status.error, status.error_type) == (message, expected)
            assert status.logs and status.logs[-1] == {
                **status.logs[-1],
                "level": "ERROR",
                "message": message,
            }
            with pytest.raises(fal_client.FalClientHTTPError) as caught:
                await handle.get()
            assert caught.value.status_code == code
            assert caught.value.error_type == expected
            assert caught.value.response_headers["x-fal-error-type"] == expected
            assert caught.value.message == message

    run(scenario())
    assert emu.stats.count("result") == 1, "fal_client does not retry an application error"


def test_slow_answers_after_the_delay(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    rid = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).json()["request_id"]
    emu.inject(Fault(on="status", action="slow", delay=0.3, request_id=rid))
    started = time.monotonic()
    reply = httpx.get(f"{emu.url}/bytedance/seedance-2.0/requests/{rid}/status", headers=AUTH)
    assert reply.status_code == 202 and time.monotonic() - started >= 0.3


def test_dropped_download_sends_half_the_body(make_emulator: Any) -> None:
    emu = make_emulator()
    rid = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).json()["request_id"]
    url = emu.wait_for(rid).result["video"]["url"]  # type: ignore[index]
    emu.inject(Fault(on="download", action="drop"))
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url) as response:
        assert response.status_code == 200
        expected = int(response.headers["content-length"])
        for chunk in response.iter_raw():
            received += chunk
    assert 0 < len(received) < expected
    assert len(httpx.get(url).content) == expected
    assert emu.stats.count("download", rid) == 2


def test_skip_times_request_id_and_endpoint_filters(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    base = f"{emu.url}/bytedance/seedance-2.0/requests"
    rid = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).json()["request_id"]
    other = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).json()["request_id"]
    emu.inject(Fault(on="status", action="500", skip=1, times=2, request_id=rid))
    codes = [httpx.get(f"{base}/{rid}/status", headers=AUTH).status_code for _ in range(4)]
    assert codes == [202, 500, 500, 202]
    assert httpx.get(f"{base}/{other}/status", headers=AUTH).status_code == 202
    emu.inject(Fault(on="submit", action="503", endpoint="bytedance/seedance-2.0/text-to-video"))
    assert httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).status_code == 200
    standard = f"{emu.url}/bytedance/seedance-2.0/text-to-video"
    assert httpx.post(standard, json=SMALL, headers=AUTH).status_code == 503


def test_faults_through_the_control_api(make_emulator: Any) -> None:
    emu = make_emulator()
    rules = [{"on": "cancel", "action": "502", "times": None}, {"on": "stream", "action": "drop"}]
    assert httpx.post(f"{emu.url}/_emulator/faults", json=rules).json() == {"added": 2}
    assert [f["on"] for f in httpx.get(f"{emu.url}/_emulator/faults").json()] == ["cancel", "stream"]
    bad = httpx.post(f"{emu.url}/_emulator/faults", json=[{"on": "status", "action": "explode"}])
    assert bad.status_code == 400 and "explode" in bad.json()["detail"]
    assert httpx.post(f"{emu.url}/_emulator/faults", json={"on": "x"}).status_code == 400
    missing = f"{emu.url}/bytedance/seedance-2.0/requests/none"
    assert [httpx.put(f"{missing}/cancel", headers=AUTH).status_code for _ in range(3)] == [502, 502, 502]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{missing}/status/stream", headers=AUTH)
    assert httpx.delete(f"{emu.url}/_emulator/faults").status_code == 200
    assert httpx.put(f"{missing}/cancel", headers=AUTH).status_code == 404
    stats = httpx.get(f"{emu.url}/_emulator/stats").json()
    assert stats["counts"] == {"cancel": 4, "stream": 1}


def test_fault_rules_are_checked() -> None:
    with pytest.raises(ValueError, match="fail_job"):
        Fault(on="status", action="fail_job")
    with pytest.raises(ValueError, match="error_type"):
        Fault(on="submit", action="fail_job", error_type="gremlins")
    with pytest.raises(ValueError, match="action"):
        Fault(action="302")
    assert Fault.from_json({"on": "result", "action": 504}).status_code == 504


def test_a_forwarded_ingress_504_on_a_submit_leaves_the_job_made(make_emulator: Any) -> None:
    """A proxy that passed the submit on and then timed out: the job exists, the answer
    is nginx's page with no request id."""
    emu = make_emulator(hold=True)
    emu.inject(Fault(on="submit", action="504", ingress=True, forwarded=True))
    answer = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH)
    assert answer.status_code == 504 and "nginx" in answer.text
    assert "x-fal-request-id" not in answer.headers
    (job,) = emu.jobs.values()
    assert job.arguments == SMALL and job.state == "IN_QUEUE"


def test_an_html_answer_replaces_the_body_after_handling(make_emulator: Any) -> None:
    """A 200 whose body is a web page: an unreadable submit answer (the job exists) and
    a page served in place of the video."""
    emu = make_emulator()
    emu.inject(Fault(on="submit", action="html"))
    answer = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "<html" in answer.text and "x-fal-request-id" not in answer.headers
    (rid,) = emu.jobs
    url = emu.wait_for(rid).result["video"]["url"]  # type: ignore[index]
    emu.inject(Fault(on="download", action="html"))
    page = httpx.get(url)
    assert page.status_code == 200 and page.content.startswith(b"<html")
    assert httpx.get(url).content[4:8] == b"ftyp"  # the rule was used up


def test_forwarded_needs_an_http_code() -> None:
    with pytest.raises(ValueError, match="forwarded"):
        Fault(on="submit", action="drop", forwarded=True)
    assert Fault.from_json({"on": "submit", "action": "html"}).action == "html"


def test_a_redirect_loop(make_emulator: Any) -> None:
    emu = make_emulator()
    emu.inject(Fault(on="download", action="redirect", times=None))
    with pytest.raises(httpx.TooManyRedirects):
        httpx.get(f"{emu.url}/files/x/y.mp4", follow_redirects=True)
    answer = httpx.get(f"{emu.url}/files/x/y.mp4")
    assert answer.status_code == 302 and answer.headers["location"] == "/files/x/y.mp4"
