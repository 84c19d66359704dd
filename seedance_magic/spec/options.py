"""The options of `%%seedance`, declared once: a plain argparse parser here, and IPython's
magic_arguments over the same table in notebook/help.py, so that `%%seedance?` is the
help. Each value is checked by checks.py.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, NoReturn

from . import endpoints as ep
from .checks import SWEEP_FIELDS

DESCRIPTION = """\
Generate a video with ByteDance's Seedance 2.0 on fal.ai; the cell body is the prompt.

The mode follows from the inputs: no input is text-to-video, -i is image-to-video,
any --ref-* is reference-to-video (name the references in the prompt as @Image1,
@Video1, @Audio1). Every value is checked before anything is sent or paid for.
Defaults come from %config Seedance (tier, resolution, duration, aspect ratio, audio,
wait, timeout). Write {{name}} to insert a notebook variable into the prompt or into an
option value; a media option that is just {{name}} takes the object itself (bytes, a
path, a PIL image, a numpy array). Write \\{{ for literal braces. IPython's own {var}
and $var expansion is off for this magic, so braces and dollars reach the model as typed.
"""

EPILOG = """\
examples:
  %%seedance --fast -d 6 -a 16:9 --seed 42
  Slow dolly-in on a hummingbird at a neon flower at dusk, wings humming

  %%seedance -i cat.png --end-image cat_asleep.png -d 8 -o nap
  The cat curls up and falls asleep

  %%seedance --ref-image {{hero}} --ref-audio theme.mp3 -r 480p
  @Image1 walks through the rain while @Audio1 plays

  %%seedance --fast --seeds 1-4 --sweep aspect_ratio=16:9,9:16 --dry-run
  A paper boat drifts down a gutter stream

  %%seedance --batch prompts.csv --fast -r 480p -d 4 -o clips

  %%seedance --story --fast -r 480p -d 4 --seed 5
  A paper boat is folded on a kitchen table
  --- -d 6
  The boat is set down in a gutter stream and drifts away

%seedance jobs | cancel ID|all | price [options] [-- prompt] | config | resume ID |
          history [N] [--search TEXT] [--here] | studio | help
"""

# In the order the help lists them: a str starts a group, then (flags, METAVAR, help) where
# the metavar is "" for a switch and ends in "..." for an option that may repeat.
_DECLARATION: tuple[str | tuple[str, str, str], ...] = (
    "model",
    ("--fast", "", "use the fast tier (cheaper, quicker)"),
    ("--standard", "", "use the standard tier (overrides a fast default)"),
    ("--mode", "MODE", "t2v, i2v or r2v; inferred from the inputs when absent"),
    ("--provider", "NAME", "fal or lumenfall: who runs the model (default: Seedance.provider)"),
    ("-r --resolution", "RES", "480p or 720p; 1080p and 4k on the standard tier only"),
    ("-d --duration", "SECONDS", "auto or 4-15 seconds (6 or 6s)"),
    ("-a --aspect-ratio", "RATIO", "one of " + ", ".join(ep.ASPECT_RATIOS)),
    ("--no-audio", "", "generate no soundtrack (same price)"),
    ("--audio", "", "generate a soundtrack (overrides an off default)"),
    ("-s --seed", "SEED", f"seed for reproducible output, 0-{ep.MAX_SEED}"),
    ("--end-user-id", "ID", "attribute the usage to an end user"),
    "inputs (a path, URL, data: URI, glob or {{variable}})",
    ("-i --image", "IMAGE", "start frame: image-to-video"),
    ("--end-image", "IMAGE", "last frame (with -i)"),
    ("--ref-image", "IMAGE...", f"reference image, repeatable (<= {ep.LIMITS.max_images})"),
    ("--ref-video", "VIDEO...", f"reference video, repeatable (<= {ep.LIMITS.max_videos})"),
    ("--ref-audio", "AUDIO...", f"reference audio, repeatable (<= {ep.LIMITS.max_audios})"),
    "run",
    ("-o --out", "NAME", "store the job in this notebook variable"),
    ("--wait", "", "block until the video is ready"),
    ("--no-wait", "", "return at once (overrides a waiting default)"),
    ("--dry-run", "", "show arguments, cost and fal_client code; send nothing"),
    ("--coach", "", "show hints that would make the prompt better; send nothing"),
    ("--timeout", "SECONDS", "cancel the job at fal if it is not done after SECONDS"),
    ("--no-cache", "", "generate anew even if a cached result exists"),
    ("--yes", "", "accept a cost above the budget"),
    "grid",
    ("--seeds", "LIST", "one video per seed: 1,2,3 or 1-4 or 1-3,7"),
    ("-n", "N", "N videos with random seeds"),
    ("--sweep", "FIELD=V1,V2...", "vary a field, repeatable: " + ", ".join(SWEEP_FIELDS)),
    "batch",
    (
        "--batch",
        "ROWS",
        "one video per row of a CSV file (columns prompt, seed, duration, ...) or of a {{list}} or "
        "{{DataFrame}}; the options on the line apply to every row; the cell body is an optional note",
    ),
    ("--skip-bad", "", "with --batch: send the good rows when some rows are bad"),
    "story (shots that continue from each other)",
    ("--story", "", "the body is shots between --- lines (--- -d 6: that shot's options), stitched"),
    (
        "--continue",
        "NAME",
        "start from a result's last frame: a Job, Result or Story variable, or a request id",
    ),
    ("--stitch", "", "with --continue: join the new shot to the original into one film"),
)

OPTION_STRINGS: tuple[str, ...] = tuple(
    flag for item in _DECLARATION if not isinstance(item, str) for flag in item[0].split()
)
# Other names people give the options (without dashes), for the unknown-option hint.
OPTION_ALIASES: dict[str, tuple[str, ...]] = {
    "tier": ("--fast", "--standard"),
    "quality": ("--resolution",),
    "size": ("--resolution", "--aspect-ratio"),
    "ratio": ("--aspect-ratio",),
    "length": ("--duration",),
    "seconds": ("--duration",),
    "num": ("-n",),
    "count": ("-n",),
    "number": ("-n",),
    "user": ("--end-user-id",),
    "generate-audio": ("--audio",),
    "sound": ("--audio",),
    "audio-off": ("--no-audio",),
    "mute": ("--no-audio",),
    "silent": ("--no-audio",),
    "start-image": ("--image",),
    "first-frame": ("--image",),
    "last-frame": ("--end-image",),
    "output": ("--out",),
    "force": ("--yes",),
}


class _Value(argparse.Action):
    """Store an option's text: once, or in a list when the option may repeat. A second
    value of a single option is refused (`-d 6 -d 8` is a slip, not a choice), and so is
    one argparse could not make a string of (`--image=--`)."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None
    ) -> None:
        if not isinstance(values, str):
            raise argparse.ArgumentError(self, "expected one argument")
        earlier = getattr(namespace, self.dest, None)
        if self.const == "repeat":
            setattr(namespace, self.dest, [*(earlier or ()), values])
        elif earlier is not None:
            raise argparse.ArgumentError(self, f"given twice ({earlier!r} and {values!r}); give it once")
        else:
            setattr(namespace, self.dest, values)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise argparse.ArgumentError(None, message)


def arguments() -> Iterable[tuple[str | None, list[str], dict[str, Any]]]:
    """The options as (group, flags, argparse keywords), in the order the help lists
    them: what `build_parser` adds, and what the notebook layer declares with IPython's
    magic_arguments so that `%%seedance?` is the help."""
    group: str | None = None
    for item in _DECLARATION:
        if isinstance(item, str):
            group = item
            continue
        flags, metavar, text = item
        if not metavar:
            yield group, flags.split(), {"action": "store_true", "help": text}
            continue
        repeat = metavar.endswith("...")
        yield (
            group,
            flags.split(),
            {
                "action": _Value,
                "const": "repeat" if repeat else None,
                "metavar": metavar.removesuffix("..."),
                "help": text,
            },
        )


def build_parser() -> argparse.ArgumentParser:
    """The `%%seedance` options as a plain argparse parser (no IPython). Prefixes such as
    --res would silently pick an option, so whole names are asked for."""
    parser = _Parser(
        prog="%%seedance", description=DESCRIPTION, epilog=EPILOG, add_help=False, allow_abbrev=False
    )
    groups: dict[str | None, Any] = {}
    for group, flags, kwargs in arguments():
        if group not in groups:
            groups[group] = parser.add_argument_group(group) if group else parser
        groups[group].add_argument(*flags, **kwargs)
    return parser
