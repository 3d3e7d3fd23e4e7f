"""Who may call: bearer tokens for scripts, CSRF-protected sessions for the browser, two-factor
for staff, and tokens issued only from a (verified) session."""

from __future__ import annotations

import pytest
from django.test import Client

from ciic.accounts.models import ApiToken, User
from ciic.accounts.services import issue_api_token, revoke_api_token

from .helpers import ApiClient, current_code, db_state, org_payload

pytestmark = pytest.mark.django_db

CSRF_SECRET = "a" * 32


def test_api_bearer_token_authenticates(team_lead):
    _token, key = issue_api_token(user=team_lead, name="script")
    api = ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}")

    r = api.get("/accounts/me")

    assert r.status_code == 200
    assert r.json()["email"] == team_lead.email
    assert ApiToken.objects.get(user=team_lead).last_used_at is not None


def test_api_bearer_write_needs_no_csrf(team_lead, contest):
    _token, key = issue_api_token(user=team_lead, name="script")
    api = ApiClient(Client(enforce_csrf_checks=True), HTTP_AUTHORIZATION=f"Bearer {key}")

    r = api.post("/organizations", org_payload(10))

    assert r.status_code == 201, r.content


def test_api_revoked_token_is_refused(team_lead, contest):
    token, key = issue_api_token(user=team_lead, name="script")
    api = ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/accounts/me").status_code == 200

    assert api.delete(f"/accounts/tokens/{token.pk}").status_code == 204
    before = db_state()

    assert api.get("/accounts/me").status_code == 401
    assert api.post("/organizations", org_payload(11)).status_code == 401
    assert db_state() == before


def test_api_token_revoked_elsewhere_is_refused(team_lead):
    token, key = issue_api_token(user=team_lead, name="script")
    revoke_api_token(token=token, actor=team_lead)
    assert ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}").get("/accounts/me").status_code == 401


def test_api_token_of_deactivated_user_is_refused(team_lead):
    _token, key = issue_api_token(user=team_lead, name="script")
    User.objects.filter(pk=team_lead.pk).update(is_active=False)
    assert ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}").get("/accounts/me").status_code == 401


@pytest.mark.parametrize("header", ["Bearer ciic_not-a-real-key", "Bearer ", "Token abc", "ciic_abc"])
def test_api_bad_authorization_header_is_refused(header, team_lead):
    assert ApiClient(HTTP_AUTHORIZATION=header).get("/accounts/me").status_code == 401


def test_api_bad_token_does_not_fall_back_to_session(team_lead):
    client = Client()
    client.force_login(team_lead)
    api = ApiClient(client)
    assert api.get("/accounts/me").status_code == 200
    assert api.get("/accounts/me", HTTP_AUTHORIZATION="Bearer ciic_wrong").status_code == 401


def test_api_session_write_requires_csrf(team_lead, contest):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_lead)
    api = ApiClient(client)
    before = db_state()

    r = api.post("/organizations", org_payload(12))

    assert r.status_code == 403
    assert db_state() == before

    client.cookies["csrftoken"] = CSRF_SECRET
    r = api.post("/organizations", org_payload(12), HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert r.status_code == 201, r.content


def test_api_session_read_needs_no_csrf(team_lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_lead)
    assert ApiClient(client).get("/accounts/me").status_code == 200


def test_api_public_endpoints_need_no_auth(contest):
    api = ApiClient(Client(enforce_csrf_checks=True))
    for path in ("/contest", "/contest/directions", "/contest/stations", "/contest/schedule",
                 "/contest/policies"):
        assert api.get(path).status_code == 200, path


# --- staff and two-factor -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["secretariat", "station_officer", "expert"])
def test_api_staff_session_without_second_factor_is_refused(persona, request, team):
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    api = ApiClient(client)

    assert api.get("/teams").status_code == 401
    assert api.get("/accounts/me").status_code == 401
    assert api.get(f"/teams/{team.pk}").status_code == 401


def test_api_staff_session_with_second_factor_is_accepted(secretariat, verified, team):
    api = ApiClient(verified(secretariat))
    assert api.get("/accounts/me").json()["role"] == "secretariat"
    assert api.get(f"/teams/{team.pk}").status_code == 200


def test_api_entrant_session_needs_no_second_factor(team_lead):
    client = Client()
    client.force_login(team_lead)
    assert ApiClient(client).get("/accounts/me").status_code == 200


def test_api_token_is_issued_from_session_and_shown_once(team_lead):
    client = Client()
    client.force_login(team_lead)
    api = ApiClient(client)

    r = api.post("/accounts/tokens", {"name": "nightly export"})

    assert r.status_code == 201
    key = r.json()["key"]
    assert key.startswith("ciic_")
    token = ApiToken.objects.get(user=team_lead)
    assert token.name == "nightly export"
    assert key not in (token.key_hash, token.prefix)
    listed = api.get("/accounts/tokens").json()
    assert [t["id"] for t in listed] == [token.pk]
    assert "key" not in listed[0]
    assert ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}").get("/accounts/me").status_code == 200


