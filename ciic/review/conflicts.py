"""Conflicts of interest between experts and projects (R-P8, issue 4): detected, not only declared.

An expert conflicts with a project when
  (a) the expert's employer is the entrant organization;
  (b) the employer is in the entrant's corporate family: its parent companies up the chain and
      its subsidiaries and branches down the tree (`ciic.entrants.eligibility.family_ids`: R-P8
      names 分公司、子公司、控股公司、母公司). Siblings under a common parent are *not* family:
      R-P8 does not name them, and `family_ids` does not return them. A contest that wants them
      adds a rule (see `RULES`);
  (c) the expert declared one; (d) the team declared one, naming the expert or their employer
      (`TeamAvoidance`, free text since teams do not see the pool); (e) staff recorded one;
  or by any rule the contest adds to `RULES`.

Organizations are matched by unified social credit code when both sides have one, else by
normalized name (whitespace, full-width punctuation and case folded). Every conflict carries a
human-readable reason (translated: Chinese msgids, the interface's default language).

A team naming a *person* may add the employer, "张伟（清华大学）": then only the experts of that
name whose employer matches (one name containing the other) conflict. A bare name, "张伟",
matches every expert of that name, since the team cannot tell them apart and missing the right
one would break R-P8, while excluding a namesake from one project costs one candidate. Such a
match is marked `possible` and its reason says it was matched by name only, so staff can see it
may be a namesake (common Chinese names are shared by many people). Staff who checked one such
match and found the expert is not the person the team meant dismiss it (`ConflictDismissal`, with
a reason, audited; `dismiss_possible_conflict`), for that avoidance and that expert only: the
other namesakes still conflict, and a definite conflict of the pair is never dismissed. Withdrawing
the dismissal (`restore_possible_conflict`) restores the possible conflict.

`conflicts_for(experts, projects)` is the batch form for a round: a constant number of queries,
the contest's organization graph loaded once and an index from credit code / name to the
projects whose family contains it, so the cost grows with the matches, not with experts ×
projects. `is_conflicted(expert, project)` is the pairwise form for permission checks; the two
agree (tested on random sets).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.entrants.models import Organization
from ciic.projects.models import Project

from .enums import AvoidanceKind, ConflictSource
from .models import Assignment, ConflictDeclaration, ConflictDismissal, Expert, TeamAvoidance

Pair = tuple[int, int]  # (expert_id, project_id)


@dataclass(frozen=True)
class Conflict:
    source: str  # a ConflictSource value
    reason: str
    # True when the match may be wrong: a team named a person by name only, and an expert of
    # that name is in the pool (perhaps a namesake). Still a conflict (see the module's notes).
    possible: bool = False
    # The team's avoidance behind a TEAM conflict (None for the other sources): what staff name
    # when they dismiss a possible match. Not part of equality: the reason already says it.
    avoidance_id: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return self.reason


# Rules the contest adds: each takes (experts, projects) lists and yields
# (expert_id, project_id, Conflict) for the pairs it finds conflicted.
Rule = Callable[[list[Expert], list[Project]], Iterable[tuple[int, int, Conflict]]]
RULES: list[Rule] = []


def register_rule(rule: Rule) -> Rule:
    """Add a contest rule (usable as a decorator); it is applied by every conflict check."""
    if rule not in RULES:
        RULES.append(rule)
    return rule


_PUNCT = str.maketrans({"（": "(", "）": ")", "·": "", "•": "", "，": ",", "．": "."})


def normalize_name(name: str) -> str:
    """An organization or person name for comparison: NFKC (full-width → half-width), no
    whitespace, parentheses unified, case folded."""
    text = unicodedata.normalize("NFKC", name or "").translate(_PUNCT)
    return "".join(text.split()).casefold()


# --- the organization graph ------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    id: int
    name: str
    code: str
    parent_id: int | None


class _Graph:
    """The contest's organizations in memory: the same family as `family_ids`, with the
    relation of each member to the entrant (for the reason)."""

    def __init__(self, orgs: Iterable[_Org]) -> None:
        self.by_id = {o.id: o for o in orgs}
        self.children: dict[int, list[int]] = defaultdict(list)
        for o in self.by_id.values():
            if o.parent_id is not None:
                self.children[o.parent_id].append(o.id)

    @classmethod
    def for_contest(cls, contest_id: int) -> _Graph:
        rows = Organization.objects.filter(contest_id=contest_id).values_list("id", "name", "credit_code", "parent_id")
        return cls(_Org(*row) for row in rows)

    def family(self, org_id: int) -> list[tuple[_Org, int]]:
        """(member, level): 0 the entrant, +n its n-th parent up, -n a subsidiary n levels down."""
        out: list[tuple[_Org, int]] = []
        seen: set[int] = set()
        node, level = self.by_id.get(org_id), 0
        while node is not None and node.id not in seen:
            seen.add(node.id)
            out.append((node, level))
            node, level = self.by_id.get(node.parent_id) if node.parent_id else None, level + 1
        frontier, level = [org_id], 0
        while frontier:
            level -= 1
            nxt = [c for p in frontier for c in self.children.get(p, ()) if c not in seen]
            seen.update(nxt)
            out.extend((self.by_id[c], level) for c in nxt)
            frontier = nxt
        return out


def _relation(level: int) -> str:
    if level == 1:
        return _("母公司")
    if level > 1:
        return _("上级单位（向上第 %(n)s 级，控股公司/母公司）") % {"n": level}
    if level == -1:
        return _("子公司或分公司")
    return _("下属单位（向下第 %(n)s 级，子公司/分公司）") % {"n": -level}


def _org_reason(expert_employer: str, member: _Org, level: int, entrant: str) -> Conflict:
    if level == 0:
        return Conflict(ConflictSource.EMPLOYER, _("专家任职单位“%(employer)s”即参赛单位“%(entrant)s”") % {
            "employer": expert_employer, "entrant": entrant})
    values = {"employer": expert_employer, "entrant": entrant, "relation": _relation(level), "member": member.name}
    if normalize_name(member.name) == normalize_name(expert_employer):
        return Conflict(ConflictSource.FAMILY, _("专家任职单位“%(employer)s”是参赛单位“%(entrant)s”的%(relation)s")
                        % values)
    return Conflict(ConflictSource.FAMILY,
                    _("专家任职单位“%(employer)s”是参赛单位“%(entrant)s”的%(relation)s“%(member)s”") % values)


# "张伟（清华大学）", "张伟(清华大学)", "张伟，清华大学", "张伟/清华大学", once normalized.
_PERSON_AT = re.compile(r"^(?P<person>[^(),/]+?)(?:\((?P<in_parens>[^()]+)\)|[,/](?P<after>.+))$")


def person_and_employer(name: str) -> tuple[str, str]:
    """A person named in a team's avoidance, normalized, and the employer the team gave with
    it ("" when none): "张伟（清华大学）" -> ("张伟", "清华大学")."""
    key = normalize_name(name)
    found = _PERSON_AT.match(key)
    if found is None:
        return key, ""
    return found["person"], found["in_parens"] or found["after"]


def _same_employer(given: str, employer: str) -> bool:
    """The team's employer text against the expert's (both normalized): one contains the other,
    so "清华大学" matches "清华大学自动化系" and a short form "清华" matches "清华大学"."""
    return bool(given and employer) and (given in employer or employer in given)


# --- the batch check -------------------------------------------------------------------


def _projects(project_ids: Iterable[int]) -> list[Project]:
    return list(Project.objects.filter(pk__in=list(project_ids)).select_related("team__organization"))


def _experts(expert_ids: Iterable[int]) -> list[Expert]:
    return list(Expert.objects.filter(pk__in=list(expert_ids)))


def _detect(experts: list[Expert], projects: list[Project]) -> dict[Pair, list[Conflict]]:
    found: dict[Pair, list[Conflict]] = defaultdict(list)
    if not experts or not projects:
        return found
    graphs: dict[int, _Graph] = {}
    # key -> [(project, member, level)]; a member with a credit code is indexed by it, and by
    # name for experts whose employer's code is unknown.
    by_code: dict[str, list] = defaultdict(list)
    by_name_any: dict[str, list] = defaultdict(list)
    by_name_codeless: dict[str, list] = defaultdict(list)
    for project in projects:
        org = project.team.organization
        graph = graphs.get(project.contest_id) or graphs.setdefault(project.contest_id,
                                                                    _Graph.for_contest(project.contest_id))
        for member, level in graph.family(org.pk):
            item = (project, member, level)
            name = normalize_name(member.name)
            by_name_any[name].append(item)
            if member.code:
                by_code[member.code].append(item)
            else:
                by_name_codeless[name].append(item)
    for expert in experts:
        name = normalize_name(expert.employer)
        if expert.employer_credit_code:
            hits = by_code.get(expert.employer_credit_code, []) + by_name_codeless.get(name, [])
        else:
            hits = by_name_any.get(name, [])
        seen: set[int] = set()
        for project, member, level in sorted(hits, key=lambda h: abs(h[2])):
            if project.pk in seen or project.contest_id != expert.contest_id:
                continue  # the closest relation explains it
            seen.add(project.pk)
            found[(expert.pk, project.pk)].append(
                _org_reason(expert.employer, member, level, project.team.organization.name))

    expert_ids = [e.pk for e in experts]
    project_ids = [p.pk for p in projects]
    declared = (ConflictDeclaration.objects.filter(expert_id__in=expert_ids, project_id__in=project_ids)
                .order_by("declared_at", "id"))
    for d in declared:
        found[(d.expert_id, d.project_id)].append(Conflict(d.source, _declared_reason(d.source, d.reason)))

    match = _avoidance_matcher(experts)
    contest_of = {p.pk: p.contest_id for p in projects}
    dismissed: set[tuple[int, int]] | None = None  # (avoidance_id, expert_id), loaded once when needed
    for a in TeamAvoidance.objects.filter(project_id__in=project_ids).order_by("declared_at", "id"):
        values = {"name": a.name, "reason": a.reason}
        for expert, possible in match(a):
            if expert.contest_id != contest_of[a.project_id]:
                continue
            if possible:
                if dismissed is None:  # one query for the batch, only when a possible match is found
                    dismissed = set(ConflictDismissal.objects.filter(
                        avoidance__project_id__in=project_ids, expert_id__in=expert_ids,
                    ).values_list("avoidance_id", "expert_id"))
                if (a.pk, expert.pk) in dismissed:
                    continue  # staff checked: a namesake, not the person the team meant
            if a.kind == AvoidanceKind.ORGANIZATION:
                reason = _("团队申报回避专家任职单位“%(name)s”：%(reason)s") % values
            elif possible:
                reason = _("团队申报回避专家“%(name)s”：%(reason)s（仅按姓名匹配，可能是同名的另一位专家，请核实）") % values
            else:
                reason = _("团队申报回避专家“%(name)s”：%(reason)s") % values
            found[(expert.pk, a.project_id)].append(Conflict(ConflictSource.TEAM, reason, possible=possible,
                                                             avoidance_id=a.pk))

    for rule in RULES:
        for expert_id, project_id, conflict in rule(experts, projects):
            found[(expert_id, project_id)].append(conflict)
    return found


MIN_CONTAINED_NAME = 4  # characters: a shorter avoided organization name is matched exactly only


def _avoidance_matcher(experts: list[Expert]) -> Callable[[TeamAvoidance], list[tuple[Expert, bool]]]:
    """avoidance -> [(expert, possible)]: the experts among `experts` a team's avoidance names
    (an organization: the experts employed by it or by one of its units, whose employer name
    contains it; a person: by name, and employer when given; `possible` when matched by name
    only). Contests are not checked here."""
    by_employer: dict[str, list[Expert]] = defaultdict(list)
    by_person: dict[str, list[Expert]] = defaultdict(list)
    for expert in experts:
        by_employer[normalize_name(expert.employer)].append(expert)
        by_person[normalize_name(expert.name)].append(expert)

    def match(a: TeamAvoidance) -> list[tuple[Expert, bool]]:
        if a.kind == AvoidanceKind.ORGANIZATION:
            name = normalize_name(a.name)
            if len(name) < MIN_CONTAINED_NAME:
                return [(e, False) for e in by_employer.get(name, [])]
            # The avoided organization's units count too: "清华大学" names an expert at
            # "清华大学自动化系". Not the other way round: "中国" would name half the pool.
            return [(e, False) for employer, found in by_employer.items() if name in employer for e in found]
        person, employer = person_and_employer(a.name)
        return [(e, not employer) for e in by_person.get(person, [])
                if not employer or _same_employer(employer, normalize_name(e.employer))]

    return match


def _declared_reason(source: str, reason: str) -> str:
    if source == ConflictSource.EXPERT:
        return _("专家申报：%(reason)s") % {"reason": reason}
    if source == ConflictSource.TEAM:
        return _("团队申报：%(reason)s") % {"reason": reason}
    if source == ConflictSource.STAFF:
        return _("工作人员认定：%(reason)s") % {"reason": reason}
    return _("申报：%(reason)s") % {"reason": reason}


def conflicts_for(*, expert_ids: Iterable[int], project_ids: Iterable[int]) -> dict[Pair, list[Conflict]]:
    """Every conflicted (expert_id, project_id) pair among these experts and projects, with its
    conflicts (source and reason), for assigning a round. Pairs without conflict are absent.
    A constant number of queries plus one per contest (its organization graph)."""
    return dict(_detect(_experts(expert_ids), _projects(project_ids)))


def conflict_reasons(*, expert_ids: Iterable[int], project_ids: Iterable[int]) -> dict[Pair, list[str]]:
    """`conflicts_for` with the reasons only."""
    return {pair: [c.reason for c in found] for pair, found in
            conflicts_for(expert_ids=expert_ids, project_ids=project_ids).items()}


def conflicts_between(expert: Expert, project: Project) -> list[Conflict]:
    """The conflicts of one expert with one project (empty when none)."""
    return _detect([expert], _projects([project.pk])).get((expert.pk, project.pk), [])


def is_conflicted(expert: Expert | None, project: Project) -> bool:
    """For permission checks: whether this expert may not see this project at all."""
    return expert is not None and bool(conflicts_between(expert, project))


def conflicts_of_contest(contest, *, experts=None, projects=None) -> dict[Pair, list[Conflict]]:
    """All conflicts between the contest's (given) experts and its active projects, for the
    staff's conflicts page."""
    from ciic.projects.enums import ProjectStatus

    if experts is None:
        experts = Expert.objects.filter(contest=contest)
    if projects is None:
        projects = Project.objects.filter(contest=contest, status=ProjectStatus.ACTIVE)
    projects = list(projects.select_related("team__organization"))
    return dict(_detect(list(experts), projects))


