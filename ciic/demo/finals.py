"""Demo data reaching the national finals (issue 12), through the real services.

The review demo leaves the busiest station's local stage running (its roadshow round open for
the demo expert). Here the other stations run theirs to the end: every team a project, an
online review by the station's own experts, results, everyone advancing, finalists proposed
within a quota, confirmed by the secretariat and passed in due diligence. The finalists
submit their finals versions (dated inside the finals' submission window, which on the demo's
shifted schedule lies ahead), the finals round opens with the trimmed mean, and one session
per direction × group is drawn and judged by five experts, the demo expert among them: every
ballot is in but the demo expert's on the first session's last team, which is on stage, so
logging in as the expert shows a team to score and the big screen shows the released scores
(the publicity demo, `publicity.py`, which runs next in `make run`, then gives that ballot and
closes the round so the prizes can be confirmed and published for publicity).
The tier prizes are proposed (confirming needs the round closed), and one station's local
awards are confirmed, with their certificates issued, so there is a confirmed list to look at
and a certificate to verify.

Runs once (a contest with finals sessions is left as it is). Scores are synthetic.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from faker import Faker

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.awards import finals as sessions
from ciic.awards import prizes, publication, special
from ciic.awards.enums import PublicationKind
from ciic.awards.models import FinalsSession
from ciic.certificates.services import issue_certificates
from ciic.contests.models import Contest, Round, StationQuota
from ciic.notifications import sms
from ciic.projects.selectors import submission_window
from ciic.projects.services import submit_project
from ciic.review.enums import ExpertKind, FinalistStatus
from ciic.review.experts.services import ExpertInput, add_expert
from ciic.review.finalists.services import (
    candidates,
    checklist_items,
    confirm_finalists,
    is_finalist,
    propose_finalists,
    record_due_diligence,
)
from ciic.review.models import Assignment, Expert, FinalistList, ReviewRound
from ciic.review.results.services import compute_results, set_advancement_rule, set_aggregation
from ciic.review.reviews.services import save_review
from ciic.review.rounds.assigning import start_solve
from ciic.review.rounds.services import close_round, create_round, open_round, set_panel
from ciic.review.rounds.solving import execute_solve
from ciic.votes.config import vote_config, window
from ciic.votes.detection import run_detection
from ciic.votes.replay import store_simulated_vote
from ciic.votes.simulation import Scenario, simulate

from .entrants import DEMO_DOMAIN, _staff
from .review import (
    COMMENTS,
    EMPLOYER_SUFFIX,
    _busiest_station,
    _projects_for_station,
    _recommendation,
)

QUOTA = 5
PANEL = 5


def seed_finals(contest: Contest, *, seed: int = 2023) -> dict[str, int]:
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), sms.suppressed():
        return _seed_finals(contest, seed=seed)


def _scores(review_round: ReviewRound, level: float, rng: random.Random) -> dict:
    out = {}
    for c in review_round.form:
        value = c["min"] + (c["max"] - c["min"]) * (level + rng.gauss(0, 4)) / 100
        out[c["code"]] = round(min(c["max"], max(c["min"], value)), 1)
    return out


def _expert(contest: Contest, office, fake: Faker, email: str, *, station=None, i: int = 0) -> Expert:
    """An expert of the pool with an account (the demo TOTP device) that scores as itself."""
    user = _staff(email, Role.EXPERT, fake.name())
    kind = list(ExpertKind)[i % len(ExpertKind)]
    expert = add_expert(contest=contest, actor=office, data=ExpertInput(
        name=user.full_name, employer=f"{fake.city_name()}{EMPLOYER_SUFFIX[kind]}", kind=kind, email=email,
        directions=list(station.directions.values_list("pk", flat=True)) if station else [],
        keywords="工业互联网、智能制造", profile="长期从事工业互联网平台研究和产业化工作。",
        station_id=station.pk if station else None))
    Expert.objects.filter(pk=expert.pk).update(user=user)
    expert.user = user
    return expert


def _local_stage(contest: Contest, station, office, fake: Faker, rng: random.Random) -> None:
    """One station's local stage, start to finish: review, results, finalists confirmed."""
    _projects_for_station(contest, station, rng)
    officer = User.objects.get(email=f"{station.code}@{DEMO_DOMAIN}")
    spec_round = contest.stages.order_by("order").first().rounds.order_by("order").first()
    pool = [_expert(contest, office, fake, f"{station.code}-expert{i}@{DEMO_DOMAIN}", station=station, i=i)
            for i in range(4)]
    online = create_round(spec_round=spec_round, station=station, actor=officer, experts_per_project=3, max_load=50)
    set_panel(review_round=online, experts=pool, actor=officer)
    set_aggregation(review_round=online, aggregation="raw", actor=officer)
    execute_solve(start_solve(review_round=online, mode="max_total", actor=officer).pk)
    open_round(review_round=online, actor=officer)
    quality = {e.project_id: rng.gauss(72, 9) for e in online.entries.order_by("project_id")}
    for assignment in Assignment.objects.filter(review_round=online).select_related("expert__user").order_by("pk"):
        level = quality[assignment.project_id]
        save_review(assignment=assignment, actor=assignment.expert.user, scores=_scores(online, level, rng),
                    comment=rng.choice(COMMENTS), recommendation=_recommendation(online, level), submit=True)
    close_round(review_round=online, actor=officer)
    compute_results(review_round=online, actor=officer, b=100)
    keys = {(r.project.team.direction, r.project.team.organization.group)
            for r in online.results.select_related("project__team__direction", "project__team__organization__group")}
    for direction, group in keys:
        set_advancement_rule(review_round=online, direction=direction, group=group, actor=officer, proportion=1.0)
    for group in {g for _d, g in keys}:
        StationQuota.objects.filter(station=station, group=group).update(finalists=QUOTA)
        picks = [r.project for r in candidates(station, group)][:QUOTA]
        if picks:
            finalist_list = propose_finalists(station=station, group=group, projects=picks, actor=officer)
            confirm_finalists(finalist_list=finalist_list, actor=office)
    checks = {code: {"ok": True, "note": "核查通过"} for code, _name in checklist_items(contest)}
    for finalist_list in FinalistList.objects.filter(station=station, status=FinalistStatus.CONFIRMED):
        for entry in finalist_list.entries.select_related("project"):
            record_due_diligence(project=entry.project, actor=office, checks=checks, findings="", passed=True)


