"""`FakeBackend`: the engine's Backend protocol (seedance_magic/engine/backends/base.py)
with no sockets, no sleeps and no renders, driven by the test.

Every submit makes a `FakeRequest`. Its statuses are steps the test provides, either a
script taken at submit (the backend's `script`, or the next one queued with
`script_next`), or one at a time while the job runs (`advance`, `complete`,
`fail_job`). `status()` hands out the next step not handed out yet and, when there is
none, waits for the test's next one (a long poll: no polling of time); `stream()`
yields the steps as they come and ends after COMPLETED. Once COMPLETED has been handed
out, `status()` keeps answering it. `cancel()` ends an unfinished request as fal does
(COMPLETED with error_type "client_cancelled"). `download()` copies the small clip
tests/data/tiny.mp4 to `dest`.

Each kind of call can be made to raise (`fail(kind, error, times=, skip=)`, errors of
the package's tree) or to wait until the test lets it go (`hold(kind)`, `release(kind)`),
and every call is recorded (`calls`, `count(kind)`, `submits`, `cancels`, `uploads`,
`downloads`). `await backend.until(check)` waits for a condition on the backend without
sleeping: it is checked again after every call and every step.

    backend = FakeBackend(script=None)          # driven: nothing happens until the test says
    runtime = runtime_for(backend, fake_settings(tmp_path))
    job = Job(spec, runtime).start()
    await backend.until(lambda: backend.count("submit") == 1)
    backend.advance(backend.last.request_id, "IN_PROGRESS", logs=["Generating"])
    backend.complete(backend.last.request_id)
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import shutil
import time
import uuid
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from seedance_magic.engine.backends.base import FalStatus, Handle, StatusUpdate, StreamUnavailable
from seedance_magic.engine.job import Job
from seedance_magic.engine.runtime import Runtime
from seedance_magic.model import JobSpec, Snapshot
from seedance_magic.settings import Settings, Target
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.endpoints import find_endpoint

Kind = Literal["submit", "status", "stream", "result", "cancel", "upload", "download"]
KINDS: tuple[Kind, ...] = ("submit", "status", "stream", "result", "cancel", "upload", "download")

BASE_URL = "http://fake.invalid"
TINY_MP4 = Path(__file__).resolve().parent.parent / "data" / "tiny.mp4"
CANCELLED_TYPE = "client_cancelled"
RUNNER_ERROR = "Internal error in the runner"


# ------------------------------------------------------------------------- steps
def log(message: str) -> dict[str, Any]:
    """One log line as fal sends it."""
    return {"message": message, "level": "INFO", "source": "user", "timestamp": time.time()}


def queued(position: int = 0) -> StatusUpdate:
    return StatusUpdate("IN_QUEUE", queue_position=position)


def running(*messages: str) -> StatusUpdate:
    return StatusUpdate("IN_PROGRESS", logs=tuple(log(m) for m in messages))


def completed(**metrics: Any) -> StatusUpdate:
    return StatusUpdate("COMPLETED", metrics=dict(metrics))


def failed(error_type: str = "runner_server_error", error: str = RUNNER_ERROR) -> StatusUpdate:
    """A job that ran and ended with an error (COMPLETED, with the error in the status)."""
    return StatusUpdate("COMPLETED", error=error, error_type=error_type)


# What a request goes through unless the test says otherwise.
DEFAULT_SCRIPT: tuple[StatusUpdate, ...] = (
    queued(1),
    queued(0),
    running("Starting the runner", "Generating the video"),
    completed(inference_time=0.01),
)

Script = Sequence[StatusUpdate] | None


# ---------------------------------------------------------------------- records
@dataclass(frozen=True)
class Call:
    """One call the engine made: its kind, the request it was about (if any), and what
    it sent (arguments, a file name, a URL...)."""

    kind: Kind
    request_id: str | None = None
    detail: Any = None


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str
    file_name: str
    url: str


@dataclass(frozen=True)
class Download:
    url: str
    dest: Path
    expected_size: int | None
    attempts: int
    request_id: str | None


@dataclass
class FakeRequest:
    """One submitted request: what was sent, its steps so far and how many of them have
    been handed out to the engine."""

    request_id: str
    endpoint_id: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    steps: list[StatusUpdate] = field(default_factory=list)
    handed_out: int = 0
    logs: tuple[dict[str, Any], ...] = ()
    submitted: bool = False  # by this backend (not added as another process's)

    @property
    def finished(self) -> bool:
        """A COMPLETED step has been given (the provider is done with it)."""
        return any(step.state == "COMPLETED" for step in self.steps)

    @property
    def seen_finished(self) -> bool:
        """The engine has been handed the COMPLETED step."""
        return any(step.state == "COMPLETED" for step in self.steps[: self.handed_out])

    @property
    def cancelled(self) -> bool:
        return any(step.error_type == CANCELLED_TYPE for step in self.steps)


class _Signal:
    """Wake every waiter on the next `notify()` (futures of whichever loop waits)."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    async def wait(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(future)

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                with contextlib.suppress(RuntimeError):  # its loop is closed: nobody waits
                    future.set_result(None)


