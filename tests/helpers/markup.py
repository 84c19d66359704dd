"""An HTML fragment as a browser parses it, and the check that nothing the user wrote
became markup (for the renderers' tests)."""

from __future__ import annotations

from html.parser import HTMLParser


class Markup(HTMLParser):
    """The elements, attributes and text of an HTML fragment."""

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

    def all_text(self) -> str:
        return "".join(self.text)


def assert_inert(source: str) -> Markup:
    """No script, no foreign image, no event handler but the copy buttons' own."""
    markup = Markup(source)
    assert not markup.tags("script")
    for tag, attrs in markup.elements:
        handlers = [name for name in attrs if name.startswith("on")]
        assert handlers in ([], ["onclick"]), (tag, attrs)
        if handlers:
            assert tag == "button" and attrs.get("class") == "seedance-copy"
        if tag == "img":
            assert str(attrs["src"]).startswith("data:image/")
    return markup
