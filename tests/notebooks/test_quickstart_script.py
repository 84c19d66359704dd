"""./scripts/quickstart opens JupyterLab on the quickstart notebook itself (the URL it
prints and opens is the notebook's, not the Launcher's), with no news prompt. The
script's own lines that start JupyterLab are run here (not its install step)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (ROOT / "scripts" / "quickstart").read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int, deadline: float) -> None:
    """Return once a connection to the port is accepted (or fail at the deadline)."""
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            time.sleep(0.05)


def launch_lines(port: int, token: str) -> str:
    """The script's lines from `args=(` to its `exec jupyter lab`, on a port and token of
    the test's choosing and without a browser."""
    start = SCRIPT.index("args=(")
    lines = SCRIPT[start:].replace(
        "exec jupyter lab", f"exec jupyter lab --no-browser --port={port} --IdentityProvider.token={token}"
    )
    assert "notebooks/quickstart.ipynb" in lines
    return lines


@pytest.mark.slow
def test_quickstart_opens_the_notebook_without_a_news_prompt(tmp_path: Path) -> None:
    port, token = free_port(), os.urandom(8).hex()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "DISPLAY"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    proc = subprocess.Popen(
        ["bash", "-c", launch_lines(port, token)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline, url = time.monotonic() + 120, None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            found = re.search(rf"http://127\.0\.0\.1:{port}/\S+", line)
            url = found[0] if found else None
        assert url is not None, "JupyterLab printed no URL"
        assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/quickstart.ipynb?token="), url
        listening(port, deadline)  # the URL is printed just before the server accepts
        with urllib.request.urlopen(url.replace("...", token), timeout=30) as page:
            assert page.status == 200
        settings_url = f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}"
        with urllib.request.urlopen(settings_url, timeout=30) as answer:
            settings = json.load(answer)
        news = settings["schema"]["properties"]
        assert news["fetchNews"]["default"] == "false" and news["checkForUpdates"]["default"] is False
    finally:
        proc.terminate()
        proc.wait(30)
        if proc.stdout is not None:
            proc.stdout.close()
