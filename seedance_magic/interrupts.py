"""Waiting for a job inside a running loop (a kernel cell): the loop made reentrant, and
Ctrl-C that stops the wait, never the job's own code."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


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
