"""A download is a video, and server data is data. A web page served in place of the
video is a failed download (never reported done nor cached) that a re-run fetches again
from the same request; a download is capped at the announced size; a cached file that is
not a video is fetched again; a result's seed is accepted only as an integer, and no
server answer can name a file outside the output folder or write options into a
reproduce cell."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic import errors
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.backends import download
from seedance_magic.engine.backends.download import Downloads
from seedance_magic.engine.job import Job, JobSpec, State
from seedance_magic.media.video import probe
from seedance_magic.spec.cost import CostEstimate

from helpers.failing_backend import FailingBackend as FakeBackend
from helpers.failing_backend import fake_runtime
from helpers.routing import SMALL, T2V_FAST
from helpers.shells import CLIP, cell, journal, only_record, run_cell, seedance_shell

PROMPT = "a lighthouse in a storm"


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def downloads_of(emulator: Emulator) -> int:
    return emulator.stats.count("download")


# ------------------------------------------------------------------------ a video
@pytest.mark.parametrize("seed", ["--seed 71", ""])
def test_a_web_page_served_as_the_video_is_not_done_and_the_rerun_fetches_the_video(
    ip: InteractiveShell, emulator: Emulator, seed: str
) -> None:
    emulator.inject(Fault(on="download", action="html", times=None))
    source = cell(f"{CLIP} {seed} --wait --out job", PROMPT)
    line = run_cell(ip, source).one_clear_line()
    record = only_record()
    assert record.request_id and record.request_id in line and "not a video" in line, line
    assert record.state != "completed" and ip.user_ns["job"].status is not State.COMPLETED
    assert not list((Path.cwd() / "seedance_outputs").glob("*.mp4"))
    emulator.clear_faults()
    run_cell(ip, source).ok()
    result = ip.user_ns["job"].result
    assert result.request_id == record.request_id
    assert probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 1 and only_record().state == "completed"


def emulated_video(emulator: Emulator) -> tuple[str, int]:
    import httpx

    answer = httpx.post(
        f"{emulator.url}/{T2V_FAST}", json=SMALL, headers={"Authorization": "Key test:secret"}
    )
    info = emulator.wait_for(answer.json()["request_id"])
    video = info.result["video"]  # type: ignore[index]
    return str(video["url"]), int(video["file_size"])


def fetch(url: str, dest: Path, **options: Any) -> Path:
    async def go() -> Path:
        downloads = Downloads("fal", "test")
        try:
            return await downloads.fetch(url, dest, attempts=2, **options)
        finally:
            await downloads.aclose()

    return asyncio.run(go())


def test_a_web_page_is_refused_even_when_no_size_was_announced(emulator: Emulator, tmp_path: Path) -> None:
    url, _ = emulated_video(emulator)
    emulator.inject(Fault(on="download", action="html", times=None))
    with pytest.raises(errors.DownloadFailed) as raised:
        fetch(url, tmp_path / "v.mp4")
    assert "web page" in str(raised.value) and not list(tmp_path.iterdir())


def test_a_download_stops_at_the_announced_size(emulator: Emulator, tmp_path: Path) -> None:
    url, size = emulated_video(emulator)
    seen: list[int] = []
    with pytest.raises(errors.DownloadFailed) as raised:
        fetch(url, tmp_path / "v.mp4", expected_size=size // 4, progress=lambda have, _: seen.append(have))
    assert max(seen, default=0) <= size // 4 and "more than" in str(raised.value)
    assert not list(tmp_path.iterdir())


def test_a_download_stops_at_a_ceiling_when_no_size_was_announced(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, size = emulated_video(emulator)
    monkeypatch.setattr(download, "MAX_VIDEO_BYTES", size // 4)
    with pytest.raises(errors.DownloadFailed) as raised:
        fetch(url, tmp_path / "v.mp4")
    assert "more than" in str(raised.value) and not list(tmp_path.iterdir())


def test_a_cached_file_that_is_not_a_video_is_fetched_again(ip: InteractiveShell, emulator: Emulator) -> None:
    source = cell(f"{CLIP} --seed 72 --wait --out job", PROMPT)
    run_cell(ip, source).ok()
    path = Path(ip.user_ns["job"].result.path)
    path.write_bytes(b"<html><body>gone</body></html>")
    run_cell(ip, source).ok()
    again = ip.user_ns["job"].result
    assert probe(again.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 1 and downloads_of(emulator) == 2


# -------------------------------------------------------------------- server data
def run_fake(tmp_path: Path, backend: FakeBackend, seed: int | None = 7) -> Job:
    rt = fake_runtime(tmp_path, backend)
    arguments: dict[str, Any] = {"prompt": PROMPT, "resolution": "480p", "duration": "4"}
    if seed is not None:
        arguments["seed"] = seed
    return Job(JobSpec(T2V_FAST, arguments, CostEstimate(0.45, 0.45), cache_key="k"), rt).start()


@pytest.mark.parametrize(
    "seed", ["42", 4.5, True, "../../../etc/passwd", "1 --provider lumenfall\n%%seedance", [1], 10**30]
)
def test_a_seed_that_is_not_an_integer_is_an_error_naming_the_field(tmp_path: Path, seed: Any) -> None:
    backend = FakeBackend()
    backend.seed = seed
    job = run_fake(tmp_path, backend, seed=None)
    with pytest.raises(errors.SeedanceError) as raised:
        job.wait(timeout=30)
    message = str(raised.value)
    assert "seed" in message and "\n" not in message, message
    assert backend.downloads == 0 and not (tmp_path / "etc").exists()
    record = journal(tmp_path / "journal.sqlite3").by_request_id(job.request_id or "")
    assert record is not None and record.seed is None and record.state != "completed"


def test_file_names_and_reproduce_cells_take_only_checked_values(tmp_path: Path) -> None:
    backend = FakeBackend()
    backend.seed = 123

    async def hostile_id(endpoint_id: str, arguments: dict[str, Any]) -> Any:
        backend.submits += 1
        return backend.handle_for(endpoint_id, "/../../x")

    backend.submit = hostile_id  # type: ignore[method-assign]
    result = run_fake(tmp_path, backend).wait(timeout=30)
    assert result.path is not None and result.path.parent == tmp_path / "out"
    assert result.path.resolve().parent == (tmp_path / "out").resolve()
    assert [p for p in (tmp_path / "out").iterdir() if not p.is_file()] == []
    assert not (tmp_path / "x.mp4").exists()
    assert result.reproduce_cell.splitlines()[0].endswith("--seed 123")


def test_reproduce_cells_ignore_a_seed_that_is_not_an_integer() -> None:
    from seedance_magic.spec.plan import reproduce_cell

    args = {"prompt": "a fox", "resolution": "480p", "duration": "4"}
    line = reproduce_cell(T2V_FAST, args, "1 --provider lumenfall", provider="fal").splitlines()[0]  # type: ignore[arg-type]
    assert "--provider" not in line and "--seed" not in line
