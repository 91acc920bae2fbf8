"""What a browser submits for a rendered form it was not asked to change: every text-like input
with its `value`, checked boxes only, each select's selected option (or its first one), each
textarea's text. Tests start from this, as a person does, and type only what they change."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False
        self._option: dict[str, str | None] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file", "reset"):
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first, self._chosen = name, None, False
        elif tag == "option" and self._select:
            self._option = a
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option_text += data
        elif self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._select and self._option is not None:
            value = self._option.get("value")
            value = self._option_text.strip() if value is None else value
            if self._first is None:
                self._first = value
            if "selected" in self._option and not self._chosen:
                self.data[self._select], self._chosen = value, True
            self._option = None
        elif tag == "select" and self._select:
            if not self._chosen and self._first is not None:
                self.data[self._select] = self._first
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def submitted(html: str) -> dict[str, str]:
    """The fields a browser posts for `html` untouched (the CSRF token included, if rendered)."""
    parser = _Form()
    parser.feed(html)
    parser.close()
    return parser.data
