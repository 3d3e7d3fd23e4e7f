"""Conflicts of interest (R-P8, issue 4): detected from the expert's employer and the entrant's
corporate family, declared by the expert, the team or staff, or found by a contest rule; every
conflict carries its reason, and the batch check agrees with the pairwise one."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.demo.identifiers import make_credit_code
from ciic.entrants.eligibility import family_ids
from ciic.entrants.models import Organization, Team
from ciic.projects.models import Project
from ciic.review import conflicts
from ciic.review.conflicts import (
    Conflict,
    _Graph,
    conflict_reasons,
    conflicts_between,
    conflicts_for,
    declare_avoidance,
    declare_conflict,
    is_conflicted,
    normalize_name,
    record_conflict,
)
from ciic.review.enums import AvoidanceKind, ConflictSource, ExpertKind
from ciic.review.models import ConflictDeclaration, Expert
from ciic.testing.personas import make_user

pytestmark = pytest.mark.django_db


def make_org(contest, seq: int, name: str, *, parent=None, code: str | None = None) -> Organization:
    return Organization.objects.create(contest=contest, name=name, kind="software_it",
                                       credit_code=make_credit_code(5000 + seq) if code is None else code,
                                       parent=parent)


def make_project(contest, org: Organization, seq: int, *, station=None, lead=None) -> Project:
    """A team and its active project for `org` (written directly: conflicts read only these rows)."""
    station = station or contest.stations.get(code="beijing")
    lead = lead or make_user(f"conflict-lead{seq}@example.com")
    team = Team.objects.create(contest=contest, organization=org, station=station,
                               direction=station.directions.first(), name=f"冲突测试队{seq}", lead=lead)
    return Project.objects.create(contest=contest, team=team, name=f"冲突测试项目{seq}")


def make_expert(contest, name: str, employer: str, *, code: str = "", station=None, email: str = "") -> Expert:
    return Expert.objects.create(contest=contest, name=name, employer=employer, employer_credit_code=code,
                                 kind=ExpertKind.ENTERPRISE, station=station, email=email)


@pytest.fixture
def family(contest):
    """集团 (parent) → 科技 (the entrant) → 北京分公司 (its branch); 集团 → 物流 (a sibling)."""
    group = make_org(contest, 1, "华夏工业集团有限公司")
    entrant = make_org(contest, 2, "华夏智能科技有限公司", parent=group)
    branch = make_org(contest, 3, "华夏智能科技有限公司北京分公司", parent=entrant)
    sibling = make_org(contest, 4, "华夏物流有限公司", parent=group)
    holding = make_org(contest, 5, "华夏控股有限公司")
    group.parent = holding
    group.save()
    return {"holding": holding, "group": group, "entrant": entrant, "branch": branch, "sibling": sibling}


@pytest.fixture
def entrant_project(contest, family):
    return make_project(contest, family["entrant"], 1)


def _only(expert, project) -> Conflict:
    found = conflicts_between(expert, project)
    assert len(found) == 1, found
    return found[0]


def test_expert_at_the_entrant_by_credit_code_conflicts_even_under_another_name(contest, family, entrant_project):
    expert = make_expert(contest, "赵一", "华夏智能（简称）", code=family["entrant"].credit_code)
    found = _only(expert, entrant_project)
    assert found.source == ConflictSource.EMPLOYER
    assert found.reason == "专家任职单位“华夏智能（简称）”即参赛单位“华夏智能科技有限公司”"


def test_expert_at_the_entrant_by_normalized_name_conflicts(contest, entrant_project):
    expert = make_expert(contest, "钱二", " 华夏智能科技 有限公司 ")
    assert _only(expert, entrant_project).source == ConflictSource.EMPLOYER
    assert normalize_name("（ＡＢＣ）公司") == normalize_name("(abc)公司")


def test_different_credit_codes_are_different_organizations_whatever_the_name(contest, entrant_project):
    expert = make_expert(contest, "孙三", "华夏智能科技有限公司", code=make_credit_code(9999))
    assert conflicts_between(expert, entrant_project) == []


def test_expert_at_the_parent_company_conflicts_with_reason(contest, family, entrant_project):
    expert = make_expert(contest, "李四", "华夏工业集团有限公司")
    found = _only(expert, entrant_project)
    assert found.source == ConflictSource.FAMILY
    assert found.reason == "专家任职单位“华夏工业集团有限公司”是参赛单位“华夏智能科技有限公司”的母公司"


def test_expert_at_the_holding_company_two_levels_up_conflicts(contest, family, entrant_project):
    expert = make_expert(contest, "周五", "某简称", code=family["holding"].credit_code)
    found = _only(expert, entrant_project)
    assert found.source == ConflictSource.FAMILY
    assert "上级单位（向上第 2 级" in found.reason and "“华夏控股有限公司”" in found.reason


def test_expert_at_a_branch_or_subsidiary_conflicts(contest, family, entrant_project):
    expert = make_expert(contest, "吴六", "华夏智能科技有限公司北京分公司")
    found = _only(expert, entrant_project)
    assert found.source == ConflictSource.FAMILY
    assert found.reason.endswith("的子公司或分公司")


def test_a_sibling_under_the_same_parent_is_not_family(contest, family, entrant_project):
    """R-P8 names 分公司、子公司、控股公司、母公司; `family_ids` returns ancestors and descendants,
    not the parent's other subsidiaries. A contest that wants siblings adds a rule."""
    assert family["sibling"].pk not in family_ids(family["entrant"])
    expert = make_expert(contest, "郑七", "华夏物流有限公司")
    assert conflicts_between(expert, entrant_project) == []


