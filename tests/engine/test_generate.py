"""`seedance_magic.generate()` takes the magic's path (plan, guard, launch) and the same
configured defaults (Settings.defaults, set by `%config Seedance.*`): a bare cell,
`generate()` and the studio's form send the same arguments."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic
from seedance_magic import errors
from seedance_magic.engine.job import Job, State
from seedance_magic.engine.runtime import Runtime
from seedance_magic.spec.request import Defaults

from helpers.fake_backend import FakeBackend
from helpers.fake_runtime import FAST_T2V
from helpers.shells import cell, fake_shell, only_record, run_cell

PROMPT = "A heron lifts off a misty pond"
CONFIGURED = {
    "tier": '"fast"',
    "resolution": '"480p"',
    "duration": '"5"',
    "aspect_ratio": '"9:16"',
    "generate_audio": "False",
    "timeout": "30",
}
# What the configured defaults above send (the prompt and seed aside).
SENT = {"resolution": "480p", "duration": "5", "aspect_ratio": "9:16", "generate_audio": False}


@pytest.fixture
def ip(backend: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with fake_shell(backend, monkeypatch) as shell:
        yield shell


def configure_defaults(ip: InteractiveShell) -> None:
    for name, value in CONFIGURED.items():
        run_cell(ip, f"%config Seedance.{name} = {value}").ok()


def sent(backend: FakeBackend, index: int = -1) -> tuple[str, dict[str, Any]]:
    endpoint, arguments = backend.submits[index]
    return endpoint, {k: v for k, v in arguments.items() if k not in ("prompt", "seed")}


def test_generate_runs_a_job_through_the_pipeline(fake_runtime: Runtime, backend: FakeBackend) -> None:
    job = seedance_magic.generate(
        PROMPT, fast=True, resolution="480p", duration=4, seed=3, runtime=fake_runtime
    )
    assert isinstance(job, Job) and job.status is State.PENDING  # returned at once, started
    result = job.wait(timeout=5)
    assert result.seed == 3 and result.path is not None and result.path.exists()
    assert backend.submits == [
        (
            FAST_T2V,
            {"prompt": PROMPT, "resolution": "480p", "duration": "4", "seed": 3, **backend.submits[0][1]},
        )
    ]
    record = only_record(fake_runtime.settings.journal)
    assert record.state == "completed" and record.cache_key and record.reproduce
    assert record.reproduce.startswith("%%seedance --fast -r 480p -d 4 --seed 3")
    again = seedance_magic.generate(
        PROMPT, fast=True, resolution="480p", duration=4, seed=3, runtime=fake_runtime
    )
    assert again.done and again.wait().cached and backend.count("submit") == 1  # the cache applies


def test_generate_is_held_to_the_budget_and_sends_nothing(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    with pytest.raises(errors.BudgetExceeded, match="max_usd_per_run"):
        seedance_magic.generate(PROMPT, resolution="1080p", duration=15, runtime=fake_runtime)
    assert backend.calls == []
    job = seedance_magic.generate(PROMPT, resolution="1080p", duration=15, yes=True, runtime=fake_runtime)
    assert job.wait(timeout=5).path is not None and backend.count("submit") == 1


def test_bad_options_are_one_line_and_send_nothing(fake_runtime: Runtime, backend: FakeBackend) -> None:
    with pytest.raises(errors.InvalidRequest) as info:
        seedance_magic.generate(PROMPT, duration=99, runtime=fake_runtime)
    assert "\n" not in str(info.value) and "duration" in str(info.value)
    assert backend.calls == []


def test_settings_defaults_reach_generate(make_runtime: Callable[..., Runtime], backend: FakeBackend) -> None:
    defaults = Defaults(
        tier="fast", resolution="480p", duration="5", aspect_ratio="9:16", generate_audio=False
    )
    runtime = make_runtime(defaults=defaults)
    job = seedance_magic.generate(PROMPT, seed=1, runtime=runtime)
    job.wait(timeout=5)
    assert sent(backend) == (FAST_T2V, SENT)
    seedance_magic.generate(PROMPT, seed=2, resolution="720p", no_audio=False, runtime=runtime).wait(
        timeout=5
    )
    assert sent(backend)[1]["resolution"] == "720p"  # a keyword given wins


@pytest.mark.usefixtures("comms")
def test_config_defaults_reach_the_cell_generate_and_the_studio_alike(
    ip: InteractiveShell, backend: FakeBackend
) -> None:
    from seedance_magic.app.studio import Studio
    from seedance_magic.engine.runtime import get_runtime

    configure_defaults(ip)
    run_cell(ip, cell("--seed 1 --wait", PROMPT)).ok()
    job = seedance_magic.generate(PROMPT, seed=2)
    assert job.spec.timeout == 30  # Seedance.timeout
    job.wait(timeout=5)
    studio = Studio(get_runtime(), rng=random.Random(0), embed=False)
    values = studio.values()
    assert (values.tier, values.resolution, values.duration, values.aspect_ratio, values.audio) == (
        "fast",
        "480p",
        "5",
        "9:16",
        False,
    )
    studio.panel.prompt.value = PROMPT
    made = studio.generate()
    assert made is not None and made.wait(timeout=5).path is not None
    assert sent(backend, 0) == sent(backend, 1) == sent(backend, 2) == (FAST_T2V, SENT)
    assert [arguments["seed"] for _, arguments in backend.submits] == [1, 2, values.seed]
