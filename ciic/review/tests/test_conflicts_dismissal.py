"""Staff dismiss a possible (name-only) match they checked as a namesake (R-P8): a team that named
"张伟" by name only conflicts every 张伟 in the pool; staff who checked one of them record that
this one is not the person the team meant, with a reason, audited. Only that expert's possible
match with that project is gone (batch and pairwise agree); definite conflicts are never
dismissed; withdrawing the dismissal restores the conflict."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.review.conflicts import (
    conflicts_between,
    conflicts_for,
    declare_avoidance,
    dismiss_possible_conflict,
    is_conflicted,
    record_conflict,
    restore_possible_conflict,
)
from ciic.review.enums import AvoidanceKind, ConflictSource
from ciic.review.models import ConflictDeclaration, ConflictDismissal
from ciic.testing.personas import make_user, verified_client

from .test_conflicts import family, make_expert, make_org, make_project  # noqa: F401  (fixture used by name)

pytestmark = pytest.mark.django_db

REASON = "已电话核实：团队所指的是另一位张伟"


@pytest.fixture
def entrant_project(contest, family):  # noqa: F811
    return make_project(contest, family["entrant"], 1)


@pytest.fixture
def beijing(contest):
    return contest.stations.get(code="beijing")


@pytest.fixture
def namesakes(contest, entrant_project, beijing):
    """Two 张伟 in the pool (both of the Beijing station) and a team that named "张伟" only."""
    at_tsinghua = make_expert(contest, "张伟", "清华大学", station=beijing)
    at_beihang = make_expert(contest, "张伟", "北京航空航天大学", station=beijing)
    avoidance = declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="张伟",
                                  reason="曾有合作纠纷", actor=entrant_project.team.lead)
    return avoidance, at_tsinghua, at_beihang


def _pairs(experts, projects) -> set[tuple[int, int]]:
    return set(conflicts_for(expert_ids=[e.pk for e in experts], project_ids=[p.pk for p in projects]))


def _codes(caught) -> dict[str, list[str]]:
    return {field: [e.code for e in errs] for field, errs in caught.value.error_dict.items()}


def test_dismissing_one_namesake_clears_only_that_experts_possible_conflict(contest, entrant_project, namesakes,
                                                                           secretariat):
    """R-P8: the dismissed 张伟 no longer conflicts with this project (pairwise and batch agree);
    the other 张伟 still does, and so does the dismissed one with another project that named him."""
    avoidance, at_tsinghua, at_beihang = namesakes
    other_project = make_project(contest, make_org(contest, 20, "另一参赛单位"), 2)
    declare_avoidance(project=other_project, kind=AvoidanceKind.PERSON, name="张伟", reason="竞争关系",
                      actor=other_project.team.lead)
    experts, projects = [at_tsinghua, at_beihang], [entrant_project, other_project]
    assert _pairs(experts, projects) == {(e.pk, p.pk) for e in experts for p in projects}

    item = dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason=f"  {REASON} ",
                                     actor=secretariat)
    assert item.reason == REASON and item.dismissed_by == secretariat

    assert conflicts_between(at_tsinghua, entrant_project) == []
    assert not is_conflicted(at_tsinghua, entrant_project)
    assert is_conflicted(at_beihang, entrant_project)
    assert conflicts_between(at_beihang, entrant_project)[0].possible
    assert is_conflicted(at_tsinghua, other_project)
    expected = {(at_beihang.pk, entrant_project.pk), (at_tsinghua.pk, other_project.pk),
                (at_beihang.pk, other_project.pk)}
    assert _pairs(experts, projects) == expected
    pairwise = {(e.pk, p.pk) for e in experts for p in projects if conflicts_between(e, p)}
    assert pairwise == expected


def test_the_batch_check_loads_dismissals_in_one_query(contest, secretariat, django_assert_max_num_queries):
    """R-P8: however many namesakes and projects, dismissals cost one query for the batch."""
    projects = [make_project(contest, make_org(contest, 100 + i, f"批量单位{i}"), 100 + i) for i in range(6)]
    experts = [make_expert(contest, "王芳", f"单位{i}") for i in range(8)]
    avoidances = [declare_avoidance(project=p, kind=AvoidanceKind.PERSON, name="王芳", reason="亲属",
                                    actor=p.team.lead) for p in projects]
    for a in avoidances[:3]:
        dismiss_possible_conflict(avoidance=a, expert=experts[0], reason="核实非同一人", actor=secretariat)
    with django_assert_max_num_queries(6):
        found = conflicts_for(expert_ids=[e.pk for e in experts], project_ids=[p.pk for p in projects])
    assert len(found) == 6 * 8 - 3


def test_a_reason_is_required_and_nothing_is_written_without_one(namesakes, secretariat):
    """R-P8: dismissing a possible conflict needs the reason staff found it a namesake."""
    avoidance, at_tsinghua, _at_beihang = namesakes
    with pytest.raises(ValidationError) as caught:
        dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason="  ", actor=secretariat)
    assert _codes(caught) == {"reason": ["R-P8"]}
    assert not ConflictDismissal.objects.exists()
    assert not AuditEntry.objects.filter(action="conflict.dismiss_possible").exists()
    assert is_conflicted(at_tsinghua, avoidance.project)


@pytest.mark.parametrize("named", ["张伟（清华大学）", "张伟/清华"])
def test_a_match_with_employer_cannot_be_dismissed(contest, entrant_project, secretariat, named):
    """R-P8: a team that named the person with their employer meant that person: not a namesake."""
    expert = make_expert(contest, "张伟", "清华大学")
    avoidance = declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name=named, reason="导师",
                                  actor=entrant_project.team.lead)
    with pytest.raises(ValidationError) as caught:
        dismiss_possible_conflict(avoidance=avoidance, expert=expert, reason=REASON, actor=secretariat)
    assert _codes(caught) == {"avoidance": ["R-P8"]}
    assert not ConflictDismissal.objects.exists()
    assert is_conflicted(expert, entrant_project)


def test_an_avoided_organization_cannot_be_dismissed(contest, entrant_project, secretariat):
    """R-P8: an organization the team avoids is a definite match for each of its experts."""
    expert = make_expert(contest, "李雷", "竞争对手股份有限公司")
    avoidance = declare_avoidance(project=entrant_project, kind=AvoidanceKind.ORGANIZATION,
                                  name="竞争对手股份有限公司", reason="竞争对手", actor=entrant_project.team.lead)
    with pytest.raises(ValidationError) as caught:
        dismiss_possible_conflict(avoidance=avoidance, expert=expert, reason=REASON, actor=secretariat)
    assert _codes(caught) == {"avoidance": ["R-P8"]}
    assert is_conflicted(expert, entrant_project)


def test_an_expert_the_avoidance_does_not_name_is_refused(contest, namesakes, secretariat):
    """R-P8: only an expert the bare name matched (a possible conflict) can be dismissed."""
    avoidance, _t, _b = namesakes
    other = make_expert(contest, "李娜", "清华大学")
    with pytest.raises(ValidationError) as caught:
        dismiss_possible_conflict(avoidance=avoidance, expert=other, reason=REASON, actor=secretariat)
    assert _codes(caught) == {"expert": ["R-P8"]}
    assert not ConflictDismissal.objects.exists()


@pytest.mark.parametrize("definite", ["employer", "family", "expert", "staff"])
def test_a_pair_with_a_definite_conflict_cannot_be_dismissed(contest, entrant_project, secretariat, definite):
    """R-P8: a namesake who also conflicts for sure (employer is the entrant or in its corporate
    family, or a conflict declared by the expert or recorded by staff) is refused: the possible
    match is not dismissed and every conflict stays."""
    employer = {"employer": "华夏智能科技有限公司", "family": "华夏工业集团有限公司"}.get(definite, "无关大学")
    expert = make_expert(contest, "张伟", employer)
    if definite in ("expert", "staff"):
        ConflictDeclaration.objects.create(expert=expert, project=entrant_project, source=definite,
                                           reason="师生关系", declared_by=secretariat)
    avoidance = declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="张伟",
                                  reason="曾有合作纠纷", actor=entrant_project.team.lead)
    before = conflicts_between(expert, entrant_project)
    assert len(before) == 2 and [c.possible for c in before] == [False, True]
    with pytest.raises(ValidationError) as caught:
        dismiss_possible_conflict(avoidance=avoidance, expert=expert, reason=REASON, actor=secretariat)
    assert _codes(caught) == {"expert": ["R-P8"]}
    assert not ConflictDismissal.objects.exists()
    assert conflicts_between(expert, entrant_project) == before


def test_the_same_match_is_dismissed_once(namesakes, secretariat):
    """R-P8: a second dismissal of the same match is refused (field and rule), not duplicated."""
    avoidance, at_tsinghua, _b = namesakes
    dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason=REASON, actor=secretariat)
    with pytest.raises(ValidationError) as caught:
        dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason=REASON, actor=secretariat)
    assert _codes(caught) == {"expert": ["R-P8"]}
    assert ConflictDismissal.objects.count() == 1


def test_restoring_brings_the_conflict_back_and_both_are_audited(namesakes, secretariat):
    """R-P8: withdrawing a dismissal makes the possible match a conflict again; the dismissal and
    its withdrawal are both in the audit trail, with who, what and why."""
    avoidance, at_tsinghua, _b = namesakes
    project = avoidance.project
    item = dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason=REASON, actor=secretariat)
    entry = AuditEntry.objects.get(action="conflict.dismiss_possible")
    assert entry.actor == secretariat and entry.object_id == str(item.pk)
    assert entry.after == {"avoidance": avoidance.pk, "name": "张伟", "expert": at_tsinghua.pk,
                           "project": project.pk, "reason": REASON}
    assert not is_conflicted(at_tsinghua, project)

    pk = item.pk
    restore_possible_conflict(dismissal=item, actor=secretariat)
    assert not ConflictDismissal.objects.exists()
    found = conflicts_between(at_tsinghua, project)
    assert len(found) == 1 and found[0].possible and found[0].source == ConflictSource.TEAM
    entry = AuditEntry.objects.get(action="conflict.restore_possible")
    assert entry.actor == secretariat and entry.object_id == str(pk)
    assert entry.before["reason"] == REASON and entry.before["expert"] == at_tsinghua.pk


def test_only_staff_of_the_projects_station_may_dismiss(contest, namesakes, station_officer, secretariat):
    """R-P8: the secretariat, or the officer of the project's station for their station's experts;
    not another station's officer nor a team lead."""
    avoidance, at_tsinghua, at_beihang = namesakes
    shanghai = contest.stations.exclude(code="beijing").first()
    elsewhere_officer = make_user("shanghai@example.com", role=Role.STATION_OFFICER, station=shanghai)
    for user in (elsewhere_officer, avoidance.project.team.lead):
        with pytest.raises(PermissionDenied):
            dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason=REASON, actor=user)
    # The project's officer, for an expert of another station's pool (not theirs to see).
    pooled_elsewhere = make_expert(contest, "张伟", "上海交通大学", station=shanghai)
    with pytest.raises(PermissionDenied):
        dismiss_possible_conflict(avoidance=avoidance, expert=pooled_elsewhere, reason=REASON,
                                  actor=station_officer)
    assert not ConflictDismissal.objects.exists()
    item = dismiss_possible_conflict(avoidance=avoidance, expert=at_beihang, reason=REASON, actor=station_officer)
    with pytest.raises(PermissionDenied):
        restore_possible_conflict(dismissal=item, actor=elsewhere_officer)
    assert ConflictDismissal.objects.filter(pk=item.pk).exists()


