"""Single sign-on behind an authenticating proxy, switched on by settings alone."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind_auth_proxy(settings):
    settings.AUTH_PROXY_HEADER = "X-Forwarded-User"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE]
    position = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    settings.MIDDLEWARE.insert(position, "apps.accounts.middleware.AuthProxyMiddleware")
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                                        "apps.accounts.backends.PeopleRemoteUserBackend",
                                        "apps.accounts.backends.PeopleModelBackend"]


def test_the_proxys_user_header_signs_a_person_in(behind_auth_proxy):
    response = Client().get("/reports/", HTTP_X_FORWARDED_USER="ada@example.com")

    assert response.status_code == 200
    assert get_user_model().objects.filter(username="ada@example.com").exists()
    assert "ada@example.com" in response.content.decode()


def test_without_the_setting_the_header_means_nothing():
    response = Client().get("/reports/", HTTP_X_FORWARDED_USER="mallory")

    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="mallory").exists()
