"""Classic XSS payloads, and a check that a page carries none of them as live markup.

Every payload calls `alert(1)`: a script element whose text mentions `alert` can only have come
from user data (the pages' own scripts never call it)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="jAvAsCrIpT:alert(1)">click</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<p style="x:expression(alert(1))">old IE</p>',
    "{{ 7|add:'7' }} {% csrf_token %} {{ request.user.password }} alert(1)",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)></object><embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '[x](https://example.com" onclick="alert(1))',
    "[x](&#106;avascript:alert(1))",
    "[x]: javascript:alert(1)\n\n[x]",
    "<<script>alert(1)//<</script>",
    "<!--<script>alert(1)//-->",
    "`</code><script>alert(1)</script>`",
    "<a href='vbscript:msgbox(1)'>vb</a> alert(1)",
    "\u202e<script>alert(1)</script>",
]

_DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
# The only inline styles the pages write themselves: chart geometry computed on the server
# (range strips, bars), e.g. "height:40%" or "left:12.5%;width:40%". Anything else in a style is user data.
_GEOMETRY = re.compile(r"(?:(?:left|width|height):-?\d+(?:\.\d+)?%;?)+")
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "srcset",
                   "codebase", "cite"}
_FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base", "style",
                       "template"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _SafetyParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            self._in_script = True
            # The app's own vendored scripts (htmx) are fine: a script from /static/ runs only the
            # app's code. Any other source is injected.
            if attributes.get("src") is not None and not attributes["src"].startswith("/static/"):
                self.problems.append(f"<script src={attributes['src']!r}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("<meta http-equiv>")
        if tag == "link" and attributes.get("rel") != "stylesheet":
            self.problems.append(f"<link rel={attributes.get('rel')!r}>")
        for name, value in attrs:
            # hx-on:* and data-hx-on:* are htmx's event handlers: script, as much as onclick.
            if name.startswith(("on", "hx-on", "data-hx-on")):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "srcdoc" or (name == "style" and not _GEOMETRY.fullmatch(value or "")):
                self.problems.append(f"<{tag} {name}=...>")
            if name in _URL_ATTRIBUTES and value is not None:
                compact = _INVISIBLE.sub("", value).lower()
                if compact.startswith(_DANGEROUS_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert" in data:
            self.problems.append(f"<script> with user code: {data[:60]!r}")


def unsafe_markup(html: str) -> list[str]:
    """What in this HTML could run script: injected script elements, event-handler attributes,
    javascript:/vbscript:/data: URLs, inline styles and elements that embed other documents."""
    parser = _SafetyParser()
    parser.feed(html)
    parser.close()
    return parser.problems