def test_staff_records_still_work_for_a_dismissed_namesake(namesakes, secretariat):
    """R-P8: a dismissal covers only the name match: a conflict staff record later still counts."""
    avoidance, at_tsinghua, _b = namesakes
    dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason=REASON, actor=secretariat)
    record_conflict(expert=at_tsinghua, project=avoidance.project, reason="另有合作", actor=secretariat)
    assert [c.source for c in conflicts_between(at_tsinghua, avoidance.project)] == [ConflictSource.STAFF]


# --- the staff's conflicts page ---------------------------------------------------------


def test_the_page_offers_the_form_next_to_a_possible_match_only(contest, namesakes, secretariat):
    """R-P8: each "可能同名" match has a form to dismiss it; a definite match has none."""
    avoidance, at_tsinghua, at_beihang = namesakes
    make_expert(contest, "赵敏", "华夏工业集团有限公司")  # a definite (corporate family) conflict
    html = verified_client(secretariat).get(reverse("review:conflict_list")).content.decode()
    assert html.count("确认不是同一人") == 2
    assert html.count(f'name="avoidance" value="{avoidance.pk}"') == 2
    assert f'name="expert" value="{at_tsinghua.pk}"' in html and f'name="expert" value="{at_beihang.pk}"' in html
    assert "已排除的同名匹配" not in html


