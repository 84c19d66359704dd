"""Faults on this machine after a job was sent: a full disk mid-download, an output
folder that became a file, a redirect loop, any other surprise. Each ends the job in one
line naming the cause and the request id, leaves no `.part` file, keeps the journal row
resumable, and `%seedance resume ID` then makes a fresh attempt. Before anything is
sent, an output folder that cannot take the video is one clear line."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.app import cells
from seedance_magic.app.reports import resume
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.job import Job, JobSpec, State
from seedance_magic.media.video import probe
from seedance_magic.spec.cost import CostEstimate

from helpers.failing_backend import FailingBackend as FakeBackend
from helpers.failing_backend import fake_runtime
from helpers.shells import CLIP, cell, journal, only_record, run_cell, seedance_shell

PROMPT = "a lighthouse in a storm"


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


# ----------------------------------------------------------- before anything is sent
def test_an_output_folder_that_is_a_file_is_refused_before_anything_is_sent(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "videos").write_text("not a folder")
    run_cell(ip, f"%config Seedance.output_dir = {str(tmp_path / 'videos')!r}").ok()
    line = run_cell(ip, cell(f"{CLIP} --seed 61 --wait", PROMPT)).one_clear_line()
    assert "videos is a file" in line and "Seedance.output_dir" in line, line
    run_cell(ip, f"%config Seedance.output_dir = {str(tmp_path / 'videos' / 'inner')!r}").ok()
    line = run_cell(ip, cell(f"{CLIP} --seed 61 --wait", PROMPT)).one_clear_line()
    assert "cannot be made" in line and "videos is a file" in line, line
    assert emulator.stats.count("submit") == 0 and not journal().recent()


def test_too_little_free_space_is_refused_before_anything_is_sent(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cells, "_BYTES_PER_720P_SECOND", 10**15)  # no disk here is that big
    line = run_cell(ip, cell(f"{CLIP} --seed 62 --wait", PROMPT)).one_clear_line()
    assert "free" in line and "may need up to" in line, line
    assert emulator.stats.count("submit") == 0


# ------------------------------------------------------ after the submit (engine seam)
def enospc(dest: Path) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dest))


def folder_becomes_a_file(dest: Path) -> None:
    shutil.rmtree(dest.parent)
    dest.parent.write_text("someone put a file here")
    dest.with_name(f".{dest.name}.late.part").write_bytes(b"")  # fails: the folder is a file


def surprise(dest: Path) -> None:
    raise RuntimeError("something nobody planned for\non two lines")


FAILURES: dict[str, tuple[Callable[[Path], None], str]] = {
    "enospc": (enospc, "No space left on device"),
    "folder-becomes-a-file": (folder_becomes_a_file, "Not a directory"),
    "surprise": (surprise, "something nobody planned for on two lines"),
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_an_unexpected_failure_after_the_submit_ends_the_job_resumably(tmp_path: Path, name: str) -> None:
    failure, cause = FAILURES[name]
    backend = FakeBackend()
    backend.failure = failure
    rt = fake_runtime(tmp_path, backend)
    spec = JobSpec(
        "bytedance/seedance-2.0/fast/text-to-video",
        {"prompt": PROMPT, "resolution": "480p", "duration": "4", "seed": 7},
        CostEstimate(0.45, 0.45),
        cache_key="k",
    )
    job = Job(spec, rt).start()
    with pytest.raises(Exception) as raised:
        job.wait(timeout=30)
    rid = job.request_id
    message = str(raised.value)
    assert rid and rid in message and cause in message and "\n" not in message, message
    assert job.done and job.status is State.FAILED and job.snapshot.error == message
    out = tmp_path / "out"
    if out.is_file():
        out.unlink()
    parts = list(out.glob(".*.part")) if out.is_dir() else []
    assert parts == []
    record = journal(tmp_path / "journal.sqlite3").by_request_id(rid)
    assert record is not None and record.state == "downloading" and record.video_url  # resumable
    backend.failure = None
    again = resume(rt, rid)
    assert again is not job
    result = again.wait(timeout=30)
    assert result.path is not None and probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert backend.submits == 1 and backend.downloads == 2


def test_a_redirect_loop_on_the_video_is_one_line_and_resumable(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    emulator.inject(Fault(on="download", action="redirect", times=None))
    line = run_cell(ip, cell(f"{CLIP} --seed 63 --wait", PROMPT)).one_clear_line()
    record = only_record()
    assert record.request_id and record.request_id in line and "redirect" in line, line
    assert record.state == "downloading"
    emulator.clear_faults()
    run_cell(ip, f"job = %seedance resume {record.request_id}\nresult = job.wait()").ok()
    assert probe(ip.user_ns["result"].path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 1


# A process whose files cannot grow past a limit: the journal fits, the video does not.
FULL_DISK = textwrap.dedent(
    """
    import json, resource, signal, sys
    from pathlib import Path
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    import seedance_magic
    job = seedance_magic.generate("a lighthouse", fast=True, resolution="480p", duration=4, seed=64)
    try:
        job.wait(timeout=120)
        said = None
    except Exception as exc:
        said = str(exc)
    out = Path("out")
    parts = [p.name for p in out.glob(".*.part")] if out.is_dir() else []
    print(json.dumps({"said": said, "done": job.done, "rid": job.request_id, "parts": parts}))
    """
)


def test_a_full_disk_mid_download_in_a_real_process(emulator: Emulator, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_"))}
    env.update(
        SEEDANCE_FAL_BASE_URL=emulator.url,
        SEEDANCE_JOURNAL=str(tmp_path / "journal.sqlite3"),
        SEEDANCE_OUTPUT_DIR=str(tmp_path / "out"),
        FAL_HOME_DIR=str(tmp_path / "fal-home"),
    )
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(150 * 1024)],
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    said, rid = outcome["said"] or "", outcome["rid"]
    assert outcome["done"] and rid and rid in said and "File too large" in said, outcome
    assert outcome["parts"] == [] and "Traceback" not in done.stderr
    record = journal(tmp_path / "journal.sqlite3").by_request_id(rid)
    # resumable: sent, not ended (the full disk may also have kept the journal a state behind)
    assert record is not None and record.state in ("queued", "running", "downloading")
    assert emulator.stats.count("submit") == 1
