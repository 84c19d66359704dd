"""The control API under /_emulator/, which also drives a standalone emulator: stats,
jobs, config and releasing held jobs; and its Python counterparts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from seedance_magic.emulator import EmulatorConfig

from helpers.routing import SMALL, T2V_FAST

AUTH = {"Authorization": "Key test:secret"}


def test_release_held_jobs_over_http(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    ids = [
        httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).json()["request_id"] for _ in range(3)
    ]
    jobs = httpx.get(f"{emu.url}/_emulator/jobs").json()
    assert [jobs[rid]["held"] for rid in ids] == [True, True, True]
    assert httpx.post(f"{emu.url}/_emulator/release", json={"request_id": ids[0]}).json() == {"released": 1}
    emu.wait_for(ids[0], "COMPLETED")
    assert emu.jobs[ids[1]].state == "IN_QUEUE"
    assert httpx.post(f"{emu.url}/_emulator/release", json={"request_id": None}).json() == {"released": 2}
    done = [emu.wait_for(rid) for rid in ids[1:]]
    assert all(job.result is not None and job.started_at and job.completed_at for job in done)
    assert all(job.submitted_at <= job.started_at <= job.completed_at for job in done if job.started_at)


def test_config_over_http_shapes_new_jobs(make_emulator: Any) -> None:
    emu = make_emulator()
    changed = httpx.post(f"{emu.url}/_emulator/config", json={"hold": True, "queue_position_start": 5})
    assert changed.status_code == 200 and changed.json()["queue_position_start"] == 5
    assert emu.config.hold and httpx.get(f"{emu.url}/_emulator/config").json()["hold"] is True
    reply = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).json()
    assert reply["queue_position"] == 5
    for bad in ({"hold": "yes"}, {"queue_seconds": -1}, {"warp": 9}, {"queue_position_start": 1.5}):
        answer = httpx.post(f"{emu.url}/_emulator/config", json=bad)
        assert answer.status_code == 400, bad
    assert httpx.get(f"{emu.url}/_emulator/nothing").status_code == 404


def test_stats_count_by_kind_and_request(make_emulator: Any) -> None:
    emu = make_emulator(hold=True)
    rid = httpx.post(f"{emu.url}/{T2V_FAST}", json=SMALL, headers=AUTH).json()["request_id"]
    status = f"{emu.url}/bytedance/seedance-2.0/requests/{rid}/status"
    for _ in range(3):
        httpx.get(status)
    stats = httpx.get(f"{emu.url}/_emulator/stats").json()
    assert stats["counts"] == {"submit": 1, "status": 3}
    assert stats["by_request"][rid] == {"submit": 1, "status": 3}
    assert [r["kind"] for r in stats["requests"]] == ["submit", "status", "status", "status"]
    assert emu.stats.count("status", rid) == 3 and emu.stats.count("result") == 0


def test_python_api_lifecycle() -> None:
    from seedance_magic.emulator import Emulator

    emu = Emulator(EmulatorConfig(queue_seconds=0))
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.url
    assert emu.configure(run_seconds=0.5).run_seconds == 0.5
    with emu:
        assert emu.running and emu.url == f"http://127.0.0.1:{emu.port}"
        assert emu.start() is emu
    assert not emu.running
    emu.stop()  # stopping twice is harmless
    with pytest.raises(ValueError, match="log_interval"):
        EmulatorConfig(log_interval=0)
