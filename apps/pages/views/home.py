"""The home page: what is going on now."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from ..selectors.home import home_page
from ._render import render_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What is going on now: the active incidents most severe first, the latest reports, the
    models, and the reports filed per day."""
    return render_page(request, "pages/home.html", home_page(user=request.user))
