"""`%%seedance --batch` through a real IPython shell: rows from a variable or a CSV file, the
options on the line for every row, --out, the static form it leaves, bad rows reported by
number with nothing sent, and the dry run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.app.batch import Batch
from seedance_magic.emulator import Emulator

from helpers.shells import Ran, run_cell, seedance_shell


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        shell.run_line_magic("config", "Seedance.max_usd_per_run = 50.0")
        yield shell


def test_a_batch_cell_waits_binds_and_leaves_its_static_form(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    ip.user_ns["rows"] = [{"prompt": "A kite over dunes", "seed": 5}, "A boat in fog"]
    ran: Ran = run_cell(ip, "%%seedance --batch {{rows}} --fast -r 480p -d 4 --wait -o clips\na note")
    assert ran.error is None, ran.error
    batch = ip.user_ns["clips"]
    assert isinstance(batch, Batch) and batch.done and batch.status == "completed"
    assert emulator.stats.count("submit") == 2
    html = "".join(str(b.get("text/html", "")) for b in ran.bundles)
    assert "seedance batch of 2" in html and "2 completed" in html and html.count("<img") == 2
    table = batch.wait()
    assert table.loc[0, "seed"] == 5 and list(table["status"]) == ["completed", "completed"]


def test_bad_rows_are_listed_by_number_and_nothing_is_sent(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "prompts.csv").write_text("prompt,seed,duration\nA kite,1,4\nA boat,2,99\n,3,4\nA cat,x,4\n")
    result = ip.run_cell("%seedance --batch prompts.csv --fast -r 480p")  # one line: no cell body
    error = result.error_in_exec
    assert isinstance(error, UsageError)
    lines = str(error).splitlines()
    assert lines[0] == "3 of 4 rows of the batch cannot be sent, so nothing was sent:"
    assert lines[1].startswith("  row 1 (line 3): -d/--duration: '99'")
    assert lines[2] == "  row 2 (line 4): the prompt is empty"
    assert lines[3].startswith("  row 3 (line 5): -s/--seed: 'x'")
    assert lines[4] == "Fix them, or add --skip-bad to send the 1 good rows"
    assert emulator.stats.counts.get("submit", 0) == 0

    ran = run_cell(
        ip, "%%seedance --batch prompts.csv --fast -r 480p --skip-bad --wait -o some\nthe good ones"
    )
    assert ran.error is None
    assert list(ip.user_ns["some"].wait()["status"]) == ["completed", "invalid", "invalid", "invalid"]
    assert emulator.stats.count("submit") == 1


def test_a_batch_dry_run_sends_nothing(ip: InteractiveShell, emulator: Emulator) -> None:
    ip.user_ns["rows"] = ["A kite", "A boat", "A cat"]
    ran = run_cell(ip, "%seedance --batch {{rows}} --fast -r 480p -d 4 --dry-run")
    text = "".join(str(b.get("text/plain", "")) for b in ran.bundles)
    assert text == "batch of 3 rows: 3 to send · est. $1.35 · nothing was sent (--dry-run)"
    assert emulator.stats.counts == {}


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("%seedance --batch missing.csv", "missing.csv: no such file"),
        ("%%seedance --batch {{rows}} --seeds 1-3\nnote", "--batch contradicts --seeds"),
        ("%seedance --batch {{rows}} --sed 4", "unknown option --sed"),
    ],
)
def test_what_a_batch_cell_refuses(
    ip: InteractiveShell, emulator: Emulator, cell: str, fragment: str
) -> None:
    ip.user_ns["rows"] = ["A kite"]
    result = ip.run_cell(cell)
    assert isinstance(result.error_in_exec, UsageError) and fragment in str(result.error_in_exec)
    assert emulator.stats.counts.get("submit", 0) == 0
