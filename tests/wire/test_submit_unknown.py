"""A submit is sent at most once: every answer to a submit that does not prove nothing was
queued makes the job *unknown* (never sent again by fal_client's retries), and an
identical re-run of an unknown request sends nothing until the user says --no-cache.
`%%seedance --wait` cells against the emulator's fault injection; its counters prove
how many submits reached it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator, Fault
from seedance_magic.media.video import probe

from helpers.lumenfall import CLIP as LUMENFALL_CLIP
from helpers.lumenfall import lumenfall_shell
from helpers.shells import CLIP, all_records, cell, only_record, run_cell, seedance_shell

PROMPT = "a lighthouse in a storm"


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


# fault -> whether the emulator made the job before the answer went wrong
UNKNOWN = {
    "ingress-504-forwarded": (Fault(on="submit", action="504", ingress=True, forwarded=True), 1),
    "ingress-502": (Fault(on="submit", action="502", ingress=True), 0),
    "ingress-503": (Fault(on="submit", action="503", ingress=True), 0),
    "html-200": (Fault(on="submit", action="html"), 1),
    "408": (Fault(on="submit", action="408"), 0),
    "409": (Fault(on="submit", action="409"), 0),
    "429": (Fault(on="submit", action="429"), 0),
    "500-app": (Fault(on="submit", action="500"), 0),
    "503-app": (Fault(on="submit", action="503"), 0),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN))
def test_an_answer_that_does_not_prove_nothing_was_queued_is_unknown_and_sent_once(
    ip: InteractiveShell, emulator: Emulator, name: str
) -> None:
    fault, jobs = UNKNOWN[name]
    emulator.inject(fault)
    line = run_cell(ip, cell(f"{CLIP} --seed 21 --wait", PROMPT)).one_clear_line()
    assert "NOT sent again" in line and "fal.ai/dashboard" in line and "--no-cache" in line, line
    record = only_record()
    assert record.state == "unknown" and record.request_id is None and record.error
    assert emulator.stats.count("submit") == 1 and len(emulator.jobs) == jobs


@pytest.mark.parametrize("fault", ["ingress-504-forwarded", "html-200"])
@pytest.mark.parametrize("seed", ["--seed 22", ""])
def test_the_rerun_of_an_unknown_submit_sends_nothing_until_no_cache(
    ip: InteractiveShell, emulator: Emulator, fault: str, seed: str
) -> None:
    emulator.inject(UNKNOWN[fault][0])
    source = cell(f"{CLIP} {seed} --wait --out job", PROMPT)
    run_cell(ip, source).one_clear_line()
    line = run_cell(ip, source).one_clear_line()
    assert emulator.stats.count("submit") == 1 and len(emulator.jobs) == 1  # one submit, cell and re-run
    assert "unknown" in line and "fal.ai/dashboard" in line and "--no-cache" in line, line
    assert len(all_records()) == 1  # the refused re-run made no row
    anyway = run_cell(ip, cell(f"{CLIP} {seed} --no-cache --wait --out job", PROMPT))
    anyway.ok()
    result = ip.user_ns["job"].result
    assert result.path is not None and probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 2


def test_a_different_request_is_not_blocked_by_an_unknown_one(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    emulator.inject(UNKNOWN["ingress-504-forwarded"][0])
    run_cell(ip, cell(f"{CLIP} --seed 23 --wait", PROMPT)).one_clear_line()
    run_cell(ip, cell(f"{CLIP} --seed 24 --wait", PROMPT)).ok()
    assert emulator.stats.count("submit") == 2


@pytest.mark.parametrize("code", ["400", "422"])
def test_a_refusal_with_fal_s_json_proves_nothing_was_queued(
    ip: InteractiveShell, emulator: Emulator, code: str
) -> None:
    """A 4xx with fal's JSON (not 408/409/429): failed, nothing queued, a re-run sends."""
    emulator.inject(Fault(on="submit", action=code))
    line = run_cell(ip, cell(f"{CLIP} --seed 25 --wait", PROMPT)).one_clear_line()
    assert "NOT sent again" not in line
    assert only_record().state == "failed"
    run_cell(ip, cell(f"{CLIP} --seed 25 --wait", PROMPT)).ok()
    assert emulator.stats.count("submit") == 2 and len(emulator.jobs) == 1


@pytest.mark.parametrize("code", ["502", "503", "504"])
def test_a_proxy_page_on_lumenfall_s_create_is_unknown_and_sent_once(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    emulator.inject(Fault(on="submit", action=code, ingress=True, forwarded=code == "504"))
    with lumenfall_shell(emulator, monkeypatch) as ip:
        source = cell(f"{LUMENFALL_CLIP} --seed 26 --wait", PROMPT)
        line = run_cell(ip, source).one_clear_line()
        assert "NOT sent again" in line and "--no-cache" in line, line
        assert only_record().state == "unknown"
        again = run_cell(ip, source).one_clear_line()
        assert "unknown" in again and "--no-cache" in again
    assert emulator.stats.count("submit") == 1