def test_unrelated_employer_has_no_conflict(contest, entrant_project):
    expert = make_expert(contest, "王八", "中国科学院自动化研究所")
    assert conflicts_between(expert, entrant_project) == []
    assert not is_conflicted(expert, entrant_project)
    assert not is_conflicted(None, entrant_project)


def test_in_memory_family_equals_family_ids(contest, family):
    graph = _Graph.for_contest(contest.pk)
    for org in family.values():
        assert {member.id for member, _level in graph.family(org.pk)} == family_ids(org)


def test_expert_declares_a_conflict(contest, entrant_project):
    user = make_user("decl@example.com", role=Role.EXPERT)
    expert = make_expert(contest, "冯九", "无关大学")
    Expert.objects.filter(pk=expert.pk).update(user=user)
    expert.refresh_from_db()
    declare_conflict(expert=expert, project=entrant_project, reason="曾担任该单位顾问", actor=user)
    found = _only(expert, entrant_project)
    assert found.source == ConflictSource.EXPERT and found.reason == "专家申报：曾担任该单位顾问"
    assert AuditEntry.objects.filter(action="conflict.declare.expert").exists()
    with pytest.raises(ValidationError) as caught:
        declare_conflict(expert=expert, project=entrant_project, reason="again", actor=user)
    assert caught.value.error_dict["project"][0].code == "R-P8"


def test_only_the_expert_declares_as_the_expert(contest, entrant_project, secretariat):
    expert = make_expert(contest, "陈十", "无关大学")
    with pytest.raises(PermissionDenied):
        declare_conflict(expert=expert, project=entrant_project, reason="x", actor=secretariat)


def test_staff_record_a_conflict_with_reason(contest, entrant_project, secretariat):
    expert = make_expert(contest, "褚一", "无关大学")
    with pytest.raises(ValidationError) as caught:
        record_conflict(expert=expert, project=entrant_project, reason=" ", actor=secretariat)
    assert caught.value.error_dict["reason"][0].code == "R-P8"
    record_conflict(expert=expert, project=entrant_project, reason="与团队负责人为师生关系", actor=secretariat)
    found = _only(expert, entrant_project)
    assert found.source == ConflictSource.STAFF and found.reason == "工作人员认定：与团队负责人为师生关系"


def test_station_officer_records_only_for_their_station(contest, family, station_officer):
    shanghai = contest.stations.exclude(code="beijing").first()
    elsewhere = make_project(contest, family["sibling"], 2, station=shanghai)
    expert = make_expert(contest, "卫二", "无关大学", station=station_officer.station)
    with pytest.raises(PermissionDenied):
        record_conflict(expert=expert, project=elsewhere, reason="x", actor=station_officer)


def test_team_declares_an_organization_and_a_person_to_avoid(contest, entrant_project, other_lead):
    lead = entrant_project.team.lead
    at_rival = make_expert(contest, "蒋三", "竞争对手 股份有限公司")
    named = make_expert(contest, "沈四", "无关大学")
    bystander = make_expert(contest, "韩五", "另一所大学")
    with pytest.raises(PermissionDenied):
        declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="沈四", reason="x",
                          actor=other_lead)
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.ORGANIZATION, name="竞争对手股份有限公司",
                      reason="直接竞争对手", actor=lead)
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="沈 四", reason="曾有合作纠纷",
                      actor=lead)
    assert _only(at_rival, entrant_project) == Conflict(
        ConflictSource.TEAM, "团队申报回避专家任职单位“竞争对手股份有限公司”：直接竞争对手")
    by_name = _only(named, entrant_project)
    assert by_name.reason == "团队申报回避专家“沈 四”：曾有合作纠纷（仅按姓名匹配，可能是同名的另一位专家，请核实）"
    assert by_name.possible
    assert conflicts_between(bystander, entrant_project) == []
    # An expert added to the pool later is caught too.
    later = make_expert(contest, "杨六", "竞争对手股份有限公司")
    assert is_conflicted(later, entrant_project)


