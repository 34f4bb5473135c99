"""Editing a post-mortem locks the post-mortem's row only: not its incident's, nor its model's,
so work on the incident (and on every other incident of the model) goes on meanwhile. Needs
PostgreSQL: SQLite has no row locks to look at."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.incidents.models import Incident
from apps.postmortems.models import Postmortem
from apps.postmortems.services import contributing_factor_add, postmortem_update
from apps.registry.models import Model
from tests.postmortems.factories import team_postmortem
from tests.row_locks import row_free_while

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)"),
]


def _edit(world):
    return lambda: postmortem_update(incident_id=world.incident.pk, actor=world.member, expected_version=None,
                                     summary="The unit of `proline` changed on the live path.")


def test_editing_a_post_mortem_does_not_lock_its_model():
    world = team_postmortem()

    free = row_free_while(_edit(world),
                          lambda: Model.objects.select_for_update(nowait=True).get(pk=world.incident.model_id))

    assert free


def test_editing_a_post_mortem_does_not_lock_its_incident():
    world = team_postmortem()

    free = row_free_while(
        lambda: contributing_factor_add(incident_id=world.incident.pk, actor=world.member,
                                        category="feature_pipeline", description="The unit changed upstream."),
        lambda: Incident.objects.select_for_update(nowait=True).get(pk=world.incident.pk))

    assert free


def test_the_post_mortem_itself_is_locked_meanwhile():
    """The checks above look at the right thing: the post-mortem's own row is held."""
    world = team_postmortem()

    free = row_free_while(_edit(world),
                          lambda: Postmortem.objects.select_for_update(nowait=True).get(pk=world.postmortem.pk))

    assert not free
