"""Helpers shared by the durability suites (faults, cache and budget, secrets, history):
an IPython shell with the extension loaded and routed to an emulator (or served by the
fake provider), running a cell while capturing everything the user would see, and
reading the journal. No tests here."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.runtime import reset_runtime
from seedance_magic.store.journal import JobRecord, Journal, decode

from helpers.fake_backend import FakeBackend
from helpers.fake_parts import BASE_URL
from helpers.fake_runtime import runtime_for

CLIP = "--fast -r 480p -d 4"


@contextmanager
def seedance_shell(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A fresh IPython shell with `%load_ext seedance_magic`, routed to `emulator`,
    polling fast. The journal and the output folder are the test's (conftest)."""
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    with _loaded_shell(poll_initial=0.05, poll_max=0.2) as shell:
        yield shell


@contextmanager
def builtin_shell() -> Iterator[InteractiveShell]:
    """The same shell with no key and no base URL: its jobs go to the built-in emulator
    (its pace from SEEDANCE_EMULATOR)."""
    with _loaded_shell(poll_initial=0.05, poll_max=0.2) as shell:
        yield shell


@contextmanager
def fake_shell(
    backend: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
    *,
    emulated: bool = True,
    others: Mapping[str, FakeBackend] | None = None,
) -> Iterator[InteractiveShell]:
    """The same shell, its jobs served by the fake provider `backend` (the process
    runtime's), at its base URL; `emulated`: whether that answers as an emulator (then
    results are badged EMULATOR and spend nothing), as the built-in one would; `others`:
    fakes serving other base URLs (SEEDANCE_FAL_BASE_URL changed mid-test)."""
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", BASE_URL)
    previous = reset_runtime(runtime_for(backend, emulated=emulated, others=others))
    if previous is not None:
        previous.close()
    with _loaded_shell(poll_initial=0.001, poll_max=0.005) as shell:
        yield shell


@contextmanager
def _loaded_shell(*, poll_initial: float, poll_max: float) -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    try:
        with capture_output():
            shell.run_line_magic("load_ext", "seedance_magic")
        shell.run_line_magic("config", f"Seedance.poll_initial = {poll_initial}")
        shell.run_line_magic("config", f"Seedance.poll_max = {poll_max}")
        yield shell
    finally:
        shell.run_line_magic("unload_ext", "seedance_magic")
        InteractiveShell.clear_instance()


@dataclass
class Ran:
    """What one cell showed: its outcome, stdout, stderr and displayed mimebundles."""

    source: str
    error: BaseException | None
    value: Any
    stdout: str
    stderr: str
    bundles: list[dict[str, Any]] = field(default_factory=list)

    @property
    def usage_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("UsageError:")]

    @property
    def everything(self) -> str:
        """Every text the user could see, for searching."""
        parts = [self.stdout, self.stderr, str(self.error or ""), repr(self.error or "")]
        parts += [str(value) for bundle in self.bundles for value in bundle.values()]
        return "\n".join(parts)

    def one_clear_line(self) -> str:
        """The single UsageError line of a failed cell (no traceback anywhere)."""
        assert isinstance(self.error, UsageError), (self.error, self.stdout, self.stderr)
        assert "Traceback" not in self.stdout + self.stderr, self.stdout + self.stderr
        assert len(self.usage_lines) == 1, self.stderr
        message = str(self.error)
        assert "\n" not in message
        return message

    def ok(self) -> None:
        assert self.error is None, (self.error, self.stderr)
        assert "Traceback" not in self.stdout + self.stderr and not self.usage_lines, self.stderr


def run_cell(shell: InteractiveShell, source: str) -> Ran:
    """Run a cell as a user would and keep everything it showed."""
    with capture_output() as captured:
        result = shell.run_cell(source)
    error = result.error_in_exec or result.error_before_exec
    bundles = [dict(output.data) for output in captured.outputs]
    if result.result is not None:
        data, _ = shell.display_formatter.format(result.result)
        bundles.append(dict(data))
    return Ran(source, error, result.result, captured.stdout, captured.stderr, bundles)


@dataclass(frozen=True)
class Ends:
    """A fault that ends the cell: the line says `fragment`, the journal row is `state`,
    and the emulator holds `jobs` jobs."""

    fault: Fault
    fragment: str
    state: str
    jobs: int


def cell(options: str, prompt: str) -> str:
    return f"%%seedance {options}\n{prompt}"


def journal(path: Path | None = None) -> Journal:
    """The test's journal (SEEDANCE_JOURNAL, set by conftest)."""
    return Journal(path or Path(os.environ["SEEDANCE_JOURNAL"]))


def all_records(path: Path | None = None) -> list[JobRecord]:
    """Every row of the journal on disk, newest first, read with sqlite3 itself (none when
    nothing made the journal)."""
    file = path or Path(os.environ["SEEDANCE_JOURNAL"])
    if not file.exists():
        return []
    db = sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return [decode(row) for row in db.execute("SELECT * FROM jobs ORDER BY created_at DESC")]
    finally:
        db.close()


def only_record(path: Path | None = None) -> JobRecord:
    records = all_records(path)
    assert len(records) == 1, records
    return records[0]


def accepted_submits(emulator: Emulator) -> int:
    """Submits the emulator answered with a job (faulted attempts excluded)."""
    return sum(1 for r in emulator.stats.requests if r.kind == "submit" and r.status in (200, 202, None))


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll `check` (journal or emulator state) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def request_ids_on_disk(path: Path) -> list[str]:
    """Request ids committed to the journal file, read by a separate connection."""
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=10)
    try:
        return [row[0] for row in db.execute("SELECT request_id FROM jobs WHERE request_id IS NOT NULL")]
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        db.close()
