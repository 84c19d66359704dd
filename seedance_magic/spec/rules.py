"""How the options of one `%%seedance` cell combine: contradictions between options,
the configured defaults, the mode the inputs imply, and the reference limits.

options.py checks each value alone; this module checks them together and returns the
fields request.py builds a GenerationRequest from. Pure, like the rest of parsing.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import InvalidRequest
from . import checks as opt
from . import endpoints as ep
from .request import Defaults
from .template import Template, Values

_CONFIGURED = " (the configured default)"
# The options a sweep of each field would contradict, by argparse dest.
_SWEPT_BY = {
    "tier": ("fast", "standard"),
    "resolution": ("resolution",),
    "duration": ("duration",),
    "aspect_ratio": ("aspect_ratio",),
    "audio": ("audio", "no_audio"),
}
_FLAG = {"fast": "--fast", "standard": "--standard", "audio": "--audio", "no_audio": "--no-audio"}


def combine(a: argparse.Namespace, t: Values, defaults: Defaults) -> dict[str, Any]:
    """The fields of a GenerationRequest (all but the prompt) from the parsed options,
    their `{{name}}` template and the configured defaults."""

    def text(dest: str) -> str | None:
        value = getattr(a, dest)
        return None if value is None else t.text_of(value)

    def given_or_default(dest: str, default: object) -> tuple[str, str]:
        """The value to check and the option's name for messages."""
        given = text(dest)
        if given is not None:
            return given, opt.SHOWN[dest]
        return str(default), opt.SHOWN[dest] + _CONFIGURED

    for one, other in (("--fast", "--standard"), ("--audio", "--no-audio"), ("--wait", "--no-wait")):
        if getattr(a, one[2:].replace("-", "_")) and getattr(a, other[2:].replace("-", "_")):
            raise InvalidRequest(f"{one} and {other} contradict each other; give one of them")
    continue_from = _story(a, t)
    sweeps = _sweeps([t.text_of(v) for v in a.sweep or ()], a)
    swept = dict(sweeps)

    tier: ep.Tier
    if a.fast or a.standard:
        tier = "fast" if a.fast else "standard"
    else:
        tier = opt.check_tier(str(defaults.tier), "tier" + _CONFIGURED)
    tiers = tuple(opt.check_tier(v) for v in swept.get("tier", (tier,)))
    value, option = given_or_default("resolution", defaults.resolution)
    resolution = opt.check_resolution(value, tiers, option)
    for value in swept.get("resolution", ()):
        opt.check_resolution(value, tiers, "--sweep resolution")
    duration = opt.check_duration(*given_or_default("duration", defaults.duration))
    aspect_ratio = opt.check_aspect_ratio(*given_or_default("aspect_ratio", defaults.aspect_ratio))
    audio = not a.no_audio and (a.audio or bool(defaults.generate_audio))

    seed = None if a.seed is None else opt.check_seed(t.text_of(a.seed))
    seeds = () if a.seeds is None else opt.check_seeds(t.text_of(a.seeds))
    n = None if a.n is None else opt.check_count(t.text_of(a.n))
    grid_seed = "--seeds" if a.seeds is not None else "-n" if a.n is not None else None
    if a.seeds is not None and a.n is not None:
        raise InvalidRequest("--seeds and -n contradict each other; give the seeds or how many to draw")
    if seed is not None and grid_seed:
        raise InvalidRequest(f"-s/--seed and {grid_seed} contradict each other; give one seed or a grid")

    image, end_image = _media(a.image, "image", t), _media(a.end_image, "end_image", t)
    refs = {dest: tuple(_media(v, dest, t) for v in getattr(a, dest) or ()) for dest in _REFS}
    mode = _mode(text("mode"), image, end_image, refs)
    variables = _variables(a, t)

    batch = _batch(a, t)
    timeout = defaults.timeout if a.timeout is None else opt.check_timeout(t.text_of(a.timeout))
    if timeout is not None and not timeout > 0:
        opt.reject("--timeout" + _CONFIGURED, str(timeout), opt.ALLOWED_TIMEOUT)
    return dict(
        mode=mode,
        tier=tier,
        resolution=resolution,
        duration=duration,
        aspect_ratio=aspect_ratio,
        generate_audio=audio,
        seed=seed,
        end_user_id=None if a.end_user_id is None else opt.check_end_user_id(t.text_of(a.end_user_id)),
        provider=None if a.provider is None else opt.check_provider(t.text_of(a.provider)),
        image=image,
        end_image=end_image,
        ref_images=refs["ref_image"],
        ref_videos=refs["ref_video"],
        ref_audios=refs["ref_audio"],
        variables=variables,
        out=None if a.out is None else opt.check_out(t.text_of(a.out)),
        wait=not a.no_wait and (a.wait or bool(defaults.wait)),
        no_wait=a.no_wait,
        dry_run=a.dry_run,
        coach=a.coach,
        timeout=timeout,
        no_cache=a.no_cache,
        yes=a.yes,
        seeds=seeds,
        n=n,
        sweeps=sweeps,
        batch=batch,
        skip_bad=a.skip_bad,
        story=a.story,
        continue_from=continue_from,
        stitch=a.stitch,
        resolution_given=a.resolution is not None,
    )


