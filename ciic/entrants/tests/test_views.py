"""The registration wizard, the team and organization pages, and the staff lists.

Every write view is checked against outsiders: anonymous visitors go to the login page,
another entrant gets a 404, and nothing is written either way.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ciic.audit.models import AuditEntry
from ciic.contests.selectors import registration_deadline
from ciic.demo.identifiers import make_credit_code, make_id_number, make_mobile
from ciic.entrants.models import Organization, PolicyAcceptance, Representative, Team

pytestmark = pytest.mark.django_db


# --- helpers -------------------------------------------------------------------------


def org_post(**overrides) -> dict:
    data = {
        "name": "宁波智造装备有限公司", "credit_code": make_credit_code(77, region="330203"),
        "kind": "industrial", "headcount": "1200", "annual_revenue": "30000",
        "parent_credit_code": "", "parent_name": "",
    }
    data.update(overrides)
    return data


def rep_fields(index: int, seq: int) -> dict:
    return {
        f"representatives-{index}-name": f"代表{seq}",
        f"representatives-{index}-id_number": make_id_number(seq),
        f"representatives-{index}-mobile": make_mobile(seq),
        f"representatives-{index}-email": f"rep{seq}@example.com",
    }


def team_post(contest, *, station="beijing", name="数智先锋队", reps=(101,), accept=True) -> dict:
    station_obj = contest.stations.get(code=station)
    data = {"station": str(station_obj.pk), "direction": str(station_obj.directions.get().pk), "name": name}
    for index, seq in enumerate(reps):
        data.update(rep_fields(index, seq))
    if accept:
        data["accept_policies"] = [str(p.pk) for p in contest.policies.filter(is_current=True)]
    return data


def counts() -> tuple[int, int, int, int]:
    return (Organization.objects.count(), Team.objects.count(), Representative.objects.count(),
            AuditEntry.objects.count())


@pytest.fixture
def other_team(contest, other_lead, org_input, rep_input, current_policies):
    """Another entrant's team, at another station (Wuxi)."""
    from ciic.entrants.services import register_organization, register_team

    org = register_organization(contest=contest, actor=other_lead, data=org_input(2))
    wuxi = contest.stations.get(code="wuxi")
    return register_team(organization=org, station=wuxi, direction=wuxi.directions.get(), name="无锡攻坚队",
                         actor=other_lead, representatives=[rep_input(2)], accepted_policies=current_policies)


@pytest.fixture
def closed_team(closed_contest, team_lead, org_input, rep_input):
    """A team registered the day before the deadline, seen after it (the notice's real dates)."""
    from ciic.entrants.services import register_organization, register_team

    before = registration_deadline(closed_contest) - dt.timedelta(days=1)
    org = register_organization(contest=closed_contest, actor=team_lead, data=org_input(1), now=before)
    station = closed_contest.stations.get(code="beijing")
    return register_team(organization=org, station=station, direction=station.directions.get(),
                         name="截止前报名队", actor=team_lead, representatives=[rep_input(1)],
                         accepted_policies=list(closed_contest.policies.filter(is_current=True)), now=before)


# --- step 1: organization ------------------------------------------------------------


