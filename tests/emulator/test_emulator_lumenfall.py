"""The Lumenfall gateway's video API on the emulator (POST /v1/videos, GET /v1/videos/{id}),
driven with plain httpx over loopback: the argument mapping as a pure function, every
mode end to end down to the decoded MP4, the OpenAI-style errors, and the fault rules and
fal routes sharing its jobs."""

from __future__ import annotations

import base64
import io
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from seedance_magic.emulator import ERROR_TYPES, Fault
from seedance_magic.emulator.lumenfall_request import LumenfallError, to_fal
from seedance_magic.spec import endpoints as ep
from seedance_magic.spec.validation import check_arguments

BEARER = {"Authorization": "Bearer lf-test-key"}
T2V, I2V, R2V = (ep.endpoint_for(mode, "standard") for mode in ("t2v", "i2v", "r2v"))
SMALL = {"model": "seedance-2.0", "prompt": "A paper boat on a rain puddle", "resolution": "0.5K"}


def refs(*urls: str) -> list[dict[str, str]]:
    return [{"image_url": url} for url in urls]


def create(emu: Any, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        f"{emu.lumenfall_url}/videos", json=body, headers=BEARER if headers is None else headers
    )


def video(emu: Any, video_id: str) -> httpx.Response:
    return httpx.get(f"{emu.lumenfall_url}/videos/{video_id}", headers=BEARER)


