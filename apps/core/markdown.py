"""Markdown for the free text people write (report descriptions, expectations, explanations).

Two layers, because either alone has a history of bypasses: markdown-it renders CommonMark with
raw HTML switched off (so `<script>` stays text), then nh3 (the ammonia sanitizer) keeps only an
allowlist of tags and attributes and only http(s)/mailto links, whatever the renderer let through.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# `breaks`: reporters are not Markdown writers; a line break they typed stays a line break.
_renderer = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["table", "strikethrough"])
# Headings would compete with the page's own outline, and images would load third-party URLs
# (tracking pixels) in every reader's browser; both stay plain text.
_renderer.disable(["heading", "lheading", "image"])


def render_markdown(text: str | None) -> SafeString:
    """Renders user text as sanitized HTML, safe to insert into any page."""
    if not text:
        return mark_safe("")
    html = _renderer.render(str(text))
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # nh3 has just sanitized it
