"""Which group an organization belongs to (R-G2, R-G3), and who its corporate family is (R-P8).

Pure reads: no writes here. The thresholds and the central SOE list come from the contest spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _
from stdnum import numdb

from ciic.contests.enums import OrganizationKind
from ciic.contests.models import CentralSOE, Contest, Group
from ciic.contests.names import name_key

from .enums import GroupStatus
from .models import Organization

_FIELD_LABELS = {"headcount": gettext_lazy("从业人数"), "annual_revenue": gettext_lazy("营收")}
# The secretariat's verdicts on a central SOE claim (R-G2c), kept while the claim stands.
VERDICTS = (GroupStatus.CONFIRMED, GroupStatus.REJECTED)


@dataclass(frozen=True)
class Applicant:
    """What the group depends on; an Organization or the values typed into a form.

    `soe_verdict` is the secretariat's verification of a self-declared central SOE (R-G2c):
    GroupStatus.CONFIRMED or REJECTED, or "" when there is none (`applicant_of`)."""

    kind: str
    headcount: int | None
    annual_revenue: Decimal | None
    name: str
    credit_code: str
    parent: Organization | None = None
    soe_verdict: str = ""


@dataclass(frozen=True)
class GroupDecision:
    """The group (None while the secretariat verifies a central SOE claim), why, and how it
    was settled (a GroupStatus value)."""

    group: Group | None
    reason: str
    status: str = GroupStatus.DERIVED


@dataclass(frozen=True)
class SOEMatch:
    """What the central SOE lists say about an applicant and its parent chain (R-G2c)."""

    soe: str = ""  # the counted list entry the chain reaches
    confirmed_parent: str = ""  # a parent the secretariat verified as a central SOE
    uncounted: str = ""  # an entry reached on a list the criterion does not count
    code_mismatch: str = ""  # an entry whose name matched but whose credit code differs


def applicant_of(org: Organization) -> Applicant:
    """The applicant an organization is. The secretariat's verdict counts only while the
    organization still declares itself a central SOE: changing its kind drops the claim."""
    verdict = ""
    if org.kind == OrganizationKind.CENTRAL_SOE and org.group_status in VERDICTS:
        verdict = org.group_status
    return Applicant(kind=org.kind, headcount=org.headcount, annual_revenue=org.annual_revenue,
                     name=org.name, credit_code=org.credit_code, parent=org.parent, soe_verdict=verdict)


def province_of(credit_code: str) -> tuple[str, str]:
    """The province (code, name) from a credit code's administrative-division digits 3-8."""
    if len(credit_code) < 8:
        return "", ""
    prefix = credit_code[2:4]
    for _part, info in numdb.get("cn/loc").info(prefix + "0000")[:1]:
        name = info.get("province", "")
        if name:
            return prefix, name
    return "", ""


def ancestors(org: Organization | None) -> list[Organization]:
    """The parent chain, nearest first; stops at a cycle rather than looping."""
    chain: list[Organization] = []
    seen: set[int] = set()
    while org is not None and org.pk not in seen:
        seen.add(org.pk)
        chain.append(org)
        org = org.parent
    return chain


