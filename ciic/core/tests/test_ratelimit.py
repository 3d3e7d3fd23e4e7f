"""How often one address or one account may act: sign-ups, code requests and the API's
writes over their limits get 429 (a page, or JSON with Retry-After) and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_ups_from_one_address_are_limited(client, settings):
    from ciic.accounts.models import User

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "3/h"}
    for i in range(3):
        response = client.post(reverse("accounts:signup"), {
            "identifier": f"u{i}@example.com", "full_name": "张三", "password": "Ciic-test-2026!"})
        assert response.status_code == 302, response.content[:300]
        client.logout()
    refused = client.post(reverse("accounts:signup"), {
        "identifier": "u9@example.com", "full_name": "张三", "password": "Ciic-test-2026!"})
    assert refused.status_code == 429 and "操作过于频繁" in refused.content.decode() and refused["Retry-After"]
    assert not User.objects.filter(email="u9@example.com").exists() and User.objects.count() == 3
    assert client.get(reverse("accounts:signup")).status_code == 200  # reading the page is not limited