def _seed_vote(contest: Contest, projects: list[int], office, seed: int) -> None:
    """A week of the popularity vote for the finalists, a tenth of it brushing in the three
    patterns of `ciic.votes.simulation`, stored as the services store votes, and the detectors
    run: the secretariat finds the suspicious votes held for its audit (/vote/audit/)."""
    if vote_config(contest) is None or not projects:
        return
    vote = simulate(Scenario(ballots=3000, projects=len(projects), brushing=0.1, seed=seed, cities=4))
    span = window(contest, vote_config(contest))
    start = span.opens_at or timezone.now() - dt.timedelta(seconds=vote.seconds)
    store_simulated_vote(contest=contest, vote=vote, projects=projects, start=start)
    run_detection(contest=contest, actor=office)


def _seed_finals(contest: Contest, *, seed: int) -> dict[str, int]:
    if FinalsSession.objects.filter(contest=contest).exists():
        return {"sessions": FinalsSession.objects.filter(contest=contest).count()}
    finals_stage = contest.stages.order_by("-order").first()
    _opens, closes = submission_window(finals_stage)
    spec_round = Round.objects.filter(stage=finals_stage, kind="roadshow_defense").first()
    if closes is None or spec_round is None or not ReviewRound.objects.filter(contest=contest).exists():
        return {"sessions": 0}
    rng = random.Random(f"finals:{seed}")
    fake = Faker("zh_CN")
    fake.seed_instance(seed + 7)
    office = User.objects.get(email=f"office@{DEMO_DOMAIN}")
    busiest = _busiest_station(contest)
    for station in contest.stations.exclude(pk=busiest.pk).order_by("order"):
        if not station.teams.exists():
            continue
        with transaction.atomic():
            _local_stage(contest, station, office, fake, rng)

    # The finals: the finalists submit inside the finals window (ahead on the demo's clock).
    at = closes - dt.timedelta(days=1)
    finalists = [e.project for fl in FinalistList.objects.filter(contest=contest, status=FinalistStatus.CONFIRMED)
                 for e in fl.entries.select_related("project__team__lead")]
    finalists = [p for p in finalists if is_finalist(p)]
    if not finalists:
        return {"sessions": 0}
    for project in finalists:
        submit_project(project=project, actor=project.team.lead, now=at)
    finals = create_round(spec_round=spec_round, station=None, actor=office, experts_per_project=PANEL, max_load=200)
    set_aggregation(review_round=finals, aggregation=(contest.spec.get("finals") or {}).get("aggregation", "raw"),
                    actor=office)
    judges = [Expert.objects.select_related("user").get(contest=contest, email=f"expert@{DEMO_DOMAIN}")]
    judges += [_expert(contest, office, fake, f"judge{i}@{DEMO_DOMAIN}", i=i) for i in range(1, PANEL)]
    quality = {p.pk: rng.gauss(78, 6) for p in finalists}
    cells = sorted({(p.team.direction_id, p.team.organization.group_id) for p in finalists if is_finalist(p)})
    made = []
    for n, (direction_id, group_id) in enumerate(cells):
        session = sessions.create_session(
            review_round=finals, direction=contest.directions.get(pk=direction_id),
            group=contest.groups.get(pk=group_id), actor=office, experts=judges, chair=office,
            venue=f"宁波国际会议中心 {chr(65 + n)} 厅", starts_at=at)
        session = sessions.draw(session=session, actor=office, seed=f"demo-{seed}-{n}")
        made.append(session)
    open_round(review_round=finals, actor=office)  # every finalist has its panel now
    first = made[0]
    entries = list(first.entries.order_by("position"))
    sessions.put_on_stage(session=first, entry=entries[-1], actor=office)
    sessions.release_scores(session=first, actor=office, release=True)
    for session in made:
        for entry in session.entries.all():
            for assignment in Assignment.objects.filter(review_round=finals, project=entry.project).select_related(
                    "expert__user"):
                if session == first and entry == entries[-1] and assignment.expert_id == judges[0].pk:
                    continue  # the demo expert's ballot: theirs to give, on stage now
                level = quality[entry.project_id] + rng.gauss(0, 3)
                save_review(assignment=assignment, actor=assignment.expert.user, scores=_scores(finals, level, rng),
                            recommendation=_recommendation(finals, level), submit=True)
    try:
        prizes.propose_awards(contest=contest, actor=office)
    except ValidationError:  # a small demo has fewer finalists than prizes: nothing to propose
        pass
    # One station's own awards, confirmed: a confirmed list to look at and to certify.
    station = contest.stations.exclude(pk=busiest.pk).filter(teams__isnull=False).order_by("order").first()
    officer = User.objects.get(email=f"{station.code}@{DEMO_DOMAIN}")
    special.set_local_category(station=station, actor=officer, code="first", name=f"{station.name}一等奖", count=1,
                               amount="5")
    special.set_local_category(station=station, actor=officer, code="excellent", name=f"{station.name}优秀奖", count=2)
    try:
        special.propose_local_awards(station=station, actor=officer)
        special.confirm_local_awards(station=station, actor=officer)
    except ValidationError:  # too few projects, or an exact tie: left for the officer to settle
        pass
    _seed_vote(contest, [p.pk for p in finalists], office, seed)
    # The confirmed local awards have their certificates, to verify from their QR codes.
    issue_certificates(contest=contest, actor=office)
    # The finalists and the running orders are public; the awards wait for confirmation.
    for kind in (PublicationKind.FINALISTS, PublicationKind.RUNNING_ORDER):
        publication.release(contest=contest, kind=kind, actor=office, publish=True)
    return {"sessions": len(made), "finalists": len(finalists)}
