"""Review rounds (R-V1, R-V2, R-V5): the review form from the spec, a round's projects and the
versions judged (R-J4), the panel, pinned and forbidden pairs, manual edits, opening and
closing. The helpers here are reused by test_assigning.py and test_round_views.py."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.contests.models import Round
from ciic.contests.services import load_contest_spec
from ciic.contests.spec import validate_spec
from ciic.demo.identifiers import make_credit_code
from ciic.entrants.models import Organization, Team
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Project, Submission
from ciic.projects.selectors import counting_submission, submission_window
from ciic.review.enums import AssignmentSource, ConflictSource, ExpertKind, PairRule, RoundStatus
from ciic.review.models import (
    Assignment,
    ConflictDeclaration,
    Expert,
    PairConstraint,
    Review,
    ReviewRound,
    RoundResult,
)
from ciic.review.rounds.services import (
    add_assignment,
    close_round,
    create_round,
    open_round,
    remove_assignment,
    set_expert_load,
    set_pair_rule,
    set_panel,
    update_round,
)
from ciic.testing.personas import make_user

pytestmark = pytest.mark.django_db

TEXTS = ["工业互联网平台 设备预测性维护 振动信号 故障诊断 深度学习",
         "5G 全连接工厂 边缘计算 时间敏感网络 柔性产线",
         "工业数据安全 零信任 态势感知 漏洞挖掘 安全运营"]


# --- helpers ---------------------------------------------------------------------------------


def spec_round(contest, stage: str = "local", code: str = "online_review") -> Round:
    return Round.objects.get(stage__contest=contest, stage__code=stage, code=code)


def make_project(contest, seq: int, *, station=None, text: str = "", submitted: bool = True,
                 at: dt.datetime | None = None, stage: str = "local") -> Project:
    """An active project of a new organization and team (Beijing unless `station`), with one
    version in `stage` submitted `at` (default now) unless `submitted` is False."""
    station = station or contest.stations.get(code="beijing")
    lead = make_user(f"round-lead{seq}@example.com")
    org = Organization.objects.create(contest=contest, name=f"轮次测试单位{seq}", kind="software_it",
                                      credit_code=make_credit_code(7000 + seq))
    team = Team.objects.create(contest=contest, organization=org, station=station,
                               direction=station.directions.first(), name=f"轮次测试队{seq}", lead=lead)
    project = Project.objects.create(contest=contest, team=team, name=f"轮次测试项目{seq}")
    if submitted:
        submit(project, text or TEXTS[seq % len(TEXTS)], at=at, stage=stage)
    return project


def submit(project: Project, text: str, *, at: dt.datetime | None = None, stage: str = "local") -> Submission:
    number = project.submissions.count() + 1
    return Submission.objects.create(
        project=project, stage=project.contest.stages.get(code=stage), number=number, name=project.name,
        sections={"overview": text}, content_sha256=f"{project.pk:032d}{number:032d}",
        submitted_at=at or timezone.now(), submitted_by=project.team.lead)


def make_expert(contest, seq: int, *, station=None, text: str = "", directions=(), user=None,
                employer: str = "") -> Expert:
    expert = Expert.objects.create(contest=contest, name=f"专家{seq}", employer=employer or f"研究院{seq}",
                                   kind=ExpertKind.RESEARCH, station=station, profile=text or TEXTS[seq % len(TEXTS)],
                                   keywords="", user=user)
    expert.directions.set(directions)
    return expert


def declare(expert: Expert, project: Project, actor, reason: str = "曾为该项目提供咨询") -> ConflictDeclaration:
    return ConflictDeclaration.objects.create(expert=expert, project=project, source=ConflictSource.STAFF,
                                              reason=reason, declared_by=actor)


def messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


@pytest.fixture
def beijing_projects(contest):
    return [make_project(contest, i) for i in range(1, 5)]


@pytest.fixture
def local_round(contest, station, beijing_projects, secretariat):
    return create_round(spec_round=spec_round(contest), station=station, actor=secretariat,
                        experts_per_project=2, max_load=4)


@pytest.fixture
def panel(contest, station, local_round, secretariat):
    experts = [make_expert(contest, i, station=station if i % 2 else None,
                           directions=[station.directions.first()]) for i in range(1, 5)]
    set_panel(review_round=local_round, experts=experts, actor=secretariat)
    return experts


# --- the review form in the spec -------------------------------------------------------------


def test_spec_review_form_reaches_every_round(contest):
    form = spec_round(contest).review_form
    criteria = form["criteria"]
    assert [c["code"] for c in criteria] == ["innovation", "technology", "application", "business_model", "team"]
    assert [c["name"] for c in criteria] == ["创新性", "技术先进性", "应用成效", "商业模式", "团队能力"]
    assert sum(c["weight"] for c in criteria) == 100
    assert all((c["min"], c["max"]) == (0, 10) for c in criteria)
    assert [r["name"] for r in form["recommendations"]] == ["推荐晋级", "可以考虑", "不推荐"]
    assert spec_round(contest, "finals", "roadshow_defense").review_form == form


def test_a_round_may_have_its_own_form(contest):
    data = copy.deepcopy(contest.spec)
    own = {"criteria": [{"code": "defense", "name": "答辩表现", "name_en": "Defense", "weight": 1, "min": 0, "max": 100}]}
    data["stages"][1]["rounds"][0]["form"] = own
    load_contest_spec(data=data)
    assert spec_round(contest, "finals", "roadshow_defense").review_form == own
    assert spec_round(contest).review_form == data["review_form"]


def test_a_round_takes_its_score_decimals_from_the_spec(contest, station, secretariat):
    """R-V2: how many decimals a score is shown and tied with is data: CIIC 2023 says 2; a
    round's own form may say otherwise, and the review round copies it; 9 is refused."""
    assert spec_round(contest).review_form["score_decimals"] == 2
    data = copy.deepcopy(contest.spec)
    data["stages"][0]["rounds"][0]["form"] = {**data["review_form"], "score_decimals": 1}
    load_contest_spec(data=data)
    make_project(contest, 1)
    review_round = create_round(spec_round=spec_round(contest), station=station, actor=secretariat)
    assert review_round.score_decimals == 1
    data["review_form"]["score_decimals"] = 9
    assert any(e.startswith("review_form.score_decimals") for e in validate_spec(data))


