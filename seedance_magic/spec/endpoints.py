"""The Seedance 2.0 endpoint table: ids, enums, limits, prices and the cost formula.

Every number the package knows about fal's Seedance endpoints lives here, so that a
change at fal is a one-line change. Nothing in this module imports anything of ours.
Its records are NamedTuples: immutable like frozen dataclasses, and much cheaper to
define, which keeps `%load_ext` fast.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Mode = Literal["t2v", "i2v", "r2v"]
Tier = Literal["standard", "fast"]

MODES: tuple[Mode, ...] = ("t2v", "i2v", "r2v")
TIERS: tuple[Tier, ...] = ("standard", "fast")
MODE_NAMES: dict[Mode, str] = {
    "t2v": "text-to-video",
    "i2v": "image-to-video",
    "r2v": "reference-to-video",
}
APP = "bytedance/seedance-2.0"


class Endpoint(NamedTuple):
    id: str
    mode: Mode
    tier: Tier
    usd_per_second_720p: float
    usd_per_second_720p_with_video: float
    usd_per_1k_tokens: float

    @property
    def label(self) -> str:
        tier = "fast " if self.tier == "fast" else ""
        return f"Seedance 2.0 {tier}{MODE_NAMES[self.mode]}"


def _endpoint(mode: Mode, tier: Tier, per_s: float, per_s_video: float, per_1k: float) -> Endpoint:
    prefix = f"{APP}/fast/" if tier == "fast" else f"{APP}/"
    return Endpoint(prefix + MODE_NAMES[mode], mode, tier, per_s, per_s_video, per_1k)


# Prices in USD per second of 720p output, from fal's model pages.
ENDPOINTS: dict[str, Endpoint] = {
    e.id: e
    for e in (
        _endpoint("t2v", "standard", 0.3034, 0.3034 * 0.6, 0.0140),
        _endpoint("i2v", "standard", 0.3024, 0.3024 * 0.6, 0.0140),
        _endpoint("r2v", "standard", 0.3024, 0.1814, 0.0140),
        _endpoint("t2v", "fast", 0.2419, 0.2419 * 0.6, 0.0112),
        _endpoint("i2v", "fast", 0.2419, 0.2419 * 0.6, 0.0112),
        _endpoint("r2v", "fast", 0.2419, 0.14515, 0.0112),
    )
}

VIDEO_INPUT_FACTOR = 0.6
TOKEN_FPS = 24
TOKEN_DIVISOR = 1024


def endpoint_for(mode: Mode, tier: Tier) -> Endpoint:
    prefix = f"{APP}/fast/" if tier == "fast" else f"{APP}/"
    return ENDPOINTS[prefix + MODE_NAMES[mode]]


def find_endpoint(endpoint_id: str) -> Endpoint | None:
    """The endpoint for an id, also when fal's queue path (owner/alias/...) is given."""
    return ENDPOINTS.get(endpoint_id.strip("/"))


# ---------------------------------------------------------------------------- enums
RESOLUTIONS: tuple[str, ...] = ("480p", "720p")
# fal's newer client types list these for the standard tier only.
STANDARD_ONLY_RESOLUTIONS: tuple[str, ...] = ("1080p", "4k")
DEFAULT_RESOLUTION = "720p"
ASPECT_RATIOS: tuple[str, ...] = ("auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
DEFAULT_ASPECT_RATIO = "auto"
MIN_DURATION = 4
MAX_DURATION = 15
DURATIONS: tuple[str, ...] = ("auto", *(str(s) for s in range(MIN_DURATION, MAX_DURATION + 1)))
DEFAULT_DURATION = "auto"
DEFAULT_GENERATE_AUDIO = True
MAX_SEED = 2**32 - 1


def resolutions_for(tier: Tier) -> tuple[str, ...]:
    return RESOLUTIONS + STANDARD_ONLY_RESOLUTIONS if tier == "standard" else RESOLUTIONS


# --------------------------------------------------------------------------- fields
# The argument fields of every endpoint, and those each mode adds (its inputs).
LIST_FIELDS = ("image_urls", "video_urls", "audio_urls")
COMMON_FIELDS = ("prompt", "resolution", "duration", "aspect_ratio", "generate_audio", "seed", "end_user_id")
MODE_FIELDS: dict[Mode, tuple[str, ...]] = {
    "t2v": (),
    "i2v": ("image_url", "end_image_url"),
    "r2v": LIST_FIELDS,
}


# --------------------------------------------------------------------------- limits
IMAGE_FORMATS = ("jpeg", "png", "webp")
VIDEO_FORMATS = ("mp4", "mov")
AUDIO_FORMATS = ("mp3", "wav")
MB = 1024 * 1024


class Limits(NamedTuple):
    max_images: int = 9
    max_videos: int = 3
    max_audios: int = 3
    max_files: int = 12
    max_image_bytes: int = 30 * MB
    max_audio_bytes: int = 15 * MB
    max_total_video_bytes: int = 50 * MB
    min_total_video_seconds: float = 2.0
    max_total_video_seconds: float = 15.0
    max_total_audio_seconds: float = 15.0
    # Reference videos must lie between ~480p and ~720p, measured in pixels.
    min_video_pixels: int = 640 * 640
    max_video_pixels: int = 834 * 1112


LIMITS = Limits()
