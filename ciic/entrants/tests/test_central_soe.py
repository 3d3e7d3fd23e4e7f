"""R-G2(c): central SOEs (中央企业（集团）及下属公司) are 领军组.

The spec holds SASAC's and the Ministry of Finance's lists (../shared/contest/central-soes.md);
a unit is matched by credit code when the list knows it, by its name otherwise, whichever way
the name is spelled. A unit that declares itself a central SOE but that no list holds, nor its
parent chain, is never silently 新锐组: it is pending (待核实) until the secretariat confirms or
rejects the claim, with a reason the team reads, audited and notified.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.contests.models import CentralSOE, ScheduleItem
from ciic.demo.identifiers import make_credit_code, make_id_number, make_mobile
from ciic.entrants.models import Organization
from ciic.entrants.services import (
    RepresentativeInput,
    register_organization,
    register_team,
    update_organization,
    verify_central_soe,
)
from ciic.notifications.models import Notification

pytestmark = pytest.mark.django_db

UNKNOWN = "某某央企集团有限公司"


def _soe(contest, team_lead, org_input, seq=1, *, name=UNKNOWN, **overrides):
    """Register a unit that declares itself a central SOE (kind `central_soe`)."""
    values = dict(kind="central_soe", headcount=10, annual_revenue="10")
    values.update(overrides)
    return register_organization(contest=contest, actor=team_lead, data=org_input(seq, name=name, **values))


def _team(org, lead, station, direction, policies):
    return register_team(organization=org, station=station, direction=direction, name="待核实队", actor=lead,
                         accepted_policies=policies,
                         representatives=[RepresentativeInput(name="代表", id_number=make_id_number(7),
                                                              mobile=make_mobile(7), email="r7@example.com")])


def close_registration(contest):
    ScheduleItem.objects.filter(contest=contest, key="registration").update(
        ends_at=timezone.now() - dt.timedelta(minutes=1))


# --- the lists ------------------------------------------------------------------------------


def test_self_declared_group_on_sasacs_list_is_leader(contest, team_lead, org_input):
    """R-G2(c): 中国建筑集团有限公司 is on SASAC's list; it landed in 新锐组 with 不在中央企业名录中
    when the spec held 37 groups."""
    org = _soe(contest, team_lead, org_input, name="中国建筑集团有限公司")
    assert org.group.code == "leader"
    assert org.group_status == "derived"
    assert "属于中央企业 中国建筑集团有限公司" in org.group_reason


@pytest.mark.parametrize(("typed", "listed"), [
    ("中国南方电网有限公司", "中国南方电网有限责任公司"),  # 有限公司 for 有限责任公司
    ("中国通用技术集团控股有限责任公司", "中国通用技术（集团）控股有限责任公司"),  # without the brackets
    ("华润(集团)有限公司", "华润（集团）有限公司"),  # half-width brackets
    ("中国 建筑集团 有限公司", "中国建筑集团有限公司"),  # spaces
    ("香港中旅（集团）有限公司", "中国旅游集团有限公司"),  # the list's second name
    ("中国邮政集团有限公司", "中国邮政集团有限公司"),  # the Ministry of Finance's list
])
def test_name_variants_of_a_listed_group_match_it(contest, team_lead, org_input, typed, listed):
    """R-G2(c): names are compared without spaces and brackets, full- and half-width alike,
    有限责任公司 as 有限公司, and with the aliases the list gives."""
    org = _soe(contest, team_lead, org_input, name=typed)
    assert org.group.code == "leader"
    assert listed in org.group_reason


def test_subsidiary_naming_a_ministry_of_finance_group_as_parent_is_leader(contest, team_lead, org_input):
    """R-G2(c) "及下属公司": the parent chain counts, for the MOF list as for SASAC's."""
    org = register_organization(contest=contest, actor=team_lead, data=org_input(
        2, kind="other", headcount=3, annual_revenue="1",
        parent_credit_code=make_credit_code(3), parent_name="中国国家铁路集团有限公司"))
    assert org.group.code == "leader"
    assert "中国国家铁路集团有限公司" in org.group_reason


def test_a_listed_group_with_a_credit_code_is_matched_by_code_only(contest, team_lead, other_lead, org_input):
    """R-G2(c): once the secretariat filled in a group's credit code, that code matches
    whatever the name; the same name with another code does not (and says why)."""
    CentralSOE.objects.filter(contest=contest, name="国家电网有限公司").update(credit_code=make_credit_code(900))
    by_code = register_organization(contest=contest, actor=team_lead, data=org_input(
        900, name="国网（总部）", kind="central_soe", headcount=1, annual_revenue="1"))
    assert by_code.group.code == "leader"
    impostor = _soe(contest, other_lead, org_input, 901, name="国家电网有限公司")
    assert impostor.group is None and impostor.group_status == "pending"
    assert "统一社会信用代码不符" in impostor.group_reason


