"""Every contest rule, through the API: refused with HTTP 422 and its rule ID, nothing written.

The rules themselves live in ciic.entrants.services; these tests prove the API reaches them
(and would fail if the API bypassed or reimplemented one)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from ciic.contests.models import PolicyDocument, ScheduleItem, Station
from ciic.contests.selectors import REGISTRATION_KEY, max_representatives
from ciic.entrants.models import Organization, PolicyAcceptance, Team

from .helpers import db_state, errors_for, org_payload, rep_payload, rules_of, team_payload

pytestmark = pytest.mark.django_db


def _register_org(api, seq: int, **overrides) -> dict:
    r = api.post("/organizations", org_payload(seq, **overrides))
    assert r.status_code == 201, r.content
    return r.json()


def _group_codes(contest) -> tuple[str, str]:
    """(leader, newcomer): the non-default group and the default one, from the spec."""
    default = contest.groups.get(is_default=True)
    other = contest.groups.exclude(pk=default.pk).get()
    return other.code, default.code


# --- R-P3 representatives -----------------------------------------------------------------


def test_api_sixth_representative_is_refused(lead_api, team, contest):
    limit = max_representatives(contest)
    for seq in range(2, limit + 1):
        r = lead_api.post(f"/teams/{team.pk}/representatives", rep_payload(seq))
        assert r.status_code == 201, r.content
    before = db_state()

    r = lead_api.post(f"/teams/{team.pk}/representatives", rep_payload(limit + 1))

    assert r.status_code == 422
    assert errors_for(r, "R-P3")[0]["field"] == "representatives"
    assert team.representatives.count() == limit
    assert db_state() == before


def test_api_team_of_six_representatives_is_refused(lead_api, organization, current_policies, contest):
    limit = max_representatives(contest)
    reps = [rep_payload(10 + i) for i in range(limit + 1)]
    before = db_state()

    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies, reps=reps))

    assert r.status_code == 422
    assert "R-P3" in rules_of(r)
    assert db_state() == before
    reps.pop()
    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies, reps=reps))
    assert r.status_code == 201, r.content
    assert len(r.json()["representatives"]) == limit


def test_api_naming_a_person_another_team_holds_answers_as_for_anyone(team, other_api, current_policies):
    """R-P3 and issue 11 §3: the answer for a person another team holds is the answer for a
    new person (201, pending their own confirmation), so the API is no oracle of who entered."""
    org = _register_org(other_api, 20)
    # rep_payload(1) is the same person as the fixture team's (confirmed) representative.
    r = other_api.post("/teams", team_payload(org["id"], policies=current_policies, name="另一队",
                                              reps=[rep_payload(1)]))
    assert r.status_code == 201, r.content
    other_team = r.json()["id"]
    [held] = r.json()["representatives"]
    fresh = other_api.post(f"/teams/{other_team}/representatives", rep_payload(2))
    assert fresh.status_code == 201
    again = other_api.post(f"/teams/{other_team}/representatives", rep_payload(1))
    assert again.status_code == 422  # the same person twice on one team is the team's own data
    assert held["status"] == fresh.json()["status"] == "pending"
    assert set(held) == set(fresh.json())
    assert team.representatives.get().status == "confirmed"


def test_api_last_representative_cannot_be_removed(lead_api, team):
    rep = team.representatives.get()
    before = db_state()

    r = lead_api.delete(f"/teams/{team.pk}/representatives/{rep.pk}")

    assert r.status_code == 422
    assert "R-P3" in rules_of(r)
    assert db_state() == before


def test_api_representative_can_be_removed_while_open(lead_api, team):
    r = lead_api.post(f"/teams/{team.pk}/representatives", rep_payload(2))
    assert r.status_code == 201
    r = lead_api.delete(f"/teams/{team.pk}/representatives/{r.json()['id']}")
    assert r.status_code == 204
    assert team.representatives.count() == 1


# --- R-T1 / R-G4: the registration deadline ------------------------------------------------


def _close_registration(contest) -> None:
    """Move the deadline into the past: the clock cannot be passed through HTTP."""
    item = ScheduleItem.objects.get(contest=contest, key=REGISTRATION_KEY)
    item.ends_at = timezone.now() - dt.timedelta(minutes=1)
    item.save(update_fields=["ends_at"])


def test_api_registration_after_deadline_is_refused(closed_contest, team_lead, lead_api, org_input,
                                                    anonymous):
    assert anonymous.get("/contest").json()["registration_open"] is False
    before = db_state()

    r = lead_api.post("/organizations", org_payload(30))

    assert r.status_code == 422
    assert errors_for(r, "R-T1")[0]["field"] == "__all__"
    assert db_state() == before

    # An organization registered while registration was open still cannot enter a team now.
    from ciic.entrants.services import register_organization

    deadline = ScheduleItem.objects.get(contest=closed_contest, key=REGISTRATION_KEY).ends_at
    org = register_organization(contest=closed_contest, actor=team_lead, data=org_input(31),
                                now=deadline - dt.timedelta(hours=1))
    policies = list(closed_contest.policies.filter(is_current=True))
    before = db_state()

    r = lead_api.post("/teams", team_payload(org.pk, policies=policies))

    assert r.status_code == 422
    assert "R-T1" in rules_of(r)
    assert db_state() == before


def test_api_station_change_after_deadline_is_refused(lead_api, organization, current_policies, contest):
    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies))
    assert r.status_code == 201, r.content
    team_id = r.json()["id"]
    wuxi = Station.objects.get(contest=contest, code="wuxi")
    wuxi_direction = wuxi.directions.get().code
    # Before the deadline the move is allowed: the refusal below is the deadline's doing.
    r = lead_api.patch(f"/teams/{team_id}", {"station": "wuxi", "direction": wuxi_direction})
    assert r.status_code == 200, r.content
    assert r.json()["station"]["code"] == "wuxi"

    _close_registration(contest)
    before = db_state()
    beijing_direction = Station.objects.get(contest=contest, code="beijing").directions.get().code
    r = lead_api.patch(f"/teams/{team_id}", {"station": "beijing", "direction": beijing_direction})

    assert r.status_code == 422
    assert "R-G4" in rules_of(r)
    assert db_state() == before
    assert Team.objects.get(pk=team_id).station.code == "wuxi"


def test_api_group_cannot_change_after_deadline(lead_api, contest):
    org = _register_org(lead_api, 32, kind="industrial", headcount=10, annual_revenue="0")
    _close_registration(contest)
    before = db_state()

    r = lead_api.put(f"/organizations/{org['id']}", org_payload(32, kind="industrial", headcount=5000))

    assert r.status_code == 422
    assert "R-G4" in rules_of(r)
    assert db_state() == before


def test_api_representatives_frozen_after_deadline(lead_api, team, contest):
    _close_registration(contest)
    before = db_state()

    r = lead_api.post(f"/teams/{team.pk}/representatives", rep_payload(2))

    assert r.status_code == 422
    assert "R-P3" in rules_of(r)
    assert db_state() == before


# --- R-G2 / R-G3: groups ------------------------------------------------------------------


def test_api_group_is_derived_not_chosen(lead_api, contest):
    leader, newcomer = _group_codes(contest)

    # A small software firm asking for the leaders' group does not get it.
    small = _register_org(lead_api, 40, headcount=10, annual_revenue="100", group=leader)
    assert small["group"]["code"] == newcomer
    # R-G2(b): an industrial enterprise with more than 1,000 staff leads ...
    big = _register_org(lead_api, 41, kind="industrial", headcount=1001, annual_revenue="0",
                        group=newcomer)
    assert big["group"]["code"] == leader
    assert "1,001" in big["group_reason"]
    # ... and with exactly 1,000 it does not: "more than" is strict.
    edge = _register_org(lead_api, 42, kind="industrial", headcount=1000, annual_revenue="0",
                         group=leader)
    assert edge["group"]["code"] == newcomer

    # Changing the facts re-derives the group; a `group` in the body is still ignored.
    r = lead_api.put(f"/organizations/{edge['id']}",
                     org_payload(42, kind="industrial", headcount=1001, annual_revenue="0",
                                 group=newcomer))
    assert r.status_code == 200, r.content
    assert r.json()["group"]["code"] == leader
    assert Organization.objects.get(pk=edge["id"]).group.code == leader


def test_api_group_preview_writes_nothing(lead_api, contest):
    leader, newcomer = _group_codes(contest)
    before = db_state()

    r = lead_api.post("/organizations/preview", org_payload(43, kind="industrial", headcount=1001,
                                                            annual_revenue="0", group=newcomer))
    assert r.status_code == 200
    assert r.json()["group"]["code"] == leader
    assert r.json()["errors"] == []
    r = lead_api.post("/organizations/preview", org_payload(44, kind="industrial", headcount=1000,
                                                            annual_revenue="0"))
    assert r.json()["group"]["code"] == newcomer
    assert "1,000" in r.json()["reason"]

    r = lead_api.post("/organizations/preview", org_payload(45, credit_code="123"))
    assert r.json()["group"] is None
    assert "R-P1" in rules_of(r)
    assert db_state() == before


def test_api_group_reason_follows_request_language(lead_api, contest):
    r = lead_api.post("/organizations/preview",
                      org_payload(46, kind="industrial", headcount=1001, annual_revenue="0"),
                      HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()["group"]["name"] == "Leaders"
    assert "Industrial enterprise" in r.json()["reason"]


def test_api_central_soe_subsidiary_is_leader(lead_api, other_api, contest):
    leader, _newcomer = _group_codes(contest)
    soe = contest.central_soes.get(name="国家电网有限公司")

    # A small subsidiary naming its (unregistered) central SOE parent by code and name.
    child = _register_org(lead_api, 50, headcount=10, annual_revenue="10",
                          parent_credit_code=org_payload(51)["credit_code"], parent_name=soe.name)
    assert child["group"]["code"] == leader
    assert soe.name in child["group_reason"]
    assert child["parent"]["name"] == soe.name
    assert child["parent"]["is_registered"] is False

    # A grandchild, through the registered child: the whole parent chain counts.
    grandchild = _register_org(other_api, 52, headcount=5, annual_revenue="1",
                               parent_credit_code=child["credit_code"])
    assert grandchild["group"]["code"] == leader

    # When the SOE registers itself, it is found by its chain too.
    soe_org = _register_org(other_api, 51, name=soe.name, kind="central_soe", headcount=1)
    assert soe_org["group"]["code"] == leader


# --- R-P1: the entrant ----------------------------------------------------------------------


def test_api_invalid_credit_code_is_refused(lead_api, contest):
    before = db_state()
    r = lead_api.post("/organizations", org_payload(60, credit_code="91110105000000060X"))
    assert r.status_code == 422
    assert errors_for(r, "R-P1")[0]["field"] == "credit_code"
    assert db_state() == before


def test_api_organization_registers_once(lead_api, other_api, contest):
    _register_org(lead_api, 61)
    before = db_state()
    r = other_api.post("/organizations", org_payload(61, name="冒名有限公司"))
    assert r.status_code == 422
    assert errors_for(r, "R-P1")[0]["field"] == "credit_code"
    assert db_state() == before


# --- R-P8 / R-D2 / R-P4: stations and directions -------------------------------------------


def test_api_team_at_station_of_own_local_organizing_unit_is_refused(lead_api, contest, current_policies):
    beijing = Station.objects.get(contest=contest, code="beijing")
    unit = beijing.local_units.first()
    # The entrant's parent is one of Beijing's local organizing units.
    org = _register_org(lead_api, 70, parent_credit_code=org_payload(71)["credit_code"],
                        parent_name=unit.name)
    before = db_state()

    r = lead_api.post("/teams", team_payload(org["id"], policies=current_policies, station="beijing"))

    assert r.status_code == 422
    assert errors_for(r, "R-P8")[0]["field"] == "station"
    assert db_state() == before
    # Another station is fine.
    r = lead_api.post("/teams", team_payload(org["id"], policies=current_policies, station="wuxi"))
    assert r.status_code == 201, r.content


def test_api_move_to_station_of_own_local_organizing_unit_is_refused(lead_api, contest, current_policies):
    unit = Station.objects.get(contest=contest, code="beijing").local_units.first()
    org = _register_org(lead_api, 72, parent_credit_code=org_payload(73)["credit_code"],
                        parent_name=unit.name)
    r = lead_api.post("/teams", team_payload(org["id"], policies=current_policies, station="wuxi"))
    assert r.status_code == 201
    before = db_state()
    beijing_direction = Station.objects.get(contest=contest, code="beijing").directions.get().code

    r = lead_api.patch(f"/teams/{r.json()['id']}", {"station": "beijing", "direction": beijing_direction})

    assert r.status_code == 422
    assert "R-P8" in rules_of(r)
    assert db_state() == before


def test_api_direction_must_match_station(lead_api, organization, current_policies, contest):
    wuxi_direction = Station.objects.get(contest=contest, code="wuxi").directions.get().code
    before = db_state()

    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies,
                                             station="beijing", direction=wuxi_direction))

    assert r.status_code == 422
    assert errors_for(r, "R-D2")[0]["field"] == "direction"
    assert db_state() == before


def test_api_direction_change_must_match_station(lead_api, team, contest):
    wuxi_direction = Station.objects.get(contest=contest, code="wuxi").directions.get().code
    before = db_state()
    r = lead_api.patch(f"/teams/{team.pk}", {"direction": wuxi_direction})
    assert r.status_code == 422
    assert "R-D2" in rules_of(r)
    assert db_state() == before


def test_api_unknown_station_is_refused(lead_api, organization, current_policies):
    before = db_state()
    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies,
                                             station="atlantis", direction="quality"))
    assert r.status_code == 422
    assert errors_for(r, "R-P4")[0]["field"] == "station"
    assert db_state() == before


# --- R-P7: team names ---------------------------------------------------------------------


def _uncivil_names(contest) -> list[str]:
    words = list(contest.uncivil_words.values_list("word", flat=True))
    cjk = next(w for w in words if not w.isascii())
    latin = next(w for w in words if w.isascii())
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in latin.upper())
    return [
        f"{cjk}队",
        f"创新 {' '.join(cjk)} 队",      # spaced out
        f"{'.'.join(cjk)}团队",           # dotted
        f"{fullwidth}战队",               # full-width letters
        f"Team {'-'.join(latin)}",        # hyphenated
    ]


@pytest.mark.parametrize("variant", range(5))
def test_api_uncivil_team_name_is_refused(variant, lead_api, organization, current_policies, contest):
    name = _uncivil_names(contest)[variant]
    before = db_state()

    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies, name=name))

    assert r.status_code == 422
    error = errors_for(r, "R-P7")[0]
    assert error["field"] == "name"
    assert db_state() == before


def test_api_uncivil_rename_is_refused(lead_api, team, contest):
    before = db_state()
    r = lead_api.patch(f"/teams/{team.pk}", {"name": _uncivil_names(contest)[1]})
    assert r.status_code == 422
    assert "R-P7" in rules_of(r)
    assert db_state() == before
    r = lead_api.patch(f"/teams/{team.pk}", {"name": "文明新名队"})
    assert r.status_code == 200
    assert r.json()["name"] == "文明新名队"


# --- R-P5: policies -----------------------------------------------------------------------


def test_api_policies_must_be_accepted(lead_api, organization, current_policies):
    before = db_state()
    r = lead_api.post("/teams", team_payload(organization.pk, policies=[]))
    assert r.status_code == 422
    assert len(errors_for(r, "R-P5")) == len(current_policies)
    assert db_state() == before

    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies[:1]))
    assert r.status_code == 422
    assert len(errors_for(r, "R-P5")) == 1
    assert db_state() == before

    r = lead_api.post("/teams", team_payload(organization.pk, policies=current_policies))
    assert r.status_code == 201, r.content
    accepted = {(a["kind"], a["version"]) for a in r.json()["acceptances"]}
    assert accepted == {(p.kind, p.version) for p in current_policies}
    assert r.json()["has_accepted_current_policies"] is True


def test_api_new_policy_version_is_accepted_and_recorded(lead_api, team, contest):
    old = contest.policies.get(is_current=True, kind="pledge")
    old.is_current = False
    old.save(update_fields=["is_current"])
    new = PolicyDocument.objects.create(contest=contest, kind="pledge", version="2023.2",
                                        title=old.title, text=old.text + "\n（修订）", is_current=True,
                                        published_at=timezone.now())
    assert lead_api.get(f"/teams/{team.pk}").json()["has_accepted_current_policies"] is False

    r = lead_api.post(f"/teams/{team.pk}/acceptances", {"policy_ids": [new.pk]})

    assert r.status_code == 200, r.content
    assert ("pledge", "2023.2") in {(a["kind"], a["version"]) for a in r.json()}
    acc = PolicyAcceptance.objects.get(team=team, policy=new)
    assert acc.accepted_at is not None
    assert lead_api.get(f"/teams/{team.pk}").json()["has_accepted_current_policies"] is True


def test_api_unknown_policy_is_refused(lead_api, team):
    before = db_state()
    r = lead_api.post(f"/teams/{team.pk}/acceptances", {"policy_ids": [999999]})
    assert r.status_code == 422
    assert "R-P5" in rules_of(r)
    assert db_state() == before


# --- checking without writing ---------------------------------------------------------------


def test_api_team_check_reports_every_refusal_and_writes_nothing(lead_api, organization, contest):
    wuxi_direction = Station.objects.get(contest=contest, code="wuxi").directions.get().code
    name = _uncivil_names(contest)[0]
    before = db_state()

    r = lead_api.post("/teams/check", team_payload(organization.pk, policies=[], name=name,
                                                   direction=wuxi_direction, reps=[]))

    assert r.status_code == 200
    assert r.json()["ok"] is False
    assert {"R-P7", "R-D2", "R-P5", "R-P3"} <= rules_of(r)
    assert db_state() == before


def test_api_team_check_passes_a_good_registration(lead_api, organization, current_policies):
    before = db_state()
    r = lead_api.post("/teams/check", team_payload(organization.pk, policies=current_policies))
    assert r.json() == {"ok": True, "errors": []}
    assert db_state() == before


def test_api_refusals_name_the_fields_the_request_used(lead_api, organization, current_policies):
    """R-P5: the payload says `accepted_policy_ids`, so the refusal does too (the service's
    own name for it is `accept_policies`), in a check and in a registration."""
    payload = team_payload(organization.pk, policies=[])
    r = lead_api.post("/teams", payload)
    assert r.status_code == 422 and errors_for(r, "R-P5")[0]["field"] == "accepted_policy_ids"
    check = lead_api.post("/teams/check", payload).json()
    assert not check["ok"] and {e["field"] for e in check["errors"] if e["rule"] == "R-P5"} == {"accepted_policy_ids"}


def test_api_a_raced_duplicate_names_the_person_and_the_name(team, other_api, current_policies, monkeypatch):
    """Two registrations at the same moment both pass the checks; the database's unique
    constraint decides, and the loser's refusal names the field (the name), never a 500.
    (Representatives no longer race: a pending row holds nobody; test_identity races the
    confirmations.)"""
    from ciic.entrants import services
    from ciic.entrants.models import Team

    checked = services._validate_team
    meanwhile = []

    def racing(**kwargs):  # the other registration commits between our checks and our writes
        result = checked(**kwargs)
        for commit in meanwhile:
            commit()
        return result

    monkeypatch.setattr(services, "_validate_team", racing)
    org = _register_org(other_api, 22)
    meanwhile[:] = [lambda: Team.objects.create(contest=team.contest, organization=team.organization, station=team.station,
                                                direction=team.direction, name="抢先队名", lead=team.lead)]
    r = other_api.post("/teams", team_payload(org["id"], policies=current_policies, name="抢先队名",
                                              reps=[rep_payload(32)]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name", r.content


def test_api_only_the_team_accepts_its_pledge_and_submits_its_version(team, project, as_bearer, contest):
    """R-P5, R-J4: accepting the pledge and submitting are the team's own acts. A superuser,
    whose account holds every permission, is refused both, and nothing is written."""
    from ciic.accounts.enums import Role
    from ciic.contests.models import PolicyDocument
    from ciic.testing.personas import make_user

    root = make_user("root@example.com", role=Role.SECRETARIAT, is_superuser=True, is_staff=True)
    api = as_bearer(root)
    old = PolicyDocument.objects.filter(contest=contest, is_current=True).first()
    policy = PolicyDocument.objects.create(contest=contest, kind=old.kind, version="2022.8", title=old.title,
                                           text=old.text, is_current=False)
    before = db_state()
    refused = api.post(f"/teams/{team.pk}/acceptances", {"policy_ids": [policy.pk]})
    assert refused.status_code == 403 and "R-P5" in refused.json()["errors"][0]["message"]
    assert api.post(f"/projects/{project.pk}/submissions").status_code == 403
    assert db_state() == before


# --- R-G2: revenue as declared, and central SOEs ---------------------------------------------


def test_api_revenue_with_more_decimals_than_kept_is_refused(lead_api, contest):
    """R-G2: "10000.004" was stored as 10000.00 and put in 新锐组. It is refused with 422 naming
    annual_revenue and R-G2, nothing written; as a JSON number too. 10000.01 is above the
    threshold for a software company (领军组), exactly 10000 is not (strict "more than")."""
    leader, newcomer = _group_codes(contest)
    before = db_state()
    for value in ("10000.004", 10000.004):
        r = lead_api.post("/organizations", org_payload(70, kind="software_it", headcount=10, annual_revenue=value))
        assert r.status_code == 422, r.content
        assert [e["field"] for e in errors_for(r, "R-G2")] == ["annual_revenue"]
    assert db_state() == before
    preview = lead_api.post("/organizations/preview", org_payload(70, annual_revenue="10000.004"))
    assert preview.json()["group"] is None and "R-G2" in rules_of(preview)
    above = _register_org(lead_api, 71, kind="software_it", headcount=10, annual_revenue=10000.01)
    assert above["group"]["code"] == leader and above["annual_revenue"] == "10000.01"
    at = _register_org(lead_api, 72, kind="software_it", headcount=10, annual_revenue="10000")
    assert at["group"]["code"] == newcomer


def test_api_self_declared_china_state_construction_is_leader(lead_api, contest):
    """R-G2(c): 中国建筑集团有限公司, declaring itself a central SOE, landed in 新锐组 with
    "不在中央企业名录中"; it is on SASAC's list, now loaded in full."""
    leader, _newcomer = _group_codes(contest)
    org = _register_org(lead_api, 73, name="中国建筑集团有限公司", kind="central_soe", headcount=10,
                        annual_revenue="10")
    assert org["group"]["code"] == leader
    assert org["group_status"] == "derived"
    assert "属于中央企业 中国建筑集团有限公司" in org["group_reason"]


