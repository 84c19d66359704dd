"""Input files whose names are not ASCII (`café.png`, `写真.jpg`) upload: the name goes in
fal's X-Fal-File-Name header folded to ASCII (header values must be ASCII); Lumenfall
takes the file inline. A failure in the upload path names the file and its real cause."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.backends.fal import header_file_name

from helpers.shells import CLIP, cell, only_record, run_cell, seedance_shell

NAMES = ["café.png", "写真.jpg", "naïve résumé 2.png"]


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def _picture(name: str) -> Path:
    from PIL import Image

    path = Path(name)
    Image.new("RGB", (640, 360), (200, 90, 30)).save(path, "JPEG" if name.endswith(".jpg") else "PNG")
    return path


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("café.png", "cafe.png"),
        ("写真.jpg", "upload.jpg"),
        ("naïve résumé 2.png", "naive resume 2.png"),
        ("plain-name_1.webp", "plain-name_1.webp"),
        ("Ünïcödé.Jpeg", "Unicode.Jpeg"),
        ("写真", "upload"),
    ],
)
def test_header_file_names_are_ascii(name: str, header: str) -> None:
    assert header_file_name(name) == header and header_file_name(name).isascii()


@pytest.mark.parametrize("name", NAMES)
def test_a_non_ascii_file_name_uploads_to_fal(ip: InteractiveShell, emulator: Emulator, name: str) -> None:
    _picture(name)
    ran = run_cell(ip, cell(f'-i "{name}" {CLIP} --seed 6 --wait --out job', "the picture moves"))
    ran.ok()
    assert ip.user_ns["job"].result.path.exists()
    (upload,) = emulator.stats.uploads
    assert upload.file_name.isascii() and upload.via == "fal_v3"
    assert only_record().state == "completed"


@pytest.mark.parametrize("name", NAMES[:2])
def test_a_non_ascii_file_name_goes_inline_to_lumenfall(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("SEEDANCE_LUMENFALL_BASE_URL", emulator.lumenfall_url)
    _picture(name)
    line = f'-i "{name}" --provider lumenfall -r 480p -d 4 --seed 6 --wait --out job'
    run_cell(ip, cell(line, "the picture moves")).ok()
    (info,) = emulator.jobs.values()
    assert info.arguments["image_url"].startswith("data:image/")
    assert emulator.stats.uploads == ()


def test_an_unreadable_storage_answer_names_the_file_and_the_cause(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    _picture("café.png")
    emulator.inject(Fault(on="storage", action="garble", times=None))
    line = run_cell(ip, cell(f"-i café.png {CLIP} --seed 7 --wait", "the picture moves")).one_clear_line()
    assert "café.png" in line and "not JSON" in line, line
    assert "could not be read" not in line
    assert emulator.stats.count("submit") == 0