def test_central_financial_enterprises_wait_for_the_committee(contest, team_lead, org_input):
    """central-soes.md: whether MOF's central financial enterprises count is the committee's
    call; the spec leaves that list out of the criterion, so one that declares itself a central
    SOE is pending, and the reason says its list does not count."""
    org = _soe(contest, team_lead, org_input, name="中国工商银行股份有限公司")
    assert org.group is None and org.group_status == "pending"
    assert "所在的名录不计入本届中央企业名录" in org.group_reason


# --- pending verification -------------------------------------------------------------------


def test_self_declared_central_soe_that_no_list_holds_is_pending_not_newcomer(contest, team_lead, org_input):
    """R-G2(c): no group yet, a pending status, and a reason naming both outcomes."""
    org = _soe(contest, team_lead, org_input)
    org.refresh_from_db()
    assert org.group is None
    assert org.group_status == "pending"
    assert org.group_reason.startswith("待核实：")
    assert "不在中央企业名录中" in org.group_reason
    assert "属实为领军组，否则为新锐组" in org.group_reason
    assert AuditEntry.objects.get(action="organization.register").after["group_status"] == "pending"


def test_unit_that_does_not_claim_to_be_a_central_soe_is_never_pending(contest, team_lead, org_input):
    """R-G3: only the claim waits; any other unit off the lists gets its group at once."""
    org = register_organization(contest=contest, actor=team_lead, data=org_input(
        name=UNKNOWN, kind="other", headcount=10, annual_revenue="10"))
    assert org.group.code == "newcomer" and org.group_status == "derived"


def test_a_pending_organization_registers_teams_meanwhile(contest, team_lead, org_input, station, direction,
                                                          current_policies):
    """A pending organization's teams register and work as any other; their group shows as
    pending until the secretariat decides."""
    org = _soe(contest, team_lead, org_input)
    team = _team(org, team_lead, station, direction, current_policies)
    assert team.organization.group is None and team.organization.group_status == "pending"


def test_secretariat_confirms_a_pending_central_soe(contest, team_lead, secretariat, org_input):
    """R-G2(c): confirmed → 领军组, the reason kept for the team, audited with before and
    after, and the owner notified."""
    org = _soe(contest, team_lead, org_input)
    verify_central_soe(organization=org, actor=secretariat, confirm=True, reason="经国资委函件确认为中央企业")
    org.refresh_from_db()
    assert org.group.code == "leader"
    assert org.group_status == "confirmed"
    assert "经秘书处核实属于中央企业" in org.group_reason
    assert org.group_verification_note == "经国资委函件确认为中央企业"
    assert org.group_verified_at is not None
    entry = AuditEntry.objects.get(action="organization.verify_central_soe")
    assert entry.actor_id == secretariat.pk
    assert entry.before["group_status"] == "pending" and entry.before["group_id"] is None
    assert entry.after["group_status"] == "confirmed"
    assert entry.after["group_verification_note"] == "经国资委函件确认为中央企业"
    note = Notification.objects.get(user=team_lead)
    assert note.kind == "central_soe_confirmed"
    assert "领军组" in note.body and "经国资委函件确认为中央企业" in note.body


def test_secretariat_rejects_a_pending_central_soe(contest, team_lead, secretariat, org_input):
    """R-G2(c), R-G3: rejected → the group the other criteria give, here 新锐组."""
    org = _soe(contest, team_lead, org_input)
    verify_central_soe(organization=org, actor=secretariat, confirm=False, reason="非中央企业出资")
    org.refresh_from_db()
    assert org.group.code == "newcomer"
    assert org.group_status == "rejected"
    assert "经秘书处核实不属于中央企业" in org.group_reason
    assert Notification.objects.get(user=team_lead).kind == "central_soe_rejected"


def test_verification_needs_a_reason(contest, team_lead, secretariat, org_input):
    """R-G2(c): the team reads why; without a reason nothing changes and nothing is logged."""
    org = _soe(contest, team_lead, org_input)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        verify_central_soe(organization=org, actor=secretariat, confirm=True, reason="  ")
    assert exc.value.error_dict["reason"][0].code == "R-G2"
    org.refresh_from_db()
    assert org.group_status == "pending" and AuditEntry.objects.count() == entries


def test_a_unit_without_a_pending_claim_is_not_verified(contest, team_lead, secretariat, org_input, organization):
    """R-G2(c): only a self-declared central SOE off the lists is the secretariat's to settle."""
    listed = _soe(contest, team_lead, org_input, 2, name="中国建筑集团有限公司")
    for org in (organization, listed):
        with pytest.raises(ValidationError) as exc:
            verify_central_soe(organization=org, actor=secretariat, confirm=True, reason="核实")
        assert exc.value.error_dict["__all__"][0].code == "R-G2"


def test_confirming_a_parent_settles_its_pending_subsidiaries(contest, team_lead, other_lead, secretariat,
                                                              org_input):
    """R-G2(c) "及下属公司": a subsidiary that declared itself a central SOE through a parent
    that is pending follows the parent's verification."""
    parent = _soe(contest, team_lead, org_input, 1)
    child = _soe(contest, other_lead, org_input, 2, name="某某央企集团某省分公司",
                 parent_credit_code=parent.credit_code)
    assert child.group_status == "pending"
    verify_central_soe(organization=parent, actor=secretariat, confirm=True, reason="核实属实")
    child.refresh_from_db()
    assert child.group.code == "leader" and child.group_status == "derived"
    assert f"上级单位 {UNKNOWN} 经秘书处核实属于中央企业" in child.group_reason
    assert AuditEntry.objects.filter(action="organization.regroup", object_id=str(child.pk)).exists()


