"""In a real kernel: a job shows its live widget with a display id, and when it ends,
waited for or not, that same output is updated in place to a bundle with no widget
view (text, the HTML player, a JPEG poster), sent with the cell's own parent header so
that the front-end puts it in that cell. This is what a saved notebook keeps."""

from __future__ import annotations

import base64
import io
import json
import queue
import time
from typing import Any

import pytest
from PIL import Image

from helpers.kernel import Kernel, drain

pytestmark = pytest.mark.kernel

WIDGET = "application/vnd.jupyter.widget-view+json"
PACE = "%config Seedance.emulator = {'queue_seconds': 0.3, 'run_seconds': 0.6, 'log_interval': 0.2}"


def shown(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["msg_type"] == "display_data"]


def display_id(message: dict[str, Any]) -> str:
    return str(message["content"]["transient"]["display_id"])


def update_for(kernel: Kernel, wanted: str, timeout: float = 60) -> dict[str, Any]:
    """The update_display_data for display `wanted`, read from iopub as it comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kernel.client.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["msg_type"] == "update_display_data" and display_id(msg) == wanted:
            return msg
    raise AssertionError(f"no update of display {wanted} within {timeout} s")


def check_static(data: dict[str, Any], seed: int) -> None:
    assert set(data) == {"text/plain", "text/html", "image/jpeg"}  # no widget view
    assert f'<span class="seedance-seed">{seed}</span>' in data["text/html"]
    assert f"seed {seed}" in data["text/plain"]
    jpeg = base64.b64decode(data["image/jpeg"])
    with Image.open(io.BytesIO(jpeg)) as poster:
        assert poster.format == "JPEG" and max(poster.size) <= 400
    assert f'poster="data:image/jpeg;base64,{data["image/jpeg"]}"' in data["text/html"]
    assert "data:video" not in data["text/html"]  # the video is linked, not embedded
    assert len(json.dumps(data)) < 60_000


def test_a_cell_that_returned_at_once_leaves_the_static_player(kernel: Kernel) -> None:
    _, loaded, _ = kernel.execute("%load_ext seedance_magic")
    notice = [m for m in loaded if m["msg_type"] == "stream"]
    assert notice and all(m["content"]["name"] == "stdout" for m in notice)  # information, not an error
    kernel.execute(PACE)
    _, messages, _ = kernel.execute("%%seedance -d 4 -r 480p --fast --seed 3 --out job\nA kite over a beach")
    (first,) = shown(messages)
    assert WIDGET in first["content"]["data"]
    cell_id = first["parent_header"]["msg_id"]
    update = update_for(kernel, display_id(first))
    assert update["parent_header"]["msg_id"] == cell_id  # routed to the cell that ran the job
    check_static(update["content"]["data"], 3)
    assert kernel.value("job.done") == "True"
    drain(kernel)


def test_a_grid_and_a_python_api_job_leave_theirs_too(kernel: Kernel) -> None:
    kernel.execute("%load_ext seedance_magic")
    kernel.execute(PACE)
    _, messages, _ = kernel.execute("%%seedance -d 4 -r 480p --fast --seeds 1,2 --out grid\nA heron at dawn")
    (first,) = shown(messages)
    data = update_for(kernel, display_id(first))["content"]["data"]
    assert set(data) == {"text/plain", "text/html", "image/jpeg"}
    assert data["text/html"].count("<video") == 2 and data["text/html"].count('poster="data:image/jpeg') == 2
    assert "seed 1" in data["text/plain"] and "seed 2" in data["text/plain"]
    with Image.open(io.BytesIO(base64.b64decode(data["image/jpeg"]))) as sheet:
        assert sheet.width > sheet.height  # two posters side by side
    code = "sd.generate('A fox in snow', fast=True, resolution='480p', duration=4, seed=5)"
    _, messages, _ = kernel.execute(f"import seedance_magic as sd\n{code}")
    (first,) = shown(messages)  # shown with a display id, not as an execute_result
    assert not [m for m in messages if m["msg_type"] == "execute_result"]
    check_static(update_for(kernel, display_id(first))["content"]["data"], 5)
    drain(kernel)


def test_waiting_replaying_and_cancelling_leave_theirs(kernel: Kernel) -> None:
    kernel.execute("%load_ext seedance_magic")
    kernel.execute(PACE)
    _, messages, _ = kernel.execute("%%seedance -d 4 -r 480p --fast --seed 8 --wait\nA lamp post in fog")
    (first,) = shown(messages)
    (update,) = [m for m in messages if m["msg_type"] == "update_display_data"]  # before the cell ended
    assert display_id(update) == display_id(first)
    check_static(update["content"]["data"], 8)
    _, messages, _ = kernel.execute("%%seedance -d 4 -r 480p --fast --seed 8\nA lamp post in fog")
    (replayed,) = shown(messages)  # from the cache: its static form at once, no widget
    check_static(replayed["content"]["data"], 8)
    assert "$0 (cached)" in replayed["content"]["data"]["text/html"]
    kernel.execute("%config Seedance.emulator = {'queue_seconds': 30, 'run_seconds': 30}")
    _, messages, _ = kernel.execute("%%seedance -d 4 -r 480p --fast --seed 9 --no-cache --out slow\nA tide")
    (first,) = shown(messages)
    kernel.execute("slow.cancel()")
    data = update_for(kernel, display_id(first))["content"]["data"]
    assert set(data) == {"text/plain", "text/html"}
    assert "cancelled" in data["text/plain"] and "seedance-cancelled" in data["text/html"]
    drain(kernel)
