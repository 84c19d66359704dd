"""The hint after an unknown name: which of the known names the user most likely meant
(`nearest`), as " (did you mean X?)" (`suggest`). Pure; used for options, keyword
options, commands and a batch's columns."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["nearest", "suggest"]


def _name(word: str) -> str:
    """A word as a name: lower case, `_` as `-` (`--Aspect_Ratio` is `--aspect-ratio`)."""
    return word.strip().lower().replace("_", "-")


def nearest(
    word: str, choices: Iterable[str], aliases: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """The choices `word` most likely meant, by name: the same name in another case or
    with `_` for `-`; an alias (`--quality` → --resolution); the choices it begins;
    those whose every part it names (`--ratio` → --aspect-ratio); else the closest in
    spelling. Empty when nothing is near."""
    choices = list(choices)
    names = {choice: _name(choice) for choice in choices}
    key = _name(word)
    bare = key.lstrip("-")
    same = [c for c, n in names.items() if n == key]
    if same:
        return same
    if aliases and bare in aliases:
        return list(aliases[bare])
    if len(bare) >= 2:
        started = [c for c, n in names.items() if n.startswith(key)]
        if started:
            return started
    parts = set(bare.split("-")) - {""}
    named = [c for c, n in names.items() if parts and parts <= set(n.lstrip("-").split("-"))]
    if named:
        return named[:2]
    bare_names = {n.lstrip("-"): c for c, n in names.items()}  # the dashes spell nothing
    close = difflib.get_close_matches(bare, list(bare_names), n=1, cutoff=0.6)
    return [bare_names[n] for n in close]


def suggest(word: str, choices: Iterable[str], aliases: Mapping[str, Sequence[str]] | None = None) -> str:
    """' (did you mean X?)' for the nearest choices (see `nearest`), or ''."""
    close = nearest(word, choices, aliases)
    return f" (did you mean {' or '.join(close)}?)" if close else ""
