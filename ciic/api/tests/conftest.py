"""Fixtures for calling the API as the fixed personas (ciic/conftest.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from .helpers import ApiClient, bearer_headers


@pytest.fixture
def as_bearer(db):
    """as_bearer(user) -> an ApiClient authenticated by a fresh API token of `user`."""
    return lambda user: ApiClient(**bearer_headers(user))


@pytest.fixture
def as_session(db):
    """as_session(user) -> an ApiClient logged in by session (no second factor)."""

    def build(user):
        client = Client()
        client.force_login(user)
        return ApiClient(client)

    return build


@pytest.fixture
def as_staff():
    """as_staff(user) -> an ApiClient logged in by session with the second factor passed."""
    from ciic.testing.personas import verified_client

    return lambda user: ApiClient(verified_client(user, Client()))


@pytest.fixture
def anonymous():
    return ApiClient()


@pytest.fixture
def lead_api(as_bearer, team_lead):
    return as_bearer(team_lead)


@pytest.fixture
def other_api(as_bearer, other_lead):
    return as_bearer(other_lead)