def _batch(a: argparse.Namespace, t: Values) -> Any:
    """--batch's rows (a path, or the object a {{name}} names), checked against the
    options a batch cannot take."""
    batch = _media(a.batch, "batch", t)
    if batch is None:
        if a.skip_bad:
            raise InvalidRequest(
                "--skip-bad goes with --batch: it sends a batch's good rows when some are bad"
            )
        return None
    for flag, given in (("--seeds", a.seeds), ("-n", a.n), ("--sweep", a.sweep), ("--coach", a.coach)):
        if given:
            raise InvalidRequest(
                f"--batch contradicts {flag}: a batch makes one video per row; give each row's seed "
                "in a seed column"
            )
    return batch


def _sweeps(texts: list[str], a: argparse.Namespace) -> tuple[tuple[str, tuple[str, ...]], ...]:
    sweeps: list[tuple[str, tuple[str, ...]]] = []
    for text in texts:
        field, values = opt.check_sweep(text)
        if any(field == f for f, _ in sweeps):
            raise InvalidRequest(f"--sweep {field}: given twice; list all its values in one --sweep")
        for dest in _SWEPT_BY[field]:
            if getattr(a, dest) not in (None, False):
                shown = _FLAG.get(dest) or opt.SHOWN[dest]
                raise InvalidRequest(f"--sweep {field} contradicts {shown}; give one of them")
        sweeps.append((field, values))
    return tuple(sweeps)


_GRID = (("seeds", "--seeds"), ("n", "-n"), ("sweep", "--sweep"))
_NOT_CONTINUED = (("image", "-i/--image"), ("end_image", "--end-image"), ("mode", "--mode"))


def _story(a: argparse.Namespace, t: Values) -> str | None:
    """--story, --continue and --stitch against the other options; the checked
    --continue value (a variable name or a request id), or None."""
    grid = next((shown for dest, shown in _GRID if getattr(a, dest)), None)
    inputs = [opt.SHOWN[dest] for dest in (*_REFS, "end_image") if getattr(a, dest)]
    if a.story and grid:
        raise InvalidRequest(f"--story makes one film; {grid} makes a grid: run them in separate cells")
    if a.story and inputs:
        raise InvalidRequest(
            f"--story takes no {inputs[0]}: each shot after the first starts from the last frame "
            "of the one before (give -i for the first shot's start frame)"
        )
    if a.stitch and getattr(a, "continue") is None:
        raise InvalidRequest(
            "--stitch joins a continued clip to its original: give --continue NAME_OR_REQUEST_ID "
            "(a --story is always stitched)"
        )
    if getattr(a, "continue") is None:
        return None
    for dest, shown in (*_NOT_CONTINUED, *((r, opt.SHOWN[r]) for r in _REFS)):
        if getattr(a, dest):
            raise InvalidRequest(
                f"--continue contradicts {shown}: the new shot starts from the last frame of the "
                "clip it continues; drop one of them"
            )
    if a.stitch and grid:
        raise InvalidRequest(f"--stitch makes one film; {grid} makes a grid: drop one of them")
    return opt.check_continue(t.text_of(getattr(a, "continue")))


