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

from .models import Organization

_FIELD_LABELS = {"headcount": gettext_lazy("从业人数"), "annual_revenue": gettext_lazy("营收")}


@dataclass(frozen=True)
class Applicant:
    """What the group depends on; an Organization or the values typed into a form."""

    kind: str
    headcount: int | None
    annual_revenue: Decimal | None
    name: str
    credit_code: str
    parent: Organization | None = None


@dataclass(frozen=True)
class GroupDecision:
    group: Group
    reason: str


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


def _norm(name: str) -> str:
    return "".join(name.split())


def central_soe_match(contest: Contest, applicant: Applicant) -> str | None:
    """The name of the central SOE group the applicant is, or belongs to through its parents."""
    soes = list(CentralSOE.objects.filter(contest=contest))
    by_code = {s.credit_code: s.name for s in soes if s.credit_code}
    by_name = {_norm(s.name): s.name for s in soes}
    chain: list[tuple[str, str]] = [(applicant.credit_code, applicant.name)]
    chain += [(o.credit_code, o.name) for o in ancestors(applicant.parent)]
    for code, name in chain:
        hit = by_code.get(code) or by_name.get(_norm(name))
        if hit:
            return hit
    return None


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


def _check(criterion: dict, applicant: Applicant, contest: Contest) -> tuple[bool, str]:
    """Whether one criterion holds, and the facts that show it."""
    if criterion.get("central_soe"):
        soe = central_soe_match(contest, applicant)
        if soe:
            return True, _("属于中央企业 %(soe)s") % {"soe": soe}
        return False, _("不在中央企业名录中，上级单位也不在")
    kinds = criterion.get("kinds") or []
    if kinds and applicant.kind not in kinds:
        return False, _("单位类型不是%(kinds)s") % {
            "kinds": "/".join(str(OrganizationKind(k).label) for k in kinds)
        }
    facts = []
    for cond in criterion.get("any", []):
        field, limit = cond["field"], Decimal(str(cond["gt"]))
        value = getattr(applicant, field)
        # R-G2: "more than" is strict; exactly the threshold does not qualify.
        if value is not None and Decimal(value) > limit:
            return True, f"{_field_label(field)} {_amount(field, value)} > {_amount(field, limit)}"
        facts.append(f"{_field_label(field)} {_amount(field, value)} ≤ {_amount(field, limit)}")
    return False, _("，").join(facts)  # translators: list separator


def derive_group(*, contest: Contest, applicant: Applicant) -> GroupDecision:
    """R-G2/R-G3: the first non-default group any of whose criteria holds, else the default
    group; with the reason spelled out for the entrant ("领军组：工业企业，从业人数 1,200 > 1,000")."""
    groups = list(Group.objects.filter(contest=contest).order_by("order"))
    default = next((g for g in groups if g.is_default), None)
    misses: list[str] = []
    for group in groups:
        if group.is_default:
            continue
        for criterion in group.criteria:
            ok, why = _check(criterion, applicant, contest)
            if ok:
                return GroupDecision(group, _("%(group)s：%(criterion)s，%(facts)s") % {
                    "group": group.display_name, "criterion": _label(criterion), "facts": why})
            misses.append(_("%(criterion)s（%(facts)s）") % {"criterion": _label(criterion), "facts": why})
    if default is None:
        raise LookupError(f"contest {contest.slug} has no default group")
    joined = _("；").join(misses)
    return GroupDecision(default, _("%(group)s：不满足其他组别的任一条件：%(misses)s") % {
        "group": default.display_name, "misses": joined,
    })


def explain_group(org: Organization) -> str:
    """The reason for the organization's group in the active language.

    The stored reason is the record, written in Chinese when the group was derived; other
    languages re-explain the same facts, falling back to the record if the group would differ
    now (the spec changed after the deadline froze the group, R-G4)."""
    if (get_language() or "zh-hans").startswith("zh") or org.group_id is None:
        return org.group_reason
    decision = derive_group(contest=org.contest, applicant=Applicant(
        kind=org.kind, headcount=org.headcount, annual_revenue=org.annual_revenue,
        name=org.name, credit_code=org.credit_code, parent=org.parent))
    return decision.reason if decision.group.pk == org.group_id else org.group_reason


def derive_group_record(*, contest: Contest, applicant: Applicant) -> GroupDecision:
    """derive_group with the reason in Chinese, the language of the record."""
    with override("zh-hans"):
        return derive_group(contest=contest, applicant=applicant)
