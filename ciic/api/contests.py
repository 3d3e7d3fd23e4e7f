"""The contest spec, public: identity, directions, stations, schedule, groups, prizes, policies.

Everything here is a fact of the contest edition (loaded from its spec), the same for
everyone, so these endpoints need no authentication. Names follow the request's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from ciic.contests.models import (
    ApplicationSection,
    CentralSOE,
    Contest,
    Direction,
    MaterialType,
    PastWinner,
    PolicyDocument,
    ScheduleItem,
    Station,
)
from ciic.contests.selectors import (
    current_contest,
    max_representatives,
    registration_deadline,
    registration_open,
)

router = Router(tags=["contest"])


def get_contest() -> Contest:
    """The contest the platform serves, or 404 when none is loaded yet."""
    contest = current_contest()
    if contest is None:
        raise Http404(_("尚未载入赛事"))
    return contest


def _english() -> bool:
    return (get_language() or "").startswith("en")


# --- schemas ---------------------------------------------------------------------------


class GroupOut(Schema):
    code: str = Field(description="组别代码 / Group code")
    name: str = Field(description="组别名称（按请求语言）/ Group name in the request's language")
    is_default: bool = Field(description="不满足其他组别条件者归入此组 / Takes everyone who qualifies for no other group (R-G3)")
    criteria: list[str] = Field(description="资格条件（满足任一即可）/ Ways to qualify, any one suffices (R-G2)")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_criteria(obj) -> list[str]:
        key = "label_en" if _english() else "label"
        return [c.get(key) or c.get("label", "") for c in obj.criteria]


class PrizeTierOut(Schema):
    code: str
    name: str = Field(description="奖项名称 / Prize name")
    rank: int = Field(description="等级（1 为最高）/ Rank, 1 is highest")
    count: int = Field(description="名额 / Number of prizes")
    amount: Decimal = Field(description="奖金（万元/队，税前）/ Amount per team, 10k CNY, pre-tax")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class ContestOut(Schema):
    slug: str = Field(description="赛事标识 / Contest identifier")
    name: str = Field(description="赛事名称（按请求语言）/ Contest name in the request's language")
    name_zh: str = Field(description="中文名称 / Chinese name")
    name_en: str = Field(description="英文名称 / English name")
    edition: int = Field(description="届次 / Edition")
    year: int = Field(description="年份 / Year")
    theme: str = Field(description="主题 / Theme")
    hosts: dict = Field(description="主办、承办、执行承办单位 / Hosts and organizers by role (R-C2)")
    website: str = Field(description="官方网站 / Official website (R-C3)")
    time_zone: str = Field(description="赛事时区 / Contest time zone")
    registration_deadline: dt.datetime | None = Field(description="报名截止时间 / Registration deadline (R-T1)")
    registration_open: bool = Field(description="当前是否可以报名 / Whether registration is open now")
    max_representatives: int = Field(description="每队参赛代表上限 / Representatives per team at most (R-P3)")
    groups: list[GroupOut] = Field(description="组别 / Groups (R-G1)")
    prize_tiers: list[PrizeTierOut] = Field(description="决赛奖项 / Finals prize tiers (R-A1)")
    prize_pool: Decimal = Field(description="奖金池（万元）/ Prize pool, 10k CNY")
    publicity_days: int = Field(description="获奖公示期（天）/ Award publicity period in days (R-T5, R-X1)")


class StationRef(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class DirectionOut(Schema):
    number: int = Field(description="序号 / Number")
    code: str = Field(description="方向代码 / Direction code")
    name: str = Field(description="赛题方向（按请求语言）/ Direction name")
    description: str = Field(description="方向说明 / What the direction covers (R-D1)")
    station: StationRef = Field(description="组织该方向的赛站 / The station that organizes it (R-D1)")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.description_display


class DirectionRef(Schema):
    number: int
    code: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class LocalUnitOut(Schema):
    name: str = Field(description="地方赛组织单位 / Local organizing unit (R-D3)")
    credit_code: str = Field(description="统一社会信用代码（如已公布）/ Credit code, when announced")


class StationOut(Schema):
    code: str = Field(description="赛站代码 / Station code")
    name: str = Field(description="赛站名称（按请求语言）/ Station name")
    city: str = Field(description="城市 / City")
    directions: list[DirectionRef] = Field(description="本赛站组织的赛题方向 / Directions it organizes (R-D1)")
    local_units: list[LocalUnitOut] = Field(
        description="地方赛组织单位：其本身及关联单位不得在本赛站参赛 / Local organizing units, barred from this station with their families (R-P8)")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_directions(obj) -> list:
        return list(obj.directions.all())

    @staticmethod
    def resolve_local_units(obj) -> list:
        return list(obj.local_units.all())


class ScheduleItemOut(Schema):
    key: str = Field(description="日程代码 / Schedule key")
    name: str = Field(description="日程名称（按请求语言）/ Step name")
    starts_at: dt.datetime | None = Field(description="开始时间 / Starts at")
    ends_at: dt.datetime = Field(description="截止时间 / Ends at")
    note: str = Field(description="备注（按请求语言）/ Note, in the request's language")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_note(obj) -> str:
        return obj.display_note


class PolicyOut(Schema):
    id: int = Field(description="规则文本 ID，报名时提交以表示已阅读同意 / Policy ID, sent back to accept it (R-P5)")
    kind: str = Field(description="类型：service_rules 服务规则 / pledge 参赛承诺书 / Kind")
    kind_label: str = Field(description="类型名称 / Kind label")
    version: str = Field(description="版本 / Version")
    title: str = Field(description="标题 / Title")
    text: str = Field(description="正文 / Full text")
    published_at: dt.datetime | None = Field(description="发布时间 / Published at")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class SectionOut(Schema):
    code: str = Field(description="章节代码，草稿 sections 的键 / Section code: the key in a draft's `sections`",
                      examples=["overview"])
    name: str = Field(description="章节名称（按请求语言）/ Section name, in the request's language")
    parts: list = Field(description="应写到的要点 / What the section covers")
    max_chars: int = Field(description="字数上限（R-J7）/ Most characters allowed (R-J7)", examples=[3000])

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class MaterialTypeOut(Schema):
    code: str = Field(description="材料类型代码，用于上传地址 / Material type code, as in the upload URL",
                      examples=["presentation"])
    name: str = Field(description="名称（按请求语言）/ Name, in the request's language")
    category: str
    formats: list[str] = Field(description="允许的扩展名（按内容检测）/ Allowed formats, checked by content",
                               examples=[["ppt", "pptx", "pdf"]])
    max_size_mb: int = Field(description="单个文件上限（MB）/ Size limit per file (MB)", examples=[100])
    required: bool = Field(description="提交时必须有 / Required to submit")
    link_required: bool = Field(description="须另附链接 / A link is required beside the file")
    own_entity_attestation: bool = Field(description="须声明材料属参赛单位本身 / Must be attested as the entrant's own")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class NameOut(Schema):
    name: str = Field(examples=["中国建筑集团有限公司"])


class CentralSOEOut(Schema):
    name: str = Field(examples=["中国建筑集团有限公司"])
    list: str = Field(description="所属名录 / The list it is on (sasac, mof, mof_financial)", examples=["sasac"])
    counts: bool = Field(description="本届组别条件是否计入该名录 / Whether this edition's group criterion counts it (R-G2c)")


class PastWinnerOut(Schema):
    edition: int = Field(description="届次 / Edition", examples=[4])
    project_name: str = Field(description="获奖项目名称 / Winning project's name")


# --- endpoints -------------------------------------------------------------------------


@router.get("/contest", response={200: ContestOut}, summary="当前赛事 / The current contest")
def contest_info(request: HttpRequest):
    contest = get_contest()
    return {
        "slug": contest.slug, "name": contest.display_name, "name_zh": contest.name,
        "name_en": contest.name_en, "edition": contest.edition, "year": contest.year,
        "theme": contest.theme_display, "hosts": contest.hosts, "website": contest.website,
        "time_zone": contest.time_zone,
        "registration_deadline": registration_deadline(contest),
        "registration_open": registration_open(contest),
        "max_representatives": max_representatives(contest),
        "groups": list(contest.groups.all()),
        "prize_tiers": list(contest.prize_tiers.all()),
        "prize_pool": contest.prize_pool, "publicity_days": contest.publicity_days,
    }


@router.get("/contest/directions", response=list[DirectionOut], summary="赛题方向 / Topic directions")
def contest_directions(request: HttpRequest):
    return Direction.objects.filter(contest=get_contest()).select_related("station")


@router.get("/contest/stations", response=list[StationOut], summary="赛站 / Stations")
def contest_stations(request: HttpRequest):
    return Station.objects.filter(contest=get_contest()).prefetch_related("directions", "local_units")


@router.get("/contest/schedule", response=list[ScheduleItemOut], summary="日程 / Schedule")
def contest_schedule(request: HttpRequest):
    return ScheduleItem.objects.filter(contest=get_contest())


@router.get("/contest/policies", response=list[PolicyOut],
            summary="现行服务规则与参赛承诺书 / Current service rules and pledge")
def contest_policies(request: HttpRequest):
    return PolicyDocument.objects.filter(contest=get_contest(), is_current=True).order_by("kind")


# What a script needs to build valid requests (issue 11 §6): the form's sections, the material
# types, and the names the group and originality rules compare against.


@router.get("/contest/application-sections", response=list[SectionOut],
            summary="申报书章节与字数上限 / Application form sections and their limits (R-J7)")
def contest_sections(request: HttpRequest):
    return ApplicationSection.objects.filter(contest=get_contest()).order_by("order", "pk")


@router.get("/contest/material-types", response=list[MaterialTypeOut],
            summary="材料类型、格式与大小上限 / Material types, formats and size limits (R-J7)")
def contest_material_types(request: HttpRequest):
    return MaterialType.objects.filter(contest=get_contest()).order_by("order", "pk")


@router.get("/contest/central-soes", response=list[CentralSOEOut],
            summary="中央企业名录（名称与所属名录）/ Central SOE lists: names, list, and whether it counts (R-G2c)")
def contest_central_soes(request: HttpRequest):
    contest = get_contest()
    criteria = [c for g in contest.groups.all() for c in (g.criteria or []) if c.get("central_soe")]
    # A criterion without `lists` counts every list.
    counted = None if any(not c.get("lists") for c in criteria) else {code for c in criteria for code in c["lists"]}
    return [{"name": soe.name, "list": soe.list_code, "counts": bool(criteria) and (counted is None or soe.list_code in counted)}
            for soe in CentralSOE.objects.filter(contest=contest).order_by("pk").only("name", "list_code")]


@router.get("/contest/past-winners", response=list[PastWinnerOut],
            summary="往届获奖项目（仅名称）/ Earlier winners, names only (R-J3)")
def contest_past_winners(request: HttpRequest):
    return PastWinner.objects.filter(contest=get_contest()).order_by("edition", "pk").only("edition", "project_name")
