"""What `make run` does after migrating: load the contest and demo data once, print the accounts."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ciic.accounts.enums import Role
from ciic.contests.models import Contest
from ciic.demo.entrants import DEMO_PASSWORD, demo_totp_codes, seed_entrants
from ciic.demo.finals import seed_finals
from ciic.demo.organizing import seed_organizing
from ciic.demo.projects import seed_projects
from ciic.demo.publicity import seed_publicity
from ciic.demo.review import seed_review

SPEC = Path(settings.BASE_DIR) / "ciic" / "contests" / "specs" / "ciic-2023.yaml"


class Command(BaseCommand):
    help = "Load the CIIC 2023 spec (schedule shifted to today) and demo data unless present."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=40)

    def handle(self, *args, teams, **options):
        contest = Contest.objects.filter(slug=settings.CIIC_DEFAULT_CONTEST).first()
        if contest is None:
            # The notice's dates are in 2023; shifted so a newcomer can register today.
            call_command("load_contest", str(SPEC), "--shift-to-now", stdout=self.stdout)
            contest = Contest.objects.get(slug=settings.CIIC_DEFAULT_CONTEST)
        else:
            self.stdout.write(f"{contest.name}: already loaded, kept as it is")
        result = seed_entrants(contest, teams=teams)
        project_count = seed_projects(contest, projects=min(10, result.teams))
        review = seed_review(contest)
        finals = seed_finals(contest)
        publicity = seed_publicity(contest)
        organizing = seed_organizing(contest)
        project_count = contest.projects.count()  # the review demo gives one station's every team a project
        codes = {login: (secret, code) for login, secret, code in demo_totp_codes()}
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"{contest.name}: {result.organizations} 家参赛单位 / organizations, {result.teams} 支团队 / teams, "
            f"{project_count} 个项目 / projects"))
        if review.get("experts"):
            self.stdout.write(f"专家评审 Review: {review['experts']} 位专家 / experts, 网上评审已完成 "
                              f"({review['reviewed']} 份评分 / reviews), 晋级名单已推荐 / finalists proposed, "
                              f"下一轮评审进行中 / next round open")
        if finals.get("sessions"):
            self.stdout.write(f"全国总决赛 Finals: {finals['sessions']} 个场次 / sessions 已抽签 / drawn; "
                              f"/finals/ (秘书处 secretariat), /finals/mine/ (专家 expert), /results/")
        if publicity.get("cases"):
            self.stdout.write(f"获奖公示 Publicity: /publicity/ 公示中 / published, {publicity['cases']} 件举报 / complaints "
                              f"(不予受理、核查中、属实撤奖 / not accepted, under verification, upheld); "
                              f"/publicity/cases/ (秘书处 secretariat), complainant1@demo.ciic.cn (举报人 complainant)")
        if organizing.get("units"):
            self.stdout.write(f"组织单位 Organizing units: {organizing['units']} 个, {organizing['recommended']} 支团队已登记推荐单位; "
                              f"资本相亲会 {organizing['scheduled']} 场洽谈已排期; /organizing/ (unit@demo.ciic.cn, "
                              f"investor1@demo.ciic.cn)")
        self.stdout.write(f"演示账号 Demo accounts (密码 password: {DEMO_PASSWORD})")
        for account in result.accounts:
            line = f"  {Role(account.role).label:<12} {account.login:<28} {account.note}"
            if account.login in codes:
                line += f"  TOTP secret {codes[account.login][0]}"
            self.stdout.write(line)
        self.stdout.write("  二次验证码 Current 2FA codes: .venv/bin/python manage.py demo_otp")
