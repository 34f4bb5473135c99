import re

import pytest
from django.test import Client

from apps.accounts.models import ApiToken, BotAccount
from apps.accounts.services import api_token_create
from tests.accounts.factories import UserFactory, admin_user, token_client

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new_key(html: str) -> str:
    return re.search(r'id="new-key"[^>]*>(mli_[^<]+)<', html).group(1)


def test_a_person_creates_a_key_sees_it_once_and_it_works():
    user = UserFactory()
    page = _signed_in(user)

    created = page.post("/account/tokens/new/", {"name": "laptop", "account": user.username, "access": "full",
                                                 "expires_in": "30"})

    assert created.status_code == 201
    key = _new_key(created.content.decode())
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/reports/").status_code == 200
    listing = page.get("/account/tokens/").content.decode()
    assert "laptop" in listing and key not in listing
    assert created["Cache-Control"].startswith("max-age=0")


def test_an_intake_key_from_the_page_is_limited():
    user = UserFactory()
    created = _signed_in(user).post("/account/tokens/new/", {"name": "bot", "account": user.username,
                                                             "access": "intake", "expires_in": "never"})
    token = ApiToken.objects.get(user=user)

    assert token.scopes_label == "intake only" and token.expires_at is None
    api = Client(HTTP_AUTHORIZATION=f"Token {_new_key(created.content.decode())}")
    assert api.get("/api/v1/reports/").status_code == 403


def test_revoking_a_key_from_the_page_stops_it_at_once():
    user = UserFactory()
    issued = api_token_create(username=user.username, name="old")

    response = _signed_in(user).post(f"/account/tokens/{issued.token.pk}/revoke/")

    assert response.status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Token {issued.key}").get("/api/v1/reports/").status_code == 401


def test_nobody_sees_or_revokes_another_persons_keys():
    owner, other = UserFactory(), UserFactory()
    issued = api_token_create(username=owner.username, name="owner-secret-name")

    assert "owner-secret-name" not in _signed_in(other).get("/account/tokens/").content.decode()
    assert _signed_in(other).post(f"/account/tokens/{issued.token.pk}/revoke/").status_code == 404
    assert token_client(owner).get("/api/v1/reports/").status_code == 200


def test_a_person_cannot_issue_a_key_for_someone_else():
    user, victim = UserFactory(), UserFactory()

    response = _signed_in(user).post("/account/tokens/new/", {"name": "x", "account": victim.username,
                                                              "access": "full", "expires_in": "30"})

    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=victim).exists()


def test_admins_create_bot_accounts_and_issue_them_intake_keys():
    admin = admin_user()
    page = _signed_in(admin)

    assert page.post("/account/bots/new/", {"username": "slack-bot", "description": "#ml-wtf"}).status_code == 302
    created = page.post("/account/tokens/new/", {"name": "slack", "account": "slack-bot", "access": "intake",
                                                 "expires_in": "365"})

    bot = BotAccount.objects.get(user__username="slack-bot")
    assert created.status_code == 201
    assert not bot.user.has_usable_password()
    assert ApiToken.objects.get(user=bot.user).scopes_label == "intake only"
    assert "slack-bot" in page.get("/account/tokens/").content.decode()


def test_only_admins_create_bot_accounts():
    response = _signed_in(UserFactory()).post("/account/bots/new/", {"username": "sneaky"})

    assert response.status_code == 403
    assert not BotAccount.objects.exists()


def test_a_bad_form_says_what_to_fix():
    user = UserFactory()
    response = _signed_in(user).post("/account/tokens/new/", {"name": "", "account": user.username,
                                                              "access": "root", "expires_in": "forever"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required" in body and "Select a valid choice" in body
