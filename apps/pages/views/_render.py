"""How a composed page is rendered from its read model."""

from __future__ import annotations

from dataclasses import fields

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(request: HttpRequest, template: str, page, *, status: int = 200) -> HttpResponse:
    """Renders `page` (a read model dataclass) as `page`, and each of its fields under its own
    name: the page's template and the partials it shares with other pages (the daily chart,
    the forensics and replay blocks) read them by name. Shallow: the fields are not copied."""
    context = {"page": page} | {item.name: getattr(page, item.name) for item in fields(page)}
    return render(request, template, context, status=status)
