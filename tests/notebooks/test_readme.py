"""The README stays true: every %%seedance example parses, and every shell command in it
is run, by .ci/run or here."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seedance_magic.spec.parse import parse_cell

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)


def _shell_commands() -> list[str]:
    return [
        line.strip() for lang, body in BLOCKS if lang == "bash" for line in body.splitlines() if line.strip()
    ]


def test_every_seedance_example_parses() -> None:
    cells = [body for lang, body in BLOCKS if body.startswith("%%seedance")]
    assert len(cells) >= 4
    namespace = {"img": b"not read by the parser", "df": ["a kite", "a boat"]}
    for cell in cells:
        line, _, prompt = cell.partition("\n")
        parse_cell(line.removeprefix("%%seedance"), prompt, namespace=namespace)
    for example in re.findall(r"`(%%seedance [^`]*)`", README):
        parse_cell(example.removeprefix("%%seedance"), "a prompt", namespace=namespace)


def test_every_shell_command_is_run_somewhere() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    here = {"./scripts/quickstart", "python -m seedance_magic.emulator --port 8765"}
    for command in _shell_commands():
        assert command in ci or command in here, f"README command not run by CI or a test: {command}"
    assert "./scripts/quickstart --headless" in ci and "./scripts/test" in ci


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _first_line_matching(proc: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(seen)}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)
    if proc.stdout is not None:
        proc.stdout.close()


def test_readme_emulator_command_serves() -> None:
    if not _free(8765):
        pytest.skip("port 8765 is taken on this machine")
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedance_magic.emulator", "--port", "8765"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        line = _first_line_matching(proc, r"http://127\.0\.0\.1:8765", 30)
        assert "emulator" in line.lower()
    finally:
        _stop(proc)


@pytest.mark.slow
def test_readme_quickstart_command_opens_jupyterlab(tmp_path: Path) -> None:
    """`./scripts/quickstart` installs (already satisfied here) and starts JupyterLab on the
    quickstart notebook; we wait for its URL and stop it."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("runs where ./scripts/test made .venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "JUPYTER"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    proc = subprocess.Popen(
        ["./scripts/quickstart"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert "built-in emulator" in _first_line_matching(proc, r"No FAL_KEY|emulator", 600)
        _first_line_matching(proc, r"http://127\.0\.0\.1:\d+/lab", 120)
    finally:
        _stop(proc)
