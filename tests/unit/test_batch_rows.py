"""A batch's rows as plain data (spec/batch.py): prompts, dicts, a DataFrame's records and a
CSV's text into checked requests; bad rows kept by number; the batch's identity; and the
`--batch` line of a cell (spec/parse.py, spec/rules.py)."""

from __future__ import annotations

import math

import pytest

from seedance_magic.errors import InvalidRequest
from seedance_magic.spec.batch import (
    ParsedRow,
    bad_rows_message,
    batch_identity,
    parse_rows,
    rows_from_csv,
)
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.request import Defaults


def good(rows: list[ParsedRow]) -> list[ParsedRow]:
    assert all(r.error is None and r.request is not None for r in rows), [r.error for r in rows]
    return rows


def test_a_list_of_prompts_takes_the_batch_options() -> None:
    rows = good(
        parse_rows(["A kite", "  A boat  "], options={"fast": True, "resolution": "480p", "duration": 4})
    )
    assert [r.request.prompt for r in rows if r.request] == ["A kite", "A boat"]
    for row in rows:
        assert row.request is not None
        assert (row.request.tier, row.request.resolution, row.request.duration) == ("fast", "480p", "4")


def test_a_row_s_own_value_wins_over_the_batch_option() -> None:
    rows = good(
        parse_rows(
            [{"prompt": "A kite", "seed": 3, "duration": 6}, {"prompt": "A boat", "standard": True}],
            options={"fast": True, "duration": 4, "seed": 1},
        )
    )
    first, second = (r.request for r in rows)
    assert first is not None and (first.seed, first.duration, first.tier) == (3, "6", "fast")
    assert second is not None and (second.seed, second.duration, second.tier) == (1, "4", "standard")


def test_text_values_go_through_the_same_checks() -> None:
    records, lines = rows_from_csv(
        "Prompt,Seed,Duration,Aspect-Ratio,fast,generate_audio\n"
        "A kite,7,4,9:16,true,no\n"
        "\n"
        '"A boat, at dusk",,auto,,0,\n'
    )
    assert lines == [2, 4]
    first, second = (r.request for r in good(parse_rows(records, lines=lines)))
    assert first is not None and second is not None
    assert (first.seed, first.duration, first.aspect_ratio, first.tier) == (7, "4", "9:16", "fast")
    assert first.generate_audio is False
    assert (second.prompt, second.seed, second.tier) == ("A boat, at dusk", None, "standard")


def test_a_dataframe_s_gaps_and_numbers() -> None:
    numpy = pytest.importorskip("numpy")
    records = [
        {"prompt": "A kite", "seed": 7.0, "duration": numpy.int64(4), "fast": numpy.bool_(True)},
        {"prompt": "A boat", "seed": math.nan, "duration": numpy.int64(5), "fast": numpy.bool_(False)},
    ]
    first, second = (r.request for r in good(parse_rows(records)))
    assert first is not None and (first.seed, first.duration, first.tier) == (7, "4", "fast")
    assert second is not None and (second.seed, second.duration, second.tier) == (None, "5", "standard")


def test_bad_rows_are_kept_with_their_number_and_line() -> None:
    records, lines = rows_from_csv("prompt,duration,fast\nA kite,4,\nA boat,99,\n,4,\nA cat,4,maybe\n")
    rows = parse_rows(records, lines=lines)
    bad = {r.index: r for r in rows if r.error}
    assert sorted(bad) == [1, 2, 3]
    assert "-d/--duration: '99' is not allowed" in (bad[1].error or "")
    assert bad[2].error == "the prompt is empty"
    assert bad[3].error == "fast: 'maybe' is not allowed; use true or false"
    message = bad_rows_message(rows, skip="--skip-bad")
    assert message.splitlines() == [
        "3 of 4 rows of the batch cannot be sent, so nothing was sent:",
        f"  row 1 (line 3): {bad[1].error}",
        "  row 2 (line 4): the prompt is empty",
        "  row 3 (line 5): fast: 'maybe' is not allowed; use true or false",
        "Fix them, or add --skip-bad to send the 1 good rows",
    ]


def test_many_bad_rows_show_a_few_and_a_count() -> None:
    rows = parse_rows([{"prompt": "x", "duration": 99}] * 9)
    lines = bad_rows_message(rows, skip="skip_bad=True").splitlines()
    assert len(lines) == 1 + 5 + 2
    assert lines[-2] == "  and 4 more bad rows" and lines[-1] == "Fix them and run the batch again"


@pytest.mark.parametrize(
    ("rows", "options", "message"),
    [
        ([], {}, "the batch has no rows"),
        ([{"prompt": "A kite", "sed": 3}], {}, "column 'sed' is not an option (did you mean seed?)"),
        ([{"seed": 3}], {}, "the rows have no 'prompt'"),
        (["A kite"], {"sed": 3}, "unknown option 'sed' (did you mean seed?)"),
        ([3], {}, "a batch row is a prompt or a dict with a 'prompt', not a int"),
    ],
)
def test_what_is_wrong_with_the_whole_batch(
    rows: list[object], options: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_rows(rows, options=options)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the CSV is empty"),
        ("prompt,prompt\nA,B\n", "the column 'prompt' is named twice"),
        ("prompt,\nA,\n", "column 2 of the header has no name"),
        ("prompt,seed\nA kite,1,2\n", "line 2 has 3 values but the header names 2 columns"),
        ("seed\n1\n", "the rows have no 'prompt'"),
    ],
)
def test_what_is_wrong_with_a_csv(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        rows_from_csv(text)


def test_the_identity_is_the_rows_in_order() -> None:
    assert batch_identity(["a", "b"]) == batch_identity(["a", "b"])
    assert batch_identity(["a", "b"]) != batch_identity(["b", "a"])
    assert batch_identity(["a"]) != batch_identity(["a", "a"])
    assert batch_identity(["a"]).startswith("batch-") and len(batch_identity(["a"])) == 38


# ----------------------------------------------------------------------- the cell
def test_a_batch_cell_keeps_the_options_its_line_gave() -> None:
    request = parse_cell(
        "--batch prompts.csv --fast -r 480p -d 4 --no-audio --skip-bad -o clips",
        "",
        defaults=Defaults(tier="standard", resolution="720p"),
    )
    assert request.batch == "prompts.csv" and request.skip_bad and request.out == "clips"
    assert dict(request.batch_options) == {
        "resolution": "480p",
        "duration": "4",
        "fast": True,
        "no_audio": True,
    }


def test_a_batch_cell_takes_its_rows_from_a_variable() -> None:
    rows = [{"prompt": "A kite"}]
    request = parse_cell("--batch {{rows}} --seed 5", "a note", namespace={"rows": rows})
    assert request.batch is rows and dict(request.batch_options) == {"seed": "5"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--batch p.csv --seeds 1-3", "--batch contradicts --seeds"),
        ("--batch p.csv -n 3", "--batch contradicts -n"),
        ("--batch p.csv --sweep duration=4,5", "--batch contradicts --sweep"),
        ("--skip-bad", "--skip-bad goes with --batch"),
    ],
)
def test_a_batch_cell_refuses_what_a_batch_cannot_do(line: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        parse_cell(line, "A kite")


def test_only_a_batch_cell_may_have_no_prompt() -> None:
    with pytest.raises(InvalidRequest, match="the prompt is empty"):
        parse_cell("--fast", "")
    assert parse_cell("--batch p.csv", "").prompt == ""
