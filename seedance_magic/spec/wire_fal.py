"""fal's side of the provider table (providers.py): fal takes every argument the magic
makes as it is; its dry-run code is plain fal_client."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .endpoints import Endpoint
from .plan import PendingUpload

__all__ = ["KEY_VARS", "code", "complete", "refusals"]

KEY_VARS = ("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET")


def refusals(endpoint: Endpoint, arguments: Mapping[str, Any]) -> list[str]:
    return []


def complete(arguments: Mapping[str, Any]) -> dict[str, Any]:
    return dict(arguments)


def code(endpoint_id: str, arguments: Mapping[str, Any]) -> str:
    """Plain, runnable fal_client code that sends the same request; inputs still to be
    uploaded from a local path become `fal_client.upload_file(path)`."""
    lines = ["import fal_client", ""]
    values = [v for value in arguments.values() for v in (value if isinstance(value, list) else [value])]
    if any(isinstance(v, str) and v.startswith("<upload:") and _literal(v)[0] == '"' for v in values):
        lines.append(
            '# Replace each "<upload: ...>" with the URL fal_client.upload(data, content_type) returns.'
        )
    lines += ["result = fal_client.subscribe(", f"    {_literal(endpoint_id)},"]
    lines.append("    arguments={")
    for key, value in arguments.items():
        if isinstance(value, list):
            lines.append(f"        {_literal(key)}: [")
            lines += [f"            {_literal(item)}," for item in value]
            lines.append("        ],")
        else:
            lines.append(f"        {_literal(key)}: {_literal(value)},")
    lines += ["    },", "    with_logs=True,", ")", 'print(result["video"]["url"])', ""]
    return "\n".join(lines)


def _literal(value: Any) -> str:
    if isinstance(value, PendingUpload) and value.path is not None:
        return f"fal_client.upload_file({_literal(value.path)})"
    if isinstance(value, str) and value.isprintable():
        # Double quotes as in JSON; for printable text that is also a Python literal.
        return json.dumps(str(value), ensure_ascii=False)
    return repr(str(value) if isinstance(value, str) else value)  # exact for any text, bool, int, None
