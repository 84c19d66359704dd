"""`Emulator`: the fal-compatible server on 127.0.0.1, run in background threads so it
works standalone and inside a notebook kernel alike. The same server answers the
Lumenfall gateway's video API at `emu.lumenfall_url` (`{url}/v1`), on the same jobs.

    with Emulator(EmulatorConfig(hold=True)) as emu:
        ...  # point fal_client at emu.url (through the routing transport)
        emu.release()
        emu.wait_for(request_id, "COMPLETED")

Without the `video` extra (av, numpy, Pillow) it serves plain clips (plain.py) rather
than failing; `EmulatorConfig(renderer=...)` chooses. `stop()` closes the listening
socket and every open connection, stops the job clock and the render pool, and joins
their threads.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ..errors import require_video_extra
from .config import EmulatorConfig
from .faults import Fault, FaultBook
from .handler import Handler, OnRequest
from .job import JobInfo
from .lumenfall import PREFIX
from .routes import Routes
from .state import JobStore
from .stats import Stats, StatsRecorder
from .storage import FileStore
from .wire import Services

HOST = "127.0.0.1"
log = logging.getLogger(__name__)


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    services: Services
    routes: Routes
    on_request: OnRequest | None

    def __init__(self, port: int) -> None:
        super().__init__((HOST, port), Handler)
        self._lock = threading.Lock()
        self._open: dict[threading.Thread, socket.socket] = {}

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve, args=(request, client_address), name="seedance-emulator-conn", daemon=True
        )
        with self._lock:
            self._open[thread] = request
        thread.start()

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._open.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Never print to stderr: embedded in a kernel, that text would land in whatever
        cell is running. Clients hanging up are normal; anything else is logged at INFO
        (below the default stderr handler)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            log.debug("client %s went away: %s", client_address, exc)
        else:
            log.info("emulator request from %s failed", client_address, exc_info=True)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Shut every open connection and join the threads serving them."""
        with self._lock:
            open_now = dict(self._open)
        for sock in open_now.values():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in open_now:
            thread.join(timeout)


class Emulator:
    """An offline stand-in for fal's queue API serving the six Seedance 2.0 endpoints,
    and for the Lumenfall gateway's video API (model seedance-2.0) on the same jobs."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, port: int = 0, on_request: OnRequest | None = None
    ) -> None:
        self._config = config or EmulatorConfig()
        self._port = port
        self._on_request = on_request
        self._httpd: EmulatorHTTPServer | None = None
        self._services: Services | None = None
        self._thread: threading.Thread | None = None
        self._faults = FaultBook()

    # -------------------------------------------------------------------- lifecycle
    def start(self) -> Emulator:
        if self._httpd is not None:
            return self
        if self._config.renderer == "video":
            require_video_extra('The Seedance emulator\'s renderer "video"')
        httpd = EmulatorHTTPServer(self._port)
        port = httpd.server_address[1]
        url = f"http://{HOST}:{port}"
        files = FileStore()
        store = JobStore(files, lambda: url, self._config.render_workers)
        services = Services(
            url,
            frozenset({f"{HOST}:{port}", f"localhost:{port}"}),
            store,
            files,
            StatsRecorder(),
            self._faults,
            self._config,
        )
        httpd.services, httpd.routes, httpd.on_request = services, Routes(services), self._on_request
        self._httpd, self._services = httpd, services
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="seedance-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, services, thread = self._httpd, self._services, self._thread
        if httpd is None or services is None or thread is None:
            return
        self._httpd = self._services = self._thread = None
        services.stopped.set()
        httpd.shutdown()
        thread.join()
        services.store.stop()
        httpd.close_connections()
        httpd.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def _live(self) -> Services:
        if self._services is None:
            raise RuntimeError("the emulator is not running: call start() first")
        return self._services

    @property
    def instance(self) -> str:
        """An id for this run of the server (uploads from another run are not here)."""
        return self._live().instance

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:8765 (no trailing slash)."""
        return self._live().base_url

    @property
    def lumenfall_url(self) -> str:
        """The Lumenfall base URL, e.g. http://127.0.0.1:8765/v1 (POST {it}/videos)."""
        return f"{self.url}{PREFIX}"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    # ---------------------------------------------------------------------- control
    @property
    def config(self) -> EmulatorConfig:
        return self._services.config if self._services else self._config

    def configure(self, **changes: Any) -> EmulatorConfig:
        """Change settings for jobs submitted from now on (see EmulatorConfig)."""
        self._config = self.config.updated(changes)
        if self._services is not None:
            self._services.config = self._config
        return self._config

    def inject(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def release(self, request_id: str | None = None) -> int:
        """Let one held job (or all) leave the queue; returns how many were released."""
        return self._live().store.release(request_id)

    @property
    def stats(self) -> Stats:
        return self._live().stats.snapshot()

    @property
    def jobs(self) -> dict[str, JobInfo]:
        return self._live().store.all()

    def wait_for(
        self,
        request_id: str,
        state: str = "COMPLETED",
        timeout: float = 10.0,
        *,
        until: Callable[[JobInfo], bool] | None = None,
    ) -> JobInfo:
        """Block until the job has reached `state` (or a later one) and `until(job)` holds;
        woken by the job's changes, not by polling. Raises TimeoutError."""
        order = ("IN_QUEUE", "IN_PROGRESS", "COMPLETED")
        rank = order.index(state)

        def ready(info: JobInfo) -> bool:
            return order.index(info.state) >= rank and (until is None or until(info))

        info = self._live().store.wait_for(request_id, ready, timeout)
        if info is None:
            raise TimeoutError(f"job {request_id} did not reach {state} within {timeout} s")
        return info
