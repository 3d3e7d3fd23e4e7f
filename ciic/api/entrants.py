"""Organizations, teams, representatives and policy acceptances.

Every write calls the same service as the web page (`ciic.entrants.services`), so the rules
(R-T1, R-G2..R-G4, R-P1..R-P8, R-D2) are enforced in one place and refused the same way:
HTTP 422 with the rule ID. Objects come from the selectors, already filtered to what the
caller may see: anything else is 404, whether it exists or not. A visible object the caller
may not change is 403 (a station officer looking at a team of their station, say).

Representatives' ID numbers and mobiles only ever leave as masked values.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ciic.contests.models import Contest, Direction, PolicyDocument, Station
from ciic.entrants import identity
from ciic.entrants.models import IdentityDispute, Organization, Team
from ciic.entrants.selectors import (
    filter_organizations,
    filter_teams,
    organizations_for_user,
    teams_for_user,
)
from ciic.entrants.services import (
    OrganizationInput,
    RepresentativeInput,
    accept_policies,
    add_representative,
    change_team,
    check_team,
    clean_organization,
    preview_group,
    register_organization,
    register_team,
    remove_representative,
    team_has_accepted_current_policies,
    update_organization,
    verify_central_soe,
)

from .auth import ANY_AUTH
from .contests import DirectionRef, StationRef, get_contest
from .errors import DetailOut, ErrorItem, ErrorsOut, error_items, request_fields
from .pagination import PAGE_SIZE, Pages

router = Router(tags=["entrants"], auth=ANY_AUTH)

REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


# --- schemas ---------------------------------------------------------------------------


class GroupRef(Schema):
    code: str = Field(description="组别代码 / Group code")
    name: str = Field(description="组别名称 / Group name")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class OrganizationIn(Schema):
    """What an entrant says about its organization. There is no `group` field: the group is
    derived from these facts (R-G2, R-G3), never chosen; a `group` sent anyway is ignored."""

    name: str = Field(max_length=200, description="单位名称 / Organization name")
    credit_code: str = Field(max_length=40, description="统一社会信用代码（18 位）/ Unified social credit code (R-P1)")
    kind: str = Field(description="单位类型：software_it / industrial / central_soe / university / research_institute / other")
    headcount: int | None = Field(None, description="从业人数 / Staff headcount (R-G2)")
    annual_revenue: Decimal | None = Field(None, description="年营业收入（万元）/ Annual revenue in 10k CNY (R-G2)")
    parent_credit_code: str = Field("", max_length=40, description="上级单位（母公司/总公司）的统一社会信用代码 / Parent's credit code (R-G2c, R-P8)")
    parent_name: str = Field("", max_length=200, description="上级单位名称（尚未注册时必填）/ Parent's name, required if it has not registered")

    def to_input(self) -> OrganizationInput:
        return OrganizationInput(
            name=self.name, credit_code=self.credit_code, kind=self.kind,
            headcount=self.headcount, annual_revenue=self.annual_revenue,
            parent_credit_code=self.parent_credit_code, parent_name=self.parent_name,
        )


class ParentOut(Schema):
    id: int
    name: str
    credit_code: str
    is_registered: bool = Field(description="上级单位本身是否已注册 / Whether the parent registered itself")


class OrganizationOut(Schema):
    id: int
    name: str = Field(description="单位名称 / Organization name")
    credit_code: str = Field(description="统一社会信用代码 / Unified social credit code")
    kind: str = Field(description="单位类型 / Kind")
    kind_label: str = Field(description="单位类型名称 / Kind label")
    headcount: int | None = Field(description="从业人数 / Staff headcount")
    annual_revenue: Decimal | None = Field(description="年营业收入（万元）/ Annual revenue, 10k CNY")
    province_code: str = Field(description="省级行政区划代码 / Province code, from the credit code")
    province: str = Field(description="省份 / Province")
    group: GroupRef | None = Field(description="组别（由系统判定）/ Group, as derived (R-G2, R-G3)")
    group_reason: str = Field(description="组别依据 / Why this group")
    group_status: str = Field(description="组别状态：derived 按条件判定 / pending 待核实（自报中央企业，不在名录中，组别为空）/ confirmed / rejected 秘书处已核实 (R-G2c)")
    group_verification_note: str = Field(description="秘书处核实意见 / The secretariat's verification note")
    group_verified_at: dt.datetime | None = Field(description="核实时间 / When the secretariat verified")
    parent: ParentOut | None = Field(description="上级单位 / Parent organization")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class GroupPreviewOut(Schema):
    group: GroupRef | None = Field(description="将被判定的组别；有错误或待核实时为空 / The group it would get; null when there are errors or pending")
    group_status: str = Field("", description="组别状态（同 OrganizationOut.group_status）/ As OrganizationOut.group_status")
    reason: str = Field(description="判定依据 / Why")
    errors: list[ErrorItem] = Field(description="注册时会被拒绝的原因 / What registering would refuse")


class OrganizationRef(Schema):
    id: int
    name: str
    group: GroupRef | None
    group_status: str = Field(description="组别状态 / derived, pending, confirmed, rejected (R-G2c)")


class RepresentativeIn(Schema):
    name: str = Field(max_length=60, description="姓名 / Name")
    id_number: str = Field(max_length=30, description="居民身份证号 / Resident ID number (R-P3)")
    mobile: str = Field(max_length=30, description="手机号 / Mobile number")
    email: str = Field(max_length=254, description="电子邮箱 / Email")

    def to_input(self) -> RepresentativeInput:
        return RepresentativeInput(name=self.name, id_number=self.id_number,
                                   mobile=self.mobile, email=self.email)


class RepresentativeOut(Schema):
    id: int
    name: str = Field(description="姓名 / Name")
    id_number_masked: str = Field(description="居民身份证号（脱敏）/ ID number, masked")
    mobile_masked: str = Field(description="手机号（脱敏）/ Mobile, masked")
    email: str | None = Field(description="电子邮箱（仅团队负责人与秘书处可见）/ Email, for the team lead and the secretariat only")
    status: str = Field(description="本人确认：pending 待本人确认（已发短信）/ confirmed 本人已确认 / declined 本人已拒绝 / "
                                    "revoked 秘书处已撤销。只有 confirmed 的人受“每人只代表一个团队”约束；"
                                    "declined、revoked 不占名额 / The person's confirmation by SMS (R-P3)",
                        examples=["pending"])
    status_note: str = Field(description="状态说明 / Why, for declined and revoked")
    confirmed_at: dt.datetime | None = Field(description="本人确认时间 / When the person confirmed")

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj.masked_id_number

    @staticmethod
    def resolve_mobile_masked(obj) -> str:
        return obj.masked_mobile

    @staticmethod
    def resolve_email(obj, context) -> str | None:
        request = (context or {}).get("request")
        user = getattr(request, "auth", None)
        if user is not None and user.has_perm("entrants.view_personal_data", obj.team):
            return obj.email
        return None


class AcceptanceOut(Schema):
    policy_id: int
    kind: str = Field(description="service_rules 服务规则 / pledge 参赛承诺书")
    version: str = Field(description="所同意的版本 / Version accepted (R-P5)")
    title: str
    accepted_at: dt.datetime = Field(description="同意时间 / When")

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.policy.kind

    @staticmethod
    def resolve_version(obj) -> str:
        return obj.policy.version

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.policy.title


class TeamOut(Schema):
    id: int
    name: str = Field(description="团队名称 / Team name")
    status: str = Field(description="状态 / Status")
    status_label: str
    organization: OrganizationRef = Field(description="参赛单位 / Organization")
    station: StationRef = Field(description="赛站 / Station (R-P4)")
    direction: DirectionRef = Field(description="赛题方向 / Direction (R-D2)")
    lead_name: str = Field(description="团队负责人 / Team lead")
    created_at: dt.datetime

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_lead_name(obj) -> str:
        return obj.lead.full_name


class TeamDetailOut(TeamOut):
    representatives: list[RepresentativeOut] = Field(description="参赛代表 / Representatives (R-P3)")
    acceptances: list[AcceptanceOut] = Field(description="已同意的规则文本 / Policies accepted (R-P5)")
    has_accepted_current_policies: bool = Field(description="是否已同意现行版本 / Whether the current versions are accepted")

    @staticmethod
    def resolve_representatives(obj) -> list:
        return list(obj.representatives.all())

    @staticmethod
    def resolve_acceptances(obj) -> list:
        return list(obj.acceptances.all())

    @staticmethod
    def resolve_has_accepted_current_policies(obj) -> bool:
        return team_has_accepted_current_policies(obj)


class TeamIn(Schema):
    organization_id: int = Field(description="参赛单位 ID / Organization ID")
    station: str = Field(description="赛站代码 / Station code (R-P4)")
    direction: str = Field(description="赛题方向代码，须由该赛站组织 / Direction code, organized by that station (R-D2)")
    name: str = Field(max_length=100, description="团队名称 / Team name (R-P7)")
    # The caps only bound the work one request can cause; the contest's own limit (R-P3) is
    # the service's to enforce, from the spec, and is far lower.
    representatives: list[RepresentativeIn] = Field(max_length=50, description="参赛代表 / Representatives (R-P3)")
    accepted_policy_ids: list[int] = Field(default_factory=list, max_length=50, description="已阅读并同意的现行规则文本 ID / IDs of the current policies accepted (R-P5)")


# The service's field names that the payload spells differently.
TEAM_FIELDS = {"accept_policies": "accepted_policy_ids"}


class TeamCheckOut(Schema):
    ok: bool = Field(description="报名是否会被接受 / Whether registering would succeed")
    errors: list[ErrorItem]


class TeamPatch(Schema):
    station: str | None = Field(None, description="新赛站代码 / New station code")
    direction: str | None = Field(None, description="新赛题方向代码 / New direction code")
    name: str | None = Field(None, max_length=100, description="新团队名称 / New team name")


class AcceptancesIn(Schema):
    policy_ids: list[int] = Field(max_length=50, description="同意的规则文本 ID / IDs of the policies accepted (R-P5)")


class EntrantFilters(Schema):
    station: str = Field("", description="赛站代码 / Station code")
    direction: str = Field("", description="赛题方向代码 / Direction code")
    group: str = Field("", description="组别代码 / Group code")
    province: str = Field("", description="省级行政区划代码（2 位）/ Province code, 2 digits")
    q: str = Field("", description="名称包含 / Name contains")


# --- helpers ---------------------------------------------------------------------------


class DisputeRepOut(Schema):
    id: int
    name: str
    id_number_masked: str
    mobile_masked: str
    status: str
    team_id: int
    team_name: str
    organization_name: str

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj.masked_id_number

    @staticmethod
    def resolve_mobile_masked(obj) -> str:
        return obj.masked_mobile

    @staticmethod
    def resolve_team_name(obj) -> str:
        return obj.team.name

    @staticmethod
    def resolve_organization_name(obj) -> str:
        return obj.team.organization.name


class IdentityDisputeOut(Schema):
    id: int
    status: str = Field(description="open 待处理 / upheld 申诉成立 / rejected 申诉不成立", examples=["open"])
    claimant: DisputeRepOut = Field(description="申诉人：要求确认而与已有登记冲突的参赛代表 / The row whose confirmation collided")
    holder: DisputeRepOut = Field(description="已确认的参赛代表 / The confirmed row holding the same ID number")
    statement: str = Field(description="申诉人说明 / The claimant's statement")
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str = Field(description="处理意见 / The secretariat's reason")


class DisputeResolutionIn(Schema):
    decision: Literal["uphold", "reject"] = Field(description="uphold 申诉成立：撤销原登记、确认申诉人 / reject 驳回申诉人的登记")
    reason: str = Field(max_length=2000, description="处理意见（双方团队会看到）/ The reason both teams read")


class CentralSoeVerificationIn(Schema):
    decision: Literal["confirm", "reject"] = Field(description="confirm 属于中央企业 / reject 不属于 (R-G2c)")
    reason: str = Field(max_length=2000, description="核实意见（团队会看到）/ The reason the team reads")


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


def _organization(request: HttpRequest, contest: Contest, organization_id: int) -> Organization:
    return get_object_or_404(organizations_for_user(request.auth, contest), pk=organization_id)


def _team(request: HttpRequest, contest: Contest, team_id: int) -> Team:
    qs = teams_for_user(request.auth, contest).prefetch_related(
        "representatives", "acceptances__policy")
    return get_object_or_404(qs, pk=team_id)


def _station(contest: Contest, code: str | None) -> Station | None:
    return Station.objects.filter(contest=contest, code=code).first() if code else None


def _direction(contest: Contest, code: str | None) -> Direction | None:
    return Direction.objects.filter(contest=contest, code=code).select_related("station").first() if code else None


def _policies(contest: Contest, ids: list[int]) -> list[PolicyDocument]:
    return list(PolicyDocument.objects.filter(contest=contest, pk__in=ids))


def _team_kwargs(contest: Contest, payload: TeamIn) -> dict:
    return dict(
        station=_station(contest, payload.station),
        direction=_direction(contest, payload.direction),
        name=payload.name,
        representatives=[r.to_input() for r in payload.representatives],
        accepted_policies=_policies(contest, payload.accepted_policy_ids),
    )


# --- organizations ---------------------------------------------------------------------


@router.post("/organizations/preview", response={200: GroupPreviewOut, **REFUSALS},
             summary="预览组别（不写入）/ Preview the derived group, writing nothing")
def preview_organization(request: HttpRequest, payload: OrganizationIn):
    contest = get_contest()
    clean, errors = clean_organization(contest=contest, data=payload.to_input())
    if clean is None:
        return {"group": None, "reason": "", "errors": error_items(errors.by_field)}
    decision = preview_group(contest=contest, clean=clean)
    return {"group": decision.group, "group_status": decision.status, "reason": decision.reason, "errors": []}


@router.post("/organizations", response={201: OrganizationOut, **REFUSALS},
             summary="注册参赛单位 / Register an organization")
def create_organization(request: HttpRequest, payload: OrganizationIn):
    _require(request.auth, "entrants.register_organization")
    org = register_organization(contest=get_contest(), actor=request.auth, data=payload.to_input())
    return Status(201, org)


@router.get("/organizations", response=list[OrganizationOut],
            summary="参赛单位列表 / Organizations visible to me")
@paginate(Pages, page_size=PAGE_SIZE)
def list_organizations(request: HttpRequest, filters: Query[EntrantFilters]):
    qs = organizations_for_user(request.auth, get_contest())
    return filter_organizations(qs, **filters.model_dump())


@router.get("/organizations/{organization_id}", response={200: OrganizationOut, **REFUSALS},
            summary="参赛单位详情 / An organization")
def get_organization(request: HttpRequest, organization_id: int):
    return _organization(request, get_contest(), organization_id)


@router.put("/organizations/{organization_id}", response={200: OrganizationOut, **REFUSALS},
            summary="修改参赛单位（截止前）/ Change an organization before the deadline")
def put_organization(request: HttpRequest, organization_id: int, payload: OrganizationIn):
    org = _organization(request, get_contest(), organization_id)
    _require(request.auth, "entrants.change_organization", org)
    return update_organization(organization=org, actor=request.auth, data=payload.to_input())


@router.post("/organizations/{organization_id}/central-soe-verification", response={200: OrganizationOut, **REFUSALS},
             summary="核实自报中央企业（秘书处）/ Verify a self-declared central SOE, for the secretariat (R-G2c)")
def verify_organization_central_soe(request: HttpRequest, organization_id: int, payload: CentralSoeVerificationIn):
    """For an organization whose `group_status` is pending (or already verified, to correct
    the verdict): confirm puts it in the central SOEs' group, reject derives the group from
    the other criteria. Audited; the owner and the teams' leads are notified."""
    org = _organization(request, get_contest(), organization_id)
    _require(request.auth, "entrants.verify_central_soe", org)
    return verify_central_soe(organization=org, actor=request.auth, confirm=payload.decision == "confirm",
                              reason=payload.reason)


