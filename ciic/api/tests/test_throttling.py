"""The API's writes are limited per account and per address; over the limit a 429 in the
API's error shape with Retry-After, and nothing changes. Reads are not limited."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_writes_are_limited_per_account_and_reads_are_not(team, lead_api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_write": "2/m"}
    for _ in range(2):
        assert lead_api.patch(f"/teams/{team.pk}", {"name": "新名字一"}).status_code != 429
    refused = lead_api.patch(f"/teams/{team.pk}", {"name": "新名字二"})
    assert refused.status_code == 429 and refused.json()["errors"][0]["rule"] == "too_many_requests"
    assert int(refused["Retry-After"]) > 0
    team.refresh_from_db()
    assert team.name != "新名字二"
    assert lead_api.get(f"/teams/{team.pk}").status_code == 200


def test_api_writes_are_limited_per_address_for_everyone(settings):
    from .helpers import ApiClient

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_write_address": "2/m"}
    api = ApiClient()
    for i in range(2):
        api.post("/accounts/signup", {"identifier": f"s{i}@example.com", "password": "Ciic-test-2026!"})
    assert api.post("/accounts/signup", {"identifier": "s9@example.com", "password": "Ciic-test-2026!"}).status_code == 429
