"""The fal key never leaves the Authorization header: with a recognizable FAL_KEY (or
FAL_KEY_ID / FAL_KEY_SECRET), jobs go through success, failure and error paths, then
every output, log record, exception text, the journal and every file written is
searched for the key. Uploads never carry it to the storage host."""

from __future__ import annotations

import logging
import os
import secrets
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic import errors
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.runtime import get_runtime

from helpers.shells import CLIP, Ran, cell, run_cell, seedance_shell


class Everything(logging.Handler):
    """Every log record of every logger, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))


@pytest.fixture
def logs() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def exception_texts(exc: BaseException | None) -> list[str]:
    """str, repr and the formatted traceback of an exception and its whole chain."""
    texts: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        texts += [str(arg) for arg in exc.args]
        exc = exc.__cause__ or exc.__context__
    return texts


def files_under(*folders: Path) -> Iterator[tuple[Path, bytes]]:
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                yield path, path.read_bytes()


def run_everything(ip: InteractiveShell, emulator: Emulator) -> list[Ran]:
    """A success (with an uploaded input), a replay, a failed job, a rejected request, a
    401, a lost submit and the line commands; then the Python API's raised errors."""
    from PIL import Image

    Image.new("RGB", (640, 360), (30, 120, 200)).save("start.png")
    ran = [run_cell(ip, cell(f"{CLIP} --seed 1 --wait --out job", "a kite"))]
    ran.append(run_cell(ip, cell(f"{CLIP} --seed 1 --wait", "a kite")))  # cached
    ran.append(run_cell(ip, cell(f"{CLIP} --seed 2 -i start.png --wait --out job2", "the picture moves")))
    emulator.inject(Fault(on="submit", action="fail_job"))
    ran.append(run_cell(ip, cell(f"{CLIP} --seed 3 --wait", "a failure")))
    emulator.inject(Fault(on="submit", action="422"))
    ran.append(run_cell(ip, cell(f"{CLIP} --seed 4 --wait", "rejected")))
    emulator.inject(Fault(on="submit", action="401"))
    ran.append(run_cell(ip, cell(f"{CLIP} --seed 5 --wait", "unauthorized")))
    emulator.inject(Fault(on="status", action="401"))
    emulator.configure(stream=False)
    ran.append(run_cell(ip, cell(f"{CLIP} --seed 6 --wait", "unauthorized later")))
    emulator.configure(stream=True)
    emulator.inject(Fault(on="submit", action="drop"))
    ran.append(run_cell(ip, cell(f"{CLIP} --seed 7 --wait", "lost")))
    for line in ("config", "jobs", "history", "price -d 6"):
        ran.append(run_cell(ip, f"%seedance {line}"))
    ran.append(run_cell(ip, "job\njob.result\nrepr(job)"))
    return ran


@pytest.mark.parametrize("variant", ["FAL_KEY", "FAL_KEY_ID/FAL_KEY_SECRET"])
def test_the_key_is_never_shown_stored_or_logged(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    logs: Everything,
    variant: str,
) -> None:
    if variant == "FAL_KEY":
        key = "kid-TEST:" + "sk-TEST-" + secrets.token_hex(16)  # fal's shape: <key_id>:<key_secret>
        monkeypatch.setenv("FAL_KEY", key)
        needles = [key, key[17:]]
    else:
        key_id, key_secret = "kid-TEST-" + secrets.token_hex(8), "ksec-TEST-" + secrets.token_hex(16)
        monkeypatch.setenv("FAL_KEY_ID", key_id)
        monkeypatch.setenv("FAL_KEY_SECRET", key_secret)
        needles = [key_id, key_secret, key_secret[10:]]

    with seedance_shell(emulator, monkeypatch) as ip:
        ran = run_everything(ip, emulator)
        # what each path ended with, so that the search covers real outcomes
        assert ran[0].error is None and ip.user_ns["job"].result.path.exists()
        assert ran[2].error is None and ip.user_ns["job2"].result.path.exists()
        lines = [r.one_clear_line() for r in ran[3:8]]
        assert "fal reports the job failed" in lines[0] and "fal rejected the arguments" in lines[1]
        assert "fal refused the credentials (401)" in lines[2] and "not shown here" in lines[2]
        assert "fal refused the credentials (401)" in lines[3] and "response was lost" in lines[4]
        assert "present (FAL_KEY" in ran[8].everything

        raised: list[BaseException] = [r.error for r in ran if r.error is not None]
        import seedance_magic

        emulator.inject(Fault(on="submit", action="401"))
        with pytest.raises(errors.AuthenticationFailed) as info:
            seedance_magic.generate("via the API", fast=True, resolution="480p", duration=4, seed=8).wait()
        raised.append(info.value)
        emulator.inject(Fault(on="submit", action="fail_job"))
        with pytest.raises(errors.JobFailed) as failed:
            seedance_magic.generate("via the API", fast=True, resolution="480p", duration=4, seed=9).wait()
        raised.append(failed.value)
        results = seedance_magic.history(50)
        assert len(results) == 2
        texts = [r.everything for r in ran] + logs.texts
        texts += [text for exc in raised for text in exception_texts(exc)]
        texts += [repr(r) for r in results] + [str(r._repr_mimebundle_()) for r in results]
        texts += [repr(job) for job in list(get_runtime().jobs.values())]
        get_runtime().journal.close()  # flush the WAL into the file too

    # the key did go where it belongs: every submit the emulator accepted carried auth
    uploads = emulator.stats.uploads
    assert uploads and all(u.via == "fal_v3" for u in uploads), uploads
    assert all(u.auth_scheme in (None, "Bearer") for u in uploads), uploads  # a CDN token, never the key
    assert not any(r.kind == "storage" and r.method == "PUT" for r in emulator.stats.requests)

    assert logs.texts, "the log handler saw nothing: the search would prove nothing"
    journal_files = [p for p in tmp_path.iterdir() if p.name.startswith("journal.sqlite3")]
    assert journal_files and (tmp_path / "seedance_outputs").is_dir()
    for needle in needles:
        for text in texts:
            assert needle not in text, text
        for path, data in files_under(tmp_path, Path(os.environ["SEEDANCE_JOURNAL"]).parent):
            assert needle.encode() not in data, path


def test_a_failed_cdn_token_is_retried_and_never_falls_back_to_storage(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    monkeypatch.setenv("FAL_KEY", "kid-TEST:sk-TEST-" + secrets.token_hex(16))
    Image.new("RGB", (640, 360), (30, 120, 200)).save("start.png")
    emulator.inject(Fault(on="storage", action="503", times=1))
    with seedance_shell(emulator, monkeypatch) as ip:
        ran = run_cell(ip, cell(f"{CLIP} --seed 2 -i start.png --wait --out job", "the picture moves"))
        assert not any(r.kind == "storage" and r.method == "PUT" for r in emulator.stats.requests)
        ran.ok()
        assert ip.user_ns["job"].result.path.exists()