def test_dismissing_and_restoring_through_the_page(namesakes, secretariat):
    """R-P8: the form dismisses the match, the page lists it (who, when, reason) with a button to
    restore it, and restoring brings the conflict back."""
    avoidance, at_tsinghua, _at_beihang = namesakes
    client = verified_client(secretariat)
    r = client.post(reverse("review:conflict_dismiss"),
                    {"avoidance": avoidance.pk, "expert": at_tsinghua.pk, "reason": REASON})
    assert r.status_code == 302
    item = ConflictDismissal.objects.get()
    assert item.expert == at_tsinghua
    html = client.get(reverse("review:conflict_list")).content.decode()
    assert "已排除的同名匹配" in html and REASON in html and "秘书处" in html
    assert html.count("确认不是同一人") == 1  # only the other 张伟 is still a possible match
    assert reverse("review:conflict_restore", args=[item.pk]) in html
    r = client.post(reverse("review:conflict_restore", args=[item.pk]))
    assert r.status_code == 302
    assert is_conflicted(at_tsinghua, avoidance.project)
    html = client.get(reverse("review:conflict_list")).content.decode()
    assert html.count("确认不是同一人") == 2 and "已排除的同名匹配" not in html


def test_the_page_shows_a_refusal_with_field_rule(contest, entrant_project, secretariat):
    """R-P8: an empty reason is refused on the page (422), nothing written."""
    expert = make_expert(contest, "张伟", "清华大学")
    avoidance = declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="张伟", reason="纠纷",
                                  actor=entrant_project.team.lead)
    r = verified_client(secretariat).post(reverse("review:conflict_dismiss"),
                                          {"avoidance": avoidance.pk, "expert": expert.pk, "reason": ""})
    assert r.status_code == 422
    html = r.content.decode()
    assert "请填写理由" in html and "R-P8" in html
    assert not ConflictDismissal.objects.exists()