def test_spec_refuses_a_weight_that_is_not_positive_and_an_empty_range(contest):
    data = copy.deepcopy(contest.spec)
    data["review_form"]["criteria"][0]["weight"] = 0
    data["review_form"]["criteria"][1]["min"] = 10
    data["review_form"]["criteria"].append(dict(data["review_form"]["criteria"][2]))
    data["stages"][0]["rounds"][0]["form"] = {"criteria": [
        {"code": "x", "name": "X", "weight": -1, "min": 5, "max": 1}]}
    errors = validate_spec(data)
    assert "review_form.criteria[0].weight: must be greater than 0, not 0" in errors
    assert "review_form.criteria[1]: min (10) must be less than max (10)" in errors
    assert any(e.startswith("review_form.criteria[5]: duplicate criterion code") for e in errors)
    assert "stages[0].rounds[0].form.criteria[0].weight: must be greater than 0, not -1" in errors
    assert "stages[0].rounds[0].form.criteria[0]: min (5) must be less than max (1)" in errors


# --- creating a round ------------------------------------------------------------------------


def test_round_judges_each_station_projects_counting_version(contest, station, secretariat):
    stage = contest.stages.get(code="local")
    _opens, closes = submission_window(stage)
    revised = make_project(contest, 1)
    submit(revised, "第二版")
    late = make_project(contest, 2, at=closes - dt.timedelta(hours=1))
    submit(late, "截止后提交的版本", at=closes + dt.timedelta(minutes=1))
    never = make_project(contest, 3, submitted=False)
    withdrawn = make_project(contest, 4)
    Project.objects.filter(pk=withdrawn.pk).update(status=ProjectStatus.WITHDRAWN)
    elsewhere = make_project(contest, 5, station=contest.stations.get(code="wuxi"))

    review_round = create_round(spec_round=spec_round(contest), station=station, actor=secretariat)

    judged = {e.project_id: e.submission_id for e in review_round.entries.all()}
    assert judged == {revised.pk: counting_submission(revised, stage).pk, late.pk: counting_submission(late, stage).pk}
    assert revised.submissions.get(pk=judged[revised.pk]).number == 2
    assert late.submissions.get(pk=judged[late.pk]).number == 1
    assert never.pk not in judged and withdrawn.pk not in judged and elsewhere.pk not in judged
    assert review_round.form == spec_round(contest).review_form["criteria"]
    entry = AuditEntry.objects.get(action="review.round.create")
    assert entry.after["projects"] == sorted(judged)


