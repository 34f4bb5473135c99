"""Every response carries the server's own X-Request-ID; a caller's own id is echoed beside it,
never used in its place."""

import re

import pytest

pytestmark = pytest.mark.django_db

SERVER_ID = re.compile(r"^[0-9a-f]{32}$")


def test_a_caller_chosen_id_is_echoed_beside_the_servers_own(client):
    first = client.get("/healthz", HTTP_X_REQUEST_ID="same-id")
    second = client.get("/healthz", HTTP_X_REQUEST_ID="same-id")
    malformed = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")

    assert all(SERVER_ID.match(response["X-Request-ID"]) for response in (first, second, malformed))
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert first["X-Client-Request-ID"] == second["X-Client-Request-ID"] == "same-id"
    assert "X-Client-Request-ID" not in malformed  # dropped, not echoed
