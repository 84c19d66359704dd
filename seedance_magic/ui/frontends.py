"""Which front-end the kernel talks to, and what that allows: live widgets (a kernel
with a front-end, not a headless run or terminal IPython) and whether videos are
embedded (front-ends that cannot serve files from the kernel's folder)."""

from __future__ import annotations

import os
import sys
from typing import Any

_TRUE = {"1", "true", "yes", "on", "always"}
_FALSE = {"0", "false", "no", "off", "never"}


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


def should_embed(setting: str | bool) -> bool:
    """Whether videos go into the notebook as data: URIs. "auto" embeds where relative
    files are not served: Colab and VS Code."""
    if isinstance(setting, bool):
        return setting
    value = setting.strip().lower()
    if value == "auto":
        in_vscode = bool(os.environ.get("VSCODE_PID") or os.environ.get("VSCODE_CWD"))
        return "google.colab" in sys.modules or in_vscode
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"embed must be True, False or 'auto', not {setting!r}")
