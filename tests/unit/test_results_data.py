"""Results as data: a list of results as records and a pandas DataFrame, and the page
sd.export writes, as pure HTML."""

from __future__ import annotations

import sys
from datetime import datetime

import pytest

from seedance_magic.errors import MissingDependency
from seedance_magic.model import Results
from seedance_magic.render.export import Entry, page_html
from seedance_magic.render.table import COLUMNS

from helpers.markup import Markup
from helpers.widgets import EVIL, result

pd = pytest.importorskip("pandas")

TWO = Results([result(), result(seed=None, request_id="req-2", path=None, emulated=True, width=None)])


def test_records_have_the_columns() -> None:
    first, second = TWO.records()
    assert tuple(first) == COLUMNS
    assert first["prompt"] == "A hummingbird at a neon flower" and first["seed"] == 42
    assert first["cost_usd"] == 1.45 and first["charged_usd"] == 1.45
    assert first["path"] == "seedance_outputs/a b.mp4" and first["request_id"] == "req-1234"
    assert isinstance(first["created"], datetime) and first["created"].tzinfo is not None
    assert second["path"] is None and second["charged_usd"] == 0.0 and second["emulated"]


def test_to_pandas() -> None:
    frame = TWO.to_pandas()
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 2
    assert str(frame["seed"].dtype) == "Int64" and frame["seed"].isna().tolist() == [False, True]
    assert frame["cost_usd"].sum() == pytest.approx(2.9)
    assert frame.loc[0, "endpoint"] == "bytedance/seedance-2.0/fast/text-to-video"
    assert Results().to_pandas().empty


def test_to_pandas_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingDependency, match=r"needs pandas.*pip install pandas"):
        TWO.to_pandas()


def test_the_page_is_self_contained_and_escaped() -> None:
    entries = [
        Entry(
            result(arguments={"prompt": EVIL}), poster="data:image/png;base64,AAAA", src="videos/a%20b.mp4"
        ),
        Entry(result(emulated=True), poster="data:image/png;base64,BBBB"),  # its file is gone
        Entry(result()),
    ]
    html = page_html(entries, title=f"Class {EVIL}", note="videos beside the page")
    tags = Markup(html).elements
    names = [t for t, _ in tags]
    assert "script" not in names and EVIL not in html
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)
    (video,) = [a for t, a in tags if t == "video"]
    assert video["poster"] == "data:image/png;base64,AAAA" and "controls" in video
    assert [a["src"] for t, a in tags if t == "source"] == ["videos/a%20b.mp4"]
    assert [a["src"] for t, a in tags if t == "img"] == ["data:image/png;base64,BBBB"]
    assert "EMULATOR" in html and "3 videos" in html and "request req-1234" in html
    assert "--seed 42" in html  # the cell that makes it again
    # nothing the page needs comes from elsewhere
    assert not [a for _, a in tags if str(a.get("href", "")).startswith("http")]
    assert "<link" not in html and "@import" not in html
