"""Every write about organizations, teams and representatives. Views, the API and commands
all call these, so the web page and the API can never disagree.

Each service validates everything first and raises `django.core.exceptions.ValidationError`
with a dict of field -> errors (each error's `code` is the rule ID it enforces); nothing is
written unless every check passes. Writes happen in one transaction with one audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.accounts.validators import normalize_mobile
from ciic.audit.services import record, snapshot
from ciic.contests.enums import OrganizationKind, PolicyKind
from ciic.contests.models import Contest, Direction, PolicyDocument, Station, UncivilWord
from ciic.contests.selectors import deadline_text, max_representatives, registration_open
from ciic.core.crypto import blind_index
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.core.wordfilter import WordFilter
from ciic.notifications.services import notify

from .eligibility import (
    VERDICTS,
    Applicant,
    applicant_of,
    derive_group,
    derive_group_record,
    family_ids,
    province_of,
)
from .enums import ACTIVE_REPRESENTATIVE, GroupStatus
from .identity import start_confirmation
from .models import Organization, PolicyAcceptance, Representative, Team

ORG_AUDIT_FIELDS = [
    "name", "credit_code", "kind", "headcount", "annual_revenue", "parent_id",
    "province", "group_id", "group_reason", "group_status", "is_registered", "owner_id",
]
GROUP_FIELDS = ["group_id", "group_reason", "group_status", "group_verification_note", "group_verified_at"]
TEAM_AUDIT_FIELDS = ["organization_id", "station_id", "direction_id", "name", "lead_id", "status"]
REP_AUDIT_FIELDS = ["team_id", "name", "id_number", "mobile", "email"]


def _too_long(model, field: str, value: str) -> int | None:
    """The field's limit if `value` exceeds it (long input gets an error, not a database fault)."""
    limit = model._meta.get_field(field).max_length
    return limit if limit is not None and len(value) > limit else None


def _require_open(contest: Contest, errors: Errors, *, field: str, rule: str, what: str,
                  now: dt.datetime | None) -> None:
    """R-T1 and the freezes tied to it (R-G4, R-P3): nothing changes once registration closed."""
    if not registration_open(contest, now=now):
        errors.add(field, _("%(what)s已截止：报名截止时间为 %(deadline)s（北京时间）") % {
            "what": what, "deadline": deadline_text(contest)}, rule)


# --- organizations -------------------------------------------------------------------


@dataclass
class OrganizationInput:
    name: str
    credit_code: str
    kind: str
    headcount: int | str | None
    annual_revenue: Decimal | str | None
    parent_credit_code: str = ""
    parent_name: str = ""


@dataclass
class CleanOrganization:
    name: str
    credit_code: str
    kind: str
    headcount: int
    annual_revenue: Decimal
    parent: Organization | None
    new_parent: tuple[str, str] | None  # (credit code, name) of a parent to create


