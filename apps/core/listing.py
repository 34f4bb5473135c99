"""One page of a list page: every item stays reachable page by page (a list that stops at
its first N rows would silently hide the rest), and the page's filters carry over."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import HttpRequest

T = TypeVar("T")

# Rows per page of the report and incident lists: a screen or two, and a page that renders fast.
LIST_PAGE_SIZE = 50


def list_page(request: HttpRequest, items: Any, *, per_page: int) -> dict[str, Any]:
    """The context `_pager.html` needs: `page` (a bad or out-of-range number gives the nearest
    page, never an error) and `query` (the request's other parameters)."""
    page: Page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def filters_from_form(form: Form, filters_class: type[T]) -> tuple[T, bool]:
    """A list page's filters from its GET form, and whether any narrows the list (sorting does
    not). A field that does not parse (a hand-edited URL) is left out and shown with its error;
    the fields that do parse still apply."""
    form.is_valid()
    data = {key: value for key, value in getattr(form, "cleaned_data", {}).items() if value not in (None, "")}
    return filters_class(**data), any(key != "sort" for key in data)


def reference_number(text: str, prefix: str) -> int | None:
    """The number in "INC-12", "inc12", "#12" or "12" (for prefix "INC"); None for anything else."""
    found = re.match(rf"^\s*(?:{re.escape(prefix)}-?|#)?(\d{{1,18}})\s*$", text, re.IGNORECASE)
    return int(found.group(1)) if found else None
