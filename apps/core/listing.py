"""One page of a list page: every item stays reachable page by page (a list that stops at
its first N rows would silently hide the rest), and the page's filters carry over."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

# Rows per page of the report and incident lists: a screen or two, and a page that renders fast.
LIST_PAGE_SIZE = 50


def list_page(request: HttpRequest, items: Any, *, per_page: int) -> dict[str, Any]:
    """The context `_pager.html` needs: `page` (a bad or out-of-range number gives the nearest
    page, never an error) and `query` (the request's other parameters)."""
    page: Page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}
