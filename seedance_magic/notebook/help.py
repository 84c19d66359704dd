"""`%%seedance?`: the options' help, made by IPython's magic_arguments from the same table
the parser is built from (spec/options.py), with the examples and the line commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..spec.options import DESCRIPTION, EPILOG, arguments

SUMMARY = "Make a video with ByteDance's Seedance 2.0 on fal.ai. The cell body is the prompt."

LINE_HELP = """
Line magic:
  %seedance jobs                 jobs of this kernel and their state
  %seedance cancel ID|all        cancel a job (request id, its first characters, or all)
  %seedance price [options]      the cost estimate for options, nothing sent
  %seedance config               settings, where requests go, spending (the key: present/absent)
  %seedance resume REQUEST_ID    reattach to a job submitted earlier (any kernel), no new submit
  %seedance history [N] [--search TEXT] [--here]   past results with their seeds
  %seedance studio               a form to generate, browse and compare without code
"""


def declare(func: Callable[..., Any]) -> Callable[..., Any]:
    """Declare the `%%seedance` options on `func` with magic_arguments: its `__doc__`
    becomes the help and its `.parser` a parser of the same options."""
    from IPython.core import magic_arguments

    ipy: Any = magic_arguments  # its decorators are untyped
    decorators: list[Callable[[Any], Any]] = [
        ipy.magic_arguments(),
        ipy.kwds(description=DESCRIPTION, epilog=EPILOG),
    ]
    group = None
    for name, flags, kwargs in arguments():
        if name != group:
            decorators.append(ipy.argument_group(name))
            group = name
        decorators.append(ipy.argument(*flags, **kwargs))
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@functools.cache
def help_text() -> str:
    """The options, examples and line commands: what `%%seedance?` shows."""

    def seedance(line: str, cell: str | None = None) -> None: ...

    seedance.__doc__ = SUMMARY
    return (declare(seedance).__doc__ or "") + LINE_HELP