# --- teams -----------------------------------------------------------------------------


@router.post("/teams/check", response={200: TeamCheckOut, **REFUSALS},
             summary="检查团队报名（不写入）/ Check a team registration, writing nothing")
def check_team_registration(request: HttpRequest, payload: TeamIn):
    contest = get_contest()
    org = _organization(request, contest, payload.organization_id)
    _require(request.auth, "entrants.register_team", org)
    errors = check_team(organization=org, **_team_kwargs(contest, payload))
    return {"ok": not errors, "errors": error_items({TEAM_FIELDS.get(k, k): v for k, v in errors.by_field.items()})}


@router.post("/teams", response={201: TeamDetailOut, **REFUSALS},
             summary="团队报名 / Register a team")
@request_fields(TEAM_FIELDS)
def create_team(request: HttpRequest, payload: TeamIn):
    contest = get_contest()
    org = _organization(request, contest, payload.organization_id)
    _require(request.auth, "entrants.register_team", org)
    team = register_team(organization=org, actor=request.auth, **_team_kwargs(contest, payload))
    return Status(201, _team(request, contest, team.pk))


@router.get("/teams", response=list[TeamOut], summary="团队列表 / Teams visible to me")
@paginate(Pages, page_size=PAGE_SIZE)
def list_teams(request: HttpRequest, filters: Query[EntrantFilters]):
    qs = teams_for_user(request.auth, get_contest())
    return filter_teams(qs, **filters.model_dump())


