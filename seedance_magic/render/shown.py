"""`Shown`: a text and an HTML form of something, for line magics' return values and
static outputs that need no widget."""

from __future__ import annotations

from typing import Any


class Shown:
    """Something with a text and an HTML form (displayed as text/plain and text/html)."""

    def __init__(self, text: str, html: str | None = None) -> None:
        self.text = text
        self.html = html

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": self.text}
        if self.html is not None:
            bundle["text/html"] = self.html
        return bundle