def test_a_rounds_name_reads_in_the_active_language(local_round):
    """Breadcrumbs read "Xinjiang StationOnline review": station and round ran together."""
    from django.utils.translation import override

    with override("en"):
        assert str(local_round) == "Beijing Station · Online review"
    with override("zh-hans"):
        assert str(local_round) == "北京赛站 · 网上评审"


def test_round_keeps_its_form_when_the_spec_changes(contest, local_round):
    data = copy.deepcopy(contest.spec)
    data["review_form"]["criteria"][0]["weight"] = 40
    load_contest_spec(data=data)
    assert spec_round(contest).review_form["criteria"][0]["weight"] == 40
    local_round.refresh_from_db()
    assert local_round.form[0]["weight"] == 25


def test_local_round_needs_a_station_and_the_finals_refuse_one(contest, station, beijing_projects, secretariat):
    with pytest.raises(ValidationError) as exc:
        create_round(spec_round=spec_round(contest), station=None, actor=secretariat)
    assert "station" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create_round(spec_round=spec_round(contest, "finals", "roadshow_defense"), station=station, actor=secretariat)
    assert "station" in exc.value.message_dict


def test_finals_round_is_contest_wide(contest, secretariat):
    finalists = [make_project(contest, 1, stage="finals"),
                 make_project(contest, 2, station=contest.stations.get(code="wuxi"), stage="finals")]
    make_project(contest, 3)  # local-stage version only
    review_round = create_round(spec_round=spec_round(contest, "finals", "roadshow_defense"), station=None,
                                actor=secretariat)
    assert set(review_round.entries.values_list("project_id", flat=True)) == {p.pk for p in finalists}


def test_a_round_is_created_once(contest, station, local_round, secretariat):
    with pytest.raises(ValidationError, match="已创建"):
        create_round(spec_round=spec_round(contest), station=station, actor=secretariat)


def test_next_round_judges_the_projects_the_previous_one_advanced(contest, station, local_round, beijing_projects,
                                                                   secretariat):
    second = spec_round(contest, "local", "online_roadshow")
    ReviewRound.objects.filter(pk=local_round.pk).update(status=RoundStatus.CLOSED)
    with pytest.raises(ValidationError, match="尚无评审结果"):
        create_round(spec_round=second, station=station, actor=secretariat)
    for i, project in enumerate(beijing_projects):
        RoundResult.objects.create(review_round=local_round, project=project, rank=i + 1, advanced=i < 2)
    review_round = create_round(spec_round=second, station=station, actor=secretariat)
    assert review_round.previous == local_round
    assert sorted(review_round.entries.values_list("project_id", flat=True)) == [p.pk for p in beijing_projects[:2]]


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.OPEN])
def test_next_round_waits_for_the_previous_round_to_close(contest, station, local_round, beijing_projects,
                                                          secretariat, status):
    """R-V2: results computed while a round is open are a preview that can still change; only
    the closed round's result decides which projects the next round judges."""
    ReviewRound.objects.filter(pk=local_round.pk).update(status=status)
    for i, project in enumerate(beijing_projects):
        RoundResult.objects.create(review_round=local_round, project=project, rank=i + 1, advanced=i < 2)
    with pytest.raises(ValidationError) as exc:
        create_round(spec_round=spec_round(contest, "local", "online_roadshow"), station=station, actor=secretariat)
    assert "尚未结束" in " ".join(exc.value.message_dict["previous"])
    assert ReviewRound.objects.count() == 1


def test_the_finals_round_is_created_once_although_its_station_is_null(contest, secretariat):
    """R-V4: the finals round has no station, which the database's unique constraint does not
    cover (NULLs are distinct); the service refuses the second one."""
    make_project(contest, 1, stage="finals")
    finals = spec_round(contest, "finals", "roadshow_defense")
    create_round(spec_round=finals, station=None, actor=secretariat)
    with pytest.raises(ValidationError, match="已创建"):
        create_round(spec_round=finals, station=None, actor=secretariat)
    assert ReviewRound.objects.filter(round=finals).count() == 1


# --- panel, pins, edits --------------------------------------------------------------------


def test_panel_takes_the_station_and_contest_wide_experts_only(contest, local_round, panel, secretariat):
    assert sorted(local_round.panel.values_list("expert_id", flat=True)) == sorted(e.pk for e in panel)
    outsider = make_expert(contest, 9, station=contest.stations.get(code="wuxi"))
    with pytest.raises(ValidationError, match="不属于本赛站"):
        set_panel(review_round=local_round, experts=[*panel, outsider], actor=secretariat)
    assert AuditEntry.objects.filter(action="review.round.panel").count() == 1


