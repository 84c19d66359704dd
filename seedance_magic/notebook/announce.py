"""What `%load_ext seedance_magic` says, once: where requests go when no key is set, and
the jobs a dead kernel left unfinished. The notice is information, printed to stdout
(front-ends draw stderr as an error box). Kept light: the journal is opened only if it
exists, and nothing of the engine is imported unless there is something to list."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..errors import PIP_VIDEO
from ..settings import Settings, choose, has_credentials, load_dotenv_credentials
from ..spec.providers import DEFAULT, PROVIDERS
from ..store.journal import UNSETTLED_SQL


def _may_have_unfinished(journal: Path) -> bool:
    """A cheap first look (read-only, no schema work): does the journal hold any job that
    was sent and has not ended? Journal.orphans() then decides which ones are orphaned."""
    if not journal.exists():
        return False
    import sqlite3

    try:
        db = sqlite3.connect(f"{journal.as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            row = db.execute(f"SELECT 1 FROM jobs WHERE {UNSETTLED_SQL} LIMIT 1").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return True  # let the full look say what is wrong
    return row is not None


def _video_extra_installed() -> bool:
    """Whether av, numpy and Pillow are installed, found without importing them."""
    return all(find_spec(name) is not None for name in ("av", "numpy", "PIL"))


def announce(settings: Settings, shell: Any) -> None:
    load_dotenv_credentials()
    chosen = choose(None, settings.provider)
    keyed = has_credentials(chosen)
    if not settings.base_url_for(chosen.name) and not keyed:
        keys = " or ".join(var for p in PROVIDERS.values() for var in p.key_vars[:1])
        plain = ""
        if not _video_extra_installed():
            plain = f" Its clips are a plain EMULATOR card: {PIP_VIDEO} for clips that show the prompt."
        print(
            f"seedance: no {keys} found, so %%seedance runs on the built-in emulator "
            "(offline, nothing is charged; every result is badged EMULATOR). "
            "Set FAL_KEY (environment, a .env file, or a Colab secret) to use fal.ai, "
            f"or LUMENFALL_API_KEY to go through the Lumenfall gateway.{plain}"
        )
    elif keyed and chosen.name != DEFAULT and settings.provider == "auto":
        print(
            f"seedance: {', '.join(chosen.key_vars)} found and no fal key, so %%seedance runs "
            f"via {chosen.label} (--provider fal, or Seedance.provider, to choose)."
        )
    if not _may_have_unfinished(settings.journal):
        return
    from ..engine.runtime import get_runtime

    runtime = get_runtime()
    try:
        orphans = runtime.journal.orphans()
    except Exception:  # an unreadable journal must not break %load_ext
        return
    if orphans:
        from ..app.history import orphans_view

        orphans_view(runtime, orphans, shell).show()
