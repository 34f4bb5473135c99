"""Bots act only through their API tokens: a password given to one in the admin does not let
it sign in, and a session it holds does not let it act."""

import pytest
from django.test import Client

from apps.accounts.services import bot_account_create
from tests.accounts.factories import UserFactory, admin_user

pytestmark = pytest.mark.django_db

PASSWORD = "a password the admin typed in"


@pytest.fixture
def bot_with_password():
    """A bot an admin gave a password through the admin's own "change password" form."""
    bot = bot_account_create(username="model-service")
    admin = Client()
    admin.force_login(admin_user(username="root"))
    response = admin.post(f"/admin/auth/user/{bot.pk}/password/", {
        "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    bot.refresh_from_db()
    assert bot.check_password(PASSWORD)  # the admin really did set it
    return bot


def test_a_bot_with_a_password_cannot_sign_in(bot_with_password):
    client = Client()
    response = client.post("/accounts/login/", {"username": "model-service", "password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()  # the same refusal as a wrong password
    assert client.get("/reports/").status_code == 302  # still signed out


def test_a_session_a_bot_already_holds_does_not_let_it_act(bot_with_password):
    client = Client()
    client.force_login(bot_with_password)

    assert client.get("/reports/").status_code == 302


def test_a_person_with_the_same_password_still_signs_in(bot_with_password):
    UserFactory(username="ada", password=PASSWORD)
    client = Client()

    assert client.post("/accounts/login/", {"username": "ada", "password": PASSWORD}).status_code == 302
    assert client.get("/reports/").status_code == 200
