"""Issuing and revoking certificates (issue 12 §5): one per award on a confirmed list and none
for a proposed one, numbers unique, readable and stable, revocation final and audited."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.awards.enums import AwardKind, AwardListStatus
from ciic.awards.models import Award, AwardList
from ciic.certificates.models import Certificate, RevokeCategory
from ciic.certificates.services import (
    certificate_series,
    contest_code,
    issue_certificates,
    revoke_certificate,
    verification_url,
)

from .conftest import ORGANIZING_UNIT

pytestmark = pytest.mark.django_db


def test_every_award_on_a_confirmed_list_gets_one_certificate_and_a_proposed_list_none(awarded, issued):
    confirmed = Award.objects.filter(award_list__status=AwardListStatus.CONFIRMED)
    assert confirmed.count() == 6
    assert sorted(c.award_id for c in issued) == sorted(confirmed.values_list("pk", flat=True))
    assert not Certificate.objects.filter(award__award_list=awarded.proposed).exists()
    assert Certificate.objects.count() == 6


def test_the_organizing_award_goes_to_the_unit_named_and_team_awards_to_the_organization(awarded, issued):
    organizing = Certificate.objects.get(award__code="organization")
    assert (organizing.recipient, organizing.project_name) == (ORGANIZING_UNIT, "")
    first = Certificate.objects.get(award=awarded.first)
    project = awarded.first.project
    assert (first.recipient, first.project_name) == (project.team.organization.name, project.name)


def test_numbers_follow_the_contest_and_the_list_scope(awarded, issued, contest):
    numbers = sorted(c.number for c in issued)
    assert contest_code(contest) == "CIIC2023"
    assert numbers == ["CIIC2023-F-001", "CIIC2023-F-002", "CIIC2023-F-003", "CIIC2023-L-BEIJING-001",
                       "CIIC2023-S-001", "CIIC2023-S-002"]
    # Tier prizes are numbered by finals rank.
    assert [c.award.rank for c in Certificate.objects.filter(series="CIIC2023-F").order_by("sequence")] == [1, 2, 3]
    assert len({c.token for c in issued}) == 6 and all(len(c.token) >= 24 for c in issued)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", c.token) and c.token not in c.number for c in issued)


def test_the_contest_code_comes_from_the_contest_data(contest):
    contest.slug, contest.year = "miit-contest", 2024
    assert contest_code(contest) == "MIITCONTEST2024"
    contest.slug = "ciic-6th-2024"
    assert contest_code(contest) == "CIIC6TH2024"


def test_issuing_twice_changes_nothing(awarded, issued, contest, secretariat):
    before = list(Certificate.objects.order_by("pk").values_list("pk", "number", "token", "issued_at"))
    audit = AuditEntry.objects.count()
    assert issue_certificates(contest=contest, actor=secretariat) == []
    assert list(Certificate.objects.order_by("pk").values_list("pk", "number", "token", "issued_at")) == before
    assert AuditEntry.objects.count() == audit


def test_a_list_confirmed_later_continues_the_series_and_keeps_earlier_numbers(awarded, issued, contest,
                                                                                 secretariat):
    before = dict(Certificate.objects.values_list("award_id", "number"))
    AwardList.objects.filter(pk=awarded.proposed.pk).update(status=AwardListStatus.CONFIRMED)
    [new] = issue_certificates(contest=contest, actor=secretariat)
    assert new.number == "CIIC2023-L-WUXI-001" and new.station_name == "无锡赛站"
    assert dict(Certificate.objects.exclude(pk=new.pk).values_list("award_id", "number")) == before
    # A second finals-scope award (e.g. from a later list of another contest) continues, never reuses.
    assert certificate_series(awarded.finals) == "CIIC2023-F"


def test_numbers_are_unique_in_the_database(awarded, issued):
    one = issued[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(award=awarded.proposed.awards.get(), contest=one.contest, series="X",
                                   sequence=1, number=one.number, token="another", scope="local",
                                   contest_name="c", award_name="a", recipient="r")


def test_the_certificate_keeps_what_it_prints(awarded, issued, contest):
    first = Certificate.objects.get(award=awarded.first)
    assert (first.contest_name, first.contest_name_en) == (contest.name, contest.name_en)
    assert (first.award_name, first.award_name_en) == ("一等奖", "First prize")
    special = Certificate.objects.get(award__code="tech_innovation")
    assert special.award_name_en == contest.special_awards.get(code="tech_innovation").name_en
    local = Certificate.objects.get(award__kind=AwardKind.LOCAL)
    assert (local.award_name_en, local.station_name, local.station_name_en) == ("", "北京赛站", "Beijing Station")
    # The organization renamed later: the certificate still says what was awarded.
    organization = awarded.first.project.team.organization
    organization.name = "改名后的公司"
    organization.save(update_fields=["name"])
    first.refresh_from_db()
    assert first.recipient != "改名后的公司"


def test_each_issue_is_audited(awarded, issued, secretariat):
    entries = AuditEntry.objects.filter(action="certificates.issue")
    assert entries.count() == 6
    entry = entries.get(object_id=str(Certificate.objects.get(award=awarded.first).pk))
    assert entry.after["number"] == "CIIC2023-F-001" and entry.actor_id == secretariat.pk


def test_verification_url_is_on_the_site(issued, settings):
    settings.SITE_URL = "https://www.cii-contest.cn/"
    assert verification_url(issued[0]) == f"https://www.cii-contest.cn/certificates/verify/{issued[0].token}/"


def test_revoking_needs_a_reason_and_is_final_and_audited(issued, secretariat):
    certificate = issued[0]
    with pytest.raises(ValidationError) as refused:
        revoke_certificate(certificate=certificate, reason="  ", actor=secretariat)
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        revoke_certificate(certificate=certificate, reason="x", category="nope", actor=secretariat)
    assert "category" in refused.value.message_dict
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    at = timezone.now()
    revoked = revoke_certificate(certificate=certificate, reason="公示期投诉经核查属实，撤销其奖项", actor=secretariat,
                                 category=RevokeCategory.AWARD_REVOKED, now=at)
    assert (revoked.revoked_at, revoked.revoke_category, revoked.revoked_by) == (at, "award_revoked", secretariat)
    entry = AuditEntry.objects.get(action="certificates.revoke")
    assert entry.before == {"status": "valid"} and entry.after["reason"].startswith("公示期投诉")

    with pytest.raises(ValidationError):
        revoke_certificate(certificate=certificate, reason="again", actor=secretariat)
    certificate.refresh_from_db()
    assert certificate.revoked_at == at


def test_a_revocation_without_a_reason_is_refused_by_the_database(issued):
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=issued[0].pk).update(revoked_at=timezone.now())


def test_a_revoked_certificate_is_not_issued_again(issued, contest, secretariat):
    revoke_certificate(certificate=issued[0], reason="奖项撤销", actor=secretariat)
    assert issue_certificates(contest=contest, actor=secretariat) == []


def test_the_publicity_process_revokes_an_awards_certificate_once(awarded, issued, secretariat):
    from ciic.certificates.services import revoke_award_certificate

    revoked = revoke_award_certificate(award=awarded.first, reason="公示期投诉属实，奖项撤销", actor=secretariat)
    assert revoked is not None and revoked.award == awarded.first and revoked.is_revoked
    assert revoke_award_certificate(award=awarded.first, reason="again", actor=secretariat) is None
    assert revoke_award_certificate(award=awarded.proposed.awards.get(), reason="x", actor=secretariat) is None


def test_each_winning_team_is_told_its_certificate_number_once(awarded, issued, contest, secretariat):
    from ciic.notifications.models import Notification

    told = Notification.objects.filter(kind="certificate_issued")
    first = Certificate.objects.get(award=awarded.first)
    mine = told.filter(user=awarded.first.project.team.lead)
    assert [n.params["number"] for n in mine] == [first.number]
    assert told.count() == 5  # six certificates; the organizing unit's has no team to tell
    assert not told.filter(user=awarded.proposed.awards.get().project.team.lead).exists()
    issue_certificates(contest=contest, actor=secretariat)  # nothing new: nobody told twice
    assert told.count() == 5
