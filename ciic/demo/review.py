"""Demo data for expert review, through the real services: an expert pool and one station's
local stage already reviewed (online review closed with results, advancement and a finalist
proposal), and the next round open with the demo expert's assignments waiting to be scored.

Runs once (a contest that has review rounds is left as it is). Scores are synthetic: each
project's quality plus each expert's leniency plus noise, so calibration has something to
remove."""

from __future__ import annotations

import random
from collections import Counter

from django.db import transaction
from django.test.utils import override_settings
from faker import Faker

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.contests.models import Contest, StationQuota
from ciic.entrants.models import Team
from ciic.projects.models import Project
from ciic.projects.selectors import open_stage
from ciic.projects.services import save_draft, start_project, submit_project
from ciic.review.conflicts import conflicts_between
from ciic.review.enums import ExpertKind, PairRule, RoundStatus
from ciic.review.experts.services import ExpertInput, add_expert, invite_expert
from ciic.review.finalists.services import candidates, propose_finalists
from ciic.review.models import Assignment, Expert, ReviewRound
from ciic.review.results.services import compute_results, set_advancement_rule, set_aggregation
from ciic.review.reviews.services import save_review
from ciic.review.rounds.assigning import start_solve
from ciic.review.rounds.services import (
    close_round,
    create_round,
    open_round,
    set_pair_rule,
    set_panel,
)
from ciic.review.rounds.solving import execute_solve

from .entrants import DEMO_DOMAIN, TEAM_WORDS, _staff
from .projects import _application, _as_text
from .samples import attach_required_materials, demo_documents

COMMENTS = [
    "技术路线清晰，应用成效有数据支撑，建议补充推广计划。",
    "创新点明确，但商业模式尚需验证，团队工程能力较强。",
    "方案完整度高，行业示范意义明显。",
    "核心指标与同类方案相比优势不突出，建议细化成本测算。",
    "数据安全方案描述较少，其余部分扎实。",
]
EMPLOYER_SUFFIX = {
    ExpertKind.RESEARCH: "工业互联网研究院",
    ExpertKind.INVESTMENT: "创业投资有限公司",
    ExpertKind.INDUSTRY_BODY: "工业互联网产业联盟",
    ExpertKind.ENTERPRISE: "智能制造有限公司",
}


def seed_review(contest: Contest, *, experts: int = 14, seed: int = 2023) -> dict[str, int]:
    # The demo's invitations and notifications are not mailed (the console backend would print them).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        return _seed_review(contest, experts=experts, seed=seed)