def test_pinning_a_conflicted_pair_is_refused_naming_the_conflict(local_round, panel, beijing_projects, secretariat):
    declare(panel[0], beijing_projects[0], secretariat, reason="曾为该项目提供咨询")
    with pytest.raises(ValidationError) as exc:
        set_pair_rule(review_round=local_round, expert=panel[0], project=beijing_projects[0], rule=PairRule.PIN,
                      actor=secretariat)
    assert "曾为该项目提供咨询" in messages(exc)
    assert not PairConstraint.objects.exists()
    set_pair_rule(review_round=local_round, expert=panel[0], project=beijing_projects[0], rule=PairRule.FORBID,
                  actor=secretariat, reason="回避")
    assert PairConstraint.objects.get().rule == PairRule.FORBID


def test_pins_beyond_k_are_refused(local_round, panel, beijing_projects, secretariat):
    for expert in panel[:2]:
        set_pair_rule(review_round=local_round, expert=expert, project=beijing_projects[0], rule=PairRule.PIN,
                      actor=secretariat)
    with pytest.raises(ValidationError, match="已指定 2 位专家"):
        set_pair_rule(review_round=local_round, expert=panel[2], project=beijing_projects[0], rule=PairRule.PIN,
                      actor=secretariat)


def test_manual_add_refuses_conflicts_forbidden_pairs_and_full_loads(local_round, panel, beijing_projects,
                                                                    secretariat):
    declare(panel[0], beijing_projects[0], secretariat)
    with pytest.raises(ValidationError, match="利益冲突"):
        add_assignment(review_round=local_round, expert=panel[0], project=beijing_projects[0], actor=secretariat)
    set_pair_rule(review_round=local_round, expert=panel[1], project=beijing_projects[0], rule=PairRule.FORBID,
                  actor=secretariat)
    with pytest.raises(ValidationError, match="禁止"):
        add_assignment(review_round=local_round, expert=panel[1], project=beijing_projects[0], actor=secretariat)
    set_expert_load(member=local_round.panel.get(expert=panel[2]), max_load=1, actor=secretariat)
    add_assignment(review_round=local_round, expert=panel[2], project=beijing_projects[1], actor=secretariat)
    with pytest.raises(ValidationError, match="达到上限"):
        add_assignment(review_round=local_round, expert=panel[2], project=beijing_projects[2], actor=secretariat)
    added = Assignment.objects.get()
    assert added.source == AssignmentSource.MANUAL
    assert AuditEntry.objects.filter(action="review.assignment.add").count() == 1


def test_a_started_review_cannot_be_unassigned(local_round, panel, beijing_projects, secretariat):
    assignment = add_assignment(review_round=local_round, expert=panel[0], project=beijing_projects[1],
                                actor=secretariat)
    Review.objects.create(assignment=assignment)
    with pytest.raises(ValidationError, match="已开始评审"):
        remove_assignment(assignment=assignment, actor=secretariat)
    other = add_assignment(review_round=local_round, expert=panel[1], project=beijing_projects[1], actor=secretariat)
    remove_assignment(assignment=other, actor=secretariat, reason="调整")
    assert AuditEntry.objects.get(action="review.assignment.remove").after == {"reason": "调整"}


# --- opening and closing -------------------------------------------------------------------


def _fill(review_round, experts, projects, actor):
    for i, project in enumerate(projects):
        for expert in (experts[i % len(experts)], experts[(i + 1) % len(experts)]):
            add_assignment(review_round=review_round, expert=expert, project=project, actor=actor)


def test_open_needs_k_experts_for_every_project(local_round, panel, beijing_projects, secretariat):
    with pytest.raises(ValidationError, match="评审专家不足"):
        open_round(review_round=local_round, actor=secretariat)
    _fill(local_round, panel, beijing_projects, secretariat)
    open_round(review_round=local_round, actor=secretariat)
    local_round.refresh_from_db()
    assert local_round.status == RoundStatus.OPEN and local_round.opens_at is not None


