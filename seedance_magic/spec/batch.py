"""Batches as pure data: rows (prompts, dicts, a DataFrame's records, a CSV's text) into
checked requests, the bad ones kept with their row number, and a batch's identity.

    rows_from_csv(text)                 -> the CSV's rows as dicts of text, and their lines
    parse_rows(rows, defaults, options) -> one ParsedRow per row: its request or its error
    bad_rows_message(parsed, ...)       -> one line per bad row (a few shown, then a count)
    batch_identity(row_keys)            -> the same id for the same rows, in any kernel

A row is a prompt, or a mapping with a `prompt` and any of generate()'s keyword options
by name (`seed`, `duration`, `fast`, `image`, ...). The batch's own options apply to
every row unless the row gives its own value; an empty value (None, "", NaN) is not
given. Values given as text (a CSV) go through the same checks as a cell's options.
Rows are numbered from 0, as in the list or the DataFrame they come from.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidRequest
from . import checks as opt
from .inputs import FIELDS
from .keywords import KEYWORDS, request_from_options
from .request import DEFAULTS, Defaults, GenerationRequest
from .suggest import suggest

__all__ = [
    "COLUMNS",
    "ParsedRow",
    "bad_rows_message",
    "batch_identity",
    "parse_rows",
    "rows_from_csv",
]

COLUMNS: tuple[str, ...] = ("prompt", *KEYWORDS)
SHOWN_BAD_ROWS = 5
_SWITCHES = frozenset({"fast", "standard", "no_cache", "yes", "generate_audio", "no_audio"})
# A row that gives one of a pair replaces the batch's value of the other too.
_PAIRS = (("fast", "standard"), ("generate_audio", "no_audio"))
_MEDIA = frozenset(f.attr for f in FIELDS)
_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})
_IDENTITY_VERSION = "seedance-batch-1"


@dataclass(frozen=True)
class ParsedRow:
    """One row of a batch: its checked request, or why it cannot be sent."""

    index: int
    request: GenerationRequest | None
    error: str | None = None
    line: int | None = None  # its line in a CSV file

    @property
    def where(self) -> str:
        """`row 3` (`row 3 (line 5)` for a CSV's row)."""
        return f"row {self.index}" + (f" (line {self.line})" if self.line is not None else "")


# ------------------------------------------------------------------------- values
def blank(value: Any) -> bool:
    """Not given: None, empty text, NaN, or pandas' missing values."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _value(key: str, value: Any) -> Any:
    """A row's value as the keyword option takes it: switches as bools (text such as
    "true" or "no" too), whole numbers of any numeric type as int, media as given."""
    if key in _MEDIA:
        return value
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()  # a NumPy scalar (a DataFrame's int64, float64 or bool_)
    if key in _SWITCHES:
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE or word in _FALSE:
                return word in _TRUE
        elif isinstance(value, (bool, int)) and value in (0, 1):
            return bool(value)
        raise InvalidRequest(f"{key}: {opt.show(str(value))} is not allowed; use true or false")
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a column with gaps holds floats: 7.0 is the seed 7
    return value


def _as_mapping(row: Any) -> Mapping[str, Any]:
    if isinstance(row, str):
        return {"prompt": row}
    if isinstance(row, Mapping):
        return row
    raise InvalidRequest(
        f"a batch row is a prompt or a dict with a 'prompt', not a {type(row).__name__}; "
        "give a list of prompts, a list of dicts, a DataFrame or a CSV file"
    )


def check_options(options: Mapping[str, Any]) -> None:
    """The batch's keyword options are generate()'s (one line for an unknown one)."""
    for name in options:
        if name not in KEYWORDS:
            raise InvalidRequest(
                f"unknown option {name!r}{suggest(name, KEYWORDS)}; a batch takes generate()'s "
                f"options: {', '.join(KEYWORDS)}"
            )


def check_columns(names: Sequence[Any]) -> None:
    """Every column is `prompt` or one of generate()'s options, and `prompt` is there."""
    for name in names:
        if not isinstance(name, str) or name not in COLUMNS:
            shown = repr(name)
            hint = suggest(name, COLUMNS) if isinstance(name, str) else ""
            raise InvalidRequest(
                f"column {shown} is not an option{hint}; a batch's columns are prompt and "
                f"generate()'s options ({', '.join(KEYWORDS)}): rename or drop it"
            )
    if "prompt" not in names:
        raise InvalidRequest(
            "the rows have no 'prompt': each row is a prompt, or a dict (a DataFrame row, a CSV "
            "line) with a prompt and any of generate()'s options"
        )


