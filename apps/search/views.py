"""The search page: the words, the facets chosen, one page of results."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .engine import SearchFilters
from .forms import SearchForm
from .selectors import search


@login_required
@require_safe
def search_view(request):
    form = SearchForm(request.GET)
    form.is_valid()
    # A field that does not parse (a hand-edited URL) is left out and shown with its error; the
    # others still apply.
    data = {key: value for key, value in getattr(form, "cleaned_data", {}).items() if value}
    text = data.pop("q", "")
    filters = SearchFilters(**data)
    results = search(user=request.user, text=text, filters=filters, page_number=request.GET.get("page")) \
        if text.strip() else None
    pager_query = request.GET.copy()
    pager_query.pop("page", None)
    return render(request, "search/search.html", {
        "form": form, "text": text, "results": results, "filters": filters.active(),
        "pager_query": pager_query.urlencode(), "text_only_query": urlencode({"q": text})})
