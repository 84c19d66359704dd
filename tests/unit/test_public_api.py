"""What users build on, frozen: the package's names, the members of Job, JobGroup and
Result, the error classes, the magic's options, the `Seedance.*` settings, the
`SEEDANCE_*` variables and the journal's schema. A change here is a change to the
public API: make it on purpose, and say so in the CHANGELOG."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from pathlib import Path

import seedance_magic
from seedance_magic import errors
from seedance_magic.app.story import Story
from seedance_magic.engine.group import JobGroup
from seedance_magic.engine.job import Job
from seedance_magic.model import Result, StoryResult
from seedance_magic.notebook.config import Seedance
from seedance_magic.spec.options import OPTION_STRINGS
from seedance_magic.spec.states import State
from seedance_magic.store.journal import Journal

PACKAGE = Path(seedance_magic.__file__).parent


def public(kind: type) -> set[str]:
    return {name for name in dir(kind) if not name.startswith("_")}


def test_the_package_names() -> None:
    assert set(seedance_magic.__all__) == {
        "Job",
        "JobGroup",
        "Result",
        "Story",
        "StoryResult",
        "Results",
        "__version__",
        "batch",
        "coach",
        "compare",
        "export",
        "generate",
        "history",
        "load_ipython_extension",
        "story",
        "studio",
        "unload_ipython_extension",
    }
    for name in seedance_magic.__all__:
        assert getattr(seedance_magic, name) is not None


def test_job_members() -> None:
    assert public(Job) >= {
        "backend",
        "cancel",
        "done",
        "refetch",
        "replay",
        "request_id",
        "result",
        "resume",
        "runtime",
        "set_waiting",
        "snapshot",
        "start",
        "status",
        "subscribe",
        "target",
        "upload_progress",
        "wait",
    }


def test_job_group_members() -> None:
    assert public(JobGroup) >= {
        "cancel",
        "done",
        "results",
        "start",
        "states",
        "status",
        "subscribe",
        "wait",
        "waiting_for_slot",
    }


def test_result_members() -> None:
    fields = {f.name for f in dataclasses.fields(Result)}
    assert fields == {
        "endpoint",
        "arguments",
        "request_id",
        "seed",
        "video_url",
        "path",
        "cost_usd",
        "emulated",
        "cached",
        "provider",
        "width",
        "height",
        "duration_s",
        "has_audio",
        "timings",
        "reproduce",
        "inputs",
        "created_at",
        "seed_note",
    }
    assert public(Result) >= {"build", "charged_usd", "prompt", "reproduce_cell"}


def test_story_members() -> None:
    assert public(Story) >= {
        "cancel",
        "done",
        "film",
        "request_ids",
        "snapshot",
        "start",
        "status",
        "subscribe",
        "wait",
    }
    fields = {f.name for f in dataclasses.fields(StoryResult)}
    assert fields == {
        "path",
        "shots",
        "reproduce",
        "planned",
        "seconds",
        "failed",
        "prelude",
        "reencoded",
        "reason",
        "offsets",
    }
    assert public(StoryResult) >= {"charged_usd", "complete", "cost_usd", "emulated", "request_ids", "seeds"}


def test_the_error_tree() -> None:
    names = {n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, Exception)}
    assert names == {
        "AuthenticationFailed",
        "BudgetExceeded",
        "CredentialsMissing",
        "DownloadFailed",
        "InvalidRequest",
        "JournalUnavailable",
        "JobCancelled",
        "JobFailed",
        "JobInterrupted",
        "JobTimeout",
        "MissingDependency",
        "RateLimited",
        "Rejected",
        "SeedanceError",
        "ServiceError",
        "SubmitOutcomeUnknown",
        "Unavailable",
    }
    assert all(issubclass(getattr(errors, n), errors.SeedanceError) for n in names)


def test_the_magic_options() -> None:
    assert set(OPTION_STRINGS) == {
        "--aspect-ratio",
        "--audio",
        "--batch",
        "--coach",
        "--continue",
        "--dry-run",
        "--duration",
        "--end-image",
        "--end-user-id",
        "--fast",
        "--image",
        "--mode",
        "--no-audio",
        "--no-cache",
        "--no-wait",
        "--out",
        "--provider",
        "--ref-audio",
        "--ref-image",
        "--ref-video",
        "--resolution",
        "--seed",
        "--seeds",
        "--skip-bad",
        "--standard",
        "--stitch",
        "--story",
        "--sweep",
        "--timeout",
        "--wait",
        "--yes",
        "-a",
        "-d",
        "-i",
        "-n",
        "-o",
        "-r",
        "-s",
    }


def test_the_config_traits() -> None:
    assert set(Seedance.class_own_traits(config=True)) == {
        "aspect_ratio",
        "base_url",
        "cache",
        "concurrency",
        "duration",
        "embed",
        "emulator",
        "generate_audio",
        "journal_path",
        "lumenfall_base_url",
        "max_usd_per_run",
        "output_dir",
        "poll_initial",
        "poll_max",
        "provider",
        "resolution",
        "session_budget_usd",
        "tier",
        "timeout",
        "use_stream",
        "wait",
    }


def test_the_environment_variables() -> None:
    source = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    assert set(re.findall(r'"(SEEDANCE_[A-Z_]+)"', source)) == {
        "SEEDANCE_EMULATOR",
        "SEEDANCE_FAL_BASE_URL",
        "SEEDANCE_JOURNAL",
        "SEEDANCE_LUMENFALL_BASE_URL",
        "SEEDANCE_OUTPUT_DIR",
        "SEEDANCE_PROVIDER",
        "SEEDANCE_WAIT",
    }


def test_the_journal_schema(tmp_path: Path) -> None:
    Journal(tmp_path / "j.sqlite3").close()
    db = sqlite3.connect(tmp_path / "j.sqlite3")
    columns = {
        t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in ("jobs", "transitions", "uploads")
    }
    db.close()
    assert columns == {
        "jobs": [
            "id",
            "created_at",
            "updated_at",
            "state",
            "endpoint",
            "arguments",
            "cache_key",
            "seeded",
            "request_id",
            "status_url",
            "response_url",
            "cancel_url",
            "base_url",
            "emulated",
            "estimate_low",
            "estimate_high",
            "seed",
            "result",
            "video_url",
            "path",
            "cost_usd",
            "error",
            "error_type",
            "pid",
            "host",
            "reproduce",
            "inputs",
            "timings",
            "provider",
            "media",
            "group_id",
            "group_index",
        ],
        "transitions": ["job_id", "state", "at", "detail"],
        "uploads": ["digest", "target", "url", "file_name", "size", "created_at"],
    }


def test_a_state_reads_as_its_name() -> None:
    """`job.status` is a State: printed or formatted it is the word every view shows, and
    it still compares equal to that string."""
    assert str(State.QUEUED) == f"{State.QUEUED}" == "queued" == State.QUEUED
    assert repr(State.QUEUED) == "<State.QUEUED: 'queued'>"
