"""Sections that higher apps add to the Tokens page, so that every key a person manages is
revoked in one place without accounts importing those apps: the feedback widget's publishable
keys live in apps.feedback, which registers its section in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class TokenPageSection:
    name: str
    template: str
    # (request, state) -> the template's `section`; `state` is what the section's own view
    # passes when it renders the page (a newly issued key, a form with errors), else None.
    context: Callable[[HttpRequest, Any], dict]


_sections: dict[str, TokenPageSection] = {}


def token_page_section_register(section: TokenPageSection) -> None:
    _sections[section.name] = section


def token_page_sections(request: HttpRequest, states: dict[str, Any] | None = None) -> list[dict]:
    states = states or {}
    return [{"template": section.template, "section": section.context(request, states.get(section.name))}
            for section in _sections.values()]
