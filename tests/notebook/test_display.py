"""notebook/display.py: `settle` swaps a display for its static form when the job or grid
ends (once, by display id, whatever ends it), `present` shows a job, and the type
printers that give a Result its poster. No kernel: IPython's own capturing publisher
records what would be sent."""

from __future__ import annotations

import base64
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator.clip import RenderSpec
from seedance_magic.emulator.synth import render_cached
from seedance_magic.engine.job import State
from seedance_magic.media.video import probe
from seedance_magic.notebook import display
from seedance_magic.settings import Settings

from helpers.widgets import FakeJob, result, snapshot


@dataclass
class Handle:
    display_id: str = "d-1"
    updates: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def update(self, obj: dict[str, Any], **kwargs: Any) -> None:
        self.updates.append((obj, kwargs))


class Running(FakeJob):
    """A FakeJob with `done` and `result`, as a Job has."""

    @property
    def done(self) -> bool:
        return self.snapshot.state.terminal

    @property
    def result(self) -> Any:
        return self.snapshot.result


def test_settle_updates_once_when_the_job_ends() -> None:
    job = Running(snapshot(State.QUEUED))
    handle, made = Handle(), []

    def final() -> dict[str, Any]:
        made.append(job.snapshot.state)
        return {"text/plain": "done"}

    display.settle(job, handle, final)
    job.publish(State.RUNNING)
    assert handle.updates == [] and made == []
    job.publish(State.COMPLETED, result=result())
    job.publish(State.COMPLETED, trouble="late")
    assert handle.updates == [({"text/plain": "done"}, {"raw": True})]
    assert made == [State.COMPLETED] and job.subscribers == []


def test_settle_on_a_job_that_already_ended_updates_at_once() -> None:
    handle = Handle()
    display.settle(Running(snapshot(State.CANCELLED)), handle, lambda: {"text/plain": "x"})
    assert len(handle.updates) == 1


@dataclass
class Group:
    """What settle needs of a JobGroup: `done`, and `subscribe` with a callback of no arguments."""

    done: bool = False
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    def changed(self) -> None:
        for callback in list(self.listeners):
            callback()


def test_settle_works_for_a_grid() -> None:
    group, handle = Group(), Handle()
    display.settle(group, handle, lambda: {"text/plain": "grid"})
    group.changed()
    assert handle.updates == []
    group.done = True
    group.changed()
    group.changed()
    assert [u for u, _ in handle.updates] == [{"text/plain": "grid"}] and group.listeners == []


def test_a_display_that_cannot_be_updated_never_breaks_the_job(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Handle):
        def update(self, obj: dict[str, Any], **kwargs: Any) -> None:
            raise RuntimeError("the front-end went away")

    job = Running(snapshot(State.RUNNING))
    display.settle(job, Broken(), lambda: {"text/plain": "x"})
    with caplog.at_level(logging.ERROR):
        job.publish(State.COMPLETED, result=result())
    assert "could not leave the static form" in caplog.text


# --------------------------------------------------------------------------- present
@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.display_pub = CapturingDisplayPublisher()
    try:
        yield ip
    finally:
        InteractiveShell.clear_instance()


@dataclass
class Runtime:
    settings: Settings = field(default_factory=Settings)


class Job(Running):
    runtime = Runtime()


class KernelShell:
    """A shell as a kernel has, by name (display goes through the real InteractiveShell)."""

    user_ns: dict[str, Any] = {}  # noqa: RUF012


KernelShell.__name__ = "ZMQInteractiveShell"


def test_a_job_shown_in_a_kernel_without_widgets_is_settled_in_place(shell: InteractiveShell) -> None:
    job = Job(snapshot(State.RUNNING))
    handle = display.present(job, KernelShell(), live=False)
    outputs: list[dict[str, Any]] = shell.display_pub.outputs  # type: ignore[attr-defined]
    (first,) = outputs
    assert "running" in first["data"]["text/plain"] and first["transient"]["display_id"] == handle.display_id
    job.publish(State.FAILED, error="boom", finished=130.0)
    update = outputs[-1]
    assert update["update"] and update["transient"]["display_id"] == handle.display_id
    assert "boom" in update["data"]["text/plain"]


def test_an_ended_job_and_terminal_ipython_show_the_static_form_once(shell: InteractiveShell) -> None:
    assert display.present(Job(snapshot(State.CANCELLED, error="cancelled")), KernelShell()) is None
    assert display.present(Job(snapshot(State.RUNNING)), shell, live=False) is None  # a terminal
    outputs: list[dict[str, Any]] = shell.display_pub.outputs  # type: ignore[attr-defined]
    assert [o["transient"] for o in outputs] == [None, None]


def test_a_result_prints_with_its_poster(shell: InteractiveShell, tmp_path: Path) -> None:
    path = tmp_path / "boat.mp4"
    path.write_bytes(render_cached(RenderSpec(864, 496, 4, 3, "A paper boat", audio=True)))
    display.install(shell)
    data, _ = shell.display_formatter.format(result(path=path))
    assert set(data) == {"text/plain", "text/html", "image/jpeg"}
    assert 'poster="data:image/jpeg;base64,' in data["text/html"]


@pytest.fixture
def no_frontend(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SERVER_SOFTWARE", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)


@pytest.mark.usefixtures("no_frontend")
def test_how_each_front_end_plays_videos(monkeypatch: pytest.MonkeyPatch) -> None:
    class VSCode:
        user_ns: dict[str, Any] = {"__vsc_ipynb_file__": "/home/me/demo.ipynb"}  # noqa: RUF012

    assert display.options(KernelShell(), "auto") == {"embed": False, "opus": False}
    assert display.options(VSCode(), "auto") == {"embed": True, "opus": True}
    assert display.options(VSCode(), False) == {"embed": False, "opus": False}
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    assert display.options(KernelShell(), "auto") == {"embed": True, "opus": False}


@pytest.mark.usefixtures("no_frontend")
def test_a_result_in_vscode_plays_with_opus_sound(shell: InteractiveShell, tmp_path: Path) -> None:
    path = tmp_path / "boat.mp4"
    path.write_bytes(render_cached(RenderSpec(864, 496, 4, 3, "A paper boat", audio=True)))
    shell.user_ns["__vsc_ipynb_file__"] = str(tmp_path / "demo.ipynb")
    display.install(shell)
    data, _ = shell.display_formatter.format(result(path=path))
    (src,) = re.findall(r'<video[^>]*\ssrc="data:video/mp4;base64,([^"]+)"', data["text/html"])
    info = probe(base64.b64decode(src))
    assert (info.video_codec, info.audio_codec) == ("h264", "opus")