def test_wizard_shows_leader_group_with_reason_as_user_types(client, contest, team_lead):
    client.force_login(team_lead)
    page = client.get(reverse("entrants:register")).content.decode()
    assert 'hx-trigger="input changed delay:400ms' in page
    assert reverse("entrants:organization_preview") in page

    response = client.post(reverse("entrants:organization_preview"), org_post(), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-group="leader"' in html and "领军组" in html
    assert "工业企业" in html and "1,200 &gt; 1,000" in html
    assert not Organization.objects.exists()


def test_wizard_shows_newcomer_group_with_reason_for_small_software_firm(client, contest, team_lead):
    client.force_login(team_lead)
    html = client.post(reverse("entrants:organization_preview"), org_post(
        kind="software_it", headcount="300", annual_revenue="10000")).content.decode()
    # R-G2: "more than" is strict; exactly 300 staff stays 新锐组.
    assert 'data-group="newcomer"' in html
    assert "300 ≤ 300" in html


def test_wizard_preview_shows_field_errors_with_rule_ids(client, contest, team_lead):
    client.force_login(team_lead)
    html = client.post(reverse("entrants:organization_preview"), org_post(
        credit_code="91110105MA00000000", headcount="-3")).content.decode()
    assert 'id="err-credit_code" hx-swap-oob="true"' in html
    assert "统一社会信用代码无效" in html and "R-P1" in html
    assert "从业人数应为不小于 0 的整数" in html and "R-G2" in html
    # A field not yet filled in gets no message next to it (it is listed in the preview).
    empty = client.post(reverse("entrants:organization_preview"), org_post(name="")).content.decode()
    assert 'id="err-name" hx-swap-oob="true"></div>' in empty


def test_entrant_cannot_pick_the_group(client, contest, team_lead):
    client.force_login(team_lead)
    leader = contest.groups.get(code="leader")
    client.post(reverse("entrants:register"), org_post(kind="university", headcount="5000", group=leader.pk))
    org = Organization.objects.get()
    assert org.group.code == "newcomer"


def test_register_organization_then_go_to_team_step(client, contest, team_lead):
    client.force_login(team_lead)
    response = client.post(reverse("entrants:register"), org_post())
    org = Organization.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("entrants:team_create", args=[org.pk])
    assert org.owner == team_lead and org.group.code == "leader"
    assert "从业人数 1,200 > 1,000" in org.group_reason
    page = client.get(response.url).content.decode()
    assert "领军组" in page and escape(org.group_reason) in page


def test_register_organization_errors_are_shown_by_field_and_nothing_written(client, contest, team_lead):
    client.force_login(team_lead)
    before = counts()
    response = client.post(reverse("entrants:register"), org_post(
        name="", parent_credit_code=make_credit_code(500), parent_name=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "请填写单位名称" in html and "该上级单位尚未注册，请填写其名称" in html
    assert "R-P8" in html
    assert counts() == before


def test_wizard_refuses_revenue_with_more_decimals_than_kept(client, contest, team_lead):
    """R-G2: the page calls the same check as the API: 10000.004 is refused next to the
    revenue field, never rounded to 10000.00, and nothing is written."""
    client.force_login(team_lead)
    before = counts()
    html = client.post(reverse("entrants:register"), org_post(
        kind="software_it", headcount="10", annual_revenue="10000.004")).content.decode()
    assert "年营业收入最多保留 2 位小数" in html and "R-G2" in html
    assert counts() == before
    preview = client.post(reverse("entrants:organization_preview"), org_post(
        kind="software_it", headcount="10", annual_revenue="10000.004")).content.decode()
    assert 'id="err-annual_revenue" hx-swap-oob="true"><ul class="errors"><li>年营业收入最多保留 2 位小数' in preview


def test_organization_registration_is_refused_after_deadline(client, closed_contest, team_lead):
    client.force_login(team_lead)
    html = client.post(reverse("entrants:register"), org_post()).content.decode()
    assert "报名已截止" in html and "R-T1" in html
    assert not Organization.objects.exists()


def test_anonymous_cannot_register_an_organization(client, contest):
    response = client.post(reverse("entrants:register"), org_post())
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert client.post(reverse("entrants:organization_preview"), org_post()).status_code == 302
    assert not Organization.objects.exists()


def test_staff_cannot_register_an_organization(verified, secretariat, contest):
    client = verified(secretariat)
    assert client.post(reverse("entrants:register"), org_post()).status_code == 403
    assert not Organization.objects.exists()


def test_register_is_post_or_get_only_and_preview_post_only(client, contest, team_lead):
    client.force_login(team_lead)
    assert client.get(reverse("entrants:organization_preview")).status_code == 405
    assert client.delete(reverse("entrants:register")).status_code == 405


# --- step 2: team --------------------------------------------------------------------


def test_register_team_with_representatives_and_policy_acceptances(client, contest, organization, team_lead):
    client.force_login(team_lead)
    page = client.get(reverse("entrants:team_create", args=[organization.pk])).content.decode()
    for policy in contest.policies.filter(is_current=True):
        assert policy.title in page and policy.version in page
    response = client.post(reverse("entrants:team_create", args=[organization.pk]),
                           team_post(contest, reps=(101, 102)))
    team = Team.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("entrants:team_detail", args=[team.pk]) + "?registered=1"
    done = client.get(response.url).content.decode()  # the wizard's last step, with what comes next
    assert '<li class="is-current" aria-current="step">完成</li>' in done
    assert reverse("projects:team_project", args=[team.pk]) in done
    assert reverse("organizing:recommend") in done  # R-O1: name the recommending unit while registering
    assert team.lead == team_lead and team.station.code == "beijing"
    assert team.representatives.count() == 2
    assert PolicyAcceptance.objects.filter(team=team).count() == 2


def test_directions_are_filtered_to_the_station_with_descriptions(client, contest, team_lead):
    client.force_login(team_lead)
    wuxi = contest.stations.get(code="wuxi")
    response = client.get(reverse("entrants:direction_list"), {"station": wuxi.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    direction = wuxi.directions.get()
    assert direction.name in html and direction.description[:20] in html
    assert f'value="{direction.pk}" checked' in html
    others = contest.directions.exclude(station=wuxi)
    assert not any(d.name in html for d in others)
    assert response["HX-Trigger"] == "directions-loaded"


def test_live_check_shows_refusals_as_the_user_types(client, contest, organization, team_lead):
    client.force_login(team_lead)
    data = team_post(contest, accept=False)
    data["direction"] = str(contest.directions.get(station__code="wuxi").pk)  # not Beijing's
    data.update({"representatives-0-id_number": "110105199001011230"})  # bad checksum
    before = counts()
    html = client.post(reverse("entrants:team_check", args=[organization.pk]), data,
                       HTTP_HX_REQUEST="true").content.decode()
    assert 'id="team-check"' in html
    assert "R-D2" in html and "由无锡赛站组织" in html
    assert "R-P5" in html and "服务规则" in html
    assert "参赛代表 1 · 居民身份证号" in html and "居民身份证号无效" in html
    assert 'id="err-representatives-0-id_number" hx-swap-oob="true"><ul' in html
    assert counts() == before


def test_live_check_says_ready_when_every_rule_holds(client, contest, organization, team_lead):
    client.force_login(team_lead)
    html = client.post(reverse("entrants:team_check", args=[organization.pk]),
                       team_post(contest)).content.decode()
    assert "所有报名条件均已满足" in html
    assert not Team.objects.exists()


def test_add_representative_row_until_the_limit(client, contest, team_lead):
    client.force_login(team_lead)
    html = client.get(reverse("entrants:representative_row"), {"index": 1, "count": 1}).content.decode()
    assert 'name="representatives-1-id_number"' in html
    assert 'id="add-rep" hx-swap-oob="true"' in html and "index=2" in html
    last = client.get(reverse("entrants:representative_row"), {"index": 4, "count": 4}).content.decode()
    assert 'name="representatives-4-name"' in last
    assert "add-rep-button" not in last and "R-P3" in last


def test_sixth_representative_in_the_wizard_is_refused_and_nothing_written(client, contest, organization, team_lead):
    client.force_login(team_lead)
    before = counts()
    html = client.post(reverse("entrants:team_create", args=[organization.pk]),
                       team_post(contest, reps=(101, 102, 103, 104, 105, 106))).content.decode()
    assert "每个团队的参赛代表不超过 5 人（现为 6 人）" in html and "R-P3" in html
    assert counts() == before
    # What was typed is kept.
    assert f'name="representatives-5-id_number" value="{make_id_number(106)}"' in html


def test_team_errors_appear_next_to_the_right_row(client, contest, organization, team_lead, team):
    client.force_login(team_lead)
    data = team_post(contest, name="第二队", reps=(101, 102))
    data["representatives-1-id_number"] = data["representatives-1-id_number"][:-1] + (
        "1" if data["representatives-1-id_number"][-1] != "1" else "2")  # a wrong check digit
    html = client.post(reverse("entrants:team_create", args=[organization.pk]), data).content.decode()
    slot = html.split('id="err-representatives-1-id_number"', 1)[1].split("</div>", 1)[0]
    assert "居民身份证号无效" in slot and "R-P3" in slot
    first = html.split('id="err-representatives-0-id_number"', 1)[1].split("</div>", 1)[0]
    assert "居民身份证号无效" not in first
    assert Team.objects.count() == 1


def test_team_name_with_uncivil_word_is_refused(client, contest, organization, team_lead):
    from ciic.contests.models import UncivilWord

    UncivilWord.objects.get_or_create(contest=contest, word="混蛋")
    client.force_login(team_lead)
    html = client.post(reverse("entrants:team_create", args=[organization.pk]),
                       team_post(contest, name="混蛋队")).content.decode()
    assert "不得包含不文明字样" in html and "R-P7" in html
    assert not Team.objects.exists()


def test_other_entrant_cannot_register_a_team_for_my_organization(client, contest, organization, other_lead):
    client.force_login(other_lead)
    url = reverse("entrants:team_create", args=[organization.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, team_post(contest)).status_code == 404
    assert client.post(reverse("entrants:team_check", args=[organization.pk]), team_post(contest)).status_code == 404
    assert not Team.objects.exists()


def test_anonymous_cannot_register_a_team(client, contest, organization):
    response = client.post(reverse("entrants:team_create", args=[organization.pk]), team_post(contest))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not Team.objects.exists()


# --- team page -----------------------------------------------------------------------


def test_team_page_shows_group_reason_and_masks_personal_data(client, team, team_lead):
    client.force_login(team_lead)
    html = client.get(reverse("entrants:team_detail", args=[team.pk])).content.decode()
    rep = team.representatives.get()
    assert rep.masked_id_number in html and rep.masked_mobile in html
    assert rep.id_number not in html and rep.mobile not in html
    assert team.organization.group_reason in html
    assert "服务规则" in html and "2023.1" in html


def test_organization_page_explains_the_group_in_the_readers_language(client, organization, team_lead):
    """R-G2: the stored reason is the Chinese record; an English reader gets it re-explained."""
    client.force_login(team_lead)
    url = reverse("entrants:organization_detail", args=[organization.pk])
    chinese = client.get(url).content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert escape(organization.group_reason) in chinese
    assert escape(organization.group_reason) not in english
    assert "120" in english and (organization.group.name_en or "") in english


def test_other_teams_page_is_404(client, team, other_lead):
    client.force_login(other_lead)
    assert client.get(reverse("entrants:team_detail", args=[team.pk])).status_code == 404


def test_anonymous_is_sent_to_login_from_a_team_page(client, team):
    response = client.get(reverse("entrants:team_detail", args=[team.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_station_officer_sees_own_station_team_but_not_others(verified, station_officer, team, other_team):
    client = verified(station_officer)
    assert client.get(reverse("entrants:team_detail", args=[team.pk])).status_code == 200
    assert client.get(reverse("entrants:team_detail", args=[other_team.pk])).status_code == 404


def test_a_refused_team_is_the_sites_404_page_in_the_readers_language(verified, station_officer, other_team):
    """With DEBUG off (as `make run` serves), not Django's debug page, nothing about the team."""
    client = verified(station_officer)
    url = reverse("entrants:team_detail", args=[other_team.pk])
    chinese = client.get(url)
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 404
    assert "页面不存在" in chinese.content.decode() and "Page not found" in english.content.decode()
    assert other_team.name not in chinese.content.decode()


def test_sixth_representative_is_refused_on_the_team_page(client, team, team_lead):
    client.force_login(team_lead)
    url = reverse("entrants:team_add_representative", args=[team.pk])
    for seq in range(2, 6):
        response = client.post(url, {"name": f"代表{seq}", "id_number": make_id_number(seq),
                                     "mobile": make_mobile(seq), "email": f"r{seq}@example.com"})
        assert response.status_code == 302
    assert team.representatives.count() == 5
    before = counts()
    html = client.post(url, {"name": "代表6", "id_number": make_id_number(6), "mobile": make_mobile(6),
                             "email": "r6@example.com"}).content.decode()
    assert "每个团队的参赛代表不超过 5 人（现为 6 人）" in html and "R-P3" in html
    assert counts() == before


def test_adding_a_representative_with_htmx_returns_the_section(client, team, team_lead):
    client.force_login(team_lead)
    response = client.post(reverse("entrants:team_add_representative", args=[team.pk]), {
        "name": "王五", "id_number": make_id_number(7), "mobile": make_mobile(7), "email": "w@example.com",
    }, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="representatives")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="representatives">')
    assert "王五" in html and "已添加参赛代表" in html
    assert make_id_number(7) not in html and make_mobile(7) not in html


def test_invalid_representative_errors_are_shown_by_field(client, team, team_lead):
    client.force_login(team_lead)
    html = client.post(reverse("entrants:team_add_representative", args=[team.pk]), {
        "name": "", "id_number": "123", "mobile": "555", "email": "x"}).content.decode()
    assert "请填写参赛代表姓名" in html and "居民身份证号无效" in html
    assert "手机号无效" in html and "电子邮箱无效" in html
    assert team.representatives.count() == 1


def test_last_representative_cannot_be_removed(client, team, team_lead):
    client.force_login(team_lead)
    rep = team.representatives.get()
    html = client.post(reverse("entrants:team_remove_representative", args=[team.pk, rep.pk])).content.decode()
    assert "至少需要 1 名参赛代表" in html
    assert team.representatives.count() == 1


def test_lead_removes_a_representative(client, team, team_lead, rep_input):
    from ciic.entrants.services import add_representative

    extra = add_representative(team=team, actor=team_lead, data=rep_input(9))
    client.force_login(team_lead)
    response = client.post(reverse("entrants:team_remove_representative", args=[team.pk, extra.pk]))
    assert response.status_code == 302
    assert list(team.representatives.values_list("name", flat=True)) == ["代表1"]


def test_lead_changes_station_and_direction(client, contest, team, team_lead):
    client.force_login(team_lead)
    ningbo = contest.stations.get(code="ningbo")
    response = client.post(reverse("entrants:team_change", args=[team.pk]), {
        "station": ningbo.pk, "direction": ningbo.directions.get().pk, "name": team.name})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.station == ningbo and team.direction == ningbo.directions.get()


def test_changing_to_a_direction_of_another_station_is_refused(client, contest, team, team_lead):
    client.force_login(team_lead)
    ningbo = contest.stations.get(code="ningbo")
    html = client.post(reverse("entrants:team_change", args=[team.pk]), {
        "station": ningbo.pk, "direction": contest.directions.get(station__code="wuxi").pk,
        "name": team.name}).content.decode()
    assert "R-D2" in html
    team.refresh_from_db()
    assert team.station.code == "beijing"


def test_outsiders_cannot_change_a_team(client, verified, team, other_lead, secretariat, contest):
    rep = team.representatives.get()
    ningbo = contest.stations.get(code="ningbo")
    posts = [
        (reverse("entrants:team_add_representative", args=[team.pk]),
         {"name": "x", "id_number": make_id_number(8), "mobile": make_mobile(8), "email": "x@example.com"}),
        (reverse("entrants:team_remove_representative", args=[team.pk, rep.pk]), {}),
        (reverse("entrants:team_change", args=[team.pk]),
         {"station": ningbo.pk, "direction": ningbo.directions.get().pk, "name": "改名"}),
    ]
    before = counts()
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    client.force_login(other_lead)
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    # The secretariat may see the team but is not its lead.
    office = verified(secretariat)
    for url, data in posts:
        assert office.post(url, data).status_code == 404
    assert counts() == before
    team.refresh_from_db()
    assert team.name == "智造先锋队" and team.station.code == "beijing"


def test_team_write_views_are_post_only(client, team, team_lead):
    client.force_login(team_lead)
    assert client.get(reverse("entrants:team_add_representative", args=[team.pk])).status_code == 405
    assert client.get(reverse("entrants:team_change", args=[team.pk])).status_code == 405


def test_team_write_views_need_csrf(team, team_lead):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(team_lead)
    response = strict.post(reverse("entrants:team_add_representative", args=[team.pk]), {
        "name": "x", "id_number": make_id_number(8), "mobile": make_mobile(8), "email": "x@example.com"})
    assert response.status_code == 403
    assert team.representatives.count() == 1


def test_after_the_deadline_team_forms_are_replaced_by_a_note(client, closed_team, team_lead):
    client.force_login(team_lead)
    html = client.get(reverse("entrants:team_detail", args=[closed_team.pk])).content.decode()
    assert 'id="frozen"' in html and "R-G4" in html and "R-P3" in html
    assert reverse("entrants:team_add_representative", args=[closed_team.pk]) not in html
    assert reverse("entrants:team_change", args=[closed_team.pk]) not in html
    # And a crafted POST is refused by the service.
    html = client.post(reverse("entrants:team_add_representative", args=[closed_team.pk]), {
        "name": "迟到", "id_number": make_id_number(30), "mobile": make_mobile(30),
        "email": "late@example.com"}).content.decode()
    assert "变更参赛代表已截止" in html
    assert closed_team.representatives.count() == 1


# --- organization page ---------------------------------------------------------------


def test_organization_page_shows_group_reason_and_teams(client, team, team_lead):
    client.force_login(team_lead)
    org = team.organization
    html = client.get(reverse("entrants:organization_detail", args=[org.pk])).content.decode()
    assert org.credit_code in html and org.group_reason in html and team.name in html


def test_other_organizations_page_is_404(client, organization, other_lead):
    client.force_login(other_lead)
    assert client.get(reverse("entrants:organization_detail", args=[organization.pk])).status_code == 404
    assert client.get(reverse("entrants:organization_update", args=[organization.pk])).status_code == 404


def test_owner_updates_organization_and_group_is_derived_again(client, organization, team_lead):
    client.force_login(team_lead)
    assert organization.group.code == "newcomer"
    response = client.post(reverse("entrants:organization_update", args=[organization.pk]), org_post(
        name=organization.name, credit_code="ignored", kind="software_it", headcount="301"))
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.group.code == "leader" and organization.headcount == 301
    assert organization.credit_code == make_credit_code(1)  # R-P1: never changes


def test_outsiders_cannot_update_an_organization(client, organization, other_lead):
    url = reverse("entrants:organization_update", args=[organization.pk])
    before = counts()
    assert client.post(url, org_post(name="改名")).status_code == 302
    client.force_login(other_lead)
    assert client.post(url, org_post(name="改名")).status_code == 404
    assert client.post(reverse("entrants:organization_preview"),
                       {**org_post(), "organization": organization.pk}).status_code == 404
    organization.refresh_from_db()
    assert organization.name == "测试科技有限公司1"
    assert counts() == before


def test_organization_is_frozen_after_the_deadline(client, closed_team, team_lead):
    client.force_login(team_lead)
    org = closed_team.organization
    html = client.get(reverse("entrants:organization_detail", args=[org.pk])).content.decode()
    assert "R-G4" in html and reverse("entrants:organization_update", args=[org.pk]) not in html
    html = client.post(reverse("entrants:organization_update", args=[org.pk]), org_post(
        name=org.name, kind="industrial", headcount="5000")).content.decode()
    assert "R-G4" in html
    org.refresh_from_db()
    assert org.headcount == 120


# --- staff lists ---------------------------------------------------------------------


def test_station_officer_sees_only_own_station_teams(verified, station_officer, team, other_team):
    html = verified(station_officer).get(reverse("entrants:team_list")).content.decode()
    assert team.name in html
    assert other_team.name not in html
    assert "共 1 支团队" in html


def test_secretariat_sees_every_team_and_filters_them(verified, secretariat, team, other_team):
    client = verified(secretariat)
    html = client.get(reverse("entrants:team_list")).content.decode()
    assert team.name in html and other_team.name in html
    html = client.get(reverse("entrants:team_list"), {"station": "wuxi"}).content.decode()
    assert other_team.name in html and team.name not in html
    html = client.get(reverse("entrants:team_list"), {"q": "智造"}).content.decode()
    assert team.name in html and other_team.name not in html
    html = client.get(reverse("entrants:team_list"), {"group": "leader"}).content.decode()
    assert "共 0 支团队" in html


def test_organization_list_counts_visible_teams(verified, secretariat, station_officer, team, other_team):
    html = verified(secretariat).get(reverse("entrants:organization_list")).content.decode()
    assert team.organization.name in html and other_team.organization.name in html
    assert "共 2 家单位" in html
    html = verified(station_officer).get(reverse("entrants:organization_list")).content.decode()
    assert team.organization.name in html and other_team.organization.name not in html


def test_entrant_cannot_see_staff_lists(client, team_lead, contest):
    client.force_login(team_lead)
    for name in ("team_list", "organization_list", "team_export", "organization_export"):
        assert client.get(reverse(f"entrants:{name}")).status_code == 403


def test_anonymous_is_sent_to_login_from_staff_lists(client, contest):
    response = client.get(reverse("entrants:team_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def _many_teams(contest, n: int) -> None:
    from ciic.accounts.models import User
    from ciic.entrants.services import (
        OrganizationInput,
        RepresentativeInput,
        register_organization,
        register_team,
    )

    policies = list(contest.policies.filter(is_current=True))
    stations = list(contest.stations.prefetch_related("directions"))
    for i in range(n):
        lead = User.objects.create_user(email=f"lead{i}@example.com", password="x", email_verified_at=timezone.now())
        org = register_organization(contest=contest, actor=lead, data=OrganizationInput(
            name=f"单位{i}", credit_code=make_credit_code(1000 + i), kind="industrial",
            headcount=50 + i * 100, annual_revenue="100"))
        station = stations[i % len(stations)]
        reps = [RepresentativeInput(name=f"人{i}-{j}", id_number=make_id_number(300 + i * 3 + j),
                                    mobile=make_mobile(300 + i * 3 + j), email=f"p{i}{j}@example.com")
                for j in range(2)]
        register_team(organization=org, station=station, direction=station.directions.all()[0],
                      name=f"团队{i}", actor=lead, representatives=reps, accepted_policies=policies)


@pytest.mark.parametrize("url_name", ["entrants:team_list", "entrants:organization_list"])
def test_list_query_count_does_not_grow_with_rows(verified, secretariat, contest, django_assert_max_num_queries,
                                                  url_name):
    client = verified(secretariat)
    _many_teams(contest, 1)
    # 17: the page itself plus the header's unread-notification count.
    with django_assert_max_num_queries(17) as one:
        assert client.get(reverse(url_name)).status_code == 200
    _many_teams_offset(contest, 11)
    with django_assert_max_num_queries(len(one.captured_queries)) as many:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "共 12" in response.content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)


def _many_teams_offset(contest, n: int) -> None:
    """n more teams after those of `_many_teams(contest, 1)`."""
    from ciic.accounts.models import User
    from ciic.entrants.services import (
        OrganizationInput,
        RepresentativeInput,
        register_organization,
        register_team,
    )

    policies = list(contest.policies.filter(is_current=True))
    stations = list(contest.stations.prefetch_related("directions"))
    for i in range(1, n + 1):
        lead = User.objects.create_user(email=f"more{i}@example.com", password="x", email_verified_at=timezone.now())
        org = register_organization(contest=contest, actor=lead, data=OrganizationInput(
            name=f"更多单位{i}", credit_code=make_credit_code(2000 + i), kind="software_it",
            headcount=10 * i, annual_revenue="100"))
        station = stations[i % len(stations)]
        rep = RepresentativeInput(name=f"人{i}", id_number=make_id_number(600 + i),
                                  mobile=make_mobile(600 + i), email=f"m{i}@example.com")
        register_team(organization=org, station=station, direction=station.directions.all()[0],
                      name=f"更多团队{i}", actor=lead, representatives=[rep], accepted_policies=policies)


def test_list_is_paginated_and_keeps_filters(verified, secretariat, contest, settings, monkeypatch):
    from ciic.entrants import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _many_teams(contest, 5)
    client = verified(secretariat)
    html = client.get(reverse("entrants:team_list"), {"group": "newcomer"}).content.decode()
    assert "第 1 / 3 页" in html
    assert "?group=newcomer&amp;page=2" in html


def test_overlong_team_name_is_refused_not_cut(client, contest, organization, team_lead):
    client.force_login(team_lead)
    html = client.post(reverse("entrants:team_create", args=[organization.pk]),
                       team_post(contest, name="队" * 101)).content.decode()
    assert "团队名称不能超过 100 个字符" in html
    assert not Team.objects.exists()


def test_entrant_pages_carry_no_inline_script_or_style(client, team, team_lead):
    client.force_login(team_lead)
    org = team.organization
    for url in (reverse("entrants:register"), reverse("entrants:team_create", args=[org.pk]),
                reverse("entrants:team_detail", args=[team.pk]),
                reverse("entrants:organization_detail", args=[org.pk]),
                reverse("entrants:organization_update", args=[org.pk])):
        html = client.get(url).content.decode()
        assert "<style" not in html and "style=" not in html, url
        assert not re.search(r"\son[a-z]+=|hx-on", html), url
        for chunk in html.split("<script")[1:]:
            assert chunk.split(">", 1)[1].startswith("</script>"), url


def test_station_filter_offers_a_station_officer_only_their_station(contest, station_officer, verified):
    client = verified(station_officer)
    response = client.get(reverse("entrants:team_list"))
    offered = [s.code for s in response.context["stations"]]
    assert offered == ["beijing"]


def test_edit_organization_form_starts_with_current_values(organization, team_lead, client):
    client.force_login(team_lead)
    response = client.get(reverse("entrants:organization_update", args=[organization.pk]))
    html = response.content.decode()
    assert f'value="{organization.name}"' in html
    assert 'value="120"' in html
