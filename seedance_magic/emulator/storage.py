"""The emulator's file storage: uploaded inputs and rendered outputs, served under
/files/, plus the CDN tokens and pending signed uploads of fal's two upload paths.

Everything is kept in memory for the life of the emulator.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

TOKEN_LIFETIME = timedelta(hours=1)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class PendingUpload:
    key: str
    file_name: str
    content_type: str


def safe_name(name: str | None, default: str = "upload.bin") -> str:
    """A file name that is safe as one URL path segment."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._")
    return cleaned[:120] or default


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range, or None
    when the header is not one satisfiable range of a `size`-byte file."""
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


class FileStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}
        self._tokens: dict[str, datetime] = {}
        self._pending: dict[str, PendingUpload] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with self._lock:
            self._files[key] = StoredFile(data, content_type)

    def get(self, key: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(key)

    def put_upload(self, data: bytes, file_name: str | None, content_type: str) -> str:
        """Store bytes uploaded through the CDN path; returns the key under /files/."""
        key = f"{hashlib.sha256(data).hexdigest()[:16]}/{safe_name(file_name)}"
        self.put(key, data, content_type)
        return key

    def issue_token(self) -> tuple[str, datetime]:
        token = secrets.token_urlsafe(24)
        expires = datetime.now(timezone.utc) + TOKEN_LIFETIME
        with self._lock:
            self._tokens[token] = expires
        return token, expires

    def token_valid(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            expires = self._tokens.get(token.strip())
        return scheme.lower() == "bearer" and expires is not None and expires > datetime.now(timezone.utc)

    def initiate(self, file_name: str | None, content_type: str) -> tuple[str, PendingUpload]:
        """Start a signed upload; returns its id and where the bytes will be served."""
        upload_id = uuid.uuid4().hex
        pending = PendingUpload(
            f"{upload_id[:16]}/{safe_name(file_name)}", safe_name(file_name), content_type
        )
        with self._lock:
            self._pending[upload_id] = pending
        return upload_id, pending

    def complete(self, upload_id: str, data: bytes, content_type: str | None) -> PendingUpload | None:
        with self._lock:
            pending = self._pending.pop(upload_id, None)
        if pending is not None:
            self.put(pending.key, data, content_type or pending.content_type)
        return pending
