"""The public contest endpoints and the API's own description of itself."""

from __future__ import annotations

import pytest

from ciic.contests.models import Direction, Station

from .helpers import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return ApiClient()


def test_api_contest_identity(api, contest):
    body = api.get("/contest").json()

    assert body["name"] == "第五届中国工业互联网大赛"
    assert body["theme"] == "数字赋能 智创未来"
    assert body["registration_open"] is True
    assert body["registration_deadline"] is not None
    assert body["max_representatives"] == contest.max_representatives
    assert body["publicity_days"] == contest.publicity_days
    assert [g["code"] for g in body["groups"]] == list(contest.groups.values_list("code", flat=True))
    default = next(g for g in body["groups"] if g["is_default"])
    leader = next(g for g in body["groups"] if not g["is_default"])
    assert default["criteria"] == []
    assert len(leader["criteria"]) == len(contest.groups.get(code=leader["code"]).criteria)
    tiers = body["prize_tiers"]
    assert [t["rank"] for t in tiers] == sorted(t["rank"] for t in tiers)
    assert sum(t["count"] for t in tiers) == sum(contest.prize_tiers.values_list("count", flat=True))
    assert body["hosts"] == contest.hosts


def test_api_contest_follows_accept_language(api, contest):
    body = api.get("/contest", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["name"] == contest.name_en
    assert body["name_zh"] == contest.name
    assert all(g["name"] == contest.groups.get(code=g["code"]).name_en for g in body["groups"])


def test_api_contest_directions_and_stations(api, contest):
    directions = api.get("/contest/directions").json()
    assert len(directions) == Direction.objects.filter(contest=contest).count()
    for d in directions:
        assert Direction.objects.get(contest=contest, code=d["code"]).station.code == d["station"]["code"]
        assert d["description"]

    stations = api.get("/contest/stations").json()
    assert [s["code"] for s in stations] == list(
        Station.objects.filter(contest=contest).values_list("code", flat=True))
    beijing = next(s for s in stations if s["code"] == "beijing")
    assert {u["name"] for u in beijing["local_units"]} == set(
        contest.stations.get(code="beijing").local_units.values_list("name", flat=True))
    assert len(beijing["directions"]) == 1


def test_api_contest_schedule_and_policies(api, contest, current_policies):
    schedule = api.get("/contest/schedule").json()
    assert "registration" in {s["key"] for s in schedule}

    policies = api.get("/contest/policies").json()
    assert {p["id"] for p in policies} == {p.pk for p in current_policies}
    assert {p["kind"] for p in policies} == {"service_rules", "pledge"}
    assert all(p["text"] and p["version"] and p["title"] for p in policies)


def test_api_contest_without_a_loaded_contest_is_404(api, empty_database):
    assert api.get("/contest").status_code == 404


EXPECTED_ENDPOINTS = {
    ("get", "/api/v1/certificates"),
    ("post", "/api/v1/certificates/issue"),
    ("post", "/api/v1/certificates/{certificate_id}/revocation"),
    ("get", "/api/v1/certificates/{certificate_id}/pdf"),
    ("get", "/api/v1/certificates/batches"),
    ("post", "/api/v1/certificates/batches"),
    ("get", "/api/v1/certificates/batches/{batch_id}"),
    ("get", "/api/v1/certificates/batches/{batch_id}/zip"),
    ("get", "/api/v1/certificates/verify/{token}"),
    ("get", "/api/v1/contest"),
    ("get", "/api/v1/contest/directions"),
    ("get", "/api/v1/contest/stations"),
    ("get", "/api/v1/contest/schedule"),
    ("get", "/api/v1/contest/policies"),
    ("post", "/api/v1/accounts/signup"),
    ("get", "/api/v1/accounts/me"),
    ("post", "/api/v1/accounts/tokens"),
    ("get", "/api/v1/accounts/tokens"),
    ("delete", "/api/v1/accounts/tokens/{token_id}"),
    ("post", "/api/v1/organizations/preview"),
    ("post", "/api/v1/organizations"),
    ("post", "/api/v1/organizations/{organization_id}/central-soe-verification"),
    ("post", "/api/v1/teams/{team_id}/representatives/{representative_id}/confirmation-message"),
    ("get", "/api/v1/identity-disputes"),
    ("get", "/api/v1/finals/sessions"),
    ("post", "/api/v1/finals/sessions"),
    ("get", "/api/v1/finals/sessions/{session_id}"),
    ("post", "/api/v1/finals/sessions/{session_id}/draw"),
    ("post", "/api/v1/finals/sessions/{session_id}/stage"),
    ("post", "/api/v1/finals/sessions/{session_id}/release"),
    ("post", "/api/v1/finals/sessions/{session_id}/ballots/{ballot_id}/reopen"),
    ("get", "/api/v1/finals/standings"),
    ("get", "/api/v1/finals/awards"),
    ("post", "/api/v1/finals/awards/proposal"),
    ("post", "/api/v1/finals/awards/tie-decisions"),
    ("post", "/api/v1/finals/awards/confirmation"),
    ("get", "/api/v1/finals/prizes"),
    ("post", "/api/v1/finals/prizes/{prize_id}/transition"),
    ("get", "/api/v1/finals/special-awards"),
    ("post", "/api/v1/finals/special-awards/proposal"),
    ("post", "/api/v1/finals/special-awards/winners"),
    ("post", "/api/v1/finals/special-awards/tie-decisions"),
    ("post", "/api/v1/finals/special-awards/confirmation"),
    ("get", "/api/v1/stations/{station_code}/local-awards"),
    ("post", "/api/v1/stations/{station_code}/local-awards/categories"),
    ("post", "/api/v1/stations/{station_code}/local-awards/proposal"),
    ("post", "/api/v1/stations/{station_code}/local-awards/confirmation"),
    ("post", "/api/v1/finals/publications"),
    ("get", "/api/v1/organizing/units"),
    ("post", "/api/v1/organizing/units"),
    ("get", "/api/v1/organizing/receipts"),
    ("get", "/api/v1/organizing/my-unit"),
    ("put", "/api/v1/organizing/my-unit/receipt"),
    ("put", "/api/v1/organizing/my-unit/report"),
    ("post", "/api/v1/organizing/my-unit/report/attachments"),
    ("get", "/api/v1/organizing/my-unit/teams"),
    ("put", "/api/v1/organizing/teams/{team_id}/recommendation"),
    ("get", "/api/v1/organizing/ranking"),
    ("post", "/api/v1/organizing/ranking/decision"),
    ("get", "/api/v1/organizing/meetings"),
    ("post", "/api/v1/organizing/meetings"),
    ("get", "/api/v1/organizing/meetings/{meeting_id}"),
    ("get", "/api/v1/organizing/meetings/{meeting_id}/participants"),
    ("post", "/api/v1/organizing/meetings/{meeting_id}/participants"),
    ("get", "/api/v1/organizing/meetings/{meeting_id}/profiles"),
    ("post", "/api/v1/organizing/meetings/{meeting_id}/profiles"),
    ("get", "/api/v1/organizing/meetings/{meeting_id}/requests"),
    ("post", "/api/v1/organizing/meetings/{meeting_id}/requests"),
    ("post", "/api/v1/organizing/requests/{request_id}/answer"),
    ("post", "/api/v1/organizing/requests/{request_id}/withdraw"),
    ("post", "/api/v1/organizing/requests/{request_id}/lock"),
    ("post", "/api/v1/organizing/requests/{request_id}/outcome"),
    ("post", "/api/v1/organizing/meetings/{meeting_id}/schedule"),
    ("get", "/api/v1/organizing/meetings/{meeting_id}/agenda"),
    ("get", "/api/v1/organizing/meetings/{meeting_id}/statistics"),
    ("get", "/api/v1/organizing/benefits"),
    ("post", "/api/v1/organizing/benefits"),
    ("post", "/api/v1/organizing/benefits/{benefit_id}/status"),
    ("post", "/api/v1/identity-disputes/{dispute_id}/resolution"),
    ("get", "/api/v1/organizations"),
    ("get", "/api/v1/organizations/{organization_id}"),
    ("put", "/api/v1/organizations/{organization_id}"),
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/contest/application-sections"),
    ("get", "/api/v1/contest/material-types"),
    ("get", "/api/v1/contest/central-soes"),
    ("get", "/api/v1/contest/past-winners"),
    ("post", "/api/v1/teams/check"),
    ("post", "/api/v1/teams"),
    ("get", "/api/v1/teams"),
    ("get", "/api/v1/teams/{team_id}"),
    ("patch", "/api/v1/teams/{team_id}"),
    ("post", "/api/v1/teams/{team_id}/representatives"),
    ("delete", "/api/v1/teams/{team_id}/representatives/{representative_id}"),
    ("post", "/api/v1/teams/{team_id}/acceptances"),
    ("get", "/api/v1/projects"),
    ("post", "/api/v1/teams/{team_id}/project"),
    ("get", "/api/v1/projects/{project_id}"),
    ("put", "/api/v1/projects/{project_id}/draft"),
    ("post", "/api/v1/projects/{project_id}/submissions"),
    ("get", "/api/v1/projects/{project_id}/submissions"),
    ("get", "/api/v1/projects/{project_id}/submissions/{number}"),
    ("post", "/api/v1/projects/{project_id}/rename"),
    ("post", "/api/v1/projects/{project_id}/withdraw"),
    ("post", "/api/v1/projects/{project_id}/disqualify"),
    ("get", "/api/v1/originality/runs"),
    ("post", "/api/v1/originality/runs"),
    ("get", "/api/v1/originality/runs/{run_id}"),
    ("get", "/api/v1/originality/runs/{run_id}/pairs"),
    ("post", "/api/v1/originality/pairs/{pair_id}/verdict"),
    ("post", "/api/v1/originality/pairs/{pair_id}/disqualify"),
    ("get", "/api/v1/files/{file_id}"),
    ("get", "/api/v1/projects/{project_id}/materials"),
    ("get", "/api/v1/experts"),
    ("post", "/api/v1/experts"),
    ("get", "/api/v1/experts/{expert_id}"),
    ("put", "/api/v1/experts/{expert_id}"),
    ("post", "/api/v1/experts/{expert_id}/active"),
    ("post", "/api/v1/experts/{expert_id}/invite"),
    ("get", "/api/v1/experts/{expert_id}/conflicts"),
    ("get", "/api/v1/conflicts"),
    ("post", "/api/v1/conflicts"),
    ("post", "/api/v1/conflicts/declare"),
    ("post", "/api/v1/conflicts/dismissals"),
    ("delete", "/api/v1/conflicts/dismissals/{dismissal_id}"),
    ("get", "/api/v1/projects/{project_id}/avoidances"),
    ("post", "/api/v1/projects/{project_id}/avoidances"),
    ("post", "/api/v1/projects/{project_id}/materials/{type_code}/file"),
    ("put", "/api/v1/projects/{project_id}/materials/{type_code}/link"),
    ("get", "/api/v1/projects/{project_id}/submissions/{number}/materials"),
    ("get", "/api/v1/projects/{project_id}/requests"),
    ("post", "/api/v1/projects/{project_id}/requests"),
    ("get", "/api/v1/requests/{request_id}"),
    ("post", "/api/v1/requests/{request_id}/files"),
    ("post", "/api/v1/requests/{request_id}/links"),
    ("post", "/api/v1/requests/{request_id}/answer"),
    ("post", "/api/v1/requests/{request_id}/cancel"),
    ("get", "/api/v1/projects/{project_id}/submissions/{number}/pdf"),
    ("get", "/api/v1/contest/form-template.docx"),
    ("get", "/api/v1/review/assignments"),
    ("get", "/api/v1/review/rounds/{round_id}/projects/{project_id}"),
    ("get", "/api/v1/review/rounds/{round_id}/projects/{project_id}/review"),
    ("put", "/api/v1/review/rounds/{round_id}/projects/{project_id}/review"),
    ("get", "/api/v1/review/rounds/{round_id}/projects/{project_id}/peer-reviews"),
    ("get", "/api/v1/review/rounds/{round_id}/slots"),
    ("put", "/api/v1/review/rounds/{round_id}/slots/{project_id}"),
    ("delete", "/api/v1/review/rounds/{round_id}/slots/{project_id}"),
    ("get", "/api/v1/review/rounds/{round_id}/results"),
    ("post", "/api/v1/review/rounds/{round_id}/results"),
    ("put", "/api/v1/review/rounds/{round_id}/aggregation"),
    ("put", "/api/v1/review/rounds/{round_id}/advancement-rules"),
    ("post", "/api/v1/review/rounds/{round_id}/tie-decisions"),
    ("post", "/api/v1/review/rounds/{round_id}/archive"),
    ("get", "/api/v1/review/rounds/{round_id}/archive"),
    ("get", "/api/v1/review/finalists"),
    ("post", "/api/v1/review/finalists"),
    ("post", "/api/v1/review/finalists/{list_id}/confirm"),
    ("put", "/api/v1/review/finalists/entries/{entry_id}/due-diligence"),
    ("post", "/api/v1/review/finalists/entries/{entry_id}/replace"),
    ("get", "/api/v1/review/rounds"),
    ("post", "/api/v1/review/rounds"),
    ("get", "/api/v1/review/rounds/{round_id}"),
    ("patch", "/api/v1/review/rounds/{round_id}"),
    ("delete", "/api/v1/review/rounds/{round_id}/pairs/{pair_id}"),
    ("post", "/api/v1/review/rounds/{round_id}/runs/{run_id}/cancel"),
    ("put", "/api/v1/review/rounds/{round_id}/panel"),
    ("get", "/api/v1/review/rounds/{round_id}/pairs"),
    ("post", "/api/v1/review/rounds/{round_id}/pairs"),
    ("post", "/api/v1/review/rounds/{round_id}/solve"),
    ("get", "/api/v1/review/rounds/{round_id}/runs/{run_id}"),
    ("get", "/api/v1/review/rounds/{round_id}/assignments"),
    ("post", "/api/v1/review/rounds/{round_id}/assignments"),
    ("delete", "/api/v1/review/rounds/{round_id}/assignments/{assignment_id}"),
    ("post", "/api/v1/review/rounds/{round_id}/open"),
    ("post", "/api/v1/review/rounds/{round_id}/close"),
    ("get", "/api/v1/vote"),
    ("get", "/api/v1/vote/captcha"),
    ("post", "/api/v1/vote/codes"),
    ("post", "/api/v1/vote/ballots"),
    ("get", "/api/v1/vote/tally"),
    ("get", "/api/v1/vote/audit"),
    ("post", "/api/v1/vote/audit/runs"),
    ("get", "/api/v1/vote/audit/runs/{run_id}"),
    ("post", "/api/v1/vote/audit/decisions"),
    ("post", "/api/v1/vote/tally"),
    ("get", "/api/v1/publicity/notice"),
    ("post", "/api/v1/publicity/notice"),
    ("post", "/api/v1/publicity/notice/amendments"),
    ("post", "/api/v1/publicity/identity/code"),
    ("post", "/api/v1/publicity/identity/individual"),
    ("post", "/api/v1/publicity/identity/unit"),
    ("get", "/api/v1/publicity/identity"),
    ("post", "/api/v1/publicity/complaints"),
    ("get", "/api/v1/publicity/complaints/mine"),
    ("get", "/api/v1/publicity/complaints/mine/{number}"),
    ("get", "/api/v1/publicity/cases"),
    ("get", "/api/v1/publicity/cases/{number}"),
    ("get", "/api/v1/publicity/cases/{number}/evidence/{evidence_id}"),
    ("post", "/api/v1/publicity/cases/{number}/transition"),
    ("post", "/api/v1/publicity/cases/{number}/officer"),
    ("post", "/api/v1/publicity/cases/{number}/response-request"),
    ("post", "/api/v1/publicity/cases/{number}/findings"),
}
# The form template is a fact of the contest but, as on the web, for logged-in users only.
PUBLIC = {("post", "/api/v1/accounts/signup"), ("post", "/api/v1/auth/token"),
          ("get", "/api/v1/certificates/verify/{token}"),
          # The popularity vote: anyone with a mobile number (issue 12 §4).
          ("get", "/api/v1/vote"), ("get", "/api/v1/vote/captcha"), ("post", "/api/v1/vote/codes"),
          ("post", "/api/v1/vote/ballots"), ("get", "/api/v1/vote/tally"),
          # The award publicity notice (issue 13 §1).
          ("get", "/api/v1/publicity/notice")} | {
    e for e in EXPECTED_ENDPOINTS if "/contest" in e[1] and e[1] != "/api/v1/contest/form-template.docx"}


def test_api_openapi_schema_lists_every_endpoint(api, db):
    r = api.get("/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["info"]["title"] == "CIIC Platform API"
    listed = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert listed == EXPECTED_ENDPOINTS

    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(
        s for s in schemes.values() if s["type"] == "http").items()
    for method, path in EXPECTED_ENDPOINTS:
        op = schema["paths"][path][method]
        assert op.get("summary"), (method, path)
        assert bool(op.get("security")) == ((method, path) not in PUBLIC), (method, path)


def test_api_docs_page(api, db):
    assert api.get("/docs").status_code == 200


def test_api_publishes_what_a_script_needs_to_build_requests(contest):
    """The form's sections with limits, material types with flags, formats and limits, and the
    central SOE and past-winner lists (names only)."""
    api = ApiClient()  # no account: public data
    sections = api.get("/contest/application-sections").json()
    assert [s["code"] for s in sections] == list(contest.form_sections.order_by("order").values_list("code", flat=True))
    assert all(s["max_chars"] > 0 for s in sections)
    materials = {m["code"]: m for m in api.get("/contest/material-types").json()}
    assert materials["presentation"]["formats"] == ["ppt", "pptx", "pdf"] and materials["presentation"]["required"]
    assert materials["cloud_service"]["link_required"] is True
    soes = {s["name"]: s for s in api.get("/contest/central-soes").json()}
    assert soes["中国建筑集团有限公司"] == {"name": "中国建筑集团有限公司", "list": "sasac", "counts": True}
    assert any(s["list"] == "mof_financial" and not s["counts"] for s in soes.values())
    winners = api.get("/contest/past-winners").json()
    assert winners and set(winners[0]) == {"edition", "project_name"}
