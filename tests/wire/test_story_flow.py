"""How a story ends and what it is made of, against the emulator: a failed shot stops it
with the shots made stitched and says which shot failed and why; cancel stops the shot
under way and sends no more; `--continue` (by variable or request id, with `--stitch`)
carries a clip on; `story()` in Python; a story in the history and in the studio."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic as sd
from seedance_magic.app import history as gallery
from seedance_magic.app.studio import Studio
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.runtime import Runtime
from seedance_magic.errors import SeedanceError
from seedance_magic.media.stitch import last_frame
from seedance_magic.media.video import probe
from seedance_magic.spec.form import FormValues

from helpers.shells import accepted_submits, run_cell, seedance_shell, wait_until

SHOTS = ["A kite is unrolled on a beach", "The kite climbs into the wind", "The kite dives into the sea"]
OPTIONS: dict[str, Any] = {"fast": True, "resolution": "480p", "duration": 4, "no_audio": True}


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def test_a_failed_shot_stops_the_story_and_the_shots_made_are_stitched(
    runtime: Runtime, emulator: Emulator
) -> None:
    emulator.inject(Fault(on="submit", action="fail_job", skip=1))  # the second submit's job fails
    story = sd.story(SHOTS, seed=3, **OPTIONS)
    film = story.wait()
    assert story.status == "failed" and not film.complete
    assert film.failed is not None and film.failed.startswith("shot 2 of 3 failed: ")
    assert len(film.shots) == 1 and film.path is not None
    assert probe(film.path).duration_s == pytest.approx(4.0, abs=0.05) and film.path.name.endswith(
        "_1of3.mp4"
    )
    assert accepted_submits(emulator) == 2  # shot 3 was never sent
    assert "shot 2 of 3 failed" in repr(film) and "shot 2 of 3 failed" in story.snapshot.error
    with pytest.raises(SeedanceError, match="shot 2 of 3 failed"):
        story.wait(strict=True)
    # run again: shot 1 replays from the cache, shot 2 is sent again, then shot 3
    again = sd.story(SHOTS, seed=3, **OPTIONS).wait()
    assert again.complete and [s.cached for s in again.shots] == [True, False, False]
    assert accepted_submits(emulator) == 4


def test_cancel_stops_the_shot_under_way_and_sends_no_more(runtime: Runtime, emulator: Emulator) -> None:
    emulator.configure(hold=True)

    async def scenario() -> Any:
        story = sd.story(SHOTS, seed=11, **OPTIONS)
        first = await asyncio.to_thread(wait_until, lambda: story.request_ids, 30, "shot 1 sent")
        emulator.release(first[0])
        await asyncio.to_thread(wait_until, lambda: len(story.request_ids) == 2, 30, "shot 2 sent")
        story.cancel()
        film = await story
        await runtime.aclose_loop()
        return story, film

    story, film = asyncio.run(scenario())
    assert story.status == "cancelled" and film.failed == "cancelled at shot 2 of 3"
    assert len(film.shots) == 1 and film.path is not None and accepted_submits(emulator) == 2
    second = story.request_ids[1]
    assert emulator.stats.count("cancel", second) == 1
    assert emulator.jobs[second].error_type == "client_cancelled"


def test_continue_a_clip_by_name_then_stitch_it_by_request_id(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    run_cell(ip, "%%seedance --fast -r 480p -d 4 --seed 3 --wait --out clip\nA kite over the dunes").ok()
    clip = ip.user_ns["clip"].result
    run_cell(ip, "%%seedance --continue clip --fast -r 480p -d 4 --seed 4 --wait --out more\nIt lands").ok()
    more = ip.user_ns["more"]
    assert more.spec.endpoint_id.endswith("/image-to-video") and more.result.path.is_file()
    job = emulator.jobs[more.request_id]
    assert httpx.get(job.arguments["image_url"], timeout=10).content == last_frame(clip.path)

    options = f"--continue {clip.request_id} --stitch --fast -r 480p -d 4 --seed 4 --wait -o joined"
    ran = run_cell(ip, f"%%seedance {options}\nIt lands")
    ran.ok()
    film = ip.user_ns["joined"].wait()
    assert film.prelude is not None and film.prelude.request_id == clip.request_id
    assert film.shots[0].cached  # the same continuation as above: replayed for $0
    assert film.seconds == pytest.approx(8.0) and probe(film.path).duration_s == pytest.approx(8.0, abs=0.05)
    assert accepted_submits(emulator) == 2
    assert f"--continue {clip.request_id}" in film.reproduce

    for line, fragment in [
        ("--continue nothing_here", "no notebook variable or journalled request by that name"),
        ("--continue clip -i x.png", "--continue contradicts -i/--image"),
    ]:
        message = run_cell(ip, f"%%seedance {line}\nx").one_clear_line()
        assert fragment in message
    ip.user_ns["number"] = 5
    assert "holds a int, not a Job" in run_cell(ip, "%%seedance --continue number\nx").one_clear_line()
    assert accepted_submits(emulator) == 2


def test_a_continued_clip_keeps_its_resolution_unless_the_line_gives_one(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    """`--continue clip` with no -r makes the next shot at the clip's resolution (not the
    720p default: that would cost more, and the stitched film would be encoded again)."""
    run_cell(ip, "%%seedance --fast -r 480p -d 4 --seed 3 --wait --out clip\nA kite over the dunes").ok()
    run_cell(ip, "%%seedance --continue clip --fast -d 4 --seed 4 --wait --out more\nIt lands").ok()
    more = ip.user_ns["more"]
    assert emulator.jobs[more.request_id].arguments["resolution"] == "480p"
    assert "-r 480p" in more.result.reproduce_cell
    run_cell(ip, "%%seedance --continue clip --stitch --fast -d 4 --seed 4 --wait -o joined\nIt lands").ok()
    film = ip.user_ns["joined"].wait()
    assert film.shots[0].cached and not film.reencoded  # the same shot, joined by copying
    run_cell(ip, "%%seedance --continue clip -r 720p --fast -d 4 --seed 5 --wait --out big\nIt lands").ok()
    assert emulator.jobs[ip.user_ns["big"].request_id].arguments["resolution"] == "720p"


def test_a_story_in_python_awaited_and_in_the_history(runtime: Runtime, emulator: Emulator) -> None:
    async def scenario() -> Any:
        story = sd.story([SHOTS[0], {"prompt": SHOTS[1], "duration": 5}], seed=21, **OPTIONS)
        assert not story.done  # returned at once
        film = await story
        await runtime.aclose_loop()
        return film

    film = asyncio.run(scenario())
    assert [s.duration_s for s in film.shots] == [4.0, 5.0] and film.seconds == pytest.approx(9.0)
    assert film.reproduce.splitlines()[0] == "%%seedance --fast -r 480p -d 4 --no-audio --story --seed 21"
    sd.generate("A lone clip", seed=1, **OPTIONS).wait()
    view = gallery.history_view(runtime)
    text = repr(view)
    assert text.splitlines()[0] == "2 past results (newest first)"
    assert "story of 2 shots · 9.0 s" in text and str(film.path) in text and "A lone clip" in text
    assert "--- -d 5" in text


@pytest.mark.usefixtures("comms")
def test_a_story_from_the_studio(runtime: Runtime, emulator: Emulator) -> None:
    studio = Studio(runtime)
    prompt = "A kite is unrolled\n--- -d 5\nThe kite climbs"
    studio.panel.set_values(FormValues(prompt=prompt, tier="fast", resolution="480p", duration="4", seed=8))
    assert "Seedance 2.0" in studio.panel.estimate.value  # a single clip until the box is ticked
    studio.panel.story.value = True
    assert "story of 2 shots" in studio.panel.estimate.value
    story = studio.generate()
    assert story is not None and studio.stories == [story]
    film = story.wait()
    assert [s.duration_s for s in film.shots] == [4.0, 5.0] and accepted_submits(emulator) == 2
    card = studio.panel.gallery.children[0]
    (view,) = card.children
    assert view.film.outputs and film.path.name in view.film.outputs[0]["data"]["text/html"]


def test_a_shot_timed_out_or_cancelled_from_outside_stops_the_story(
    runtime: Runtime, emulator: Emulator
) -> None:
    from seedance_magic.app.reports import cancel

    emulator.configure(hold=True)  # every shot waits in the queue
    story = sd.story(SHOTS[:2], seed=31, timeout=0.5, **OPTIONS)
    with pytest.raises(SeedanceError, match=r"shot 1 of 2 failed: timed out after 0\.5 s"):
        story.wait()
    assert story.status == "failed" and story.film is not None and story.film.path is None

    async def scenario() -> Any:
        story = sd.story(SHOTS[:2], seed=32, **OPTIONS)
        await asyncio.to_thread(wait_until, lambda: story.request_ids, 30, "shot 1 sent")
        cancel(runtime, "all")  # %seedance cancel all
        with pytest.raises(SeedanceError, match="shot 1 of 2 was cancelled"):
            await story
        await runtime.aclose_loop()
        return story

    assert asyncio.run(scenario()).status == "cancelled"
    assert accepted_submits(emulator) == 2  # one shot 1 each, no shot 2
