"""A station's finalists (R-V2) and due diligence (R-P9): proposed within the quota from the last
local round's advancing projects, confirmed and frozen as a snapshot that never changes, a
failed due diligence replaced by the next in line only by a recorded decision."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from ciic.audit.models import AuditEntry
from ciic.contests.models import StationQuota
from ciic.contests.tests.helpers import spec_2023
from ciic.review.enums import FinalistStatus, RoundStatus
from ciic.review.finalists.services import (
    canonical_json,
    confirm_finalists,
    current_entries,
    next_in_line,
    propose_finalists,
    record_due_diligence,
    replace_finalist,
    verify_snapshot,
)
from ciic.review.models import FinalistEntry, FinalistList, ReviewRound
from ciic.review.results.services import compute_results, set_advancement_rule

from .test_results import group, make_entry, make_experts, rule_codes, scored_round

# R-P9: the 2023 spec's due-diligence checklist, as the contest loads it.
CHECKLIST = [(i["code"], i["name"]) for i in spec_2023()["due_diligence_checklist"]]

pytestmark = pytest.mark.django_db

ALL_OK = {code: {"ok": True, "note": "已核实"} for code, _name in CHECKLIST}


def set_quota(station, group_obj, n):
    StationQuota.objects.update_or_create(station=station, group=group_obj, defaults={"finalists": n})


@pytest.fixture
def local_result(contest, station, secretariat):
    """Beijing's closed last local round: newcomers scoring 90..50 (5), the top 4 advancing;
    leaders 70, 60 (both advancing)."""
    experts = make_experts(contest, 2)
    table = {make_entry(contest, station=station, name=f"新锐{t}"): [t, t] for t in (90, 80, 70, 60, 50)}
    table |= {make_entry(contest, station=station, group_code="leader", name=f"领军{t}"): [t, t] for t in (70, 60)}
    review_round = scored_round(contest, station, table, experts, code="offline_roadshow")
    direction = station.directions.first()
    set_advancement_rule(review_round=review_round, direction=direction, group=group(contest, "newcomer"),
                         count=4, actor=secretariat)
    set_advancement_rule(review_round=review_round, direction=direction, group=group(contest, "leader"),
                         count=2, actor=secretariat)
    compute_results(review_round=review_round, actor=secretariat)
    review_round.status = RoundStatus.CLOSED
    review_round.save()
    return {p.name: p for p in table}


def test_proposing_is_refused_until_the_quota_is_set(contest, station, local_result, station_officer):
    with pytest.raises(ValidationError) as exc:
        propose_finalists(station=station, group=group(contest, "newcomer"), projects=[local_result["新锐90"]],
                          actor=station_officer)
    assert "名额" in str(exc.value) and "R-V2" in rule_codes(exc)


def test_quota_is_enforced_per_group(contest, station, local_result, station_officer):
    newcomer, leader = group(contest, "newcomer"), group(contest, "leader")
    set_quota(station, newcomer, 2)
    set_quota(station, leader, 1)
    with pytest.raises(ValidationError) as exc:
        propose_finalists(station=station, group=newcomer, actor=station_officer,
                          projects=[local_result["新锐90"], local_result["新锐80"], local_result["新锐70"]])
    assert "超过名额" in str(exc.value)
    with pytest.raises(ValidationError):  # a leader project is not a newcomer finalist
        propose_finalists(station=station, group=newcomer, actor=station_officer, projects=[local_result["领军70"]])
    with pytest.raises(ValidationError):  # not advanced in the last round
        propose_finalists(station=station, group=newcomer, actor=station_officer, projects=[local_result["新锐50"]])
    lst = propose_finalists(station=station, group=newcomer, actor=station_officer,
                            projects=[local_result["新锐80"], local_result["新锐90"]])
    assert [e.project.name for e in lst.entries.order_by("position")] == ["新锐80", "新锐90"]
    assert propose_finalists(station=station, group=leader, actor=station_officer,
                             projects=[local_result["领军60"]]).entries.count() == 1


def test_a_confirmed_list_is_frozen(contest, station, local_result, station_officer, secretariat):
    newcomer = group(contest, "newcomer")
    set_quota(station, newcomer, 2)
    lst = propose_finalists(station=station, group=newcomer, actor=station_officer,
                            projects=[local_result["新锐90"], local_result["新锐80"]])
    lst = confirm_finalists(finalist_list=lst, actor=secretariat)
    assert lst.status == FinalistStatus.CONFIRMED and verify_snapshot(lst)
    frozen_bytes = canonical_json(lst.snapshot)
    assert [e["project"] for e in lst.snapshot["entries"]] == ["新锐90", "新锐80"]
    entry = AuditEntry.objects.get(action="review.finalists.confirm")
    assert entry.after["snapshot_sha256"] == lst.snapshot_sha256

    with pytest.raises(ValidationError):
        propose_finalists(station=station, group=newcomer, actor=station_officer, projects=[local_result["新锐70"]])
    with pytest.raises(ValidationError):
        confirm_finalists(finalist_list=lst, actor=secretariat)
    set_quota(station, newcomer, 4)  # a later quota change does not touch it either
    lst.refresh_from_db()
    assert canonical_json(lst.snapshot) == frozen_bytes and verify_snapshot(lst)
    assert [e.project.name for e in current_entries(lst)] == ["新锐90", "新锐80"]


def test_the_database_refuses_to_change_a_confirmed_list(contest, station, local_result, station_officer,
                                                         secretariat):
    """R-V2: whatever code runs, a confirmed list's row and entries cannot be updated (nor, on
    PostgreSQL, deleted): the database triggers of migration 0004 refuse."""
    newcomer = group(contest, "newcomer")
    set_quota(station, newcomer, 2)
    lst = propose_finalists(station=station, group=newcomer, actor=station_officer,
                            projects=[local_result["新锐90"], local_result["新锐80"]])
    entry = lst.entries.get(position=1)
    FinalistEntry.objects.filter(pk=entry.pk).update(position=1)  # a proposal may still change
    lst = confirm_finalists(finalist_list=lst, actor=secretariat)
    attempts = [
        lambda: FinalistList.objects.filter(pk=lst.pk).update(snapshot_sha256="0" * 64),
        lambda: FinalistList.objects.filter(pk=lst.pk).update(status=FinalistStatus.PROPOSED),
        lambda: FinalistEntry.objects.filter(pk=entry.pk).update(project=local_result["新锐70"]),
    ]
    if connection.vendor == "postgresql":
        attempts.append(lambda: FinalistEntry.objects.filter(pk=entry.pk).delete())
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
            attempt()
    lst.refresh_from_db()
    assert lst.status == FinalistStatus.CONFIRMED and verify_snapshot(lst)
    assert [e.project.name for e in current_entries(lst)] == ["新锐90", "新锐80"]


def test_due_diligence_fail_and_recorded_replacement(contest, station, local_result, station_officer, secretariat):
    newcomer = group(contest, "newcomer")
    set_quota(station, newcomer, 2)
    lst = confirm_finalists(finalist_list=propose_finalists(
        station=station, group=newcomer, actor=station_officer,
        projects=[local_result["新锐90"], local_result["新锐80"]]), actor=secretariat)
    snapshot_bytes = canonical_json(lst.snapshot)
    failed = local_result["新锐80"]

    with pytest.raises(ValidationError):  # passing needs every item checked
        record_due_diligence(project=failed, actor=secretariat, checks={}, findings="", passed=True)
    with pytest.raises(ValidationError):  # failing needs findings
        record_due_diligence(project=failed, actor=secretariat, checks={}, findings="", passed=False)
    with pytest.raises(ValidationError):  # not a finalist
        record_due_diligence(project=local_result["新锐70"], actor=secretariat, checks=ALL_OK, findings="",
                             passed=True)
    dd = record_due_diligence(project=failed, actor=secretariat, findings="财务审计报告系伪造",
                              checks={"finance": {"ok": False, "note": "审计报告不实"}}, passed=False)
    assert dd.passed is False and dd.decided_by == secretariat
    assert [i["code"] for i in dd.checklist] == [c for c, _ in CHECKLIST]
    with pytest.raises(ValidationError):  # a verdict is final
        record_due_diligence(project=failed, actor=secretariat, checks=ALL_OK, findings="", passed=True)

    offered = next_in_line(lst)
    assert offered.project == local_result["新锐70"]
    [failed_entry] = [e for e in current_entries(lst) if e.project == failed]
    with pytest.raises(ValidationError):  # only the next in line
        replace_finalist(entry=failed_entry, project=local_result["新锐60"], reason="递补", actor=secretariat)
    with pytest.raises(ValidationError):  # a recorded reason
        replace_finalist(entry=failed_entry, project=offered.project, reason="", actor=secretariat)
    amendment = replace_finalist(entry=failed_entry, project=offered.project, reason="按排名递补",
                                 actor=secretariat)
    assert amendment.replaces == failed_entry and amendment.position == failed_entry.position
    assert [e.project.name for e in current_entries(lst)] == ["新锐90", "新锐70"]
    lst.refresh_from_db()
    assert canonical_json(lst.snapshot) == snapshot_bytes and verify_snapshot(lst)
    audit = AuditEntry.objects.get(action="review.finalists.replace")
    assert audit.after["failed"] == failed.pk and audit.after["replacement"] == offered.project.pk
    with pytest.raises(ValidationError):  # replaced already
        replace_finalist(entry=failed_entry, project=local_result["新锐60"], reason="再次递补", actor=secretariat)
    assert FinalistEntry.objects.filter(finalist_list=lst).count() == 3


def test_passing_due_diligence(contest, station, local_result, station_officer, secretariat):
    newcomer = group(contest, "newcomer")
    set_quota(station, newcomer, 1)
    lst = confirm_finalists(finalist_list=propose_finalists(
        station=station, group=newcomer, actor=station_officer, projects=[local_result["新锐90"]]), actor=secretariat)
    dd = record_due_diligence(project=local_result["新锐90"], actor=secretariat, checks=ALL_OK, findings="",
                              passed=True)
    assert dd.passed is True
    [entry] = current_entries(lst)
    with pytest.raises(ValidationError):  # a finalist who passed is not replaced
        replace_finalist(entry=entry, project=local_result["新锐80"], reason="x", actor=secretariat)


def test_last_round_must_be_closed(contest, station, local_result, station_officer):
    set_quota(station, group(contest, "newcomer"), 2)
    ReviewRound.objects.update(status=RoundStatus.OPEN)
    with pytest.raises(ValidationError):
        propose_finalists(station=station, group=group(contest, "newcomer"), actor=station_officer,
                          projects=[local_result["新锐90"]])


def test_next_in_line_stays_in_the_failed_finalists_group(contest, station, local_result, station_officer,
                                                          secretariat):
    """R-V2, R-P9: 新锐组 and 领军组 advance separately, so a newcomer's freed place goes to the
    next newcomer (here one the round did not advance), never to a leader with a higher score."""
    newcomer = group(contest, "newcomer")
    set_quota(station, newcomer, 4)
    lst = confirm_finalists(finalist_list=propose_finalists(
        station=station, group=newcomer, actor=station_officer,
        projects=[local_result[n] for n in ("新锐90", "新锐80", "新锐70", "新锐60")]), actor=secretariat)
    record_due_diligence(project=local_result["新锐60"], actor=secretariat, findings="资质证明不实",
                         checks={"qualification": {"ok": False, "note": ""}}, passed=False)
    assert next_in_line(lst).project == local_result["新锐50"]
    [failed_entry] = [e for e in current_entries(lst) if e.project == local_result["新锐60"]]
    with pytest.raises(ValidationError) as exc:
        replace_finalist(entry=failed_entry, project=local_result["领军70"], reason="分数更高", actor=secretariat)
    assert "project" in exc.value.message_dict
    replace_finalist(entry=failed_entry, project=local_result["新锐50"], reason="按排名递补", actor=secretariat)
    assert len(current_entries(lst)) == 4  # the quota holds after the replacement


@pytest.mark.parametrize("checks", [{"finance": "ok"}, {"finance": {"ok": "yes"}}, {"finance": {"ok": 1}}])
def test_a_malformed_check_is_refused_naming_the_field(contest, station, local_result, station_officer,
                                                       secretariat, checks):
    """R-P9: a check must be an object whose verdict is true, false or null; anything else is
    refused on `checks` (it used to crash, or be stored as an unchecked or a truthy item)."""
    newcomer = group(contest, "newcomer")
    set_quota(station, newcomer, 1)
    confirm_finalists(finalist_list=propose_finalists(
        station=station, group=newcomer, actor=station_officer, projects=[local_result["新锐90"]]), actor=secretariat)
    with pytest.raises(ValidationError) as exc:
        record_due_diligence(project=local_result["新锐90"], actor=secretariat, checks=checks, findings="",
                             passed=None)
    assert "财务数据" in " ".join(exc.value.message_dict["checks"])
    assert not AuditEntry.objects.filter(action="review.due_diligence.record").exists()


def test_a_list_is_not_confirmed_while_the_last_local_round_is_open(contest, station, local_result,
                                                                    station_officer, secretariat):
    """R-V1, R-V2: one rule for both steps. A list proposed from a closed round cannot be
    confirmed once the station's last local round is open again (the officer could not propose
    in that state either)."""
    newcomer = group(contest, "newcomer")
    set_quota(station, newcomer, 2)
    lst = propose_finalists(station=station, group=newcomer, actor=station_officer, projects=[local_result["新锐90"]])
    ReviewRound.objects.filter(station=station).update(status=RoundStatus.OPEN)
    with pytest.raises(ValidationError) as exc:
        confirm_finalists(finalist_list=lst, actor=secretariat)
    assert "最后一轮评审尚未结束" in str(exc.value) and "R-V2" in rule_codes(exc)
    lst.refresh_from_db()
    assert lst.status == FinalistStatus.PROPOSED and not AuditEntry.objects.filter(action="review.finalists.confirm").exists()
    with pytest.raises(ValidationError):
        propose_finalists(station=station, group=newcomer, actor=station_officer, projects=[local_result["新锐80"]])