# --------------------------------------------------------------------------- rows
def parse_rows(
    rows: Sequence[Any],
    defaults: Defaults = DEFAULTS,
    options: Mapping[str, Any] | None = None,
    *,
    lines: Sequence[int] | None = None,
) -> list[ParsedRow]:
    """Each row checked into a request (or its error kept, by row); an unknown option
    or column, or no rows at all, is one InvalidRequest for the whole batch."""
    shared = {k: v for k, v in (options or {}).items() if not blank(v)}
    check_options(shared)
    if not rows:
        raise InvalidRequest("the batch has no rows: give at least one prompt")
    mappings = [_as_mapping(row) for row in rows]
    check_columns(list(dict.fromkeys(k for m in mappings for k in m)))
    parsed = []
    for index, values in enumerate(mappings):
        line = lines[index] if lines is not None else None
        try:
            request = _request(values, defaults, shared)
        except InvalidRequest as exc:
            parsed.append(ParsedRow(index, None, str(exc), line))
        else:
            parsed.append(ParsedRow(index, request, None, line))
    return parsed


def _request(values: Mapping[str, Any], defaults: Defaults, shared: Mapping[str, Any]) -> GenerationRequest:
    given = {k: _value(k, v) for k, v in values.items() if not blank(v)}
    prompt = given.pop("prompt", "")
    merged = dict(shared)
    for pair in _PAIRS:
        if any(k in given for k in pair):
            for k in pair:
                merged.pop(k, None)
    merged.update(given)
    if not isinstance(prompt, str):
        prompt = str(prompt)
    if not prompt.strip():
        raise InvalidRequest("the prompt is empty")
    return request_from_options(prompt, defaults, **merged)


def bad_rows_message(parsed: Sequence[ParsedRow], *, skip: str) -> str:
    """What is wrong, one line per bad row (the first few, then how many more), and
    how to go on; `skip` names the way to send the good rows (skip_bad=True, --skip-bad)."""
    bad = [p for p in parsed if p.error is not None]
    good = len(parsed) - len(bad)
    lines = [f"{len(bad)} of {len(parsed)} rows of the batch cannot be sent, so nothing was sent:"]
    lines += [f"  {p.where}: {p.error}" for p in bad[:SHOWN_BAD_ROWS]]
    if len(bad) > SHOWN_BAD_ROWS:
        lines.append(f"  and {len(bad) - SHOWN_BAD_ROWS} more bad rows")
    if good:
        lines.append(f"Fix them, or add {skip} to send the {good} good rows")
    else:
        lines.append("Fix them and run the batch again")
    return "\n".join(lines)


def rows_from_csv(text: str, source: str = "the CSV") -> tuple[list[dict[str, str]], list[int]]:
    """A CSV's rows as dicts of text (its header names lower-cased, `-` and spaces as
    `_`), and the line each row starts on; blank lines are left out."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InvalidRequest(f"{source} is empty: its first line names the columns (prompt, seed, ...)")
        names = [h.strip().lower().replace("-", "_").replace(" ", "_") for h in header]
        for position, name in enumerate(names):
            if not name:
                raise InvalidRequest(f"{source}: column {position + 1} of the header has no name")
            if names.count(name) > 1:
                raise InvalidRequest(f"{source}: the column {name!r} is named twice in the header")
        check_columns(names)
        rows: list[dict[str, str]] = []
        lines: list[int] = []
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                if len(record) > len(names):
                    raise InvalidRequest(
                        f"{source}: line {start} has {len(record)} values but the header names "
                        f"{len(names)} columns; quote values that hold commas"
                    )
                rows.append(dict(zip(names, record, strict=False)))
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidRequest(f"{source}: not a readable CSV file (line {reader.line_num}: {exc})") from None
    return rows, lines


def batch_identity(row_keys: Sequence[str]) -> str:
    """The batch's id: a digest of what each row would make (its plan's cache key, which
    covers the prompt, every option, the configured defaults and each input's content),
    in order. Equal in any kernel for the same rows and options."""
    text = "\n".join((_IDENTITY_VERSION, *row_keys))
    return "batch-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
