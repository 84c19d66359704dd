"""Which front-end the kernel talks to, and what that allows: live widgets (a kernel
with a front-end, not a headless run or terminal IPython), whether videos are embedded
(front-ends that cannot serve files from the kernel's folder), and the player's sound.

Each front-end is recognised by what it does to this kernel, not by environment
variables a terminal passes on to anything started from it:
- VS Code puts `__vsc_ipynb_file__` (the notebook's path) in the user namespace;
- Colab's kernel has imported `google.colab`;
- Voilà starts each kernel with `SERVER_SOFTWARE=voila/<version>` and `VOILA_KERNEL_ID`
  in its own environment.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Literal

Frontend = Literal["vscode", "colab", "voila", "jupyter"]

_TRUE = {"1", "true", "yes", "on", "always"}
_FALSE = {"0", "false", "no", "off", "never"}
_prepared: set[str] = set()


def widgets_usable(shell: Any) -> bool:
    """A kernel talking to a frontend (widgets can render), not terminal IPython."""
    if shell is None or type(shell).__name__ not in ("ZMQInteractiveShell", "Shell"):
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def live_widgets(shell: Any, headless: bool) -> bool:
    """Show a live widget: in a kernel with a frontend, unless the run is headless."""
    return widgets_usable(shell) and not headless


def current_shell() -> Any:
    """The running IPython shell, or None (a script)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def in_vscode(shell: Any = None) -> bool:
    """VS Code's notebook runs this kernel: it sets `__vsc_ipynb_file__` for its cells."""
    shell = shell if shell is not None else current_shell()
    namespace = getattr(shell, "user_ns", None)
    return isinstance(namespace, dict) and "__vsc_ipynb_file__" in namespace


def in_colab() -> bool:
    return "google.colab" in sys.modules


def in_voila() -> bool:
    """Voilà started this kernel (it serves no .mp4 files by default)."""
    software = os.environ.get("SERVER_SOFTWARE", "")
    return software.startswith("voila/") or bool(os.environ.get("VOILA_KERNEL_ID"))


def frontend(shell: Any = None) -> Frontend:
    """The front-end this kernel serves: "vscode", "colab", "voila", else "jupyter"
    (JupyterLab, Notebook 7 and anything else that serves the notebook's folder)."""
    if in_vscode(shell):
        return "vscode"
    if in_colab():
        return "colab"
    if in_voila():
        return "voila"
    return "jupyter"


def should_embed(setting: str | bool, shell: Any = None) -> bool:
    """Whether videos go into the notebook as data: URIs. "auto" embeds where relative
    files are not served: VS Code, Colab and Voilà (whose default allowlist refuses
    .mp4)."""
    if isinstance(setting, bool):
        return setting
    value = setting.strip().lower()
    if value == "auto":
        return frontend(shell) != "jupyter"
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"embed must be True, False or 'auto', not {setting!r}")


def needs_opus(shell: Any = None) -> bool:
    """The player cannot decode AAC sound (VS Code's): an embedded video is given Opus
    sound instead (media/opus.py)."""
    return in_vscode(shell)


def prepare_widgets() -> None:
    """Before the first widget: Colab renders third-party widgets only with its custom
    widget manager, enabled here once (a no-op elsewhere)."""
    if not in_colab() or "colab" in _prepared:
        return
    _prepared.add("colab")
    try:
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
    except Exception:  # an older Colab, or a stand-in: the widgets may still render
        return
