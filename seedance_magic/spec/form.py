"""The studio's form as values: what it holds (`FormValues`), the request it stands for
(checked exactly as a `%%seedance` cell would be), and the form values that make a past
video again. Pure; the widgets are ui/studio.py, the controller app/studio.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidRequest
from . import endpoints as ep
from .checks import check_prompt
from .keywords import request_from_options
from .providers import PROVIDERS
from .request import DEFAULTS, Defaults, GenerationRequest
from .story import StoryRequest
from .story_parse import parse_story

__all__ = [
    "MODES",
    "PROVIDER_CHOICES",
    "FormValues",
    "form_from_arguments",
    "inputs_note",
    "request_from_form",
    "story_from_form",
]

MODES: tuple[tuple[str, str], ...] = (
    ("inferred from the inputs", "auto"),
    ("text-to-video", "t2v"),
    ("image-to-video", "i2v"),
    ("reference-to-video", "r2v"),
)
HISTORY = 24
# The provider dropdown: the configured one (Seedance.provider), or one by name.
PROVIDER_CHOICES = (("configured", "auto"), *((p.label, p.name) for p in PROVIDERS.values()))


@dataclass(frozen=True)
class FormValues:
    """What the studio's form holds. Media are what a `{{name}}` may stand for (bytes
    from the file pickers, paths, PIL images); `mode` "auto" is inferred from them."""

    prompt: str = ""
    provider: str = "auto"  # auto: the configured provider (Seedance.provider)
    mode: str = "auto"
    tier: ep.Tier = "standard"
    resolution: str = ep.DEFAULT_RESOLUTION
    duration: str = ep.DEFAULT_DURATION
    aspect_ratio: str = ep.DEFAULT_ASPECT_RATIO
    audio: bool = ep.DEFAULT_GENERATE_AUDIO
    seed: int | None = None
    yes: bool = False
    image: Any = None
    end_image: Any = None
    ref_images: tuple[Any, ...] = field(default=())
    ref_videos: tuple[Any, ...] = field(default=())
    ref_audios: tuple[Any, ...] = field(default=())
    story: bool = False  # the prompt box holds shots separated by --- lines

    @classmethod
    def starting(cls, defaults: Defaults = DEFAULTS, seed: int | None = None) -> FormValues:
        """An empty form showing the configured defaults (%config Seedance.*)."""
        return cls(
            tier=defaults.tier,
            resolution=defaults.resolution,
            duration=defaults.duration,
            aspect_ratio=defaults.aspect_ratio,
            audio=defaults.generate_audio,
            seed=seed,
        )


def request_from_form(values: FormValues, defaults: Defaults = DEFAULTS) -> GenerationRequest:
    """The request the form stands for, checked as the `%%seedance` cell with the same
    options would be (the same checks, the same one-line InvalidRequest messages)."""
    check_prompt(values.prompt, "describe the video in the prompt box")
    return request_from_options(
        values.prompt,
        defaults,
        provider=None if values.provider == "auto" else values.provider,
        fast=values.tier == "fast",
        standard=values.tier == "standard",
        mode=None if values.mode == "auto" else values.mode,
        resolution=values.resolution,
        duration=values.duration,
        aspect_ratio=values.aspect_ratio,
        generate_audio=values.audio or None,
        no_audio=not values.audio,
        seed=values.seed,
        yes=values.yes,
        image=values.image,
        end_image=values.end_image,
        ref_images=list(values.ref_images) or None,
        ref_videos=list(values.ref_videos) or None,
        ref_audios=list(values.ref_audios) or None,
    )


def story_from_form(values: FormValues, defaults: Defaults = DEFAULTS) -> StoryRequest:
    """The story the form stands for when "story" is ticked: the prompt box's `---` lines
    separate the shots (a `---` line may carry that shot's options), the form's settings
    apply to every shot; checked as the `%%seedance --story` cell would be."""
    if not values.prompt.strip():
        raise InvalidRequest("the prompt is empty: write the shots in the prompt box, between --- lines")
    if values.end_image is not None or values.ref_images or values.ref_videos or values.ref_audios:
        raise InvalidRequest(
            "a story takes only a start image: each shot after the first starts from the last "
            "frame of the one before (clear the other files)"
        )
    words = ["--story", f"--{values.tier}", "-r", values.resolution, "-d", values.duration]
    words += ["-a", values.aspect_ratio, "--audio" if values.audio else "--no-audio"]
    words += ["--seed", str(values.seed)] if values.seed is not None else []
    words += ["--provider", values.provider] if values.provider != "auto" else []
    words += ["--mode", values.mode] if values.mode != "auto" else []
    words += ["--yes"] if values.yes else []
    words += ["-i", "{{image}}"] if values.image is not None else []
    body = values.prompt.replace("{{", "\\{{")  # the prompt box is taken literally
    return parse_story(" ".join(words), body, defaults=defaults, namespace={"image": values.image})


def _implied_mode(arguments: Mapping[str, Any]) -> str:
    if arguments.get("image_url"):
        return "i2v"
    if any(arguments.get(f) for f in ("image_urls", "video_urls", "audio_urls")):
        return "r2v"
    return "t2v"


def form_from_arguments(
    endpoint_id: str, arguments: Mapping[str, Any], seed: int | None, provider: str = "auto"
) -> FormValues:
    """The form values that make these arguments again at this provider (the files
    aside): the mode stays "auto" when the inputs imply it."""
    endpoint = ep.find_endpoint(endpoint_id)
    mode = "auto" if endpoint is None or endpoint.mode == _implied_mode(arguments) else endpoint.mode
    given = arguments.get("seed")
    return FormValues(
        prompt=str(arguments.get("prompt", "")),
        provider=provider,
        mode=mode,
        tier=endpoint.tier if endpoint is not None else "standard",
        resolution=str(arguments.get("resolution", ep.DEFAULT_RESOLUTION)),
        duration=str(arguments.get("duration", ep.DEFAULT_DURATION)),
        aspect_ratio=str(arguments.get("aspect_ratio", ep.DEFAULT_ASPECT_RATIO)),
        audio=bool(arguments.get("generate_audio", ep.DEFAULT_GENERATE_AUDIO)),
        seed=seed if seed is not None else given if isinstance(given, int) else None,
    )


def inputs_note(arguments: Mapping[str, Any]) -> str:
    """What a reload cannot bring back: the input files, named by their option."""
    used = [
        name
        for key, name in (
            ("image_url", "start image"),
            ("end_image_url", "end image"),
            ("image_urls", "reference images"),
            ("video_urls", "reference videos"),
            ("audio_urls", "reference audio"),
        )
        if arguments.get(key)
    ]
    return f"settings loaded; this video also used {', '.join(used)}: pick the files again" if used else ""