def conflicted_assignments(review_round, *, pairs: Iterable[Pair] | None = None) -> dict[Pair, list[Conflict]]:
    """The round's assigned (expert_id, project_id) pairs that are conflicted, with their
    conflicts: mostly a conflict declared or detected after assigning (R-P8). Such an assignment
    and any review stay on record (R-V3) but count for nothing: not toward the project's k
    experts (R-V1), not as a pending review, not in any score. `pairs` restricts the check to
    these pairs (default: every assignment of the round). A constant number of queries."""
    if pairs is None:
        pairs = Assignment.objects.filter(review_round=review_round).values_list("expert_id", "project_id")
    pairs = set(pairs)
    if not pairs:
        return {}
    found = conflicts_for(expert_ids={e for e, _p in pairs}, project_ids={p for _e, p in pairs})
    return {pair: found[pair] for pair in pairs if pair in found}


def notify_conflicted_assignments(project: Project, expert_ids: Iterable[int]) -> None:
    """A conflict was just recorded between these experts and `project`: for every draft or open
    round where one of them is assigned the project, its staff (the secretariat and the officers
    of the round's station) are told, once the transaction commits, that the project needs a
    replacement reviewer (R-P8, R-V1). The notice names the project, the round and how many
    experts, never who or why: staff read that on the round's assignment page."""
    from ciic.review.enums import RoundStatus

    expert_ids = list(expert_ids)
    if not expert_ids:
        return
    rows = list(Assignment.objects.filter(project=project, expert_id__in=expert_ids,
                                          review_round__status__in=[RoundStatus.DRAFT, RoundStatus.OPEN])
                .select_related("review_round__round", "review_round__station").order_by("review_round_id"))
    if not rows:
        return
    counts: dict[int, int] = defaultdict(int)
    rounds = {}
    for assignment in rows:
        counts[assignment.review_round_id] += 1
        rounds[assignment.review_round_id] = assignment.review_round
    name = project.name

    def send() -> None:
        from django.contrib.auth import get_user_model
        from django.db.models import Q
        from django.urls import reverse

        from ciic.accounts.enums import Role
        from ciic.notifications.services import notify

        users = get_user_model().objects.filter(is_active=True)
        for round_id, review_round in rounds.items():
            who = Q(role=Role.SECRETARIAT)
            if review_round.station_id is not None:
                who |= Q(role=Role.STATION_OFFICER, station_id=review_round.station_id)
            notify(users.filter(who).order_by("pk"), "assignment_conflicted",
                   {"project": name, "round": str(review_round), "n": counts[round_id]},
                   url=reverse("review:round_assignments", args=[round_id]))

    # robust: the conflict is recorded and committed; a failing notice must not turn it into an error.
    transaction.on_commit(send, robust=True)