def clean_organization(*, contest: Contest, data: OrganizationInput,
                       existing: Organization | None = None) -> tuple[CleanOrganization | None, Errors]:
    """Check an organization's fields (R-P1, R-G2) without writing; used live by the wizard.

    Whether the credit code is registered already is not checked here: the live preview
    must not tell strangers which organizations entered (issue 11 §3). Registering checks it
    (`register_organization`)."""
    errors = Errors()
    name = (data.name or "").strip()
    if not name:
        errors.add("name", _("请填写单位名称"), "R-P1")
    elif limit := _too_long(Organization, "name", name):
        errors.add("name", _("单位名称不能超过 %(limit)s 个字符") % {"limit": limit}, "R-P1")
    elif hidden := hidden_characters_error(name, label=_("单位名称")):
        errors.add("name", hidden, "R-P1")
    code = uscc.compact(data.credit_code or "") if data.credit_code else ""
    try:
        code = uscc.validate(code)
    except Exception:  # stdnum raises subclasses of ValidationError of its own
        errors.add("credit_code", _("统一社会信用代码无效：应为 18 位，且校验位正确"), "R-P1")
        code = ""
    if data.kind not in OrganizationKind.values:
        errors.add("kind", _("请选择单位类型"), "R-G2")
    headcount: int | None = None
    try:
        headcount = int(str(data.headcount).strip())
        if headcount < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("headcount", _("从业人数应为不小于 0 的整数"), "R-G2")
    revenue = _clean_revenue(data.annual_revenue, errors)

    parent: Organization | None = None
    new_parent: tuple[str, str] | None = None
    pcode_raw = (data.parent_credit_code or "").strip()
    if pcode_raw:
        try:
            pcode = uscc.validate(uscc.compact(pcode_raw))
        except Exception:
            errors.add("parent_credit_code", _("上级单位的统一社会信用代码无效"), "R-P8")
            pcode = ""
        if pcode and pcode == code:
            errors.add("parent_credit_code", _("上级单位不能是本单位"), "R-P8")
        elif pcode:
            parent = Organization.objects.filter(contest=contest, credit_code=pcode).first()
            if parent is None:
                pname = (data.parent_name or "").strip()
                if not pname:
                    errors.add("parent_name", _("该上级单位尚未注册，请填写其名称"), "R-P8")
                elif hidden := hidden_characters_error(pname, label=_("上级单位名称")):
                    errors.add("parent_name", hidden, "R-P8")
                new_parent = (pcode, pname)
            elif existing is not None and _is_descendant(parent, existing):
                errors.add("parent_credit_code", _("上级单位不能是本单位的下属单位"), "R-P8")
    if errors:
        return None, errors
    return CleanOrganization(name, code, data.kind, headcount, revenue, parent, new_parent), errors


def _clean_revenue(value, errors: Errors) -> Decimal | None:
    """The revenue exactly as given, or None with an error (R-G2).

    Never rounded: "more than" is strict, and rounding 10000.004 to the column's 2 decimals
    would compare 10000.00, not what was declared; it could carry a value across a threshold.
    A value with more decimals than the column keeps is refused instead (trailing zeros are
    harmless and accepted); so is one too large for the column (no database error later)."""
    field = Organization._meta.get_field("annual_revenue")
    places, digits = field.decimal_places, field.max_digits
    try:
        revenue = Decimal(str(value).strip())
        if not revenue.is_finite() or revenue < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("annual_revenue", _("年营业收入应为不小于 0 的数（单位：万元）"), "R-G2")
        return None
    if revenue.normalize().as_tuple().exponent < -places:
        errors.add("annual_revenue", _(
            "年营业收入最多保留 %(places)s 位小数（单位：万元）：组别按申报的数值严格比较，"
            "平台不做四舍五入") % {"places": places}, "R-G2")
        return None
    if revenue.adjusted() >= digits - places:
        errors.add("annual_revenue", _("年营业收入数值过大，请核对单位（万元）"), "R-G2")
        return None
    return revenue.quantize(Decimal(1).scaleb(-places))


def _is_descendant(candidate: Organization, org: Organization) -> bool:
    node: Organization | None = candidate
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == org.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def preview_group(*, contest: Contest, clean: CleanOrganization, existing: Organization | None = None):
    """The group the organization would get, with its reason (R-G2/R-G3), without writing.
    For an existing organization the secretariat's verdict on its central SOE claim stands
    while it keeps the claim (R-G2c)."""
    verdict = ""
    if existing is not None and clean.kind == OrganizationKind.CENTRAL_SOE:
        verdict = applicant_of(existing).soe_verdict
    return derive_group(contest=contest, applicant=Applicant(
        kind=clean.kind, headcount=clean.headcount, annual_revenue=clean.annual_revenue,
        name=clean.name, credit_code=clean.credit_code, parent=clean.parent, soe_verdict=verdict,
    ))


