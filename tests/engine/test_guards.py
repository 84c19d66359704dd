"""Never pay twice, never pay too much (app/cells.py): the cache under each policy and
the budget checks, through `%%seedance` cells in an IPython shell whose jobs the fake
provider serves (its record of calls proves what was sent), plus the budget arithmetic
at the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.app import cells as pipeline
from seedance_magic.engine.runtime import Runtime, get_runtime
from seedance_magic.errors import BudgetExceeded, DownloadFailed
from seedance_magic.settings import Settings
from seedance_magic.spec import grid as grid_expand
from seedance_magic.spec.cost import CostEstimate
from seedance_magic.spec.parse import parse_cell

from helpers.fake_backend import FakeBackend
from helpers.fake_runtime import fake_settings, runtime_for
from helpers.shells import CLIP, cell, fake_shell, run_cell

PROMPT = "a paper boat on a rainy street"


@pytest.fixture
def ip(backend: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with fake_shell(backend, monkeypatch) as shell:
        yield shell


def go(ip: InteractiveShell, options: str, prompt: str = PROMPT, clip: str = CLIP) -> Any:
    """Run a --wait cell that must succeed; its Result."""
    ran = run_cell(ip, cell(f"{clip} {options} --wait --out job", prompt))
    ran.ok()
    return ip.user_ns["job"].result


# ---------------------------------------------------------------------------- cache
def test_a_seeded_rerun_replays_for_nothing_and_sends_nothing(
    ip: InteractiveShell, backend: FakeBackend
) -> None:
    first = go(ip, "--seed 8")
    before = list(backend.calls)
    ran = run_cell(ip, cell(f"{CLIP} --seed 8 --wait --out job", PROMPT))
    ran.ok()
    again = ip.user_ns["job"].result
    assert backend.calls == before  # not one request
    assert again.cached and again.charged_usd == 0 and again.path.resolve() == first.path.resolve()
    assert again.request_id == first.request_id and again.seed == 8
    assert "$0 (cached)" in ran.stderr + ran.stdout


@pytest.mark.usefixtures("comms")
def test_the_cached_widget_says_cached_and_zero(ip: InteractiveShell) -> None:
    from seedance_magic.ui.progress import JobView

    go(ip, "--seed 8")
    run_cell(ip, cell(f"{CLIP} --seed 8 --out job", PROMPT)).ok()
    view = JobView(ip.user_ns["job"], tick=False)
    assert view.player is not None and "$0 (cached)" in view.player.html


def test_unseeded_cells_are_new_requests_under_seeded(ip: InteractiveShell, backend: FakeBackend) -> None:
    go(ip, "")
    again = go(ip, "")
    assert not again.cached and backend.count("submit") == 2


def test_always_caches_unseeded_cells(ip: InteractiveShell, backend: FakeBackend) -> None:
    run_cell(ip, '%config Seedance.cache = "always"').ok()
    first = go(ip, "")
    again = go(ip, "")
    assert again.cached and again.seed == first.seed and backend.count("submit") == 1


@pytest.mark.parametrize("how", ["never", "--no-cache"])
def test_never_and_no_cache_send_again(ip: InteractiveShell, backend: FakeBackend, how: str) -> None:
    if how == "never":
        run_cell(ip, '%config Seedance.cache = "never"').ok()
    go(ip, "--seed 8")
    again = go(ip, "--seed 8" + (" --no-cache" if how == "--no-cache" else ""))
    assert not again.cached and backend.count("submit") == 2


def test_other_input_contents_are_another_request(ip: InteractiveShell, backend: FakeBackend) -> None:
    from PIL import Image

    def picture(colour: tuple[int, int, int]) -> None:
        Image.new("RGB", (640, 360), colour).save("start.png")

    picture((200, 40, 40))
    go(ip, "--seed 8 -i start.png")
    assert go(ip, "--seed 8 -i start.png").cached
    picture((40, 40, 200))  # same name, same options, other pixels
    assert not go(ip, "--seed 8 -i start.png").cached
    assert backend.count("submit") == 2 and backend.count("upload") == 2


def test_a_cached_entry_whose_file_is_gone_is_downloaded_again(
    ip: InteractiveShell, backend: FakeBackend
) -> None:
    first = go(ip, "--seed 8")
    first.path.unlink()
    again = go(ip, "--seed 8")
    assert again.cached and again.path.resolve() == first.path.resolve() and first.path.exists()
    assert backend.count("submit") == 1 and backend.count("download") == 2


def test_a_clip_of_another_emulator_whose_file_is_gone_is_made_again(
    backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As after a kernel restart: the built-in emulator that made the clip is gone with its
    port; the clip is free to make again, so it is, instead of failing to download."""
    other = FakeBackend()
    with fake_shell(backend, monkeypatch, others={"http://other.invalid": other}) as ip:
        first = go(ip, "--seed 8")
        first.path.unlink()
        monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", "http://other.invalid")
        again = go(ip, "--seed 8")
        assert not again.cached and again.path.exists() and other.count("submit") == 1
        assert go(ip, "--seed 8").cached  # and this one is the cache's answer from now on
        assert backend.count("submit") == 1 and backend.count("download") == 1


