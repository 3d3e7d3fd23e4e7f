"""Demo data for a newcomer's first look: accounts for every role (staff with two-factor
devices) and realistic organizations and teams (Faker zh_CN).

Everything goes through the real services, so demo data obeys every rule real data does.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.contests.models import CentralSOE, Contest
from ciic.contests.selectors import max_representatives, registration_deadline, registration_open
from ciic.core.crypto import blind_index
from ciic.entrants.enums import RepresentativeStatus
from ciic.entrants.identity import open_dispute
from ciic.entrants.models import Organization, Representative, Team
from ciic.entrants.services import (
    OrganizationInput,
    RepresentativeInput,
    register_organization,
    register_team,
)
from ciic.notifications import sms

from .identifiers import make_credit_code, random_id_number

DEMO_PASSWORD = "Ciic-demo-2023!"
DEMO_DOMAIN = "demo.ciic.cn"
# Registration regions of demo organizations (administrative division codes).
REGIONS = ["110108", "310115", "330203", "320214", "370211", "650100", "440305", "510107", "420111", "330106"]
TEAM_WORDS = ["智造", "数智", "工联", "云链", "慧眼", "绿能", "精益", "星火", "启航", "磐石", "灵犀", "天工"]
TEAM_SUFFIX = ["团队", "先锋队", "攻坚队", "创新组", "联合队"]


@dataclass
class DemoAccount:
    role: str
    login: str
    note: str = ""


@dataclass
class DemoResult:
    accounts: list[DemoAccount] = field(default_factory=list)
    organizations: int = 0
    teams: int = 0


def _totp_key(email: str) -> str:
    """A stable TOTP secret per demo account, so the printed setup stays valid across runs."""
    return hashlib.sha256(f"ciic-demo-totp:{email}".encode()).hexdigest()[:40]


def totp_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


def _staff(email: str, role: str, name: str, station=None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, role=role, full_name=name,
                                        station=station, email_verified_at=timezone.now())
    if role in (Role.SECRETARIAT, Role.STATION_OFFICER, Role.EXPERT):
        TOTPDevice.objects.get_or_create(user=user, name="demo", defaults={"key": _totp_key(email),
                                                                            "confirmed": True})
    return user


def ensure_demo_accounts(contest: Contest) -> list[DemoAccount]:
    accounts = []
    _staff(f"office@{DEMO_DOMAIN}", Role.SECRETARIAT, "秘书处办公室")
    accounts.append(DemoAccount(Role.SECRETARIAT, f"office@{DEMO_DOMAIN}"))
    for station in contest.stations.all():
        email = f"{station.code}@{DEMO_DOMAIN}"
        _staff(email, Role.STATION_OFFICER, f"{station.name}工作人员", station=station)
        accounts.append(DemoAccount(Role.STATION_OFFICER, email, station.name))
    _staff(f"expert@{DEMO_DOMAIN}", Role.EXPERT, "王建国")
    accounts.append(DemoAccount(Role.EXPERT, f"expert@{DEMO_DOMAIN}"))
    _staff(f"contact@{DEMO_DOMAIN}", Role.ORGANIZING_CONTACT, "浙江省经信厅联系人")
    accounts.append(DemoAccount(Role.ORGANIZING_CONTACT, f"contact@{DEMO_DOMAIN}"))
    lead = User.objects.filter(email=f"lead@{DEMO_DOMAIN}").first() or User.objects.create_user(
        email=f"lead@{DEMO_DOMAIN}", password=DEMO_PASSWORD, role=Role.ENTRANT, full_name="陈晓明",
        email_verified_at=timezone.now())
    accounts.append(DemoAccount(Role.ENTRANT, lead.email, "已注册单位和团队"))
    return accounts


def _working_now(contest: Contest) -> dt.datetime | None:
    """Services check the deadline; on a contest whose registration has closed, demo data is
    entered as of the day before the deadline."""
    if registration_open(contest):
        return None
    deadline = registration_deadline(contest)
    return deadline - dt.timedelta(days=1) if deadline else None


def seed_entrants(contest: Contest, *, teams: int, seed: int = 2023) -> DemoResult:
    """Create about `teams` teams across every station, direction and group. Idempotent in
    effect: running it again adds teams up to the requested number, never duplicates."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    result = DemoResult(accounts=ensure_demo_accounts(contest))
    existing = Team.objects.filter(contest=contest).count()
    if existing >= teams:
        result.teams = existing
        result.organizations = Organization.objects.filter(contest=contest, is_registered=True).count()
        return result
    now = _working_now(contest)
    policies = list(contest.policies.filter(is_current=True))
    stations = list(contest.stations.prefetch_related("directions"))
    soes = list(CentralSOE.objects.filter(contest=contest)[:5])
    leads = [User.objects.get(email=f"lead@{DEMO_DOMAIN}")]
    used_ids = set(Representative.objects.filter(contest=contest).values_list("id_hash", flat=True))
    limit = max_representatives(contest)
    seq = Organization.objects.filter(contest=contest).count() + 1000
    kinds = [("software_it", 50, 800, 2000, 30000), ("industrial", 200, 3000, 5000, 90000),
             ("university", 800, 20000, 0, 0), ("research_institute", 50, 600, 500, 8000),
             ("other", 5, 100, 100, 3000)]
    made = 0
    with sms.suppressed(), transaction.atomic():
        while existing + made < teams:
            seq += 1
            lead = leads[0] if made < 3 else User.objects.create_user(
                email=f"lead{seq}@{DEMO_DOMAIN}", password=DEMO_PASSWORD, role=Role.ENTRANT,
                full_name=fake.name(), email_verified_at=timezone.now())
            kind, hmin, hmax, rmin, rmax = kinds[rng.randrange(len(kinds))]
            parent_code, parent_name = "", ""
            if soes and rng.random() < 0.15:
                soe = soes[rng.randrange(len(soes))]
                known = Organization.objects.filter(contest=contest, name=soe.name).first()
                parent_code = known.credit_code if known else make_credit_code(
                    900000 + soes.index(soe), region="110000")
                parent_name, kind = soe.name, "central_soe"
            region = REGIONS[rng.randrange(len(REGIONS))]
            name = fake.company() if kind not in ("university", "research_institute") else (
                fake.city_name() + ("理工大学" if kind == "university" else "智能制造研究院"))
            org = register_organization(contest=contest, actor=lead, now=now, data=OrganizationInput(
                name=name,
                credit_code=make_credit_code(seq, region=region), kind=kind,
                headcount=rng.randint(hmin, hmax), annual_revenue=str(rng.randint(rmin, rmax)),
                parent_credit_code=parent_code, parent_name=parent_name))
            result.organizations += 1
            for _i in range(min(1 if rng.random() < 0.8 else 2, teams - existing - made)):
                station = stations[rng.randrange(len(stations))]
                direction = station.directions.all()[0]
                reps = []
                for _r in range(rng.randint(1, limit)):
                    while True:
                        idn = random_id_number(rng, region=region)
                        h = blind_index(idn, purpose="ric")
                        if h not in used_ids:
                            used_ids.add(h)
                            break
                    reps.append(RepresentativeInput(name=fake.name(), id_number=idn, mobile=fake.phone_number(),
                                                    email=fake.email()))
                team_name = f"{TEAM_WORDS[rng.randrange(len(TEAM_WORDS))]}{TEAM_SUFFIX[rng.randrange(len(TEAM_SUFFIX))]}{seq}"
                team = register_team(organization=org, station=station, direction=direction, name=team_name,
                                     actor=lead, representatives=reps, accepted_policies=policies, now=now)
                # The people named have confirmed (R-P3), but for the last row of every tenth
                # team, which still waits: the team page shows both states.
                waiting = team.representatives.order_by("-id")[:1] if made % 10 == 9 else []
                team.representatives.filter(status=RepresentativeStatus.PENDING).exclude(
                    pk__in=[r.pk for r in waiting]).update(status=RepresentativeStatus.CONFIRMED, confirmed_at=now)
                made += 1
        _demo_dispute(contest, now)
    result.teams = Team.objects.filter(contest=contest).count()
    result.organizations = Organization.objects.filter(contest=contest, is_registered=True).count()
    return result