def _apply_group(org: Organization) -> None:
    """Derive the group again (R-G2, R-G3). A self-declared central SOE that no list holds is
    left without a group, pending (R-G2c); the secretariat's note stays only with its verdict."""
    decision = derive_group_record(contest=org.contest, applicant=applicant_of(org))
    org.group = decision.group
    org.group_reason = decision.reason
    org.group_status = decision.status
    if decision.status not in VERDICTS:
        org.group_verification_note, org.group_verified_at = "", None


def _regroup_descendants(org: Organization, actor, *, only_pending: bool = False) -> None:
    """A new parent link, or the secretariat's verdict on a parent, can put subsidiaries into
    a central SOE family (R-G2c). With `only_pending` (after the deadline, R-G4) only
    subsidiaries still waiting for a group are settled; the others keep theirs."""
    for child in Organization.objects.filter(parent=org, is_registered=True):
        if not only_pending or child.group_status == GroupStatus.PENDING:
            before = snapshot(child, GROUP_FIELDS)
            _apply_group(child)
            after = snapshot(child, GROUP_FIELDS)
            if (before["group_id"], before["group_status"]) != (after["group_id"], after["group_status"]):
                child.save(update_fields=["group", "group_reason", "group_status", "group_verification_note",
                                          "group_verified_at", "updated_at"])
                record(actor=actor, action="organization.regroup", target=child, before=before, after=after)
        _regroup_descendants(child, actor, only_pending=only_pending)


def register_organization(*, contest: Contest, actor, data: OrganizationInput,
                          now: dt.datetime | None = None) -> Organization:
    """Register an entrant organization (R-P1) and derive its group (R-G2, R-G3).

    Refused after the registration deadline (R-T1). A parent named by credit code that has
    not registered is recorded as an unregistered organization, so the corporate family is
    known for R-P8. An unregistered row with this credit code (named earlier as someone's
    parent) is claimed rather than duplicated. The account must have proved its email or
    mobile number first (accounts.verification). Names holding invisible or text-direction
    control characters are refused (ciic.core.text). Writes one audit entry.
    """
    errors = Errors()
    if not getattr(actor, "has_verified_contact", False):
        errors.add("__all__", _("请先验证账号的电子邮箱或手机号，再报名参赛"), "verify")
    _require_open(contest, errors, field="__all__", rule="R-T1", what=_("报名"), now=now)
    clean, field_errors = clean_organization(contest=contest, data=data)
    for field, errs in field_errors.by_field.items():
        errors.by_field.setdefault(field, []).extend(errs)
    if clean is not None and Organization.objects.filter(
            contest=contest, credit_code=clean.credit_code, is_registered=True).exists():
        _credit_code_clash(contest, clean.credit_code, actor, errors)
    errors.raise_if_any()
    assert clean is not None
    with transaction.atomic():
        parent = clean.parent or _create_parent(contest, clean.new_parent, actor)
        org = Organization.objects.select_for_update().filter(
            contest=contest, credit_code=clean.credit_code, is_registered=False).first()
        before = snapshot(org, ORG_AUDIT_FIELDS) if org else None
        org = org or Organization(contest=contest, credit_code=clean.credit_code)
        org.name, org.kind = clean.name, clean.kind
        org.headcount, org.annual_revenue, org.parent = clean.headcount, clean.annual_revenue, parent
        org.province_code, org.province = province_of(clean.credit_code)
        org.is_registered, org.owner = True, actor
        _apply_group(org)
        try:
            with transaction.atomic():
                org.save()
        except IntegrityError as exc:  # a concurrent registration of the same code won
            raise ValidationError({"credit_code": ValidationError(clash_message(), code="R-P1")}) from exc
        record(actor=actor, action="organization.register", target=org, before=before,
               after=snapshot(org, ORG_AUDIT_FIELDS))
        if before is not None:
            _regroup_descendants(org, actor)
    return org


