from django.core.management.base import BaseCommand, CommandError

from ciic.contests.selectors import current_contest
from ciic.demo.entrants import seed_entrants
from ciic.demo.projects import seed_projects


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (Faker zh_CN) and demo accounts for each role."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=40, help="how many teams in all (default 40)")
        parser.add_argument("--projects", type=int, default=10,
                            help="how many teams get a project with a submitted version (default 10)")
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, teams, projects, seed, **options):
        contest = current_contest()
        if contest is None:
            raise CommandError("no contest loaded: run `manage.py load_contest ciic/contests/specs/ciic-2023.yaml` first")
        if teams < 0:
            raise CommandError("--teams must be 0 or more")
        result = seed_entrants(contest, teams=teams, seed=seed)
        project_count = seed_projects(contest, projects=projects, seed=seed)
        self.stdout.write(self.style.SUCCESS(
            f"{contest.name}: {result.organizations} organizations, {result.teams} teams, {project_count} projects"))
