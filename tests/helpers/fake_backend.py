"""`FakeBackend`: the engine's Backend protocol (seedance_magic/engine/backends/base.py)
with no sockets, no sleeps and no renders, driven by the test.

Every submit makes a `FakeRequest` (fake_parts.py). Its statuses are steps the test
provides, either a script taken at submit (the backend's `script`, or the next one
queued with `script_next`), or one at a time while the job runs (`advance`,
`complete`, `fail_job`). `status()` hands out the next step not handed out yet and, when there is
none, waits for the test's next one (a long poll: no polling of time); `stream()`
yields the steps as they come and ends after COMPLETED. Once COMPLETED has been handed
out, `status()` keeps answering it. `cancel()` ends an unfinished request as fal does
(COMPLETED with error_type "client_cancelled"). `download()` copies to `dest` a short
clip at the frame size fal makes for the request (fake_clips.py), or the `video` given.

Each kind of call can be made to raise (`fail(kind, error, times=, skip=)`, errors of
the package's tree) or to wait until the test lets it go (`hold(kind)`, `release(kind)`),
and every call is recorded (`calls`, `count(kind)`, `submits`, `cancels`, `uploads`,
`downloads`). `await backend.until(check)` waits for a condition on the backend without
sleeping: it is checked again after every call and every step.

    backend = FakeBackend(script=None)          # driven: nothing happens until the test says
    runtime = runtime_for(backend, fake_settings(tmp_path))     # fake_runtime.py
    job = Job(spec, runtime).start()
    await backend.until(lambda: backend.count("submit") == 1)
    backend.advance(backend.last.request_id, "IN_PROGRESS", logs=["Generating"])
    backend.complete(backend.last.request_id)
"""

from __future__ import annotations

import asyncio
import copy
import shutil
import uuid
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from seedance_magic.engine.backends.base import FalStatus, Handle, StatusUpdate, StreamUnavailable

from helpers.fake_clips import clip_for
from helpers.fake_parts import (
    BASE_URL,
    CANCELLED_TYPE,
    DEFAULT_SCRIPT,
    KINDS,
    RUNNER_ERROR,
    Call,
    Download,
    Failure,
    FakeRequest,
    Kind,
    Script,
    Signal,
    Upload,
    completed,
    failed,
    log,
)