def test_api_unknown_self_declared_central_soe_is_pending_until_the_secretariat_decides(
        lead_api, verified, secretariat, contest, current_policies):
    """R-G2(c): a self-declared central SOE no list holds is pending (no group), not 新锐组; its
    team registers meanwhile and shows the status; the secretariat confirms it on the
    organization's page, and the API then shows 领军组 with the secretariat's note."""
    from django.urls import reverse

    leader, _newcomer = _group_codes(contest)
    preview = lead_api.post("/organizations/preview", org_payload(74, name="某某央企集团有限公司", kind="central_soe"))
    assert preview.json()["group"] is None and preview.json()["group_status"] == "pending"
    org = _register_org(lead_api, 74, name="某某央企集团有限公司", kind="central_soe", headcount=10,
                        annual_revenue="10")
    assert org["group"] is None
    assert org["group_status"] == "pending"
    assert org["group_reason"].startswith("待核实：")
    team = lead_api.post("/teams", team_payload(org["id"], policies=current_policies, name="央企待核实队"))
    assert team.status_code == 201, team.content
    assert team.json()["organization"]["group_status"] == "pending"

    r = verified(secretariat).post(reverse("entrants:organization_verify", args=[org["id"]]),
                                   {"decision": "confirm", "reason": "经国资委确认为中央企业下属单位"})
    assert r.status_code == 302

    after = lead_api.get(f"/organizations/{org['id']}").json()
    assert after["group"]["code"] == leader
    assert after["group_status"] == "confirmed"
    assert after["group_verification_note"] == "经国资委确认为中央企业下属单位"
    assert after["group_verified_at"] is not None
    assert Organization.objects.get(pk=org["id"]).group_status == "confirmed"


