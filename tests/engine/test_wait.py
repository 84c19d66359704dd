"""The one wait (engine/wait.py) and the ways to wait for a job: `job.wait()` from a
script, from code running inside the loop (what `--wait` does in a kernel, through
nest_asyncio), `await job`, several jobs at once. Ctrl-C during a wait is tested with
real signals in tests/wire/test_faults.py and tests/kernel/."""

from __future__ import annotations

import asyncio

import pytest

from seedance_magic.engine.job import Job
from seedance_magic.engine.runtime import Runtime
from seedance_magic.engine.wait import block

from helpers.fake_backend import FakeBackend
from helpers.fake_runtime import job_spec


def test_wait_inside_a_running_loop(fake_runtime: Runtime) -> None:
    """What `--wait` does in a kernel: block on the job from code running in the loop."""

    async def cell() -> int | None:
        job = Job(job_spec(seed=5), fake_runtime).start()
        seed = job.wait(timeout=5).seed
        await fake_runtime.aclose_loop()
        return seed

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(cell()) == 5
    finally:
        loop.close()


def test_await_job(fake_runtime: Runtime) -> None:
    async def main() -> int | None:
        seed = (await Job(job_spec(seed=9), fake_runtime)).seed
        await fake_runtime.aclose_loop()
        return seed

    assert asyncio.run(main()) == 9


async def test_several_jobs_at_once(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.script = None
    jobs = [Job(job_spec(seed=s), fake_runtime).start() for s in range(4)]
    await backend.until(lambda: len(backend.requests) == 4)  # all sent before any ends
    for request in reversed(list(backend.requests.values())):
        backend.complete(request.request_id)
    assert [(await j).seed for j in jobs] == [0, 1, 2, 3]
    assert backend.count("submit") == 4 and backend.peak_open == 4


def test_block_returns_when_the_future_is_done_whatever_its_outcome() -> None:
    loop = asyncio.new_event_loop()
    try:
        failing = loop.create_future()
        loop.call_soon(failing.set_exception, ValueError("its own error"))
        block(loop, failing)  # returns: the caller reads the outcome
        with pytest.raises(ValueError, match="its own error"):
            failing.result()
    finally:
        loop.close()


def test_block_times_out_and_the_future_goes_on() -> None:
    loop = asyncio.new_event_loop()
    try:
        later = loop.create_future()
        with pytest.raises(asyncio.TimeoutError):
            block(loop, later, timeout=0.01)
        assert not later.done() and not later.cancelled()
        loop.call_soon(later.set_result, 7)
        block(loop, later)
        assert later.result() == 7
    finally:
        loop.close()


def test_block_inside_the_running_loop_keeps_its_queue_whole() -> None:
    """A nested run may run handles the interrupted iteration had counted: afterwards the
    queue holds at least as many as before, so that the outer iteration never pops from
    an empty one."""
    ran: list[str] = []

    async def cell() -> None:
        loop = asyncio.get_running_loop()
        for name in ("a", "b", "c"):
            loop.call_soon(ran.append, name)
        before = len(loop._ready)  # type: ignore[attr-defined]
        inner = loop.create_future()
        loop.call_soon(inner.set_result, None)
        block(loop, inner)
        assert len(loop._ready) >= before  # type: ignore[attr-defined]

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(cell())
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    assert ran == ["a", "b", "c"]