@router.get("/teams/{team_id}", response={200: TeamDetailOut, **REFUSALS}, summary="团队详情 / A team")
def get_team(request: HttpRequest, team_id: int):
    return _team(request, get_contest(), team_id)


@router.patch("/teams/{team_id}", response={200: TeamDetailOut, **REFUSALS},
              summary="修改赛站、方向或名称（截止前）/ Change station, direction or name before the deadline")
def patch_team(request: HttpRequest, team_id: int, payload: TeamPatch):
    contest = get_contest()
    team = _team(request, contest, team_id)
    _require(request.auth, "entrants.change_team", team)
    station = _station(contest, payload.station)
    direction = _direction(contest, payload.direction)
    unknown = {}
    if payload.station and station is None:
        unknown["station"] = ValidationError(_("没有该代码的赛站"), code="R-P4")
    if payload.direction and direction is None:
        unknown["direction"] = ValidationError(_("没有该代码的赛题方向"), code="R-D2")
    if unknown:
        raise ValidationError(unknown)
    change_team(team=team, actor=request.auth, station=station, direction=direction, name=payload.name)
    return _team(request, contest, team.pk)


@router.post("/teams/{team_id}/representatives", response={201: RepresentativeOut, **REFUSALS},
             summary="增加参赛代表（截止前）/ Add a representative before the deadline")
