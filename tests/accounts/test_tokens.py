import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create, api_token_revoke, token_digest
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_create_api_token_prints_a_key_that_is_stored_only_hashed(capsys):
    UserFactory(username="bot")
    call_command("create_api_token", "bot", "--name", "slack")
    key = capsys.readouterr().out.strip()

    token = ApiToken.objects.get()
    assert token.name == "slack"
    assert token.digest == token_digest(key)
    assert key not in (token.digest, token.prefix)
    assert _client(key).get("/api/v1/models/").status_code == 200


def test_create_api_token_for_unknown_user_fails_clearly():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")


@pytest.mark.parametrize("header", ["Token wrong", "Token", "Token a b", "Bearer x"])
def test_bad_credentials_are_refused_with_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/models/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_revoked_and_expired_tokens_stop_working():
    user = UserFactory()
    revoked = api_token_create(username=user.username, name="old")
    api_token_revoke(token=revoked.token, actor=user)
    expired = api_token_create(username=user.username, name="temp",
                               expires_at=timezone.now() + timezone.timedelta(minutes=1))
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))

    assert _client(revoked.key).get("/api/v1/models/").status_code == 401
    assert _client(expired.key).get("/api/v1/models/").status_code == 401


def test_the_command_creates_a_bot_with_an_intake_only_key(capsys):
    call_command("create_api_token", "slack-bot", "--bot", "--scope", "intake", "--expires-days", "90",
                 "--name", "slack")
    key = capsys.readouterr().out.strip()

    token = ApiToken.objects.get(digest=token_digest(key))
    assert token.user.username == "slack-bot" and not token.user.has_usable_password()
    assert token.scopes_label == "intake only"
    assert 89 <= (token.expires_at - timezone.now()).days <= 90
    assert _client(key).get("/api/v1/reports/").status_code == 403
