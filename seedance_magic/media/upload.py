"""Uploading checked inputs: each local file (and each decoded data: URI) goes up once
through the backend's upload, several in parallel, remembered by content digest and
target so a re-run does not upload it again; http(s) URLs pass through. A backend whose
provider takes files inline answers with a data: URI, which is not remembered.

`upload_inputs` returns the URLs by argument field, which replace the `<upload: ...>`
stand-ins of a JobSpec's arguments; `SharedUpload` is one such upload shared by the jobs
that need it. The per-file progress callback gets lines like ("cat.png", "uploaded
1.2 MB") for the widget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from .. import errors
from ..spec.formats import amount
from ..spec.inputs import InputItem, Inputs
from .inputs import read_item
from .probe import sha256_of

Progress = Callable[[str, str], None]
# What a failed upload is retried on: the service's trouble, not a refused request.
RETRYABLE: tuple[type[Exception], ...] = (errors.Unavailable, errors.RateLimited)


class Uploader(Protocol):
    async def upload(self, data: bytes, content_type: str, file_name: str) -> str: ...


class UploadCache(Protocol):
    """The journal's upload table (store.Journal)."""

    def upload_url(self, digest: str, target: str) -> str | None: ...

    def record_upload(self, digest: str, target: str, url: str, file_name: str, size: int) -> None: ...


async def upload_inputs(
    inputs: Inputs,
    backend: Uploader,
    journal: UploadCache | None,
    target: str,
    *,
    concurrency: int = 4,
    progress: Progress | None = None,
    attempts: int = 3,
    backoff: float = 0.5,
) -> dict[str, str | list[str]]:
    """Upload every input that is not a URL (at most `concurrency` at once) and return
    the URLs by field: "image_url"/"end_image_url" -> str, "image_urls"/"video_urls"/
    "audio_urls" -> list in input order. A file already uploaded to `target` (same
    digest) is not sent again; identical files in one request go up once. A failed
    upload is retried `attempts` times in all on RETRYABLE errors; when any upload
    fails the others still finish (and are remembered), then the first error is raised."""
    report = progress or (lambda name, status: None)
    groups: dict[str, list[InputItem]] = {}
    for item in inputs:
        if item.url is None:
            if item.digest is None:
                raise ValueError(f"{item.label} was not probed: resolve_inputs makes the inputs to upload")
            groups.setdefault(item.digest, []).append(item)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(group: list[InputItem]) -> str:
        def say(status: str) -> None:
            for name in dict.fromkeys(i.name for i in group):
                report(name, status)

        first = group[0]
        assert first.digest is not None
        cached = journal.upload_url(first.digest, target) if journal is not None else None
        if cached is not None:
            say("cached")
            return cached
        async with gate:
            try:
                url = await _upload(first, backend, attempts, backoff, say)
            except Exception as exc:
                say(f"failed: {exc}")
                raise
        inline = url[:5].lower() == "data:"  # a provider that takes files inline: nothing to remember
        if journal is not None and not inline:
            journal.record_upload(first.digest, target, url, first.file_name, first.size or 0)
        say(f"{'inlined' if inline else 'uploaded'} {amount(first.size or 0)}")
        return url

    digests = list(groups)
    results = await asyncio.gather(*(one(groups[d]) for d in digests), return_exceptions=True)
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure is not None:
        raise failure
    by_digest = dict(zip(digests, (str(r) for r in results), strict=True))
    return inputs.per_field(lambda item: item.url if item.url is not None else by_digest[item.digest or ""])


async def _upload(
    item: InputItem, backend: Uploader, attempts: int, backoff: float, say: Callable[[str], None]
) -> str:
    def read_unchanged() -> bytes:
        data = read_item(item)
        if sha256_of(data) != item.digest:
            raise errors.InvalidRequest(
                f"{item.label}: the file changed after it was checked; run the cell again"
            )
        return data

    # A file is read and hashed off the event loop (a reference video can be 50 MB).
    data = await asyncio.to_thread(read_unchanged) if item.path is not None else read_item(item)
    delay = backoff
    for attempt in range(1, max(1, attempts) + 1):
        say("uploading" if attempt == 1 else f"uploading (attempt {attempt} of {attempts})")
        try:
            return await backend.upload(data, item.content_type, item.file_name)
        except RETRYABLE:
            if attempt >= attempts:
                raise
        await asyncio.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


class SharedUpload:
    """One upload of a request's inputs, shared by the jobs that need it (the cells of a
    grid): the first job starts it, the others wait for the same URLs, and every job's
    progress callback sees each file's latest status."""

    def __init__(
        self, inputs: Inputs, journal: UploadCache | None, target: str, *, concurrency: int = 4
    ) -> None:
        self.inputs = inputs
        self.journal = journal
        self.target = target
        self.concurrency = concurrency
        self._task: asyncio.Task[dict[str, str | list[str]]] | None = None
        self._listeners: list[Progress] = []
        self._latest: dict[str, str] = {}

    def _report(self, name: str, status: str) -> None:
        self._latest[name] = status
        for listener in self._listeners:
            listener(name, status)

    async def urls(self, backend: Uploader, progress: Progress | None = None) -> dict[str, str | list[str]]:
        """The uploaded URLs by field, uploading on the first call (and again after a
        failed upload, or on another event loop)."""
        if progress is not None:
            self._listeners.append(progress)
            for name, status in self._latest.items():
                progress(name, status)
        task = self._task
        if (
            task is None
            or task.get_loop() is not asyncio.get_running_loop()
            or (task.done() and (task.cancelled() or task.exception() is not None))
        ):
            self._latest.clear()
            task = self._task = asyncio.ensure_future(
                upload_inputs(
                    self.inputs,
                    backend,
                    self.journal,
                    self.target,
                    concurrency=self.concurrency,
                    progress=self._report,
                )
            )
        return dict(await asyncio.shield(task))
