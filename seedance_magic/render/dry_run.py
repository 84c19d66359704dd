"""What `--dry-run` shows, as HTML: the endpoint, the JSON arguments, the estimate and the
same request as code for its provider. Nothing was sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..spec.cost import CostEstimate
from . import style
from .html import copy_button, esc
from .text import SEP, endpoint_label, estimate_text, via_text

JSON_STRING_CHARS = 120


def _shorten_strings(value: Any) -> Any:
    """Inline files (data: URIs) cut for display, with their length; prompts stay whole."""
    if isinstance(value, str) and value.startswith("data:") and len(value) > JSON_STRING_CHARS:
        return f"{value[:JSON_STRING_CHARS]}… ({len(value)} characters)"
    if isinstance(value, Mapping):
        return {k: _shorten_strings(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shorten_strings(v) for v in value]
    return value


def dry_run_html(
    endpoint_id: str, arguments: Mapping[str, Any], estimate: CostEstimate, code: str, provider: str = "fal"
) -> str:
    """What `--dry-run` shows: the endpoint, the JSON arguments, the estimate and the
    equivalent code for the provider. Nothing was sent."""
    arguments_json = json.dumps(_shorten_strings(arguments), indent=2, ensure_ascii=False, default=str)
    note = f" ({estimate.note})" if estimate.note else ""
    head = SEP.join(
        [
            f'<span style="{style.TITLE}">dry run</span>',
            "nothing was sent",
            esc(endpoint_label(endpoint_id)),
            esc(via_text(provider)),
            f'<span class="seedance-cost">{esc(estimate_text(estimate) + note)}</span>',
        ]
    )
    return (
        f'<div class="seedance-dry-run {style.NO_MATH}" style="{style.BOX}"><div>{head}</div>'
        f'<div style="{style.LABEL};margin-top:6px">endpoint</div>'
        f'<code style="font-family:{style.MONO}">{esc(endpoint_id)}</code>'
        f'<div style="{style.LABEL};margin-top:6px">arguments</div>'
        f'<pre class="seedance-arguments" style="{style.PRE}">{esc(arguments_json)}</pre>'
        f'<div style="{style.LABEL};margin-top:6px">'
        f"the same request {esc(via_text(provider))}, in Python</div>"
        f'<pre class="seedance-code" style="{style.PRE}">{esc(code)}</pre>'
        f"{copy_button(code, 'copy the code')}</div>"
    )
