"""Excel exports: exactly the filtered rows, Chinese headers, personal data masked."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ciic.entrants.exports import organizations_workbook, teams_workbook
from ciic.entrants.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_team(contest, other_lead, org_input, rep_input, current_policies):
    from ciic.entrants.services import register_organization, register_team

    org = register_organization(contest=contest, actor=other_lead, data=org_input(
        2, kind="industrial", headcount=1500))
    wuxi = contest.stations.get(code="wuxi")
    return register_team(organization=org, station=wuxi, direction=wuxi.directions.get(), name="无锡攻坚队",
                         actor=other_lead, representatives=[rep_input(2), rep_input(3)],
                         accepted_policies=current_policies)


def _download(client, url_name: str, **params):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def _cells(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_export_masks_phone_numbers(verified, secretariat, team):
    wb = _download(verified(secretariat), "entrants:team_export")
    rep = team.representatives.get()
    text = "\n".join(_cells(wb["参赛团队"]) + _cells(wb["参赛代表"]))
    assert rep.masked_mobile in text
    assert rep.mobile not in text
    assert rep.id_number not in text and rep.masked_id_number not in text
    assert rep.name in text and rep.email in text


def test_export_has_chinese_headers_frozen_header_and_widths(verified, secretariat, team):
    wb = _download(verified(secretariat), "entrants:team_export")
    ws = wb["参赛团队"]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["序号", "团队名称", "参赛单位", "统一社会信用代码"]
    assert "代表手机号（脱敏）" in headers
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= 20
    assert wb["参赛代表"].freeze_panes == "A2"


def test_export_contains_exactly_the_filtered_rows(verified, secretariat, team, other_team):
    client = verified(secretariat)
    everything = _download(client, "entrants:team_export")["参赛团队"]
    assert everything.max_row == 3
    wuxi = _download(client, "entrants:team_export", station="wuxi")
    names = [row[1] for row in wuxi["参赛团队"].iter_rows(min_row=2, values_only=True)]
    assert names == ["无锡攻坚队"]
    assert [row[2] for row in wuxi["参赛代表"].iter_rows(min_row=2, values_only=True)] == ["代表2", "代表3"]
    leaders = _download(client, "entrants:organization_export", group="leader")["参赛单位"]
    assert [row[1] for row in leaders.iter_rows(min_row=2, values_only=True)] == [other_team.organization.name]


def test_station_officer_exports_only_own_station(verified, station_officer, team, other_team):
    wb = _download(verified(station_officer), "entrants:team_export")
    names = [row[1] for row in wb["参赛团队"].iter_rows(min_row=2, values_only=True)]
    assert names == [team.name]
    orgs = _download(verified(station_officer), "entrants:organization_export")["参赛单位"]
    assert [row[1] for row in orgs.iter_rows(min_row=2, values_only=True)] == [team.organization.name]


def test_organization_export_shows_group_reason_and_team_count(verified, secretariat, team):
    ws = _download(verified(secretariat), "entrants:organization_export")["参赛单位"]
    headers = [c.value for c in ws[1]]
    row = dict(zip(headers, next(ws.iter_rows(min_row=2, values_only=True)), strict=True))
    org = team.organization
    assert row["单位名称"] == org.name and row["组别"] == "新锐组"
    assert row["组别依据"] == org.group_reason
    assert row["参赛团队数"] == 1
    assert row["年营业收入（万元）"] == 5000


def test_teams_workbook_runs_no_query_per_row(team, other_team, django_assert_num_queries):
    qs = (Team.objects.select_related("organization__group", "station", "direction", "lead")
          .prefetch_related("representatives"))
    with django_assert_num_queries(2):
        wb = teams_workbook(qs)
    assert wb["参赛代表"].max_row == 4


def test_organizations_workbook_from_a_plain_queryset(organization):
    from ciic.entrants.models import Organization

    wb = organizations_workbook(Organization.objects.select_related("group", "parent"))
    assert wb.active.max_row == 2


def test_entrant_and_anonymous_cannot_export(client, team_lead, team):
    assert client.get(reverse("entrants:team_export")).status_code == 302
    client.force_login(team_lead)
    assert client.get(reverse("entrants:team_export")).status_code == 403
    assert client.get(reverse("entrants:organization_export")).status_code == 403


def test_text_that_looks_like_a_formula_is_written_as_text():
    """A cell such as =HYPERLINK(...) (a name, a profile) must not run in the reader's Excel."""
    from openpyxl import Workbook, load_workbook

    from ciic.entrants.exports import write_sheet

    wb = Workbook()
    write_sheet(wb.active, "t", [("name", 10), ("n", 5)], [['=HYPERLINK("http://x","y")', 3]])
    buffer = io.BytesIO()
    wb.save(buffer)
    cell = load_workbook(io.BytesIO(buffer.getvalue())).active["A2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'
