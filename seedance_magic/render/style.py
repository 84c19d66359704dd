"""How seedance output looks: the palette and the stylesheet.

Colours are JupyterLab CSS variables with fallbacks, so the same markup reads well in
the light and dark themes and outside JupyterLab (static exports, VS Code, Colab).
Static HTML (ui/html.py) carries inline styles built from these constants, because
sanitised and exported outputs may drop a `<style>` element; the widgets (ui/progress.py)
add the stylesheet `CSS` once, through one hidden HTML widget shared by every view.
"""

from __future__ import annotations

FONT = "var(--jp-ui-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif)"
MONO = "var(--jp-code-font-family, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace)"
TEXT = "var(--jp-ui-font-color1, inherit)"
MUTED = "var(--jp-ui-font-color2, #6b6b6b)"
BORDER = "var(--jp-border-color2, rgba(127, 127, 127, 0.35))"
SURFACE = "var(--jp-layout-color2, rgba(127, 127, 127, 0.10))"
ACCENT = "var(--jp-brand-color1, #1976d2)"
ERROR = "var(--jp-error-color1, #d32f2f)"
WARN = "var(--jp-warn-color1, #e65100)"
# The emulator badge is the same in both themes on purpose: it must never blend in.
BADGE_BG = "#ffb300"
BADGE_FG = "#1a1a1a"

# Inline style strings for static HTML.
# Classes MathJax skips (3: JupyterLab and Notebook 7; 2: nbconvert's HTML export), so that
# two prices in one output ("$0 charged, fal would charge $0.43") are not typeset as math.
NO_MATH = "mathjax_ignore tex2jax_ignore"
BOX = f"font-family:{FONT};color:{TEXT};font-size:13px;line-height:1.45;max-width:100%"
BADGE = (
    f"display:inline-block;background:{BADGE_BG};color:{BADGE_FG};font-weight:700;"
    "font-size:11px;letter-spacing:0.08em;padding:1px 7px;border-radius:9px;"
    "vertical-align:middle;white-space:nowrap"
)
TITLE = "font-weight:600"
SUBTLE = f"color:{MUTED}"
PRE = (
    f"font-family:{MONO};font-size:12px;background:{SURFACE};border:1px solid {BORDER};"
    "border-radius:4px;padding:6px 8px;margin:4px 0;white-space:pre-wrap;"
    "word-break:break-word;user-select:all;max-height:16em;overflow:auto"
)
SEED = f"font-family:{MONO};font-size:28px;font-weight:700;line-height:1.1;letter-spacing:0.02em"
LABEL = f"color:{MUTED};font-size:11px;text-transform:uppercase;letter-spacing:0.06em"
BUTTON = (
    f"font:inherit;font-size:12px;color:{TEXT};background:{SURFACE};border:1px solid {BORDER};"
    "border-radius:4px;padding:3px 10px;cursor:pointer"
)
VIDEO = (
    "display:block;max-width:100%;max-height:70vh;width:auto;height:auto;border-radius:4px;background:#000"
)
THUMB = f"height:64px;width:auto;border-radius:3px;border:1px solid {BORDER};display:block"
CHIP = (
    f"display:inline-block;font-size:12px;border:1px solid {BORDER};border-radius:3px;"
    "padding:2px 6px;max-width:12em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap"
)

# One colour per way a job can end, for the outcome line.
OUTCOME_COLOURS = {"failed": ERROR, "cancelled": MUTED, "unknown": WARN}

CSS = f"""
.seedance-job {{
  font-family: {FONT};
  color: {TEXT};
  border-left: 3px solid {ACCENT};
  padding: 2px 0 2px 8px;
  margin: 2px 0;
  max-width: 760px;
}}
.seedance-job.seedance-emulated {{ border-left-color: {BADGE_BG}; }}
.seedance-job .seedance-status .widget-html-content {{ font-variant-numeric: tabular-nums; }}
.seedance-job .seedance-header > .widget-html-content,
.seedance-job .seedance-trouble > .widget-html-content,
.seedance-job .seedance-outcome > .widget-html-content,
.seedance-job .seedance-logs .widget-html-content {{ line-height: 1.45; }}
.seedance-job .seedance-logs .jupyter-widget-Collapse-header {{
  font-weight: normal;
  font-size: 12px;
  white-space: nowrap;
  overflow: hidden;
  text-overflow: ellipsis;
}}
.seedance-job .seedance-row {{ gap: 10px; }}
.seedance-job .seedance-bar .progress {{ overflow: hidden; border-radius: 3px; }}
.seedance-job .seedance-indeterminate .progress-bar {{
  width: 30% !important;
  animation: seedance-sweep 1.3s ease-in-out infinite;
}}
@keyframes seedance-sweep {{
  from {{ left: -30%; }}
  to {{ left: 100%; }}
}}
@media (prefers-reduced-motion: reduce) {{
  .seedance-job .seedance-indeterminate .progress-bar {{ animation-duration: 4s; }}
}}
.seedance-job .seedance-cancel {{ width: auto; min-width: 0; }}
.seedance-job .seedance-logscroll {{
  display: flex;
  flex-direction: column-reverse;  /* keeps the newest line in view */
  max-height: 14em;
  overflow: auto;
}}
.seedance-job .seedance-logscroll pre {{
  font-family: {MONO};
  font-size: 11px;
  margin: 0;
  white-space: pre-wrap;
  word-break: break-word;
}}
"""


def style_tag() -> str:
    """The stylesheet as a `<style>` element."""
    return f"<style>{CSS}</style>"
