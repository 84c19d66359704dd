"""A batch planned before anything is sent: its rows read (a list, dicts, a DataFrame, a
CSV file), each checked (spec/batch.py) and planned with each distinct input probed only
once, its identity, what an earlier run of the same batch left in the journal (rows
finished, failed, or still under way at the provider), and the estimate of the rows
left to send, checked against the budget.

    rows -> parse and check every row (bad ones: one line each; nothing sent unless skip_bad)
         -> plan each row (inputs resolved once per distinct input)
         -> identity -> the journal's rows of that batch -> each row's action
         -> budget on what is left to send
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BudgetExceeded, InvalidRequest
from ..media.check import reference_check
from ..media.inputs import resolve_inputs
from ..spec.batch import ParsedRow, bad_rows_message, batch_identity, parse_rows, rows_from_csv
from ..spec.cost import CostEstimate
from ..spec.inputs import FIELDS, Inputs
from ..spec.request import GenerationRequest
from ..spec.states import State
from ..store.journal import JobRecord
from . import cells

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["BatchPlan", "RowPlan", "plan_batch", "read_rows"]

# What becomes of a row: sent now, shown again from the journal, followed where an earlier
# run left it at the provider, shown as it failed before, or refused as given.
SEND, REPLAY, RESUME, FAILED, INVALID = "send", "replay", "resume", "failed", "invalid"
DIED_SUBMITTING = "its kernel stopped while the submit was under way: the outcome is unknown"


@dataclass
class RowPlan:
    """One row of a batch and what becomes of it."""

    index: int
    prompt: str
    action: str
    plan: cells.Plan | None = None
    record: JobRecord | None = None  # the journal's newest job for this row
    error: str | None = None


@dataclass
class BatchPlan:
    identity: str
    rows: list[RowPlan]
    estimate: CostEstimate  # of the rows to send (cache hits left out)
    warnings: tuple[str, ...] = ()

    def count(self, action: str) -> int:
        return sum(row.action == action for row in self.rows)


# -------------------------------------------------------------------- reading rows
def read_rows(rows: Any, cwd: Path | None = None) -> tuple[list[Any], list[int] | None]:
    """The rows as a list (a DataFrame's as dicts, a CSV file's as dicts of text) and,
    for a CSV, the line each row starts on."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        return list(rows.to_dict("records")), None
    if isinstance(rows, (str, os.PathLike)):
        return _read_csv(Path(rows), cwd)
    if isinstance(rows, (list, tuple)):
        return list(rows), None
    if hasattr(rows, "__iter__") and not isinstance(rows, (bytes, dict)):
        return list(rows), None
    raise InvalidRequest(
        f"a batch's rows are a list of prompts, a list of dicts, a DataFrame or a CSV file, "
        f"not a {type(rows).__name__}"
    )


def _read_csv(path: Path, cwd: Path | None) -> tuple[list[Any], list[int]]:
    shown = str(path)
    if path.suffix.lower() not in (".csv", ".txt") and not path.exists():
        raise InvalidRequest(
            f"{shown!r} is not a CSV file; give a list of prompts (a single prompt goes in a list), "
            "a list of dicts, a DataFrame or the path of a CSV file"
        )
    full = path.expanduser() if path.is_absolute() else (cwd or Path.cwd()) / path.expanduser()
    try:
        text = full.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidRequest(
            f"{shown}: no such file; give the path of a CSV file with a prompt column"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"{shown}: cannot be read as UTF-8 text ({exc})") from None
    rows, lines = rows_from_csv(text, shown)
    return list(rows), lines