def test_api_the_secretariat_verifies_a_central_soe_and_settles_identity_disputes(
        lead_api, other_api, as_bearer, secretariat, team, contest, current_policies, monkeypatch, sms_outbox):
    """R-G2(c) and R-P3 through the API, as a script would: only the secretariat decides, with
    a reason; a refusal names the field; the decision is the web page's decision."""
    import re

    from ciic.entrants import identity

    monkeypatch.setattr(identity.transaction, "on_commit", lambda func, *a, **k: func())
    office = as_bearer(secretariat)
    org = _register_org(lead_api, 75, name="某某央企集团有限公司", kind="central_soe", headcount=10,
                        annual_revenue="10")
    url = f"/organizations/{org['id']}/central-soe-verification"
    assert lead_api.post(url, {"decision": "confirm", "reason": "自己说了算"}).status_code == 403
    r = office.post(url, {"decision": "confirm", "reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    assert office.post(url, {"decision": "maybe", "reason": "x"}).status_code == 422
    r = office.post(url, {"decision": "reject", "reason": "不在国资委与财政部名录中"})
    assert r.status_code == 200 and r.json()["group_status"] == "rejected" and r.json()["group"] is not None

    # A person the fixture team holds is named by another team and confirms: a dispute.
    other_org = _register_org(other_api, 76)
    r = other_api.post("/teams", team_payload(other_org["id"], policies=current_policies, name="申诉队",
                                              reps=[rep_payload(1)]))
    assert r.status_code == 201, r.content
    claimant = r.json()["representatives"][0]
    text = [m.text for m in sms_outbox if m.to == rep_payload(1)["mobile"]][-1]
    token = re.search(r"/r/([A-Za-z0-9_-]+)/", text).group(1)
    assert identity.confirm(token=token, id_suffix=rep_payload(1)["id_number"][-6:]).status == "disputed"

    assert other_api.get("/identity-disputes").status_code == 403
    listed = office.get("/identity-disputes").json()
    assert listed["count"] == 1
    dispute = listed["items"][0]
    assert dispute["claimant"]["id"] == claimant["id"] and dispute["holder"]["team_id"] == team.pk
    assert rep_payload(1)["id_number"] not in json.dumps(listed)
    path = f"/identity-disputes/{dispute['id']}/resolution"
    assert other_api.post(path, {"decision": "uphold", "reason": "我说成立"}).status_code == 403
    r = office.post(path, {"decision": "uphold", "reason": "经核实申诉人为本人"})
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    assert other_api.get(f"/teams/{r.json()['claimant']['team_id']}").json()["representatives"][0]["status"] == "confirmed"
    assert office.post(path, {"decision": "reject", "reason": "再改"}).status_code == 422
    assert office.get("/identity-disputes", {"status": "all"}).json()["count"] == 1
    assert office.get("/identity-disputes", {"status": "bogus"}).status_code == 422
