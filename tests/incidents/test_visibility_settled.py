"""The insights repeat the visibility rules in about twenty queries, so they settle what the rules
look up elsewhere once (`reader_lookups`) and filter on the rows' own columns. The settled rules
must see exactly what the rules see, for every kind of reader."""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import Triager
from apps.incidents.models import Incident
from apps.incidents.selectors import incident_visibility, reader_lookups
from apps.reports.models import Report
from apps.reports.selectors import report_visibility
from tests.accounts.factories import UserFactory, access_world
from tests.incidents.factories import model_of, opened_incident

pytestmark = pytest.mark.django_db


def _seen(model, rule) -> set[int]:
    return set((model.objects.all() if rule is None else model.objects.filter(rule)).values_list("pk", flat=True))


def test_the_settled_rules_see_exactly_what_the_rules_see():
    world = access_world()
    named, triager = UserFactory(username="named"), UserFactory(username="triager")
    Triager.objects.create(user=triager)
    secret = opened_incident(model=model_of("shop", team=world.other_team), title="Secret", restricted=True)
    secret.restricted_to.add(named)
    hidden = opened_incident(model=model_of("ledger", team=world.other_team), title="Hidden", restricted=True)
    unowned = opened_incident(model=model_of("free"), title="Nobody's")
    unowned_restricted = opened_incident(model=model_of("free"), title="Nobody's, restricted", restricted=True)
    for number, incident in enumerate((secret, hidden, unowned, unowned_restricted)):
        Report.objects.create(model=incident.model, incident=incident, title=f"R{number}", reporter=world.reporter)
    Report.objects.create(title="Unsorted", reporter=world.member)  # no model yet: the triagers' inbox

    readers = (world.reporter, world.member, world.outsider, world.admin, named, triager, AnonymousUser())
    for reader in readers:
        lookups = reader_lookups(reader)
        assert _seen(Incident, incident_visibility(reader, lookups)) == _seen(Incident,
                                                                                       incident_visibility(reader))
        assert _seen(Report, report_visibility(reader, lookups)) == _seen(Report, report_visibility(reader))
    # Not vacuous: the person named sees another team's restricted incident; a member of a team
    # that does not own a restricted incident does not.
    assert secret.pk in _seen(Incident, incident_visibility(named, reader_lookups(named)))
    assert hidden.pk not in _seen(Incident, incident_visibility(world.member, reader_lookups(world.member)))