def test_a_cached_entry_whose_file_and_url_are_gone_is_one_line(
    ip: InteractiveShell, backend: FakeBackend
) -> None:
    first = go(ip, "--seed 8")
    first.path.unlink()
    backend.fail("download", DownloadFailed("the server answered 404 for the video"))
    ran = run_cell(ip, cell(f"{CLIP} --seed 8 --wait", PROMPT))
    line = ran.one_clear_line()
    assert "is gone and its URL no longer works" in line and "--no-cache" in line
    assert backend.count("submit") == 1 and backend.count("download") == 2
    go(ip, "--seed 8 --no-cache")  # the way out it names works
    assert backend.count("submit") == 2


def test_an_emulator_clip_is_not_replayed_for_a_real_request(backend: FakeBackend, tmp_path: Path) -> None:
    settings = fake_settings(tmp_path)
    plan = pipeline.make_plan(parse_cell("--fast -r 480p -d 4 --seed 8", PROMPT))
    emulated = runtime_for(backend, settings, emulated=True)
    try:
        pipeline.launch(plan, emulated).wait(timeout=5)
        assert pipeline.cache_hit(plan, settings, emulated) is not None
    finally:
        emulated.close()
    real = runtime_for(backend, settings)  # the same URL now answers as a real fal-compatible server
    try:
        assert not real.target().emulated
        assert pipeline.cache_hit(plan, settings, real) is None
    finally:
        real.close()


# --------------------------------------------------------------------------- budget
@pytest.fixture
def a_fal_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key in the environment: what is sent would be charged."""
    monkeypatch.setenv("FAL_KEY", "key-id:key-secret")


def grid_estimate(line: str) -> CostEstimate:
    return grid_expand.total_estimate(grid_expand.expand(parse_cell(line, PROMPT)))


def test_a_four_clip_fifteen_second_grid_is_over_the_default_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAL_KEY", "key-id:key-secret")  # a key: this grid would be charged
    estimate = grid_estimate("--seeds 1-4 -d 15")
    settings = Settings(journal_path=tmp_path / "j.sqlite3")
    assert settings.max_usd_per_run == 5.0 and estimate.high > 5.0
    with pytest.raises(BudgetExceeded) as info:
        pipeline.check_budget(estimate, settings, Runtime(lambda: settings), yes=False, what="grid")
    message = str(info.value)
    assert f"est. {estimate}" in message or str(estimate) in message
    assert "--yes" in message and "Seedance.max_usd_per_run" in message
    pipeline.check_budget(estimate, settings, Runtime(lambda: settings), yes=True)


def test_with_no_key_anywhere_the_built_in_emulator_is_not_held_to_the_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key and no base URL for any provider: every job goes to the built-in emulator,
    which charges nothing, so a class can run a 48-row batch on the default settings.
    One key anywhere, or a server given by URL, and the limits hold again."""
    estimate = CostEstimate(21.6, 21.6)
    settings = Settings(journal_path=tmp_path / "j.sqlite3", session_budget_usd=1.0)
    assert estimate.high > settings.max_usd_per_run
    rt = Runtime(lambda: settings)
    pipeline.check_budget(estimate, settings, rt, yes=False, what="batch of 48 videos")
    monkeypatch.setenv("LUMENFALL_API_KEY", "lf-key")  # another provider could be charged
    with pytest.raises(BudgetExceeded):
        pipeline.check_budget(estimate, settings, rt, yes=False, what="batch of 48 videos")
    monkeypatch.delenv("LUMENFALL_API_KEY")
    served = Settings(journal_path=tmp_path / "j.sqlite3", base_url="http://127.0.0.1:9")
    with pytest.raises(BudgetExceeded):
        pipeline.check_budget(estimate, served, Runtime(lambda: served), yes=False)


