"""A Jupyter server, a Voilà server and a headless Chromium for the browser tests.

`JupyterServer` runs JupyterLab or Notebook 7 on 127.0.0.1 with a token and every Jupyter
and IPython folder of its own (nothing of the machine's settings is read or written);
its kernels have no fal key, so they use the built-in emulator at the pace the test sets.
`VoilaServer` serves one notebook with Voilà the same way (its default file allowlist).
`chromium()` launches Debian's Chromium through playwright. Both are stopped by process id, also when a test
fails: the server with POST /api/shutdown and a wait on its pid (killed if it lingers).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import httpx

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LAB_IDLE = r"\(ipykernel\) \| Idle"

App = Literal["lab", "notebook"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing_requirements() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    for package in ("playwright", "jupyterlab", "notebook", "voila"):
        try:
            __import__(package)
        except ImportError:
            return f"the Python package {package} is missing: pip install {package}"
    return None


def isolated_env(home: Path, emulator: Mapping[str, Any]) -> dict[str, str]:
    """The environment of a server and its kernels: Jupyter's and IPython's folders, the
    seedance journal and fal's login folder all under `home`; no fal key, so the kernels
    use the built-in emulator, at the pace `emulator` (SEEDANCE_EMULATOR)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_", "JUPYTER"))}
    folders = {
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "IPYTHONDIR": "ipython",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "FAL_HOME_DIR": "fal-home",
    }
    for name, folder in folders.items():
        path = home / folder
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["SEEDANCE_JOURNAL"] = str(home / "journal.sqlite3")
    env["SEEDANCE_EMULATOR"] = json.dumps(dict(emulator))
    env["PYTHONUNBUFFERED"] = "1"
    settings = home / "lab-settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
        "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
    }.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    return env


class JupyterServer:
    """`jupyter lab` or `jupyter notebook` serving `root` on 127.0.0.1 until `stop()`."""

    def __init__(self, app: App, root: Path, home: Path, emulator: Mapping[str, Any], log: Path) -> None:
        self.app = app
        self.root = root
        self.port = free_port()
        self.token = os.urandom(12).hex()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._env = isolated_env(home, emulator)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> JupyterServer:
        module = "jupyterlab" if self.app == "lab" else "notebook"
        command = [
            sys.executable,
            "-m",
            module,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            f"--ServerApp.token={self.token}",
            "--allow-root",
            f"--ServerApp.root_dir={self.root}",
        ]
        if self.app == "lab":  # Notebook 7 has no news, update check or extension manager
            command += [
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",
            ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self._process = subprocess.Popen(
                command, cwd=self.root, env=self._env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                raise RuntimeError(f"jupyter {self.app} exited with {code}:\n{self.logs()}")
            with contextlib.suppress(httpx.HTTPError):
                status = httpx.get(f"{self.url}/api/status", params={"token": self.token}, timeout=2)
                if status.status_code == 200:
                    return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"jupyter {self.app} was not ready after {timeout:.0f} s:\n{self.logs()}")

    def page(self, notebook: str) -> str:
        """The address that opens `notebook` (a path under root) in this app."""
        if self.app == "lab":
            return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"
        return f"{self.url}/notebooks/{notebook}?token={self.token}"

    def shutdown_kernels(self) -> None:
        """Stop this server's kernels (a finished test's jobs stop taking CPU)."""
        headers = {"Authorization": f"token {self.token}"}
        with contextlib.suppress(httpx.HTTPError):
            kernels = httpx.get(f"{self.url}/api/kernels", headers=headers, timeout=5).json()
            for kernel in kernels:
                httpx.delete(f"{self.url}/api/kernels/{kernel['id']}", headers=headers, timeout=10)

    def logs(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        """Ask the server to shut down (its kernels with it), wait on its pid, kill if needed."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(
                f"{self.url}/api/shutdown", headers={"Authorization": f"token {self.token}"}, timeout=5
            )
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_ready(process: subprocess.Popen[bytes], url: str, timeout: float) -> bool:
    """Whether the server at `url` answered (any page, a redirect to log in included)
    before `timeout`; False once it exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=5).status_code < 500:
                return True
        time.sleep(0.25)
    return False


def end(process: subprocess.Popen[bytes] | None, timeout: float = 20.0) -> None:
    """Stop a server by its process id: SIGTERM (Voilà shuts its kernels down), then kill."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class VoilaServer:
    """`voila NOTEBOOK` on 127.0.0.1 with a token, isolated like JupyterServer; its
    kernels use the built-in emulator at the pace `emulator`."""

    def __init__(self, notebook: Path, home: Path, emulator: Mapping[str, Any], log: Path) -> None:
        self.notebook = notebook
        self.port = free_port()
        self.token = os.urandom(12).hex()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._env = isolated_env(home, emulator)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def page(self) -> str:
        return f"{self.url}/?token={self.token}"

    def start(self, timeout: float = 60.0) -> VoilaServer:
        command = [
            sys.executable,
            "-m",
            "voila",
            self.notebook.name,
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--port={self.port}",
            "--Voila.port_retries=0",
            f"--token={self.token}",
            "--show_tracebacks=True",
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self._process = subprocess.Popen(
                command, cwd=self.notebook.parent, env=self._env, stdout=out, stderr=subprocess.STDOUT
            )
        if not wait_ready(self._process, self.url, timeout):
            self.stop()
            raise RuntimeError(f"voila was not ready after {timeout:.0f} s:\n{self.logs()}")
        return self

    def logs(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        process, self._process = self._process, None
        end(process)

    def __enter__(self) -> VoilaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium (playwright's Browser); closed on exit, its process with it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def copy_notebooks(source: Path, target: Path, names: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(source / name, target / name)