def clash_message() -> str:
    return _("该统一社会信用代码不能再次注册：每个单位只能注册一次。如本单位从未在本届赛事注册，"
             "请联系秘书处核实：秘书处已收到通知。")


def _credit_code_clash(contest: Contest, code: str, actor, errors: Errors) -> None:
    """A second registration of a registered credit code (R-P1): refused, and the
    secretariat and the registered organization's owner are told, so a squatter is found
    and a real owner can claim its code. The refusal says no more than that."""
    org = Organization.objects.select_related("owner").get(contest=contest, credit_code=code, is_registered=True)
    errors.add("credit_code", clash_message(), "R-P1")
    params = {"organization": org.name, "account": f"#{getattr(actor, 'pk', '')}"}
    url = reverse("entrants:organization_detail", args=[org.pk])
    notify(User.objects.filter(role=Role.SECRETARIAT, is_active=True), "credit_code_clash", params, url=url)
    notify([org.owner], "credit_code_attempt", params, url=url)


def _create_parent(contest: Contest, new_parent: tuple[str, str] | None, actor) -> Organization | None:
    if new_parent is None:
        return None
    code, name = new_parent
    parent = Organization.objects.create(
        contest=contest, credit_code=code, name=name, kind=OrganizationKind.OTHER,
        is_registered=False, province_code=province_of(code)[0], province=province_of(code)[1],
    )
    record(actor=actor, action="organization.add_parent", target=parent,
           after=snapshot(parent, ORG_AUDIT_FIELDS))
    return parent


def update_organization(*, organization: Organization, actor, data: OrganizationInput,
                        now: dt.datetime | None = None) -> Organization:
    """Change an organization's details before the deadline; its group is derived again.

    R-G4: after the registration deadline the group, and so everything it depends on, is frozen.
    """
    contest = organization.contest
    errors = Errors()
    _require_open(contest, errors, field="__all__", rule="R-G4", what=_("修改单位信息（组别依据）"), now=now)
    clean, field_errors = clean_organization(contest=contest, data=data, existing=organization)
    for field, errs in field_errors.by_field.items():
        errors.by_field.setdefault(field, []).extend(errs)
    if clean and clean.credit_code != organization.credit_code:
        errors.add("credit_code", _("统一社会信用代码注册后不能修改"), "R-P1")
    errors.raise_if_any()
    assert clean is not None
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        before = snapshot(org, ORG_AUDIT_FIELDS)
        org.name, org.kind = clean.name, clean.kind
        org.headcount, org.annual_revenue = clean.headcount, clean.annual_revenue
        org.parent = clean.parent or _create_parent(contest, clean.new_parent, actor)
        _apply_group(org)
        org.save()
        record(actor=actor, action="organization.update", target=org, before=before,
               after=snapshot(org, ORG_AUDIT_FIELDS))
        _regroup_descendants(org, actor)
    return org