# ----------------------------------------------------------------------- planning
def plan_batch(
    rows: Any,
    options: dict[str, Any],
    runtime: Runtime,
    *,
    skip_bad: bool = False,
    retry_failed: bool = False,
    flags: bool = False,
    budget: bool = True,
    cwd: Path | None = None,
) -> BatchPlan:
    """Everything about the batch before anything is sent; raises InvalidRequest (bad
    rows, unless `skip_bad`) or BudgetExceeded (unless `budget` is False: a dry run).
    `flags`: the messages name the magic's flags (--skip-bad), not the keywords."""
    settings = runtime.settings
    raw, lines = read_rows(rows, cwd)
    parsed = parse_rows(raw, settings.defaults, options, lines=lines)
    resolved: dict[Any, Inputs] = {}
    planned: list[tuple[ParsedRow, cells.Plan | None]] = []
    for parsed_row in parsed:
        row, plan = parsed_row, None
        if row.request is not None:
            try:
                plan = _plan(row.request, settings.defaults, settings.provider, resolved, cwd)
            except InvalidRequest as exc:
                row = replace(row, request=None, error=str(exc))
        planned.append((row, plan))
    if any(row.error is not None for row, _ in planned) and not skip_bad:
        skip = "--skip-bad" if flags else "skip_bad=True"
        raise InvalidRequest(bad_rows_message([row for row, _ in planned], skip=skip))
    keys = [_row_key(plan, runtime) if plan is not None else f"bad {row.error}" for row, plan in planned]
    identity = batch_identity(keys)
    done = _journalled(runtime, identity)
    result = []
    for row, plan in planned:
        prompt = row.request.prompt if row.request is not None else _prompt_of(raw[row.index])
        if plan is None:
            result.append(RowPlan(row.index, prompt, INVALID, error=row.error))
            continue
        record = done.get(row.index)
        if record is not None and record.cache_key != plan.cache_key:
            record = None
        action, error = _action(record, plan, runtime, retry_failed)
        result.append(RowPlan(row.index, prompt, action, plan, record, error))
    to_pay = [r.plan for r in result if r.action == SEND and r.plan is not None]
    to_pay = [p for p in to_pay if cells.cache_hit(p, settings, runtime) is None]
    estimate = total_of(to_pay)
    if to_pay and budget:
        yes = bool(options.get("yes"))
        try:
            cells.check_budget(estimate, settings, runtime, yes=yes, what=f"batch of {len(to_pay)} videos")
        except BudgetExceeded as exc:
            if not flags:
                exc.hint = exc.hint.replace("Add --yes", "Pass yes=True")
            raise
    warnings = dict.fromkeys(w for _, p in planned if p is not None and p.inputs for w in p.inputs.warnings)
    return BatchPlan(identity, result, estimate, tuple(warnings))


def total_of(plans: list[cells.Plan]) -> CostEstimate:
    count = len(plans)
    note = f"{count} video{'' if count == 1 else 's'}"
    return CostEstimate(
        round(sum(p.estimate.low for p in plans), 4), round(sum(p.estimate.high for p in plans), 4), note
    )


def _prompt_of(row: Any) -> str:
    value = row if isinstance(row, str) else row.get("prompt") if isinstance(row, dict) else None
    return value if isinstance(value, str) else ""


def _plan(
    request: GenerationRequest, defaults: Any, provider: str, resolved: dict[Any, Inputs], cwd: Path | None
) -> cells.Plan:
    """The row's plan; its inputs read and probed only the first time a row names them."""
    key = _inputs_key(request)
    inputs = resolved.get(key) if key is not None else None
    if inputs is not None:
        errors, warnings = reference_check(request.prompt, request.mode, list(inputs.items))
        if errors:
            raise InvalidRequest("; ".join(dict.fromkeys(errors)))
        inputs = replace(inputs, warnings=tuple(warnings))
    elif key is not None:
        inputs = resolved[key] = resolve_inputs(request, cwd=cwd)
    return cells.make_plan(request, defaults=defaults, inputs=inputs, provider=provider, cwd=cwd)


def _inputs_key(request: GenerationRequest) -> Any:
    """What identifies a row's inputs as given (paths and URLs by their text, objects by
    identity), or None when it has none."""

    def one(value: Any) -> Any:
        if isinstance(value, str):
            return ("text", value)
        if isinstance(value, os.PathLike):
            return ("path", os.fspath(value))
        if isinstance(value, bytes):
            return ("bytes", value)
        return ("object", id(value))

    values = [getattr(request, f.attr) for f in FIELDS]
    if not any(v not in (None, ()) for v in values):
        return None
    parts = [
        tuple(one(v) for v in value) if isinstance(value, tuple) else value and one(value) for value in values
    ]
    return (request.mode, *parts)


def _row_key(plan: cells.Plan, runtime: Runtime) -> str:
    """What the row makes, and where: an emulator clip is no answer to a request for fal."""
    target = runtime.target(plan.provider)
    where = "emulator" if target.emulated else target.base_url
    return f"{plan.cache_key} {plan.provider} {where}"


def _journalled(runtime: Runtime, identity: str) -> dict[int, JobRecord]:
    """The newest journal row of each row of an earlier run of this batch."""
    newest: dict[int, JobRecord] = {}
    for record in runtime.journal.group(identity):
        if record.group_index is not None:
            newest.setdefault(record.group_index, record)
    return newest


def _action(
    record: JobRecord | None, plan: cells.Plan, runtime: Runtime, retry_failed: bool
) -> tuple[str, str | None]:
    """What to do with a row, given its newest journal row: send it (never sent, or
    cancelled), show its video again, follow it at the provider, or show its failure
    (sent again with retry_failed)."""
    if record is None:
        return SEND, None
    state = State(record.state)
    if state is State.COMPLETED:
        return REPLAY, None
    if state in (State.CANCELLED, State.PENDING):
        return SEND, None
    failed = FAILED if not retry_failed else SEND
    if state in (State.FAILED, State.UNKNOWN):
        return failed, record.error or f"the job {state.value}"
    if not record.request_id or not record.status_url:
        return failed, DIED_SUBMITTING
    target = runtime.target(plan.provider)
    if record.emulated and record.base_url != target.base_url:
        return SEND, None  # under way at an emulator that is gone: made again, free
    return RESUME, None
