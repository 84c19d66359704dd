"""Reading HTML as a browser parses it, for the tests of static HTML: its elements,
attributes and text, and a check that nothing from the user became markup."""

from __future__ import annotations

from html.parser import HTMLParser

# The inline handlers the package writes itself (constants, never user text), by the
# element and class that carry them.
OWN_HANDLERS = {
    ("button", "seedance-copy"): ["onclick"],
    ("button", "seedance-sound"): ["onclick"],
    ("video", "seedance-video"): ["onvolumechange"],
}


class Markup(HTMLParser):
    """The elements, attributes and text of an HTML fragment, as a browser parses it."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    def with_class(self, name: str) -> list[tuple[str, dict[str, str | None]]]:
        return [(t, a) for t, a in self.elements if name in str(a.get("class") or "").split()]

    def all_text(self) -> str:
        return "".join(self.text)


def assert_inert(source: str) -> Markup:
    """Nothing the user wrote became markup: no script, no foreign image, no handler
    but the package's own (copy and sound buttons, the video's sound label)."""
    markup = Markup(source)
    assert not markup.tags("script")
    for tag, attrs in markup.elements:
        handlers = sorted(name for name in attrs if name.startswith("on"))
        if handlers:
            classes = str(attrs.get("class") or "").split()
            allowed = [OWN_HANDLERS.get((tag, name)) for name in classes]
            assert handlers in allowed, (tag, attrs)
        if tag == "img":
            assert str(attrs["src"]).startswith("data:image/")
    return markup
