"""Batches end to end against the emulator: rows from a list, dicts, a DataFrame and a CSV;
bad rows; the concurrency bound at the emulator; rows waiting here never reach the
network; resume in this kernel and after a restart; retry_failed; cancel; the budget."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import seedance_magic as sd
from seedance_magic import errors
from seedance_magic.app.batch import Batch
from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.media import inputs as media_inputs
from seedance_magic.media.video import probe
from seedance_magic.notebook.runner import run_cell
from seedance_magic.settings import Settings
from seedance_magic.spec.parse import parse_cell

pd = pytest.importorskip("pandas")

FAST = {"fast": True, "resolution": "480p", "duration": 4}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """Plain clips: many rows, each its own prompt, without drawing a clip for each."""
    config = EmulatorConfig(queue_seconds=0.1, run_seconds=0.2, log_interval=0.1, renderer="plain")
    with Emulator(config) as emu:
        yield emu


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    roomy = settings._replace(max_usd_per_run=100.0)
    rt = Runtime(lambda: roomy)
    reset_runtime(rt)
    yield rt


def in_kernel(runtime: Runtime, main: Callable[[], Any]) -> Any:
    """Run `main()` on a loop that keeps running, as a kernel's: a batch returns at once
    and goes on in the background."""

    async def cell() -> Any:
        try:
            return await main()
        finally:
            await runtime.aclose_loop()

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(cell())
    finally:
        loop.close()


async def until(batch: Batch, ready: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for a row to change so that `ready()` holds (woken by the batch, not polling)."""
    event = asyncio.Event()

    def check() -> None:
        if ready():
            event.set()

    unsubscribe = batch.subscribe(check)
    check()
    try:
        await asyncio.wait_for(event.wait(), timeout)
    finally:
        unsubscribe()


def prompts(count: int, what: str = "kite") -> list[str]:
    return [f"A {what} number {i} drifts over the sea at dusk" for i in range(count)]


def most_at_once(emulator: Emulator) -> int:
    """The most jobs the emulator had submitted and not completed at one moment."""
    jobs = list(emulator.jobs.values())
    return max(
        sum(1 for o in jobs if o.submitted_at <= j.submitted_at < (o.completed_at or 1e18)) for j in jobs
    )


