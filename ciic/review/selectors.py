"""Reads for expert review, already filtered to what the acting user may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ciic.contests.models import Contest
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Project, Submission
from ciic.projects.selectors import counting_submission

from .conflicts import conflicted_assignments, conflicts_for, is_conflicted
from .enums import RoundStatus
from .models import (
    Assignment,
    ConflictDeclaration,
    Expert,
    Review,
    ReviewRound,
    RoadshowSlot,
    RoundProject,
    TeamAvoidance,
)

# --- the expert pool -----------------------------------------------------------------


def experts_for_user(user, contest: Contest) -> QuerySet[Expert]:
    """Secretariat: the whole pool; station officer: the experts of their station; others: none."""
    qs = Expert.objects.filter(contest=contest).select_related("station", "user")
    if not user.is_authenticated:
        return qs.none()
    if user.is_secretariat:
        return qs
    if user.is_station_officer and user.station_id is not None:
        return qs.filter(station_id=user.station_id)
    return qs.none()


def filter_experts(qs: QuerySet[Expert], *, station: str = "", direction: str = "", kind: str = "",
                   active: str = "", q: str = "") -> QuerySet[Expert]:
    """The pool list's filters: station code, direction code, kind, active ("1"/"0"), and a
    search over name, employer and keywords."""
    if station:
        qs = qs.filter(station__code=station)
    if direction:
        qs = qs.filter(directions__code=direction)
    if kind:
        qs = qs.filter(kind=kind)
    if active in ("1", "0"):
        qs = qs.filter(active=active == "1")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(employer__icontains=q) | Q(keywords__icontains=q))
    return qs.distinct().order_by("id")


# --- conflicts -------------------------------------------------------------------------


def conflict_projects_for_user(user, contest: Contest, *, station: str = "", direction: str = "") -> QuerySet[Project]:
    """The active projects whose conflicts staff may see: all for the secretariat, the
    station's for a station officer."""
    from ciic.entrants.selectors import filter_teams, scope_to_user

    qs = Project.objects.filter(contest=contest, status=ProjectStatus.ACTIVE).select_related(
        "team__organization", "team__station", "team__direction")
    qs = scope_to_user(qs, user, team_path="team__")
    return filter_teams(qs, station=station, direction=direction, team_path="team__").order_by("id")


def declarable_projects(contest: Contest, *, q: str = "") -> QuerySet[Project]:
    """What an expert may pick from to declare a conflict: active projects, for their name and
    the entrant organization's name only (views must show nothing else)."""
    qs = Project.objects.filter(contest=contest, status=ProjectStatus.ACTIVE)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(team__organization__name__icontains=q))
    return qs.order_by("team__organization__name", "name")


def declarations_of_expert(expert: Expert) -> QuerySet[ConflictDeclaration]:
    return expert.declared_conflicts.select_related("project__team__organization").order_by("declared_at")


def avoidances_of_project(project: Project) -> QuerySet[TeamAvoidance]:
    return TeamAvoidance.objects.filter(project=project).order_by("declared_at", "id")


# --- the expert's workspace: assignments, progress, peers' scores (reviews/) ----------------


def expert_for_user(user) -> Expert | None:
    """The user's expert profile while it may take part in review (`active`), or None (not an
    expert, deactivated, or not logged in). A deactivated expert's workspace is empty and their
    projects are 404s; the reviews they submitted stay on record."""
    if not getattr(user, "is_authenticated", False):
        return None
    # An account may sit in several editions' pools: the newest edition's profile is the one at work.
    return (Expert.objects.filter(user=user, active=True).select_related("contest")
            .order_by("-contest__year", "-contest_id").first())


def review_of(assignment: Assignment) -> Review | None:
    """The assignment's review, or None (without raising on a missing reverse one-to-one)."""
    try:
        return assignment.review
    except Review.DoesNotExist:
        return None


def _workspace_queryset(expert: Expert) -> QuerySet[Assignment]:
    return (Assignment.objects.filter(expert=expert, review_round__status__in=[RoundStatus.OPEN, RoundStatus.CLOSED])
            .select_related("review_round__contest", "review_round__round__stage", "review_round__station",
                            "project__team__direction",
                            "project__team__organization__group", "review"))


def workspace_assignments(user) -> list[Assignment]:
    """The expert's assignments in open and closed rounds, without any project the expert is
    conflicted with (detected or declared, even after assigning: R-P8). Draft rounds stay
    hidden until staff open them. A constant number of queries."""
    expert = expert_for_user(user)
    if expert is None:
        return []
    rows = list(_workspace_queryset(expert).order_by("review_round_id", "project_id"))
    conflicted = conflicts_for(expert_ids=[expert.pk], project_ids={a.project_id for a in rows})
    return [a for a in rows if (expert.pk, a.project_id) not in conflicted]


