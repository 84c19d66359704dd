"""A story end to end through `%%seedance --story` cells in an IPython shell, against the
emulator (its request counters and recorded arguments prove what was sent): one film
whose length is the sum of its shots, shots 2 and 3 sent as image-to-video whose start
images are exactly the previous clips' last frames, no jump at the cuts, nothing sent
again on a re-run, and a story over the budget refused before its first shot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator
from seedance_magic.media.stitch import last_frame, last_frame_array
from seedance_magic.media.video import first_frame, probe

from helpers.shells import accepted_submits, all_records, run_cell, seedance_shell

STORY = """%%seedance --story --fast -r 480p -d 4 --seed 5 --out film
A paper boat is folded on a kitchen table, close-up
---
The boat is set down in a gutter stream and starts to drift
--- -d 5
The boat drifts away under a bridge, wide shot"""
T2V = "bytedance/seedance-2.0/fast/text-to-video"
I2V = "bytedance/seedance-2.0/fast/image-to-video"


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def submitted(emulator: Emulator) -> list[Any]:
    """The emulator's jobs in the order they were submitted."""
    return sorted(emulator.jobs.values(), key=lambda job: job.submitted_at)


def decoded_seconds(path: Path) -> tuple[float, float, int]:
    """The film's video and audio lengths as PyAV decodes them, and its frame count."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = [f for f in container.decode(video)]
        rate = float(video.average_rate or 24)
        video_end = max(float(f.pts * video.time_base) for f in frames) + 1 / rate
    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        audio_end = max(
            float(f.pts * audio.time_base) + f.samples / f.sample_rate for f in container.decode(audio)
        )
    return video_end, audio_end, len(frames)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_done_when_a_three_shot_story_is_one_film_of_continuing_shots(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    """Shots of 4, 4 and 5 s give one 13 s MP4; shots 2 and 3 start from the previous
    shots' last frames; running the cell again sends nothing; a 3-shot story over a $1
    budget is refused before its first shot."""
    ran = run_cell(ip, STORY)
    ran.ok()
    story = ip.user_ns["film"]
    film = story.wait()
    assert story.done and film.complete and film.failed is None

    # one MP4 of 4 + 4 + 5 s, joined without re-encoding, sound throughout
    assert film.path.suffix == ".mp4" and film.path.is_file() and film.seconds == pytest.approx(13.0)
    video_s, audio_s, frames = decoded_seconds(film.path)
    assert video_s == pytest.approx(13.0, abs=0.05) and frames == 13 * 24
    assert audio_s == pytest.approx(13.0, abs=0.1)
    assert not film.reencoded and film.offsets == pytest.approx((0.0, 4.0, 8.0))
    assert [shot.duration_s for shot in film.shots] == [4.0, 4.0, 5.0]
    assert [shot.seed for shot in film.shots] == [5, 6, 7]
    assert film.request_ids == story.request_ids and len(set(film.request_ids)) == 3
    assert film.cost_usd == pytest.approx(sum(s.cost_usd for s in film.shots)) and film.charged_usd == 0

    # three submits: one text-to-video, then two image-to-video from the last frames
    jobs = submitted(emulator)
    assert [job.endpoint_id for job in jobs] == [T2V, I2V, I2V]
    assert [job.request_id for job in jobs] == list(film.request_ids)
    for earlier, job in zip(film.shots, jobs[1:], strict=False):
        sent = httpx.get(job.arguments["image_url"], timeout=10).content
        assert sent == last_frame(earlier.path)  # the very frame, byte for byte

    # each shot starts where the one before ended: no jump at the cuts
    other = run_cell(ip, "%%seedance --fast -r 480p -d 4 --seed 77 --wait --out other\nA red kite, dusk")
    other.ok()
    elsewhere = first_frame(ip.user_ns["other"].result.path)
    for earlier, later in zip(film.shots, film.shots[1:], strict=False):
        end, start = last_frame_array(earlier.path), first_frame(later.path)
        assert difference(end, start) < 10 < difference(end, elsewhere)

    # the cell's output stands alone: the film, each shot's seed and cell, the story's cell
    html = "\n".join(str(b.get("text/html", "")) for b in ran.bundles)
    assert "<video" in html and film.path.name in html and "--story --seed 5" in html
    # the journal holds the story as one group of three shots
    rows = [r for r in all_records() if r.group_id == story.plan.group_id]
    assert sorted(r.group_index for r in rows) == [0, 1, 2]

    # running the cell again sends nothing and gives the same film
    sent_before = emulator.stats.counts
    run_cell(ip, STORY).ok()
    again = ip.user_ns["film"].wait()
    assert emulator.stats.counts == sent_before
    assert [s.cached for s in again.shots] == [True, True, True] and again.charged_usd == 0
    assert again.path == film.path and again.request_ids == film.request_ids
    assert probe(again.path).duration_s == pytest.approx(13.0, abs=0.05)

    # a 3-shot story over a $1 budget is refused before its first shot
    run_cell(ip, "%config Seedance.max_usd_per_run = 1").ok()
    sent_before = emulator.stats.counts
    refused = run_cell(ip, STORY.replace("--seed 5", "--seed 50"))
    assert "this story of 3 shots is estimated at $1.46" in refused.one_clear_line()
    assert emulator.stats.counts == sent_before


def test_a_story_over_the_budget_is_refused_before_its_first_shot(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    run_cell(ip, "%config Seedance.max_usd_per_run = 1").ok()
    ran = run_cell(ip, STORY)
    line = ran.one_clear_line()
    assert "this story of 3 shots is estimated at $1.46" in line
    assert "max_usd_per_run = $1.00" in line and "--yes" in line
    assert accepted_submits(emulator) == 0 and not emulator.stats.uploads
    assert all_records() == [] and "film" not in ip.user_ns
    # one shot of it is within the budget: the budget is the whole story's
    run_cell(ip, "%config Seedance.session_budget_usd = 1").ok()
    ran = run_cell(ip, STORY.replace("--out film", "--yes --out film"))
    ran.ok()
    assert ip.user_ns["film"].wait().complete and accepted_submits(emulator) == 3


def test_the_dry_run_shows_every_shot_and_sends_nothing(ip: InteractiveShell, emulator: Emulator) -> None:
    ran = run_cell(ip, STORY.replace("--out film", "--dry-run"))
    ran.ok()
    text = ran.everything
    assert "story of 3 shots, est. $1.46" in text
    assert (
        "fast text-to-video" in text
        and "the last frame of shot 1" in text
        and "the last frame of shot 2" in text
    )
    assert "nothing was sent (--dry-run)" in text and accepted_submits(emulator) == 0
    # each shot with the prompt coach's hints, as a single cell's dry run shows them
    html = " ".join(str(bundle.get("text/html", "")) for bundle in ran.bundles)
    assert "no-audio-cue" in text and "seedance-coach" in html


def test_a_one_shot_story_says_one_shot(ip: InteractiveShell, emulator: Emulator) -> None:
    one = (
        "%%seedance --story --fast -r 480p -d 4 --seed 5 --dry-run\nA paper boat on a kitchen table, close-up"
    )
    text = run_cell(ip, one).everything
    assert "story of 1 shot," in text and "1 shots" not in text