def create_representative(request: HttpRequest, team_id: int, payload: RepresentativeIn):
    team = _team(request, get_contest(), team_id)
    _require(request.auth, "entrants.change_team", team)
    rep = add_representative(team=team, actor=request.auth, data=payload.to_input())
    rep.team = team
    return Status(201, rep)


@router.delete("/teams/{team_id}/representatives/{representative_id}",
               response={204: None, **REFUSALS},
               summary="删除参赛代表（截止前）/ Remove a representative before the deadline")
def delete_representative(request: HttpRequest, team_id: int, representative_id: int):
    team = _team(request, get_contest(), team_id)
    _require(request.auth, "entrants.change_team", team)
    rep = get_object_or_404(team.representatives.all(), pk=representative_id)
    remove_representative(representative=rep, actor=request.auth)
    return Status(204, None)


@router.post("/teams/{team_id}/representatives/{representative_id}/confirmation-message",
             response={200: RepresentativeOut, **REFUSALS},
             summary="重发本人确认短信 / Send the person's confirmation message again")
def resend_representative_confirmation(request: HttpRequest, team_id: int, representative_id: int):
    """R-P3: the person named confirms from a text message before counting; at most 5
    messages, one a minute."""
    team = _team(request, get_contest(), team_id)
    _require(request.auth, "entrants.change_team", team)
    rep = get_object_or_404(team.representatives.all(), pk=representative_id)
    rep = identity.resend_confirmation(rep, actor=request.auth)
    rep.team = team
    return rep