@dataclass
class RoundProgress:
    """One round of the expert's workspace: its unconflicted assignments and how many of them
    the expert has submitted (counts never include a conflicted project, R-P8)."""

    review_round: ReviewRound
    assignments: list[Assignment]
    submitted: int
    assigned: int

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0


def workspace_rounds(user) -> list[RoundProgress]:
    """The expert's rounds (open first, then closed), each with its assignments and progress."""
    by_round: dict[int, RoundProgress] = {}
    for a in workspace_assignments(user):
        review = review_of(a)
        a.my_review = review
        item = by_round.setdefault(a.review_round_id, RoundProgress(a.review_round, [], 0, 0))
        item.assignments.append(a)
        item.assigned += 1
        item.submitted += review is not None and review.submitted_at is not None
    return sorted(by_round.values(), key=lambda r: (r.review_round.status != RoundStatus.OPEN, r.review_round.pk))


def visible_assignment(user, *, round_id: int, project_id: int) -> Assignment | None:
    """The expert's assignment to this project in this round, or None when the user is not
    the assigned expert, the round is still a draft, or the expert is conflicted (R-P8):
    callers answer 404 for None, so a conflicted project's existence is not revealed."""
    expert = expert_for_user(user)
    if expert is None:
        return None
    assignment = _workspace_queryset(expert).filter(review_round_id=round_id, project_id=project_id).first()
    if assignment is None or is_conflicted(expert, assignment.project):
        return None
    assignment.my_review = review_of(assignment)
    return assignment


def judged_submission(assignment: Assignment) -> Submission | None:
    """The version under review: the round's recorded one, else the version that counts in
    the round's stage (the last submitted before its deadline, R-J4)."""
    entry = (RoundProject.objects.filter(review_round_id=assignment.review_round_id, project_id=assignment.project_id)
             .select_related("submission__stage").first())
    if entry is not None and entry.submission is not None:
        return entry.submission
    return counting_submission(assignment.project, assignment.review_round.round.stage)


def peer_scores_visible(assignment: Assignment) -> bool:
    """Whether the expert may read the other experts' scores of this project: after the round
    closes; before that, only once they submitted their own when the round says so
    (`blind_until_submitted`)."""
    review_round = assignment.review_round
    if review_round.status == RoundStatus.CLOSED:
        return True
    review = getattr(assignment, "my_review", None) or review_of(assignment)
    return bool(review_round.blind_until_submitted and review is not None and review.submitted_at is not None)


def peer_reviews(assignment: Assignment) -> list[Review] | None:
    """The other experts' submitted reviews of the project in the round, or None when the
    expert may not see them yet. Reviews by experts conflicted with the project (declared
    after they scored) are left out: they count for nothing."""
    if not peer_scores_visible(assignment):
        return None
    rows = list(Review.objects.filter(assignment__review_round_id=assignment.review_round_id,
                                      assignment__project_id=assignment.project_id, submitted_at__isnull=False)
                .exclude(assignment_id=assignment.pk).select_related("assignment").order_by("submitted_at", "id"))
    conflicted = conflicts_for(expert_ids={r.assignment.expert_id for r in rows}, project_ids=[assignment.project_id])
    return [r for r in rows if (r.assignment.expert_id, assignment.project_id) not in conflicted]


def rounds_for_staff(user, contest: Contest) -> QuerySet[ReviewRound]:
    """Review rounds a staff member manages: the secretariat all, a station officer their
    station's; anyone else none."""
    qs = ReviewRound.objects.filter(contest=contest).select_related("round__stage", "station")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_secretariat:
        return qs
    if user.is_station_officer:
        return qs.filter(station_id=user.station_id)
    return qs.none()


def roadshow_rows(review_round: ReviewRound) -> list[RoundProject]:
    """The round's projects, each with its slot (`.slot`, or None), in slot then id order."""
    slots = {s.project_id: s for s in RoadshowSlot.objects.filter(review_round=review_round)}
    entries = list(RoundProject.objects.filter(review_round=review_round).select_related("project__team"))
    for entry in entries:
        entry.slot = slots.get(entry.project_id)
    return sorted(entries, key=lambda e: (e.slot is None, e.slot.starts_at if e.slot else None, e.project_id))


# --- rounds and assignment (rounds/) ----------------------------------------------------


def assigned_unconflicted(expert: Expert | None, project: Project) -> bool:
    """Whether `expert` reviews `project`: an assignment in an open or closed round (a draft
    round's assignments are not shown yet), no conflict of interest (R-P8), and the expert still
    active in the pool. The permission behind an expert's access to a project's materials."""
    if expert is None or project is None or not expert.active:
        return False
    assigned = Assignment.objects.filter(expert=expert, project=project,
                                         review_round__status__in=[RoundStatus.OPEN, RoundStatus.CLOSED]).exists()
    return assigned and not is_conflicted(expert, project)


