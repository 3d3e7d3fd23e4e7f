"""The popularity vote in the JSON API (R-A2, issue 12 §4): the same services as the pages, the
API's one error shape, 429 with Retry-After past a limit, the secretariat's audit."""

from __future__ import annotations

import datetime as dt

import pytest

from ciic.audit.models import AuditEntry
from ciic.votes.enums import FindingStatus
from ciic.votes.models import Finding, Vote
from ciic.votes.tests.conftest import MOBILE, ballot, code_in, open_window, send  # noqa: F401 - fixtures
from ciic.votes.tests.test_audit import planted  # noqa: F401 - the fixture


@pytest.fixture
def code(ballot, anonymous, sms_outbox, django_capture_on_commit_callbacks):  # noqa: F811
    def ask(mobile: str = MOBILE) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = anonymous.post("/vote/codes", {"mobile": mobile})
        assert response.status_code == 202, response.json()
        return code_in(sms_outbox)
    return ask


def test_the_ballot_is_public(ballot, anonymous):  # noqa: F811
    response = anonymous.get("/vote", {"seed": "visitor-1"})
    assert response.status_code == 200
    body = response.json()
    assert body["is_open"] and body["votes_per_day"] == 5 and body["live_counts_round_to"] == 100
    assert sorted(f["project_id"] for f in body["finalists"]) == sorted(p.pk for p in ballot.finalists)
    first = next(f for f in body["finalists"] if f["project_id"] == ballot.finalists[0].pk)
    assert first["video_url"] == f"/vote/p/{ballot.finalists[0].pk}/video/" and first["group"] == "leader"
    assert first["summary"].startswith("第0号项目的概述")
    assert anonymous.get("/vote", {"seed": "visitor-1"}).json() == body


def test_a_number_proves_itself_and_votes_once_per_ballot_key(ballot, anonymous, code):  # noqa: F811
    body = {"mobile": MOBILE, "code": code(), "project_id": ballot.finalists[0].pk, "ballot_key": "api-ballot-1"}
    first = anonymous.post("/vote/ballots", body)
    assert first.status_code == 201 and first.json()["created"] and first.json()["votes_left_today"] == 4
    again = anonymous.post("/vote/ballots", body)
    assert again.status_code == 200 and not again.json()["created"]
    assert Vote.objects.count() == 1
    second = anonymous.post("/vote/ballots", {**body, "project_id": ballot.finalists[1].pk, "ballot_key": "api-ballot-2"})
    assert second.status_code == 201 and second.json()["votes_left_today"] == 3


def test_refusals_name_the_field_in_the_one_error_shape(ballot, anonymous, code):  # noqa: F811
    right = code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    cases = [
        ({"mobile": "12345", "code": right, "project_id": ballot.finalists[0].pk, "ballot_key": "api-ballot-1"},
         "mobile", "invalid"),
        ({"mobile": MOBILE, "code": wrong, "project_id": ballot.finalists[0].pk, "ballot_key": "api-ballot-1"},
         "code", "invalid"),
        ({"mobile": MOBILE, "code": right, "project_id": ballot.outsider.pk, "ballot_key": "api-ballot-1"},
         "project_id", "R-A2"),
        ({"mobile": MOBILE, "code": right, "project_id": ballot.finalists[0].pk, "ballot_key": "short"},
         "ballot_key", "invalid"),
    ]
    for body, field, rule in cases:
        response = anonymous.post("/vote/ballots", body)
        assert response.status_code == 422, response.json()
        assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [(field, rule)]
    malformed = anonymous.post("/vote/ballots", {"mobile": MOBILE, "project_id": "x"})
    assert malformed.status_code == 422
    assert {e["field"] for e in malformed.json()["errors"]} >= {"code", "project_id", "ballot_key"}
    assert not Vote.objects.exists()


