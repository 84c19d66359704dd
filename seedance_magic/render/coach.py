"""The prompt coach's hints (spec/coach.py) as static HTML, for the magic, the dry run
and the studio: one line per hint, its level in the palette's colour (error ERROR,
warning WARN, tip MUTED), the message, the code, and the example below it. Pure and
escaped like the rest of render/; no widgets.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..spec.hints import Hint, hints_text
from . import style
from .html import esc

__all__ = ["LEVEL_COLOURS", "Hints", "hint_html", "hints_html"]

LEVEL_COLOURS = {"error": style.ERROR, "warning": style.WARN, "tip": style.MUTED}
_CODE = f"font-family:{style.MONO};font-size:11px;color:{style.MUTED}"
_EXAMPLE = f"font-family:{style.MONO};font-size:12px;color:{style.MUTED};margin-left:1.2em"


def hint_html(hint: Hint) -> str:
    """One hint: the level in its colour, the message and the code; the example below."""
    colour = LEVEL_COLOURS.get(hint.level, style.MUTED)
    example = (
        f'<div class="seedance-hint-example" style="{_EXAMPLE}">e.g. {esc(hint.example)}</div>'
        if hint.example
        else ""
    )
    return (
        f'<div class="seedance-hint seedance-hint-{esc(hint.level)}" data-code="{esc(hint.code)}" '
        f'style="margin:2px 0">'
        f'<span style="color:{colour};font-weight:600">{esc(hint.level)}</span> '
        f"{esc(hint.message)} "
        f'<span style="{_CODE}">{esc(hint.code)}</span>{example}</div>'
    )


def hints_html(hints: Iterable[Hint]) -> str:
    """The hints in one block, in the order given; "" when there are none."""
    body = "".join(hint_html(hint) for hint in hints)
    if not body:
        return ""
    return f'<div class="seedance-coach {style.NO_MATH}" style="{style.BOX}">{body}</div>'


class Hints(list[Hint]):
    """A list of hints that shows itself: one line per hint in text, coloured in HTML
    (what `sd.coach()` and `%%seedance --coach` show)."""

    def __repr__(self) -> str:
        return hints_text(self) or "no hints: the prompt reads like the guide's own examples"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        html = hints_html(self) or f'<div style="{style.BOX}">{esc(repr(self))}</div>'
        return {"text/plain": repr(self), "text/html": html}