def _seed_review(contest: Contest, *, experts: int, seed: int) -> dict[str, int]:
    if ReviewRound.objects.filter(contest=contest).exists():
        return {"rounds": ReviewRound.objects.filter(contest=contest).count()}
    if open_stage(contest) is None:
        return {"rounds": 0}
    # Its own stream: the same seed as seed_demo's would write the same application texts again,
    # which the originality check would rightly report as copies.
    rng = random.Random(f"review:{seed}")
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    office = User.objects.get(email=f"office@{DEMO_DOMAIN}")
    station = _busiest_station(contest)
    officer = User.objects.get(email=f"{station.code}@{DEMO_DOMAIN}")
    _projects_for_station(contest, station, rng)
    pool = _pool(contest, station, office, fake, rng, experts)
    first, second = list(contest.stages.order_by("order").first().rounds.order_by("order"))[:2]


    k = 3
    load = max(4, -(-Project.objects.filter(team__station=station).count() * k // len(pool)) + 1)
    online = create_round(spec_round=first, station=station, actor=officer, experts_per_project=k, max_load=load)
    set_panel(review_round=online, experts=pool, actor=officer)
    # Chosen before any score is seen (R-V2): removes each expert's leniency.
    set_aggregation(review_round=online, aggregation="least_squares", actor=officer)
    execute_solve(start_solve(review_round=online, mode="max_total", actor=officer).pk)
    open_round(review_round=online, actor=officer)
    # In a fixed order: each project must draw the same quality on every run.
    quality = {e.project_id: rng.gauss(70, 10) for e in online.entries.order_by("project_id")}
    leniency = {e.pk: rng.uniform(-8, 8) for e in pool}
    criteria = online.form
    for assignment in Assignment.objects.filter(review_round=online).select_related("expert__user"):
        actor = assignment.expert.user or office
        level = quality[assignment.project_id] + leniency[assignment.expert_id]
        scores = {}
        for c in criteria:
            value = c["min"] + (c["max"] - c["min"]) * (level + rng.gauss(0, 4)) / 100
            scores[c["code"]] = round(min(c["max"], max(c["min"], value)), 1)
        save_review(assignment=assignment, actor=actor, scores=scores, comment=rng.choice(COMMENTS),
                    recommendation=_recommendation(online, level), submit=True)
    close_round(review_round=online, actor=officer)
    compute_results(review_round=online, actor=officer, b=300)
    keys = {(r.project.team.direction, r.project.team.organization.group)
            for r in online.results.select_related("project__team__direction", "project__team__organization__group")}
    for direction, group in keys:
        set_advancement_rule(review_round=online, direction=direction, group=group, actor=officer, proportion=0.6)
    for group in {g for _d, g in keys}:
        StationQuota.objects.filter(station=station, group=group).update(finalists=2)
        picks = [r.project for r in candidates(station, group)][:2]
        if picks:
            propose_finalists(station=station, group=group, projects=picks, actor=officer)

    # The next round, open, with the demo expert's assignments waiting.
    roadshow = create_round(spec_round=second, station=station, actor=officer, previous=online,
                            experts_per_project=k, max_load=load)
    set_panel(review_round=roadshow, experts=pool, actor=officer)
    # The demo expert (pool[0]) gets the first project, so logging in shows work to do.
    entry = roadshow.entries.select_related("project").order_by("pk").first()
    if entry is not None and not conflicts_between(pool[0], entry.project):
        set_pair_rule(review_round=roadshow, expert=pool[0], project=entry.project, rule=PairRule.PIN, actor=officer,
                      reason="演示")
    execute_solve(start_solve(review_round=roadshow, mode="max_total", actor=officer).pk)
    open_round(review_round=roadshow, actor=officer)
    return {"rounds": 2, "experts": len(pool),
            "reviewed": Assignment.objects.filter(review_round=online).count(),
            "open": ReviewRound.objects.filter(contest=contest, status=RoundStatus.OPEN).count()}


def _recommendation(review_round: ReviewRound, level: float) -> str:
    options = [o["code"] for o in review_round.recommendations]
    if not options:
        return ""
    return options[0] if level >= 75 else options[min(1, len(options) - 1)] if level >= 62 else options[-1]


def _busiest_station(contest: Contest):
    counts = Counter(Team.objects.filter(contest=contest).values_list("station_id", flat=True))
    return contest.stations.get(pk=counts.most_common(1)[0][0])


def _projects_for_station(contest: Contest, station, rng: random.Random) -> None:
    """Every demo team of the station gets a submitted project, so the stage has a field."""
    documents = None  # made once, when the first project needs them

    sections = list(contest.form_sections.all())
    for team in Team.objects.filter(contest=contest, station=station, project__isnull=True).select_related(
            "direction", "lead"):
        with transaction.atomic():
            texts = _as_text(_application(rng, sections))
            topic = team.direction.name.split("+")[-1]
            name = f"{rng.choice(TEAM_WORDS)}{topic}" + ("" if topic.endswith(("方案", "平台")) else "解决方案")
            project = start_project(team=team, name=name[:200], actor=team.lead)
            save_draft(project=project, actor=team.lead, sections={s.code: texts[s.code][: s.max_chars] for s in sections})
            documents = documents if documents is not None else demo_documents(contest)
            attach_required_materials(project, team.lead, documents=documents)
            submit_project(project=project, actor=team.lead)


def _pool(contest: Contest, station, office, fake: Faker, rng: random.Random, n: int) -> list[Expert]:

    directions = list(station.directions.values_list("pk", flat=True)) or \
        list(contest.directions.values_list("pk", flat=True))
    kinds = list(ExpertKind)
    keywords = ["边缘计算", "数字孪生", "工业大数据", "预测性维护", "5G+工业互联网", "标识解析", "工业软件",
                "能耗优化", "质量检测", "供应链协同", "安全生产", "机器视觉"]
    team = Team.objects.filter(contest=contest, station=station).select_related("organization").order_by("pk").first()
    entrant = team.organization if team is not None else None
    made = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        email = f"expert@{DEMO_DOMAIN}" if i == 0 else f"expert{i}@{DEMO_DOMAIN}"
        name = "王建国" if i == 0 else fake.name()
        employer, code = f"{fake.city_name()}{EMPLOYER_SUFFIX[kind]}", ""
        if i == 1 and entrant is not None:
            # Works for one of the station's entrants: a conflict the platform detects (R-P8).
            kind, employer, code = ExpertKind.ENTERPRISE, entrant.name, entrant.credit_code
        _staff(email, Role.EXPERT, name)  # an account with a demo TOTP device, linked below
        made.append(add_expert(contest=contest, actor=office, data=ExpertInput(
            name=name, employer=employer, employer_credit_code=code, kind=kind, email=email,
            directions=directions, keywords="、".join(rng.sample(keywords, 3)),
            profile=f"长期从事{rng.choice(keywords)}与{rng.choice(keywords)}研究和产业化工作。",
            station_id=station.pk)))
    for expert in made:
        invite_expert(expert=expert, actor=office)
    return made