def test_close_waits_for_every_review_unless_forced_with_a_reason(local_round, panel, beijing_projects,
                                                                   secretariat):
    _fill(local_round, panel, beijing_projects, secretariat)
    open_round(review_round=local_round, actor=secretariat)
    with pytest.raises(ValidationError, match="8 份评分未提交"):
        close_round(review_round=local_round, actor=secretariat)
    with pytest.raises(ValidationError, match="写明理由"):
        close_round(review_round=local_round, actor=secretariat, force=True)
    close_round(review_round=local_round, actor=secretariat, force=True, reason="两位专家因病无法完成")
    local_round.refresh_from_db()
    assert local_round.status == RoundStatus.CLOSED
    entry = AuditEntry.objects.get(action="review.round.close")
    assert entry.after["forced"] is True and len(entry.after["unsubmitted"]) == 8
    assert entry.after["reason"] == "两位专家因病无法完成"
    with pytest.raises(ValidationError, match="已结束"):
        add_assignment(review_round=local_round, expert=panel[0], project=beijing_projects[3], actor=secretariat)


def test_close_with_every_review_submitted(local_round, panel, beijing_projects, secretariat):
    _fill(local_round, panel, beijing_projects, secretariat)
    open_round(review_round=local_round, actor=secretariat)
    for assignment in Assignment.objects.all():
        Review.objects.create(assignment=assignment, submitted_at=timezone.now(), total=80)
    close_round(review_round=local_round, actor=secretariat)
    assert AuditEntry.objects.get(action="review.round.close").after["forced"] is False


def test_review_round_is_listed_by_station(local_round):
    assert ReviewRound.objects.get() == local_round
    assert str(local_round).startswith(local_round.station.name)


def test_a_double_submitted_close_closes_once(local_round, panel, beijing_projects, secretariat):
    """Two requests that both saw the round open (a double click): the second finds it closed
    under the lock and changes nothing, with no second audit entry."""
    _fill(local_round, panel, beijing_projects, secretariat)
    open_round(review_round=local_round, actor=secretariat)
    first, second = ReviewRound.objects.get(pk=local_round.pk), ReviewRound.objects.get(pk=local_round.pk)
    close_round(review_round=first, actor=secretariat, force=True, reason="专家未能按时完成")
    closed_at = ReviewRound.objects.get(pk=local_round.pk).closes_at
    again = close_round(review_round=second, actor=secretariat, force=True, reason="专家未能按时完成")
    assert again.status == RoundStatus.CLOSED and again.closes_at == closed_at
    assert AuditEntry.objects.filter(action="review.round.close").count() == 1
    with pytest.raises(ValidationError, match="已结束"):  # asked again knowing it is closed: refused
        close_round(review_round=ReviewRound.objects.get(pk=local_round.pk), actor=secretariat, force=True,
                    reason="再次")


def test_a_stale_round_cannot_skip_a_state(local_round, panel, beijing_projects, secretariat):
    """The state is read on the locked row, not on the caller's copy: a draft copy of a round
    closed meanwhile cannot open it again."""
    _fill(local_round, panel, beijing_projects, secretariat)
    stale = ReviewRound.objects.get(pk=local_round.pk)
    open_round(review_round=local_round, actor=secretariat)
    close_round(review_round=local_round, actor=secretariat, force=True, reason="测试")
    with pytest.raises(ValidationError, match="已结束"):
        open_round(review_round=stale, actor=secretariat)
    with pytest.raises(ValidationError, match="已结束"):
        update_round(review_round=stale, actor=secretariat, experts_per_project=2, max_load=4)
    assert ReviewRound.objects.get(pk=local_round.pk).status == RoundStatus.CLOSED
    assert AuditEntry.objects.filter(action="review.round.open").count() == 1


def test_a_round_does_not_open_while_a_solve_is_running(local_round, panel, beijing_projects, secretariat):
    """R-V1: the solve's result would replace assignments the experts already see."""
    from ciic.review.enums import JobStatus
    from ciic.review.models import AssignmentRun

    _fill(local_round, panel, beijing_projects, secretariat)
    run = AssignmentRun.objects.create(review_round=local_round, status=JobStatus.RUNNING)
    with pytest.raises(ValidationError, match="分配计算尚未完成"):
        open_round(review_round=local_round, actor=secretariat)
    assert ReviewRound.objects.get(pk=local_round.pk).status == RoundStatus.DRAFT
    AssignmentRun.objects.filter(pk=run.pk).update(status=JobStatus.DONE)
    assert open_round(review_round=local_round, actor=secretariat).status == RoundStatus.OPEN