# ---------------------------------------------------------------------- backend
class FakeBackend:
    """See the module. `script`: the steps each submitted request goes through (None:
    none, the test drives it); `stream`: whether the status stream is offered;
    `cancels_take_effect`: whether `cancel()` ends an unfinished request; `seed`: the
    seed the first result reports when none was sent (the next ones count up from it,
    as fal draws a new one each time)."""

    def __init__(
        self,
        *,
        script: Script = DEFAULT_SCRIPT,
        stream: bool = True,
        cancels_take_effect: bool = True,
        seed: int = 4242,
        video: Path | None = None,
        base_url: str = BASE_URL,
    ) -> None:
        self.script = script
        self.offers_stream = stream
        self.cancels_take_effect = cancels_take_effect
        self.seed = seed
        self.video = video
        self.base_url = base_url
        self.requests: dict[str, FakeRequest] = {}
        self.calls: list[Call] = []
        self.uploads: list[Upload] = []
        self.downloads: list[Download] = []
        self.closed = 0
        self.peak_open = 0  # the most requests open at once (see `open_now`)
        self.on_call: Callable[[Kind, str | None], None] | None = None
        self._scripts: deque[Script] = deque()
        self._failures: dict[Kind, list[Failure]] = {kind: [] for kind in KINDS}
        self._cuts = 0
        self._held: set[Kind] = set()
        self._changed = Signal()

    # ------------------------------------------------------------ what happened
    def count(self, kind: Kind) -> int:
        return sum(call.kind == kind for call in self.calls)

    @property
    def submits(self) -> list[tuple[str, dict[str, Any]]]:
        """(endpoint id, arguments) of every submit, in order."""
        return [call.detail for call in self.calls if call.kind == "submit"]

    @property
    def cancels(self) -> list[str]:
        """The request ids cancel was called for, in order."""
        return [call.request_id or "" for call in self.calls if call.kind == "cancel"]

    @property
    def open_now(self) -> int:
        """Requests submitted here whose COMPLETED the engine has not been handed yet."""
        return sum(r.submitted and not r.seen_finished for r in self.requests.values())

    @property
    def last(self) -> FakeRequest:
        """The request submitted last."""
        return list(self.requests.values())[-1]

    async def until(self, check: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `check()` is truthy (checked after every call and every step); its value."""

        async def wait() -> Any:
            while not (value := check()):
                await self._changed.wait()
            return value

        return await asyncio.wait_for(wait(), timeout)

    # ---------------------------------------------------------------- driving
    def script_next(self, *scripts: Script) -> None:
        """The next submits take these scripts, in order (then `script` again)."""
        self._scripts.extend(scripts)

    def advance(
        self,
        request_id: str,
        state: FalStatus,
        *,
        queue_position: int | None = None,
        logs: Iterable[str] = (),
    ) -> None:
        """The request's next status."""
        self.push(request_id, StatusUpdate(state, queue_position, tuple(log(m) for m in logs)))

    def play(self, request_id: str, script: Sequence[StatusUpdate] = DEFAULT_SCRIPT) -> None:
        """The request goes through these steps now."""
        for step in script:
            self.push(request_id, step)

    def complete(self, request_id: str, result: dict[str, Any] | None = None) -> None:
        """The request is done: COMPLETED (with `result` as its result JSON, if given)."""
        if result is not None:
            self.requests[request_id].result = result
        self.push(request_id, completed())

    def fail_job(
        self, request_id: str, error_type: str = "runner_server_error", error: str = RUNNER_ERROR
    ) -> None:
        self.push(request_id, failed(error_type, error))

    def push(self, request_id: str, step: StatusUpdate) -> None:
        """Append a step; its logs are added to the request's, and the step carries them
        all, as fal's status with logs does."""
        request = self.requests[request_id]
        request.logs = request.logs + step.logs
        request.steps.append(
            StatusUpdate(
                step.state, step.queue_position, request.logs, step.error, step.error_type, step.metrics
            )
        )
        self._changed.notify()

    def fail(self, kind: Kind, error: BaseException, *, times: int = 1, skip: int = 0) -> None:
        """The next `times` calls of `kind` (after `skip` that pass) raise `error`."""
        self._failures[kind].append(Failure(error, times, skip))

    def cut_stream(self, times: int = 1) -> None:
        """The next `times` stream connections end at once, without an update (the
        server closed them)."""
        self._cuts += times

    def hold(self, *kinds: Kind) -> None:
        """Calls of these kinds wait (after being recorded) until `release`."""
        self._held.update(kinds)

    def release(self, *kinds: Kind) -> None:
        self._held.difference_update(kinds or KINDS)
        self._changed.notify()

    def add_request(
        self, request_id: str, endpoint_id: str, arguments: dict[str, Any], script: Script = None
    ) -> Handle:
        """A request submitted elsewhere (another process), known to this backend."""
        self._make(request_id, endpoint_id, arguments, script)
        return self.handle_for(endpoint_id, request_id)

    # --------------------------------------------------------------- protocol
    async def submit(self, endpoint_id: str, arguments: dict[str, Any]) -> Handle:
        await self._enter("submit", None, (endpoint_id, dict(arguments)))
        script = self._scripts.popleft() if self._scripts else self.script
        request_id = str(uuid.uuid4())
        self._make(request_id, endpoint_id, arguments, script).submitted = True
        self.peak_open = max(self.peak_open, self.open_now)
        return self.handle_for(endpoint_id, request_id)

    def handle_for(self, endpoint_id: str, request_id: str) -> Handle:
        base = f"{self.base_url}/{endpoint_id}/requests/{request_id}"
        return Handle(endpoint_id, request_id, f"{base}/status", base, f"{base}/cancel")

    async def status(self, handle: Handle) -> StatusUpdate:
        await self._enter("status", handle.request_id)
        return await self._next(self.requests[handle.request_id])

    async def stream(self, handle: Handle) -> AsyncGenerator[StatusUpdate, None]:
        await self._enter("stream", handle.request_id)
        if not self.offers_stream:
            raise StreamUnavailable
        if self._cuts:
            self._cuts -= 1
            return
        request = self.requests[handle.request_id]
        while True:
            update = await self._next(request)
            yield update
            if update.state == "COMPLETED":
                return

    async def result(self, handle: Handle) -> dict[str, Any]:
        await self._enter("result", handle.request_id)
        return copy.deepcopy(self.requests[handle.request_id].result)

    async def cancel(self, handle: Handle) -> None:
        await self._enter("cancel", handle.request_id)
        request = self.requests.get(handle.request_id)
        if request is not None and self.cancels_take_effect and not request.finished:
            self.push(handle.request_id, failed(CANCELLED_TYPE, "Request was cancelled by the client"))

    async def upload(self, data: bytes, content_type: str, file_name: str) -> str:
        await self._enter("upload", None, file_name)
        url = f"{self.base_url}/files/upload-{len(self.uploads) + 1}/{file_name}"
        self.uploads.append(Upload(data, content_type, file_name, url))
        return url

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        expected_size: int | None = None,
        attempts: int = 5,
        progress: Callable[[int, int | None], None] | None = None,
        request_id: str | None = None,
    ) -> Path:
        self.downloads.append(Download(url, Path(dest), expected_size, attempts, request_id))
        await self._enter("download", request_id, url)
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._clip(request_id), dest)
        size = dest.stat().st_size
        if progress is not None:
            progress(size // 2, size)
            progress(size, size)
        return dest

    async def aclose(self) -> None:
        self.closed += 1

    # -------------------------------------------------------------- internals
    def _make(
        self, request_id: str, endpoint_id: str, arguments: dict[str, Any], script: Script
    ) -> FakeRequest:
        size = (self.video or clip_for(arguments)).stat().st_size
        seed = arguments.get("seed")
        request = self.requests[request_id] = FakeRequest(
            request_id,
            endpoint_id,
            dict(arguments),
            {
                "video": {
                    "url": f"{self.base_url}/files/{request_id}/output.mp4",
                    "content_type": "video/mp4",
                    "file_name": "output.mp4",
                    "file_size": size,
                },
                "seed": self.seed + len(self.requests) if seed is None else seed,
            },
        )
        self.play(request_id, script or ())
        return request

    def _clip(self, request_id: str | None) -> Path:
        if self.video is not None:
            return self.video
        request = self.requests.get(request_id or "")
        return clip_for(request.arguments if request is not None else {})

    async def _enter(self, kind: Kind, request_id: str | None, detail: Any = None) -> None:
        """Record the call, wait while its kind is held, raise an injected failure."""
        self.calls.append(Call(kind, request_id, detail))
        if self.on_call is not None:
            self.on_call(kind, request_id)
        self._changed.notify()
        while kind in self._held:
            await self._changed.wait()
        for failure in self._failures[kind]:
            if failure.skip:
                failure.skip -= 1
                return
            if failure.times:
                failure.times -= 1
                raise copy.copy(failure.error)
        self._failures[kind] = [f for f in self._failures[kind] if f.times]

    async def _next(self, request: FakeRequest) -> StatusUpdate:
        """The next step not handed out yet, waiting for the test's next one; the
        COMPLETED step again once it was handed out."""
        while True:
            if request.handed_out < len(request.steps):
                step = request.steps[request.handed_out]
                request.handed_out += 1
                self._changed.notify()
                return step
            if request.seen_finished:
                return next(s for s in request.steps if s.state == "COMPLETED")
            await self._changed.wait()
