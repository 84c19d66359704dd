"""Which front-end the kernel serves (ui/frontends.py), found by what each front-end does
to the kernel, never by variables a terminal passes on: VS Code's `__vsc_ipynb_file__`
in the user namespace, Colab's `google.colab` module, Voilà's own kernel environment.
And what follows: embedding, Opus sound for VS Code, Colab's widget manager."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from seedance_magic.ui import frontends


class FakeShell:
    def __init__(self, **names: Any) -> None:
        self.user_ns: dict[str, Any] = dict(names)


VSCODE = FakeShell(__vsc_ipynb_file__="/home/me/demo.ipynb")
PLAIN = FakeShell()


@pytest.fixture(autouse=True)
def no_frontend(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a plain JupyterLab kernel, whatever launched these tests."""
    for name in ("VSCODE_PID", "VSCODE_CWD", "VSCODE_IPC_HOOK_CLI", "SERVER_SOFTWARE", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab.output", raising=False)


def fake_colab(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in `google.colab` with an `output` module that records its calls."""
    calls: list[str] = []
    colab = types.ModuleType("google.colab")
    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = lambda: calls.append("enable_custom_widget_manager")  # type: ignore[attr-defined]
    colab.output = output  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    return calls


def test_vscode_is_its_kernel_marker_not_a_terminals_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSCODE_PID", "123")  # JupyterLab started from VS Code's terminal
    monkeypatch.setenv("VSCODE_CWD", "/home/me")
    assert frontends.frontend(PLAIN) == "jupyter"
    assert frontends.should_embed("auto", PLAIN) is False
    assert frontends.frontend(VSCODE) == "vscode" and frontends.in_vscode(VSCODE)
    assert frontends.should_embed("auto", VSCODE) is True
    assert frontends.needs_opus(VSCODE) and not frontends.needs_opus(PLAIN)


def test_voila_is_the_environment_it_starts_its_kernels_with(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not frontends.in_voila()
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    assert frontends.in_voila() and frontends.frontend(PLAIN) == "voila"
    assert frontends.should_embed("auto", PLAIN) is True  # its allowlist refuses .mp4
    monkeypatch.setenv("SERVER_SOFTWARE", "TornadoServer/6")
    assert not frontends.in_voila()
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    assert frontends.in_voila()


def test_colab_embeds_and_gets_its_custom_widget_manager_once(monkeypatch: pytest.MonkeyPatch) -> None:
    frontends.prepare_widgets()  # not Colab: nothing to do
    calls = fake_colab(monkeypatch)
    monkeypatch.setattr(frontends, "_prepared", set())
    assert frontends.frontend(PLAIN) == "colab" and frontends.should_embed("auto", PLAIN)
    frontends.prepare_widgets()
    frontends.prepare_widgets()
    assert calls == ["enable_custom_widget_manager"]


def test_an_older_colab_without_the_manager_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(frontends, "_prepared", set())
    frontends.prepare_widgets()


def test_the_live_view_enables_colabs_widget_manager(monkeypatch: pytest.MonkeyPatch, comms: Any) -> None:
    from seedance_magic.ui.show import live_view

    from helpers.widgets import FakeJob, snapshot

    calls = fake_colab(monkeypatch)
    monkeypatch.setattr(frontends, "_prepared", set())
    view = live_view(FakeJob(snapshot()), embed=True, opus=False)
    try:
        assert calls == ["enable_custom_widget_manager"]
    finally:
        view.close()


@pytest.mark.parametrize(
    ("setting", "shell", "expected"),
    [
        (True, PLAIN, True),
        (False, VSCODE, False),
        ("auto", PLAIN, False),
        ("Auto", VSCODE, True),
        ("yes", PLAIN, True),
        ("never", VSCODE, False),
    ],
)
def test_should_embed(setting: str | bool, shell: FakeShell, expected: bool) -> None:
    assert frontends.should_embed(setting, shell) is expected


def test_should_embed_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="embed must be True, False or 'auto'"):
        frontends.should_embed("sometimes")


def test_without_a_shell_it_asks_ipython_for_the_running_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frontends, "current_shell", lambda: VSCODE)
    assert frontends.should_embed("auto") is True and frontends.frontend() == "vscode"
