"""Highlighted snippets: the passage of a result's text around the words searched for, as safe
HTML in which everything is escaped except our own <mark> elements.

The passage is chosen with two private markers (control characters no text we show holds: they
are removed from the text first) around each match — by PostgreSQL's `ts_headline` (which
knows that "millisecond" matched "milliseconds") or, elsewhere, by a plain scan for the words.
Only then is the passage escaped and the markers turned into <mark>…</mark>: nothing a person
typed can open an element."""

from __future__ import annotations

import re

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .documents import SEARCH_CONFIG

START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 30
_FALLBACK_WINDOW = 180  # characters, without full-text search
_HEADLINE_OPTIONS = (f'StartSel="{START}", StopSel="{STOP}", MaxFragments=2, MaxWords={SNIPPET_WORDS}, '
                     'MinWords=8, FragmentDelimiter=" … "')
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """One line of text without our markers (so only the highlighter places them)."""
    return _SPACES.sub(" ", text.replace(START, "").replace(STOP, "")).strip()


def render(marked: str) -> SafeString:
    """Escape a passage and turn its markers into <mark> elements (unbalanced ones are dropped)."""
    html, open_mark = [], False
    for piece in re.split(f"([{START}{STOP}])", marked):
        if piece == START and not open_mark:
            html.append("<mark>")
            open_mark = True
        elif piece == STOP and open_mark:
            html.append("</mark>")
            open_mark = False
        elif piece not in (START, STOP):
            html.append(str(escape(piece)))
    if open_mark:
        html.append("</mark>")
    return mark_safe("".join(html))  # noqa: S308 — every piece above is escaped or our own tag


def plain(marked: str) -> str:
    """The passage as text (the API's snippet is HTML; this is for tests and logs)."""
    return marked.replace(START, "").replace(STOP, "")


def _fallback_passage(text: str, words: list[str]) -> str:
    lowered = text.lower()
    hits = [lowered.find(word) for word in words if word and lowered.find(word) >= 0]
    start = max(0, min(hits) - _FALLBACK_WINDOW // 3) if hits else 0
    end = min(len(text), start + _FALLBACK_WINDOW)
    if start:  # begin on a word
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    passage = text[start:end]
    if words:
        pattern = re.compile("|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True)),
                             re.IGNORECASE)
        passage = pattern.sub(lambda found: f"{START}{found.group(0)}{STOP}", passage)
    return ("… " if start else "") + passage + (" …" if end < len(text) else "")


def passages(texts: list[str], *, query: str, words: list[str]) -> list[str]:
    """The marked passage of each text: one query for the whole page on PostgreSQL."""
    texts = [clean(text) for text in texts]
    if not texts:
        return []
    if connection.vendor != "postgresql":
        return [_fallback_passage(text, words) for text in texts]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts_headline(%s::regconfig, page.text, websearch_to_tsquery(%s::regconfig, %s), %s) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS page(text, position) ORDER BY page.position",
            (SEARCH_CONFIG, SEARCH_CONFIG, query, _HEADLINE_OPTIONS, texts))
        return [row[0] or "" for row in cursor.fetchall()]
