from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import factory
from django.contrib.auth import get_user_model

if TYPE_CHECKING:
    from apps.accounts.models import Team
    from apps.actions.models import ActionItem
    from apps.incidents.models import Incident
    from apps.postmortems.models import Postmortem
    from apps.registry.models import Model, ModelVersion
    from apps.reports.models import Report


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Team"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda team: team.slug.replace("-", " ").title())


def member_of(team, role: str = "member", **user_fields):
    """A new user in `team` with `role` ("member" or "reviewer")."""
    from apps.accounts.models import Membership

    user = UserFactory(**user_fields)
    Membership.objects.create(team=team, user=user, role=role)
    return user


def admin_user(**user_fields):
    return UserFactory(is_superuser=True, is_staff=True, **user_fields)


def token_client(user, *, scopes=None):
    """An API client authenticated with a new token of `user`."""
    from rest_framework.test import APIClient

    from apps.accounts.services import api_token_create

    client = APIClient()
    issued = api_token_create(username=user.username, name="tests", scopes=scopes)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    client.user = user
    client.token = issued.token
    return client


@dataclass
class World:
    """The shared test world (see `access_world`). Builders on top of it fill the optional
    fields (`postmortem`, `item`); a test may add its own objects to it as it goes."""

    team: Team
    other_team: Team
    version: ModelVersion
    model: Model
    report: Report
    incident: Incident
    reporter: Any
    bot: Any
    member: Any
    reviewer: Any
    outsider: Any
    admin: Any
    postmortem: Postmortem | None = None
    item: ActionItem | None = None


def access_world() -> World:
    """Two teams and one person in each role, around a model owned by team "fraud":
    `world.report` is filed by `world.reporter` (in no team) and its incident is open."""
    from apps.accounts.services import bot_account_create, membership_set
    from tests.registry.factories import trained_version
    from tests.reports.factories import file_report

    fraud, search = TeamFactory(slug="fraud"), TeamFactory(slug="search")
    version = trained_version("fraud-score", team=fraud)
    reporter = UserFactory(username="reporter")
    report = file_report(reporter=reporter, version=version)
    bot = bot_account_create(username="intake-bot")
    membership_set(team=fraud, user=bot, role="member")
    return World(
        team=fraud, other_team=search, version=version, model=version.model, report=report,
        incident=report.incident, reporter=reporter, bot=bot,
        member=member_of(fraud, username="member"), reviewer=member_of(fraud, "reviewer", username="reviewer"),
        outsider=member_of(search, username="outsider"), admin=admin_user(username="admin"),
    )