@dataclass
class _Failure:
    error: BaseException
    times: int
    skip: int


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
        video: Path = TINY_MP4,
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
        self._failures: dict[Kind, list[_Failure]] = {kind: [] for kind in KINDS}
        self._cuts = 0
        self._held: set[Kind] = set()
        self._changed = _Signal()

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
        self._failures[kind].append(_Failure(error, times, skip))

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
        shutil.copyfile(self.video, dest)
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
        size = self.video.stat().st_size
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


# ---------------------------------------------------------------------- runtime
FAST = {"poll_initial": 0.001, "poll_max": 0.005, "download_attempts": 2}


def fake_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings pointing at the fake's base URL (so no emulator starts), with the test's
    journal and output folder and fast polling."""
    values: dict[str, Any] = {
        "base_url": BASE_URL,
        "output_dir": tmp_path / "out",
        "journal_path": tmp_path / "journal.sqlite3",
        **FAST,
        **changes,
    }
    return Settings(**values)


def runtime_for(
    backend: FakeBackend,
    settings: Settings | Callable[[], Settings] | None = None,
    *,
    emulated: bool = False,
    others: Mapping[str, FakeBackend] | None = None,
) -> Runtime:
    """A Runtime whose every target is served by `backend`, or by `others[base_url]`.
    `emulated`: whether a base URL answers as an emulator (its results spend nothing and
    are badged EMULATOR; each URL is another emulator). `settings`: fixed settings, a
    source of them, or None for the process's (%config once the extension is loaded,
    else the environment)."""
    source = (lambda: settings) if isinstance(settings, Settings) else settings
    served = dict(others or {})

    def make(target: Target) -> FakeBackend:
        return served.get(target.base_url or "", backend)

    return Runtime(source, backends=make, probe=lambda url: f"fake@{url}" if emulated else None)


def configure(runtime: Runtime, **changes: Any) -> Settings:
    """Change some of the runtime's settings from now on (as `%config` would)."""
    changed = runtime.settings._replace(**changes)
    runtime.set_settings_source(lambda: changed)
    return changed


# ------------------------------------------------------------------------- jobs
FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"


def job_spec(endpoint: str = FAST_T2V, *, timeout: float | None = None, **arguments: Any) -> JobSpec:
    """A JobSpec of a small fast text-to-video job (480p, 4 s) with these arguments."""
    args = {"prompt": "a lighthouse at dawn", "resolution": "480p", "duration": "4", **arguments}
    found = find_endpoint(endpoint)
    assert found is not None
    return JobSpec(endpoint, args, estimate_cost(found, duration=args["duration"]), timeout=timeout)


async def reached(job: Job, check: Callable[[Snapshot], Any], timeout: float = 5.0) -> Snapshot:
    """The job's first snapshot (the current one included) for which `check` is true."""
    if check(job.snapshot):
        return job.snapshot
    future: asyncio.Future[Snapshot] = asyncio.get_running_loop().create_future()

    def seen(snapshot: Snapshot) -> None:
        if check(snapshot) and not future.done():
            future.set_result(snapshot)

    stop = job.subscribe(seen)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        stop()
