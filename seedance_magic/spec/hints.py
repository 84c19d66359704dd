"""A hint: one piece of advice on a prompt, as the prompt coach (coach.py) gives it and
render/coach.py draws it. Its own module so that a view can name the type without
loading the coach's word lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["LEVELS", "Hint", "Level", "hints_text", "ordered"]

Level = Literal["error", "warning", "tip"]
# "error": the request will be refused; "warning": the video will likely miss what was
# meant; "tip": it could be better.
LEVELS: tuple[Level, ...] = ("error", "warning", "tip")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class Hint:
    """One piece of advice: its level, a stable code (`no-camera`), one sentence, and
    where it helps, a rewritten fragment to copy."""

    level: Level
    code: str
    message: str
    example: str | None = None

    def __str__(self) -> str:
        example = f" (e.g. {self.example})" if self.example else ""
        return f"{self.level}: {self.message}{example} [{self.code}]"


def ordered(hints: Iterable[Hint]) -> list[Hint]:
    """Errors first, then warnings, then tips; the given order kept within a level."""
    return sorted(hints, key=lambda h: _RANK[h.level])


def hints_text(hints: Iterable[Hint]) -> str:
    """One line per hint, for terminals and logs; empty when there is nothing to say."""
    return "\n".join(str(hint) for hint in hints)
