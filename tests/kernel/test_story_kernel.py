"""A story survives its kernel: a real kernel is killed while shot 2 is sent and not
finished; a new kernel runs the same cell again, the finished shot replays from the
cache, shot 2 is reattached from the journal (never sent again), shot 3 is sent, and
the film is whole. A real emulator process holds the jobs, so the kill falls between
the shots on purpose; its counters prove nothing was sent twice."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from seedance_magic.media.video import probe
from seedance_magic.store.journal import Journal

from helpers.shells import wait_until

pytestmark = pytest.mark.kernel

jupyter_client = pytest.importorskip("jupyter_client")

CELL = """%%seedance --story --fast -r 480p -d 4 --seed 5 --out film {wait}
A lighthouse at dusk, waves below
---
The keeper climbs the stairs with a lamp
---
The lamp turns on and sweeps the sea"""


class Kernel:
    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.manager, self.client = jupyter_client.manager.start_new_kernel(
            kernel_name="python3", cwd=str(cwd), env=env, startup_timeout=60
        )

    @property
    def pid(self) -> int:
        return int(self.manager.provisioner.process.pid)

    def run(self, code: str, timeout: float = 120) -> str:
        """Run a cell that must succeed; every text it showed."""
        messages: list[dict[str, Any]] = []
        reply = self.client.execute_interactive(code, timeout=timeout, output_hook=messages.append)
        if reply["content"]["status"] != "ok":
            pytest.fail("\n".join(reply["content"].get("traceback", [])) or json.dumps(reply["content"]))
        texts = []
        for msg in messages:
            content = msg["content"]
            if msg["msg_type"] in ("display_data", "execute_result", "update_display_data"):
                texts.append(str(content["data"].get("text/plain", "")))
            elif msg["msg_type"] == "stream":
                texts.append(content["text"])
        return "\n".join(texts)

    def kill(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def held_emulator(tmp_path: Path) -> Iterator[str]:
    """`python -m seedance_magic.emulator --hold` in its own process: jobs wait in the
    queue until released. Its URL."""
    timing = ["--queue-seconds", "0.2", "--run-seconds", "0.4", "--log-interval", "0.1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "seedance_magic.emulator", "--port", "0", "--hold", *timing],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
        assert match is not None
        yield match.group()
    finally:
        process.terminate()
        process.communicate(timeout=30)


def shots_sent(journal: Path) -> dict[int, str]:
    """The request ids committed to the journal, by shot, read by a separate connection."""
    if not journal.exists():
        return {}
    db = sqlite3.connect(journal, timeout=10)
    try:
        rows = db.execute(
            "SELECT group_index, request_id FROM jobs WHERE group_id IS NOT NULL AND request_id IS NOT NULL"
        )
        return {int(index): str(rid) for index, rid in rows}
    except sqlite3.OperationalError:  # the schema is not there yet
        return {}
    finally:
        db.close()


def test_a_story_goes_on_in_a_new_kernel_without_sending_a_shot_twice(
    held_emulator: str, tmp_path: Path
) -> None:
    url, journal = held_emulator, tmp_path / "journal.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_"))}
    env.update(
        SEEDANCE_FAL_BASE_URL=url,
        SEEDANCE_JOURNAL=str(journal),
        FAL_HOME_DIR=str(tmp_path / "fal-home"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )

    first = Kernel(tmp_path, env)
    try:
        first.run("%load_ext seedance_magic")
        first.run(CELL.format(wait=""))  # returns at once; the story runs on the kernel's loop
        shot_1 = wait_until(lambda: shots_sent(journal).get(0), 60, "shot 1 sent")
        httpx.post(f"{url}/_emulator/release", json={"request_id": shot_1}, timeout=10)
        shot_2 = wait_until(lambda: shots_sent(journal).get(1), 60, "shot 2 sent after shot 1")
    finally:
        first.kill()  # shot 2 is held in the emulator's queue: sent, not finished
    assert not first.manager.is_alive()
    stats = httpx.get(f"{url}/_emulator/stats", timeout=10).json()
    assert stats["counts"]["submit"] == 2

    httpx.post(f"{url}/_emulator/config", json={"hold": False}, timeout=10)
    httpx.post(f"{url}/_emulator/release", json={}, timeout=10)  # the provider finishes shot 2 meanwhile

    second = Kernel(tmp_path, env)
    try:
        listed = second.run("%load_ext seedance_magic")
        assert f"%seedance resume {shot_2}" in listed  # the unfinished shot, listed once
        shown = second.run(CELL.format(wait="--wait"))
        assert "Traceback" not in shown and "UsageError" not in shown
        facts = json.loads(
            second.run(
                "import json\nf = film.wait()\nprint(json.dumps({'path': str(f.path), 'seconds': f.seconds, "
                "'cached': [s.cached for s in f.shots], 'ids': list(f.request_ids), 'failed': f.failed}))"
            )
        )
        second_pid = second.pid
    finally:
        second.kill()

    assert facts["failed"] is None and facts["seconds"] == pytest.approx(12.0)
    assert facts["ids"][:2] == [shot_1, shot_2] and facts["cached"] == [True, False, False]
    assert probe(tmp_path / facts["path"]).duration_s == pytest.approx(12.0, abs=0.05)
    stats = httpx.get(f"{url}/_emulator/stats", timeout=10).json()
    assert stats["counts"]["submit"] == 3  # shots 1 and 2 once each, shot 3 once
    assert all(stats["by_request"][rid].get("submit", 0) == 1 for rid in facts["ids"])
    store = Journal(journal)
    try:
        resumed = store.by_request_id(shot_2)
        assert resumed is not None and resumed.state == "completed" and resumed.pid == second_pid
    finally:
        store.close()
