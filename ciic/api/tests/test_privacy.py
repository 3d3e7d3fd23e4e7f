"""Representatives' ID numbers and mobiles never leave the API in the clear, to anyone, and
never reach a log line."""

from __future__ import annotations

import json
import logging

import pytest

from ciic.audit.models import AuditEntry
from ciic.core.masking import mask_id_number, mask_mobile

from .helpers import ApiClient, rep_payload, team_payload

pytestmark = pytest.mark.django_db


def _assert_masked(body: str, rep: dict) -> None:
    assert rep["id_number"] not in body
    assert rep["mobile"] not in body
    # Nor the digits the masks hide, in any other shape (the birth date of the ID number).
    assert rep["id_number"][6:14] not in body


def test_api_masks_personal_data(lead_api, organization, current_policies, secretariat, station_officer,
                                 verified, caplog):
    caplog.set_level(logging.DEBUG)
    rep = rep_payload(201)
    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies, reps=[rep]))
    assert r.status_code == 201
    team_id = r.json()["id"]
    out = r.json()["representatives"][0]
    assert out["id_number_masked"] == mask_id_number(rep["id_number"])
    assert out["mobile_masked"] == mask_mobile(rep["mobile"])
    assert set(out) == {"id", "name", "id_number_masked", "mobile_masked", "email", "status", "status_note",
                        "confirmed_at"}
    added = lead_api.post(f"/teams/{team_id}/representatives", rep_payload(202))
    assert added.status_code == 201

    bodies = [r.content.decode(), added.content.decode(),
              lead_api.get(f"/teams/{team_id}").content.decode(),
              lead_api.get("/teams").content.decode()]
    secretariat_view = ApiClient(verified(secretariat)).get(f"/teams/{team_id}")
    officer_view = ApiClient(verified(station_officer)).get(f"/teams/{team_id}")
    bodies += [secretariat_view.content.decode(), officer_view.content.decode()]

    for body in bodies:
        _assert_masked(body, rep)
        _assert_masked(body, rep_payload(202))
    # The email is for the lead and the secretariat (entrants.view_personal_data), not the station.
    assert secretariat_view.json()["representatives"][0]["email"] == rep["email"]
    assert officer_view.json()["representatives"][0]["email"] is None
    for record in caplog.records:
        _assert_masked(record.getMessage(), rep)
    # The audit trail is a log too.
    for entry in AuditEntry.objects.all():
        _assert_masked(json.dumps([entry.before, entry.after], ensure_ascii=False), rep)
        _assert_masked(json.dumps([entry.before, entry.after], ensure_ascii=False), rep_payload(202))


def test_api_refusals_never_echo_personal_data(lead_api, team, caplog):
    caplog.set_level(logging.DEBUG)
    # The same person again (R-P3), and a malformed body whose values must not be echoed back.
    dup = rep_payload(1)
    r = lead_api.post(f"/teams/{team.pk}/representatives", dup)
    assert r.status_code == 422
    bad = lead_api.post(f"/teams/{team.pk}/representatives",
                        {"name": "代表", "id_number": int(dup["id_number"][:17]), "mobile": dup["mobile"],
                         "email": "x@example.com"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "id_number"
    for response in (r, bad):
        body = response.content.decode()
        assert dup["id_number"][:17] not in body
        assert dup["mobile"] not in body
    for record in caplog.records:
        assert dup["id_number"][:17] not in record.getMessage()
        assert dup["mobile"] not in record.getMessage()


def test_api_me_masks_own_mobile(db):
    from ciic.accounts.services import sign_up

    from .helpers import bearer_headers

    user = sign_up(identifier="13700001111", password="Ciic-signup-2023!")
    r = ApiClient(**bearer_headers(user)).get("/accounts/me")
    assert r.json()["mobile"] == "137****1111"
    assert "13700001111" not in r.content.decode()
