"""The one way a cell blocks until something on the jobs' loop is done: `block()`, used by
Job, JobGroup and everything else that waits (stories, batches, compare).

Inside a kernel the loop is already running the cell, so the wait runs the loop again
from within (nest_asyncio), made safe for the iteration it interrupts (`reentrant`);
Ctrl-C stops the wait, never the job's own code (`sigint_stops`), and calls the
caller's `on_interrupt` (cancel at the provider) before KeyboardInterrupt is raised. In a
script or terminal IPython the loop runs in a thread of its own (background.py): the
wait then only waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .background import elsewhere

T = TypeVar("T")

# How long, after Ctrl-C, the wait goes on for the cancel to reach the provider.
CANCEL_GRACE_S = 15.0


def block(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[T],
    *,
    timeout: float | None = None,
    on_interrupt: Callable[[], Any] | None = None,
) -> None:
    """Run `loop` until `future` is done, from synchronous code (a cell, a script).

    Returns when the future is done, whatever its outcome (the caller reads it); raises
    asyncio.TimeoutError after `timeout` seconds (the future keeps running), and
    KeyboardInterrupt on Ctrl-C, after calling `on_interrupt()` and giving the future
    up to CANCEL_GRACE_S to settle."""
    if elsewhere(loop):  # the background loop of a script or terminal: wait for it there
        _block_elsewhere(loop, future, timeout, on_interrupt)
        return
    with reentrant(loop):
        waiter = loop.create_task(_settled(future, timeout))
        with sigint_stops(loop, waiter) as interrupted:
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(waiter)
            if interrupted.is_set():
                if on_interrupt is not None:
                    on_interrupt()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(_settled(future, CANCEL_GRACE_S))
                raise KeyboardInterrupt


def _block_elsewhere(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    timeout: float | None,
    on_interrupt: Callable[[], Any] | None,
) -> None:
    """`block` for a loop running in another thread: this thread only waits (Ctrl-C
    lands here, never in the job's code), woken when the future is done."""
    done = threading.Event()
    loop.call_soon_threadsafe(lambda: future.add_done_callback(lambda _: done.set()))
    try:
        if not done.wait(timeout):
            raise asyncio.TimeoutError
    except KeyboardInterrupt:
        if on_interrupt is not None:
            on_interrupt()
        done.wait(CANCEL_GRACE_S)
        _seen(future)
        raise KeyboardInterrupt from None
    _seen(future)


def _seen(future: asyncio.Future[Any]) -> None:
    """Mark a done future's outcome as read, so that asyncio never logs it as never
    retrieved (after Ctrl-C nobody reads it)."""
    if future.done() and not future.cancelled():
        future.exception()


async def _settled(future: asyncio.Future[Any], timeout: float | None) -> None:
    """Wait for the future to be done without cancelling it. Its outcome stays for the
    caller, but is marked as seen, so that asyncio never logs it as never retrieved
    (after Ctrl-C nobody reads it)."""
    await asyncio.wait_for(asyncio.wait({future}), timeout)
    if not future.cancelled():
        future.exception()


@contextlib.contextmanager
def sigint_stops(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Any]) -> Iterator[threading.Event]:
    """While a job is waited for in the main thread, Ctrl-C (SIGINT) cancels `waiter` and
    is noted, instead of raising KeyboardInterrupt wherever the loop happens to be: inside
    the job's own code it would kill the job's task without cancelling it at fal."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return

    def on_sigint(signum: int, frame: Any) -> None:
        interrupted.set()
        waiter.cancel()
        loop.call_soon_threadsafe(lambda: None)  # wake the loop from its select()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def reentrant(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Let `loop.run_until_complete` run inside `loop`'s own running iteration (nest_asyncio).

    The iteration running the cell that waits may be asyncio's own `_run_once` (the one
    that was under way when nest_asyncio patched the loop), which pops the handles it
    counted before it ran the cell; a nested run may have run some of them already, and
    asyncio would then pop from an empty queue and end the kernel. So after each nested
    run the queue is topped up with no-op handles to at least its length on entry."""
    if not loop.is_running():
        yield
        return
    import nest_asyncio2 as nest_asyncio

    ready = getattr(loop, "_ready", None)
    counted = None if ready is None else len(ready)
    nest_asyncio.apply(loop)
    try:
        yield
    finally:
        if counted is not None and ready is not None:
            for _ in range(counted - len(ready)):
                loop.call_soon(_nothing)


def _nothing() -> None:
    """A no-op handle (see `reentrant`)."""
