"""What the staff home shows: the edition in figures and what waits for the staff member, each
already scoped to what they may see (the secretariat everything, a station officer their
station). Reads only; every figure links to the page where the work is done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from ciic.contests.models import Contest
from ciic.entrants.enums import GroupStatus
from ciic.entrants.selectors import organizations_for_user, teams_for_user
from ciic.projects.models import MaterialRequest, OriginalityPair, OriginalityRun
from ciic.projects.selectors import projects_for_user
from ciic.publicity.enums import CaseState
from ciic.publicity.models import Case
from ciic.publicity.selectors import dashboard_counts as publicity_counts
from ciic.review.enums import FinalistStatus, RoundStatus
from ciic.review.models import Assignment
from ciic.review.selectors import finalist_lists_for_user, rounds_for_staff

# An open round closing within this long counts its experts' unsubmitted reviews as due soon.
DUE_SOON = dt.timedelta(days=2)


@dataclass(frozen=True)
class Task:
    """One thing waiting for the staff member: what, how many, where to do it."""

    text: str
    count: int
    url: str
    urgent: bool = False


@dataclass
class StaffOverview:
    organizations: int = 0
    teams: int = 0
    projects: int = 0
    submitted: int = 0
    tasks: list[Task] = field(default_factory=list)
    # For the complaint committee: open, overdue and upheld cases (publicity.selectors).
    complaints: dict[str, int] | None = None


def staff_overview(user, contest: Contest, *, now: dt.datetime | None = None) -> StaffOverview:
    now = now or timezone.now()
    projects = projects_for_user(user, contest)
    overview = StaffOverview(
        organizations=organizations_for_user(user, contest).count(),
        teams=teams_for_user(user, contest).count(),
        projects=projects.count(),
        submitted=projects.filter(submissions__isnull=False).distinct().count(),
    )
    tasks = overview.tasks
    rounds = rounds_for_staff(user, contest)

    unassigned = rounds.filter(status=RoundStatus.DRAFT).annotate(n=Count("assignments")).filter(n=0)
    if (n := unassigned.count()):
        tasks.append(Task(ngettext("%(count)s 个评审轮尚未分配专家", "%(count)s 个评审轮尚未分配专家", n) % {"count": n},
                          n, reverse("review:round_list")))

    open_rounds = rounds.filter(status=RoundStatus.OPEN)
    overdue = open_rounds.filter(closes_at__lt=now)
    if (n := overdue.count()):
        tasks.append(Task(ngettext("%(count)s 个评审轮已过截止时间仍未结束", "%(count)s 个评审轮已过截止时间仍未结束", n)
                          % {"count": n}, n, reverse("review:round_list"), urgent=True))
    pending = (Assignment.objects.filter(review_round__in=open_rounds.filter(closes_at__lt=now + DUE_SOON))
               .filter(Q(review__isnull=True) | Q(review__submitted_at__isnull=True)))
    if (n := pending.values("expert_id").distinct().count()):
        tasks.append(Task(ngettext("%(count)s 位专家的评分临近或已过截止时间仍未提交",
                                   "%(count)s 位专家的评分临近或已过截止时间仍未提交", n) % {"count": n},
                          n, reverse("review:round_list"), urgent=True))

    requests = MaterialRequest.objects.filter(project__in=projects, status=MaterialRequest.Status.OPEN)
    if (n := requests.filter(due_at__lt=now).count()):
        tasks.append(Task(ngettext("%(count)s 项补充材料要求已过截止时间，团队仍未答复",
                                   "%(count)s 项补充材料要求已过截止时间，团队仍未答复", n) % {"count": n},
                          n, reverse("projects:list"), urgent=True))
    if (n := requests.filter(due_at__gte=now).count()):
        tasks.append(Task(ngettext("%(count)s 项补充材料要求等待团队答复", "%(count)s 项补充材料要求等待团队答复", n)
                          % {"count": n}, n, reverse("projects:list")))

    if user.has_perm("projects.run_originality"):
        latest = (OriginalityRun.objects.filter(contest=contest, status=OriginalityRun.Status.DONE)
                  .order_by("-finished_at", "-pk").first())
        if latest is not None and (n := OriginalityPair.objects.filter(
                run=latest, verdict=OriginalityPair.Verdict.PENDING).count()):
            tasks.append(Task(ngettext("%(count)s 组相似项目等待核查结论", "%(count)s 组相似项目等待核查结论", n)
                              % {"count": n}, n, reverse("projects:originality")))

    if user.has_perm("entrants.verify_central_soe"):
        # R-G2(c): self-declared central SOEs that no list holds wait for the secretariat.
        if (n := organizations_for_user(user, contest).filter(group_status=GroupStatus.PENDING).count()):
            tasks.append(Task(ngettext("%(count)s 家单位自报为中央企业但不在名录中，等待秘书处核实组别",
                                       "%(count)s 家单位自报为中央企业但不在名录中，等待秘书处核实组别", n)
                              % {"count": n}, n,
                              reverse("entrants:organization_list") + f"?group_status={GroupStatus.PENDING}"))

    if user.has_perm("review.confirm_finalists"):
        proposed = [lst for lst in finalist_lists_for_user(user, contest) if lst.status == FinalistStatus.PROPOSED]
        if proposed:
            n = len(proposed)
            tasks.append(Task(ngettext("%(count)s 份晋级名单等待秘书处确认", "%(count)s 份晋级名单等待秘书处确认", n)
                              % {"count": n}, n, reverse("review:finalist_index")))

    if user.has_perm("publicity.handle_cases"):
        # R-X2: complaints, with the cases past their step's time limit first.
        counts = publicity_counts(contest, now)
        overview.complaints = counts
        if (n := counts["overdue"]):
            tasks.append(Task(ngettext("%(count)s 件举报已超过处理时限", "%(count)s 件举报已超过处理时限", n) % {"count": n},
                              n, reverse("publicity:case_list") + "?overdue=1", urgent=True))
        if (n := Case.objects.filter(contest=contest, state=CaseState.RECEIVED).count()):
            tasks.append(Task(ngettext("%(count)s 件举报等待决定是否受理", "%(count)s 件举报等待决定是否受理", n)
                              % {"count": n}, n, reverse("publicity:case_list") + f"?state={CaseState.RECEIVED}"))
    return overview
