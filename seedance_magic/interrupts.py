"""Ctrl-C while a job is waited for: stop the wait, never the job's own code."""

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