def verify_central_soe(*, organization: Organization, actor, confirm: bool, reason: str,
                       now: dt.datetime | None = None) -> Organization:
    """The secretariat settles a self-declared central SOE that no list holds (R-G2c).

    `confirm` puts it in the central SOE group's group (领军组); a rejection gives it the group
    the other criteria give (R-G3). The reason is required: the team reads it. Allowed while
    the organization declares itself a central SOE and is pending or already verified (a
    verdict can be corrected); one a list holds needs no verification. Allowed after the
    registration deadline too: it settles the group the entrant declared before it, and only
    subsidiaries still pending follow it then (R-G4). Side effects: one audit entry
    ("organization.verify_central_soe", the reason included), the regrouping of subsidiaries
    (each audited), and a notification to the organization's owner and its teams' leads.
    The caller checks `entrants.verify_central_soe` (the secretariat only)."""
    errors = Errors()
    text = (reason or "").strip()
    if not text:
        errors.add("reason", _("请填写核实意见：团队会看到"), "R-G2")
    elif hidden := hidden_characters_error(text, label=_("核实意见"), multiline=True):
        errors.add("reason", hidden, "R-G2")
    claimed = organization.kind == OrganizationKind.CENTRAL_SOE
    if not claimed or organization.group_status not in (GroupStatus.PENDING, *VERDICTS):
        errors.add("__all__", _("该单位不是待核实的中央企业：只有自报为中央企业且不在名录中的单位需要核实"), "R-G2")
    errors.raise_if_any()
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        before = snapshot(org, GROUP_FIELDS)
        org.group_status = GroupStatus.CONFIRMED if confirm else GroupStatus.REJECTED
        _apply_group(org)
        org.group_verification_note, org.group_verified_at = text, timezone.now()
        org.save(update_fields=["group", "group_reason", "group_status", "group_verification_note",
                                "group_verified_at", "updated_at"])
        record(actor=actor, action="organization.verify_central_soe", target=org, before=before,
               after={**snapshot(org, GROUP_FIELDS), "confirm": confirm})
        _regroup_descendants(org, actor, only_pending=not registration_open(org.contest, now=now))
        leads = [t.lead for t in org.teams.select_related("lead")]
        kind = "central_soe_confirmed" if confirm else "central_soe_rejected"
        notify([org.owner, *leads], kind, {
            "organization": org.name, "group": org.group.name if org.group else "", "reason": text,
        }, url=reverse("entrants:organization_detail", args=[org.pk]))
    return org


# --- teams ---------------------------------------------------------------------------


@dataclass
class RepresentativeInput:
    name: str
    id_number: str
    mobile: str
    email: str


def _uncivil_words(contest: Contest, text: str) -> list[str]:
    return WordFilter(UncivilWord.objects.filter(contest=contest).values_list("word", flat=True)).find(text)


