"""Fault rules: what the emulator does wrong on purpose, and to which requests.

A rule (`Fault`, or its JSON form for `POST /_emulator/faults`) names the kind of request
it applies to, the action, and how many matching requests it affects:

    {"on": "submit", "action": "drop", "times": 1, "skip": 0, "delay": 0.0,
     "request_id": null, "endpoint": null, "ingress": false, "forwarded": false,
     "error_type": null, "value": null}

Kinds: submit, status, stream, result, cancel, download, upload (a request carrying
file bytes), storage (CDN token and upload initiation), or any. The Lumenfall video API
(lumenfall.py) counts too: `POST /v1/videos` is a submit (its `endpoint` is the fal
endpoint the request maps to) and `GET /v1/videos/{id}` a status, so every rule here
applies to it unchanged; its injected HTTP errors take OpenAI's error shape
({"error": {"message", "type", "param", "code"}}) unless `ingress` is true. Actions:

- an HTTP code ("429", "500", "502", "503", "504", or any other 4xx/5xx): answered instead
  of handling the request. 5xx bodies are fal application errors (JSON, X-Fal-Request-Id)
  unless `ingress` is true: then an nginx-like HTML page with no request id, which
  fal_client treats as retryable. With `forwarded` true the request is handled first (a
  submit DOES create its job) and the error answers it: a proxy that passed the request
  on and then gave up waiting, as an ingress 504 does.
- "drop": the request is handled (a submit DOES create its job) and the connection is
  closed without an answer; a download sends its headers and about half the body first.
- "slow": wait `delay` seconds, then answer normally.
- "redirect": answered 302 with the request's own path as the Location: a redirect loop
  for a client that follows redirects.
- "html": the request is handled (a submit DOES create its job), then answered 200 with
  an HTML page instead of its body, as a captive portal or a CDN's error page would: an
  unreadable submit answer, or a web page served in place of the video.
- "garble": answer 200 with an HTML page instead, without handling the request (a
  captive portal's or a proxy's), which no client can read as the service's JSON.
- "already_completed", "remove", "ends_as": cancels only; the cancel takes effect, and
  is answered 400 {"status": "ALREADY_COMPLETED"}, or 404 {"status": "NOT_FOUND"} with
  the request removed (its status, stream and result answer 404 from then on), or 202
  as usual; the job ends with `error_type` (default client_cancelled; for ends_as
  client_disconnected), the shapes a cancel's outcome can take at fal.
- "odd_status": status requests of the Lumenfall API only; the video is answered with
  the status string in `value` (default "processing"), one the client does not know.
- "cut": status streams only; the stream is served for `delay` seconds, then its
  connection is closed mid-stream (as a proxy that times out long answers does).
- "fail_job": submits only; the job runs and then completes with `error_type`
  (default runner_server_error).
- "reject": submits only; the job is queued, then the model refuses it as fal's runner
  does: it reports COMPLETED with no error and its result answers 422 with a `detail`
  list naming the arguments in `value` (comma-separated; default "seed") as not accepted.

`skip` lets the first N matching requests through untouched; `times` is how many
matching requests the rule then affects (null: every one). Rules are tried in the order
they were added; the first one that matches a request is used up.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from .config import DEFAULT_FAILURE, ERROR_TYPES

KINDS = ("submit", "status", "stream", "result", "cancel", "download", "upload", "storage")
SUBMIT_ACTIONS = ("fail_job", "reject")
CANCEL_ACTIONS = ("already_completed", "remove", "ends_as")
ACTIONS = (
    "drop",
    "slow",
    "html",
    "redirect",
    "garble",
    "cut",
    "odd_status",
    *SUBMIT_ACTIONS,
    *CANCEL_ACTIONS,
)


@dataclass(frozen=True)
class Fault:
    """One fault rule (see the module docstring)."""

    on: str = "any"
    action: str = "500"
    times: int | None = 1
    skip: int = 0
    delay: float = 0.0
    request_id: str | None = None
    endpoint: str | None = None
    ingress: bool = False
    forwarded: bool = False
    error_type: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.on != "any" and self.on not in KINDS:
            raise ValueError(f"fault 'on' must be any or one of {', '.join(KINDS)}, not {self.on!r}")
        if self.action not in ACTIONS and self.status_code is None:
            allowed = ", ".join(ACTIONS)
            raise ValueError(
                f"fault action must be an HTTP code 400-599 or one of {allowed}, not {self.action!r}"
            )
        if self.forwarded and self.status_code is None:
            raise ValueError("forwarded applies to an HTTP code action, such as action='504'")
        if self.action in SUBMIT_ACTIONS and self.on not in ("submit", "any"):
            raise ValueError(f"{self.action} applies to submits: use on='submit'")
        if self.action == "cut" and self.on not in ("stream", "any"):
            raise ValueError("cut applies to status streams: use on='stream'")
        if self.action == "odd_status" and self.on not in ("status", "any"):
            raise ValueError("odd_status applies to status requests: use on='status'")
        if self.action in CANCEL_ACTIONS and self.on not in ("cancel", "any"):
            raise ValueError(f"{self.action} applies to cancels: use on='cancel'")
        if self.times is not None and self.times < 1:
            raise ValueError(f"fault times must be >= 1 or null, not {self.times}")
        if self.skip < 0 or self.delay < 0:
            raise ValueError("fault skip and delay must be >= 0")
        if self.error_type is not None and self.error_type not in ERROR_TYPES:
            raise ValueError(f"unknown error_type {self.error_type!r}; known: {', '.join(ERROR_TYPES)}")

    @property
    def status_code(self) -> int | None:
        """The HTTP code this rule answers with, when its action is one."""
        if self.action.isdigit() and 400 <= int(self.action) <= 599:
            return int(self.action)
        return None

    @property
    def failure(self) -> str:
        """The error_type a failed job ends with."""
        return self.error_type or DEFAULT_FAILURE

    @property
    def refused_fields(self) -> tuple[str, ...]:
        """The arguments a "reject" rule has the model refuse."""
        return tuple(name.strip() for name in (self.value or "seed").split(",") if name.strip())

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise ValueError(f"a fault rule is a JSON object, not {data!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault field(s) {', '.join(sorted(unknown))}")
        values = dict(data)
        if "action" in values:
            values["action"] = str(values["action"])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def matches(self, kind: str, request_id: str | None, endpoint: str | None) -> bool:
        if self.on not in ("any", kind):
            return False
        if self.action in SUBMIT_ACTIONS and kind != "submit":
            return False
        if self.action == "cut" and kind != "stream":
            return False
        if self.action in CANCEL_ACTIONS and kind != "cancel":
            return False
        if self.action == "odd_status" and kind != "status":
            return False
        if self.request_id is not None and self.request_id != request_id:
            return False
        return self.endpoint is None or self.endpoint.strip("/") == (endpoint or "").strip("/")


@dataclass
class _Armed:
    fault: Fault
    skip: int
    left: int | None


class FaultBook:
    """The rules in force, with their counters; safe to use from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Armed] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(_Armed(fault, fault.skip, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [armed.fault for armed in self._rules]

    def take(self, kind: str, request_id: str | None = None, endpoint: str | None = None) -> Fault | None:
        """The rule that applies to this request, counting it; None if none does."""
        with self._lock:
            for armed in self._rules:
                if not armed.fault.matches(kind, request_id, endpoint):
                    continue
                if armed.skip > 0:
                    armed.skip -= 1
                    continue
                if armed.left is not None:
                    armed.left -= 1
                    if armed.left == 0:
                        self._rules.remove(armed)
                return armed.fault
            return None
