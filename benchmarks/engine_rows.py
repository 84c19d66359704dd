"""Rows measured in this process on one asyncio loop, against emulators in child
processes: status requests per job (row 2), completion -> engine notices (row 3a) and
16 concurrent jobs (row 4).

Ours is `seedance_magic.generate(...)` on a `Runtime` of its own (a fresh journal and
output folder per variant); the peer is `fal_client.AsyncClient().subscribe(...)`. A
`TimedRuntime` hands the jobs a backend that notes, on the same clock as the emulator's
job times (time.time()), when the COMPLETED status reached the engine and how long the
download took; the engine itself runs unchanged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import fal_client

from seedance_magic.api import generate
from seedance_magic.engine.backends.base import Backend, Handle, StatusUpdate
from seedance_magic.engine.job import Job
from seedance_magic.engine.runtime import Runtime
from seedance_magic.settings import Settings, Target

from .common import ARGUMENTS, ENDPOINT, JITTER, PEER_KEY, PROMPT, SEED, EmulatorProcess
from .peer import close_async, route_fal_client, subscribe_async

T = TypeVar("T")
OPTIONS: dict[str, Any] = {
    "fast": True,
    "resolution": "480p",
    "duration": 4,
    "seed": SEED,
    "no_cache": True,
}


@dataclass
class Marks:
    """Per request id: when COMPLETED reached the engine, when the download ran."""

    completed_seen: dict[str, float] = field(default_factory=dict)
    download: dict[str, tuple[float, float]] = field(default_factory=dict)


class TimedBackend:
    """The runtime's own backend, with time stamps around what it returns."""

    def __init__(self, inner: Backend, marks: Marks) -> None:
        self._inner = inner
        self._marks = marks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _seen(self, handle: Handle, update: StatusUpdate) -> None:
        if update.state == "COMPLETED":
            self._marks.completed_seen.setdefault(handle.request_id, time.time())

    async def status(self, handle: Handle) -> StatusUpdate:
        update = await self._inner.status(handle)
        self._seen(handle, update)
        return update

    async def stream(self, handle: Handle) -> AsyncGenerator[StatusUpdate, None]:
        updates = self._inner.stream(handle)
        try:
            async for update in updates:
                self._seen(handle, update)
                yield update
        finally:
            await updates.aclose()

    async def download(self, url: str, dest: Path, **kwargs: Any) -> Path:
        start = time.time()
        path = await self._inner.download(url, dest, **kwargs)
        if kwargs.get("request_id"):
            self._marks.download[kwargs["request_id"]] = (start, time.time())
        return path


class TimedRuntime(Runtime):
    def __init__(self, settings: Settings) -> None:
        super().__init__(lambda: settings)
        self.marks = Marks()
        self._timed: dict[int, TimedBackend] = {}

    def backend(self, target: Target | None = None) -> Backend:
        inner = super().backend(target)
        timed = self._timed.get(id(inner))
        if timed is None:
            timed = self._timed[id(inner)] = TimedBackend(inner, self.marks)
        return timed  # type: ignore[return-value]  # a Backend by delegation


def make_runtime(base_url: str, folder: Path, *, stream: bool = True) -> TimedRuntime:
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        base_url=base_url,
        output_dir=folder / "out",
        journal_path=folder / "journal.sqlite3",
        use_stream=stream,
    )
    return TimedRuntime(settings)


async def close_runtime(runtime: Runtime) -> None:
    await runtime.aclose_loop()
    runtime.close()


async def submitted(job: Job) -> str:
    """The job's request id, once its submit has been answered."""
    while job.request_id is None:
        if job.done:
            await job  # raises the job's error
        await asyncio.sleep(0.005)
    return job.request_id


class Peer:
    """fal_client.AsyncClient for one loop, routed to one emulator (it builds its httpx
    client on first use: the routing in effect then is the one it keeps)."""

    def __init__(self, base_url: str) -> None:
        route_fal_client(base_url)
        self.client = fal_client.AsyncClient(key=PEER_KEY)

    async def subscribe(self, *, with_logs: bool, enqueued: asyncio.Event | None = None) -> tuple[str, float]:
        """One subscribe: its request id and the wall time it returned."""
        ids: list[str] = []

        def on_enqueue(request_id: str) -> None:
            ids.append(request_id)
            if enqueued is not None:
                enqueued.set()

        await subscribe_async(self.client, ENDPOINT, ARGUMENTS, with_logs=with_logs, on_enqueue=on_enqueue)
        return ids[0], time.time()

    async def close(self) -> None:
        await close_async(self.client)


def run(work: Coroutine[Any, Any, T], timeout: float) -> T:
    """asyncio.run with a deadline: a stuck row fails instead of hanging the suite."""
    return asyncio.run(asyncio.wait_for(work, timeout))


