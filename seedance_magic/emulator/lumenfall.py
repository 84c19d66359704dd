"""The Lumenfall gateway's OpenAI-style async video API for model "seedance-2.0",
served by the emulator next to fal's queue API and backed by the same jobs:

    POST /v1/videos          create a video (202, queued): counts as kind "submit"
    GET  /v1/videos/{id}     its status: kind "status", with request_id set

so fault rules and counters apply as they do to fal's routes. A request is mapped to
fal arguments for one of the standard-tier endpoints (`to_fal`, a pure function), then
checked and run exactly like a fal submit; every create makes a new video (the
gateway's reference does not name the field of its key against duplicates, so none is
honoured). Errors take OpenAI's shape:
{"error": {"message", "type", "param", "code"}}. An "odd_status" fault rule answers a
status request with the status string in its `value` (one this client does not know).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from ..spec import endpoints as ep
from ..spec.validation import format_problems
from .faults import Fault
from .job import COMPLETED, IN_QUEUE, JobInfo
from .lumenfall_request import MODEL, FalRequest, LumenfallError, error_reply, to_fal
from .wire import Reply, Request, Route, Services, json_reply

PREFIX = "/v1"


def injected_reply(code: int, reason: str) -> Reply:
    """An HTTP error a fault rule answers with instead of a Lumenfall route."""
    kind = "rate_limit_error" if code == 429 else "server_error" if code >= 500 else "invalid_request_error"
    return error_reply(code, f"{reason} (injected by the emulator)", kind, None)


# ----------------------------------------------------------------- the answers
def video_body(info: JobInfo) -> dict[str, Any]:
    """A job as a Lumenfall video object."""
    if info.state == COMPLETED:
        status = "failed" if info.error_type is not None or info.rejected else "completed"
    else:
        status = "queued" if info.state == IN_QUEUE else "in_progress"
    body: dict[str, Any] = {
        "id": info.request_id,
        "object": "video",
        "model": MODEL,
        "status": status,
        "created_at": int(info.submitted_at),
    }
    if status == "completed" and info.result is not None:
        body["completed_at"] = int(info.completed_at or info.submitted_at)
        body["output"] = {"url": info.result["video"]["url"]}
    elif status == "failed" and info.error_type is None:  # refused by the model upstream
        body["error"] = {"message": format_problems(list(info.rejected)), "code": "invalid_request"}
    elif status == "failed":
        body["error"] = {"message": info.error, "code": info.error_type}
    return body


class JobMaker(Protocol):
    def __call__(
        self, endpoint: ep.Endpoint, args: dict[str, Any], fault: Fault | None, *, warnings: tuple[str, ...]
    ) -> JobInfo: ...


class Lumenfall:
    """The routes under /v1/ (the control API's /v1/_emulator/ alias is in routes.py)."""

    def __init__(self, services: Services, make_job: JobMaker) -> None:
        self.s = services
        self.make_job = make_job

    def match(self, req: Request) -> Route | Reply:
        rest = req.path[len(PREFIX) :]
        if rest == "/videos":
            if req.method != "POST":
                return _not_allowed(req.method)
            wanted = _parse(req)  # once: its endpoint is also what fault rules match on
            endpoint = wanted.endpoint.id if isinstance(wanted, FalRequest) else None
            return Route(
                "submit", lambda r, fault: self.submit(r, fault, wanted), endpoint=endpoint, api="lumenfall"
            )
        m = re.fullmatch(r"/videos/([^/]+)", rest)
        if m is not None:
            if req.method != "GET":
                return _not_allowed(req.method)
            return Route("status", self.status, request_id=m.group(1), api="lumenfall")
        message = f"Unknown request URL: {req.method} {req.path}"
        return error_reply(404, message, "invalid_request_error", "unknown_url")

    def _refused(self, req: Request) -> Reply | None:
        """The 401 for a request without a Bearer token, when auth is required."""
        scheme, _, token = (req.headers.get("Authorization") or "").partition(" ")
        if not self.s.config.require_auth or (scheme.lower() == "bearer" and token.strip()):
            return None
        message = "Missing or invalid API key: send 'Authorization: Bearer <LUMENFALL_API_KEY>'"
        return error_reply(401, message, "authentication_error", "invalid_api_key")

    def submit(self, req: Request, fault: Fault | None, wanted: FalRequest | Reply) -> Reply:
        refused = self._refused(req)
        if refused is not None:
            return refused
        if isinstance(wanted, Reply):
            return wanted
        warnings: tuple[str, ...] = ()
        if wanted.ignored:
            names = ", ".join(wanted.ignored)
            warnings = (f"Lumenfall passed unknown field(s) {names} upstream; the emulator ignores them",)
        made = self.make_job(wanted.endpoint, wanted.arguments, fault, warnings=warnings)
        return json_reply(202, video_body(made))

    def status(self, req: Request, fault: Fault | None) -> Reply:
        refused = self._refused(req)
        if refused is not None:
            return refused
        rid = req.path.rsplit("/", 1)[-1]
        info = self.s.store.get(rid)
        if info is None:
            return error_reply(404, f"Video '{rid}' not found", "invalid_request_error", "not_found")
        body = video_body(info)
        if fault is not None and fault.action == "odd_status":
            body["status"] = fault.value or "processing"
        return json_reply(200, body)


def _not_allowed(method: str) -> Reply:
    return error_reply(405, f"Method {method} not allowed", "invalid_request_error", "method_not_allowed")


def _parse(req: Request) -> FalRequest | Reply:
    """A create request's body as fal's endpoint and arguments, or the 400/404 reply."""
    try:
        body = req.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        message = "The request body must be a JSON object"
        return error_reply(400, message, "invalid_request_error", "invalid_json")
    try:
        return to_fal(body)
    except LumenfallError as exc:
        return exc.reply()
