"""Calling the API in tests: a JSON client, request bodies, and a snapshot of what writes change."""

from __future__ import annotations

import json

from django.test import Client

from ciic.accounts.services import issue_api_token
from ciic.audit.models import AuditEntry
from ciic.demo.identifiers import make_credit_code, make_id_number, make_mobile
from ciic.entrants.models import Organization, PolicyAcceptance, Representative, Team

API = "/api/v1"


class ApiClient:
    """A test client that speaks JSON to /api/v1, with optional default headers."""

    def __init__(self, client: Client | None = None, **headers: str) -> None:
        self.client = client or Client()
        self.headers = headers

    def call(self, method: str, path: str, data=None, **extra):
        kwargs = {**self.headers, **extra}
        if data is not None:
            kwargs["data"] = json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(API + path, **kwargs)

    def get(self, path: str, params: dict | None = None, **extra):
        return self.client.get(API + path, params or {}, **{**self.headers, **extra})

    def post(self, path: str, data=None, **extra):
        return self.call("post", path, data if data is not None else {}, **extra)

    def put(self, path: str, data=None, **extra):
        return self.call("put", path, data if data is not None else {}, **extra)

    def patch(self, path: str, data=None, **extra):
        return self.call("patch", path, data if data is not None else {}, **extra)

    def delete(self, path: str, **extra):
        return self.call("delete", path, **extra)

def current_code(user) -> str | None:
    """A current authenticator code of `user` (a device made for it), for staff accounts."""
    if not user.needs_two_factor:
        return None
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def bearer_headers(user, name: str = "test", scope: str = "write") -> dict[str, str]:
    _token, key = issue_api_token(user=user, name=name, scope=scope, otp_code=current_code(user))
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

def org_payload(seq: int = 1, **overrides) -> dict:
    values = dict(name=f"接口测试有限公司{seq}", credit_code=make_credit_code(seq), kind="software_it",
                  headcount=120, annual_revenue="5000")
    values.update(overrides)
    return values

def rep_payload(seq: int = 1, **overrides) -> dict:
    values = dict(name=f"代表{seq}", id_number=make_id_number(seq), mobile=make_mobile(seq),
                  email=f"rep{seq}@example.com")
    values.update(overrides)
    return values

def team_payload(organization_id: int, *, policies, name: str = "接口先锋队", station: str = "beijing",
                 direction: str | None = None, reps: list[dict] | None = None) -> dict:
    from ciic.contests.models import Station

    if direction is None:
        direction = Station.objects.filter(code=station).first().directions.first().code
    return dict(organization_id=organization_id, station=station, direction=direction, name=name,
                representatives=reps if reps is not None else [rep_payload(101)],
                accepted_policy_ids=[p.pk for p in policies])

def db_state() -> dict:
    """Everything a write endpoint could change, to prove a refused call wrote nothing."""
    from ciic.accounts.models import ApiToken

    return {
        "audit": AuditEntry.objects.count(),
        "organizations": list(Organization.objects.order_by("pk").values()),
        "teams": list(Team.objects.order_by("pk").values()),
        "representatives": list(Representative.objects.order_by("pk").values_list("pk", "team_id", "name")),
        "acceptances": list(PolicyAcceptance.objects.order_by("pk").values_list("pk", "team_id", "policy_id")),
        "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
    }

def rules_of(response) -> set[str]:
    return {e["rule"] for e in response.json()["errors"]}

def errors_for(response, rule: str) -> list[dict]:
    return [e for e in response.json()["errors"] if e["rule"] == rule]
