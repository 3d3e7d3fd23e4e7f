"""The expert pool (R-V5): add, update, deactivate, invite to a two-factor account; the
secretariat manages all experts, a station officer those of their station; every write audited,
no email in the audit trail."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.demo.identifiers import make_credit_code
from ciic.notifications.models import Notification
from ciic.review.enums import ExpertKind
from ciic.review.experts.services import (
    ExpertInput,
    add_expert,
    invite_expert,
    set_expert_active,
    update_expert,
)
from ciic.review.models import Expert
from ciic.review.selectors import experts_for_user, filter_experts
from ciic.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert_input(direction):
    def build(**overrides) -> ExpertInput:
        values = dict(name="刘专家", employer="中国信息通信研究院", kind=ExpertKind.RESEARCH,
                      email="Liu@CAICT.example.com", employer_credit_code="", directions=[direction.pk],
                      keywords="工业互联网、标识解析", profile="长期从事工业互联网研究。")
        values.update(overrides)
        return ExpertInput(**values)

    return build


def _codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errs] for field, errs in exc.error_dict.items()}


def test_secretariat_adds_an_expert_audited_without_the_email(contest, secretariat, expert_input, direction):
    expert = add_expert(contest=contest, actor=secretariat, data=expert_input(employer_credit_code=make_credit_code(7)))
    assert expert.email == "liu@caict.example.com" and expert.station is None
    assert list(expert.directions.all()) == [direction]
    entry = AuditEntry.objects.get(action="expert.create")
    assert entry.after["has_email"] is True and entry.after["directions"] == [direction.code]
    assert "caict" not in str(entry.after).lower() and "caict" not in entry.object_repr.lower()


def test_every_field_is_checked_with_its_rule(contest, secretariat, expert_input):
    bad = expert_input(name=" ", employer="", kind="university", employer_credit_code="91110000123",
                       email="not-an-email", directions=[999999], keywords="x" * 501)
    with pytest.raises(ValidationError) as caught:
        add_expert(contest=contest, actor=secretariat, data=bad)
    assert _codes(caught.value) == {
        "name": ["R-V5"], "employer": ["R-P8"], "employer_credit_code": ["R-P8"], "kind": ["R-V5"],
        "email": ["R-V5"], "directions": ["R-V5"], "keywords": ["R-V5"]}
    assert not Expert.objects.exists()


def test_expert_name_and_employer_with_hidden_characters_are_refused(contest, secretariat, expert_input):
    """R-V5, R-P8: the name shown to staff and the employer conflicts are matched on must show
    what they hold; a zero-width space would also slip an employer past conflict matching."""
    with pytest.raises(ValidationError) as caught:
        add_expert(contest=contest, actor=secretariat, data=expert_input(
            name="刘\u202e专家", employer="中国信息\u200b通信研究院"))
    assert _codes(caught.value) == {"name": ["R-V5"], "employer": ["R-P8"]}
    assert "工作单位不能包含不可见字符或文字方向控制字符（U+200B）" in str(caught.value)
    assert not Expert.objects.exists()


def test_email_is_unique_in_the_contest_case_insensitively(contest, secretariat, expert_input):
    add_expert(contest=contest, actor=secretariat, data=expert_input())
    with pytest.raises(ValidationError) as caught:
        add_expert(contest=contest, actor=secretariat, data=expert_input(name="另一人", email="LIU@caict.example.com"))
    assert _codes(caught.value) == {"email": ["R-V5"]}
    # No email at all is allowed for several experts (they cannot be invited until one is set).
    add_expert(contest=contest, actor=secretariat, data=expert_input(email=""))
    add_expert(contest=contest, actor=secretariat, data=expert_input(email=""))


def test_station_officer_adds_experts_to_their_station_and_sees_only_those(
        contest, secretariat, station_officer, expert_input):
    shanghai = contest.stations.get(code="shanghai") if contest.stations.filter(code="shanghai").exists() \
        else contest.stations.exclude(pk=station_officer.station_id).first()
    ours = add_expert(contest=contest, actor=station_officer, data=expert_input(station_id=shanghai.pk))
    assert ours.station_id == station_officer.station_id  # an officer cannot place experts elsewhere
    theirs = add_expert(contest=contest, actor=secretariat,
                        data=expert_input(email="b@example.com", station_id=shanghai.pk))
    assert list(experts_for_user(station_officer, contest)) == [ours]
    assert set(experts_for_user(secretariat, contest)) == {ours, theirs}
    with pytest.raises(PermissionDenied):
        update_expert(expert=theirs, actor=station_officer, data=expert_input(email="b@example.com"))
    with pytest.raises(PermissionDenied):
        set_expert_active(expert=theirs, actor=station_officer, active=False)


def test_entrants_and_experts_manage_nothing(contest, team_lead, expert, expert_input):
    for actor in (team_lead, expert):
        with pytest.raises(PermissionDenied):
            add_expert(contest=contest, actor=actor, data=expert_input())
        assert not experts_for_user(actor, contest).exists()


def test_update_records_before_and_after(contest, secretariat, expert_input):
    expert = add_expert(contest=contest, actor=secretariat, data=expert_input())
    update_expert(expert=expert, actor=secretariat, data=expert_input(employer="清华大学", email="new@example.com"))
    entry = AuditEntry.objects.get(action="expert.update")
    assert entry.before["employer"] == "中国信息通信研究院" and entry.after["employer"] == "清华大学"
    assert entry.after["email_changed"] is True and "new@example.com" not in str(entry.after)


def test_deactivate_and_filter(contest, secretariat, expert_input, direction):
    a = add_expert(contest=contest, actor=secretariat, data=expert_input())
    b = add_expert(contest=contest, actor=secretariat, data=expert_input(
        name="投资人", employer="深创投", kind=ExpertKind.INVESTMENT, email="vc@example.com", directions=[]))
    set_expert_active(expert=a, actor=secretariat, active=False)
    assert AuditEntry.objects.filter(action="expert.deactivate").count() == 1
    qs = experts_for_user(secretariat, contest)
    assert list(filter_experts(qs, active="1")) == [b]
    assert list(filter_experts(qs, kind=ExpertKind.RESEARCH)) == [a]
    assert list(filter_experts(qs, direction=direction.code)) == [a]
    assert list(filter_experts(qs, q="深创")) == [b]


def test_invite_creates_an_expert_account_and_emails_a_set_password_link(
        contest, secretariat, expert_input, client, django_capture_on_commit_callbacks):
    expert = add_expert(contest=contest, actor=secretariat, data=expert_input())
    with django_capture_on_commit_callbacks(execute=True):
        user = invite_expert(expert=expert, actor=secretariat)
    assert user.role == Role.EXPERT and not user.has_usable_password()
    expert.refresh_from_db()
    assert expert.user == user
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["liu@caict.example.com"]
    assert mail.outbox[0].alternatives  # text and HTML
    link = re.search(r"https?://\S+/review/experts/welcome/\S+/", mail.outbox[0].body).group(0)
    assert "token" not in str(AuditEntry.objects.get(action="expert.invite").after)

    # The link lets them choose a password once.
    path = link.split("://", 1)[1].split("/", 1)[1]
    r = client.get("/" + path, follow=True)
    assert r.status_code == 200
    r = client.post(r.redirect_chain[-1][0], {"new_password1": "Zhuan-jia-2023!", "new_password2": "Zhuan-jia-2023!"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Zhuan-jia-2023!")
    assert client.get("/" + path, follow=True).context["validlink"] is False

    # At first login the expert must enrol a TOTP app before reaching anything else.
    client.post("/accounts/login/", {"username": "liu@caict.example.com", "password": "Zhuan-jia-2023!"})
    r = client.get("/dashboard/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/")
    assert "accounts/two_factor_enroll.html" in [t.name for t in client.get(r["Location"]).templates]


def test_invite_links_an_existing_expert_account_and_notifies(contest, secretariat, expert_input):
    existing = make_user("liu@caict.example.com", role=Role.EXPERT)
    expert = add_expert(contest=contest, actor=secretariat, data=expert_input())
    assert invite_expert(expert=expert, actor=secretariat) == existing
    assert Notification.objects.filter(user=existing, kind="expert_invited").exists()
    assert existing.check_password(PASSWORD)


def test_invite_refuses_an_account_of_another_role_and_a_missing_email(contest, secretariat, expert_input):
    make_user("liu@caict.example.com", role=Role.ENTRANT)
    expert = add_expert(contest=contest, actor=secretariat, data=expert_input())
    with pytest.raises(ValidationError) as caught:
        invite_expert(expert=expert, actor=secretariat)
    assert _codes(caught.value) == {"email": ["R-V5"]}
    no_email = add_expert(contest=contest, actor=secretariat, data=expert_input(email=""))
    with pytest.raises(ValidationError):
        invite_expert(expert=no_email, actor=secretariat)


def test_the_same_expert_account_serves_the_next_editions_pool(contest, secretariat, expert_input):
    """An expert invited again for the next edition keeps their one account (R-V5): a profile
    per contest, and their workspace is the newest edition's."""
    import copy

    from ciic.conftest import SPEC
    from ciic.contests.services import load_contest_spec, read_spec_file
    from ciic.review.selectors import expert_for_user

    this_year = add_expert(contest=contest, actor=secretariat, data=expert_input())
    account = invite_expert(expert=this_year, actor=secretariat)
    data = copy.deepcopy(read_spec_file(SPEC))
    data["contest"].update(slug="ciic-2024", year=2024, edition=6)
    next_contest = load_contest_spec(data=data, shift_to_now=True).contest
    there = [next_contest.directions.order_by("number").first().pk]
    next_year = add_expert(contest=next_contest, actor=secretariat, data=expert_input(directions=there))
    assert invite_expert(expert=next_year, actor=secretariat) == account
    assert set(account.expert_profiles.values_list("contest_id", flat=True)) == {contest.pk, next_contest.pk}
    assert expert_for_user(account) == next_year
    twin = add_expert(contest=next_contest, actor=secretariat,
                      data=expert_input(email="twin@example.com", directions=there))
    Expert.objects.filter(pk=twin.pk).update(email=account.email.upper())
    twin.refresh_from_db()
    with pytest.raises(ValidationError) as caught:  # one profile per account per contest
        invite_expert(expert=twin, actor=secretariat)
    assert _codes(caught.value) == {"email": ["R-V5"]}
