"""What the emulator answers: one function per route of fal's queue, storage and CDN
APIs (the control API under /_emulator/ is in control.py, the Lumenfall gateway's video
API under /v1/ in lumenfall.py). Each takes a parsed `Request` and returns a `Reply`;
handler.py owns the sockets, fault injection and the SSE stream itself.

Both APIs share one job store. A Lumenfall `POST /v1/videos` counts as kind "submit"
(with the fal endpoint it maps to) and `GET /v1/videos/{id}` as kind "status" (with its
request id), so fault rules and counters treat them like fal's submit and status. The
control API answers under /v1/_emulator/ as well, for a client that knows only the
Lumenfall base URL.

Protocol choices where fal's behaviour is unconfirmed (spec/fal-queue-protocol.md):
cancel answers 202 / 400 / 404; a cancelled job reports COMPLETED with error_type
client_cancelled and its result answers 499; status answers carry the whole log list
(null when logs are off), stream events only the new lines (handler.py). Arguments are
checked where fal's runner checks them: the submit is accepted, the job completes with
no error, and its result answers 422 with the `detail` list. Every queue and storage
route checks fal's key (fal_auth.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from ..spec import endpoints as ep
from ..spec.validation import check_arguments
from . import inputs, lumenfall, renderers
from .config import ERROR_TYPES
from .control import control
from .fal_auth import key_refusal
from .faults import CANCEL_ACTIONS, Fault
from .job import CANCELLED_TYPE, COMPLETED, IN_PROGRESS, IN_QUEUE, JobInfo, pick_seed
from .storage_routes import StorageRoutes
from .wire import Reply, Request, Route, Services, json_reply, not_found

Handler = Callable[[Request, "Fault | None"], Reply]
CANCEL_ERROR_TYPES = {"ends_as": "client_disconnected"}

QUEUE_PREFIX = f"/{ep.APP}/requests/"
RUN_HOSTS = frozenset({"fal.run", "falrun.com"})
ORIGIN_HEADER = "X-Seedance-Origin-Host"


def _queue_urls(base: str, request_id: str) -> dict[str, str]:
    url = f"{base}{QUEUE_PREFIX}{request_id}"
    return {"response_url": url, "status_url": f"{url}/status", "cancel_url": f"{url}/cancel"}


def status_body(info: JobInfo, base: str, with_logs: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": info.state,
        "request_id": info.request_id,
        **_queue_urls(base, info.request_id),
    }
    if info.state == IN_QUEUE:
        body["queue_position"] = info.queue_position
    else:
        body["logs"] = list(info.logs) if with_logs else None
    if info.state == COMPLETED:
        ok = info.error is None and info.inference_time is not None
        body["metrics"] = {"inference_time": info.inference_time} if ok else {}
        if info.error is not None:
            body.update(error=info.error, error_type=info.error_type)
    return body


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds > 0 else None


def wants_logs(query: dict[str, str]) -> bool:
    return query.get("logs", "").lower() in ("true", "1")


class Routes:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.lumenfall = lumenfall.Lumenfall(services, self.create_job)
        self.files = StorageRoutes(services)

    def _keyed(self, handle: Handler) -> Handler:
        """`handle` behind fal's key check (a 401 with fal's body when it fails)."""

        def checked(req: Request, fault: Fault | None) -> Reply:
            refused = key_refusal(req.headers.get("Authorization")) if self.s.config.require_auth else None
            return refused or handle(req, fault)

        return checked

    def match(self, request: Request) -> Route | Reply:
        """The route for a request, or the 404/405 reply when there is none."""
        method, path = request.method, request.path
        if path.startswith("/_emulator/"):
            return Route("control", lambda req, fault: control(self.s, req))
        if path.startswith(f"{lumenfall.PREFIX}/_emulator/"):
            return Route("control", self._control_alias)
        if path.startswith(f"{lumenfall.PREFIX}/"):
            return self.lumenfall.match(request)
        if path.startswith(QUEUE_PREFIX):
            m = re.fullmatch(r"([^/]+)(/status|/status/stream|/cancel)?", path[len(QUEUE_PREFIX) :])
            if m is None:
                return not_found("Route")
            rid, tail = m.group(1), m.group(2) or ""
            kind, verb, fn = {
                "": ("result", "GET", self.result),
                "/status": ("status", "GET", self.status),
                "/status/stream": ("stream", "GET", self.stream),
                "/cancel": ("cancel", "PUT", self.cancel),
            }[tail]
            if method != verb:
                return json_reply(405, {"detail": f"Method {method} not allowed"})
            return Route(kind, self._keyed(fn), request_id=rid)
        files = self.files
        fixed = {
            ("POST", "/storage/auth/token"): self._keyed(files.token),
            ("POST", "/storage/upload/initiate"): self._keyed(files.initiate),
            ("POST", "/files/upload"): files.upload_v3,
        }
        if (method, path) in fixed:
            return Route("upload" if path == "/files/upload" else "storage", fixed[method, path])
        if method == "PUT" and path.startswith("/storage/upload/put/"):
            return Route("upload", files.put_upload)
        if method in ("GET", "HEAD") and path.startswith("/files/"):
            key = path[len("/files/") :]
            rid = key.split("/", 1)[0]
            return Route("download", files.download, request_id=rid if self.s.store.get(rid) else None)
        endpoint = ep.find_endpoint(path)
        if endpoint is not None:
            if method != "POST":
                return json_reply(405, {"detail": f"Method {method} not allowed"})
            return Route("submit", self._keyed(self.submit), endpoint=endpoint.id)
        return not_found(f"Application {path.strip('/')!r}")

    # ------------------------------------------------------------------- queue API
    def submit(self, req: Request, fault: Fault | None) -> Reply:
        endpoint = ep.find_endpoint(req.path)
        assert endpoint is not None
        try:
            args = req.json()
        except ValueError:
            args = None
        if not isinstance(args, dict):
            detail = [{"loc": ["body"], "msg": "Input should be a valid JSON object", "type": "model_type"}]
            return json_reply(422, {"detail": detail})
        info = self.create_job(
            endpoint,
            args,
            fault,
            webhook=req.query.get("fal_webhook"),
            start_timeout=_seconds(req.headers.get("X-Fal-Request-Timeout")),
            check=True,
        )
        if req.headers.get(ORIGIN_HEADER, "").lower() in RUN_HOSTS:
            done = self.s.store.wait_for(info.request_id, lambda i: i.state == COMPLETED, None)
            return self._result_reply(done) if done else json_reply(503, {"detail": "Emulator stopped"})
        body = {"status": IN_QUEUE, "request_id": info.request_id, "queue_position": info.queue_position}
        body.update(_queue_urls(self.s.base_url, info.request_id))
        return json_reply(200, body, {"X-Fal-Request-Id": info.request_id})

    def create_job(
        self,
        endpoint: ep.Endpoint,
        args: dict[str, Any],
        fault: Fault | None,
        *,
        warnings: tuple[str, ...] = (),
        webhook: str | None = None,
        start_timeout: float | None = None,
        check: bool = False,
    ) -> JobInfo:
        """Start a job, as both APIs' submits do; `warnings` are logged by the job as WARN
        lines when it starts running. With `check`, arguments the model refuses (fal's own
        check, or a "reject" fault) make a job whose result answers 422: fal's queue
        accepts every submit and validates in the runner."""
        seed = pick_seed(args, honoured=self.s.config.seeds != "ignored")
        refused = [p.detail() for p in check_arguments(endpoint, args)] if check else []
        if fault is not None and fault.action == "reject":
            refused += [
                {"loc": ["body", name], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
                for name in fault.refused_fields
            ]
        plan = None
        if not refused:
            plan = inputs.plan(endpoint, args, seed, self._fetch, renderers.resolve(self.s.config.renderer))
            if warnings:
                plan = dataclasses.replace(plan, warnings=plan.warnings + warnings)
        failure = fault.failure if fault is not None and fault.action == "fail_job" else None
        info = self.s.store.create(
            endpoint.id,
            args,
            seed,
            plan,
            self.s.config,
            fail_with=failure,
            webhook=webhook,
            start_timeout=start_timeout,
            rejected=tuple(refused),
        )
        self.s.stats.attribute("submit", info.request_id)
        return info

    def _control_alias(self, req: Request, fault: Fault | None) -> Reply:
        return control(self.s, dataclasses.replace(req, path=req.path[len(lumenfall.PREFIX) :]))

    def _fetch(self, url: str) -> bytes | None:
        key = inputs.storage_key(url, self.s.netlocs)
        stored = self.s.files.get(key) if key else None
        return stored.data if stored else None

    def status(self, req: Request, fault: Fault | None) -> Reply:
        info = self._job(req)
        if info is None:
            return not_found("Request")
        code = 200 if info.state == COMPLETED else 202
        return json_reply(code, status_body(info, self.s.base_url, wants_logs(req.query)))

    def stream(self, req: Request, fault: Fault | None) -> Reply:
        if not self.s.config.stream:
            return not_found("Route")
        info = self._job(req)
        return Reply(200, stream=info.request_id) if info else not_found("Request")

    def result(self, req: Request, fault: Fault | None) -> Reply:
        info = self._job(req)
        if info is None:
            return not_found("Request")
        if info.state in (IN_QUEUE, IN_PROGRESS):
            return json_reply(
                400, {"detail": "Request is still in progress"}, {"X-Fal-Request-Id": info.request_id}
            )
        return self._result_reply(info)

    def _result_reply(self, info: JobInfo) -> Reply:
        headers = {"X-Fal-Request-Id": info.request_id}
        if info.rejected and info.error_type is None:
            return json_reply(422, {"detail": list(info.rejected)}, headers)
        if info.error_type is not None:
            code = ERROR_TYPES.get(info.error_type, (500, ""))[0]
            headers["X-Fal-Error-Type"] = info.error_type
            if info.error_type == "request_timeout" and info.start_timeout is not None:
                headers["X-Fal-Request-Timeout-Type"] = "user"
            return json_reply(code, {"detail": info.error, "error_type": info.error_type}, headers)
        return json_reply(200, info.result, headers)

    def cancel(self, req: Request, fault: Fault | None) -> Reply:
        """202 / 400 / 404; a cancel rule gives a cancel that takes effect another answer
        (see faults.py: already_completed, remove, ends_as)."""
        shape = fault.action if fault is not None and fault.action in CANCEL_ACTIONS else None
        error_type = (fault.error_type if fault is not None else None) or CANCEL_ERROR_TYPES.get(shape or "")
        outcome = self.s.store.cancel(self._id(req), error_type or CANCELLED_TYPE, remove=shape == "remove")
        if outcome == "CANCELLATION_REQUESTED" and shape in ("already_completed", "remove"):
            outcome = "ALREADY_COMPLETED" if shape == "already_completed" else "NOT_FOUND"
        code = {"CANCELLATION_REQUESTED": 202, "ALREADY_COMPLETED": 400, "NOT_FOUND": 404}[outcome]
        return json_reply(code, {"status": outcome})

    def _id(self, req: Request) -> str:
        return req.path[len(QUEUE_PREFIX) :].split("/", 1)[0]

    def _job(self, req: Request) -> JobInfo | None:
        return self.s.store.get(self._id(req))
