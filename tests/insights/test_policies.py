"""A post-mortem is due a number of working days after resolving a severe incident; the
incident page says when, and how late it is."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from apps.insights.models import TeamPolicy
from apps.insights.policies import add_working_days, latest_overdue_resolution_day, postmortem_owed
from apps.postmortems.models import Postmortem, PostmortemStatus

from .factories import history

pytestmark = pytest.mark.django_db


def test_working_days_skip_the_weekend():
    friday = date(2026, 12, 4)
    assert add_working_days(friday, 1) == date(2026, 12, 7)  # Monday
    assert add_working_days(friday, 5) == date(2026, 12, 11)  # the next Friday
    # Resolved on the weekend, it is due the same Friday: on Saturday the 12th everything resolved
    # up to Sunday the 6th is overdue; on Friday the 11th only what was resolved by Thursday the 3rd.
    assert latest_overdue_resolution_day(today=date(2026, 12, 12), working_days=5) == date(2026, 12, 6)
    assert latest_overdue_resolution_day(today=date(2026, 12, 11), working_days=5) == date(2026, 12, 3)


def test_the_incident_page_shows_an_overdue_post_mortem(client):
    past = history()
    client.force_login(past.member)

    due, overdue = postmortem_owed(incident=past.d)
    assert overdue and due == add_working_days(past.weeks[1] + timedelta(days=3), 5)
    html = client.get(reverse("incidents:detail", args=[past.d.pk])).content.decode()
    assert 'id="postmortem-policy"' in html and "Overdue" in html and due.strftime("%a %-d %b") in html

    # Not owed: below the policy's severity, still open, or approved.
    assert postmortem_owed(incident=past.b) is None  # medium
    assert postmortem_owed(incident=past.c) is None  # reopened, open
    assert postmortem_owed(incident=past.a) is None  # approved
    assert 'id="postmortem-policy"' not in client.get(reverse("incidents:detail", args=[past.a.pk])).content.decode()

    Postmortem.objects.create(incident=past.d, status=PostmortemStatus.APPROVED)
    assert postmortem_owed(incident=past.d) is None


def test_a_team_policy_moves_the_due_date_and_the_severity(client):
    past = history()
    TeamPolicy.objects.create(team=past.team, postmortem_due_working_days=30, postmortem_min_severity="medium")
    due, overdue = postmortem_owed(incident=past.d)
    assert not overdue and due > past.today
    assert postmortem_owed(incident=past.b) is not None  # medium now needs one too
