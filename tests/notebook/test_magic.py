"""The magics through a real IPython shell: options, errors as one line, dry runs, line
commands and config; jobs run against a fast emulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator
from seedance_magic.media.video import probe


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[InteractiveShell]:
    """A fresh IPython shell with the extension loaded, routed to the test's emulator."""
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "seedance_magic")
    shell.run_line_magic("config", "Seedance.poll_initial = 0.05")
    yield shell
    shell.run_line_magic("unload_ext", "seedance_magic")
    InteractiveShell.clear_instance()


def run(ip: InteractiveShell, cell: str) -> Any:
    result = ip.run_cell(cell)
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return result.result


def usage_error(ip: InteractiveShell, cell: str) -> str:
    result = ip.run_cell(cell)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    message = str(result.error_in_exec)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_help_is_real(ip: InteractiveShell) -> None:
    doc = ip.find_cell_magic("seedance").__doc__
    for word in (
        "--fast",
        "--duration",
        "--aspect-ratio",
        "--seed",
        "--dry-run",
        "--wait",
        "%seedance resume",
    ):
        assert word in doc
    assert "%%seedance" in doc  # examples


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("%%seedance -d 3\na cat", "-d/--duration: '3'"),
        ("%%seedance -a 16:10\na cat", "16:9"),
        ("%%seedance --fsat\na cat", "--fast"),
        ("%%seedance -r 1080p --fast\na cat", "1080p"),
        ("%%seedance --seed -4\na cat", "--seed"),
        ("%%seedance\n   ", "prompt is empty"),
        ("%%seedance --mode i2v\na cat", "--mode"),
        ("%%seedance\na {{nobody}}", "nobody"),
        ("%%seedance -i missing.png\na cat", "missing.png"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_sent(
    ip: InteractiveShell, emulator: Emulator, cell: str, fragment: str
) -> None:
    assert fragment in usage_error(ip, cell)
    assert emulator.stats.counts.get("submit", 0) == 0


def test_wait_and_out_bind_a_job_with_the_seed(ip: InteractiveShell, emulator: Emulator) -> None:
    run(ip, "%%seedance --fast -d 4 -r 480p --seed 7 --wait --out job\nA hummingbird at a neon flower")
    job = ip.user_ns["job"]
    result = job.wait()
    assert result.seed == 7 and result.emulated
    assert result.path is not None
    info = probe(result.path)
    assert abs(info.duration_s - 4) < 0.1 and (info.width, info.height) == (864, 496)
    assert emulator.stats.counts["submit"] == 1


def test_interpolation_and_braces(ip: InteractiveShell, emulator: Emulator) -> None:
    ip.user_ns.update(animal="fox", secs=5)
    shown = run(ip, "%seedance price -d {{secs}} --fast")
    assert "duration 5" in repr(shown)
    ip.run_cell('%%seedance --dry-run --seed 1\nA {{animal}} with {"json": true} and $HOME')
    assert emulator.stats.counts.get("submit", 0) == 0


def test_dry_run_shows_json_and_code_and_sends_nothing(
    ip: InteractiveShell, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    run(ip, "%%seedance --dry-run -d 6 -a 16:9 --seed 42\nSlow dolly-in on a hummingbird")
    out = capsys.readouterr().out
    assert '"duration": "6"' in out and '"seed": 42' in out
    assert "fal_client.subscribe(" in out and "bytedance/seedance-2.0/text-to-video" in out
    assert "$1.82" in out
    assert emulator.stats.counts.get("submit", 0) == 0


def test_dry_run_shows_the_coach_hints_beside_the_payload(
    ip: InteractiveShell, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    run(ip, "%%seedance --dry-run -d 6\na cat")
    out = capsys.readouterr().out
    assert "fal_client.subscribe(" in out and "hints:" in out and "[no-camera]" in out
    assert emulator.stats.counts.get("submit", 0) == 0


def test_coach_shows_the_hints_and_sends_nothing(
    ip: InteractiveShell, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    run(ip, "%%seedance --coach --fast -d 4 --seed 1\na cat")
    out = capsys.readouterr().out
    for code in ("no-camera", "no-motion", "no-audio-cue", "too-short"):
        assert f"[{code}]" in out
    assert "nothing was sent (--coach)" in out
    good = (
        "Close-up of a chef flipping pancakes in a sunlit farmhouse kitchen, golden morning light, "
        "warm and cosy, slow push-in, sizzling butter and soft jazz"
    )
    run(ip, f"%%seedance --coach -d 6 -a 16:9\n{good}")
    assert "no hints" in capsys.readouterr().out
    assert emulator.stats.counts.get("submit", 0) == 0 and not list(Path.cwd().glob("seedance_outputs/*.mp4"))


def test_seeded_rerun_is_replayed_for_nothing(ip: InteractiveShell, emulator: Emulator) -> None:
    cell = "%%seedance --fast -d 4 -r 480p --seed 3 --wait --out job\nA lighthouse"
    run(ip, cell)
    first = ip.user_ns["job"].result
    run(ip, cell)
    second = ip.user_ns["job"].result
    assert second.cached and second.charged_usd == 0 and second.path.resolve() == first.path.resolve()
    assert emulator.stats.counts["submit"] == 1


def test_line_commands(ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "est. $0.97" in repr(run(ip, "%seedance price --fast -d 4"))
    assert "no jobs" in repr(run(ip, "%seedance jobs"))
    monkeypatch.setenv("FAL_KEY", "sk-visible-if-leaked-123")
    report = repr(run(ip, "%seedance config"))
    assert "present (FAL_KEY)" in report and "sk-visible" not in report
    assert emulator.url in report
    assert repr(run(ip, "%seedance cancel all")) == "no job is running in this kernel: nothing to cancel"
    assert "no running job matches '764cabcf'" in usage_error(ip, "%seedance cancel 764cabcf")
    assert "unknown" in usage_error(ip, "%seedance frobnicate").lower()


def test_config_traits(ip: InteractiveShell, emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    run(ip, '%config Seedance.tier = "fast"')
    run(ip, '%config Seedance.duration = "4"')
    assert "fast text-to-video" in repr(run(ip, "%seedance price"))
    ip.run_cell('%config Seedance.tier = "turbo"')  # %config logs the trait error
    assert "expected any of ['standard', 'fast']" in caplog.text
    assert "fast text-to-video" in repr(run(ip, "%seedance price"))


@pytest.mark.parametrize("value", ["6", "'6'", "6.0"])
def test_duration_as_a_number_or_its_text(ip: InteractiveShell, value: str) -> None:
    run(ip, f"%config Seedance.duration = {value}")
    assert "duration 6" in repr(run(ip, "%seedance price"))
    assert "duration 6" in repr(run(ip, "%seedance config"))


@pytest.mark.parametrize("value", ["3", "16", "6.5", "True", "'six'"])
def test_a_bad_duration_is_refused(
    ip: InteractiveShell, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    ip.run_cell(f"%config Seedance.duration = {value}")
    assert "Seedance.duration must be auto or a whole number of seconds from 4 to 15" in caplog.text
    assert "duration auto" in repr(run(ip, "%seedance config"))


def test_no_key_says_so_at_load(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "seedance_magic")
        said = capsys.readouterr()
        # information, on stdout: front-ends draw stderr as an error box
        assert "no FAL_KEY or LUMENFALL_API_KEY found" in said.out and said.err == ""
    finally:
        shell.run_line_magic("unload_ext", "seedance_magic")
        InteractiveShell.clear_instance()


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        (
            {"LUMENFALL_API_KEY": "lf-x"},
            "LUMENFALL_API_KEY found and no fal key, so %%seedance runs via Lumenfall",
        ),
        ({"LUMENFALL_API_KEY": "lf-x", "FAL_KEY": "k"}, ""),
        ({"FAL_KEY": "k"}, ""),
    ],
)
def test_load_says_which_provider_runs_when_it_is_not_fal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], keys: dict[str, str], said: str
) -> None:
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "seedance_magic")
        out, err = capsys.readouterr()
        assert (said in out) if said else "seedance:" not in out, out
        assert err == "" and "lf-x" not in out
    finally:
        shell.run_line_magic("unload_ext", "seedance_magic")
        InteractiveShell.clear_instance()


def test_import_and_load_ext_stay_light(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "heavy = ('fal_client', 'ipywidgets', 'av', 'PIL', 'httpx')\n"
        "before = [m for m in heavy if m in sys.modules]\n"
        "import seedance_magic\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'seedance_magic')\n"
        "print(sorted(set(m for m in heavy if m in sys.modules) - set(before)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"  # after the load notice


def test_a_replay_in_another_notebook_folder_is_served_from_that_folder(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal is shared by every notebook; a cached video made next to another
    notebook is linked into this one's output folder, where Jupyter can serve it."""
    cell = "%%seedance --fast -d 4 -r 480p --seed 21 --wait --out job\nA tram at night"
    first_folder, second_folder = tmp_path / "a", tmp_path / "b"
    first_folder.mkdir()
    second_folder.mkdir()
    monkeypatch.chdir(first_folder)
    run(ip, cell)
    made = ip.user_ns["job"].result.path.resolve()
    monkeypatch.chdir(second_folder)
    run(ip, cell)
    replay = ip.user_ns["job"].result
    assert replay.cached and emulator.stats.counts["submit"] == 1
    assert replay.path.resolve().parent == second_folder / "seedance_outputs"
    assert replay.path.read_bytes() == made.read_bytes()
    from seedance_magic.render.html import video_src

    assert video_src(replay.path).startswith("seedance_outputs/")
