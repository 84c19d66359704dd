"""`%%seedance` and `%seedance`: the IPython magics. Wiring only: parse, delegate to the
pipeline, show a view. No network, no widget layout, no storage here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import no_var_expand

from .config import Seedance
from .errors import SeedanceError

if TYPE_CHECKING:
    from .request import Defaults

# Loading the extension registers the magic and checks the journal, nothing more: the
# options and their help, the pipeline, the engine and the widgets load on first use.

LINE_HELP = """
Line magic:
  %seedance jobs                 jobs of this kernel and their state
  %seedance cancel ID|all        cancel a job (request id, its first characters, or all)
  %seedance price [options]      the cost estimate for options, nothing sent
  %seedance config               settings, where requests go, spending (the key: present/absent)
  %seedance resume REQUEST_ID    reattach to a job submitted earlier (any kernel), no new submit
  %seedance history [N] [--search TEXT]   past results with their seeds
  %seedance studio               a form to generate, browse and compare without code
"""


SUMMARY = "Make a video with ByteDance's Seedance 2.0 on fal.ai. The cell body is the prompt."
_help: list[str] = []


def help_text() -> str:
    """The options (from their magic_arguments declaration in options.py), examples and
    line commands: what `%%seedance?` shows."""
    if not _help:
        from .options import seedance_arguments

        def seedance(line: str, cell: str | None = None) -> None: ...

        seedance.__doc__ = SUMMARY
        _help.append((seedance_arguments(seedance).__doc__ or "") + LINE_HELP)
    return _help[0]


class SeedanceMagic:
    """`seedance`, one line-and-cell magic: IPython calls it with (line) or (line, cell).
    A callable rather than a Magics method, so that its help (`%%seedance?`) and the
    options behind it are built when first read, not when the extension loads."""

    def __init__(self, shell: Any, config: Seedance) -> None:
        self.shell = shell
        self.seedance_config = config

    @property  # the help, built when first read
    def __doc__(self) -> str:  # type: ignore[override]
        return help_text()

    @property
    def namespace(self) -> dict[str, Any]:
        return self.shell.user_ns if self.shell is not None else {}

    def defaults(self) -> Defaults:
        from .request import Defaults

        c = self.seedance_config
        settings = c.settings()
        return Defaults(
            tier="fast" if c.tier == "fast" else "standard",
            resolution=c.resolution,
            duration=c.duration,
            aspect_ratio=c.aspect_ratio,
            generate_audio=c.generate_audio,
            wait=settings.wait,
            timeout=c.timeout,
        )

    def __call__(self, line: str, cell: str | None = None) -> Any:
        try:
            if cell is None:
                return self._line(line)
            return self._cell(line, cell)
        except SeedanceError as exc:
            raise UsageError(str(exc)) from None

    # ---------------------------------------------------------------- cell
    def _cell(self, line: str, cell: str) -> None:
        from . import commands
        from .request import parse_cell
        from .runtime import get_runtime

        request = parse_cell(line, cell, defaults=self.defaults(), namespace=self.namespace)
        runtime = get_runtime()
        if request.is_grid:
            commands.run_grid(request, self.shell, runtime, self.defaults())
            return
        commands.run_single(request, self.shell, runtime, self.defaults())

    # ---------------------------------------------------------------- line
    def _line(self, line: str) -> Any:
        from . import commands
        from .request import GenerationRequest, parse_line_command
        from .runtime import get_runtime

        command = parse_line_command(line, defaults=self.defaults(), namespace=self.namespace)
        runtime = get_runtime()
        if command.name == "help":
            print(help_text())
            return None
        if command.name == "price":
            request = command.request or GenerationRequest(prompt="")
            return commands.price(request, self.defaults(), runtime.settings.provider)
        if command.name == "jobs":
            return commands.jobs_table(runtime)
        if command.name == "cancel":
            return commands.cancel(runtime, command.target or "")
        if command.name == "config":
            return commands.config_report(runtime, self.seedance_config)
        if command.name == "resume":
            return commands.resume(runtime, command.target or "", self.shell)
        if command.name == "history":
            return commands.history(runtime, command.limit or 12, command.search)
        if command.name == "studio":
            return commands.studio(runtime)
        raise UsageError(f"unknown %seedance command {command.name!r}")


_loaded: dict[int, SeedanceMagic] = {}


def load(ip: Any) -> None:
    """Register the magics and the Seedance configurable; say where requests will go."""
    config = Seedance(parent=ip)
    if config not in ip.configurables:
        ip.configurables.append(config)
    magic = SeedanceMagic(ip, config)
    # no_var_expand: the line as typed, for prompts hold {braces} and $signs
    ip.register_magic_function(no_var_expand(magic), magic_kind="line_cell", magic_name="seedance")
    _loaded[id(ip)] = magic
    from .announce import announce
    from .settings import set_source

    set_source(config.settings)
    announce(config.settings(), ip)


def unload(ip: Any) -> None:
    from .settings import set_source

    set_source(None)
    magic = _loaded.pop(id(ip), None)
    if magic is not None and magic.seedance_config in ip.configurables:
        ip.configurables.remove(magic.seedance_config)
