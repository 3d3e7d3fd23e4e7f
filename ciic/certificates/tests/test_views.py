"""The certificate pages: the public verification page (live status, nothing but what the
certificate prints, 404 for an unknown token, English), who may download a PDF, and the
secretariat's register (filter, issue, revoke after a confirmation, Excel)."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ciic.awards.enums import AwardListStatus
from ciic.awards.models import AwardList
from ciic.certificates.models import Certificate
from ciic.certificates.services import issue_certificates, revoke_certificate
from ciic.testing.personas import verified_client

from .conftest import ORGANIZING_UNIT

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    """A fresh client per person (the `verified` fixture logs one shared client in)."""
    return verified_client(user)


@pytest.fixture
def office(secretariat):
    return login(secretariat)


@pytest.fixture
def first(awarded, issued) -> Certificate:
    return Certificate.objects.get(award=awarded.first)


def verify_url(certificate: Certificate) -> str:
    return reverse("certificates:verify", args=[certificate.token])


# --- the public verification page ------------------------------------------------------------


def test_anyone_sees_a_valid_certificate_and_only_what_it_prints(first, client):
    response = client.get(verify_url(first))
    assert response.status_code == 200
    html = response.content.decode()
    project = first.award.project
    for value in ("该证书有效", first.number, first.contest_name, "一等奖", project.name,
                  project.team.organization.name):
        assert value in html, value
    # Nothing beyond the certificate: not the score, the amount, the team, its lead or its people.
    # (The page links to itself: its random token may hold any digits, so it is left out.)
    html = html.replace(first.token, "")
    team = project.team
    for value in (team.name, team.lead.email, team.lead.full_name, "90", "100.00"):
        assert value not in html, value
    for rep in team.representatives.all():
        assert rep.name not in html and rep.mobile not in html and rep.id_number not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_page_shows_revoked_with_the_date_after_revocation(first, client, secretariat):
    at = timezone.now()
    revoke_certificate(certificate=first, reason="公示期投诉经核查属实（投诉人张某提供的证据）", actor=secretariat, now=at)
    html = client.get(verify_url(first)).content.decode()
    assert "该证书已撤销" in html and "该证书有效" not in html
    assert timezone.localtime(at).strftime("%Y-%m-%d") in html
    assert "获奖资格已被撤销" in html  # the general category
    assert "投诉人" not in html  # never the secretariat's own reason


def test_an_unknown_token_is_a_clear_404(issued, client):
    response = client.get(reverse("certificates:verify", args=["no-such-token-000000000000"]))
    assert response.status_code == 404
    assert "证书不存在" in response.content.decode()
    assert client.get("/certificates/verify/" + "a" * 200 + "/").status_code == 404


def test_the_page_speaks_english(awarded, issued, client):
    special = Certificate.objects.get(award__code="tech_innovation")
    html = client.get(verify_url(special), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in html
    assert special.contest_name_en in html and "Best Technical Innovation Award" in html
    local = Certificate.objects.get(award__award_list=awarded.local)
    html = client.get(verify_url(local), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Beijing Station" in html and "北京赛站优胜奖" in html  # a local award has no English name


def test_the_page_fits_a_phone(first, client):
    html = client.get(verify_url(first)).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'class="facts"' in html and "<table" not in html  # dl.facts stacks below 560 px
    assert "style=" not in html and "<script>" not in html  # no inline CSS or JS (CSP)


# --- downloads -------------------------------------------------------------------------------


def test_the_secretariat_and_the_awarded_teams_lead_download_the_pdf(first, office, team_lead):
    url = reverse("certificates:pdf", args=[first.pk])
    for client in (office, login(team_lead)):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response).startswith(b"%PDF-")
        assert f'filename="{first.number}.pdf"' in response["Content-Disposition"]


def test_nobody_else_downloads_a_certificate(awarded, first, other_lead, station_officer, expert, client):
    url = reverse("certificates:pdf", args=[first.pk])
    second = Certificate.objects.get(award__award_list=awarded.finals, award__rank=2)
    second_lead = login(second.award.project.team.lead)
    assert second_lead.get(reverse("certificates:pdf", args=[second.pk])).status_code == 200
    for outsider in (login(other_lead), login(station_officer), login(expert), second_lead):
        assert outsider.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: log in first


def test_the_lead_no_longer_downloads_a_revoked_certificate(first, team_lead, office, secretariat):
    revoke_certificate(certificate=first, reason="奖项撤销", actor=secretariat)
    url = reverse("certificates:pdf", args=[first.pk])
    assert login(team_lead).get(url).status_code == 404
    assert office.get(url).status_code == 200  # the record, stamped revoked
    assert first.number not in login(team_lead).get(reverse("certificates:mine")).content.decode()


def test_only_the_secretariat_downloads_the_organizing_award(awarded, issued, team_lead):
    organizing = Certificate.objects.get(award__code="organization")
    assert login(team_lead).get(reverse("certificates:pdf", args=[organizing.pk])).status_code == 404


def test_the_lead_lists_their_teams_certificates(first, team_lead, other_lead):
    html = login(team_lead).get(reverse("certificates:mine")).content.decode()
    assert first.number in html and reverse("certificates:pdf", args=[first.pk]) in html
    assert "CIIC2023-F-002" not in html and ORGANIZING_UNIT not in html
    assert first.number not in login(other_lead).get(reverse("certificates:mine")).content.decode()


# --- the secretariat's register --------------------------------------------------------------

PAGES = ["certificates:list", "certificates:export", "certificates:batch_start"]


def test_the_register_is_404_for_everyone_but_the_secretariat(first, team_lead, station_officer, expert):
    for user in (team_lead, station_officer, expert):
        client = login(user)
        for name in PAGES:
            if user == station_officer and name != "certificates:batch_start":
                continue  # reads their station's part (below)
            assert client.get(reverse(name)).status_code == 404, (user, name)
        assert client.get(reverse("certificates:revoke", args=[first.pk])).status_code == 404
        assert client.post(reverse("certificates:revoke", args=[first.pk]),
                           {"reason": "x", "category": "other"}).status_code == 404
        assert client.post(reverse("certificates:issue")).status_code == 404
        assert client.post(reverse("certificates:batch_start")).status_code == 404
    first.refresh_from_db()
    assert first.revoked_at is None


def test_a_station_officer_reads_and_downloads_only_their_stations_local_certificates(
        awarded, issued, first, station_officer, contest):
    from ciic.testing.personas import make_user

    local = Certificate.objects.get(award__award_list=awarded.local)
    client = login(station_officer)
    html = client.get(reverse("certificates:list")).content.decode()
    assert local.number in html and reverse("certificates:pdf", args=[local.pk]) in html
    assert first.number not in html and ORGANIZING_UNIT not in html
    assert "撤销" not in html.split("<table")[1]  # reading, not managing
    assert client.get(reverse("certificates:pdf", args=[local.pk])).status_code == 200
    assert client.get(reverse("certificates:pdf", args=[first.pk])).status_code == 404
    rows = list(load_workbook(io.BytesIO(client.get(reverse("certificates:export")).content)).active.values)
    assert [r for r in rows if local.number in r] and not [r for r in rows if first.number in r]
    wuxi = make_user("wuxi@example.com", role="station_officer", station=contest.stations.get(code="wuxi"))
    other = login(wuxi)
    assert local.number not in other.get(reverse("certificates:list")).content.decode()
    assert other.get(reverse("certificates:pdf", args=[local.pk])).status_code == 404
    revoke_certificate(certificate=local, reason="奖项撤销", actor=awarded.finals.proposed_by)
    html = client.get(reverse("certificates:list")).content.decode()
    assert local.number in html and "已撤销" in html  # the officer sees the revocation
    assert client.get(reverse("certificates:pdf", args=[local.pk])).status_code == 404


def test_the_secretariat_issues_the_missing_certificates_from_the_register(awarded, office):
    page = office.get(reverse("certificates:list"))
    assert page.status_code == 200 and page.context["missing"] == 6 and page.context["pending"] == 1
    office.post(reverse("certificates:issue"))
    assert Certificate.objects.count() == 6
    office.post(reverse("certificates:issue"))  # again: nothing new
    assert Certificate.objects.count() == 6
    html = office.get(reverse("certificates:list")).content.decode()
    assert "CIIC2023-F-001" in html and ORGANIZING_UNIT in html


def test_the_register_filters_by_status_scope_and_text(awarded, issued, office, secretariat):
    revoke_certificate(certificate=Certificate.objects.get(number="CIIC2023-F-003"), reason="撤销", actor=secretariat)
    url = reverse("certificates:list")

    def numbers(**params):
        return [c.number for c in office.get(url, params).context["page"]]

    assert numbers(status="revoked") == ["CIIC2023-F-003"]
    assert "CIIC2023-F-003" not in numbers(status="valid") and len(numbers(status="valid")) == 5
    assert numbers(scope="special") == ["CIIC2023-S-001", "CIIC2023-S-002"]
    assert numbers(q="浙江省") == ["CIIC2023-S-002"]
    assert numbers(q="BEIJING") == ["CIIC2023-L-BEIJING-001"]


def test_revoking_asks_for_confirmation_then_revokes(first, office):
    url = reverse("certificates:revoke", args=[first.pk])
    page = office.get(url)
    assert page.status_code == 200 and "撤销不可恢复" in page.content.decode()
    first.refresh_from_db()
    assert first.revoked_at is None  # showing the form changes nothing

    refused = office.post(url, {"category": "award_revoked", "reason": ""})
    assert refused.status_code == 400 and "请填写撤销理由" in refused.content.decode()
    done = office.post(url, {"category": "award_revoked", "reason": "公示期投诉经核查属实"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoke_reason == "公示期投诉经核查属实"
    html = office.get(reverse("certificates:list")).content.decode()
    assert "已撤销" in html and url not in html  # no second revocation offered


def test_the_register_exports_to_excel(awarded, issued, office, secretariat):
    revoke_certificate(certificate=Certificate.objects.get(number="CIIC2023-S-001"), reason="证书信息有误",
                       category="issued_in_error", actor=secretariat)
    response = office.get(reverse("certificates:export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号" and len(rows) == 7
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number["CIIC2023-S-001"][1] == "已撤销" and by_number["CIIC2023-S-001"][11] == "证书信息有误"
    assert by_number["CIIC2023-S-002"][7] == ORGANIZING_UNIT
    assert by_number["CIIC2023-F-001"][12].endswith(f"/certificates/verify/{Certificate.objects.get(number='CIIC2023-F-001').token}/")
    filtered = office.get(reverse("certificates:export"), {"scope": "local"})
    assert [r[0] for r in list(load_workbook(io.BytesIO(filtered.content)).active.iter_rows(values_only=True))[1:]] == [
        "CIIC2023-L-BEIJING-001"]


def test_register_queries_do_not_grow_with_certificates(awarded, issued, office, contest, secretariat):
    with CaptureQueriesContext(connection) as few:
        office.get(reverse("certificates:list"))
    AwardList.objects.filter(pk=awarded.proposed.pk).update(status=AwardListStatus.CONFIRMED)
    issue_certificates(contest=contest, actor=secretariat)
    with CaptureQueriesContext(connection) as more:
        office.get(reverse("certificates:list"))
    assert len(more) == len(few)


def test_the_secretariat_has_a_nav_link(office, team_lead):
    assert reverse("certificates:list") in office.get(reverse("site:dashboard")).content.decode()
    assert reverse("certificates:list") not in login(team_lead).get(reverse("site:dashboard")).content.decode()


def test_anonymous_is_sent_to_login(client: Client):
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 302
