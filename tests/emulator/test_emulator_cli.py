"""`python -m seedance_magic.emulator` as a separate process: it prints one URL line, a
plain fal_client client can use it, and SIGTERM or SIGINT stops it with exit code 0."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from seedance_magic.emulator.__main__ import config_from, main, parse_args

from helpers.routing import SMALL, T2V_FAST, sync_client

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^Seedance emulator: fal queue API at (http://127\.0\.0\.1:\d+) \(Ctrl-C to stop\)$")


def read_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The first stdout line of `proc`, waiting at most `timeout` seconds for it."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no output within {timeout} s")
    return proc.stdout.readline().rstrip("\n")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_standalone_server_serves_fal_client_and_stops_cleanly(
    fal_key: str, monkeypatch: Any, stop_signal: signal.Signals
) -> None:
    command = [sys.executable, "-m", "seedance_magic.emulator", "--port", "0"]
    command += ["--queue-seconds", "0.1", "--run-seconds", "0.2", "--log-interval", "0.1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            line = read_line(proc)
            match = LINE.match(line)
            assert match, line
            base = match.group(1)
            with sync_client(monkeypatch, base) as client:
                result = client.subscribe(T2V_FAST, SMALL)
            assert httpx.get(result["video"]["url"]).headers["content-type"] == "video/mp4"
            assert httpx.get(f"{base}/_emulator/stats").json()["counts"]["submit"] == 1
        finally:
            proc.send_signal(stop_signal)
            _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert err == ""


def test_command_line_options_shape_the_config() -> None:
    config = config_from(parse_args(["--no-stream", "--hold", "--queue-seconds", "0", "--run-seconds", "3"]))
    assert (config.stream, config.hold, config.queue_seconds, config.run_seconds) == (False, True, 0.0, 3.0)
    realistic = config_from(parse_args([]))
    assert (realistic.queue_seconds, realistic.run_seconds, realistic.log_interval) == (2.0, 8.0, 1.0)


def test_bad_options_and_a_busy_port_exit_non_zero(capsys: Any, make_emulator: Any) -> None:
    assert main(["--log-interval", "0"]) == 2
    assert "log_interval" in capsys.readouterr().err
    busy = make_emulator()
    started = time.monotonic()
    assert main(["--port", str(busy.port)]) == 1
    assert "cannot start" in capsys.readouterr().err and time.monotonic() - started < 5
