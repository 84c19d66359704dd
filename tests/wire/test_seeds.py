"""Seeds as the service treats them: when the seed fal used is not the one asked for (the
model ignored the field), or fal did not say which it used, the result says so, and the
video is no seeded cache entry: the same cell is sent again, never replayed as "seed N"."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator
from seedance_magic.spec.providers import seed_outcome
from seedance_magic.store.journal import Journal

from helpers.shells import CLIP, all_records, cell, run_cell, seedance_shell


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


@pytest.mark.parametrize(
    ("requested", "returned", "provider", "seed", "note"),
    [
        (42, 42, "fal", 42, ""),
        (42, 7, "fal", 7, "fal used seed 7, not the 42 asked for"),
        (42, None, "fal", 42, "fal did not report the seed it used (42 was sent)"),
        (None, 7, "fal", 7, ""),
        (42, None, "lumenfall", 42, ""),  # the gateway never reports it: the seed sent is used
        (42, 9, "lumenfall", 9, "Lumenfall used seed 9, not the 42 asked for"),
    ],
)
def test_seed_outcome(
    requested: int | None, returned: int | None, provider: str, seed: int, note: str
) -> None:
    assert seed_outcome(requested, returned, provider) == (seed, note)


@pytest.mark.parametrize("seeds", ["ignored", "unreported"])
def test_a_seed_not_honoured_is_said_and_never_replayed(
    ip: InteractiveShell, emulator: Emulator, seeds: str
) -> None:
    emulator.configure(seeds=seeds)
    source = cell(f"{CLIP} --seed 42 --wait --out job", "a lighthouse in a storm")
    ran = run_cell(ip, source)
    ran.ok()
    result = ip.user_ns["job"].result
    assert result.seed_note and "42" in result.seed_note
    if seeds == "ignored":
        assert result.seed != 42 and f"used seed {result.seed}" in result.seed_note
    else:
        assert result.seed == 42 and "did not report" in result.seed_note
    assert result.seed_note in repr(result) and result.seed_note in result._repr_mimebundle_()["text/html"]
    assert "may make another video" in ran.everything
    again = run_cell(ip, source)
    again.ok()
    assert not ip.user_ns["job"].result.cached, "not replayed as seed 42"
    assert emulator.stats.count("submit") == 2
    first = all_records()[-1]
    assert first.cache_key is None and not first.seeded
    history = run_cell(ip, "%seedance history")
    assert result.seed_note in history.everything, "the note stays with the video in the journal"


def test_an_honoured_seed_still_replays(ip: InteractiveShell, emulator: Emulator) -> None:
    source = cell(f"{CLIP} --seed 43 --wait --out job", "a lighthouse in a storm")
    run_cell(ip, source).ok()
    assert ip.user_ns["job"].result.seed_note == ""
    run_cell(ip, source).ok()
    assert ip.user_ns["job"].result.cached and emulator.stats.count("submit") == 1


def test_the_cache_lookup_skips_a_row_whose_seed_differs(tmp_path: Path) -> None:
    """A row an older release journalled with the seed fal really used: not a seeded entry."""
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        endpoint = "bytedance/seedance-2.0/fast/text-to-video"
        made = journal.create(endpoint=endpoint, arguments={"prompt": "p", "seed": 42}, cache_key="k")
        journal.update(made, state="completed", seed=7)
        assert journal.cached("k") is None
        good = journal.create(endpoint=endpoint, arguments={"prompt": "p", "seed": 42}, cache_key="k")
        journal.update(good, state="completed", seed=42)
        found = journal.cached("k")
        assert found is not None and found.id == good
    finally:
        journal.close()
    db = sqlite3.connect(tmp_path / "journal.sqlite3")
    try:
        assert json.loads(db.execute("SELECT arguments FROM jobs LIMIT 1").fetchone()[0])["seed"] == 42
    finally:
        db.close()
