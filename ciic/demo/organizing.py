"""Demo data for organizing units and industry services (issue 14), through the real services:
four organizing units of the notice's kinds, one with a contact account; contact receipts (one
returned late), two organizing reports; teams recommended by the units (one through the
invitation code), so the ranking has figures; a capital matchmaking meeting (投融资对接会) for
the finalists with four investors, requests accepted and the schedule run; two benefits offered.

Runs once (a contest with organizing units is left as it is)."""

from __future__ import annotations

import datetime as dt

from django.test.utils import override_settings
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.contests.models import Contest
from ciic.entrants.models import Team
from ciic.notifications import sms
from ciic.organizing import meetings, services
from ciic.organizing.config import deadline, organizing_config
from ciic.organizing.enums import RequestStatus, Side
from ciic.organizing.models import MeetingRequest, OrganizingUnit, UnitAccount

from .entrants import DEMO_DOMAIN, DEMO_PASSWORD

UNITS = [
    ("industry_department", "浙江省经济和信息化厅"),
    ("central_soe", "中国电子信息产业集团有限公司"),
    ("industry_association", "中国工业互联网研究会（演示）"),
    ("platform_cross_industry", "海川工业互联网平台有限公司（演示）"),
]
INVESTORS = [("甬江创业投资基金（演示）", "质量 追溯 检测"), ("海曙产业基金（演示）", "绿色 低碳 能耗"),
             ("东方智造资本（演示）", "工业大脑 模型 预测"), ("链上供应链科技（演示）", "供应链 协同 物流")]


def _user(email: str, role: str, name: str) -> User:
    return User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=DEMO_PASSWORD, role=role, full_name=name, email_verified_at=timezone.now())


def seed_organizing(contest: Contest) -> dict[str, int]:
    if organizing_config(contest) is None or OrganizingUnit.objects.filter(contest=contest).exists():
        return {}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), sms.suppressed():
        return _seed(contest)


def _seed(contest: Contest) -> dict[str, int]:
    config = organizing_config(contest)
    office = User.objects.get(email=f"office@{DEMO_DOMAIN}")
    units = [services.create_unit(contest=contest, kind=kind, name=name, actor=office) for kind, name in UNITS]
    contact = _user(f"unit@{DEMO_DOMAIN}", Role.ORGANIZING_CONTACT, "周联络")
    UnitAccount.objects.get_or_create(user=contact, defaults={"unit": units[0]})
    receipt_due = deadline(contest, config.receipt_schedule_key) or timezone.now()
    report_due = deadline(contest, config.report_schedule_key) or timezone.now()
    people = [("周联络", "处长", "0571-87051234"), ("吴联络", "部门经理", "010-83528888"),
              ("郑联络", "秘书长", "ciic@example.org")]
    for i, (unit, (name, title, info)) in enumerate(zip(units[:3], people, strict=False)):
        late = i == 2  # the association returned its receipt a day late
        services.submit_receipt(unit=unit, contact_name=name, title=title, contact_info=info, actor=office,
                                now=receipt_due + dt.timedelta(days=1) if late else receipt_due - dt.timedelta(days=3))
    for unit in units[:2]:
        services.submit_report(unit=unit, text=f"{unit.name}组织辖区和行业内企业报名参赛，覆盖多个赛站和赛题方向。",
                               actor=office, now=report_due - dt.timedelta(days=2))
    teams = list(Team.objects.filter(contest=contest).order_by("id"))
    recommended = 0
    for i, team in enumerate(teams):
        unit = units[i % 3] if i % 5 else None
        if unit is None:
            continue
        services.recommend_team(team=team, unit=unit, actor=team.lead, via_invitation=(i % 3 == 0))
        recommended += 1
    return {"units": len(units), "recommended": recommended, **_meeting(contest, office)}


def _meeting(contest: Contest, office: User) -> dict[str, int]:
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=7)).replace(hour=9, minute=0, second=0,
                                                                               microsecond=0)
    meeting = meetings.create_meeting(contest=contest, kind="investment", title="总决赛资本相亲会（演示）",
                                      starts_at=starts, venue="宁波国际会议中心 3 号厅", slots=8, tables=4,
                                      actor=office)
    teams = [t for t in Team.objects.filter(contest=contest).select_related("project", "direction")
             if meetings.eligible_team(t)][:8]
    profiles = [meetings.opt_in_team(meeting=meeting, team=t, summary=f"{t.project.name}：寻求融资与试点合作。",
                                     capacity=4, financing="1000", seeks_partners=True, actor=t.lead)
                for t in teams]
    investors = []
    for i, (org, keywords) in enumerate(INVESTORS):
        user = _user(f"investor{i + 1}@{DEMO_DOMAIN}", Role.ENTRANT, f"投资人{i + 1}")
        investors.append(meetings.register_participant(meeting=meeting, user=user, kind="investor", organization=org,
                                                       keywords=keywords, capacity=4, stage="A 轮至 B 轮",
                                                       ticket="500–3000 万元"))
    for i, investor in enumerate(investors):
        for j, profile in enumerate(profiles):
            if (i + j) % 2:
                continue
            req = meetings.request_meeting(participant=investor, profile=profile, initiated_by=Side.PARTICIPANT,
                                           actor=investor.user)
            if (i + j) % 4 == 0:
                meetings.answer_request(request=req, accept=True, actor=profile.team.lead)
    scheduled = 0
    if MeetingRequest.objects.filter(meeting=meeting, status=RequestStatus.ACCEPTED).exists():
        scheduled = meetings.run_schedule(meeting=meeting, actor=office)["meetings"]
    for team, code in zip(teams[:2], ("capital_matchmaking", "publicity"), strict=False):
        meetings.offer_benefit(team=team, code=code, actor=office)
    return {"meeting_teams": len(profiles), "scheduled": scheduled}
