"""Parsing: a `%%seedance` cell into a frozen GenerationRequest, a `%seedance` line into a
LineCommand, and the `{{name}}` interpolation both use.

Pure functions: (line, cell, config defaults, user namespace) in, a checked request out;
no I/O, nothing global changed. Input media stay raw here (a path, URL, data: URI, glob
or the object a `{{name}}` named); media/ resolves them. Anything the user got wrong is
an InvalidRequest with one line. The options themselves are declared in options.py.
"""

from __future__ import annotations

import argparse
import functools
import re
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from ..errors import InvalidRequest
from . import checks as opt
from .checks import check_prompt, show
from .keywords import given_options
from .options import OPTION_ALIASES, OPTION_STRINGS, build_parser
from .request import COMMANDS, DEFAULTS, Defaults, GenerationRequest, LineCommand
from .rules import combine
from .suggest import suggest
from .template import Template, interpolate

__all__ = ["interpolate", "parse_cell", "parse_line_command", "parse_options"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@functools.cache
def _parser() -> argparse.ArgumentParser:
    return build_parser()


def parse_cell(
    line: str, cell: str, *, defaults: Defaults = DEFAULTS, namespace: Mapping[str, Any] = _EMPTY
) -> GenerationRequest:
    """A `%%seedance` cell into a checked request: `line` holds the options, `cell` the
    prompt. IPython's own `{var}`/`$var` expansion must be off for the magic
    (@no_var_expand); `{{name}}` is interpolated here from `namespace`."""
    template = Template(line, namespace)
    words = template.words()
    prompt = interpolate(cell, namespace).strip()
    request = _request(words, template, prompt, defaults)
    if request.batch is None:
        check_prompt(prompt, "write it in the cell body, below the %%seedance line")
    return request


def _request(words: list[str], template: Template, prompt: str, defaults: Defaults) -> GenerationRequest:
    parsed = parse_options(words, template)
    request = GenerationRequest(prompt=prompt, **combine(parsed, template, defaults))
    if request.batch is not None:
        request = replace(request, batch_options=tuple(given_options(parsed, template).items()))
    if request.grid_size > opt.MAX_GRID_CELLS:
        raise InvalidRequest(
            f"the grid has {request.grid_size} cells; at most {opt.MAX_GRID_CELLS} per run "
            "(use fewer seeds or sweep values)"
        )
    return request


def parse_options(words: list[str], template: Template) -> argparse.Namespace:
    """The options of `words` (each value checked alone, not yet together): an unknown
    option or a stray word is one InvalidRequest line."""
    try:
        parsed, extra = _parser().parse_known_args(words)
    except (argparse.ArgumentError, ValueError) as exc:
        raise InvalidRequest(_argparse_message(template.shown(str(exc)))) from None
    extra = [word for word in extra if word != "--"]
    for word in extra:
        if word.startswith("-") and len(word) > 1 and not any(c.isspace() for c in word):
            flag = template.shown(word.partition("=")[0])
            shown = flag if flag.isprintable() else repr(flag)
            if flag.strip("-").lower() == "prompt":
                raise InvalidRequest(
                    f"unknown option {shown}: the prompt goes in the cell body, below the line"
                )
            raise InvalidRequest(f"unknown option {shown}{suggest(flag, OPTION_STRINGS, OPTION_ALIASES)}")
    if extra:
        raise InvalidRequest(
            f"unexpected {show(template.shown(extra[0]))} in the options line; the prompt goes in "
            "the cell body, and option values with spaces need quotes"
        )
    return parsed


def _argparse_message(message: str) -> str:
    match = re.fullmatch(r"argument (\S+): (.*)", message.strip(), flags=re.DOTALL)
    if not match:
        return f"options: {message.strip()}"
    option, problem = match[1], match[2]
    if problem.startswith("expected one argument"):
        allowed = opt.allowed_for(option)
        long = option.split("/")[-1]
        return f"{option}: needs a value" + (
            f"; {allowed}" if allowed else f" (write {long}=VALUE for a value that begins with -)"
        )
    if problem.startswith("ignored explicit argument"):
        return f"{option}: takes no value ({problem.removeprefix('ignored explicit argument ')})"
    return f"{option}: {problem}"


# --------------------------------------------------------------------- line commands
def parse_line_command(
    line: str, *, defaults: Defaults = DEFAULTS, namespace: Mapping[str, Any] = _EMPTY
) -> LineCommand:
    """A `%seedance` line: jobs, cancel ID|all, price [options] [-- prompt], config,
    resume ID, history [N] [--search TEXT] [--here], studio or help (also the empty line)."""
    template = Template(line, namespace)
    words = template.words()
    if not words:
        return LineCommand("help")
    name, rest = words[0].lower(), words[1:]
    if name not in COMMANDS:
        hint = (
            " (to make a video, use %%seedance with the prompt in the cell body)" if name[:1] == "-" else ""
        )
        raise InvalidRequest(
            f"unknown command {show(template.shown(words[0]))}{suggest(name, COMMANDS)}; "
            f"use one of {', '.join(COMMANDS)}{hint}"
        )
    if name == "price":
        cut = rest.index("--") if "--" in rest else len(rest)
        prompt = template.text_of(" ".join(rest[cut + 1 :])).strip()
        return LineCommand(name, request=_request(rest[:cut], template, prompt, defaults))
    values = [template.text_of(word) for word in rest]
    if name == "history":
        return _history(values)
    if name in ("cancel", "resume"):
        if len(values) != 1:
            what = "a request id or all" if name == "cancel" else "a request id"
            raise InvalidRequest(f"%seedance {name}: give {what}, e.g. %seedance {name} 764cabcf-…")
        target = values[0]
        if not (name == "cancel" and target.lower() == "all"):
            _check_request_id(name, target)
        return LineCommand(name, target="all" if target.lower() == "all" else target)
    if values:
        raise InvalidRequest(f"%seedance {name}: takes nothing after it, not {show(' '.join(values))}")
    return LineCommand(name)


def _check_request_id(command: str, value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", value):
        raise InvalidRequest(
            f"%seedance {command}: {show(value)} is not a request id; use the id shown by %seedance jobs"
        )


def _history(values: list[str]) -> LineCommand:
    limit: int | None = None
    search: str | None = None
    here = False
    words = iter(values)
    for word in words:
        if word == "--here":
            here = True
        elif word == "--search" or word.startswith("--search="):
            text = word.partition("=")[2] if "=" in word else next(words, "")
            if not text.strip():
                raise InvalidRequest("%seedance history --search: needs a text to look for")
            search = text
        elif re.fullmatch(r"[0-9]{1,6}", word) and int(word) > 0 and limit is None:
            limit = int(word)
        else:
            raise InvalidRequest(
                f"%seedance history: {show(word)} is not allowed; use history [N] [--search TEXT] "
                "[--here] with N a whole number from 1"
            )
    return LineCommand("history", limit=limit, search=search, here=here)
