"""The loop jobs run on where no loop keeps running between cells (a script, terminal
IPython): a private asyncio loop running in a daemon thread of its own, so that a job
sends its request the moment it starts and goes on while the program does other things,
and `--no-wait` can return at once.

The job's code runs only on that thread. What other threads do to it goes through here:
`create_task` makes a task there, `call` runs a function there (cancelling, say), and
`elsewhere` tells whether a loop runs in another thread than the caller's (then
wait.block waits for it without running it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["BackgroundLoop", "call", "create_task", "elsewhere", "reported"]

# How long closing waits for the loop's last steps (closing clients, its executor).
CLOSE_TIMEOUT_S = 5.0


def elsewhere(loop: asyncio.AbstractEventLoop) -> bool:
    """True when `loop` is running in another thread than this one."""
    if not loop.is_running():
        return False
    try:
        return asyncio.get_running_loop() is not loop
    except RuntimeError:
        return True


def create_task(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], name: str | None = None
) -> asyncio.Task[T]:
    """`loop.create_task(coro)`, made on the loop's own thread when it runs in another one
    (returns once the task exists)."""
    if not elsewhere(loop):
        return loop.create_task(coro, name=name)
    made: concurrent.futures.Future[asyncio.Task[T]] = concurrent.futures.Future()

    def make() -> None:
        try:
            made.set_result(loop.create_task(coro, name=name))
        except BaseException as exc:  # a closing loop: the caller hears of it
            made.set_exception(exc)

    loop.call_soon_threadsafe(make)
    return made.result()


def reported(task: asyncio.Task[Any]) -> asyncio.Task[Any]:
    """Mark `task`'s exception as read once it ends: for tasks whose outcome reaches the
    user another way (a job's snapshot and journal row), so that asyncio never logs
    "Task exception was never retrieved" for a job nobody waited on."""

    def read(done: asyncio.Task[Any]) -> None:
        if not done.cancelled():
            done.exception()

    task.add_done_callback(read)
    return task


def call(loop: asyncio.AbstractEventLoop | None, fn: Callable[..., Any], *args: Any) -> bool:
    """Run `fn(*args)` on `loop`'s thread soon when that loop runs in another thread and
    say so (True); False when the caller may call it itself."""
    if loop is None or not elsewhere(loop):
        return False
    loop.call_soon_threadsafe(fn, *args)
    return True


class BackgroundLoop:
    """A private event loop running forever in a daemon thread ("seedance-jobs")."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), name="seedance-jobs", daemon=True)
        self._thread.start()
        started.wait()

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(started.set)
        self.loop.run_forever()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self.loop.is_closed()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = CLOSE_TIMEOUT_S) -> T:
        """Run `coro` on the loop and wait for its outcome (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        """Stop the loop (jobs still on it stop where they are) and close it."""
        if self.loop.is_closed():
            return
        if self._thread.is_alive():
            with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                self.run(self._finish())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(CLOSE_TIMEOUT_S)
        if not self._thread.is_alive():
            self.loop.close()

    async def _finish(self) -> None:
        """Cancel what still runs on the loop, let it end, and stop the executor."""
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.loop.shutdown_default_executor()