# --- declarations (writes) -------------------------------------------------------------

REASON_LIMIT = 1000


def _reason(reason: str, errors: Errors) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _("请填写理由"), "R-P8")
    elif len(reason) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-P8")
    return reason


def _declare(*, expert: Expert, project: Project, source: str, reason: str, actor,
             errors: Errors) -> ConflictDeclaration:
    from ciic.projects.enums import ProjectStatus

    reason = _reason(reason, errors)
    if project.contest_id != expert.contest_id or project.status != ProjectStatus.ACTIVE:
        errors.add("project", _("请选择本届大赛的在赛项目"), "R-P8")
    elif ConflictDeclaration.objects.filter(expert=expert, project=project, source=source).exists():
        errors.add("project", _("已申报过该项目的利益冲突"), "R-P8")
    errors.raise_if_any()
    with transaction.atomic():
        item = ConflictDeclaration.objects.create(expert=expert, project=project, source=source, reason=reason,
                                                  declared_by=actor)
        # A conflict declared after assigning: the assignment and any review stay on record
        # (R-V3) but count for nothing from now on (the selectors and results leave them out);
        # the entry names them so staff can see which rounds lost a reviewer.
        affected = [{"round": round_id, "review": review_id, "submitted": submitted_at is not None}
                    for round_id, review_id, submitted_at in Assignment.objects.filter(expert=expert, project=project)
                    .order_by("review_round_id").values_list("review_round_id", "review__id", "review__submitted_at")]
        record(actor=actor, action=f"conflict.declare.{source}", target=item,
               after={"expert": expert.pk, "project": project.pk, "source": source, "reason": reason,
                      "assignments": affected})
        notify_conflicted_assignments(project, [expert.pk])
    return item


