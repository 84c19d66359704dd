"""A batch in a real Jupyter kernel: the cell returns at once with one view for all its
rows, other cells run while it works, and when it ends its static form (no widget) takes
the view's place, so a saved notebook keeps it."""

from __future__ import annotations

import asyncio
import contextlib
import time
import warnings
from collections.abc import Iterator

import pytest

from helpers.kernel import Kernel, drain, kernel

pytestmark = [pytest.mark.kernel, pytest.mark.usefixtures(kernel.__name__)]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def no_stale_event_loop() -> Iterator[None]:
    """As in test_grid_kernel: a loop an earlier test left current is closed first."""
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings(), contextlib.suppress(RuntimeError):
        warnings.simplefilter("ignore", DeprecationWarning)
        loop = policy.get_event_loop()
        if not loop.is_running():
            loop.close()
            policy.set_event_loop(None)
    yield


def test_a_batch_works_in_the_background_behind_one_view(kernel: Kernel) -> None:
    kernel.execute("%load_ext seedance_magic")
    kernel.execute(
        "%config Seedance.emulator = {'queue_seconds': 0.1, 'run_seconds': 0.6, 'log_interval': 0.2, "
        "'renderer': 'plain'}"
    )
    kernel.execute("%config Seedance.concurrency = 3")
    kernel.execute("rows = [f'A kite number {i} over the dunes at dusk' for i in range(9)]")
    _, messages, took = kernel.execute("%seedance --batch {{rows}} --fast -r 480p -d 4 -o clips")
    assert took < 5.0
    (shown,) = [m["content"] for m in messages if m["msg_type"] == "display_data"]
    assert WIDGET_VIEW in shown["data"] and shown["data"]["text/plain"].startswith("seedance batch of 9")
    display_id = shown["transient"]["display_id"]

    assert kernel.value("2 + 2") == "4"  # other cells run while the batch works
    assert kernel.value("clips.done") == "False"
    final = None
    deadline = time.monotonic() + 60
    while final is None and time.monotonic() < deadline:  # what the frontend is sent
        msg = kernel.client.get_iopub_msg(timeout=60)
        content = msg["content"]
        if msg["msg_type"] == "update_display_data" and content["transient"]["display_id"] == display_id:
            final = content["data"]
    assert final is not None, "the view was not replaced by the batch's static form"
    assert WIDGET_VIEW not in final and "9 completed" in final["text/html"]
    assert kernel.value("clips.done") == "True" and kernel.value("clips.sent") == "9"
    assert kernel.value("list(clips.wait()['status']) == ['completed'] * 9") == "True"
    drain(kernel)
