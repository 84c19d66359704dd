"""Keys kept as Colab secrets: `google.colab.userdata` (a stand-in module put in
sys.modules, as Colab's kernel has it imported) gives LUMENFALL_API_KEY as fal-client's
own lookup gives FAL_KEY. It decides the provider, the Lumenfall backend sends it (the
emulator's Lumenfall API refuses a request without a key), and it never shows."""

from __future__ import annotations

import secrets
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic import settings
from seedance_magic.emulator import Emulator

from helpers.shells import cell, only_record, run_cell, seedance_shell

KEY = "lf-COLAB-" + secrets.token_hex(16)


class SecretNotFoundError(Exception):
    """What Colab raises for a secret that is not defined, or not granted to the notebook."""


def fake_colab(monkeypatch: pytest.MonkeyPatch, granted: dict[str, str]) -> list[str]:
    """Colab's modules with these secrets granted; the names asked for, in order."""
    asked: list[str] = []

    def get(name: str) -> str:
        asked.append(name)
        if name not in granted:
            raise SecretNotFoundError(name)
        return granted[name]

    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    userdata = types.ModuleType("google.colab.userdata")
    userdata.get = get  # type: ignore[attr-defined]
    colab.userdata = userdata  # type: ignore[attr-defined]
    google.colab = colab  # type: ignore[attr-defined]
    for name, module in (("google", google), ("google.colab", colab), ("google.colab.userdata", userdata)):
        monkeypatch.setitem(sys.modules, name, module)
    return asked


def test_outside_colab_no_secret_is_read() -> None:
    assert "google.colab" not in sys.modules
    assert settings.colab_secret("LUMENFALL_API_KEY") is None


def test_a_lumenfall_secret_chooses_lumenfall(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_colab(monkeypatch, {"LUMENFALL_API_KEY": KEY})
    assert settings.colab_secret("LUMENFALL_API_KEY") == KEY
    assert settings.has_credentials("lumenfall") and not settings.has_credentials("fal")
    assert settings.choose(None).name == "lumenfall"
    assert "FAL_KEY" in asked and "LUMENFALL_API_KEY" in asked  # both providers look


def test_a_fal_secret_chooses_fal(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_colab(monkeypatch, {"FAL_KEY": "fal-id:fal-secret", "LUMENFALL_API_KEY": KEY})
    assert settings.has_credentials("fal") and settings.choose(None).name == "fal"


def test_a_secret_not_granted_is_no_key_and_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_colab(monkeypatch, {})
    assert settings.colab_secret("LUMENFALL_API_KEY") is None
    assert not settings.has_credentials("lumenfall")


@pytest.fixture
def colab_shell(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[InteractiveShell, str]]:
    """A Colab user with only a Lumenfall secret, the gateway's URL pointing at the emulator."""
    fake_colab(monkeypatch, {"LUMENFALL_API_KEY": KEY})
    monkeypatch.setenv("SEEDANCE_LUMENFALL_BASE_URL", emulator.lumenfall_url)
    with seedance_shell(emulator, monkeypatch) as shell:
        monkeypatch.delenv("SEEDANCE_FAL_BASE_URL")
        shell.run_line_magic("unload_ext", "seedance_magic")
        shell.run_line_magic("load_ext", "seedance_magic")  # now without a fal base URL
        yield shell, capsys.readouterr().out


def test_the_secret_runs_a_cell_through_lumenfall_and_never_shows(
    colab_shell: tuple[InteractiveShell, str], emulator: Emulator, tmp_path: Path
) -> None:
    shell, notice = colab_shell
    assert "LUMENFALL_API_KEY found and no fal key, so %%seedance runs via Lumenfall" in notice
    ran = run_cell(shell, cell("-r 480p -d 4 --seed 4 --wait --out job", "a heron in the reeds"))
    ran.ok()
    result = shell.user_ns["job"].result
    assert result is not None and result.provider == "lumenfall"
    assert [r.status for r in emulator.stats.requests if r.kind == "submit"] == [202]  # the key was sent
    assert only_record().state == "completed"
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert KEY.encode() not in stored and KEY not in ran.everything and KEY not in notice
