"""The studio's widgets: the form and the gallery cards.

`StudioPanel` lays out the form (prompt, mode, tier, resolution, duration, aspect ratio,
audio, seed with a dice, file pickers, Generate, the live estimate and one message line)
over the gallery. A `Card` is one video: while its job runs, the live job view; then a
compact player with its settings, "use these settings", a select box and "copy as
%%seedance". The controller (app/studio.py) does the work through `StudioControls`;
widget code here only reads and sets attributes. Cards render with render/studio.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ipywidgets import (
    HTML,
    Accordion,
    Button,
    Checkbox,
    Dropdown,
    FileUpload,
    GridBox,
    IntText,
    Layout,
    Textarea,
    ToggleButtons,
    VBox,
)

from ..render import style
from ..render.html import esc
from ..render.shapes import ResultShape as Result
from ..spec import endpoints as ep
from ..spec.form import MODES, PROVIDER_CHOICES, FormValues
from .progress import set_trait, show, style_widget
from .studio_card import Card, StudioControls, StudioJob, row

FIELDS = (
    "prompt",
    "provider",
    "mode",
    "tier",
    "resolution",
    "duration",
    "aspect_ratio",
    "audio",
    "yes",
    "story",
)
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


# ------------------------------------------------------------------------- widgets
class StudioPanel(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The studio's layout; `studio` is the controller its buttons call."""

    def __init__(self, studio: StudioControls) -> None:
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
        self.story = Checkbox(
            description="story: --- lines separate shots",
            indent=False,
            layout=wide,
            _dom_classes=("sd-story",),
        )
        self.uploads = {
            name: FileUpload(accept=accept, multiple=several, description=label, layout=wide)
            for name, label, accept, several in UPLOADS
        }
        clear = Button(description="clear files", layout=wide)
        files = Accordion((row(*self.uploads.values(), clear),), titles=("input files",))
        files.selected_index = None
        self.generate = Button(description="Generate", button_style="primary", icon="play", layout=wide)
        self.estimate = HTML(_dom_classes=("sd-studio-estimate",))
        self.hints = HTML(_dom_classes=("sd-studio-hints",))
        self.message = HTML(_dom_classes=("sd-studio-message",))
        self.compare = Button(description="compare selected", layout=wide)
        refresh = Button(description="refresh", tooltip="read the history again", layout=wide)
        self.compare_area = VBox()
        self.gallery = GridBox(
            layout=Layout(grid_template_columns="repeat(3, minmax(0, 1fr))", grid_gap="10px")
        )
        self._session: list[Card] = []
        self._stories: list[VBox] = []
        self._past: list[Card] = []
        self._quiet = False
        css = HTML(f"<style>{STUDIO_CSS}</style>", layout=Layout(display="none"))
        rows = (
            row(self.provider, self.mode, self.tier, self.resolution, self.duration, self.aspect_ratio),
            row(self.audio, self.seed, self.dice, self.yes, self.story),
            files,
            row(self.generate, self.estimate),
            self.message,
            row(HTML(f'<b style="{style.TITLE}">gallery</b>'), self.compare, refresh),
        )
        title = HTML(f'<div style="{style.TITLE};font-size:15px">Seedance studio</div>')
        super().__init__(
            children=(
                style_widget(),
                css,
                title,
                self.prompt,
                self.hints,
                *rows,
                self.compare_area,
                self.gallery,
            ),
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
            story=self.story.value,
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

    def show_hints(self, html: str) -> None:
        """The prompt coach's hints under the prompt box ("" hides them)."""
        set_trait(self.hints, "value", html)

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

    def add_job(self, job: StudioJob) -> Card:
        card = Card(self.studio, job=job)
        self._session.insert(0, card)
        self.gallery.children = (*self._stories, *self.cards())
        return card

    def add_story(self, story: Any) -> VBox:
        """A story at the top of the gallery, across its width: its live view."""
        from .story import StoryView

        card = VBox((StoryView(story, embed=self.studio.embed),), _dom_classes=("sd-card", "sd-story-card"))
        card.layout.grid_column = "1 / -1"
        self._stories.insert(0, card)
        self.gallery.children = (*self._stories, *self.cards())
        return card

    def set_past(self, results: Sequence[Result]) -> None:
        for card in self._past:
            card.close()
        self._past = [Card(self.studio, result=r) for r in results]
        self.gallery.children = (*self._stories, *self.cards())

    def show_compare(self, view: Any) -> None:
        close = Button(description="close the comparison", layout=Layout(width="auto"))
        close.on_click(lambda _b: setattr(self.compare_area, "children", ()))
        self.compare_area.children = (close, view)
        show(self.compare_area, True)
