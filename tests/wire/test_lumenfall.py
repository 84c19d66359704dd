"""The Lumenfall provider end to end, as a user with only LUMENFALL_API_KEY meets it:
`%%seedance` cells in an IPython shell, SEEDANCE_LUMENFALL_BASE_URL pointing at the
emulator's Lumenfall API over loopback, the journal on disk and real MP4s decoded.
(The fault matrix and resume are in test_lumenfall_faults.py.)"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator
from seedance_magic.media.video import probe

from helpers.lumenfall import CLIP, KEY, lumenfall_shell
from helpers.shells import all_records, cell, only_record, run_cell


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with lumenfall_shell(emulator, monkeypatch) as shell:
        yield shell


def lumenfall_submits(emulator: Emulator) -> list[str]:
    return [r.path for r in emulator.stats.requests if r.kind == "submit"]


def test_only_a_lumenfall_key_runs_the_cell_through_lumenfall(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path
) -> None:
    ran = run_cell(ip, cell(f"{CLIP} -a 16:9 --seed 21 --wait --out job", "a heron lifts off a misty pond"))
    ran.ok()
    result = ip.user_ns["job"].result
    assert result is not None and result.provider == "lumenfall" and result.seed == 21
    assert "via Lumenfall" in ran.everything and "EMULATOR" in ran.everything
    info = probe(result.path)
    assert (info.width, info.height) == (864, 496) and info.duration_s == pytest.approx(4.0, abs=0.1)
    assert lumenfall_submits(emulator) == ["/v1/videos"]
    (rid,) = emulator.jobs
    assert emulator.jobs[rid].arguments["seed"] == 21  # what the gateway was asked for
    record = only_record()
    assert record.provider == "lumenfall" and record.request_id == rid and record.state == "completed"
    assert record.base_url == emulator.lumenfall_url and record.emulated
    assert record.status_url == f"{emulator.lumenfall_url}/videos/{rid}"
    assert "--provider lumenfall" in (result.reproduce_cell.splitlines()[0])
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("journal.sqlite3"))
    assert KEY.encode() not in stored and KEY not in ran.everything


def test_the_widget_header_and_the_jobs_list_say_via_lumenfall(ip: InteractiveShell) -> None:
    ran = run_cell(ip, cell(f"{CLIP} --seed 22 --out job", "a paper lantern drifts up"))
    ran.ok()
    job = ip.user_ns["job"]
    assert job.snapshot.provider == "lumenfall"
    assert "via Lumenfall" in repr(job)
    job.wait(timeout=60)
    assert "provider:       Lumenfall (auto" in run_cell(ip, "%seedance config").everything


def test_the_same_seeded_cell_replays_for_free_and_fal_is_a_different_video(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = cell(f"{CLIP} --seed 5 --wait --out job", "rain on a tin roof at night")
    run_cell(ip, source).ok()
    first = ip.user_ns["job"].result
    again = run_cell(ip, source)
    again.ok()
    replay = ip.user_ns["job"].result
    assert replay.cached and replay.charged_usd == 0 and replay.path.resolve() == first.path.resolve()
    assert replay.provider == "lumenfall" and "via Lumenfall" in again.everything
    assert len(emulator.jobs) == 1
    # The same cell at fal is another provider's video: not a cache hit, a new job.
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    run_cell(ip, cell(f"--provider fal {CLIP} --seed 5 --wait --out job", "rain on a tin roof at night")).ok()
    at_fal = ip.user_ns["job"].result
    assert not at_fal.cached and at_fal.provider == "fal" and len(emulator.jobs) == 2
    assert sorted(r.provider for r in all_records()) == ["fal", "lumenfall"]


def test_an_unseeded_cell_gets_a_seed_that_reproduces_it(ip: InteractiveShell, emulator: Emulator) -> None:
    run_cell(ip, cell(f"{CLIP} --wait --out job", "a fox in fresh snow")).ok()
    result = ip.user_ns["job"].result
    (info,) = emulator.jobs.values()
    assert isinstance(result.seed, int) and info.arguments["seed"] == result.seed
    assert f"--seed {result.seed}" in result.reproduce_cell
    # The reproducing cell replays the same video for $0.
    run_cell(ip, result.reproduce_cell.replace("\n", " --wait --out again\n", 1)).ok()
    assert ip.user_ns["again"].result.cached and len(emulator.jobs) == 1


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ("--fast", "Lumenfall cannot take this request: the fast tier"),
        ("--ref-image a.png", "a single reference image alone"),
        ("--ref-video v1.mp4 --ref-video v2.mp4 --ref-image a.png", "2 reference videos"),
        ("--timeout 60", "a --timeout (it cannot cancel a job it has started"),
    ],
)
def test_what_the_gateway_cannot_take_is_one_line_and_nothing_is_sent(
    ip: InteractiveShell, emulator: Emulator, options: str, fragment: str
) -> None:
    ran = run_cell(ip, cell(f"{CLIP} {options} --seed 1", "@Image1 dances"))
    line = ran.one_clear_line()
    assert fragment in line and "--provider fal" in line
    assert emulator.stats.count("submit") == 0 and all_records() == []


def test_price_and_dry_run_name_the_provider(ip: InteractiveShell, emulator: Emulator) -> None:
    price = run_cell(ip, f"%seedance price {CLIP}")
    price.ok()
    assert "via Lumenfall" in price.everything
    assert "the fast tier" in run_cell(ip, f"%seedance price {CLIP} --fast").one_clear_line()
    dry = run_cell(ip, cell(f"{CLIP} --seed 3 --dry-run", "a clock tower at noon"))
    dry.ok()
    assert '"model": "seedance-2.0"' in dry.everything and "/videos" in dry.everything
    assert "LUMENFALL_API_KEY" in dry.everything and KEY not in dry.everything
    assert emulator.stats.count("submit") == 0


def test_a_local_image_goes_inline_and_the_journal_keeps_a_stand_in(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path
) -> None:
    from PIL import Image

    Image.new("RGB", (640, 360), (20, 160, 90)).save(tmp_path / "leaf.png")
    ran = run_cell(ip, cell(f"-i leaf.png {CLIP} --seed 8 --wait --out job", "the leaf unfurls"))
    ran.ok()
    assert "inlined" in ran.everything or ip.user_ns["job"].result is not None
    (info,) = emulator.jobs.values()
    assert info.arguments["image_url"].startswith("data:image/png;base64,")
    assert info.endpoint_id == "bytedance/seedance-2.0/image-to-video"
    record = only_record()
    image = record.arguments["image_url"]
    assert image.startswith("data:image/png;base64,<") and len(image) < 200
    db = sqlite3.connect(Path(tmp_path / "journal.sqlite3"))
    try:
        assert db.execute("SELECT COUNT(*) FROM uploads").fetchone()[0] == 0
    finally:
        db.close()
    assert record.state == "completed" and Path(record.path or "").exists()


def test_seedance_provider_config_and_the_option_pick_the_provider(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    ip.run_line_magic("config", 'Seedance.provider = "fal"')
    run_cell(ip, cell(f"{CLIP} --seed 2 --wait --out job", "a tram at dusk")).ok()
    assert ip.user_ns["job"].result.provider == "fal"
    run_cell(ip, cell(f"--provider lumenfall {CLIP} --seed 2 --wait --out job", "a tram at dusk")).ok()
    assert ip.user_ns["job"].result.provider == "lumenfall"
    bad = run_cell(ip, cell("--provider replicate", "a tram")).one_clear_line()
    assert "--provider: 'replicate' is not allowed; use fal or lumenfall" in bad
    paths = sorted(json.dumps(r.path) for r in emulator.stats.requests if r.kind == "submit")
    assert len(paths) == 2 and any("/v1/videos" in p for p in paths)


def test_history_lists_both_providers_and_the_budget_holds_for_lumenfall(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    run_cell(ip, cell(f"{CLIP} --seed 31 --wait", "gulls over a pier")).ok()
    run_cell(ip, cell(f"--provider fal {CLIP} --seed 31 --wait", "gulls over a pier")).ok()
    history = run_cell(ip, "%seedance history")
    history.ok()
    assert "via Lumenfall" in history.everything and "via fal" in history.everything
    only = run_cell(ip, "%seedance history --search lumenfall")
    only.ok()
    assert "1 past result matching" in only.everything and "via fal" not in only.everything
    ip.run_line_magic("config", "Seedance.max_usd_per_run = 0.5")
    line = run_cell(ip, cell("-r 720p -d 10 --seed 32", "gulls at dawn")).one_clear_line()
    assert "above Seedance.max_usd_per_run = $0.50" in line
    assert len(emulator.jobs) == 2


def test_a_grid_runs_through_lumenfall_and_a_tier_sweep_is_refused_whole(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    ran = run_cell(ip, cell(f"{CLIP} --seeds 1-2 --wait --out grid", "a windmill in a storm"))
    ran.ok()
    results = [job.result for job in ip.user_ns["grid"].jobs]
    assert sorted(r.seed for r in results) == [1, 2] and {r.provider for r in results} == {"lumenfall"}
    assert "via Lumenfall" in ran.everything and len(emulator.jobs) == 2
    line = run_cell(ip, cell(f"{CLIP} --seeds 3-4 --sweep tier=fast,standard", "a windmill")).one_clear_line()
    assert "Lumenfall cannot take this request: the fast tier" in line
    assert len(emulator.jobs) == 2