def test_avoiding_an_organization_avoids_the_experts_of_its_units(contest, entrant_project):
    """R-P8: a team that avoids "清华大学" avoids the expert at "清华大学自动化系", and the batch
    check agrees with the pairwise one; a short name ("清华") and the reverse containment (an
    expert at "中国" would contain nothing) stay exact."""
    lead = entrant_project.team.lead
    unit = make_expert(contest, "许八", "清华大学 自动化系")
    other = make_expert(contest, "何九", "北京大学")
    short = make_expert(contest, "吕十", "中国")
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.ORGANIZATION, name="清华大学",
                      reason="团队成员的导师所在单位", actor=lead)
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.ORGANIZATION, name="北大",
                      reason="合作单位", actor=lead)
    assert is_conflicted(unit, entrant_project)
    assert not is_conflicted(other, entrant_project)  # "北大" is too short to match by containment
    assert not is_conflicted(short, entrant_project)
    batch = conflicts_for(expert_ids=[unit.pk, other.pk, short.pk], project_ids=[entrant_project.pk])
    assert set(batch) == {(unit.pk, entrant_project.pk)}


def test_team_avoidance_needs_kind_name_and_reason(entrant_project):
    with pytest.raises(ValidationError) as caught:
        declare_avoidance(project=entrant_project, kind="x", name="", reason="", actor=entrant_project.team.lead)
    assert set(caught.value.error_dict) == {"kind", "name", "reason"}


def test_team_avoidance_naming_with_hidden_characters_is_refused(entrant_project):
    """R-P8: a name with a zero-width space would look right to staff yet match no expert."""
    with pytest.raises(ValidationError) as caught:
        declare_avoidance(project=entrant_project, kind=AvoidanceKind.ORGANIZATION, name="竞争\u200b对手公司",
                          reason="直接竞争对手", actor=entrant_project.team.lead)
    assert {f: [e.code for e in errs] for f, errs in caught.value.error_dict.items()} == {"name": ["R-P8"]}
    assert not entrant_project.avoidances.exists()


def test_several_conflicts_of_one_pair_are_all_listed(contest, family, entrant_project, secretariat):
    expert = make_expert(contest, "朱七", "华夏工业集团有限公司")
    record_conflict(expert=expert, project=entrant_project, reason="另有关系", actor=secretariat)
    sources = [c.source for c in conflicts_between(expert, entrant_project)]
    assert sources == [ConflictSource.FAMILY, ConflictSource.STAFF]


def test_contest_rules_are_applied_from_the_registry(contest, family, entrant_project, monkeypatch):
    """A contest can add a rule, e.g. siblings under the same parent."""
    sibling_expert = make_expert(contest, "秦八", "华夏物流有限公司")

    def same_surname_as_lead(experts, projects):
        for e in experts:
            for p in projects:
                if e.name == "秦八":
                    yield e.pk, p.pk, Conflict("rule", "规则：测试")

    monkeypatch.setattr(conflicts, "RULES", [])
    conflicts.register_rule(same_surname_as_lead)
    assert _only(sibling_expert, entrant_project).reason == "规则：测试"


def test_batch_equals_pairwise_on_a_random_set(contest, family, secretariat):
    rng = random.Random(7)
    orgs = list(family.values())
    for i in range(6):
        orgs.append(make_org(contest, 10 + i, f"随机单位{i}", parent=rng.choice([*orgs, None])))
    projects = [make_project(contest, org, 10 + i) for i, org in enumerate(rng.sample(orgs, 6))]
    experts = []
    for i in range(12):
        org = rng.choice(orgs)
        by_code = rng.random() < 0.5
        employer = org.name if not by_code or rng.random() < 0.5 else f"简称{i}"
        experts.append(make_expert(contest, f"专家{i}", employer if rng.random() < 0.8 else f"无关单位{i}",
                                   code=org.credit_code if by_code else ""))
    for _ in range(4):
        ConflictDeclaration.objects.get_or_create(
            expert=rng.choice(experts), project=rng.choice(projects), source=ConflictSource.STAFF,
            defaults={"reason": "随机", "declared_by": secretariat})
    batch = conflicts_for(expert_ids=[e.pk for e in experts], project_ids=[p.pk for p in projects])
    pairwise = {(e.pk, p.pk): found for e in experts for p in projects if (found := conflicts_between(e, p))}
    assert batch == pairwise
    assert len(batch) >= 5  # the set really exercises detection
    assert conflict_reasons(expert_ids=[e.pk for e in experts], project_ids=[p.pk for p in projects]) == {
        pair: [c.reason for c in found] for pair, found in batch.items()}