def png_uri(width: int, height: int, color: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def decode(data: bytes) -> tuple[tuple[int, int], float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return (stream.codec_context.width, stream.codec_context.height), frames / 24


def error(reply: httpx.Response) -> dict[str, Any]:
    body = reply.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    return dict(body["error"])


# --------------------------------------------------------------- the mapping
def body(**fields: Any) -> dict[str, Any]:
    return {"model": "seedance-2.0", "prompt": "p", **fields}


MAPPED = {
    "text": (body(), T2V, {}),
    "size-wxh-wins": (
        body(size="1280x720", aspect_ratio="9:16", resolution="480p"),
        T2V,
        {"aspect_ratio": "16:9", "resolution": "720p"},
    ),
    "size-square": (body(size="1024x1024"), T2V, {"aspect_ratio": "1:1", "resolution": "720p"}),
    "size-portrait": (body(size="768x1365"), T2V, {"aspect_ratio": "9:16", "resolution": "720p"}),
    "size-ratio-and-tier": (
        body(size="4:3", aspect_ratio="1:1", resolution="1K"),
        T2V,
        {"aspect_ratio": "4:3", "resolution": "720p"},
    ),
    "size-auto": (body(size="auto", aspect_ratio="1:1"), T2V, {"aspect_ratio": "auto"}),
    "ratio-nearest": (body(aspect_ratio="1.85:1"), T2V, {"aspect_ratio": "16:9"}),
    "ratio-scope": (body(aspect_ratio="2.39:1"), T2V, {"aspect_ratio": "21:9"}),
    "ratio-auto": (body(aspect_ratio="auto"), T2V, {"aspect_ratio": "auto"}),
    "tier-0.5K": (body(resolution="0.5K"), T2V, {"resolution": "480p"}),
    "tier-2K": (body(resolution="2K"), T2V, {"resolution": "1080p"}),
    "tier-4K": (body(resolution="4K"), T2V, {"resolution": "4k"}),
    "tier-nearest": (body(resolution="8K"), T2V, {"resolution": "4k"}),
    "tier-lower-case": (body(resolution="1k"), T2V, {"resolution": "720p"}),
    "tier-megapixels": (body(resolution="0.25"), T2V, {"resolution": "480p"}),
    "tier-one-megapixel": (body(resolution="1"), T2V, {"resolution": "720p"}),
    "fal-size": (body(size="864x496"), T2V, {"aspect_ratio": "16:9", "resolution": "480p"}),
    "fal-size-21-9": (body(size="1470x630"), T2V, {"aspect_ratio": "21:9", "resolution": "720p"}),
    "tier-auto": (body(resolution="auto"), T2V, {}),
    "duration-int": (body(duration=6), T2V, {"duration": "6"}),
    "duration-float": (body(duration=12.0), T2V, {"duration": "12"}),
    "duration-string": (body(duration="8"), T2V, {"duration": "8"}),
    "duration-auto": (body(duration="auto"), T2V, {}),
    "passed-on": (
        body(seed=9, generate_audio=False, end_user_id="u1", n=1),
        T2V,
        {"seed": 9, "generate_audio": False, "end_user_id": "u1"},
    ),
    "i2v-list": (body(input_reference=refs("s.png")), I2V, {"image_url": "s.png"}),
    "i2v-object": (body(input_reference={"image_url": "s.png"}), I2V, {"image_url": "s.png"}),
    "i2v-end": (
        body(input_reference=refs("s.png"), end_image="e.png"),
        I2V,
        {"image_url": "s.png", "end_image_url": "e.png"},
    ),
    "r2v-images": (body(input_reference=refs("a", "b")), R2V, {"image_urls": ["a", "b"]}),
    "r2v-video": (body(input_video="v.mp4"), R2V, {"image_urls": [], "video_urls": ["v.mp4"]}),
    "r2v-audio": (
        body(input_reference=refs("a"), audio_urls=["x.wav"]),
        R2V,
        {"image_urls": ["a"], "audio_urls": ["x.wav"]},
    ),
    "empty-list-is-text": (body(input_reference=[]), T2V, {}),
}


@pytest.mark.parametrize("case", MAPPED.values(), ids=MAPPED.keys())
def test_requests_map_to_fal_arguments(case: tuple[dict[str, Any], ep.Endpoint, dict[str, Any]]) -> None:
    request, endpoint, expected = case
    mapped = to_fal(request)
    assert mapped.endpoint == endpoint and mapped.ignored == ()
    assert mapped.arguments == {"prompt": "p", "duration": "auto", **expected}
    assert not check_arguments(endpoint, mapped.arguments)


def test_unknown_fields_are_ignored_and_named() -> None:
    mapped = to_fal(body(style="noir", quality="high"))
    assert mapped.ignored == ("quality", "style") and "style" not in mapped.arguments


REFUSED = {
    "other-model": (body(model="sora-2"), 404, "model", "model_not_found"),
    "no-model": ({"prompt": "p"}, 400, "model", "missing_required_parameter"),
    "no-prompt": ({"model": "seedance-2.0"}, 400, "prompt", "missing_required_parameter"),
    "blank-prompt": (body(prompt="  "), 400, "prompt", "invalid_parameter"),
    "end-alone": (body(end_image="e.png"), 400, "end_image", "invalid_parameter"),
    "end-with-refs": (
        body(input_reference=refs("a", "b"), end_image="e"),
        400,
        "end_image",
        "invalid_parameter",
    ),
    "size-garbage": (body(size="big"), 400, "size", "invalid_parameter"),
    "size-zero": (body(size="0x720"), 400, "size", "invalid_parameter"),
    "ratio-garbage": (body(aspect_ratio="wide"), 400, "aspect_ratio", "invalid_parameter"),
    "ratio-zero": (body(aspect_ratio="0:1"), 400, "aspect_ratio", "invalid_parameter"),
    "tier-unknown": (body(resolution="huge"), 400, "resolution", "invalid_parameter"),
    "tier-fal-terms": (body(resolution="720p"), 400, "resolution", "invalid_parameter"),
    "reference-bare-url": (body(input_reference="s.png"), 400, "input_reference", "invalid_parameter"),
    "reference-url-list": (body(input_reference=["s.png"]), 400, "input_reference", "invalid_parameter"),
    "reference-other-key": (
        body(input_reference={"url": "s.png"}),
        400,
        "input_reference",
        "invalid_parameter",
    ),
    "duration-short": (body(duration=3), 400, "duration", "invalid_parameter"),
    "duration-long": (body(duration="16"), 400, "duration", "invalid_parameter"),
    "duration-fraction": (body(duration=4.5), 400, "duration", "invalid_parameter"),
    "duration-bool": (body(duration=True), 400, "duration", "invalid_parameter"),
    "duration-word": (body(duration="six"), 400, "duration", "invalid_parameter"),
    "duration-huge": (body(duration=10**400), 400, "duration", "invalid_parameter"),
    "model-before-prompt": ({"model": "sora-2"}, 404, "model", "model_not_found"),
    "n-two": (body(n=2), 400, "n", "invalid_parameter"),
    "reference-type": (body(input_reference=[1]), 400, "input_reference", "invalid_parameter"),
    "video-type": (body(input_video=["v"]), 400, "input_video", "invalid_parameter"),
    "fal-seed": (body(seed="x"), 400, "seed", "invalid_parameter"),
    "fal-audio-alone": (body(audio_urls=["x.wav"]), 400, "audio_urls", "invalid_parameter"),
    "fal-too-many": (body(input_reference=refs(*["i"] * 10)), 400, "input_reference", "invalid_parameter"),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_bad_requests_are_refused(case: tuple[dict[str, Any], int, str, str]) -> None:
    request, status, param, code = case
    with pytest.raises(LumenfallError) as caught:
        to_fal(request)
    assert (caught.value.status, caught.value.param, caught.value.code) == (status, param, code)
    assert caught.value.message


# ------------------------------------------------------------- end to end
def test_text_to_video_end_to_end(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    reply = create(emu, {**SMALL, "aspect_ratio": "9:16", "duration": 4, "seed": 5, "style": "noir"})
    assert reply.status_code == 202, "created: queued"
    created = reply.json()
    vid = created["id"]
    assert created == {
        "id": vid,
        "object": "video",
        "model": "seedance-2.0",
        "status": "queued",
        "created_at": created["created_at"],
    }
    assert isinstance(created["created_at"], int)
    job = emu.jobs[vid]
    assert job.endpoint_id == T2V.id and job.seed == 5
    assert job.arguments == {
        "prompt": SMALL["prompt"],
        "aspect_ratio": "9:16",
        "resolution": "480p",
        "duration": "4",
        "seed": 5,
    }
    assert video(emu, vid).json() == created

    emu.release(vid)
    emu.wait_for(vid, "IN_PROGRESS")
    assert video(emu, vid).json()["status"] == "in_progress"
    done = emu.wait_for(vid, "COMPLETED")
    body = video(emu, vid).json()
    assert body["status"] == "completed" and "seed" not in body and "error" not in body
    assert body["completed_at"] >= body["created_at"]
    assert body["output"] == {"url": done.result["video"]["url"]}
    assert body["output"]["url"].startswith(f"{emu.url}/files/")
    assert ("WARN", "Lumenfall passed unknown field(s) style upstream; the emulator ignores them") in [
        (line["level"], line["message"]) for line in done.logs
    ]

    clip = httpx.get(body["output"]["url"])
    assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
    assert decode(clip.content) == ((496, 864), 4.0)
    stats = emu.stats
    assert (stats.count("submit", vid), stats.count("status", vid)) == (1, 3)


def test_image_to_video_reads_data_uris(make_emulator: Any) -> None:
    emu = make_emulator()
    start, end = png_uri(64, 48, (200, 40, 40)), png_uri(64, 48, (40, 40, 200))
    request = {
        **SMALL,
        "resolution": "0.5K",
        "duration": "4",
        "input_reference": {"image_url": start},
        "end_image": end,
    }
    vid = create(emu, request).json()["id"]
    done = emu.wait_for(vid, "COMPLETED")
    assert done.endpoint_id == I2V.id and done.aspect_ratio == "4:3", "auto follows the start image"
    assert (done.arguments["image_url"], done.arguments["end_image_url"]) == (start, end)
    assert not [line for line in done.logs if line["level"] == "WARN"], "both images were read"
    url = video(emu, vid).json()["output"]["url"]
    assert decode(httpx.get(url).content) == ((752, 560), 4.0)


def test_several_references_make_a_reference_to_video_job(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    images = [png_uri(32, 32, (0, 200, 0)), png_uri(32, 32, (0, 0, 200))]
    vid = create(emu, {**SMALL, "input_reference": refs(*images), "duration": 5}).json()["id"]
    job = emu.jobs[vid]
    assert job.endpoint_id == R2V.id and job.arguments["image_urls"] == images
    assert (job.width, job.height, job.duration, job.aspect_ratio) == (640, 640, 5, "1:1")


def test_size_sets_shape_and_scale(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    vid = create(emu, {**SMALL, "size": "1280x720", "aspect_ratio": "1:1", "duration": "4"}).json()["id"]
    job = emu.jobs[vid]
    assert (job.aspect_ratio, job.width, job.height) == ("16:9", 1280, 720)
    assert job.arguments["resolution"] == "720p"


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("auth", [None, "Key fal-key", "Bearer", "Basic abc"])
def test_missing_or_foreign_credentials_are_401(make_emulator: Any, auth: str | None) -> None:
    emu = make_emulator(hold=True)
    headers = {} if auth is None else {"Authorization": auth}
    for reply in (create(emu, SMALL, headers), httpx.get(f"{emu.lumenfall_url}/videos/x", headers=headers)):
        assert reply.status_code == 401
        assert error(reply) | {"message": ""} == {
            "message": "",
            "type": "authentication_error",
            "param": None,
            "code": "invalid_api_key",
        }
    assert emu.jobs == {}


def test_credentials_are_optional_when_auth_is_off(make_emulator: Any) -> None:
    emu = make_emulator(hold=True, require_auth=False)
    assert create(emu, SMALL, {}).status_code == 202


def test_http_errors_take_openai_shape(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    base = emu.lumenfall_url
    not_json = httpx.post(f"{base}/videos", content=b"{nope", headers=BEARER)
    assert not_json.status_code == 400 and error(not_json)["code"] == "invalid_json"
    a_list = httpx.post(f"{base}/videos", json=[SMALL], headers=BEARER)
    assert a_list.status_code == 400 and error(a_list)["type"] == "invalid_request_error"

    model = create(emu, {**SMALL, "model": "veo-3"})
    assert model.status_code == 404
    assert error(model) == {
        "message": "The model 'veo-3' does not exist",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
    missing = video(emu, "no-such-id")
    assert missing.status_code == 404
    assert error(missing) == {
        "message": "Video 'no-such-id' not found",
        "type": "invalid_request_error",
        "param": None,
        "code": "not_found",
    }
    two = create(emu, {**SMALL, "n": 2})
    assert two.status_code == 400 and error(two)["param"] == "n"
    assert "one video per request" in error(two)["message"]
    fal = create(emu, {**SMALL, "input_reference": refs(*["i"] * 10)})
    assert fal.status_code == 400
    assert error(fal)["code"] == "invalid_parameter" and error(fal)["param"] == "input_reference"
    assert "image_urls: List should have at most 9 items" in error(fal)["message"]

    for method, path in (("GET", "/videos"), ("DELETE", "/videos/x"), ("POST", "/videos/x")):
        reply = httpx.request(method, f"{base}{path}", headers=BEARER)
        assert reply.status_code == 405 and error(reply)["code"] == "method_not_allowed"
    unknown = httpx.get(f"{base}/models", headers=BEARER)
    assert unknown.status_code == 404 and error(unknown)["type"] == "invalid_request_error"
    assert emu.jobs == {}


# ------------------------------------------------------- faults and sharing
def test_failed_job_reports_the_error(make_emulator: Any) -> None:
    emu = make_emulator()
    emu.inject(Fault(on="submit", action="fail_job", error_type="runner_disconnected"))
    vid = create(emu, {**SMALL, "duration": 4}).json()["id"]
    emu.wait_for(vid, "COMPLETED")
    body = video(emu, vid).json()
    assert body["status"] == "failed" and "output" not in body
    assert body["error"] == {"message": ERROR_TYPES["runner_disconnected"][1], "code": "runner_disconnected"}


INJECTED = {
    "503-status": (Fault(on="status", action="503"), "status", 503, "server_error"),
    "429-submit": (Fault(on="submit", action="429"), "submit", 429, "rate_limit_error"),
}


@pytest.mark.parametrize("case", INJECTED.values(), ids=INJECTED.keys())
def test_injected_errors_take_openai_shape(make_emulator: Any, case: tuple[Fault, str, int, str]) -> None:
    fault, kind, code, kind_of_error = case
    emu = make_emulator(hold=True)
    vid = create(emu, SMALL).json()["id"] if kind == "status" else None
    emu.inject(fault)
    reply = video(emu, vid) if vid else create(emu, SMALL)
    assert reply.status_code == code
    reason = httpx.codes.get_reason_phrase(code)
    assert error(reply) == {
        "message": f"{reason} (injected by the emulator)",
        "type": kind_of_error,
        "param": None,
        "code": None,
    }
    assert len(emu.jobs) == (1 if vid else 0)
    retried = video(emu, vid) if vid else create(emu, SMALL)
    assert retried.status_code == (200 if vid else 202), "the rule was used up"


def test_ingress_faults_send_the_nginx_page(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    emu.inject(Fault(on="status", action="502", ingress=True))
    reply = video(emu, "x")
    assert reply.status_code == 502 and reply.headers["content-type"] == "text/html"
    assert "nginx" in reply.text


def test_endpoint_rules_apply_to_the_mapped_endpoint(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    emu.inject(Fault(on="submit", action="503", endpoint=I2V.id))
    assert create(emu, SMALL).status_code == 202
    assert create(emu, {**SMALL, "input_reference": {"image_url": "s.png"}}).status_code == 503


def test_dropped_submit_still_creates_one_job(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    emu.inject(Fault(on="submit", action="drop"))
    with pytest.raises(httpx.RemoteProtocolError):
        create(emu, SMALL)
    stats = httpx.get(f"{emu.lumenfall_url}/_emulator/stats").json()
    assert stats["counts"] == {"submit": 1}
    assert [r["status"] for r in stats["requests"]] == [None]
    (job,) = httpx.get(f"{emu.lumenfall_url}/_emulator/jobs").json().values()
    assert job["endpoint_id"] == T2V.id and job["state"] == "IN_QUEUE"


def test_a_job_cancelled_through_fal_reads_as_failed(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    vid = create(emu, SMALL).json()["id"]
    cancel = httpx.put(f"{emu.url}/{ep.APP}/requests/{vid}/cancel", headers={"Authorization": "Key k:secret"})
    assert cancel.status_code == 202
    body = video(emu, vid).json()
    assert body["status"] == "failed"
    assert body["error"] == {"message": ERROR_TYPES["client_cancelled"][1], "code": "client_cancelled"}


def test_control_api_answers_under_the_lumenfall_base(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    assert emu.lumenfall_url == f"{emu.url}/v1"
    info = httpx.get(f"{emu.lumenfall_url}/_emulator/info")
    assert info.status_code == 200
    assert info.json() == httpx.get(f"{emu.url}/_emulator/info").json()
    assert info.json()["emulator"] == "seedance-magic"
    added = httpx.post(f"{emu.lumenfall_url}/_emulator/faults", json={"on": "status", "action": "500"})
    assert added.json() == {"added": 1}
    assert httpx.get(f"{emu.url}/_emulator/faults").json()[0]["action"] == "500"


def test_a_create_repeated_makes_a_second_video(make_emulator: Any) -> None:
    # The client sends no idempotency key, and the emulator honours none: the same
    # create twice is two videos (two charges), which is why a create whose answer was
    # lost is never sent again.
    emu = make_emulator(hold=True)
    first = create(emu, {**SMALL, "idempotency_key": "row-7"})
    again = create(emu, {**SMALL, "idempotency_key": "row-7"})
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] != first.json()["id"]
    assert len(emu.jobs) == 2


def test_an_odd_status_fault_answers_a_status_the_client_does_not_know(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    vid = create(emu, SMALL).json()["id"]
    emu.inject(Fault(on="status", action="odd_status", value="paused"))
    assert video(emu, vid).json()["status"] == "paused"
    assert video(emu, vid).json()["status"] == "queued"
