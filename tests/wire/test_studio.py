"""The studio: the form -> request mapping as pure functions, then the panel against the
emulator: generate, the gallery, reloading a video's settings, and compare."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from seedance_magic.app.studio import Studio, estimate_line
from seedance_magic.emulator import Emulator
from seedance_magic.engine.job import State
from seedance_magic.engine.runtime import Runtime
from seedance_magic.errors import InvalidRequest
from seedance_magic.spec.form import FormValues, form_from_arguments, request_from_form
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.plan import arguments as fal_arguments

from helpers.widgets import CommRecorder, comms

pytestmark = pytest.mark.usefixtures(comms.__name__)

PROMPT = "A hummingbird drinks from a neon flower at dusk"
QUICK = FormValues(prompt=PROMPT, tier="fast", resolution="480p", duration="4", aspect_ratio="16:9", seed=7)


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------ pure mapping
@pytest.mark.parametrize(
    ("values", "line"),
    [
        (FormValues(prompt=PROMPT), ""),
        (QUICK, "--fast -r 480p -d 4 -a 16:9 --seed 7"),
        (
            FormValues(prompt=PROMPT, audio=False, duration="12", aspect_ratio="9:16"),
            "--no-audio -d 12 -a 9:16",
        ),
        (FormValues(prompt=PROMPT, mode="t2v", resolution="1080p", yes=True), "--mode t2v -r 1080p --yes"),
    ],
)
def test_the_form_maps_to_the_request_the_magic_would_make(values: FormValues, line: str) -> None:
    assert request_from_form(values) == parse_cell(line, PROMPT)


def test_files_pass_as_objects_and_imply_the_mode() -> None:
    image = png()
    request = request_from_form(replace(QUICK, image=image))
    assert request.mode == "i2v" and request.image == image
    refs = request_from_form(replace(QUICK, ref_images=(image, image), ref_audios=(b"ID3",)))
    assert refs.mode == "r2v" and refs.ref_images == (image, image) and refs.ref_audios == (b"ID3",)


def test_the_prompt_is_taken_literally() -> None:
    text = "Costs $5 {x} and {{hero}} stays as typed"
    assert request_from_form(replace(QUICK, prompt=text)).prompt == text


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (replace(QUICK, resolution="1080p"), "--fast -r 1080p"),
        (replace(QUICK, seed=-1), "--seed=-1"),
        (replace(QUICK, mode="i2v"), "--mode i2v"),
        (replace(QUICK, mode="t2v", image=b"\x89PNG"), "--mode t2v -i x.png"),
    ],
)
def test_invalid_forms_get_the_parsers_one_line(values: FormValues, line: str) -> None:
    with pytest.raises(InvalidRequest) as expected:
        parse_cell(line, PROMPT)
    with pytest.raises(InvalidRequest) as got:
        request_from_form(values)
    assert str(got.value) == str(expected.value) and "\n" not in str(got.value)


def test_an_empty_prompt_is_named_for_the_form() -> None:
    with pytest.raises(InvalidRequest, match="describe the video in the prompt box"):
        request_from_form(replace(QUICK, prompt="  "))


@pytest.mark.parametrize(
    "values",
    [
        QUICK,
        FormValues(prompt=PROMPT, seed=1),
        replace(QUICK, audio=False, aspect_ratio="auto", duration="auto", tier="standard", resolution="4k"),
        replace(QUICK, mode="r2v", ref_images=(b"x",)),
    ],
)
def test_arguments_map_back_to_the_form(values: FormValues) -> None:
    request = request_from_form(values)
    arguments = {"image_urls": ["https://x/a.png"]} if request.ref_images else {}
    arguments.update({k: v for k, v in fal_arguments(request).items() if not k.endswith("urls")})
    back = form_from_arguments(request.endpoint.id, arguments, request.seed)
    assert back == replace(values, ref_images=(), mode="auto" if values.mode == "r2v" else values.mode)


def test_the_estimate_line() -> None:
    text, ok = estimate_line(QUICK)
    assert ok and text == "est. $0.45 · Seedance 2.0 fast text-to-video · via fal · 864x496 · 4 s"
    text, ok = estimate_line(replace(QUICK, duration="auto"))
    assert ok and "est. $" in text and "auto duration" in text and "–" in text
    text, ok = estimate_line(replace(QUICK, aspect_ratio="5:4"))
    assert not ok and text.startswith("-a/--aspect-ratio: '5:4' is not allowed")


def test_the_estimate_line_names_the_provider_and_its_refusals() -> None:
    text, ok = estimate_line(replace(QUICK, provider="lumenfall"))
    assert not ok and text.startswith("Lumenfall cannot take this request: the fast tier")
    text, ok = estimate_line(replace(QUICK, provider="lumenfall", tier="standard"))
    assert ok and "text-to-video · via Lumenfall · 864x496" in text
    text, ok = estimate_line(replace(QUICK, tier="standard"), configured="lumenfall")
    assert ok and "via Lumenfall" in text
    assert request_from_form(replace(QUICK, provider="lumenfall")).provider == "lumenfall"


# ------------------------------------------------------------------- the panel
@pytest.fixture
def studio(runtime: Runtime) -> Studio:
    return Studio(runtime, rng=random.Random(0), embed=False)


def fill(studio: Studio, values: FormValues) -> None:
    studio.panel.set_values(values)


def test_a_new_studio_has_a_seed_an_estimate_and_an_empty_gallery(studio: Studio) -> None:
    panel = studio.panel
    assert panel.seed.value == random.Random(0).randrange(2**32)
    assert studio.cards == [] and panel.gallery.children == ()
    assert "prompt is empty" in panel.estimate.value and panel.generate.disabled
    fill(studio, QUICK)
    assert "est. $0.45" in panel.estimate.value and not panel.generate.disabled
    panel.dice.click()
    assert panel.seed.value != 7
    assert repr(studio).splitlines()[:2] == [
        "seedance studio · 0 videos in the gallery",
        "form: configured provider · fast · inferred from the inputs · 480p · duration 4 · 16:9 · audio · "
        f"seed {panel.seed.value}",
    ]


def test_typing_updates_the_estimate_with_few_messages(studio: Studio, comms: CommRecorder) -> None:
    fill(studio, QUICK)
    before = comms.count()
    for word in ("A", "A red", "A red kite"):
        studio.panel.prompt.value = word
    studio.panel.duration.value = "8"
    assert "est. $0.90" in studio.panel.estimate.value
    assert comms.count() - before <= 8  # the changes themselves and one estimate line


def test_the_coach_hints_follow_the_prompt_box(studio: Studio) -> None:
    fill(studio, QUICK)
    studio.panel.prompt.value = "a cat"
    assert 'data-code="no-camera"' in studio.panel.hints.value
    studio.panel.prompt.value = (
        "Wide aerial shot of a lone cyclist riding through a rainy neon-lit alley at night, "
        "cinematic lighting, slow push-in, rain and distant thunder"
    )
    assert "seedance-hint-warning" not in studio.panel.hints.value
    studio.panel.prompt.value = ""
    assert studio.panel.hints.value == ""


def test_generate_runs_in_the_background_and_the_gallery_reloads_it(
    studio: Studio, emulator: Emulator
) -> None:
    fill(studio, QUICK)
    original = request_from_form(studio.values())
    first = studio.generate()
    fill(studio, replace(QUICK, seed=8, aspect_ratio="9:16"))
    second = studio.generate()  # several runs in flight
    assert first is not None and second is not None
    assert [c.job for c in studio.cards] == [second, first]  # the newest at the top
    assert studio.generate() is second  # a double click attaches to the job making it
    assert "already being made" in studio.panel.message.value
    assert len(studio.cards) == 2
    card = studio.cards[-1]
    assert card.view is not None and card.select.disabled and "--seed 7" in card.copy.value
    assert first.wait(timeout=60).seed == 7 and second.wait(timeout=60).seed == 8
    assert card.view is None and not card.select.disabled
    (player,) = card.children[0].outputs
    html = player["data"]["text/html"]
    assert (
        "<video" in html and "seed 7 · fast text-to-video · 480p · 4 s · 16:9" in html and "EMULATOR" in html
    )
    assert "%%seedance --fast -r 480p -d 4 -a 16:9 --seed 7" in card.copy.value
    assert card.reproduce.startswith("%%seedance --fast -r 480p -d 4 -a 16:9 --seed 7\n")
    fill(studio, QUICK)
    again = studio.generate()  # the same video again: from the cache, for $0
    assert again is not None and again.done and again.result is not None and again.result.cached
    assert "from the cache for $0" in studio.panel.message.value
    fill(studio, FormValues(prompt="something else", seed=99))
    card.load()
    assert request_from_form(studio.values()) == replace(original, provider="fal")  # where it was made
    assert studio.panel.message.value.count("settings loaded") == 1
    assert emulator.stats.count("submit") == 2


def test_refused_forms_are_one_red_line_and_send_nothing(studio: Studio, emulator: Emulator) -> None:
    fill(studio, replace(QUICK, aspect_ratio="auto", tier="standard", resolution="4k", duration="15"))
    assert studio.generate() is None
    assert (
        "max_usd_per_run" in studio.panel.message.value
        and "var(--jp-error-color1" in studio.panel.message.value
    )
    fill(studio, replace(QUICK, mode="i2v"))
    assert studio.generate() is None and "--mode i2v needs -i/--image" in studio.panel.message.value
    assert studio.cards == [] and emulator.stats.count("submit") == 0


def test_files_from_the_pickers_are_sent(studio: Studio, emulator: Emulator) -> None:
    fill(studio, QUICK)
    data = png()
    picked = {"name": "red.png", "type": "image/png", "size": len(data), "content": memoryview(data)}
    picked["last_modified"] = datetime(2026, 1, 1, tzinfo=timezone.utc)
    studio.panel.uploads["image"].value = (picked,)
    assert studio.values().image == data and "image-to-video" in studio.panel.estimate.value
    job = studio.generate()
    assert job is not None and job.wait(timeout=60).seed == 7
    assert len(emulator.stats.uploads) == 1 and "image-to-video" in job.spec.endpoint_id
    studio.cards[0].load()
    assert "start image" in studio.panel.message.value and studio.values().image == data


def test_past_results_come_from_the_journal_and_compare(runtime: Runtime) -> None:
    first = Studio(runtime, rng=random.Random(1))
    for seed in (1, 2):
        fill(first, replace(QUICK, seed=seed))
        job = first.generate()
        assert job is not None and job.wait(timeout=60).seed == seed
    again = Studio(runtime, rng=random.Random(2))
    assert [c.result.seed for c in again.cards if c.result] == [2, 1] and all(
        c.job is None for c in again.cards
    )
    again.cards[1].load()
    assert request_from_form(again.values()) == request_from_form(replace(QUICK, seed=1, provider="fal"))
    again.cards[0].select.value = True
    assert again.compare_selected() is None and "two or more" in again.panel.message.value
    again.cards[1].select.value = True
    view = again.compare_selected()
    assert view is not None and again.panel.compare_area.children[1] is view
    assert [r.seed for r in view.results] == [2, 1] and "sd-compare-play" in view.html
    bundle = again._repr_mimebundle_()
    assert bundle["text/html"].count("<video") == 2 and "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("seedance studio · 2 videos in the gallery")


def test_the_gallery_holds_this_folder_s_videos(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal is the user's: a studio opened in another notebook's folder does not
    show players of videos it cannot serve (`%seedance history` lists them)."""
    first = Studio(runtime, rng=random.Random(1))
    fill(first, replace(QUICK, seed=1))
    job = first.generate()
    assert job is not None and job.wait(timeout=60).seed == 1
    assert [c.result.seed for c in Studio(runtime).cards if c.result] == [1]
    elsewhere = tmp_path / "another-lesson"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert [c.result for c in Studio(runtime).cards] == []


def test_the_package_function_opens_a_studio(runtime: Runtime) -> None:
    import seedance_magic

    assert isinstance(seedance_magic.studio(), Studio)
    assert isinstance(seedance_magic.studio(), Studio)  # still the function once the module is imported
    assert all(job.status is State.COMPLETED for job in runtime.jobs.values())


def test_cards_of_failed_jobs_keep_their_outcome(studio: Studio, emulator: Emulator) -> None:
    from seedance_magic.emulator import Fault

    emulator.inject(Fault(on="submit", action="fail_job", error_type="runner_disconnected"))
    fill(studio, QUICK)
    job = studio.generate()
    assert job is not None
    with pytest.raises(Exception, match="failed"):
        job.wait(timeout=60)
    card = studio.cards[0]
    assert card.view is not None and card.select.disabled and card.result is None
    assert studio.selected() == []