def test_batch_query_count_does_not_grow_with_the_round(contest, family, django_assert_max_num_queries):
    projects = [make_project(contest, make_org(contest, 100 + i, f"批量单位{i}", parent=family["group"]), 100 + i)
                for i in range(15)]
    experts = [make_expert(contest, f"批量专家{i}", f"批量单位{i}") for i in range(30)]
    with django_assert_max_num_queries(6):
        found = conflicts_for(expert_ids=[e.pk for e in experts], project_ids=[p.pk for p in projects])
    assert len(found) == 15


# --- a person named by the team: name alone is a *possible* match, name with employer is exact


def test_a_bare_person_name_flags_every_namesake_as_a_possible_conflict(contest, entrant_project):
    """R-P8: the team cannot see the pool, so "张伟" alone flags every 张伟 (excluding a namesake
    from one project costs one candidate; missing the right one breaks the rule), each marked
    `possible` with a reason saying it matched by name only."""
    at_tsinghua = make_expert(contest, "张伟", "清华大学")
    at_beihang = make_expert(contest, "张伟", "北京航空航天大学")
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="张伟", reason="曾有合作纠纷",
                      actor=entrant_project.team.lead)
    for namesake in (at_tsinghua, at_beihang):
        found = _only(namesake, entrant_project)
        assert found.source == ConflictSource.TEAM and found.possible
        assert "仅按姓名匹配" in found.reason


@pytest.mark.parametrize("named", ["张伟（清华大学）", "张伟 (清华大学)", "张伟，清华大学", "张伟/清华"])
def test_a_person_named_with_an_employer_flags_only_that_person(contest, entrant_project, named):
    """R-P8: "张伟（清华大学）" conflicts the 张伟 at 清华大学 (a short or longer form of the
    employer matches too) and leaves the namesake elsewhere free; the match is not `possible`."""
    at_tsinghua = make_expert(contest, "张伟", "清华大学自动化系")
    at_beihang = make_expert(contest, "张伟", "北京航空航天大学")
    other_at_tsinghua = make_expert(contest, "李娜", "清华大学")
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name=named, reason="导师",
                      actor=entrant_project.team.lead)
    found = _only(at_tsinghua, entrant_project)
    assert found == Conflict(ConflictSource.TEAM, f"团队申报回避专家“{named}”：导师")
    assert not found.possible
    assert conflicts_between(at_beihang, entrant_project) == []
    assert conflicts_between(other_at_tsinghua, entrant_project) == []
    batch = conflicts_for(expert_ids=[at_tsinghua.pk, at_beihang.pk, other_at_tsinghua.pk],
                          project_ids=[entrant_project.pk])
    assert set(batch) == {(at_tsinghua.pk, entrant_project.pk)}


def test_person_and_employer_are_read_from_the_teams_text():
    assert conflicts.person_and_employer("张伟（清华大学）") == ("张伟", "清华大学")
    assert conflicts.person_and_employer(" 张 伟 ") == ("张伟", "")
    assert conflicts.person_and_employer("阿卜杜拉·艾力") == ("阿卜杜拉艾力", "")


def test_an_expert_declaring_after_assigning_names_the_affected_reviews_in_the_audit(contest, entrant_project):
    """R-P8, R-V3: the assignment and review stay on record; the audit entry says which."""
    from django.utils import timezone

    from ciic.contests.models import Round
    from ciic.review.enums import RoundStatus
    from ciic.review.models import Assignment, Review, ReviewRound

    user = make_user("late@example.com", role=Role.EXPERT)
    expert = make_expert(contest, "迟申报", "无关大学")
    Expert.objects.filter(pk=expert.pk).update(user=user)
    expert.refresh_from_db()
    spec_round = Round.objects.get(stage__contest=contest, stage__code="local", code="online_review")
    review_round = ReviewRound.objects.create(contest=contest, round=spec_round, station=entrant_project.team.station,
                                              status=RoundStatus.OPEN)
    assignment = Assignment.objects.create(review_round=review_round, expert=expert, project=entrant_project)
    review = Review.objects.create(assignment=assignment, scores={}, submitted_at=timezone.now())
    declare_conflict(expert=expert, project=entrant_project, reason="后来发现亲属在该单位", actor=user)
    entry = AuditEntry.objects.get(action="conflict.declare.expert")
    assert entry.after["assignments"] == [{"round": review_round.pk, "review": review.pk, "submitted": True}]
    assert Assignment.objects.filter(pk=assignment.pk).exists()  # kept on record