def round_assignment_rows(review_round: ReviewRound, *, conflicted: dict | None = None) -> list[Assignment]:
    """The round's assignments with expert, project, team and review, project then expert; each
    with `.conflicted` (the reasons, empty when none): a conflict declared or detected after
    assigning (R-P8). Such an assignment stays on record (R-V3) but counts for nothing: the
    project needs a replacement. A constant number of queries. `conflicted`: the round's
    `conflicted_assignments`, when the caller has them already (one page, one detection)."""
    rows = list(Assignment.objects.filter(review_round=review_round)
                .select_related("expert", "project__team__station", "project__team__direction", "review")
                .order_by("project_id", "-affinity", "expert_id"))
    if conflicted is None:
        conflicted = conflicted_assignments(review_round, pairs=[(a.expert_id, a.project_id) for a in rows])
    for a in rows:
        a.conflicted = [c.reason for c in conflicted.get((a.expert_id, a.project_id), [])]
    return rows


def round_project_figures(review_round: ReviewRound, *, conflicted: dict | None = None) -> list[RoundProject]:
    """The round's projects, each with `.experts` (assigned experts counting toward k),
    `.conflicted` (assigned experts conflicted with it since, R-P8: on record, R-V3, but not
    counted, so to be replaced), `.affinity` (sum over the counting assignments), `.submitted`
    (their submitted reviews) and `.short` (fewer than k counting), lowest affinity first.
    A constant number of queries; `conflicted` as for `round_assignment_rows`."""
    rows = list(Assignment.objects.filter(review_round=review_round)
                .values_list("expert_id", "project_id", "affinity", "review__submitted_at"))
    if conflicted is None:
        conflicted = conflicted_assignments(review_round, pairs=[(e, p) for e, p, _a, _s in rows])
    entries = list(RoundProject.objects.filter(review_round=review_round)
                   .select_related("project__team__direction", "project__team__organization__group", "submission"))
    by_project = {e.project_id: e for e in entries}
    for entry in entries:
        entry.experts, entry.conflicted, entry.affinity, entry.submitted = 0, 0, None, 0
    for expert_id, project_id, affinity, submitted_at in rows:
        entry = by_project.get(project_id)
        if entry is None:
            continue
        if (expert_id, project_id) in conflicted:
            entry.conflicted += 1
            continue
        entry.experts += 1
        entry.affinity = (entry.affinity or 0.0) + affinity
        entry.submitted += submitted_at is not None
    for entry in entries:
        entry.short = entry.experts < review_round.experts_per_project
    return sorted(entries, key=lambda e: (e.affinity or 0.0, e.project_id))


def round_expert_figures(review_round: ReviewRound, *, conflicted: dict | None = None) -> list:
    """The panel (RoundExpert rows), each member with `.assigned` (not counting conflicted
    assignments), `.conflicted`, `.submitted` (reviews submitted), `.affinity` (sum) and `.load`
    (their maximum), by expert; `conflicted` as for `round_assignment_rows`."""
    from django.db.models import Count, Sum

    from .models import RoundExpert

    here = Q(expert__assignments__review_round=review_round)
    members = (RoundExpert.objects.filter(review_round=review_round).select_related("expert__station")
               .prefetch_related("expert__directions")
               .annotate(assigned=Count("expert__assignments", filter=here),
                         affinity=Sum("expert__assignments__affinity", filter=here),
                         submitted=Count("expert__assignments", filter=here & Q(
                             expert__assignments__review__submitted_at__isnull=False)))
               .order_by("expert_id"))
    members = list(members)
    # A conflicted assignment (declared or detected after assigning) stays on record but no
    # longer uses the expert's load: `.conflicted` says how many, `.assigned` leaves them out.
    if conflicted is None:
        conflicted = conflicted_assignments(review_round)
    per_expert = Counter(e for e, _p in conflicted)
    for member in members:
        member.load = member.max_load if member.max_load is not None else review_round.max_load
        member.conflicted = per_expert.get(member.expert_id, 0)
        member.assigned -= member.conflicted
    return members


# --- results and finalists (results/, finalists/) ----------------------------------------------


def result_rounds_for_user(user, contest: Contest) -> QuerySet[ReviewRound]:
    """Rounds whose results the user may see: those they manage, past the draft."""
    return rounds_for_staff(user, contest).exclude(status=RoundStatus.DRAFT).order_by(
        "round__stage__order", "round__order", "station__order", "pk")


def finalist_stations_for_user(user, contest: Contest):
    """Stations whose finalist lists the user may see: all for the secretariat, their own for a
    station officer, none otherwise."""
    from ciic.contests.models import Station

    qs = Station.objects.filter(contest=contest).order_by("order", "pk")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_secretariat:
        return qs
    if user.is_station_officer:
        return qs.filter(pk=user.station_id)
    return qs.none()


def finalist_lists_for_user(user, contest: Contest):
    """Finalist lists of the stations the user may see."""
    from .models import FinalistList

    return FinalistList.objects.filter(contest=contest, station__in=finalist_stations_for_user(user, contest)) \
        .select_related("station", "group", "proposed_by", "confirmed_by")
