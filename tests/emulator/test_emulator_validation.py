"""The emulator validates arguments where fal does: its queue accepts the submit, the job
reports COMPLETED with no error, and the result GET answers 422 with a FastAPI `detail`
list, which fal_client raises as FalClientHTTPError with that list as its message."""

from __future__ import annotations

from typing import Any

import fal_client
import httpx
import pytest

from seedance_magic.emulator import Fault

from helpers.routing import T2V_FAST, async_client, run

APP = "bytedance/seedance-2.0"
I2V = f"{APP}/image-to-video"
R2V = f"{APP}/reference-to-video"
IMG = "data:image/png;base64,iVBORw0KGgo="
P = {"prompt": "A fox in snow"}

CASES = [
    ("bad resolution", T2V_FAST, {**P, "resolution": "1080i"}, "resolution", "enum"),
    ("duration 3", T2V_FAST, {**P, "duration": "3"}, "duration", "enum"),
    ("duration 16", T2V_FAST, {**P, "duration": "16"}, "duration", "enum"),
    ("duration as int", T2V_FAST, {**P, "duration": 5}, "duration", "enum"),
    ("bad aspect", T2V_FAST, {**P, "aspect_ratio": "2:1"}, "aspect_ratio", "enum"),
    ("i2v without image", I2V, P, "image_url", "missing"),
    ("10 reference images", R2V, {**P, "image_urls": [IMG] * 10}, "image_urls", "too_long"),
    (
        "audio-only references",
        R2V,
        {**P, "audio_urls": ["data:audio/wav;base64,UklGRg=="]},
        "audio_urls",
        None,
    ),
    (
        "13 reference files",
        R2V,
        {**P, "image_urls": [IMG] * 9, "video_urls": ["data:video/mp4;base64,AAAA"] * 3, "audio_urls": [IMG]},
        "image_urls",
        None,
    ),
    ("non-int seed", T2V_FAST, {**P, "seed": "42"}, "seed", "int_type"),
    ("unknown field", T2V_FAST, {**P, "fps": 30}, "fps", "extra_forbidden"),
    ("fast tier with 1080p", T2V_FAST, {**P, "resolution": "1080p"}, "resolution", "enum"),
    ("missing prompt", T2V_FAST, {"duration": "5"}, "prompt", "missing"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_invalid_arguments_are_422_with_a_detail_list(
    make_emulator: Any, fal_key: str, monkeypatch: Any, case: tuple[str, str, dict[str, Any], str, str | None]
) -> None:
    _, endpoint, args, field, kind = case
    emu = make_emulator()

    async def scenario() -> tuple[Any, fal_client.FalClientHTTPError]:
        async with async_client(monkeypatch, emu.url) as client:
            handle = await client.submit(endpoint, args)  # the queue takes it
            status = await handle.status(with_logs=True)
            while not isinstance(status, fal_client.Completed):
                status = await handle.status(with_logs=True)
            with pytest.raises(fal_client.FalClientHTTPError) as caught:
                await handle.get()
            return status, caught.value

    status, error = run(scenario())
    assert status.error is None and status.error_type is None, "COMPLETED with no error"
    assert error.status_code == 422
    assert isinstance(error.message, list), "fal_client hands over the detail list itself"
    problems = [p for p in error.message if p["loc"][:2] == ["body", field]]
    assert problems and all(set(p) == {"loc", "msg", "type"} and p["msg"] for p in problems)
    if kind is not None:
        assert kind in {p["type"] for p in problems}
    (job,) = emu.jobs.values()
    assert job.state == "COMPLETED" and job.error is None and job.result is None, "queued, then refused"
    assert emu.stats.count("submit") == 1 and emu.stats.count("result") == 1


def test_standard_tier_accepts_1080p_and_a_non_object_body_is_422(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    auth = {"Authorization": "Key test:secret"}
    ok = httpx.post(
        f"{emu.url}/{APP}/text-to-video", json={**P, "resolution": "1080p", "duration": "4"}, headers=auth
    )
    assert ok.status_code == 200
    assert emu.jobs[ok.json()["request_id"]].height == 1080
    bad = httpx.post(f"{emu.url}/{APP}/text-to-video", content=b"[1, 2]", headers=auth)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body"]


def test_a_reject_fault_refuses_the_named_arguments_after_queueing(make_emulator: Any) -> None:
    emu = make_emulator()
    emu.inject(Fault(on="submit", action="reject", value="seed"))
    auth = {"Authorization": "Key test:secret"}
    job = httpx.post(f"{emu.url}/{T2V_FAST}", json={**P, "seed": 3}, headers=auth).json()
    info = emu.wait_for(job["request_id"])
    assert info.error is None and info.rejected
    result = httpx.get(job["response_url"], headers=auth)
    assert result.status_code == 422 and result.headers["x-fal-request-id"] == job["request_id"]
    assert result.json()["detail"] == [
        {"loc": ["body", "seed"], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
    ]
    status = httpx.get(job["status_url"], headers=auth).json()
    assert status["status"] == "COMPLETED" and "error" not in status and status["metrics"] == {}