# ------------------------------------------------------------------ the new user
def test_forty_eight_prompts_eight_at_a_time(runtime: Runtime, emulator: Emulator) -> None:
    rows = prompts(48)

    async def main() -> tuple[Any, int]:
        batch = sd.batch(rows, fast=True, resolution="480p", duration=4, concurrency=8)
        sent_at_return = emulator.stats.count("submit")  # it returned before sending anything
        return await batch, sent_at_return

    table, sent_at_return = in_kernel(runtime, main)
    assert sent_at_return == 0
    assert isinstance(table, pd.DataFrame) and len(table) == 48
    assert list(table.index) == list(range(48)) and list(table["prompt"]) == rows
    assert set(table["status"]) == {"completed"}
    assert {"prompt", "seed", "status", "path", "cost_usd", "request_id", "error", "endpoint"} <= set(table)
    assert table["endpoint"].eq("bytedance/seedance-2.0/fast/text-to-video").all()
    assert table["request_id"].nunique() == 48 and table["cost_usd"].gt(0).all()
    for path in table["path"][:3]:
        assert probe(path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 48 and most_at_once(emulator) <= 8

    again = sd.batch(rows, fast=True, resolution="480p", duration=4, concurrency=8).wait()
    assert emulator.stats.count("submit") == 48  # nothing sent the second time
    assert list(again["path"]) == list(table["path"]) and again["cached"].all()


def test_dict_rows_and_the_list_form_without_pandas(
    runtime: Runtime, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)  # as if pandas were not installed
    rows = [{"prompt": "A kite", "seed": 3}, {"prompt": "A boat", "seed": 4, "aspect_ratio": "9:16"}]
    table = sd.batch(rows, **FAST).wait()  # no loop keeps running: wait drives it
    assert isinstance(table, list) and [r["seed"] for r in table] == [3, 4]
    assert [r["row"] for r in table] == [0, 1] and [r["status"] for r in table] == ["completed"] * 2
    sent = sorted(emulator.jobs.values(), key=lambda j: j.arguments["prompt"])
    assert [(j.arguments["prompt"], j.arguments.get("aspect_ratio")) for j in sent] == [
        ("A boat", "9:16"),
        ("A kite", "auto"),
    ]


def test_a_dataframe_with_per_row_options(runtime: Runtime, emulator: Emulator) -> None:
    frame = pd.DataFrame(
        {"prompt": ["A kite", "A boat", "A cat"], "seed": [7, None, 9], "duration": [4, 5, 4]}
    )
    table = sd.batch(frame, fast=True, resolution="480p").wait()
    assert table.loc[0, "seed"] == 7 and table.loc[2, "seed"] == 9
    by_prompt = {j.arguments["prompt"]: j.arguments for j in emulator.jobs.values()}
    assert by_prompt["A kite"]["seed"] == 7 and "seed" not in by_prompt["A boat"]
    assert by_prompt["A boat"]["duration"] == "5"


def test_a_csv_cell_honours_its_seeds(runtime: Runtime, emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "prompts.csv").write_text(
        'prompt,seed,aspect_ratio\nA kite over dunes,11,16:9\nA boat in fog,12,\n"A cat, asleep",13,1:1\n'
    )
    user = types.SimpleNamespace(user_ns={})
    batch = run_cell(parse_cell("--batch prompts.csv --fast -r 480p -d 4 -o clips", ""), user, runtime)
    assert isinstance(batch, Batch) and user.user_ns["clips"] is batch and batch.done  # no loop: it waited
    table = batch.wait()
    assert list(table["seed"]) == [11, 12, 13] and list(table["prompt"])[2] == "A cat, asleep"
    sent = {j.arguments["prompt"]: j for j in emulator.jobs.values()}
    assert [sent[p].seed for p in table["prompt"]] == [11, 12, 13]
    assert (
        sent["A boat in fog"].aspect_ratio == "16:9" or "aspect_ratio" not in sent["A boat in fog"].arguments
    )


# ---------------------------------------------------------------------- checking
def test_bad_rows_send_nothing_unless_skip_bad(runtime: Runtime, emulator: Emulator) -> None:
    rows: list[Any] = ["A kite", {"prompt": "A boat", "duration": 99}, "A cat", {"prompt": " "}]
    with pytest.raises(errors.InvalidRequest) as info:
        sd.batch(rows, **FAST)
    lines = str(info.value).splitlines()
    assert lines[0] == "2 of 4 rows of the batch cannot be sent, so nothing was sent:"
    assert lines[1].startswith("  row 1: -d/--duration: '99' is not allowed")
    assert lines[2] == "  row 3: the prompt is empty" and "skip_bad=True" in lines[-1]
    assert emulator.stats.counts == {} and runtime.journal.recent() == []

    table = sd.batch(rows, skip_bad=True, **FAST).wait()
    assert list(table["status"]) == ["completed", "invalid", "completed", "invalid"]
    assert "is not allowed" in table.loc[1, "error"] and table.loc[3, "error"] == "the prompt is empty"
    assert emulator.stats.count("submit") == 2


def test_shared_inputs_are_probed_and_uploaded_once(
    runtime: Runtime, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    Image.new("RGB", (640, 360), (30, 90, 200)).save(tmp_path / "lake.png")
    probed: list[str] = []
    real = media_inputs._probe

    def counting(item: Any) -> Any:
        probed.append(item.name)
        return real(item)

    monkeypatch.setattr(media_inputs, "_probe", counting)
    rows = [{"prompt": f"The lake ripples, take {i}", "image": "lake.png"} for i in range(4)]
    table = sd.batch(rows, **FAST).wait()
    assert set(table["status"]) == {"completed"}
    assert probed == ["lake.png"] and len(emulator.stats.uploads) == 1
    assert len({j.arguments["image_url"] for j in emulator.jobs.values()}) == 1


def test_the_budget_applies_to_the_batch_s_total(
    runtime: Runtime, emulator: Emulator, settings: Settings
) -> None:
    runtime.set_settings_source(lambda: settings)  # max_usd_per_run = $5
    with pytest.raises(errors.BudgetExceeded) as info:
        sd.batch(prompts(4), duration=15)  # standard 720p: $4.55 each
    message = str(info.value)
    assert "batch of 4 videos" in message and "$18.20" in message and "Pass yes=True" in message
    assert emulator.stats.counts == {} and runtime.journal.recent() == []


# ------------------------------------------------------------------- the bound
def test_rows_waiting_here_never_reach_the_network(runtime: Runtime, emulator: Emulator) -> None:
    emulator.configure(hold=True)  # the jobs stay queued until released

    async def main() -> tuple[dict[str, int], set[str], Any]:
        batch = sd.batch(prompts(6), concurrency=2, **FAST)
        await until(batch, lambda: batch.counts["queued"] == 2)
        stats = emulator.stats
        asked = set(stats.by_request)
        emulator.configure(hold=False)
        emulator.release()
        return stats.counts, asked, await batch

    counts, asked, table = in_kernel(runtime, main)
    assert counts["submit"] == 2 and len(asked) == 2  # the four waiting rows sent nothing at all
    assert set(table["status"]) == {"completed"} and most_at_once(emulator) <= 2


# -------------------------------------------------------------------- resuming
def test_a_restart_follows_rows_under_way_and_sends_only_the_rest(
    runtime: Runtime, emulator: Emulator, settings: Settings
) -> None:
    emulator.configure(hold=True)
    rows = prompts(5, "lantern")

    async def first_kernel() -> None:
        batch = sd.batch(rows, concurrency=2, **FAST)
        await until(batch, lambda: batch.counts["queued"] == 2)
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()  # the kernel dies: nothing is cancelled at the provider

    in_kernel(runtime, first_kernel)
    held = {j.request_id for j in emulator.jobs.values()}
    assert len(held) == 2

    restarted = Runtime(lambda: settings._replace(max_usd_per_run=100.0))
    reset_runtime(restarted)
    emulator.configure(hold=False)
    emulator.release()
    table = sd.batch(rows, concurrency=2, **FAST).wait()
    assert set(table["status"]) == {"completed"}
    assert emulator.stats.count("submit") == 5  # the two under way were followed, not sent again
    assert held <= set(table["request_id"])
    restarted.close()


def test_retry_failed_sends_the_failed_rows_only(runtime: Runtime, emulator: Emulator) -> None:
    emulator.inject(Fault(on="submit", action="fail_job", times=2))
    rows = prompts(4, "boat")
    table = sd.batch(rows, concurrency=1, **FAST).wait()
    assert list(table["status"]) == ["failed", "failed", "completed", "completed"]
    assert "runner_server_error" in table.loc[0, "error"] or "Internal error" in table.loc[0, "error"]

    again = sd.batch(rows, concurrency=1, **FAST).wait()  # failed rows stay failed: nothing sent
    assert list(again["status"]) == ["failed", "failed", "completed", "completed"]
    assert emulator.stats.count("submit") == 4

    retried = sd.batch(rows, concurrency=1, retry_failed=True, **FAST).wait()
    assert set(retried["status"]) == {"completed"} and emulator.stats.count("submit") == 6
    assert list(retried["request_id"][2:]) == list(table["request_id"][2:])


def test_cancel_stops_the_batch(runtime: Runtime, emulator: Emulator) -> None:
    emulator.configure(hold=True)

    async def main() -> Any:
        batch = sd.batch(prompts(6, "cat"), concurrency=2, **FAST)
        await until(batch, lambda: batch.counts["queued"] == 2)
        batch.cancel()
        table = await batch
        return batch, table

    batch, table = in_kernel(runtime, main)
    assert set(table["status"]) == {"cancelled"} and batch.status == "cancelled"
    assert emulator.stats.count("submit") == 2 and emulator.stats.count("cancel") == 2
    assert (table["error"][2:] == "cancelled before it was sent: nothing was charged").all()
    text = repr(batch)
    assert text.startswith("seedance batch of 6 · cancelled · 6 cancelled")


def test_the_static_form_is_small_and_escaped(runtime: Runtime, emulator: Emulator) -> None:
    rows = [f"<b>row {i}</b> & a kite" for i in range(12)]
    batch = sd.batch(rows, **FAST)
    batch.wait()
    bundle = batch._repr_mimebundle_()
    html = bundle["text/html"]
    assert "<b>row" not in html and "&lt;b&gt;row" in html
    # its last few posters inside the page, small JPEGs (shown where files are not served)
    assert html.count('<img src="data:image/jpeg;base64,') == html.count("<img") == 8
    assert "EMULATOR" in html and len(html) < 60_000
    assert bundle["text/plain"].startswith("seedance batch of 12 · done · 12 completed")
    posters = list(Path(runtime.settings.output_dir).glob("*.poster.jpg"))
    assert len(posters) == 8  # made once each, beside the videos, for the last few only


def test_a_csv_that_is_not_there(runtime: Runtime, emulator: Emulator) -> None:
    with pytest.raises(errors.InvalidRequest, match="no such file"):
        sd.batch("missing.csv")
    with pytest.raises(errors.InvalidRequest, match="is not a CSV file"):
        sd.batch("A kite over the sea")