def test_api_staff_token_needs_verified_session(secretariat, verified, contest):
    client = Client()
    client.force_login(secretariat)
    before = db_state()
    assert ApiClient(client).post("/accounts/tokens", {"name": "x"}).status_code == 401
    assert db_state() == before

    # A verified session is not enough: a staff token takes a current code too (a fresh check).
    staff = ApiClient(verified(secretariat))
    refused = staff.post("/accounts/tokens", {"name": "x"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "otp_code"
    r = staff.post("/accounts/tokens", {"name": "x", "otp_code": current_code(secretariat)})
    assert r.status_code == 201
    assert ApiClient(HTTP_AUTHORIZATION=f"Bearer {r.json()['key']}").get("/teams").status_code == 200


def test_api_token_cannot_issue_tokens(team_lead):
    _token, key = issue_api_token(user=team_lead, name="script")
    before = db_state()
    r = ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}").post("/accounts/tokens", {"name": "more"})
    assert r.status_code == 401
    assert db_state() == before


def test_api_cannot_revoke_someone_elses_token(team_lead, other_api):
    token, _key = issue_api_token(user=team_lead, name="script")
    before = db_state()
    assert other_api.delete(f"/accounts/tokens/{token.pk}").status_code == 404
    assert db_state() == before


# --- sign-up ------------------------------------------------------------------------------------


def test_api_signup_creates_an_entrant(db):
    r = ApiClient().post("/accounts/signup", {"identifier": "new@example.com",
                                              "password": "Ciic-signup-2023!", "full_name": "赵六"})
    assert r.status_code == 201, r.content
    assert r.json()["role"] == "entrant"
    user = User.objects.get(email="new@example.com")
    assert user.check_password("Ciic-signup-2023!")


def test_api_signup_with_mobile_masks_it(db):
    r = ApiClient().post("/accounts/signup", {"identifier": "13912345678", "password": "Ciic-signup-2023!"})
    assert r.status_code == 201
    assert r.json()["mobile"] == "139****5678"
    assert "13912345678" not in r.content.decode()


def test_api_signup_refusals_name_the_field(team_lead):
    before = User.objects.count()
    r = ApiClient().post("/accounts/signup", {"identifier": team_lead.email, "password": "123"})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"identifier", "password"}
    assert {e["rule"] for e in r.json()["errors"] if e["field"] == "identifier"} == {"taken"}
    assert User.objects.count() == before


def test_api_refusal_messages_follow_accept_language(db):
    # Django's own password messages have both catalogs: the request's language picks one.
    body = {"identifier": "lang@example.com", "password": "12345678"}
    english = ApiClient().post("/accounts/signup", body, HTTP_ACCEPT_LANGUAGE="en").json()["errors"]
    chinese = ApiClient().post("/accounts/signup", body, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["errors"]

    def message(errors):
        return next(e["message"] for e in errors if e["rule"] == "password_entirely_numeric")

    assert message(english) == "This password is entirely numeric."
    assert message(chinese) == "密码只包含数字。"


def test_api_a_token_expires(team_lead, settings):
    """A token stops working API_TOKEN_DAYS after it is issued."""
    import datetime as dt

    from django.utils import timezone

    token, key = issue_api_token(user=team_lead, name="script")
    assert token.expires_at - token.created_at == dt.timedelta(days=settings.API_TOKEN_DAYS)
    client = ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/accounts/me").status_code == 200
    type(token).objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = client.get("/accounts/me")
    assert refused.status_code == 401 and "过期" in refused.json()["errors"][0]["message"]


def test_api_a_read_only_token_reads_and_writes_nothing(team, team_lead):
    from .helpers import bearer_headers, db_state

    client = ApiClient(**bearer_headers(team_lead, scope="read"))
    assert client.get(f"/teams/{team.pk}").status_code == 200
    before = db_state()
    refused = client.patch(f"/teams/{team.pk}", {"name": "改个名字"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["rule"] == "forbidden"
    assert db_state() == before


def test_api_a_staff_token_takes_a_fresh_second_factor(secretariat):
    """Tokens act without a second factor, so issuing one to staff asks for a current code."""
    from django.core.exceptions import ValidationError

    from .helpers import current_code

    with pytest.raises(ValidationError) as refused:
        issue_api_token(user=secretariat, name="staff script")
    assert "otp_code" in refused.value.message_dict
    with pytest.raises(ValidationError):
        issue_api_token(user=secretariat, name="staff script", otp_code="000000x")
    token, _key = issue_api_token(user=secretariat, name="staff script", otp_code=current_code(secretariat))
    assert token.user == secretariat


def test_api_token_use_is_noted_at_most_once_a_minute(team_lead, django_assert_num_queries):
    token, key = issue_api_token(user=team_lead, name="script")
    client = ApiClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.get("/accounts/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/accounts/me")
    token.refresh_from_db()
    assert token.last_used_at == first  # a second call within the minute writes nothing


def test_api_a_script_gets_a_token_with_its_password(team_lead, settings):
    """POST /auth/token: no HTML form, no CSRF cookie; failures throttled as on the login page."""
    from ciic.testing.personas import PASSWORD

    anonymous = ApiClient()
    r = anonymous.post("/auth/token", {"identifier": team_lead.email, "password": PASSWORD, "name": "同步",
                                       "scope": "read"})
    assert r.status_code == 201, r.content
    assert r.json()["scope"] == "read" and r.json()["key"].startswith("ciic_")
    assert ApiClient(HTTP_AUTHORIZATION=f"Bearer {r.json()['key']}").get("/accounts/me").json()["id"] == team_lead.pk
    wrong = anonymous.post("/auth/token", {"identifier": team_lead.email, "password": "wrong-password"})
    assert wrong.status_code == 401 and wrong.json()["errors"][0]["rule"] == "unauthenticated"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        anonymous.post("/auth/token", {"identifier": team_lead.email, "password": "wrong-password"})
    locked = anonymous.post("/auth/token", {"identifier": team_lead.email, "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["errors"][0]["rule"] == "too_many_requests"
    assert ApiToken.objects.filter(user=team_lead).count() == 1


def test_api_staff_get_a_token_by_password_only_with_a_current_code(secretariat):
    from ciic.testing.personas import PASSWORD

    from .helpers import current_code

    body = {"identifier": secretariat.email, "password": PASSWORD}
    refused = ApiClient().post("/auth/token", body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "otp_code"
    assert ApiClient().post("/auth/token", {**body, "otp_code": current_code(secretariat)}).status_code == 201