@router.get("/identity-disputes", response={200: list[IdentityDisputeOut], **REFUSALS},
            summary="参赛代表身份申诉（秘书处）/ Identity disputes, for the secretariat")
@paginate(Pages, page_size=PAGE_SIZE)
def list_identity_disputes(request: HttpRequest, status: Literal["open", "upheld", "rejected", "all"] = "open"):
    _require(request.auth, "entrants.resolve_identity_dispute")
    qs = IdentityDispute.objects.filter(contest=get_contest()).select_related(
        "claimant__team__organization", "holder__team__organization")
    return qs if status == "all" else qs.filter(status=status)


@router.post("/identity-disputes/{dispute_id}/resolution", response={200: IdentityDisputeOut, **REFUSALS},
             summary="处理参赛代表身份申诉 / Resolve an identity dispute (R-P3)")
def resolve_identity_dispute(request: HttpRequest, dispute_id: int, payload: DisputeResolutionIn):
    """Upheld: the holder's row is revoked and the claimant's confirmed. Rejected: the
    claimant's row is declined. Audited; both teams notified; the claimant by SMS."""
    _require(request.auth, "entrants.resolve_identity_dispute")
    dispute = get_object_or_404(IdentityDispute, pk=dispute_id, contest=get_contest())
    identity.resolve_dispute(dispute=dispute, actor=request.auth, uphold=payload.decision == "uphold",
                             reason=payload.reason)
    return IdentityDispute.objects.select_related(
        "claimant__team__organization", "holder__team__organization").get(pk=dispute.pk)


@router.post("/teams/{team_id}/acceptances", response={200: list[AcceptanceOut], **REFUSALS},
             summary="同意服务规则与参赛承诺书 / Accept the service rules and pledge")
def create_acceptances(request: HttpRequest, team_id: int, payload: AcceptancesIn):
    team = _team(request, get_contest(), team_id)
    _require(request.auth, "entrants.change_team", team)
    policies = list(PolicyDocument.objects.filter(pk__in=payload.policy_ids))
    if len(policies) != len(set(payload.policy_ids)):
        raise ValidationError({"policy_ids": ValidationError(_("没有该 ID 的规则文本"), code="R-P5")})
    accept_policies(team=team, actor=request.auth, policies=policies)
    return list(team.acceptances.select_related("policy").order_by("accepted_at", "id"))
