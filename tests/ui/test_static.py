"""Static forms (ui/static.py): what a notebook keeps once a job has ended. Real clips
made by the emulator's renderer, posters decoded with Pillow, embedded videos with PyAV."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image

from seedance_magic.emulator.clip import RenderSpec
from seedance_magic.emulator.synth import render_cached
from seedance_magic.engine.job import Snapshot, State
from seedance_magic.errors import MissingDependency
from seedance_magic.media import video
from seedance_magic.model import Result
from seedance_magic.spec.cost import CostEstimate
from seedance_magic.ui import static

from helpers.markup import Markup, assert_inert
from helpers.widgets import result, snapshot

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static, "_posters", {})
    monkeypatch.setattr(static, "_opus", {})


def made(name: str, seed: int = 3, audio: bool = True) -> Result:
    """A result whose MP4 (a real emulator clip) is at seedance_outputs/NAME.mp4 under the cwd."""
    path = Path("seedance_outputs") / f"{name}.mp4"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(render_cached(RenderSpec(864, 496, 4, seed, "A paper boat at dusk", audio=audio)))
    return result(path=path, seed=seed, width=864, height=496, duration_s=4.0, emulated=True, has_audio=audio)


def test_a_result_is_text_the_player_and_its_poster_with_no_widget_view() -> None:
    clip = made("boat")
    bundle = static.result_bundle(clip)
    assert set(bundle) == {"text/plain", "text/html", "image/jpeg"}
    jpeg = base64.b64decode(bundle["image/jpeg"])
    assert jpeg == video.poster_jpeg(clip.path)
    markup = assert_inert(bundle["text/html"])
    (player,) = markup.tags("video")
    assert player["src"] == "seedance_outputs/boat.mp4"
    assert player["poster"] == "data:image/jpeg;base64," + bundle["image/jpeg"]
    assert "seed 3" in bundle["text/plain"] and "reproduce:" in bundle["text/plain"]
    size = len(json.dumps(bundle))
    assert size < 60_000 and len(jpeg) <= static.POSTER_BYTES, size


def test_a_poster_is_made_once_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    clip = made("boat")
    calls: list[Path] = []
    real = video.poster_jpeg

    def counted(path: Path, **kwargs: Any) -> bytes:
        calls.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(video, "poster_jpeg", counted)
    first = static.result_bundle(clip)
    assert static.result_bundle(clip) == first and len(calls) == 1


@pytest.mark.parametrize("problem", ["gone", "no extra", "unreadable"])
def test_without_a_poster_the_rest_is_the_same(problem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = made("boat")
    if problem == "gone":
        clip.path.unlink()  # type: ignore[union-attr]
    elif problem == "unreadable":
        clip.path.write_bytes(b"not a video")  # type: ignore[union-attr]
    else:

        def missing(*_: Any, **__: Any) -> bytes:
            raise MissingDependency("Making a poster image needs av", hint="pip install")

        monkeypatch.setattr(video, "poster_jpeg", missing)
    bundle = static.result_bundle(clip)
    assert set(bundle) == {"text/plain", "text/html"}
    (player,) = Markup(bundle["text/html"]).tags("video")
    assert "poster" not in player and player["src"] == "seedance_outputs/boat.mp4"


def test_embedding_inlines_the_file_and_vscode_gets_opus_sound() -> None:
    clip = made("boat")
    bundle = static.result_bundle(clip, embed=True)
    (player,) = Markup(bundle["text/html"]).tags("video")
    src = str(player["src"])
    assert src == "data:video/mp4;base64," + base64.b64encode(clip.path.read_bytes()).decode()  # type: ignore[union-attr]
    assert bundle["text/html"].count(src) == 1  # its download link does not copy it again
    (player,) = Markup(static.result_bundle(clip, embed=True, opus=True)["text/html"]).tags("video")
    data = base64.b64decode(str(player["src"]).removeprefix("data:video/mp4;base64,"))
    info = video.probe(data)
    assert (info.video_codec, info.audio_codec) == ("h264", "opus")
    silent = made("quiet", seed=4, audio=False)
    assert static.player_src(silent, embed=True, opus=True) == static.player_src(silent, embed=True)
    assert static.player_src(clip, opus=True) == "seedance_outputs/boat.mp4"  # only where embedded


def test_the_opus_copy_is_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from seedance_magic.media import opus

    clip = made("boat")
    calls: list[object] = []
    real = opus.opus_copy
    monkeypatch.setattr(opus, "opus_copy", lambda source: calls.append(source) or real(source))
    first = static.player_src(clip, embed=True, opus=True)
    assert static.player_src(clip, embed=True, opus=True) == first and len(calls) == 1
    with av.open(io.BytesIO(base64.b64decode(first.split(",", 1)[1]))) as container:
        assert container.streams.audio[0].codec_context.name == "opus"


def test_a_job_that_ended_without_a_video_shows_how_it_ended() -> None:
    job = FakeRun(snapshot(State.FAILED, error="fal reports the job failed: <b>boom</b>", finished=130.0))
    bundle = static.static_bundle(job)
    assert set(bundle) == {"text/plain", "text/html"}
    assert "failed" in bundle["text/plain"] and "&lt;b&gt;boom&lt;/b&gt;" in bundle["text/html"]
    done = FakeRun(snapshot(State.COMPLETED, result=made("boat")))
    assert static.static_bundle(done) == static.result_bundle(done.result)  # type: ignore[arg-type]


@pytest.mark.parametrize("state", [State.FAILED, State.CANCELLED])
def test_a_job_that_ended_without_a_video_keeps_its_request_id_and_reproduce_cell(state: State) -> None:
    """What support asks for (the request id) and the way to try again (the cell), in
    the saved output, with a copy button that needs no kernel."""
    cell = "%%seedance -d 4 --seed 3\nA paper boat at dusk"
    spec = type("Spec", (), {"reproduce": cell, "arguments": {"prompt": "A paper boat at dusk"}})()
    ended = snapshot(state, error=f"{state.value} <by fal>", finished=130.0, request_id="req-42")
    bundle = static.static_bundle(FakeRun(ended, spec))
    text, html = bundle["text/plain"], bundle["text/html"]
    assert "req-42" in text and cell in text
    shown = "".join(Markup(html).text)
    assert "req-42" in shown and "%%seedance -d 4 --seed 3" in shown
    assert "copy the cell" in html and WIDGET not in bundle
    assert_inert(html)


@dataclass
class FakeRun:
    snapshot: Snapshot
    spec: Any = None

    @property
    def result(self) -> Result | None:
        return self.snapshot.result


@dataclass
class FakeGroup:
    jobs: list[FakeRun]
    estimate: CostEstimate = field(default_factory=lambda: CostEstimate(1.0, 1.0))
    prompt: str = "A paper boat at dusk"
    captions: list[dict[str, Any]] = field(default_factory=list)

    def cells(self) -> list[tuple[Snapshot, dict[str, Any], bool]]:
        return [(job.snapshot, {"seed": i + 1}, False) for i, job in enumerate(self.jobs)]


def test_a_grid_is_text_its_players_with_posters_and_one_picture() -> None:
    jobs = [
        FakeRun(snapshot(State.COMPLETED, result=made(f"cell{i}", seed=i), emulated=True)) for i in (1, 2)
    ]
    jobs.append(FakeRun(snapshot(State.CANCELLED, error="cancelled")))
    bundle = static.static_bundle(FakeGroup(jobs))
    assert set(bundle) == {"text/plain", "text/html", "image/jpeg"} and WIDGET not in bundle
    markup = assert_inert(bundle["text/html"])
    players = markup.tags("video")
    assert [p["src"] for p in players] == ["seedance_outputs/cell1.mp4", "seedance_outputs/cell2.mp4"]
    assert all(str(p["poster"]).startswith("data:image/jpeg;base64,") for p in players)
    text = markup.all_text()
    assert "--seed 1" in text and "--seed 2" in text  # each cell's reproduce cell, as text
    with Image.open(io.BytesIO(base64.b64decode(bundle["image/jpeg"]))) as sheet:
        assert sheet.format == "JPEG" and sheet.size == (3 * 240 + 2 * 4, 240)
    (player,) = Markup(static.static_bundle(FakeGroup(jobs[:1]), embed=True, opus=True)["text/html"]).tags(
        "video"
    )
    data = base64.b64decode(str(player["src"]).removeprefix("data:video/mp4;base64,"))
    assert video.probe(data).audio_codec == "opus"


def test_a_grid_without_any_video_has_no_picture() -> None:
    jobs = [FakeRun(snapshot(State.FAILED, error="no")) for _ in range(2)]
    assert set(static.static_bundle(FakeGroup(jobs))) == {"text/plain", "text/html"}