_REFS = ("ref_image", "ref_video", "ref_audio")
_REF_LIMITS = {
    "ref_image": ep.LIMITS.max_images,
    "ref_video": ep.LIMITS.max_videos,
    "ref_audio": ep.LIMITS.max_audios,
}


def _variables(a: argparse.Namespace, t: Values) -> tuple[tuple[str, int, str], ...]:
    """(request attribute, position, variable name) of each input given as one `{{name}}`, so
    that the reproduce cell names the variable rather than what it held."""
    if not isinstance(t, Template):
        return ()
    found = []
    for attr, dest in (("image", "image"), ("end_image", "end_image"), *((d + "s", d) for d in _REFS)):
        raw = getattr(a, dest)
        values = [] if raw is None else [raw] if isinstance(raw, str) else list(raw)
        for position, value in enumerate(values):
            name = t.variable(value)
            if name is not None:
                found.append((attr, position, name))
    return tuple(found)


def _media(value: str | None, dest: str, t: Values) -> Any:
    if value is None:
        return None
    media = t.media(value)
    if isinstance(media, str) and not media.strip():
        opt.reject(opt.SHOWN[dest], media, "use a path, URL, data: URI, glob or {{variable}}")
    return media


def _mode(explicit: str | None, image: Any, end_image: Any, refs: dict[str, tuple[Any, ...]]) -> ep.Mode:
    """The mode the inputs imply, checked against --mode when it is given."""
    given_refs = [opt.SHOWN[dest] for dest in _REFS if refs[dest]]
    if image is not None and given_refs:
        raise InvalidRequest(
            f"-i/--image contradicts {given_refs[0]}: use -i for image-to-video or --ref-* for "
            "reference-to-video, not both"
        )
    if end_image is not None and image is None:
        raise InvalidRequest("--end-image needs -i/--image: the last frame comes with a start frame")
    inferred: ep.Mode = "i2v" if image is not None else "r2v" if given_refs else "t2v"
    mode = inferred if explicit is None else opt.check_mode(explicit)
    if mode == "i2v" and image is None:
        what = (
            f"takes -i/--image, not {given_refs[0]}" if given_refs else "needs -i/--image (the start frame)"
        )
        raise InvalidRequest(f"--mode i2v {what}")
    if mode == "r2v" and not given_refs:
        what = "takes --ref-image, not -i/--image" if image is not None else "needs a reference"
        raise InvalidRequest(f"--mode r2v {what}: give --ref-image, --ref-video or --ref-audio")
    if mode == "t2v" and inferred != "t2v":
        given = "-i/--image" if image is not None else given_refs[0]
        raise InvalidRequest(
            f"--mode t2v contradicts {given}: text-to-video takes no inputs; drop one of them"
        )
    for dest in _REFS:
        if len(refs[dest]) > _REF_LIMITS[dest]:
            raise InvalidRequest(
                f"{opt.SHOWN[dest]}: {len(refs[dest])} given; at most {_REF_LIMITS[dest]} are allowed"
            )
    total = sum(len(v) for v in refs.values())
    if total > ep.LIMITS.max_files:
        raise InvalidRequest(f"--ref-*: {total} references given; at most {ep.LIMITS.max_files} in all")
    if refs["ref_audio"] and not (refs["ref_image"] or refs["ref_video"]):
        raise InvalidRequest("--ref-audio needs at least one --ref-image or --ref-video beside it")
    return mode
