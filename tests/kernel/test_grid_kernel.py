"""A grid in a real Jupyter kernel: the cell returns at once with the grid widget, the
four jobs run in parallel on the kernel's loop, and the cells turn into players."""

from __future__ import annotations

import asyncio
import contextlib
import time
import warnings
from collections.abc import Iterator

import pytest

from helpers.kernel import Kernel, drain, kernel

pytestmark = [pytest.mark.kernel, pytest.mark.usefixtures(kernel.__name__)]


@pytest.fixture(autouse=True)
def no_stale_event_loop() -> Iterator[None]:
    """jupyter_client makes its own event loop the current one; a loop an earlier test
    left current (asyncio.run once nest_asyncio is applied keeps its loop) would then be
    dropped unclosed and warn in whichever test the collector runs next. Close it first."""
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings(), contextlib.suppress(RuntimeError):
        warnings.simplefilter("ignore", DeprecationWarning)
        loop = policy.get_event_loop()
        if not loop.is_running():
            loop.close()
            policy.set_event_loop(None)
    yield


def finished_after(k: Kernel, name: str, started: float, limit: float = 60) -> float:
    while time.monotonic() - started < limit:
        if k.value(f"{name}.done") == "True":
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{name} did not finish in {limit} s")


def test_a_grid_fills_in_the_background_in_about_the_time_of_one_job(kernel: Kernel) -> None:
    kernel.execute("%load_ext seedance_magic")
    kernel.execute(
        "%config Seedance.emulator = {'queue_seconds': 0.2, 'run_seconds': 1.5, 'log_interval': 0.3}"
    )
    kernel.execute("%%seedance --seeds 9 -d 4 --fast -r 480p -o one\nA paper boat, a warm-up")
    one = finished_after(kernel, "one", time.monotonic())
    _, messages, took = kernel.execute("%%seedance --seeds 1-4 -d 4 --fast -r 480p -o g\nA paper boat drifts")
    started = time.monotonic() - took
    assert took < 2.0
    (shown,) = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    assert "application/vnd.jupyter.widget-view+json" in shown
    assert shown["text/plain"].startswith("seedance grid · 4 videos · est. $1.80")
    four = finished_after(kernel, "g", started)
    assert kernel.value("[r.seed for r in g.wait()]") == "[1, 2, 3, 4]"
    assert four < 2.5 * one, (four, one)  # in parallel: not four times one job
    drain(kernel)
