"""`{{name}}` templates: interpolating notebook variables into a prompt or an options
line, and splitting that line into shell-like words.

`{{name}}` is replaced from the user namespace; `\\{{` stands for a literal `{{`; single
braces pass through. In an options line each `{{name}}` becomes a placeholder before the
line is split, so a value with spaces stays one word and a media object (bytes, a path,
a PIL image, a numpy array) reaches the request as itself when it is a whole value.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import InvalidRequest
from .checks import show

_TEMPLATE = re.compile(r"\\\{\{|\{\{([^{}]*)\}\}")
_PLACEHOLDER = re.compile("\u2045([0-9]+)\u2046")  # printable, so repr() in messages keeps it


def _lookup(inside: str, namespace: Mapping[str, Any]) -> tuple[str, Any]:
    name = inside.strip()
    if not name.isidentifier():
        raise InvalidRequest(
            f"{show('{{' + inside + '}}')}: only a variable name may stand inside {{{{ }}}}; "
            "write \\{{ for literal braces"
        )
    if name not in namespace:
        raise InvalidRequest(f"{{{{{name}}}}}: there is no variable {name!r} in the notebook")
    return name, namespace[name]


def _text(name: str, value: Any) -> str:
    try:
        return str(value)
    except Exception as exc:  # a user object's __str__ may raise anything
        detail = " ".join(str(exc).split())[:80]  # one line, whatever the object said
        raise InvalidRequest(f"{{{{{name}}}}}: str() failed ({type(exc).__name__}: {detail})") from None


def interpolate(text: str, namespace: Mapping[str, Any]) -> str:
    """Replace each `{{name}}` with str(namespace[name]) and `\\{{` with `{{`; single
    braces and anything else pass through untouched."""

    def replace(match: re.Match[str]) -> str:
        if match[1] is None:
            return "{{"
        name, value = _lookup(match[1], namespace)
        return _text(name, value)

    return _TEMPLATE.sub(replace, text)


class Values(Protocol):
    """Where rules.combine takes option values from: a Template (an options line), or
    Python objects given as keywords (keywords.py)."""

    def text_of(self, value: Any) -> str: ...
    def media(self, value: Any) -> Any: ...
    def shown(self, text: str) -> str: ...


class Template:
    """An options line with each `{{name}}` replaced by a placeholder before splitting, so
    values with spaces stay one word and media objects survive as themselves."""

    def __init__(self, line: str, namespace: Mapping[str, Any]) -> None:
        self.names: list[str] = []
        self.values: list[Any] = []

        def replace(match: re.Match[str]) -> str:
            if match[1] is None:
                return "{{"
            name, value = _lookup(match[1], namespace)
            self.names.append(name)
            self.values.append(value)
            return f"\u2045{len(self.values) - 1}\u2046"

        self.text = _TEMPLATE.sub(replace, line)

    def _swap(self, text: str, as_name: bool) -> str:
        def replace(match: re.Match[str]) -> str:
            index = int(match[1])
            if index >= len(self.values):
                return match[0]
            name = self.names[index]
            return f"{{{{{name}}}}}" if as_name else _text(name, self.values[index])

        return _PLACEHOLDER.sub(replace, text)

    def text_of(self, value: str) -> str:
        return self._swap(value, as_name=False)

    def media(self, value: str) -> Any:
        """A media value: the object itself when `{{name}}` is the whole value."""
        match = _PLACEHOLDER.fullmatch(value)
        if match and int(match[1]) < len(self.values):
            return self.values[int(match[1])]
        return self.text_of(value)

    def variable(self, value: str) -> str | None:
        """The variable's name when the whole value is one `{{name}}` (a reproduce cell
        names it so), else None."""
        match = _PLACEHOLDER.fullmatch(value)
        if match and int(match[1]) < len(self.names):
            return self.names[int(match[1])]
        return None

    def shown(self, text: str) -> str:
        """Text with placeholders shown as the `{{name}}` the user wrote (for messages)."""
        return self._swap(text, as_name=True)

    def words(self) -> list[str]:
        """The line as shell-like words: quotes group and are removed; backslashes stay
        (Windows paths); placeholders are still in place."""
        lexer = shlex.shlex(self.text, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        lexer.escape = ""
        try:
            return list(lexer)
        except ValueError:
            line = self.shown(self.text).strip()
            raise InvalidRequest(f"unclosed quote in the options line: {show(line, 80)}") from None
