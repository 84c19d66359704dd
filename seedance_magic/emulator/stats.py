"""What the emulator has been asked: request counts by kind and by request id, every
request in order, and one record per upload (with whether its PUT carried credentials).

Nothing here keeps a header's value: an upload record says which auth scheme arrived
("Key", "Bearer"), never the key or token itself.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    kind: str
    method: str
    path: str
    request_id: str | None
    status: int | None
    """The code answered; None when the connection was dropped without an answer."""


@dataclass(frozen=True)
class UploadRecord:
    url: str
    file_name: str
    content_type: str
    size: int
    via: str
    """"fal_v3" (POST /files/upload with a CDN token) or "storage" (initiate + PUT)."""
    auth_scheme: str | None
    """The Authorization scheme on the request that carried the bytes, or None."""


@dataclass(frozen=True)
class Stats:
    """A snapshot of the counters (`Emulator.stats`, `GET /_emulator/stats`)."""

    counts: dict[str, int]
    by_request: dict[str, dict[str, int]]
    requests: tuple[RequestRecord, ...] = ()
    uploads: tuple[UploadRecord, ...] = ()

    def count(self, kind: str, request_id: str | None = None) -> int:
        if request_id is None:
            return self.counts.get(kind, 0)
        return self.by_request.get(request_id, {}).get(kind, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "by_request": self.by_request,
            "requests": [asdict(r) for r in self.requests],
            "uploads": [asdict(u) for u in self.uploads],
        }


@dataclass
class StatsRecorder:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counts: Counter[str] = field(default_factory=Counter)
    _by_request: dict[str, Counter[str]] = field(default_factory=dict)
    _requests: list[RequestRecord] = field(default_factory=list)
    _uploads: list[UploadRecord] = field(default_factory=list)

    def count(self, kind: str, request_id: str | None) -> None:
        with self._lock:
            self._counts[kind] += 1
            if request_id is not None:
                self._by_request.setdefault(request_id, Counter())[kind] += 1

    def attribute(self, kind: str, request_id: str) -> None:
        """Count a request under an id learnt only while handling it (a submit)."""
        with self._lock:
            self._by_request.setdefault(request_id, Counter())[kind] += 1

    def answered(self, record: RequestRecord) -> None:
        with self._lock:
            self._requests.append(record)

    def uploaded(self, record: UploadRecord) -> None:
        with self._lock:
            self._uploads.append(record)

    def snapshot(self) -> Stats:
        with self._lock:
            return Stats(
                dict(self._counts),
                {rid: dict(c) for rid, c in self._by_request.items()},
                tuple(self._requests),
                tuple(self._uploads),
            )