def family_ids(org: Organization) -> set[int]:
    """The organization, its parent companies up the chain and its subsidiaries and branches
    down the tree: those R-P8 calls affiliated (分公司、子公司、控股公司、母公司)."""
    ids = {o.pk for o in ancestors(org)}
    frontier = {org.pk}
    while frontier:
        children = set(
            Organization.objects.filter(parent_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        ids |= children
        frontier = children
    return ids


def central_soe_match(contest: Contest, applicant: Applicant, *, lists: list[str] | None = None) -> SOEMatch:
    """Whether the applicant is a central SOE group or belongs to one through its parents
    (R-G2c), nearest first. An entry with a credit code matches by that code only; one
    without, by its name or an alias, compared as `name_key` folds them. `lists` are the
    list codes that count (all when None). A parent the secretariat verified counts too."""
    soes = list(CentralSOE.objects.filter(contest=contest))
    by_code = {s.credit_code: s for s in soes if s.credit_code}
    by_name: dict[str, CentralSOE] = {}
    for soe in soes:
        for name in [soe.name, *(soe.aliases or [])]:
            by_name.setdefault(name_key(name), soe)
    chain: list[tuple[str, str, Organization | None]] = [(applicant.credit_code, applicant.name, None)]
    chain += [(o.credit_code, o.name, o) for o in ancestors(applicant.parent)]
    uncounted = mismatch = ""
    for code, name, org in chain:
        hit = by_code.get(code) if code else None
        if hit is None and (key := name_key(name)):
            hit = by_name.get(key)
            if hit is not None and hit.credit_code and hit.credit_code != code:
                # Same name, another code: not the group the list means; say so, match nothing.
                mismatch, hit = mismatch or hit.name, None
        if hit is not None:
            if not lists or hit.list_code in lists:
                return SOEMatch(soe=hit.name)
            uncounted = uncounted or hit.name
        if org is not None and org.group_status == GroupStatus.CONFIRMED:
            return SOEMatch(confirmed_parent=org.name)
    return SOEMatch(uncounted=uncounted, code_mismatch=mismatch)


def _label(criterion: dict) -> str:
    if (get_language() or "").startswith("en") and criterion.get("label_en"):
        return criterion["label_en"]
    return criterion.get("label", "")


def _amount(field: str, value) -> str:
    if value is None:
        return "—"
    if field == "annual_revenue":
        text = f"{Decimal(value):,.2f}".rstrip("0").rstrip(".")
        return _("%(amount)s万元") % {"amount": text}
    return f"{int(value):,}"


def _field_label(field: str) -> str:
    return str(_FIELD_LABELS[field])


def _check_central_soe(criterion: dict, applicant: Applicant, contest: Contest) -> tuple[bool, str, str]:
    """R-G2(c): the lists first (they are the record); then the secretariat's verdict on the
    applicant's own claim."""
    found = central_soe_match(contest, applicant, lists=criterion.get("lists"))
    if found.soe:
        return True, _("属于中央企业 %(soe)s") % {"soe": found.soe}, GroupStatus.DERIVED
    if found.confirmed_parent:
        return True, _("上级单位 %(parent)s 经秘书处核实属于中央企业") % {
            "parent": found.confirmed_parent}, GroupStatus.DERIVED
    if applicant.soe_verdict == GroupStatus.CONFIRMED:
        return True, _("经秘书处核实属于中央企业（集团）及下属公司"), GroupStatus.CONFIRMED
    if applicant.soe_verdict == GroupStatus.REJECTED:
        return False, _("经秘书处核实不属于中央企业（集团）及下属公司"), GroupStatus.REJECTED
    if found.code_mismatch:
        return False, _("名称与中央企业名录中的 %(soe)s 相同，但统一社会信用代码不符") % {
            "soe": found.code_mismatch}, GroupStatus.DERIVED
    if found.uncounted:
        return False, _("%(soe)s 所在的名录不计入本届中央企业名录") % {"soe": found.uncounted}, GroupStatus.DERIVED
    return False, _("不在中央企业名录中，上级单位也不在"), GroupStatus.DERIVED


def _check(criterion: dict, applicant: Applicant, contest: Contest) -> tuple[bool, str, str]:
    """Whether one criterion holds, the facts that show it, and how it was settled."""
    if criterion.get("central_soe"):
        return _check_central_soe(criterion, applicant, contest)
    kinds = criterion.get("kinds") or []
    if kinds and applicant.kind not in kinds:
        return False, _("单位类型不是%(kinds)s") % {
            "kinds": "/".join(str(OrganizationKind(k).label) for k in kinds)
        }, GroupStatus.DERIVED
    facts = []
    for cond in criterion.get("any", []):
        field, limit = cond["field"], Decimal(str(cond["gt"]))
        value = getattr(applicant, field)
        # R-G2: "more than" is strict; exactly the threshold does not qualify.
        if value is not None and Decimal(value) > limit:
            return True, f"{_field_label(field)} {_amount(field, value)} > {_amount(field, limit)}", GroupStatus.DERIVED
        facts.append(f"{_field_label(field)} {_amount(field, value)} ≤ {_amount(field, limit)}")
    return False, _("，").join(facts), GroupStatus.DERIVED  # translators: list separator


def derive_group(*, contest: Contest, applicant: Applicant) -> GroupDecision:
    """R-G2/R-G3: the first non-default group any of whose criteria holds, else the default
    group; with the reason spelled out for the entrant ("领军组：工业企业，从业人数 1,200 > 1,000").

    R-G2(c): a unit that declares itself a central SOE (kind `central_soe`) when no counted
    list holds it or its parents, and that the secretariat has not verified, gets no group:
    it is pending (GroupStatus.PENDING), never silently the default group."""
    groups = list(Group.objects.filter(contest=contest).order_by("order"))
    default = next((g for g in groups if g.is_default), None)
    misses: list[str] = []
    soe_claim: tuple[Group, str] | None = None
    status = GroupStatus.DERIVED
    for group in groups:
        if group.is_default:
            continue
        for criterion in group.criteria:
            ok, why, settled = _check(criterion, applicant, contest)
            if ok:
                return GroupDecision(group, _("%(group)s：%(criterion)s，%(facts)s") % {
                    "group": group.display_name, "criterion": _label(criterion), "facts": why}, settled)
            if criterion.get("central_soe"):
                soe_claim = soe_claim or (group, why)
                status = GroupStatus.REJECTED if settled == GroupStatus.REJECTED else status
            misses.append(_("%(criterion)s（%(facts)s）") % {"criterion": _label(criterion), "facts": why})
    if default is None:
        raise LookupError(f"contest {contest.slug} has no default group")
    if soe_claim is not None and applicant.kind == OrganizationKind.CENTRAL_SOE and not applicant.soe_verdict:
        group, why = soe_claim
        return GroupDecision(None, _(
            "待核实：本单位自报为“%(kind)s”，但%(facts)s。由秘书处核实：属实为%(group)s，"
            "否则为%(default)s") % {
            "kind": OrganizationKind.CENTRAL_SOE.label, "facts": why, "group": group.display_name,
            "default": default.display_name}, GroupStatus.PENDING)
    joined = _("；").join(misses)
    return GroupDecision(default, _("%(group)s：不满足其他组别的任一条件：%(misses)s") % {
        "group": default.display_name, "misses": joined,
    }, status)


def explain_group(org: Organization) -> str:
    """The reason for the organization's group in the active language.

    The stored reason is the record, written in Chinese when the group was derived; other
    languages re-explain the same facts, falling back to the record if the group would differ
    now (the spec changed after the deadline froze the group, R-G4)."""
    if (get_language() or "zh-hans").startswith("zh"):
        return org.group_reason
    if org.group_id is None and org.group_status != GroupStatus.PENDING:
        return org.group_reason
    decision = derive_group(contest=org.contest, applicant=applicant_of(org))
    same = (decision.group.pk if decision.group else None) == org.group_id and decision.status == org.group_status
    return decision.reason if same else org.group_reason


def derive_group_record(*, contest: Contest, applicant: Applicant) -> GroupDecision:
    """derive_group with the reason in Chinese, the language of the record."""
    with override("zh-hans"):
        return derive_group(contest=contest, applicant=applicant)
