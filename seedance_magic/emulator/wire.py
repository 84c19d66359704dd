"""The shapes passed between the HTTP handler and the routes: a parsed `Request`, a
`Reply`, the `Route` a request matched, and the `Services` (jobs, files, counters,
faults, config) routes work on.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Literal

from .config import EmulatorConfig
from .faults import Fault, FaultBook
from .state import JobStore
from .stats import StatsRecorder
from .storage import FileStore


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def auth_scheme(self) -> str | None:
        value = self.headers.get("Authorization")
        return value.split(" ", 1)[0] if value else None


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stream: str | None = None
    """A request id: answer with its SSE status stream instead of `body`."""


@dataclass(frozen=True)
class Route:
    kind: str
    """submit, status, stream, result, cancel, download, upload, storage, or control."""
    handle: Callable[[Request, Fault | None], Reply]
    request_id: str | None = None
    endpoint: str | None = None
    api: Literal["fal", "lumenfall"] = "fal"
    """Whose error shape an injected HTTP error takes."""


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})


def not_found(what: str) -> Reply:
    return json_reply(404, {"detail": f"{what} not found"})


@dataclass
class Services:
    """Everything a route may touch; owned by the Emulator."""

    base_url: str
    netlocs: frozenset[str]
    store: JobStore
    files: FileStore
    stats: StatsRecorder
    faults: FaultBook
    config: EmulatorConfig
    stopped: threading.Event = field(default_factory=threading.Event)
    # Names this server's lifetime: files uploaded to another instance are gone here.
    instance: str = field(default_factory=lambda: uuid.uuid4().hex)