def declare_conflict(*, expert: Expert, project: Project, reason: str, actor) -> ConflictDeclaration:
    """The expert declares a conflict with a project (R-P8); from then on they are never
    assigned to it nor shown it. Only the expert themself declares as the expert. Audited."""
    if actor.pk is None or expert.user_id != actor.pk:
        raise PermissionDenied
    return _declare(expert=expert, project=project, source=ConflictSource.EXPERT, reason=reason, actor=actor,
                    errors=Errors())


def record_conflict(*, expert: Expert, project: Project, reason: str, actor) -> ConflictDeclaration:
    """Staff record a conflict they know of (R-P8): the secretariat for any pair, a station
    officer for their station's experts and projects. Audited."""
    errors = Errors()
    if not actor.has_perm("review.record_conflict"):
        raise PermissionDenied
    if actor.is_station_officer and (expert.station_id != actor.station_id
                                     or project.team.station_id != actor.station_id):
        raise PermissionDenied
    return _declare(expert=expert, project=project, source=ConflictSource.STAFF, reason=reason, actor=actor,
                    errors=errors)


def declare_avoidance(*, project: Project, kind: str, name: str, reason: str, actor) -> TeamAvoidance:
    """The team names an organization or a person who should not review its project (R-P8).
    Teams do not see the pool: the name is matched against it (normalized employer or expert
    name) whenever conflicts are computed, so experts added later are caught too. Audited."""
    if not actor.has_perm("review.declare_team_avoidance", project):
        raise PermissionDenied
    errors = Errors()
    if kind not in AvoidanceKind.values:
        errors.add("kind", _("请选择回避的是单位还是个人"), "R-P8")
    name = " ".join((name or "").split())
    if not name:
        errors.add("name", _("请填写需回避的单位名称或专家姓名"), "R-P8")
    elif len(name) > TeamAvoidance._meta.get_field("name").max_length:
        errors.add("name", _("名称过长"), "R-P8")
    elif hidden := hidden_characters_error(name, label=_("单位或姓名")):
        errors.add("name", hidden, "R-P8")
    elif TeamAvoidance.objects.filter(project=project, kind=kind, name=name).exists():
        errors.add("name", _("已申报过该回避"), "R-P8")
    reason = _reason(reason, errors)
    errors.raise_if_any()
    with transaction.atomic():
        item = TeamAvoidance.objects.create(project=project, kind=kind, name=name, reason=reason, declared_by=actor)
        record(actor=actor, action="conflict.team_avoidance", target=project,
               after={"avoidance": item.pk, "kind": kind, "name": name, "reason": reason})
        # The experts it names who already review the project (the pool is matched as `_detect` does).
        assigned = _experts(Assignment.objects.filter(project=project).values_list("expert_id", flat=True))
        notify_conflicted_assignments(project, [e.pk for e, _possible in _avoidance_matcher(assigned)(item)
                                    if e.contest_id == project.contest_id])
    return item


