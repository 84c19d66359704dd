"""A story as text and static HTML (render/story.py, render/story_card.py): the strip of
shots while it runs, the film once it has ended, escaping, and that the static form
stands alone (a `<video>` with a relative src, the reproduce cells, no widget)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from seedance_magic.engine.job import State
from seedance_magic.model import StoryResult, StorySnapshot
from seedance_magic.render.film import film_html, film_text
from seedance_magic.render.gallery import Card, history_html, history_text
from seedance_magic.render.story import story_html, story_text
from seedance_magic.render.story_card import Shot, StoryCard
from seedance_magic.spec.cost import CostEstimate

from helpers.markup import assert_inert
from helpers.widgets import EVIL, NOW, result, snapshot

PNG = "data:image/png;base64,iVBORw0KGgo="
CELL = "%%seedance --fast -d 6 --story --seed 42\nA hummingbird\n---\nIt flies off"


def shots(count: int = 3) -> list[Any]:
    return [
        result(
            seed=42 + k, request_id=f"req-{k}", arguments={"prompt": f"shot {k + 1} prompt", "duration": "6"}
        )
        for k in range(count)
    ]


def film(**changes: Any) -> StoryResult:
    base = StoryResult(
        path=Path("seedance_outputs/story_a_1234abcd.mp4"),
        shots=tuple(shots()),
        reproduce=CELL,
        planned=3,
        seconds=18.0,
        offsets=(0.0, 6.0, 12.0),
    )
    return replace(base, **changes)


def running(**changes: Any) -> StorySnapshot:
    done = snapshot(State.COMPLETED, result=shots(1)[0])
    base = StorySnapshot(
        key="story-1",
        state="running",
        prompts=("A hummingbird", "It flies off", EVIL),
        shots=(done, snapshot(State.RUNNING, progress=0.4), None),
        estimate=CostEstimate(4.35, 4.35, "3 shots"),
        emulated=True,
        reproduce=CELL,
        posters=(PNG, None, None),
        stage="shot 2 of 3",
    )
    return replace(base, **changes)


def test_the_strip_while_the_story_runs() -> None:
    story = running()
    text = story_text(story, NOW)
    lines = text.splitlines()
    assert lines[0].startswith("seedance story · 3 shots · est. $4.35 · 1 done, 1 running, 1 queued")
    assert "EMULATOR" in lines[0]
    assert lines[1].startswith("  1. completed") and lines[2].startswith("  2. running · 0:12 · 40%")
    assert lines[3].startswith("  3. queued") and lines[-1] == "  shot 2 of 3"
    markup = assert_inert(story_html(story, NOW))
    page = markup.all_text()
    assert "Seedance story" in page and "est. $4.35" in page
    assert EVIL in [d.get("title") for d in markup.tags("div")]
    tiles = [a for tag, a in markup.elements if tag == "div" and "seedance-shot " in str(a.get("class"))]
    assert [str(t["class"]).split()[-1] for t in tiles] == [
        "seedance-shot-done",
        "seedance-shot-running",
        "seedance-shot-queued",
    ]
    (poster,) = markup.tags("img")
    assert poster["src"] == PNG
    assert "waiting for the shot before" in page


def test_a_failed_story_says_which_shot_and_why() -> None:
    story = running(state="failed", error="shot 2 of 3 failed: the job failed at fal")
    assert story_text(story).splitlines()[-1] == "  shot 2 of 3 failed: the job failed at fal"
    assert "shot 2 of 3 failed" in assert_inert(story_html(story)).all_text()


def test_the_film_stands_alone() -> None:
    page = film_html(film())
    markup = assert_inert(page)
    (video,) = markup.tags("video")
    assert video["src"] == "seedance_outputs/story_a_1234abcd.mp4"
    assert (video["width"], video["height"]) == ("1280", "720")
    text = markup.all_text()
    assert "18.0 s · 3 shots · charged $4.35" in text and "joined without re-encoding" in text
    for k in range(3):
        assert f"shot {k + 1} prompt" in text and f"at 0:{6 * k:02d}" in text
    ((_, button),) = markup.with_class("seedance-copy")
    assert button["data-label"] == "copy the story cell" and button["data-copy"] == CELL
    # each shot's cell, folded; a later shot is made again by continuing the shot before it
    assert "%%seedance --fast -d 6 --seed 42\nshot 1 prompt" in text
    assert "%%seedance --fast -d 6 --continue req-0 --seed 43\nshot 2 prompt" in text
    assert "%%seedance --fast -d 6 --continue req-1 --seed 44\nshot 3 prompt" in text
    assert CELL in text  # the <pre>, to copy by hand
    assert "widget" not in page


def test_the_film_says_it_starts_muted_and_links_the_mp4() -> None:
    markup = assert_inert(film_html(film()))
    ((_, sound),) = markup.with_class("seedance-sound")
    assert "seedance-sound-scope" in str(markup.with_class("seedance-film")[0][1]["class"])
    assert "sound off" in markup.all_text() and sound["onclick"]
    ((_, link),) = markup.with_class("seedance-download")
    assert link["href"] == "seedance_outputs/story_a_1234abcd.mp4"
    assert link["download"] == "story_a_1234abcd.mp4"
    silent = film(shots=tuple(replace(s, has_audio=False) for s in shots()))
    assert not assert_inert(film_html(silent)).with_class("seedance-sound")
    embedded = assert_inert(film_html(film(), src="data:video/mp4;base64,AAAA"))
    assert "save the MP4" in embedded.all_text() and not embedded.tags("a")


def test_the_film_as_text() -> None:
    text = film_text(film(failed="shot 3 of 3 failed: boom", shots=tuple(shots(2)), seconds=12.0))
    lines = text.splitlines()
    assert lines[0] == "seedance story · 12.0 s · 2 of 3 shots · charged $2.90 · joined without re-encoding"
    assert lines[1] == "stopped:  shot 3 of 3 failed: boom"
    assert lines[2] == "film:     seedance_outputs/story_a_1234abcd.mp4"
    assert "  1. seed 42 · 6.0 s · $1.45" in lines and text.endswith(CELL)


def test_a_film_that_re_encoded_says_why() -> None:
    text = film_html(film(reencoded=True, reason="the clips differ in frame size"))
    assert "re-encoded (the clips differ in frame size)" in text


def test_no_film_when_no_shot_was_made() -> None:
    empty = film(path=None, shots=(), seconds=0.0, failed="shot 1 of 3 failed: refused", offsets=())
    page = assert_inert(film_html(empty)).all_text()
    assert "no shot made a video" in page and "shot 1 of 3 failed: refused" in page
    assert "(no shot made a video)" in film_text(empty)


def test_a_story_in_the_history_is_one_entry() -> None:
    made = shots()
    card = StoryCard(
        [Shot(r, PNG, "seedance_outputs/a%20b.mp4") for r in made],
        CELL,
        film="seedance_outputs/story_a_1234abcd.mp4",
        film_path="seedance_outputs/story_a_1234abcd.mp4",
    )
    alone = Card(result(seed=7, request_id="req-alone"))
    text = history_text([card, alone])
    assert text.splitlines()[0] == "2 past results (newest first)"
    assert " 1. " in text and "story of 3 shots · 18.0 s · charged $4.35" in text
    assert "    1. seed 42 · $1.45 · shot 1 prompt" in text and " 2. " in text and "seed 7" in text
    markup = assert_inert(history_html([card, alone]))
    links = [a["href"] for a in markup.tags("a")]
    assert "seedance_outputs/story_a_1234abcd.mp4" in links
    assert markup.tags("button")[0]["data-copy"] == CELL
