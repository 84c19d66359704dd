"""`%seedance jobs` as text and HTML: left-aligned columns, the state in its own column,
prompts cut at a word with an ellipsis."""

from __future__ import annotations

import pytest

from seedance_magic.render.jobs import JobRow, cut, jobs_html, jobs_text

from helpers.widgets import EVIL

ROWS = [
    JobRow("completed", "0:07", "$0 (emulator)", "764cabcf-aaaa", "A paper boat drifts down a gutter"),
    JobRow("running 40%", "0:03", "est. $0.45 (emulator: $0)", "9f1e-bbbb", "A lighthouse " * 10),
    JobRow("cancelled", "0:00", "-", "", "A kite"),
]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("A short prompt", 60, "A short prompt"),
        ("A lighthouse on a cliff at dawn, slow crane rise", 30, "A lighthouse on a cliff at…"),
        ("word " * 3, 60, "word word word"),
        ("x" * 80, 20, "x" * 19 + "…"),  # one long word: cut inside it
        ("A  prompt\nover   lines", 60, "A prompt over lines"),
    ],
)
def test_cut_at_a_word(text: str, limit: int, expected: str) -> None:
    assert cut(text, limit) == expected
    assert len(cut(text, limit)) <= limit


def test_text_columns_line_up_left_aligned() -> None:
    lines = jobs_text(ROWS).splitlines()
    assert lines[0].split() == ["state", "time", "cost", "request", "id", "prompt"]
    starts = {word: lines[0].index(word) for word in ("state", "time", "cost", "request id", "prompt")}
    assert lines[1][starts["state"] :].startswith("completed ")
    assert lines[2][starts["state"] :].startswith("running 40% ")
    assert lines[2][starts["cost"] :].startswith("est. $0.45 (emulator: $0)")
    assert lines[3][starts["request id"] :].startswith("(not sent) ")
    assert lines[2].endswith("A lighthouse A lighthouse A lighthouse A lighthouse A…")
    assert [line[:2] for line in lines[1:]] == ["1 ", "2 ", "3 "]


def test_html_is_left_aligned_and_escaped() -> None:
    html = jobs_html([JobRow("completed", "0:01", "$0", EVIL, EVIL)], note="1 running")
    assert html.count("text-align:left") == 12  # six headers, six cells
    assert "<script" not in html and EVIL not in html


def test_no_jobs() -> None:
    assert jobs_text([]) == "no jobs in this kernel yet"