# --- possible (name-only) matches staff checked ------------------------------------------


def _check_dismisser(actor, project: Project, expert: Expert) -> None:
    """The secretariat for any pair; a station officer for their station's experts and projects."""
    if not actor.has_perm("review.dismiss_conflict", project):
        raise PermissionDenied
    if actor.is_station_officer and expert.station_id != actor.station_id:
        raise PermissionDenied


def dismiss_possible_conflict(*, avoidance: TeamAvoidance, expert: Expert, reason: str, actor) -> ConflictDismissal:
    """Staff checked a possible match (the team named a person by name only, and this expert has
    that name) and found the expert is a namesake, not the person the team meant (R-P8): from
    now on that match is not a conflict of this expert with the avoidance's project. Only such a
    possible match is dismissed, for this expert only; a team avoidance naming an organization or
    a person with their employer, an expert the avoidance does not name, and a pair with a
    definite conflict (employer, corporate family, a declaration, a contest rule, a definite
    match) are refused. Audited."""
    project = avoidance.project
    _check_dismisser(actor, project, expert)
    errors = Errors()
    reason = _reason(reason, errors)
    _person, employer = person_and_employer(avoidance.name)
    if avoidance.kind != AvoidanceKind.PERSON or employer:
        errors.add("avoidance", _("只能排除团队仅按姓名申报回避时的同名匹配；按单位或“姓名（单位）”申报的回避不能排除"),
                   "R-P8")
    elif expert.contest_id != project.contest_id or (expert, True) not in _avoidance_matcher([expert])(avoidance):
        errors.add("expert", _("该专家不是此项回避按姓名匹配到的专家"), "R-P8")
    elif ConflictDismissal.objects.filter(avoidance=avoidance, expert=expert).exists():
        errors.add("expert", _("已确认过该专家不是团队所指的人"), "R-P8")
    elif any(not c.possible for c in conflicts_between(expert, project)):
        errors.add("expert", _("该专家与该项目另有确定的利益冲突，不能排除"), "R-P8")
    errors.raise_if_any()
    with transaction.atomic():
        item = ConflictDismissal.objects.create(avoidance=avoidance, expert=expert, reason=reason,
                                                dismissed_by=actor)
        record(actor=actor, action="conflict.dismiss_possible", target=item,
               after={"avoidance": avoidance.pk, "name": avoidance.name, "expert": expert.pk,
                      "project": project.pk, "reason": reason})
    return item


