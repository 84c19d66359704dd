"""`%%seedance` and `%seedance`: the IPython magics. Wiring only: parse, delegate to the
cell runner or a report, return what to show. No network, no widget layout, no storage."""

from __future__ import annotations

import re
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import no_var_expand

from ..errors import SeedanceError
from .config import Seedance

# Loading the extension registers the magic and checks the journal, nothing more: the
# options and their help, the engine and the widgets load on first use.


class SeedanceMagic:
    """`seedance`, one line-and-cell magic: IPython calls it with (line) or (line, cell).
    A callable rather than a Magics method, so that its help (`%%seedance?`) and the
    options behind it are built when first read, not when the extension loads."""

    def __init__(self, shell: Any, config: Seedance) -> None:
        self.shell = shell
        self.seedance_config = config

    @property  # the help, built when first read
    def __doc__(self) -> str:  # type: ignore[override]
        from .help import help_text

        return help_text()

    @property
    def namespace(self) -> dict[str, Any]:
        return self.shell.user_ns if self.shell is not None else {}

    def __call__(self, line: str, cell: str | None = None) -> Any:
        try:
            if cell is None:
                return self._line(line)
            return self._cell(line, cell)
        except SeedanceError as exc:
            raise UsageError(str(exc)) from None

    # ---------------------------------------------------------------- cell
    def _cell(self, line: str, cell: str) -> None:
        from ..engine.runtime import get_runtime
        from ..spec.parse import parse_cell
        from .runner import run_cell

        runtime = get_runtime()
        request = parse_cell(line, cell, defaults=runtime.settings.defaults, namespace=self.namespace)
        if request.story:
            from ..spec.story_parse import parse_story

            story = parse_story(line, cell, defaults=runtime.settings.defaults, namespace=self.namespace)
            run_cell(story, self.shell, runtime)
            return
        run_cell(request, self.shell, runtime)

    # ---------------------------------------------------------------- line
    def _line(self, line: str) -> Any:
        if _BATCH.search(line):  # `%seedance --batch ROWS ...`: a batch needs no cell body
            return self._cell(line, "")
        from ..app import reports
        from ..engine.runtime import get_runtime
        from ..spec.parse import parse_line_command
        from ..spec.request import GenerationRequest

        runtime = get_runtime()
        command = parse_line_command(line, defaults=runtime.settings.defaults, namespace=self.namespace)
        if command.name == "help":
            print(self.__doc__)
            return None
        if command.name == "price":
            return reports.price(command.request or GenerationRequest(prompt=""), runtime.settings.provider)
        if command.name == "jobs":
            return reports.jobs_table(runtime)
        if command.name == "cancel":
            return reports.cancel(runtime, command.target or "")
        if command.name == "config":
            return reports.config_report(runtime)
        if command.name == "resume":
            return self._resume(command.target or "")
        if command.name == "history":
            from ..app.history import history_view

            return history_view(runtime, command.limit or 12, command.search, here=command.here)
        if command.name == "studio":
            from ..app.studio import Studio

            return Studio(runtime)
        raise UsageError(f"unknown %seedance command {command.name!r}")

    def _resume(self, request_id: str) -> Any:
        from ..app.reports import resume
        from ..engine.runtime import get_runtime
        from .runner import show

        runtime = get_runtime()
        job = resume(runtime, request_id)
        if not job.done and not runtime.loop_keeps_running():
            show(job, self.shell, runtime, wait=True)
        return job


_loaded: dict[int, SeedanceMagic] = {}
_BATCH = re.compile(r"(^|\s)--batch(\s|=|$)")


def load(ip: Any) -> None:
    """Register the magics and the Seedance configurable; say where requests will go."""
    config = Seedance(parent=ip)
    if config not in ip.configurables:
        ip.configurables.append(config)
    magic = SeedanceMagic(ip, config)
    # no_var_expand: the line as typed, for prompts hold {braces} and $signs
    ip.register_magic_function(no_var_expand(magic), magic_kind="line_cell", magic_name="seedance")
    _loaded[id(ip)] = magic
    from ..settings import set_source
    from .announce import announce
    from .display import install

    install(ip)
    set_source(config.settings)
    announce(config.settings(), ip)


def unload(ip: Any) -> None:
    from ..settings import set_source

    set_source(None)
    magic = _loaded.pop(id(ip), None)
    if magic is not None and magic.seedance_config in ip.configurables:
        ip.configurables.remove(magic.seedance_config)
