"""A real Jupyter kernel for tests: start one in a folder, run cells, read values."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

jupyter_client = pytest.importorskip("jupyter_client")


class Kernel:
    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.manager, self.client = jupyter_client.manager.start_new_kernel(
            kernel_name="python3", cwd=str(cwd), env=env
        )

    def execute(self, code: str, timeout: float = 60) -> tuple[dict[str, Any], list[dict[str, Any]], float]:
        """Run a cell; its reply, its iopub messages up to idle, and the seconds to the reply."""
        start = time.monotonic()
        msg_id = self.client.execute(code)
        reply = self.client.get_shell_msg(timeout=timeout)
        took = time.monotonic() - start
        assert reply["parent_header"]["msg_id"] == msg_id
        messages = []
        while True:
            msg = self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        if reply["content"]["status"] != "ok":
            pytest.fail("\n".join(reply["content"].get("traceback", [])) or str(reply["content"]))
        return reply, messages, took

    def value(self, expression: str, timeout: float = 60) -> str:
        _, messages, _ = self.execute(expression, timeout)
        for msg in messages:
            if msg["msg_type"] == "execute_result":
                return str(msg["content"]["data"]["text/plain"])
        raise AssertionError(f"no value for {expression}")

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Kernel]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_"))}
    env.update(SEEDANCE_JOURNAL=str(tmp_path / "journal.sqlite3"), FAL_HOME_DIR=str(tmp_path / "fal"))
    k = Kernel(tmp_path, env)
    try:
        yield k
    finally:
        k.stop()


def drain(k: Kernel) -> None:
    while True:
        try:
            k.client.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            return
