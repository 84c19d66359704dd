"""Job and story progress where there are no widgets (terminal IPython, scripts): one
line per change of state on a stream. No ipywidgets here."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from ..render.shapes import SnapshotShape as Snapshot
from ..render.story import StoryShape, shot_word
from ..render.text import SEP, status_line
from .shapes import Watchable


class TextProgress:
    """Job progress where there are no widgets (terminal IPython, scripts): one line per
    change of state, not per tick; the last one ends with the video's path.

        TextProgress(job)            # writes to sys.stderr as the job goes
        TextProgress(job, only_end=True)  # only how it ended (a job left to run on)
    """

    def __init__(
        self,
        job: Watchable,
        stream: TextIO | None = None,
        *,
        prefix: str = "seedance: ",
        clock: Callable[[], float] = time.monotonic,
        only_end: bool = False,
    ) -> None:
        self._stream = stream
        self._prefix = prefix
        self._only_end = only_end
        self._clock = clock
        self._last: tuple[Any, ...] | None = None
        self._trouble: str | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.update(job.snapshot)
        if not job.snapshot.state.terminal:
            self._unsubscribe = job.subscribe(self.update)

    def _write(self, line: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        stream.write(f"{self._prefix}{line}\n")
        stream.flush()

    def update(self, snapshot: Snapshot) -> None:
        if self._only_end and not snapshot.state.terminal:
            return
        key = (snapshot.state, snapshot.cancelling)
        if key != self._last:
            self._last = key
            self._write(status_line(snapshot, self._clock()))
        if snapshot.trouble and snapshot.trouble != self._trouble:
            self._write(f"  {snapshot.trouble}")
        self._trouble = snapshot.trouble
        if snapshot.state.terminal:
            self.close()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class StoryTextProgress:
    """A story's progress without widgets: a line when a shot is under way or has ended,
    or the story moves on (reading a frame, stitching), then the film's path."""

    def __init__(self, story: Any, stream: TextIO | None = None, *, prefix: str = "seedance story: ") -> None:
        self._stream = stream
        self._prefix = prefix
        self._last: tuple[Any, ...] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.update(story.snapshot)
        if not story.snapshot.terminal:
            self._unsubscribe = story.subscribe(self.update)

    def update(self, story: StoryShape) -> None:
        words = tuple(
            "under way" if s is not None and not s.state.terminal else shot_word(s) for s in story.shots
        )
        key = (story.state, story.stage, words)
        if key == self._last:
            return
        self._last = key
        shots = ", ".join(f"{n} {w}" for n, w in enumerate(words, 1))
        film = story.film
        if film is not None:
            line = f"{story.state}{SEP}{film.path or 'no film'}" + (
                f"{SEP}{film.failed}" if film.failed else ""
            )
        else:
            line = SEP.join(p for p in (story.state, story.stage, shots) if p)
        stream = self._stream if self._stream is not None else sys.stderr
        stream.write(f"{self._prefix}{line}\n")
        stream.flush()
        if story.film is not None and self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
