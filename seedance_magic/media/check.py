"""The limits of spec/seedance-api.md applied to input items, and the prompt's
@Image1/@Video2/@Audio1 names checked against the inputs given.

Pure functions over what is known of each item so far: a check whose facts are not
known yet (the format before the file is read, the duration before it is probed) is
skipped, so inputs.py runs `check_items` after each stage and stops at the first one that
finds something. Each problem is one line naming the option, the file and the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..spec import endpoints as ep
from ..spec.formats import DESCRIPTIONS, short
from ..spec.inputs import InputItem
from ..spec.references import check_references

LIMITS = ep.LIMITS
FORMATS = {"image": ep.IMAGE_FORMATS, "video": ep.VIDEO_FORMATS, "audio": ep.AUDIO_FORMATS}
FORMAT_NAMES = {"image": "JPEG, PNG or WebP", "video": "MP4 or MOV", "audio": "MP3 or WAV"}
_NOUNS = {"image": "image", "video": "video", "audio": "audio file"}
# Container durations are rounded (and audio priming adds a few ms): this much is let pass.
SECONDS_TOLERANCE = 0.05


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _mb(size: int, limit: int) -> tuple[str, str]:
    """A size and its limit as text, in bytes when MB would show them equal."""
    shown, cap = f"{size / ep.MB:.1f} MB", f"{limit / ep.MB:.0f} MB"
    if f"{size / ep.MB:.1f}" == f"{limit / ep.MB:.1f}":
        return f"{size:,} bytes", f"{cap} ({limit:,} bytes)"
    return shown, cap


def _labels(items: Sequence[InputItem]) -> str:
    names = [short(i.name, 40) for i in items[:3]] + (["…"] if len(items) > 3 else [])
    return f"{items[0].option} {', '.join(names)}"


def check_items(items: Sequence[InputItem]) -> list[str]:
    """Everything wrong with these inputs that is known so far, one line each."""
    problems = _counts(items)
    for item in items:
        problems += _file(item)
    videos = [i for i in items if i.kind == "video"]
    audios = [i for i in items if i.kind == "audio"]
    local = [i for i in videos if i.size is not None]
    total = sum(i.size or 0 for i in local)
    if local and total >= LIMITS.max_total_video_bytes:
        shown, cap = _mb(total, LIMITS.max_total_video_bytes)
        in_all = " in all" if len(local) > 1 else ""
        problems.append(
            f"{_labels(local)}: {shown} of reference video{in_all}; the total must be under {cap}"
        )
    problems += _durations(videos, audios)
    for item in videos:
        if item.width and item.height:
            problems += _resolution(item, item.width, item.height)
    return problems


def _counts(items: Sequence[InputItem]) -> list[str]:
    problems = []
    refs = [i for i in items if i.reference is not None]
    for kind, limit in (
        ("image", LIMITS.max_images),
        ("video", LIMITS.max_videos),
        ("audio", LIMITS.max_audios),
    ):
        of_kind = [i for i in refs if i.kind == kind]
        if len(of_kind) > limit:
            problems.append(
                f"{of_kind[limit].label}: the {_ordinal(limit + 1)} reference {_NOUNS[kind]}; "
                f"at most {limit} are allowed"
            )
    if len(refs) > LIMITS.max_files:
        problems.append(
            f"{refs[LIMITS.max_files].label}: the {_ordinal(LIMITS.max_files + 1)} reference file; "
            f"at most {LIMITS.max_files} are allowed in all (images, videos and audio together)"
        )
    audio = next((i for i in refs if i.kind == "audio"), None)
    if audio is not None and not any(i.kind != "audio" for i in refs):
        problems.append(f"{audio.label}: audio references need at least one --ref-image or --ref-video")
    return problems


def _file(item: InputItem) -> list[str]:
    if item.format is None:
        return []
    if item.format == "empty":
        return [f"{item.label}: the file is empty"]
    if item.format not in FORMATS[item.kind]:
        return [
            f"{item.label}: the content is {DESCRIPTIONS[item.format]}; "
            f"{item.option} takes {FORMAT_NAMES[item.kind]}"
        ]
    cap = {"image": LIMITS.max_image_bytes, "audio": LIMITS.max_audio_bytes}.get(item.kind)
    if cap is not None and item.size is not None and item.size > cap:
        shown, limit = _mb(item.size, cap)
        return [f"{item.label}: {shown}; {_NOUNS[item.kind]}s may be at most {limit} each"]
    return []


def _durations(videos: Sequence[InputItem], audios: Sequence[InputItem]) -> list[str]:
    problems = []
    low, high = LIMITS.min_total_video_seconds, LIMITS.max_total_video_seconds
    span = f"({low:g}-{high:g} s)"
    known = [i for i in videos if i.duration is not None]
    seconds = sum(i.duration or 0.0 for i in known)
    in_all = " in all" if len(known) > 1 else ""
    if known and seconds > high + SECONDS_TOLERANCE:
        problems.append(
            f"{_labels(known)}: {seconds:.1f} s of reference video{in_all}; "
            f"the limit is {high:g} s in all {span}"
        )
    if known and len(known) == len(videos) and seconds < low - SECONDS_TOLERANCE:
        problems.append(
            f"{_labels(known)}: {seconds:.1f} s of reference video{in_all}; at least {low:g} s in all "
            f"is needed {span}"
        )
    known = [i for i in audios if i.duration is not None]
    seconds = sum(i.duration or 0.0 for i in known)
    cap = LIMITS.max_total_audio_seconds
    if known and seconds > cap + SECONDS_TOLERANCE:
        in_all = " in all" if len(known) > 1 else ""
        problems.append(
            f"{_labels(known)}: {seconds:.1f} s of reference audio{in_all}; the limit is {cap:g} s in all"
        )
    return problems


def _resolution(item: InputItem, width: int, height: int) -> list[str]:
    pixels = width * height
    low, high = LIMITS.min_video_pixels, LIMITS.max_video_pixels
    if low <= pixels <= high:
        return []
    where = "below ~480p" if pixels < low else "above ~720p"
    return [
        f"{item.label}: {width}x{height} ({pixels:,} pixels) is {where}; each reference video must "
        f"have {low:,} to {high:,} pixels (~480p to ~720p)"
    ]


def reference_check(prompt: str, mode: ep.Mode, items: Sequence[InputItem]) -> tuple[list[str], list[str]]:
    """(errors, warnings) from the prompt's @Image1/@Video2/@Audio1 names, by the rule of
    spec/references.py (the prompt coach uses the same): a name with no input behind it is
    an error; a reference input the prompt never names is a warning, naming its file.
    In image-to-video the start frame is not a reference: a name there is a warning."""
    found = check_references(prompt, mode, [i.reference for i in items if i.reference is not None])
    errors, warnings = list(found.errors), list(found.warnings)
    unnamed = [i for i in items if i.reference is not None and i.reference in found.unused]
    if unnamed:
        listed = ", ".join(f"{i.reference} ({short(i.name, 30)})" for i in unnamed[:6])
        warnings.append(
            f"not named in the prompt: {listed}{', …' if len(unnamed) > 6 else ''}; write "
            "@Image1, @Video1, @Audio1 … in the prompt to say how each is used"
        )
    return errors, warnings