def _demo_dispute(contest, now) -> None:
    """One identity dispute for the secretariat's list: the demo lead's first team names a
    person another team has confirmed (R-P3), and that person's confirmation collided."""
    first = Team.objects.filter(contest=contest, lead__email=f"lead@{DEMO_DOMAIN}").order_by("id").first()
    holder = (Representative.objects.filter(contest=contest, status=RepresentativeStatus.CONFIRMED)
              .exclude(team__lead__email=f"lead@{DEMO_DOMAIN}").order_by("id").first())
    if first is None or holder is None or first.representatives.count() >= max_representatives(contest):
        return
    claimant = Representative.objects.create(
        contest=contest, team=first, name=holder.name, id_number=holder.id_number, id_hash=holder.id_hash,
        mobile="13800138000", email=f"claimant@{DEMO_DOMAIN}", confirm_sent_at=now or timezone.now(), confirm_sends=1)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        open_dispute(claimant, holder, now)  # the notices are the demo's, not mailed


def demo_totp_codes() -> list[tuple[str, str, str]]:
    """(login, base32 secret, current code) for every demo staff account."""
    from django_otp.oath import totp

    rows = []
    for device in TOTPDevice.objects.filter(name="demo", user__email__endswith=DEMO_DOMAIN).select_related("user"):
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                    drift=device.drift)
        rows.append((device.user.email, totp_base32(device), f"{code:0{device.digits}d}"))
    return rows
