"""The report page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from ..selectors.report import report_page
from ._render import render_page


@login_required
def report_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A report: what was seen and expected, its inputs against the reference (the most
    suspicious first), its forensics, its replays and, for the team, the expected outcome."""
    return render_page(request, "pages/report_detail.html", report_page(user=request.user, report_id=pk))