def _check_team_name(contest: Contest, name: str, errors: Errors, *, team: Team | None = None) -> str:
    name = (name or "").strip()
    if not name:
        errors.add("name", _("请填写团队名称"), "R-P7")
        return name
    if limit := _too_long(Team, "name", name):
        errors.add("name", _("团队名称不能超过 %(limit)s 个字符") % {"limit": limit}, "R-P7")
    if hidden := hidden_characters_error(name, label=_("团队名称")):
        errors.add("name", hidden, "R-P7")
    if _uncivil_words(contest, name):
        # Never echo the word back: the entrant knows what they typed.
        errors.add("name", _("团队名称不得包含不文明字样"), "R-P7")
    clash = Team.objects.filter(contest=contest, name=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        errors.add("name", _("该团队名称已被使用"), "unique")
    return name


def _check_station(contest: Contest, organization: Organization, station: Station | None,
                   direction: Direction | None, errors: Errors) -> None:
    """R-P4/R-D2: one station, one direction that station organizes; R-P8: no local units."""
    if station is None or station.contest_id != contest.pk:
        errors.add("station", _("请选择赛站"), "R-P4")
        return
    if direction is None or direction.contest_id != contest.pk:
        errors.add("direction", _("请选择赛题方向"), "R-D2")
    elif direction.station_id != station.pk:
        errors.add("direction", _("赛题方向“%(direction)s”由%(other)s组织，与所选赛站“%(station)s”不符") % {
            "direction": direction.display_name, "other": direction.station.display_name,
            "station": station.display_name}, "R-D2")
    unit = barred_local_unit(organization, station)
    if unit is not None:
        errors.add("station", _("本单位或其母公司、子公司、分公司、控股公司（%(member)s）是%(station)s的地方赛组织单位，不得在本赛站参赛") % {
            "member": unit[1], "station": station.display_name}, "R-P8")


def barred_local_unit(organization: Organization, station: Station) -> tuple[str, str] | None:
    """R-P8: (unit name, family member's name) if the station's local organizing units include
    the organization or any of its parents, subsidiaries or branches; else None."""
    units = list(station.local_units.all())
    if not units:
        return None
    family = Organization.objects.filter(pk__in=family_ids(organization))
    for member in family:
        for unit in units:
            if (unit.credit_code and unit.credit_code == member.credit_code) or (
                "".join(unit.name.split()) == "".join(member.name.split())
            ):
                return unit.name, member.name
    return None


def _check_policies(contest: Contest, accepted: Sequence[PolicyDocument], errors: Errors) -> list[PolicyDocument]:
    """R-P5: the current service rules and pledge must both be accepted."""
    current = list(PolicyDocument.objects.filter(contest=contest, is_current=True))
    accepted_ids = {p.pk for p in accepted}
    for policy in current:
        if policy.pk not in accepted_ids:
            errors.add("accept_policies", _("请阅读并同意现行版本的%(title)s（版本 %(version)s）") % {
                "title": policy.title, "version": policy.version}, "R-P5")
    kinds = {p.kind for p in current}
    for kind in PolicyKind.values:
        if kind not in kinds:
            errors.add("accept_policies", _("赛事尚未发布%(kind)s") % {"kind": PolicyKind(kind).label}, "R-P5")
    return current


def _clean_representative(contest: Contest, rep: RepresentativeInput, index: int, errors: Errors) -> dict | None:
    """One person's fields. Whether another team holds the person is not checked here, and
    never answered: the person's own confirmation settles it (entrants.identity)."""
    field = f"representatives[{index}]"
    ok = True
    name = (rep.name or "").strip()
    if not name:
        errors.add(f"{field}.name", _("请填写参赛代表姓名"), "R-P3")
        ok = False
    elif limit := _too_long(Representative, "name", name):
        errors.add(f"{field}.name", _("姓名不能超过 %(limit)s 个字符") % {"limit": limit}, "R-P3")
        ok = False
    elif hidden := hidden_characters_error(name, label=_("姓名")):
        errors.add(f"{field}.name", hidden, "R-P3")
        ok = False
    try:
        id_number = ric.validate(ric.compact(rep.id_number or ""))
    except Exception:
        errors.add(f"{field}.id_number", _("居民身份证号无效"), "R-P3")
        id_number, ok = "", False
    mobile = normalize_mobile(rep.mobile or "")
    if mobile is None:
        errors.add(f"{field}.mobile", _("手机号无效：应为 11 位中国大陆手机号"), "R-P3")
        ok = False
    try:
        validate_email(rep.email or "")
        if _too_long(Representative, "email", rep.email):
            raise ValidationError("too long")
    except ValidationError:
        errors.add(f"{field}.email", _("电子邮箱无效"), "R-P3")
        ok = False
    if not ok:
        return None
    return {"name": name, "id_number": id_number, "id_hash": blind_index(id_number, purpose="ric"),
            "mobile": mobile, "email": rep.email.strip()}


def _check_representatives(contest: Contest, reps: Sequence[RepresentativeInput], errors: Errors,
                           *, existing_count: int = 0, team: Team | None = None) -> list[dict]:
    limit = max_representatives(contest)
    total = existing_count + len(reps)
    if total < 1:
        errors.add("representatives", _("每个团队至少需要 1 名参赛代表"), "R-P3")
    if total > limit:
        errors.add("representatives", _("每个团队的参赛代表不超过 %(limit)s 人（现为 %(count)s 人）") % {
            "limit": limit, "count": total}, "R-P3")
    cleaned = []
    for i, rep in enumerate(reps, start=existing_count):
        c = _clean_representative(contest, rep, i, errors)
        if c:
            cleaned.append(c)
    hashes = [c["id_hash"] for c in cleaned]
    if team is not None:
        hashes += list(active_representatives(team).values_list("id_hash", flat=True))
    if len(set(hashes)) != len(hashes):
        errors.add("representatives", _("同一人不能在一个团队中重复登记"), "R-P3")
    return cleaned


def _validate_team(*, organization: Organization, station: Station | None,
                   direction: Direction | None, name: str,
                   representatives: Sequence[RepresentativeInput],
                   accepted_policies: Sequence[PolicyDocument], now: dt.datetime | None):
    contest = organization.contest
    errors = Errors()
    _require_open(contest, errors, field="__all__", rule="R-T1", what=_("报名"), now=now)
    if not organization.is_registered:
        errors.add("organization", _("该单位尚未注册"), "R-P1")
    name = _check_team_name(contest, name, errors)
    _check_station(contest, organization, station, direction, errors)
    policies = _check_policies(contest, accepted_policies, errors)
    reps = _check_representatives(contest, representatives, errors)
    return errors, name, policies, reps


def check_team(*, organization: Organization, station: Station | None, direction: Direction | None,
               name: str, representatives: Sequence[RepresentativeInput],
               accepted_policies: Sequence[PolicyDocument], now: dt.datetime | None = None) -> Errors:
    """Every refusal `register_team` would give, without writing: for explaining as the user types."""
    return _validate_team(organization=organization, station=station, direction=direction, name=name,
                          representatives=representatives, accepted_policies=accepted_policies, now=now)[0]


def register_team(*, organization: Organization, station: Station | None, direction: Direction | None,
                  name: str, actor, representatives: Sequence[RepresentativeInput],
                  accepted_policies: Sequence[PolicyDocument], now: dt.datetime | None = None) -> Team:
    """Register a team of `organization` (R-P2) at one station and direction (R-P4, R-D2).

    Enforces: registration open (R-T1); direction organized by the station (R-D2); the
    station's local organizing units and their families cannot enter there (R-P8); name free
    of uncivil words, look-alike letters folded, and of invisible or text-direction control
    characters (R-P7); 1..N representatives, each a valid person, none twice
    (R-P3); the current service rules and pledge accepted, versions and time
    recorded (R-P5). Writes the team, its representatives and acceptances, and one audit entry.
    Each representative confirms by text message before counting (entrants.identity).

    An organization whose central SOE claim waits for the secretariat (GroupStatus.PENDING,
    R-G2c) registers teams as any other: the claim delays its group, not its entry; its teams
    show the group as pending until the secretariat decides (`verify_central_soe`).
    """
    contest = organization.contest
    errors, name, policies, reps = _validate_team(
        organization=organization, station=station, direction=direction, name=name,
        representatives=representatives, accepted_policies=accepted_policies, now=now)
    errors.raise_if_any()
    with transaction.atomic():
        try:
            with transaction.atomic():
                team = Team.objects.create(contest=contest, organization=organization, station=station,
                                           direction=direction, name=name, lead=actor)
        except IntegrityError as exc:  # a concurrent registration took the name meanwhile
            raise ValidationError({"name": ValidationError(_("该团队名称已被使用"), code="unique")}) from exc
        for rep in reps:
            start_confirmation(Representative.objects.create(contest=contest, team=team, **rep), actor=actor)
        at = timezone.now()
        for policy in policies:
            PolicyAcceptance.objects.create(team=team, policy=policy, accepted_by=actor, accepted_at=at)
        record(actor=actor, action="team.register", target=team, after={
            **snapshot(team, TEAM_AUDIT_FIELDS),
            "representatives": [{k: r[k] for k in ("name", "id_number", "mobile", "email")} for r in reps],
            "accepted": [f"{p.kind}@{p.version}" for p in policies],
        })
    return team


def change_team(*, team: Team, actor, station: Station | None = None, direction: Direction | None = None,
                name: str | None = None, now: dt.datetime | None = None) -> Team:
    """Change a team's station, direction or name before the deadline (R-P4, R-D2, R-P7, R-P8).

    Station and direction are frozen once registration closes (R-G4, R-P3)."""
    contest = team.contest
    errors = Errors()
    _require_open(contest, errors, field="__all__", rule="R-G4", what=_("修改赛站或赛题方向"), now=now)
    new_station = station or team.station
    new_direction = direction or team.direction
    new_name = _check_team_name(contest, name, errors, team=team) if name is not None else team.name
    _check_station(contest, team.organization, new_station, new_direction, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        before = snapshot(locked, TEAM_AUDIT_FIELDS)
        locked.station, locked.direction, locked.name = new_station, new_direction, new_name
        after = snapshot(locked, TEAM_AUDIT_FIELDS)
        if after == before:
            return locked
        locked.save(update_fields=["station", "direction", "name"])
        record(actor=actor, action="team.change", target=locked, before=before, after=after)
    return locked


def active_representatives(team: Team):
    """The rows that take a place on the team: pending and confirmed (R-P3)."""
    return team.representatives.filter(status__in=ACTIVE_REPRESENTATIVE)


def add_representative(*, team: Team, actor, data: RepresentativeInput,
                       now: dt.datetime | None = None) -> Representative:
    """Add one representative (R-P3): at most N per team, and no change after the
    registration deadline. The team row is locked so two simultaneous additions cannot both
    take the last place. The person named confirms by text message before they count and are
    held to this team (entrants.identity); whether another team holds them is not answered."""
    contest = team.contest
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        errors = Errors()
        _require_open(contest, errors, field="__all__", rule="R-P3", what=_("变更参赛代表"), now=now)
        count = active_representatives(locked).count()
        reps = _check_representatives(contest, [data], errors, existing_count=count, team=locked)
        errors.raise_if_any()
        rep = Representative.objects.create(contest=contest, team=locked, **reps[0])
        record(actor=actor, action="representative.add", target=rep, after=snapshot(rep, REP_AUDIT_FIELDS))
        start_confirmation(rep, actor=actor)
    return rep


def remove_representative(*, representative: Representative, actor, now: dt.datetime | None = None) -> None:
    """Remove a representative before the deadline (R-P3); a team keeps at least one that has
    not declined or been revoked."""
    team = representative.team
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        errors = Errors()
        _require_open(team.contest, errors, field="__all__", rule="R-P3", what=_("变更参赛代表"), now=now)
        if representative.is_active and active_representatives(locked).count() <= 1:
            errors.add("representatives", _("每个团队至少需要 1 名参赛代表"), "R-P3")
        errors.raise_if_any()
        before = snapshot(representative, REP_AUDIT_FIELDS)
        pk = representative.pk
        representative.delete()
        record(actor=actor, action="representative.remove", object_type="entrants.representative",
               object_id=pk, before=before)


def accept_policies(*, team: Team, actor, policies: Sequence[PolicyDocument]) -> list[PolicyAcceptance]:
    """Record that the team accepted these versions (R-P5): who, which version, when. The
    pledge is the team's own act: only its lead accepts, whatever other permissions the actor
    holds (a superuser's blanket permissions included)."""
    if actor is None or team.lead_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("同意服务规则和参赛承诺书是参赛团队自己的行为：只有团队负责人可以操作（R-P5）"))
    created = []
    with transaction.atomic():
        for policy in policies:
            if policy.contest_id != team.contest_id:
                raise ValidationError({"accept_policies": ValidationError(_("规则文本不属于本赛事"), code="R-P5")})
            acc, new = PolicyAcceptance.objects.get_or_create(
                team=team, policy=policy, defaults={"accepted_by": actor})
            if new:
                created.append(acc)
                record(actor=actor, action="team.accept_policy", target=team,
                       after={"policy": f"{policy.kind}@{policy.version}", "at": acc.accepted_at})
    return created


def team_has_accepted_current_policies(team: Team) -> bool:
    current = PolicyDocument.objects.filter(contest=team.contest, is_current=True)
    return not current.exclude(acceptances__team=team).exists()