def test_the_grid_cell_is_refused_with_its_estimate_and_nothing_is_sent(
    ip: InteractiveShell, backend: FakeBackend
) -> None:
    estimate = grid_estimate("--seeds 1-4 -d 15")
    ran = run_cell(ip, cell("--seeds 1-4 -d 15", PROMPT))
    line = ran.one_clear_line()
    assert str(estimate) in line and "--yes" in line
    assert backend.calls == [] and not backend.requests


def test_over_the_per_run_limit_is_refused_and_yes_proceeds(
    ip: InteractiveShell, backend: FakeBackend
) -> None:
    run_cell(ip, "%config Seedance.max_usd_per_run = 0.25").ok()
    line = run_cell(ip, cell(f"{CLIP} --seed 8 --wait", PROMPT)).one_clear_line()
    assert "estimated at $0.45" in line and "max_usd_per_run = $0.25" in line and "--yes" in line
    assert backend.count("submit") == 0
    result = go(ip, "--seed 8 --yes")
    assert result.path.exists() and backend.count("submit") == 1


def test_a_reference_name_with_no_reference_input_is_refused_before_sending(
    ip: InteractiveShell, backend: FakeBackend
) -> None:
    """The coach calls @Image3 with no reference input an error: a cell with no input
    at all is refused by the same rule, as one with two reference images is."""
    prompt = "Medium shot: @Image3 walks through a market at dusk, tracking shot, crowd chatter"
    line = run_cell(ip, cell(f"{CLIP} --seed 8 --wait", prompt)).one_clear_line()
    assert line == "the prompt names @Image3, but no --ref-image was given"
    assert backend.calls == [] and not backend.requests
    hints = run_cell(ip, cell(f"{CLIP} --coach", prompt))
    assert "no --ref-image was given" in hints.everything


@pytest.mark.usefixtures("a_fal_key")
@pytest.mark.parametrize(
    ("spent", "budget", "estimate", "refused"),
    [(0.0, 1.0, 0.43, False), (0.6, 1.0, 0.43, True), (0.5, 1.0, 0.5, False), (0.51, 1.0, 0.5, True)],
)
def test_session_budget_arithmetic(
    tmp_path: Path, spent: float, budget: float, estimate: float, refused: bool
) -> None:
    settings = Settings(journal_path=tmp_path / "j.sqlite3", session_budget_usd=budget)
    rt = Runtime(lambda: settings)
    rt.spent_usd = spent
    cost = CostEstimate(estimate, estimate)
    if not refused:
        pipeline.check_budget(cost, settings, rt, yes=False)
        return
    with pytest.raises(BudgetExceeded) as info:
        pipeline.check_budget(cost, settings, rt, yes=False)
    assert f"${spent + estimate:.2f}" in str(info.value) and "session_budget_usd" in str(info.value)
    pipeline.check_budget(cost, settings, rt, yes=True)


def spent_line(ip: InteractiveShell) -> str:
    report = run_cell(ip, "%seedance config")
    report.ok()
    (line,) = [x for x in repr(report.value).splitlines() if x.startswith("spent here:")]
    return line


def test_emulator_runs_spend_nothing(ip: InteractiveShell) -> None:
    run_cell(ip, "%config Seedance.session_budget_usd = 0.5").ok()
    go(ip, "--seed 1")
    go(ip, "--seed 2")  # would pass the budget if the emulator's clips counted
    assert get_runtime().spent_usd == 0 and "$0.00 this kernel" in spent_line(ip)


def test_real_spending_is_shown_and_counts_against_the_session_budget(
    backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_shell(backend, monkeypatch, emulated=False) as ip:  # a fal-compatible server that charges
        run_cell(ip, "%config Seedance.session_budget_usd = 1.0").ok()
        first = go(ip, "--seed 1")
        assert not first.emulated and first.charged_usd == pytest.approx(0.45, abs=0.005)
        assert "$0.45 this kernel" in spent_line(ip)
        go(ip, "--seed 1")  # cached: $0, still allowed
        assert "$0.45 this kernel" in spent_line(ip)
        longer = "--fast -r 480p -d 6"  # est. $0.67: $0.45 + $0.67 is over $1.00
        line = run_cell(ip, cell(f"{longer} --seed 2 --wait", PROMPT)).one_clear_line()
        assert "session_budget_usd = $1.00" in line and "this kernel's spending" in line
        assert backend.count("submit") == 1
        go(ip, "--seed 2 --yes", clip=longer)
        assert backend.count("submit") == 2
