"""The story widget without a browser: a fake story publishes snapshots; the widget's
strip and head follow them, "Cancel story" reaches the story, the film appears once
stitched, and its text and HTML forms are render/story.py's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from seedance_magic.engine.job import State
from seedance_magic.model import StoryResult, StorySnapshot
from seedance_magic.spec.cost import CostEstimate
from seedance_magic.ui.show import live_view
from seedance_magic.ui.story import StoryView

from helpers.widgets import CommRecorder, comms, result, snapshot

pytestmark = pytest.mark.usefixtures(comms.__name__)
PNG = "data:image/png;base64,iVBORw0KGgo="


@dataclass
class FakeStory:
    """What the view uses of a Story."""

    snapshot: StorySnapshot
    cancels: int = 0
    view: str = "story"
    subscribers: list[Callable[[StorySnapshot], None]] = field(default_factory=list)

    def subscribe(self, callback: Callable[[StorySnapshot], None]) -> Callable[[], None]:
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def cancel(self) -> None:
        self.cancels += 1

    def publish(self, **changes: Any) -> None:
        self.snapshot = replace(self.snapshot, **changes)
        for callback in list(self.subscribers):
            callback(self.snapshot)


def story() -> FakeStory:
    return FakeStory(
        StorySnapshot(
            key="story-1",
            state="pending",
            prompts=("A kite", "It lands"),
            shots=(None, None),
            estimate=CostEstimate(0.97, 0.97, "2 shots"),
            emulated=True,
            reproduce="%%seedance --story\nA kite\n---\nIt lands",
        )
    )


def test_the_widget_follows_the_story_to_its_film(comms: CommRecorder) -> None:
    fake = story()
    view = live_view(fake)
    assert isinstance(view, StoryView) and fake.subscribers
    assert "2 queued" in view._head.value and view._strip.value.count("seedance-shot-queued") == 2
    assert view.film.layout.display == "none"

    done = snapshot(State.COMPLETED, result=result(seed=4))
    fake.publish(
        state="running", shots=(done, snapshot(State.RUNNING)), posters=(PNG, None), stage="shot 2 of 2"
    )
    assert "seedance-shot-done" in view._strip.value and PNG in view._strip.value
    assert "shot 2 of 2" in view._head.value and not view._cancel.disabled
    sent = comms.count()
    fake.publish()  # nothing changed: nothing is sent
    assert comms.count() == sent

    view._cancel.click()
    assert fake.cancels == 1

    film = StoryResult(
        Path("seedance_outputs/story_a_1.mp4"), (result(seed=4), result(seed=5)), "cell", 2, 12.0
    )
    fake.publish(state="completed", film=film, stage="")
    (output,) = view.film.outputs
    assert "story_a_1.mp4" in output["data"]["text/html"] and view.film.layout.display is None
    assert view._cancel.disabled and view._cancel.description == "ended" and not fake.subscribers
    bundle = view._repr_mimebundle_()
    assert "story_a_1.mp4" in bundle["text/html"] and bundle["text/plain"].startswith(
        "seedance story · 12.0 s"
    )