def test_the_verdict_stands_while_the_claim_stands(contest, team_lead, secretariat, org_input):
    """An update keeping the claim keeps the verdict; dropping the claim (another kind) drops
    the verdict and the group is derived from the new facts."""
    org = _soe(contest, team_lead, org_input)
    verify_central_soe(organization=org, actor=secretariat, confirm=True, reason="核实属实")
    org = update_organization(organization=org, actor=team_lead, data=org_input(
        1, name=UNKNOWN, kind="central_soe", headcount=20, annual_revenue="10"))
    assert org.group.code == "leader" and org.group_status == "confirmed"
    org = update_organization(organization=org, actor=team_lead, data=org_input(
        1, name=UNKNOWN, kind="industrial", headcount=20, annual_revenue="10"))
    assert org.group.code == "newcomer" and org.group_status == "derived"
    assert org.group_verification_note == ""


def test_the_secretariat_decides_after_the_deadline_too(contest, team_lead, secretariat, org_input):
    """R-G4 freezes what entrants declare; settling a claim declared before the deadline is
    the secretariat's, after it as well."""
    org = _soe(contest, team_lead, org_input)
    close_registration(contest)
    verify_central_soe(organization=org, actor=secretariat, confirm=False, reason="不属实")
    org.refresh_from_db()
    assert org.group.code == "newcomer" and org.group_status == "rejected"


# --- the pages ------------------------------------------------------------------------------


def test_the_team_sees_pending_on_its_organization_and_team_pages(client, contest, team_lead, org_input,
                                                                   station, direction, current_policies):
    org = _soe(contest, team_lead, org_input)
    team = _team(org, team_lead, station, direction, current_policies)
    client.force_login(team_lead)
    for url in (reverse("entrants:organization_detail", args=[org.pk]),
                reverse("entrants:team_detail", args=[team.pk])):
        html = client.get(url).content.decode()
        assert 'class="badge badge-warn">待核实' in html
        assert "组别由秘书处核实后确定" in html
        assert "核实中央企业身份" not in html  # the decision is the secretariat's


def test_secretariat_lists_counts_and_filters_pending_organizations(verified, secretariat, contest, team_lead,
                                                                    org_input, organization):
    pending = _soe(contest, team_lead, org_input, 2)
    client = verified(secretariat)
    html = client.get(reverse("entrants:organization_list")).content.decode()
    assert "1 家单位自报为中央企业但不在名录中，组别待核实" in html
    filtered = client.get(reverse("entrants:organization_list"), {"group_status": "pending"}).content.decode()
    assert pending.name in filtered and organization.name not in filtered
    dashboard = client.get(reverse("site:dashboard")).content.decode()
    assert "1 家单位自报为中央企业但不在名录中，等待秘书处核实组别" in dashboard


def test_secretariat_verifies_on_the_organization_page(verified, secretariat, contest, team_lead, org_input):
    org = _soe(contest, team_lead, org_input)
    client = verified(secretariat)
    url = reverse("entrants:organization_detail", args=[org.pk])
    assert "核实中央企业身份" in client.get(url).content.decode()
    verify = reverse("entrants:organization_verify", args=[org.pk])
    html = client.post(verify, {"decision": "confirm", "reason": ""}).content.decode()
    assert "请填写核实意见" in html and "R-G2" in html
    org.refresh_from_db()
    assert org.group_status == "pending"
    response = client.post(verify, {"decision": "confirm", "reason": "经核实属于中央企业下属公司"})
    assert response.status_code == 302 and response.url == url
    org.refresh_from_db()
    assert org.group.code == "leader" and org.group_status == "confirmed"
    assert "经核实属于中央企业下属公司" in client.get(url).content.decode()


def test_only_the_secretariat_verifies(client, verified, contest, team_lead, other_lead, station_officer,
                                       org_input, station, direction, current_policies):
    """The owner and a station officer see the organization but may not decide (403); another
    entrant does not see it (404); an anonymous visitor goes to the login page. Nothing is
    written either way."""
    org = _soe(contest, team_lead, org_input)
    _team(org, team_lead, station, direction, current_policies)
    verify = reverse("entrants:organization_verify", args=[org.pk])
    data = {"decision": "confirm", "reason": "自己说了算"}
    entries = AuditEntry.objects.count()
    response = client.post(verify, data)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    client.force_login(team_lead)
    assert client.post(verify, data).status_code == 403
    client.force_login(other_lead)
    assert client.post(verify, data).status_code == 404
    assert verified(station_officer).post(verify, data).status_code == 403
    org.refresh_from_db()
    assert org.group_status == "pending" and AuditEntry.objects.count() == entries
    assert not Organization.objects.filter(group_status="confirmed").exists()
