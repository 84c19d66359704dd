"""A real Jupyter kernel (ipykernel through jupyter_client) driven as a frontend does:
execute requests on the shell channel, every iopub message kept with its arrival time.

Times come from two clocks that are the same wall clock on one machine: the client's
(time.time() / perf_counter around a request) and the kernel's own message headers
(`header.date`, the moment the kernel made the message), which is what the rows use
for "when the kernel did it", free of this process's thread scheduling.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jupyter_client.manager import start_new_kernel


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process: psutil, else /proc/<pid>/stat."""
    try:
        import psutil
    except ImportError:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of the whole line
        return (utime + stime) / os.sysconf("SC_CLK_TCK")
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def stamp(value: Any) -> float:
    """A message header date (datetime or ISO text) as time.time() seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class Message:
    received: float  # time.time() when this process read it
    sent: float  # the kernel's header date
    msg: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.msg["msg_type"])

    @property
    def content(self) -> dict[str, Any]:
        return dict(self.msg["content"])

    @property
    def parent_id(self) -> str | None:
        parent = self.msg.get("parent_header") or {}
        return parent.get("msg_id")


@dataclass(frozen=True)
class Reply:
    msg_id: str
    round_trip: float  # seconds from sending execute_request to reading execute_reply
    kernel_seconds: float  # the kernel's own: reply date - metadata.started
    replied: float  # the kernel's header date of the reply (time.time() seconds)
    status: str
    content: dict[str, Any]


class Kernel:
    """One kernel process with a thread draining iopub into `messages`."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        cwd.mkdir(parents=True, exist_ok=True)
        self._log = (cwd / "kernel-output.log").open("w")  # the kernel's own stdout and stderr
        self.manager, self.client = start_new_kernel(
            kernel_name="python3", cwd=str(cwd), env=env, stdout=self._log, stderr=self._log
        )
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read_iopub, name="benchmark-iopub", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        provisioner = self.manager.provisioner
        assert provisioner is not None and provisioner.pid is not None
        return int(provisioner.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the kernel process (all its threads) so far."""
        return cpu_seconds(self.pid)

    def _read_iopub(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.client.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                continue
            except Exception:  # the channel closed while stopping
                if self._stop.is_set():
                    return
                raise
            message = Message(time.time(), stamp(msg["header"]["date"]), msg)
            with self._lock:
                self.messages.append(message)

    def snapshot(self) -> list[Message]:
        with self._lock:
            return list(self.messages)

    def execute(self, code: str, timeout: float = 120.0) -> Reply:
        start = time.perf_counter()
        msg_id = self.client.execute(code)
        while True:
            reply = self.client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        round_trip = time.perf_counter() - start
        replied = stamp(reply["header"]["date"])
        started = stamp(reply["metadata"]["started"])
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(f"the cell failed: {content.get('ename')}: {content.get('evalue')}\n{code}")
        return Reply(msg_id, round_trip, replied - started, replied, content["status"], content)

    def wait_for(self, predicate: Any, timeout: float, poll: float = 0.02) -> Message:
        """The first iopub message (in arrival order) for which predicate(message) holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            messages = self.snapshot()
            for message in messages[seen:]:
                if predicate(message):
                    return message
            seen = len(messages)
            time.sleep(poll)
        raise TimeoutError("the kernel did not send the awaited message in time")

    def errors(self) -> list[str]:
        return [
            "\n".join(m.content.get("traceback", [])) or str(m.content)
            for m in self.snapshot()
            if m.type == "error"
        ]

    def shutdown(self) -> None:
        """Stop the iopub thread and the kernel process (the manager kills it by pid)."""
        self._stop.set()
        self._reader.join(5)
        try:
            self.client.stop_channels()
        finally:
            self.manager.shutdown_kernel(now=True)
            self._log.close()