def test_an_unverified_number_cannot_vote(ballot, anonymous):  # noqa: F811
    response = anonymous.post("/vote/ballots", {"mobile": MOBILE, "code": "123456",
                                                "project_id": ballot.finalists[0].pk, "ballot_key": "api-ballot-1"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "code"
    assert not Vote.objects.exists()


def test_the_window_holds(ballot, anonymous, code):  # noqa: F811
    right = code()
    open_window(ballot.contest, starts=dt.timedelta(days=-2), ends=dt.timedelta(seconds=-1))
    response = anonymous.post("/vote/ballots", {"mobile": MOBILE, "code": right, "project_id": ballot.finalists[0].pk,
                                                "ballot_key": "api-ballot-1"})
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "R-A2"


def test_past_the_limits_a_captcha_then_429(ballot, anonymous, sms_outbox):  # noqa: F811
    spec = ballot.contest.spec
    spec["popularity_vote"]["rate_limits"]["code_ip"] = {"captcha": "1/h", "refuse": "3/h"}
    ballot.contest.save(update_fields=["spec"])
    assert anonymous.post("/vote/codes", {"mobile": "13900000001"}).status_code == 202
    refused = anonymous.post("/vote/codes", {"mobile": "13900000002"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "captcha"
    challenge = anonymous.get("/vote/captcha").json()
    from captcha.models import CaptchaStore

    answer = CaptchaStore.objects.get(hashkey=challenge["key"]).response
    assert anonymous.client.get(challenge["image_url"]).status_code == 200
    solved = anonymous.post("/vote/codes", {"mobile": "13900000002", "captcha_key": challenge["key"],
                                            "captcha_answer": answer.upper()})
    assert solved.status_code == 202
    limited = anonymous.post("/vote/codes", {"mobile": "13900000003"})
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert limited.json()["errors"][0]["rule"] == "too_many_requests"


def test_the_secretariat_audits_and_publishes(planted, secretariat, as_bearer, anonymous, team_lead,  # noqa: F811
                                              django_capture_on_commit_callbacks):
    outsider = as_bearer(team_lead)
    for method, path in (("get", "/vote/audit"), ("post", "/vote/audit/runs"), ("post", "/vote/tally")):
        assert getattr(outsider, method)(path).status_code == 403
    assert anonymous.get("/vote/audit").status_code == 401
    office = as_bearer(secretariat)
    with django_capture_on_commit_callbacks(execute=True):  # the worker's part, at once (ImmediateBackend)
        queued = office.post("/vote/audit/runs")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    run = office.get(f"/vote/audit/runs/{queued.json()['id']}")
    assert run.status_code == 200 and run.json()["status"] == "done" and run.json()["held"] > 0
    assert office.get("/vote/audit/runs/999999").status_code == 404
    assert outsider.get(f"/vote/audit/runs/{queued.json()['id']}").status_code == 403
    audit = office.get("/vote/audit").json()
    assert audit["counts"]["held"] == run.json()["held"] and audit["blockers"]
    assert "203.0.113" not in str(audit)
    ids = [f["id"] for f in audit["findings"] if f["status"] == FindingStatus.OPEN]
    assert anonymous.get("/vote/tally").status_code == 404
    missing = office.post("/vote/audit/decisions", {"finding_ids": ids, "decision": "void", "reason": ""})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    decided = office.post("/vote/audit/decisions", {"finding_ids": ids, "decision": "void", "reason": "刷票"})
    assert decided.status_code == 200 and decided.json()["voided"] == audit["counts"]["held"]
    stale = office.post("/vote/audit/decisions", {"finding_ids": ids, "decision": "clear", "reason": "再议"})
    assert stale.status_code == 422 and stale.json()["errors"][0]["field"] == "finding_ids"
    published = office.post("/vote/tally")
    assert published.status_code == 201 and published.json()["totals"]["voided"] == decided.json()["voided"]
    public = anonymous.get("/vote/tally")
    assert public.status_code == 200 and public.json() == published.json()
    assert office.post("/vote/tally").status_code == 422
    assert AuditEntry.objects.filter(action="votes.tally.publish").count() == 1
    assert Finding.objects.filter(status=FindingStatus.VOIDED).count() == len(ids)