def restore_possible_conflict(*, dismissal: ConflictDismissal, actor) -> None:
    """Withdraw a dismissal: the expert's possible match with the avoidance's project is a
    conflict again (R-P8). Audited; the entry keeps what was withdrawn."""
    avoidance, expert = dismissal.avoidance, dismissal.expert
    _check_dismisser(actor, avoidance.project, expert)
    with transaction.atomic():
        record(actor=actor, action="conflict.restore_possible", target=dismissal,
               before={"avoidance": avoidance.pk, "name": avoidance.name, "expert": expert.pk,
                       "project": avoidance.project_id, "reason": dismissal.reason,
                       "dismissed_by": dismissal.dismissed_by_id, "dismissed_at": dismissal.dismissed_at})
        dismissal.delete()
        # Already assigned to the project? Its staff need a replacement again (R-V1).
        notify_conflicted_assignments(avoidance.project, [expert.pk])


def dismissals_of(*, project_ids: Iterable[int], expert_ids: Iterable[int]):
    """The dismissed possible matches among these projects and experts, for the conflicts page."""
    return (ConflictDismissal.objects.filter(avoidance__project_id__in=list(project_ids),
                                             expert_id__in=list(expert_ids))
            .select_related("avoidance__project__team", "expert", "dismissed_by").order_by("-dismissed_at", "-id"))