# ----------------------------------------------------------------- row 2: requests
@dataclass
class Counts:
    status: int
    result: int
    notice_ms: float | None = None

    def text(self) -> str:
        return f"{self.status} (+{self.result} result)"


def counts(stats: dict[str, Any], request_id: str) -> Counts:
    mine = stats["by_request"].get(request_id, {})
    return Counts(mine.get("status", 0) + mine.get("stream", 0), mine.get("result", 0))


async def request_counts(
    stream_emu: EmulatorProcess, poll_emu: EmulatorProcess, durations: list[float], folder: Path
) -> dict[float, dict[str, Counts]]:
    """For each job length: status-related requests of ours (stream offered; polling
    only) and of the two peers, all jobs of all lengths running at once."""
    peer = Peer(stream_emu.url)
    runtimes: list[TimedRuntime] = []
    running: list[tuple[float, str, asyncio.Future[Any], TimedRuntime | None, EmulatorProcess]] = []
    try:
        for seconds in durations:
            stream_emu.configure(seconds)
            poll_emu.configure(seconds)
            for variant, emu in (("stream", stream_emu), ("polling", poll_emu)):
                rt = make_runtime(emu.url, folder / f"requests-{seconds:g}-{variant}", stream=emu.stream)
                runtimes.append(rt)
                job = generate(PROMPT, runtime=rt, **OPTIONS)
                await submitted(job)
                running.append((seconds, variant, asyncio.ensure_future(job._wait_async()), rt, emu))
            for variant, with_logs in (("subscribe", False), ("subscribe+logs", True)):
                enqueued = asyncio.Event()
                task = asyncio.ensure_future(peer.subscribe(with_logs=with_logs, enqueued=enqueued))
                await enqueued.wait()
                running.append((seconds, variant, task, None, stream_emu))
        await asyncio.gather(*(task for _, _, task, _, _ in running))
        table: dict[float, dict[str, Counts]] = {}
        stats = {id(emu): emu.stats() for emu in (stream_emu, poll_emu)}
        for seconds, variant, task, rt, emu in running:
            result = task.result()
            if rt is not None:
                request_id = result.request_id
                found = counts(stats[id(emu)], request_id)
                seen = rt.marks.completed_seen.get(request_id)
                found.notice_ms = (seen - emu.completed_at(request_id)) * 1000 if seen else None
            else:
                request_id = result[0]
                found = counts(stats[id(emu)], request_id)
            table.setdefault(seconds, {})[variant] = found
        return table
    finally:
        await peer.close()
        for rt in runtimes:
            await close_runtime(rt)


# ------------------------------------------------------------- row 3a: noticing
async def notice_latency(emu: EmulatorProcess, runs: int, job_seconds: float, folder: Path) -> list[float]:
    """Seconds from the job completing at the server to the engine holding the COMPLETED
    status, one job at a time, over the status stream."""
    rt = make_runtime(emu.url, folder / "notice")
    latencies = []
    try:
        for _ in range(runs):
            emu.configure(job_seconds, jitter=JITTER)
            result = await generate(PROMPT, runtime=rt, **OPTIONS)
            request_id = result.request_id
            assert request_id is not None
            latencies.append(rt.marks.completed_seen[request_id] - emu.completed_at(request_id))
    finally:
        await close_runtime(rt)
    return latencies


# ------------------------------------------------------ row 4: concurrent jobs
async def concurrency(emu: EmulatorProcess, jobs: int, folder: Path) -> dict[str, tuple[float, float]]:
    """Wall time of one job and of `jobs` jobs at once, for ours and the two peers."""
    walls: dict[str, tuple[float, float]] = {}
    rt = make_runtime(emu.url, folder / "concurrency")
    try:

        async def ours(n: int) -> None:
            await asyncio.gather(*(generate(PROMPT, runtime=rt, **OPTIONS)._wait_async() for _ in range(n)))

        walls["ours"] = (await _timed(ours, 1), await _timed(ours, jobs))
    finally:
        await close_runtime(rt)
    for name, with_logs in (("subscribe", False), ("subscribe+logs", True)):
        peer = Peer(emu.url)
        try:

            async def theirs(n: int, peer: Peer = peer, with_logs: bool = with_logs) -> None:
                await asyncio.gather(*(peer.subscribe(with_logs=with_logs) for _ in range(n)))

            walls[name] = (await _timed(theirs, 1), await _timed(theirs, jobs))
        finally:
            await peer.close()
    return walls


async def _timed(run: Any, n: int) -> float:
    start = time.perf_counter()
    await run(n)
    return time.perf_counter() - start
