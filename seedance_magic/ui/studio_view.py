"""The studio's widgets: the form, the gallery cards, and their text and HTML.

`StudioPanel` lays out the form (prompt, mode, tier, resolution, duration, aspect ratio,
audio, seed with a dice, file pickers, Generate, the live estimate and one message line)
over the gallery. A `Card` is one video: while its job runs, the live job view; then a
compact player with its settings, "use these settings", a select box and "copy as
%%seedance". The controller (studio.py) does the work; widget code here only reads and
sets attributes. The pure functions at the top render cards and the gallery for exports.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ipywidgets import (
    HTML,
    Accordion,
    Button,
    Checkbox,
    Dropdown,
    FileUpload,
    GridBox,
    HBox,
    IntText,
    Layout,
    Output,
    Textarea,
    ToggleButtons,
    VBox,
)

from .. import endpoints as ep
from ..studio_panel import MODES, PROVIDER_CHOICES, FormValues
from . import style
from .html import badge_html, copy_button, esc, video_html, video_src
from .player import display_data
from .progress import JobView, set_trait, show, style_widget
from .text import SEP, cost_text, endpoint_label, reproduce_text, result_line, via_text

if TYPE_CHECKING:
    from ..engine import Job, Snapshot
    from ..result import Result
    from ..studio_panel import Studio

PROMPT_CHARS = 140
FIELDS = ("prompt", "provider", "mode", "tier", "resolution", "duration", "aspect_ratio", "audio", "yes")
UPLOADS = (  # FormValues field, label, accepted types, several files
    ("image", "start image", "image/*", False),
    ("end_image", "end image", "image/*", False),
    ("ref_images", "reference images", "image/*", True),
    ("ref_videos", "reference videos", "video/*", True),
    ("ref_audios", "reference audio", "audio/*", True),
)
STUDIO_CSS = f"""
.sd-studio {{ font-family: {style.FONT}; color: {style.TEXT}; max-width: 1100px; }}
.sd-studio .sd-card {{ border: 1px solid {style.BORDER}; border-radius: 6px; padding: 6px; min-width: 0; }}
.sd-studio .sd-card .seedance-job {{ max-width: none; }}
.sd-studio .sd-card .seedance-row {{ flex-wrap: wrap; }}
.sd-studio .sd-row {{ flex-wrap: wrap; gap: 6px 12px; align-items: center; }}
"""


# ----------------------------------------------------------------- pure text/HTML
def settings_text(result: Result) -> str:
    """ "seed 42 · fast text-to-video · 480p · 4 s · 16:9 · no audio · via fal"."""
    args = result.arguments
    duration = str(args.get("duration", "auto"))
    parts = [
        f"seed {result.seed}" if result.seed is not None else "",
        endpoint_label(result.endpoint, short=True),
        str(args.get("resolution", ep.DEFAULT_RESOLUTION)),
        duration if duration == "auto" else f"{duration} s",
        str(args.get("aspect_ratio", ep.DEFAULT_ASPECT_RATIO)),
        "audio" if args.get("generate_audio", True) else "no audio",
        via_text(result.provider),
    ]
    return SEP.join(p for p in parts if p)


def card_html(result: Result, *, embed: bool = False) -> str:
    """One gallery video: the player, the prompt, the settings, cost and date."""
    path = result.path
    src = video_src(path, embed) if path is not None and path.exists() else result.video_url
    prompt = result.prompt if len(result.prompt) <= PROMPT_CHARS else result.prompt[: PROMPT_CHARS - 1] + "…"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(result.created_at))
    badge = " " + badge_html() if result.emulated else ""
    return (
        f'<figure class="sd-card-video {style.NO_MATH}" style="margin:0;min-width:0">'
        f"{video_html(src, width=result.width, height=result.height, label=result.prompt)}"
        f'<figcaption style="font-size:12px;margin-top:4px">'
        f'<div title="{esc(result.prompt)}">{esc(prompt)}</div>'
        f'<div style="font-weight:600">{esc(settings_text(result))}{badge}</div>'
        f'<div style="{style.SUBTLE}">{esc(cost_text(result))}{SEP}{esc(when)}</div></figcaption></figure>'
    )


def copy_html(cell: str) -> str:
    """ "copy as %%seedance": a copy button, and the cell itself to select by hand."""
    if not cell:
        return ""
    return (
        f"{copy_button(cell, 'copy as %%seedance')}"
        f'<details style="font-size:12px"><summary>the cell</summary>'
        f'<pre class="seedance-reproduce" style="{style.PRE}">{esc(cell)}</pre></details>'
    )


def gallery_html(results: Sequence[Result | None], *, embed: bool = False) -> str:
    """The gallery as static HTML (exports): the finished videos with their captions."""
    done = [r for r in results if r is not None]
    cards = "".join(f'<div style="min-width:0">{card_html(r, embed=embed)}</div>' for r in done)
    return (
        f'<div class="sd-studio-static {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="{style.TITLE}">seedance studio</div>'
        f'<div style="{style.SUBTLE};font-size:12px">{len(done)} videos '
        "(the form works in a live notebook)</div>"
        f'<div style="display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px;margin-top:6px">'
        f"{cards}</div></div>"
    )


def studio_text(values: FormValues, results: Sequence[Result | None], running: int) -> str:
    """The studio for terminals: the form in one line, then one line per video."""
    done = [r for r in results if r is not None]
    head = f"seedance studio · {len(done)} videos in the gallery" + (
        f" · {running} under way" if running else ""
    )
    form = SEP.join(
        [
            values.provider if values.provider != "auto" else "configured provider",
            values.tier,
            dict((v, k) for k, v in MODES).get(values.mode, values.mode),
            values.resolution,
            f"duration {values.duration}",
            values.aspect_ratio,
            "audio" if values.audio else "no audio",
            f"seed {values.seed}" if values.seed is not None else "random seed",
        ]
    )
    lines = [head, f"form: {form}", f"prompt: {values.prompt}" if values.prompt else "prompt: (empty)"]
    lines += [f"  {i}. {result_line(r)}" for i, r in enumerate(done, 1)]
    return "\n".join(lines)


# ------------------------------------------------------------------------- widgets
def _row(*children: Any) -> HBox:
    return HBox(children, _dom_classes=("sd-row",))


class Card(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """One gallery video: a running job (its live view, then its player) or a result."""

    def __init__(self, studio: Studio, *, job: Job | None = None, result: Result | None = None) -> None:
        self.job = job
        self._result = result
        self._studio = studio
        self.select = Checkbox(description="select", indent=False, layout=Layout(width="auto"))
        load = Button(description="use these settings", tooltip="load this video's settings into the form")
        load.layout.width = "auto"
        load.on_click(lambda _b: self.load())
        self.copy = HTML()
        self.view: JobView | None = None
        super().__init__(_dom_classes=("sd-card",))
        self._actions = _row(load, self.select)
        if job is not None and job.result is None:
            self.view = JobView(job, embed=studio.embed)
            self.select.disabled = True
            live: tuple[Any, ...] = (self.view, self._actions, self.copy)
            self.children = live
            self._unsubscribe = job.subscribe(self._changed)
        self._show_result()

    @property
    def result(self) -> Result | None:
        return self.job.result if self.job is not None else self._result

    @property
    def selected(self) -> bool:
        return bool(self.select.value) and self.result is not None

    @property
    def reproduce(self) -> str:
        if self.result is not None:
            return reproduce_text(self.result)
        return (self.job.spec.reproduce or "") if self.job is not None else ""

    def load(self) -> None:
        if self.result is not None:
            result = self.result
            self._studio.load(result.endpoint, result.arguments, result.seed, result.provider)
        elif self.job is not None:
            spec = self.job.spec
            self._studio.load(spec.endpoint_id, spec.arguments, spec.arguments.get("seed"), spec.provider)

    def _changed(self, snapshot: Snapshot) -> None:
        if snapshot.state.terminal:
            self._unsubscribe()
            self._show_result()

    def _show_result(self) -> None:
        set_trait(self.copy, "value", copy_html(self.reproduce))
        result = self.result
        if result is None:
            if self.view is None:
                self.children = (self._actions, self.copy)
            return
        player = Output(
            outputs=(display_data(result_line(result), card_html(result, embed=self._studio.embed)),)
        )
        self.children = (player, self._actions, self.copy)
        self.select.disabled = False
        if self.view is not None:  # the live view's own player is not shown here
            if self.view.player is not None:
                self.view.player.output.close()
                self.view.player.close()
            self.view.close()
            self.view = None


class StudioPanel(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The studio's layout; `studio` is the controller its buttons call."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        wide = Layout(width="auto")
        self.prompt = Textarea(
            placeholder="Describe the video: subject, action, camera, light…",
            layout=Layout(width="100%", height="5em"),
        )
        self.provider = Dropdown(options=PROVIDER_CHOICES, value="auto", description="provider", layout=wide)
        self.mode = Dropdown(options=MODES, value="auto", description="mode", layout=wide)
        self.tier = ToggleButtons(options=ep.TIERS, value="standard", style={"button_width": "80px"})
        self.resolution = Dropdown(
            options=ep.resolutions_for("standard"), description="resolution", layout=wide
        )
        self.duration = Dropdown(options=ep.DURATIONS, description="duration", layout=wide)
        self.aspect_ratio = Dropdown(options=ep.ASPECT_RATIOS, description="aspect", layout=wide)
        self.audio = Checkbox(description="audio", indent=False, layout=wide)
        self.seed = IntText(description="seed", layout=Layout(width="230px"))
        self.dice = Button(description="new seed", icon="random", tooltip="a random seed", layout=wide)
        self.yes = Checkbox(description="allow above the budget", indent=False, layout=wide)
        self.uploads = {
            name: FileUpload(accept=accept, multiple=several, description=label, layout=wide)
            for name, label, accept, several in UPLOADS
        }
        clear = Button(description="clear files", layout=wide)
        files = Accordion((_row(*self.uploads.values(), clear),), titles=("input files",))
        files.selected_index = None
        self.generate = Button(description="Generate", button_style="primary", icon="play", layout=wide)
        self.estimate = HTML(_dom_classes=("sd-studio-estimate",))
        self.message = HTML(_dom_classes=("sd-studio-message",))
        self.compare = Button(description="compare selected", layout=wide)
        refresh = Button(description="refresh", tooltip="read the history again", layout=wide)
        self.compare_area = VBox()
        self.gallery = GridBox(
            layout=Layout(grid_template_columns="repeat(3, minmax(0, 1fr))", grid_gap="10px")
        )
        self._session: list[Card] = []
        self._past: list[Card] = []
        self._quiet = False
        css = HTML(f"<style>{STUDIO_CSS}</style>", layout=Layout(display="none"))
        rows = (
            _row(self.provider, self.mode, self.tier, self.resolution, self.duration, self.aspect_ratio),
            _row(self.audio, self.seed, self.dice, self.yes),
            files,
            _row(self.generate, self.estimate),
            self.message,
            _row(HTML(f'<b style="{style.TITLE}">gallery</b>'), self.compare, refresh),
        )
        title = HTML(f'<div style="{style.TITLE};font-size:15px">Seedance studio</div>')
        super().__init__(
            children=(style_widget(), css, title, self.prompt, *rows, self.compare_area, self.gallery),
            _dom_classes=("sd-studio",),
        )
        for name in (*FIELDS, "seed"):
            getattr(self, name).observe(self._on_change, names="value")
        for upload in self.uploads.values():
            upload.observe(self._on_change, names="value")
        self.dice.on_click(lambda _b: setattr(self.seed, "value", studio.roll()))
        clear.on_click(lambda _b: self.clear_files())
        self.generate.on_click(lambda _b: studio.generate())
        self.compare.on_click(lambda _b: studio.compare_selected())
        refresh.on_click(lambda _b: studio.refresh())

    # ------------------------------------------------------------------ form
    def values(self) -> FormValues:
        files = {
            name: tuple(bytes(f["content"]) for f in upload.value) for name, upload in self.uploads.items()
        }
        return FormValues(
            prompt=self.prompt.value,
            provider=self.provider.value,
            mode=self.mode.value,
            tier=self.tier.value,
            resolution=self.resolution.value,
            duration=self.duration.value,
            aspect_ratio=self.aspect_ratio.value,
            audio=self.audio.value,
            seed=self.seed.value,
            yes=self.yes.value,
            image=(files["image"] or (None,))[0],
            end_image=(files["end_image"] or (None,))[0],
            ref_images=files["ref_images"],
            ref_videos=files["ref_videos"],
            ref_audios=files["ref_audios"],
        )

    def set_values(self, values: FormValues, *, keep_files: bool = False) -> None:
        """Fill the form (one estimate at the end, not one per field)."""
        self._quiet = True
        try:
            for name in FIELDS:
                set_trait(getattr(self, name), "value", getattr(values, name))
            if values.seed is not None:
                set_trait(self.seed, "value", values.seed)
            if not keep_files:
                self.clear_files()
        finally:
            self._quiet = False
        self._on_change()

    def clear_files(self) -> None:
        for upload in self.uploads.values():
            set_trait(upload, "value", ())

    def _on_change(self, _change: Any = None) -> None:
        if not self._quiet:
            self.studio.form_changed()

    def show_estimate(self, text: str, ok: bool) -> None:
        colour = style.TEXT if ok else style.ERROR
        set_trait(self.estimate, "value", f'<span style="color:{colour}">{esc(text)}</span>')
        set_trait(self.generate, "disabled", not ok)

    def say(self, text: str, *, error: bool) -> None:
        colour = style.ERROR if error else style.MUTED
        set_trait(
            self.message,
            "value",
            f'<div style="color:{colour};font-size:12px">{esc(text)}</div>' if text else "",
        )

    # --------------------------------------------------------------- gallery
    def cards(self) -> list[Card]:
        return [*self._session, *self._past]

    def add_job(self, job: Job) -> Card:
        card = Card(self.studio, job=job)
        self._session.insert(0, card)
        self.gallery.children = tuple(self.cards())
        return card

    def set_past(self, results: Sequence[Result]) -> None:
        for card in self._past:
            card.close()
        self._past = [Card(self.studio, result=r) for r in results]
        self.gallery.children = tuple(self.cards())

    def show_compare(self, view: Any) -> None:
        close = Button(description="close the comparison", layout=Layout(width="auto"))
        close.on_click(lambda _b: setattr(self.compare_area, "children", ()))
        self.compare_area.children = (close, view)
        show(self.compare_area, True)