def test_another_stations_officer_gets_404(contest, namesakes, secretariat):
    """R-P8: an officer of another station may not see the project or the expert: 404, both ways."""
    avoidance, at_tsinghua, _b = namesakes
    shanghai = contest.stations.exclude(code="beijing").first()
    officer = make_user("shanghai-page@example.com", role=Role.STATION_OFFICER, station=shanghai)
    client = verified_client(officer)
    r = client.post(reverse("review:conflict_dismiss"),
                    {"avoidance": avoidance.pk, "expert": at_tsinghua.pk, "reason": REASON})
    assert r.status_code == 404
    assert not ConflictDismissal.objects.exists()
    item = dismiss_possible_conflict(avoidance=avoidance, expert=at_tsinghua, reason=REASON, actor=secretariat)
    assert client.post(reverse("review:conflict_restore", args=[item.pk])).status_code == 404
    assert ConflictDismissal.objects.filter(pk=item.pk).exists()
    assert REASON not in client.get(reverse("review:conflict_list")).content.decode()


def test_the_projects_station_officer_dismisses_through_the_page(namesakes, station_officer):
    """R-P8: the officer of the project's station sees the form and may dismiss."""
    avoidance, at_tsinghua, _b = namesakes
    client = verified_client(station_officer)
    assert "确认不是同一人" in client.get(reverse("review:conflict_list")).content.decode()
    r = client.post(reverse("review:conflict_dismiss"),
                    {"avoidance": avoidance.pk, "expert": at_tsinghua.pk, "reason": REASON})
    assert r.status_code == 302
    assert ConflictDismissal.objects.get().dismissed_by == station_officer
