"""Staff pages for the expert pool and conflicts; the expert's declaration page; the team's
avoidance section; the Excel import (all or nothing, errors by row, column and rule) and export."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ciic.accounts.enums import Role
from ciic.demo.identifiers import make_credit_code
from ciic.review.enums import ConflictSource, ExpertKind
from ciic.review.models import ConflictDeclaration, Expert, TeamAvoidance
from ciic.testing.personas import make_user

from .test_conflicts import make_expert, make_org, make_project
from .test_expert_import_edge_cases import _xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_station(contest):
    return contest.stations.exclude(code="beijing").order_by("order").first()


@pytest.fixture
def pool(contest, station, other_station):
    return {
        "ours": make_expert(contest, "北京专家", "中国信通院", station=station, email="bj@example.com"),
        "theirs": make_expert(contest, "外站专家", "某研究院", station=other_station, email="sh@example.com"),
        "national": make_expert(contest, "秘书处专家", "某投资机构", email="nat@example.com"),
    }


# --- the pool list -------------------------------------------------------------------


def test_station_officer_lists_only_their_stations_experts(verified, station_officer, pool):
    r = verified(station_officer).get(reverse("review:expert_list"))
    assert r.status_code == 200
    assert [e.name for e in r.context["page"].object_list] == ["北京专家"]
    assert "评审专家" in r.content.decode()  # the nav link


def test_other_stations_expert_is_404_for_an_officer(verified, station_officer, pool):
    client = verified(station_officer)
    assert client.get(reverse("review:expert_detail", args=[pool["theirs"].pk])).status_code == 404
    assert client.post(reverse("review:expert_active", args=[pool["theirs"].pk]), {"active": "0"}).status_code == 404
    pool["theirs"].refresh_from_db()
    assert pool["theirs"].active


def test_secretariat_filters_and_exports_the_filtered_rows(verified, secretariat, pool, other_station):
    client = verified(secretariat)
    r = client.get(reverse("review:expert_list"), {"station": other_station.code})
    assert [e.name for e in r.context["page"].object_list] == ["外站专家"]
    r = client.get(reverse("review:expert_export"), {"q": "投资"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]][:5] == ["姓名", "邮箱", "工作单位", "统一社会信用代码", "单位类型"]
    assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == ["秘书处专家"]


@pytest.mark.parametrize("count", [1, 30])
def test_pool_list_query_count_does_not_grow(verified, secretariat, contest, direction, count,
                                             django_assert_max_num_queries):
    for i in range(count):
        e = make_expert(contest, f"专家{i}", f"单位{i}", email=f"e{i}@example.com")
        e.directions.add(direction)
    client = verified(secretariat)
    with django_assert_max_num_queries(16):  # the same for 1 and 30 rows
        r = client.get(reverse("review:expert_list"))
    assert len(r.context["page"].object_list) == count


def test_outsiders_are_refused_every_pool_page(client, verified, team_lead, expert, pool):
    pages = [reverse("review:expert_list"), reverse("review:expert_export"), reverse("review:expert_new"),
             reverse("review:expert_import"), reverse("review:expert_import_template"), reverse("review:conflict_list")]
    assert all(client.get(url).status_code == 302 for url in pages)  # anonymous: to the login page
    for user in (team_lead, expert):
        c = verified(user)
        for url in pages:
            assert c.get(url).status_code == 403, url
        assert c.post(reverse("review:expert_new"), {"name": "x"}).status_code == 403
        assert c.post(reverse("review:expert_invite", args=[pool["ours"].pk])).status_code == 404
        assert c.post(reverse("review:conflict_record"), {}).status_code == 403
    assert Expert.objects.count() == 3


# --- add, edit, invite -----------------------------------------------------------------


def test_add_form_shows_errors_with_rules_then_saves(verified, secretariat, direction):
    client = verified(secretariat)
    r = client.post(reverse("review:expert_new"), {"name": "", "employer": "", "kind": "x"})
    assert r.status_code == 422
    assert r.context["errors"]["kind"][0]["rule"] == "R-V5" and r.context["errors"]["employer"][0]["rule"] == "R-P8"
    r = client.post(reverse("review:expert_new"), {
        "name": "新专家", "employer": "工信部电子五所", "kind": ExpertKind.RESEARCH, "email": "new@example.com",
        "directions": [str(direction.pk)], "employer_credit_code": make_credit_code(77)})
    expert = Expert.objects.get(name="新专家")
    assert r.status_code == 302 and r["Location"] == reverse("review:expert_detail", args=[expert.pk])
    r = client.post(reverse("review:expert_edit", args=[expert.pk]), {
        "name": "新专家", "employer": "工信部电子五所", "kind": ExpertKind.ENTERPRISE, "email": "new@example.com"})
    expert.refresh_from_db()
    assert r.status_code == 302 and expert.kind == ExpertKind.ENTERPRISE and not expert.directions.exists()


def test_invite_button_sends_the_invitation(verified, station_officer, pool, mailoutbox,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = verified(station_officer).post(reverse("review:expert_invite", args=[pool["ours"].pk]))
    assert r.status_code == 302
    pool["ours"].refresh_from_db()
    assert pool["ours"].user.role == Role.EXPERT
    assert mailoutbox[0].to == ["bj@example.com"]


# --- import --------------------------------------------------------------------------


def test_import_template_has_the_columns(verified, secretariat, contest):
    r = verified(secretariat).get(reverse("review:expert_import_template"))
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == [
        "姓名", "邮箱", "工作单位", "统一社会信用代码", "单位类型", "擅长方向", "关键词", "简介"]
    assert len(wb.worksheets) == 2


def test_import_with_one_bad_row_imports_nothing_and_names_row_column_rule(verified, secretariat, direction):
    upload = _xlsx([
        ["甲", "a@example.com", "单位甲", "", "科研院所", str(direction.number), "k", "p"],
        ["乙", "b@example.com", "", "123", "大学", "99、不存在的方向", "", ""],
        ["丙", "a@example.com", "单位丙", "", "enterprise", "", "", ""],
    ])
    r = verified(secretariat).post(reverse("review:expert_import"), {"file": upload})
    assert r.status_code == 422
    errors = {(e.row, e.column, e.rule) for e in r.context["row_errors"]}
    assert errors == {(3, "工作单位", "R-P8"), (3, "统一社会信用代码", "R-P8"), (3, "单位类型", "R-V5"),
                      (3, "擅长方向", "R-V5"), (4, "邮箱", "R-V5")}
    assert "99、不存在的方向" in r.content.decode()
    assert not Expert.objects.exists()


def test_import_all_rows_then_reimport_updates_by_email(verified, station_officer, contest, direction):
    client = verified(station_officer)
    names = f"{direction.number}.{direction.name}"
    r = client.post(reverse("review:expert_import"), {"file": _xlsx([
        ["甲", "A@example.com", "单位甲", make_credit_code(31), "科研院所", names, "k", "p"],
        ["乙", "", "单位乙", "", "投资机构", direction.name, "", ""],
    ])})
    assert r.status_code == 302
    a = Expert.objects.get(email="a@example.com")
    assert a.station_id == station_officer.station_id and list(a.directions.all()) == [direction]
    assert a.kind == ExpertKind.RESEARCH and Expert.objects.get(name="乙").kind == ExpertKind.INVESTMENT
    r = client.post(reverse("review:expert_import"), {"file": _xlsx([
        ["甲（更新）", "a@example.com", "新单位", "", "企业", "", "", ""]])})
    assert r.status_code == 302
    a.refresh_from_db()
    assert (a.name, a.employer, a.kind) == ("甲（更新）", "新单位", ExpertKind.ENTERPRISE)
    assert Expert.objects.count() == 2


def test_import_refuses_a_file_that_is_not_excel(verified, secretariat, contest):
    upload = io.BytesIO(b"name,email\n")
    upload.name = "x.xlsx"
    r = verified(secretariat).post(reverse("review:expert_import"), {"file": upload})
    assert r.status_code == 422 and r.context["row_errors"][0].row == 0


# --- conflicts -------------------------------------------------------------------------


@pytest.fixture
def conflicted(contest, station, other_station):
    parent = make_org(contest, 1, "母公司集团")
    org = make_org(contest, 2, "参赛科技公司", parent=parent)
    project = make_project(contest, org, 1, station=station)
    elsewhere = make_project(contest, make_org(contest, 3, "外站单位"), 2, station=other_station)
    expert = make_expert(contest, "冲突专家", "母公司集团", station=station)
    far = make_expert(contest, "外站冲突专家", "外站单位", station=other_station)
    return {"project": project, "elsewhere": elsewhere, "expert": expert, "far": far}


def test_conflicts_page_lists_detected_conflicts_with_reasons_scoped_to_the_station(
        verified, station_officer, secretariat, conflicted):
    r = verified(station_officer).get(reverse("review:conflict_list"))
    assert [(e.name, p.name) for e, p, _items in r.context["rows"]] == [("冲突专家", "冲突测试项目1")]
    assert "专家任职单位“母公司集团”是参赛单位“参赛科技公司”的母公司" in r.content.decode()
    r = verified(secretariat).get(reverse("review:conflict_list"))
    assert len(r.context["rows"]) == 2
    assert verified(secretariat).get(reverse("review:expert_detail", args=[conflicted["expert"].pk])).context[
        "conflicts"][0][0] == conflicted["project"]


def test_staff_record_a_conflict_on_the_conflicts_page(verified, station_officer, conflicted, contest):
    other = make_expert(contest, "普通专家", "无关单位", station=station_officer.station)
    client = verified(station_officer)
    r = client.post(reverse("review:conflict_record"), {"expert": other.pk, "project": conflicted["project"].pk,
                                                        "reason": ""})
    assert r.status_code == 422 and r.context["errors"]["reason"][0]["rule"] == "R-P8"
    r = client.post(reverse("review:conflict_record"), {"expert": other.pk, "project": conflicted["project"].pk,
                                                        "reason": "师生关系"})
    assert r.status_code == 302
    assert ConflictDeclaration.objects.get(expert=other).source == ConflictSource.STAFF
    # Another station's project is not even known to the officer.
    r = client.post(reverse("review:conflict_record"), {"expert": other.pk, "project": conflicted["elsewhere"].pk,
                                                        "reason": "x"})
    assert r.status_code == 404


def test_expert_declares_seeing_only_project_and_organization_names(client, contest, conflicted):
    from ciic.testing.personas import verified_client

    user = make_user("declarer@example.com", role=Role.EXPERT)
    Expert.objects.filter(pk=conflicted["far"].pk).update(user=user)
    c = verified_client(user, client)
    r = c.get(reverse("review:conflict_declare_expert"), {"q": "参赛科技"})
    assert r.status_code == 200
    assert [tuple(x) for x in r.context["choices"]] == [(conflicted["project"].pk, "冲突测试项目1", "参赛科技公司")]
    assert "冲突测试队1" not in r.content.decode()  # not even the team's name
    r = c.post(reverse("review:conflict_declare_expert") + "?q=参赛科技",
               {"project": conflicted["project"].pk, "reason": "曾为其提供咨询"})
    assert r.status_code == 302
    assert ConflictDeclaration.objects.get(expert=conflicted["far"]).source == ConflictSource.EXPERT


def test_declaration_page_is_for_experts_in_the_pool_only(verified, secretariat, expert):
    assert verified(secretariat).get(reverse("review:conflict_declare_expert")).status_code == 403
    assert verified(expert).get(reverse("review:conflict_declare_expert")).status_code == 404


def test_team_lead_names_an_avoidance_from_the_project_page(verified, project, other_lead):
    lead = project.team.lead
    client = verified(lead)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'id="avoidances"' in page
    r = client.post(reverse("review:team_avoidance", args=[project.pk]),
                    {"kind": "organization", "name": "竞争对手公司", "reason": "直接竞争"})
    assert r.status_code == 302 and r["Location"].endswith("#avoidances")
    assert TeamAvoidance.objects.get(project=project).name == "竞争对手公司"
    assert verified(other_lead).post(reverse("review:team_avoidance", args=[project.pk]),
                                     {"kind": "person", "name": "x", "reason": "y"}).status_code == 404
    assert TeamAvoidance.objects.count() == 1
