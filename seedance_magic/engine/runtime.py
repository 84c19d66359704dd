"""The process-wide pieces a job needs: settings, journal, target, loop and backend.

One `Runtime` per process. It resolves where requests go (a provider's own service, a
base URL, or the built-in emulator when the provider has no key), keeps one backend per
target and event loop (their HTTP clients are bound to their loop), and knows which loop
jobs run on: the kernel's own running loop, or, where none keeps running (a script,
terminal IPython), a private loop that `Job.wait()` drives.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest
from ..settings import (
    EMULATOR_KEY,
    Settings,
    Target,
    choose,
    current,
    has_credentials,
    load_dotenv_credentials,
)
from ..spec.providers import NAMES, Provider, get
from ..store.journal import Journal
from .backends import make_backend, probe_emulator
from .background import BackgroundLoop
from .book import JobBook

if TYPE_CHECKING:
    from ..emulator import Emulator
    from .backends.base import Backend


# The built-in emulator's pace: long enough to watch the progress, short enough for a class.
DEMO_EMULATOR: dict[str, Any] = {"queue_seconds": 1.5, "run_seconds": 5.0, "log_interval": 0.8}


class Runtime(JobBook):
    """`settings` is where the settings come from (default: %config, else the
    environment). `backends` makes the backend for a target and `probe` asks a base URL
    whether it is the emulator (its run id, or None); both default to the real ones and
    are the seam for a fake provider. `journal_timeout` is how long a journal write waits
    for another connection that holds the file (SQLite's busy timeout)."""

    def __init__(
        self,
        settings: Callable[[], Settings] | None = None,
        *,
        backends: Callable[[Target], Backend] | None = None,
        probe: Callable[[str], str | None] | None = None,
        journal_timeout: float = 30.0,
    ) -> None:
        self._settings_source = settings or current
        self._journal_timeout = journal_timeout
        self._make_backend = backends
        self._probe_with = probe
        self._journals: dict[Path, Journal] = {}
        self._targets: dict[tuple[str, str | None, bool], Target] = {}
        self._backends: dict[tuple[int, Target], Backend] = {}
        self._background: BackgroundLoop | None = None
        self._emulator: Emulator | None = None
        self._pace: dict[str, Any] = {}  # the settings the built-in emulator was last given
        self._lock = threading.Lock()
        JobBook.__init__(self)
        self.started_at = time.time()
        self.dotenv_names = load_dotenv_credentials()  # once per process

    def _probe(self, base_url: str) -> str | None:
        return (self._probe_with or probe_emulator)(base_url)

    # ----------------------------------------------------------------- settings
    @property
    def settings(self) -> Settings:
        return self._settings_source()

    def set_settings_source(self, source: Callable[[], Settings]) -> None:
        self._settings_source = source

    @property
    def journal(self) -> Journal:
        """The journal the settings name now."""
        return self.journal_at(self.settings.journal)

    def journal_at(self, path: Path) -> Journal:
        """The journal at `path`, opened once (a job keeps writing to the one it began
        with, even after `journal_path` changes)."""
        key = Path(path).expanduser()
        with self._lock:
            journal = self._journals.get(key)
            if journal is None:
                journal = self._journals[key] = Journal(key, busy_timeout=self._journal_timeout)
            return journal

    # ------------------------------------------------------------------- target
    def provider(self, name: str | None = None) -> Provider:
        """The provider called `name`, else the configured one (auto: see settings.choose)."""
        return choose(name, self.settings.provider)

    def target(self, provider: str | None = None) -> Target:
        """Where a request for `provider` (None: the configured one) goes now."""
        chosen = self.provider(provider)
        base = self.settings.base_url_for(chosen.name)
        has_key = has_credentials(chosen)
        key = (chosen.name, base, has_key)
        with self._lock:
            if key not in self._targets:
                self._targets[key] = self._resolve_target(chosen, base, has_key)
            target = self._targets[key]
        if target.embedded:
            self.emulator()  # a pace changed with %config since the last job reaches it now
        return target

    def known_target(self, provider: str | None = None) -> Target | None:
        """Where a request for `provider` goes, if that is known already (no I/O)."""
        chosen = self.provider(provider)
        key = (chosen.name, self.settings.base_url_for(chosen.name), has_credentials(chosen))
        return self._targets.get(key)

    def would_emulate(self, provider: str | None = None) -> bool:
        """Whether a request for `provider` would go to the built-in emulator (no key and
        no base URL), without starting it."""
        chosen = self.provider(provider)
        return not self.settings.base_url_for(chosen.name) and not has_credentials(chosen)

    def charges_nothing(self) -> bool:
        """Whether no request can be charged: no provider has a key or a base URL, so
        every job goes to the built-in emulator."""
        return all(self.would_emulate(name) for name in NAMES)

    def _resolve_target(self, provider: Provider, base: str | None, has_key: bool) -> Target:
        name = provider.name
        if base:
            instance = self._probe(base)
            return Target(
                base,
                emulated=instance is not None,
                key=None if has_key else EMULATOR_KEY,
                instance=instance,
                provider=name,
            )
        if has_key:
            return Target(provider.default_base_url, provider=name)
        return self._embedded(provider)

    def target_for(self, provider: str, base_url: str | None, emulated: bool) -> Target:
        """Where a journalled job went: its provider's service, or the server at its base URL."""
        chosen = get(provider)
        if base_url == chosen.default_base_url and not emulated:
            return Target(base_url, provider=chosen.name)
        if self._emulator is not None and self._emulator.url + chosen.emulator_path == base_url:
            return self._embedded(chosen)
        instance = self._probe(base_url) if emulated and base_url else None
        return Target(
            base_url,
            emulated=emulated,
            key=None if has_credentials(chosen) else EMULATOR_KEY,
            instance=instance,
            provider=chosen.name,
        )

    @staticmethod
    def emulator_ended(target: Target) -> bool:
        """Whether `target` (from target_for) is an emulator that no longer answers: the
        built-in emulator of a kernel that has ended, whose jobs died with it."""
        return target.emulated and not target.embedded and target.instance is None

    def _embedded(self, provider: Provider) -> Target:
        """The built-in emulator, speaking this provider's API."""
        emulator = self.emulator()
        return Target(
            emulator.url + provider.emulator_path,
            emulated=True,
            embedded=True,
            key=EMULATOR_KEY,
            instance=emulator.instance,
            provider=provider.name,
        )

    def emulator(self) -> Emulator:
        """The built-in emulator, started in this process on first use. Its pace follows
        `Seedance.emulator`: a change made after it started is given to it here, for the
        jobs sent from now on (a job already on its way keeps its pace)."""
        from ..emulator import Emulator, EmulatorConfig

        pace = {**DEMO_EMULATOR, **self.settings.emulator}
        if self._emulator is not None and pace == self._pace:
            return self._emulator
        try:
            config = EmulatorConfig().updated(pace)
        except ValueError as exc:
            raise InvalidRequest(f"Seedance.emulator: {exc}") from None
        if self._emulator is None:
            self._emulator = Emulator(config).start()
        else:
            self._emulator.configure(**pace)
        self._pace = pace
        return self._emulator

    # --------------------------------------------------------------------- loop
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop jobs run on: the running one (a kernel, asyncio.run), else a private
        one running in a thread of its own (background.py), started on first use."""
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            pass
        with self._lock:
            if self._background is None or not self._background.alive:
                self._background = BackgroundLoop()
            return self._background.loop

    @staticmethod
    def loop_keeps_running() -> bool:
        """True in a Jupyter kernel (its loop runs between cells); False in scripts and
        terminal IPython, where a cell waits for its job unless told not to (the job
        then goes on in the background loop's thread)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def backend(self, target: Target | None = None) -> Backend:
        target = target or self.target()
        loop = self.loop()
        key = (id(loop), target)
        backend = self._backends.get(key)
        if backend is None:
            backend = (self._make_backend or make_backend)(target)
            self._backends[key] = backend
        return backend

    async def aclose_loop(self) -> None:
        """Close the clients bound to the running loop (before an asyncio.run() ends)."""
        loop_id = id(asyncio.get_running_loop())
        for key in [k for k in self._backends if k[0] == loop_id]:
            await self._backends.pop(key).aclose()

    def close(self) -> None:
        """Stop the built-in emulator and close clients (tests and interpreter exit)."""
        background = self._background
        for (loop_id, _), backend in list(self._backends.items()):
            if background is not None and background.alive and loop_id == id(background.loop):
                with contextlib.suppress(Exception):
                    background.run(backend.aclose())
        self._backends.clear()
        if background is not None:
            background.close()
        self._background = None
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None
            self._pace = {}
        self._targets.clear()
        for journal in self._journals.values():
            journal.close()
        self._journals.clear()


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def reset_runtime(runtime: Runtime | None = None) -> Runtime | None:
    """Replace the process runtime (tests); returns the previous one, not closed."""
    global _runtime
    previous, _runtime = _runtime, runtime
    return previous
