"""Shared fixtures: the CIIC 2023 contest (schedule shifted so registration is open) and the
personas: a team lead with an organization, another team's lead, a station officer, the
secretariat, an expert and an anonymous visitor."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.demo.identifiers import make_credit_code, make_id_number, make_mobile
from ciic.demo.samples import SAMPLES
from ciic.testing.personas import make_user, verified_client

SPEC = Path(__file__).resolve().parent / "contests" / "specs" / "ciic-2023.yaml"
CONTEST_SLUG = "ciic-2023"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2's deliberate slowness (0.3 s a password here) buys tests nothing."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _immediate_tasks():
    """Tasks run at once in the test (the database queue needs a worker). Changing TASKS
    resets django-tasks' backend cache (its setting_changed receiver)."""
    from django.test.utils import override_settings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        yield


@pytest.fixture(autouse=True)
def _rate_limits(settings):
    """Tests call at machine speed from one address: the limits are lifted (and the counters
    emptied) unless a test sets the one it pins."""
    from django.core.cache import cache

    settings.RATE_LIMITS = {scope: "100000/m" for scope in settings.RATE_LIMITS}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English (set_language, an
    Accept-Language header) leaves English active in the thread, and a later test's services
    would speak it."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to a list the test can read (mail goes to mail.outbox already)."""
    from ciic.notifications import sms

    settings.SMS_BACKEND = "ciic.notifications.sms.LocmemSmsBackend"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the CIIC 2023 contest loaded once for the session: loading it
    takes 0.2 s on SQLite and 0.4 s on PostgreSQL, and most tests need it. Each test runs in a
    transaction rolled back afterwards, so what a test changes in the contest goes with it."""
    from ciic.contests.services import load_contest_file

    with django_db_blocker.unblock():
        load_contest_file(SPEC, shift_to_now=True)


@pytest.fixture
def empty_database(db):
    """For tests of a fresh platform (the first contest loaded, the first audit entries): the
    session's contest and the audit trail are removed inside the test's transaction, and are
    back afterwards. PostgreSQL's append-only trigger is paused for that delete only."""
    from django.apps import apps
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    # Raw deletes skip the PROTECT checks; the foreign keys are deferred, and the transaction
    # is rolled back before they would be checked.
    for label in ("audit", "contests"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            model._base_manager.all()._raw_delete(model._base_manager.db)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def contest(db):
    from ciic.contests.models import Contest
    from ciic.contests.services import load_contest_file

    found = Contest.objects.filter(slug=CONTEST_SLUG).first()
    if found is None:  # a transactional test (they run last) emptied the database
        found = load_contest_file(SPEC, shift_to_now=True).contest
    return found


@pytest.fixture
def closed_contest(db):
    """The contest exactly as the notice dates it: registration closed on 2023-10-22."""
    from ciic.contests.services import load_contest_file

    return load_contest_file(SPEC).contest


@pytest.fixture
def station(contest):
    return contest.stations.get(code="beijing")


@pytest.fixture
def direction(station):
    return station.directions.get()


@pytest.fixture
def team_lead(db):
    return make_user("lead@example.com", full_name="张伟")


@pytest.fixture
def other_lead(db):
    return make_user("other@example.com", full_name="李娜")


@pytest.fixture
def secretariat(db):
    return make_user("office@example.com", role=Role.SECRETARIAT, full_name="秘书处")


@pytest.fixture
def station_officer(contest):
    return make_user("beijing@example.com", role=Role.STATION_OFFICER, full_name="北京赛站",
                     station=contest.stations.get(code="beijing"))


@pytest.fixture
def expert(db):
    return make_user("expert@example.com", role=Role.EXPERT, full_name="王专家")


@pytest.fixture
def verified(client):
    """verified(user) -> a test client logged in as user with two-factor passed."""
    return lambda user: verified_client(user, client)


@pytest.fixture
def org_input():
    from ciic.entrants.services import OrganizationInput

    def build(seq: int = 1, **overrides):
        values = dict(name=f"测试科技有限公司{seq}", credit_code=make_credit_code(seq),
                      kind="software_it", headcount=120, annual_revenue="5000")
        values.update(overrides)
        return OrganizationInput(**values)

    return build


@pytest.fixture
def rep_input():
    from ciic.entrants.services import RepresentativeInput

    def build(seq: int = 1, **overrides):
        values = dict(name=f"代表{seq}", id_number=make_id_number(seq), mobile=make_mobile(seq),
                      email=f"rep{seq}@example.com")
        values.update(overrides)
        return RepresentativeInput(**values)

    return build


@pytest.fixture
def organization(contest, team_lead, org_input):
    from ciic.entrants.services import register_organization

    return register_organization(contest=contest, actor=team_lead, data=org_input(1))


@pytest.fixture
def current_policies(contest):
    return list(contest.policies.filter(is_current=True))


@pytest.fixture
def team(organization, station, direction, team_lead, rep_input, current_policies):
    from ciic.entrants.enums import RepresentativeStatus
    from ciic.entrants.services import register_team

    team = register_team(organization=organization, station=station, direction=direction,
                         name="智造先锋队", actor=team_lead, representatives=[rep_input(1)],
                         accepted_policies=current_policies)
    # The person named has confirmed from the text message (entrants.identity), so the team
    # holds them (R-P3); test_identity walks that path itself.
    team.representatives.update(status=RepresentativeStatus.CONFIRMED, confirmed_at=timezone.now())
    return team


# --- projects and materials ---------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored and partial files go to a temporary directory, never into the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_TEMP_DIR = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def samples() -> dict[str, bytes]:
    """kind -> bytes of a small file whose content really is that kind."""
    return dict(SAMPLES)


@pytest.fixture
def project(team, team_lead):
    from ciic.projects.services import save_draft, start_project

    project = start_project(team=team, name="基于工业互联网平台的质量追溯系统", actor=team_lead)
    save_draft(project=project, actor=team_lead,
               sections={s.code: f"{s.name}的内容" for s in team.contest.form_sections.all()})
    return project


@pytest.fixture
def mtype(contest):
    """mtype(code) -> the contest's MaterialType with that code."""
    from ciic.contests.models import MaterialType

    return lambda code: MaterialType.objects.get(contest=contest, code=code)


@pytest.fixture
def complete_materials(project, team_lead):
    """complete_materials() attaches one valid file for every required material type (R-J7)."""
    from ciic.demo.samples import attach_required_materials

    return lambda actor=team_lead: attach_required_materials(project, actor)


# --- the originality check ------------------------------------------------------------


@pytest.fixture
def entry(contest, org_input, rep_input, current_policies):
    """entry(seq, text, name=...) -> the project of a new team (its own lead, organization and
    representative rep<100+seq>@example.com, Beijing station) with `text` (paragraphs) spread over
    the application's sections and submitted as version 1 through `submit_project`."""
    from ciic.demo.samples import attach_required_materials
    from ciic.entrants.services import register_organization, register_team
    from ciic.projects.services import save_draft, start_project, submit_project

    def build(seq: int, text: str, *, name: str = "", station: str = "beijing"):
        lead = make_user(f"entry{seq}@example.com", full_name=f"负责人{seq}")
        org = register_organization(contest=contest, actor=lead, data=org_input(100 + seq))
        where = contest.stations.get(code=station)
        team = register_team(organization=org, station=where, direction=where.directions.first(),
                             name=f"原创检查队{seq}", actor=lead, representatives=[rep_input(100 + seq)],
                             accepted_policies=current_policies)
        project = start_project(team=team, name=name or f"测试项目{seq}", actor=lead)
        save_draft(project=project, actor=lead, sections=spread(text, list(contest.form_sections.all())))
        attach_required_materials(project, lead)
        submit_project(project=project, actor=lead)
        return project

    return build


def spread(text: str, sections) -> dict[str, str]:
    """`text`'s paragraphs over the sections, in order, each within its length limit."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    size = -(-len(paragraphs) // len(sections))
    return {s.code: "\n\n".join(paragraphs[i * size:(i + 1) * size])[: s.max_chars] or s.name
            for i, s in enumerate(sections)}


@pytest.fixture
def submitted_project(transactional_db, project, team_lead):
    """The project with every required material and version 1 submitted (R-J4, R-J7), in a
    transactional database: for the browser tests, whose live server needs committed rows."""
    from ciic.demo.samples import attach_required_materials
    from ciic.projects.services import submit_project

    attach_required_materials(project, team_lead)
    submit_project(project=project, actor=team_lead)
    return project
