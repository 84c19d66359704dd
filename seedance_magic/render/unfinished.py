"""The list `%load_ext` shows of jobs an earlier (dead) kernel left unfinished, as text
and static HTML, with how long ago each was sent and how to resume it; a job whose
submit got no answer says how to check it and is never resubmitted.

Pure functions of their rows and the current time, like gallery.py; app/history.py
builds the rows from the journal, ui/orphans.py adds the "resume all" button.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ..spec.providers import get as get_provider
from . import style
from .gallery import PROMPT_CHARS, shorten, stamp
from .html import badge_html, copy_button, esc
from .shapes import RecordShape as JobRecord
from .text import EMULATOR, SEP, endpoint_label, via_text

__all__ = ["Unfinished", "age_text", "orphans_html", "orphans_text", "unknown_text"]


@dataclass(frozen=True)
class Unfinished:
    """A job an earlier (dead) kernel left unfinished, with when its submit was sent."""

    record: JobRecord
    sent_at: float

    @property
    def unknown(self) -> bool:
        """The submit's outcome is unknown: no request id came back (or the kernel died
        while sending it). Such a job is never resubmitted."""
        return not self.record.request_id

    @property
    def command(self) -> str:
        return f"%seedance resume {self.record.request_id}" if self.record.request_id else ""


def age_text(seconds: float) -> str:
    """How long ago: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def unknown_text(row: Unfinished) -> str:
    """What is known of a job whose submit got no answer, and how to check it."""
    record = row.record
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.sent_at))
    if record.emulated:
        where = f"the emulator at {record.base_url}" if record.base_url else "the emulator"
        check = f"Nothing was charged ({where}); run the cell again if you still want it"
    else:
        provider = get_provider(record.provider)
        check = (
            f"{provider.label} may have queued it and will charge for it: look for a request sent at "
            f"that time on {provider.dashboard} before running the cell again"
        )
    return f"outcome unknown: its submit at {when} got no answer and was NOT sent again. {check}"


def _row_text(row: Unfinished, now: float) -> list[str]:
    record = row.record
    state = "unknown" if row.unknown else record.state
    head = SEP.join(
        [
            state,
            endpoint_label(record.endpoint, short=True),
            via_text(record.provider),
            f"sent {age_text(now - row.sent_at)}",
        ]
        + ([EMULATOR] if record.emulated else [])
    )
    lines = [f"- {head}", f"  {shorten(record.prompt, PROMPT_CHARS)}"]
    if row.unknown:
        lines.append(f"  {unknown_text(row)}")
    else:
        lines.append(f"  request {record.request_id}: {row.command}")
    return lines


def orphans_text(rows: Sequence[Unfinished], now: float | None = None) -> str:
    """The unfinished jobs for terminals and text/plain."""
    now = time.time() if now is None else now
    count = len(rows)
    lines = [f"seedance: {count} job{'s' if count != 1 else ''} left unfinished by an earlier kernel:"]
    for row in rows:
        lines += _row_text(row, now)
    if any(not row.unknown for row in rows):
        lines.append("Nothing is submitted again: `%seedance resume ID` follows a job and downloads it.")
    return "\n".join(lines)


def _row_html(row: Unfinished, now: float) -> str:
    record = row.record
    state = "unknown" if row.unknown else record.state
    colour = style.OUTCOME_COLOURS["unknown"] if row.unknown else style.ACCENT
    badge = f" {badge_html()}" if record.emulated else ""
    head = (
        f'<span class="seedance-state" style="color:{colour};font-weight:600">{esc(state)}</span>{SEP}'
        f"{esc(endpoint_label(record.endpoint, short=True))}{SEP}{esc(via_text(record.provider))}{SEP}"
        f'<span title="{esc(stamp(row.sent_at))}">sent {esc(age_text(now - row.sent_at))}</span>{badge}'
    )
    prompt = (
        f'<div class="seedance-prompt" title="{esc(record.prompt)}" style="font-size:12px">'
        f"{esc(shorten(record.prompt, PROMPT_CHARS))}</div>"
    )
    if row.unknown:
        tail = (
            f'<div class="seedance-unknown" style="color:{style.WARN};font-size:12px">'
            f"{esc(unknown_text(row))}</div>"
        )
    else:
        tail = (
            f'<div style="font-size:12px">request <code>{esc(record.request_id)}</code> '
            f"{copy_button(row.command, 'copy the resume line')}</div>"
            f'<pre class="seedance-resume" style="{style.PRE}">{esc(row.command)}</pre>'
        )
    return f'<div class="seedance-orphan" style="margin:6px 0">{head}{prompt}{tail}</div>'


def orphans_html(rows: Sequence[Unfinished], now: float | None = None) -> str:
    now = time.time() if now is None else now
    head = esc(orphans_text(rows, now).splitlines()[0].removeprefix("seedance: "))
    return (
        f'<div class="seedance-orphans {style.NO_MATH}" '
        f'style="{style.BOX};border-left:3px solid {style.WARN};padding-left:8px">'
        f'<div style="{style.TITLE}">{head}</div>' + "".join(_row_html(row, now) for row in rows) + "</div>"
    )
