"""Kill the kernel in the middle of a job, resume it from a new kernel: the new kernel
lists the job at `%load_ext`, `%seedance resume ID` gets the video, and the standalone
emulator's submit count stays 1. Real Jupyter kernels, a real emulator process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from seedance_magic.media.video import probe

from helpers.shells import request_ids_on_disk, wait_until

pytestmark = pytest.mark.kernel

jupyter_client = pytest.importorskip("jupyter_client")


class Kernel:
    """A kernel started in `cwd` with `env`; `run(code)` returns the cell's iopub messages."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.manager, self.client = jupyter_client.manager.start_new_kernel(
            kernel_name="python3", cwd=str(cwd), env=env, startup_timeout=60
        )

    @property
    def pid(self) -> int:
        return int(self.manager.provisioner.process.pid)

    def run(self, code: str, timeout: float = 60) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        reply = self.client.execute_interactive(code, timeout=timeout, output_hook=messages.append)
        content = reply["content"]
        if content["status"] != "ok":
            pytest.fail("\n".join(content.get("traceback", [])) or json.dumps(content))
        return messages

    def kill(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def texts(messages: list[dict[str, Any]]) -> str:
    """Every text/plain a cell displayed or returned, and its streams."""
    found = []
    for msg in messages:
        content = msg["content"]
        if msg["msg_type"] in ("display_data", "execute_result"):
            found.append(str(content["data"].get("text/plain", "")))
        elif msg["msg_type"] == "stream":
            found.append(content["text"])
        elif msg["msg_type"] == "error":
            found.append("\n".join(content["traceback"]))
    return "\n".join(found)


@pytest.fixture
def standalone_emulator(tmp_path: Path) -> Iterator[str]:
    """`python -m seedance_magic.emulator --port 0 --hold` in its own process; its URL."""
    timing = ["--queue-seconds", "0.2", "--run-seconds", "0.5", "--log-interval", "0.1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "seedance_magic.emulator", "--port", "0", "--hold", *timing],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match is not None and not match.group().endswith(":0"), line
        yield match.group()
    finally:
        process.terminate()
        process.communicate(timeout=30)


def stats(url: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{url}/_emulator/stats", timeout=10).json()
    return data


def kernel_env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_"))}
    env.update(
        SEEDANCE_FAL_BASE_URL=url,
        SEEDANCE_JOURNAL=str(tmp_path / "journal.sqlite3"),
        FAL_HOME_DIR=str(tmp_path / "fal-home"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    return env


def test_a_killed_kernel_s_job_is_resumed_in_a_new_kernel(standalone_emulator: str, tmp_path: Path) -> None:
    url, journal = standalone_emulator, tmp_path / "journal.sqlite3"
    env = kernel_env(url, tmp_path)

    first = Kernel(tmp_path, env)
    try:
        first.run("%load_ext seedance_magic")
        first.run("%%seedance --fast -r 480p -d 4 --seed 5\nA lighthouse at dusk, waves below")
        (rid,) = wait_until(lambda: request_ids_on_disk(journal), 60, "the request id in the journal")
        assert stats(url)["counts"]["submit"] == 1
        dead_pid = first.pid
    finally:
        first.kill()  # the job is still held in the emulator's queue
    assert not first.manager.is_alive()

    httpx.post(f"{url}/_emulator/release", json={}, timeout=10)  # fal finishes it meanwhile
    wait_until(
        lambda: httpx.get(f"{url}/_emulator/jobs", timeout=10).json()[rid]["state"] == "COMPLETED",
        60,
        "the job to complete at the emulator",
    )

    second = Kernel(tmp_path, env)
    try:
        listed = texts(second.run("%load_ext seedance_magic"))
        assert "1 job left unfinished by an earlier kernel" in listed, listed
        assert f"%seedance resume {rid}" in listed and "A lighthouse at dusk" in listed
        shown = texts(second.run(f"%seedance resume {rid}"))
        assert "Traceback" not in shown
        path_text = texts(second.run(f"job = %seedance resume {rid}\nstr(job.wait().path)"))
        path = tmp_path / path_text.strip().strip("'\"")
        assert path.suffix == ".mp4" and path.exists(), path_text
        assert probe(path).duration_s == pytest.approx(4.0, abs=0.1)
        record = texts(second.run(f"%seedance history 1 --search {rid}"))
        assert rid in record and "seed 5" in record
        again = texts(second.run("%unload_ext seedance_magic\n%load_ext seedance_magic"))
        assert "left unfinished" not in again  # listed once, and it is done now
        second_pid = second.pid
    finally:
        second.kill()

    assert stats(url)["counts"]["submit"] == 1  # resumed, never submitted again
    from seedance_magic.store.journal import Journal

    store = Journal(journal)
    try:
        done = store.by_request_id(rid)
        assert done is not None and done.state == "completed" and done.pid == second_pid != dead_pid
        assert [s for s, _, _ in store.transitions(done.id)][-2:] == ["downloading", "completed"]
    finally:
        store.close()
