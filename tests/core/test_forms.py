"""Forms rendered whole read like the ones laid out by hand: a label names its box, no colon."""

from __future__ import annotations

import re

import pytest

from tests.postmortems.factories import team_postmortem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/account/tokens/", "/incidents/{incident}/postmortem/?section=impact"])
def test_labels_of_whole_forms_carry_no_trailing_colon(client, path):
    world = team_postmortem()
    client.force_login(world.member)

    page = client.get(path.format(incident=world.incident.pk)).content.decode()

    labels = re.findall(r"<label[^>]*>([^<]*)</label>", page)
    assert labels and not [label for label in labels if label.strip().endswith(":")]
