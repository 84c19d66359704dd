"""Cancelling a job in each of its states, and the caller's timeout (which cancels)."""

from __future__ import annotations

import asyncio

import pytest

from seedance_magic import errors
from seedance_magic.app.reports import cancel
from seedance_magic.engine.gate import SlotGate
from seedance_magic.engine.job import NOT_SENT, Job, State
from seedance_magic.engine.runtime import Runtime

from helpers.fake_backend import FakeBackend
from helpers.fake_parts import queued, running
from helpers.fake_runtime import job_spec, reached


def journal_state(runtime: Runtime, job: Job) -> str | None:
    assert job.journal_id is not None
    record = job.journal.get(job.journal_id)
    assert record is not None
    return record.state


async def test_cancel_before_the_submit_sends_nothing(fake_runtime: Runtime, backend: FakeBackend) -> None:
    # On the loop's own thread, as in a kernel: the job has not run a step when it is cancelled.
    job = Job(job_spec(), fake_runtime).start()
    job.cancel()
    with pytest.raises(errors.JobCancelled, match="nothing was charged"):
        await job
    assert backend.count("submit") == 0 and job.status is State.CANCELLED and job.snapshot.error == NOT_SENT


async def test_cancel_while_waiting_for_a_slot_sends_nothing(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.script = None
    gate = SlotGate(1)
    first = Job(job_spec(seed=1), fake_runtime, gate=gate).start()
    second = Job(job_spec(seed=2), fake_runtime, gate=gate).start()
    await reached(second, lambda s: s.waiting == "waiting for a slot")
    assert second.status is State.PENDING and second in gate.waiting
    second.cancel()
    with pytest.raises(errors.JobCancelled):
        await second
    assert second.snapshot.error == NOT_SENT and second not in gate.waiting
    assert journal_state(fake_runtime, second) == "cancelled"
    backend.complete(backend.last.request_id)
    await first
    assert backend.count("submit") == 1 and gate.holding == set()


async def test_cancel_while_submitting_cancels_as_soon_as_the_provider_answers(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.script = None
    backend.hold("submit")
    job = Job(job_spec(), fake_runtime).start()
    await reached(job, lambda s: s.state is State.SUBMITTING)
    await backend.until(lambda: backend.count("submit") == 1)
    job.cancel()
    assert job.snapshot.cancelling and backend.cancels == []
    backend.release("submit")
    with pytest.raises(errors.JobCancelled, match="cancelled at fal"):
        await job
    assert backend.cancels == [job.request_id] and job.status is State.CANCELLED
    assert journal_state(fake_runtime, job) == "cancelled"


@pytest.mark.parametrize("state", [State.QUEUED, State.RUNNING])
async def test_cancel_once_sent_cancels_at_the_provider(
    fake_runtime: Runtime, backend: FakeBackend, state: State
) -> None:
    backend.script = None
    job = Job(job_spec(), fake_runtime).start()
    await reached(job, lambda s: s.state is State.QUEUED)
    if state is State.RUNNING:
        backend.advance(backend.last.request_id, "IN_PROGRESS", logs=["Generating"])
        await reached(job, lambda s: s.state is State.RUNNING)
    job.cancel()
    job.cancel()  # a second click does nothing more
    with pytest.raises(errors.JobCancelled):
        await job
    assert job.status is State.CANCELLED and job.snapshot.error == "cancelled at fal"
    assert backend.cancels == [job.request_id] and not job.snapshot.cancelling
    record = fake_runtime.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "cancelled" and record.error == "cancelled at fal"


def test_cancel_from_a_subscriber_while_running(fake_runtime: Runtime, backend: FakeBackend) -> None:
    """As the Cancel button does: from a view, on a snapshot."""
    backend.script = [queued(0), running("Generating")]  # then it runs until cancelled
    job = Job(job_spec(), fake_runtime)
    job.subscribe(lambda s: s.state is State.RUNNING and job.cancel())
    job.start()
    with pytest.raises(errors.JobCancelled):
        job.wait(timeout=5)
    assert job.status is State.CANCELLED and backend.count("cancel") == 1
    record = fake_runtime.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "cancelled"


async def test_cancel_while_downloading_still_saves_the_paid_video(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.hold("download")
    job = Job(job_spec(), fake_runtime).start()
    await reached(job, lambda s: s.state is State.DOWNLOADING)
    job.cancel()
    await backend.until(lambda: backend.count("cancel") == 1)  # the provider says: already completed
    backend.release("download")
    result = await job
    assert job.status is State.COMPLETED and result.path is not None and result.path.exists()
    assert not job.snapshot.cancelling and journal_state(fake_runtime, job) == "completed"


def test_cancel_after_the_end_does_nothing(fake_runtime: Runtime, backend: FakeBackend) -> None:
    job = Job(job_spec(), fake_runtime).start()
    job.wait(timeout=5)
    job.cancel()
    assert job.status is State.COMPLETED and backend.count("cancel") == 0


async def test_a_refused_cancel_is_shown_and_the_job_goes_on(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.script = None
    backend.fail("cancel", errors.Rejected("fal refused the cancel"))
    job = Job(job_spec(), fake_runtime).start()
    await reached(job, lambda s: s.state is State.QUEUED)
    job.cancel()
    shown = await reached(job, lambda s: s.trouble is not None)
    assert shown.trouble == "cancel failed: fal refused the cancel" and not shown.cancelling
    backend.complete(backend.last.request_id)
    assert (await job).path is not None


# ------------------------------------------------------------------- timeout
def test_the_timeout_cancels_at_the_provider(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.script = None  # never finishes by itself
    job = Job(job_spec(timeout=0.3), fake_runtime).start()  # long enough to be sent first
    with pytest.raises(errors.JobTimeout) as info:
        job.wait(timeout=5)
    assert info.value.message == "timed out after 0.3 s at fal" and info.value.request_id == job.request_id
    assert backend.cancels == [job.request_id] and job.status is State.CANCELLED
    assert journal_state(fake_runtime, job) == "cancelled"


async def test_a_timeout_before_the_submit_says_it_timed_out(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    """A job still waiting for a grid slot when its --timeout passes is never sent, and
    its error says it timed out (not that someone cancelled it)."""
    backend.script = None
    gate = SlotGate(1)
    first = Job(job_spec(seed=1), fake_runtime, gate=gate).start()
    late = Job(job_spec(seed=2, timeout=0.3), fake_runtime, gate=gate).start()
    await reached(late, lambda s: s.waiting == "waiting for a slot")
    with pytest.raises(errors.JobTimeout) as info:
        await late
    assert str(info.value) == "timed out after 0.3 s before it was sent: nothing was charged"
    assert late.status is State.CANCELLED and late.snapshot.error == str(info.value)
    assert journal_state(fake_runtime, late) == "cancelled"
    with pytest.raises(errors.JobTimeout):
        late.wait()
    backend.complete(backend.last.request_id)
    await first
    assert backend.count("submit") == 1 and backend.cancels == []


def test_a_wait_that_times_out_leaves_the_job_running(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.script = None
    job = Job(job_spec(), fake_runtime).start()
    asyncio.run_coroutine_threadsafe(
        reached(job, lambda s: s.state is State.QUEUED), fake_runtime.loop()
    ).result(10)  # its loop runs in its own thread
    with pytest.raises(errors.JobTimeout, match=r"the job is still queued after 0\.05 s"):
        job.wait(timeout=0.05)
    assert not job.done and backend.count("cancel") == 0
    backend.complete(backend.last.request_id)
    assert job.wait(timeout=5).path is not None


# ------------------------------------------------------- %seedance cancel all
async def test_cancel_all_names_sent_jobs_by_request_id_and_counts_the_rest(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    """`%seedance cancel all` names each job it cancels at the provider by its request id
    and says how many had not been sent (and so cost nothing), never an internal key."""
    backend.script = None
    gate = SlotGate(1)
    sent = Job(job_spec(seed=1), fake_runtime, gate=gate).start()
    waiting = [Job(job_spec(seed=s), fake_runtime, gate=gate).start() for s in (2, 3)]
    await reached(sent, lambda s: s.state is State.QUEUED)
    for job in waiting:
        await reached(job, lambda s: s.waiting == "waiting for a slot")
    said = cancel(fake_runtime, "all").text
    assert said == (
        f"cancelling 3 jobs: {sent.request_id}, and 2 not yet sent (nothing is charged for those)"
    ), said
    assert "job-" not in said
    for job in [sent, *waiting]:
        with pytest.raises(errors.JobCancelled):
            await job
    assert backend.count("submit") == 1 and backend.cancels == [sent.request_id]
