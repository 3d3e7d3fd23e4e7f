"""The archive of a closed round (R-V3): a zip with every part as JSON and Excel and a manifest
of SHA-256 hashes, stored once, its hash in the audit chain; tampering is detected; no
entrant's personal data goes in."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from ciic.audit.models import AuditEntry
from ciic.entrants.models import Representative
from ciic.review.enums import ConflictSource, RoundStatus
from ciic.review.models import ConflictDeclaration, RoundArchive
from ciic.review.results.archive import MANIFEST, build_archive, verify_archive
from ciic.review.results.services import compute_results, decide_tie, set_advancement_rule

from .test_results import group, make_entry, make_experts, scored_round

pytestmark = pytest.mark.django_db

PARTS = ["round", "assignments", "conflicts", "reviews", "calibration", "ranking", "advancement_rules",
         "tie_decisions"]


@pytest.fixture
def closed_round(contest, station, secretariat):
    experts = make_experts(contest, 3)
    a, b, c = (make_entry(contest, station=station, name=n) for n in ("甲项目", "乙项目", "丙项目"))
    Representative.objects.create(contest=contest, team=a.team, name="代表甲", id_number="110101199003074514",
                                  id_hash="x" * 64, mobile="13912345678", email="rep-a@example.com")
    review_round = scored_round(contest, station, {a: [90, 88, 91], b: [70, 70, 70], c: [70, 70, 70]}, experts)
    ConflictDeclaration.objects.create(expert=experts[2], project=c, source=ConflictSource.EXPERT,
                                       reason="曾为该单位提供咨询", declared_by=secretariat)
    set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                         group=group(contest, "newcomer"), count=2, actor=secretariat)
    compute_results(review_round=review_round, actor=secretariat)
    review_round.status = RoundStatus.CLOSED
    review_round.save()
    return review_round, (a, b, c)


def _settle(review_round, station, contest, b, secretariat):
    decide_tie(review_round=review_round, direction=station.directions.first(), group=group(contest, "newcomer"),
               advancing=[b], reason="现场路演表现更好", actor=secretariat)


def test_archive_needs_a_closed_round_with_ties_decided(contest, station, closed_round, secretariat):
    review_round, _projects = closed_round
    with pytest.raises(ValidationError) as exc:  # b and c tie at the cut
        build_archive(review_round=review_round, actor=secretariat)
    assert "并列" in str(exc.value)
    review_round.status = RoundStatus.OPEN
    with pytest.raises(ValidationError):
        build_archive(review_round=review_round, actor=secretariat)


def test_archive_hashes_verify_and_tampering_is_detected(contest, station, closed_round, secretariat):
    review_round, (a, b, c) = closed_round
    _settle(review_round, station, contest, b, secretariat)
    archive = build_archive(review_round=review_round, actor=secretariat)

    assert verify_archive(archive) == []
    data = archive.file.open("rb").read()
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    assert names == {MANIFEST} | {f"{p}.{ext}" for p in PARTS for ext in ("json", "xlsx")}
    manifest = json.loads(zf.read(MANIFEST))
    assert {f["name"] for f in manifest["files"]} == names - {MANIFEST}
    audit = AuditEntry.objects.get(action="review.round.archive")
    assert audit.after["sha256"] == archive.sha256

    conflicts = json.loads(zf.read("conflicts.json"))["rows"]
    assert any(r["project_id"] == c.pk and "曾为该单位提供咨询" in r["reason"] for r in conflicts)
    reviews = json.loads(zf.read("reviews.json"))["rows"]
    assert len(reviews) == 9 and sum(not r["counted"] for r in reviews) == 1
    ranking = {r["project_id"]: r for r in json.loads(zf.read("ranking.json"))["rows"]}
    assert ranking[a.pk]["advanced"] and ranking[b.pk]["advanced"] and not ranking[c.pk]["advanced"]
    ties = json.loads(zf.read("tie_decisions.json"))["rows"]
    assert ties[0]["reason"] == "现场路演表现更好"
    # Personal data of entrants never goes in (in any file, JSON or Excel).
    for name in names:
        content = zf.read(name)
        for secret in ("110101199003074514", "13912345678", "rep-a@example.com"):
            assert secret.encode() not in content, (name, secret)

    # Tamper with one file inside the zip, keeping the manifest.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as tampered:
        for name in zf.namelist():
            body = zf.read(name)
            if name == "ranking.json":
                body = body.replace(b'"advanced": false', b'"advanced": true')
            tampered.writestr(name, body)
    archive.file.storage.delete(archive.file.name)
    archive.file.storage.save(archive.file.name, ContentFile(out.getvalue()))
    problems = verify_archive(archive)
    assert any("ranking.json" in p for p in problems), problems
    assert any("归档文件的 SHA-256" in p for p in problems)


def test_a_round_is_archived_once_and_decisions_are_then_final(contest, station, closed_round, secretariat):
    review_round, (_a, b, _c) = closed_round
    _settle(review_round, station, contest, b, secretariat)
    build_archive(review_round=review_round, actor=secretariat)
    with pytest.raises(ValidationError):
        build_archive(review_round=review_round, actor=secretariat)
    with pytest.raises(ValidationError):
        set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                             group=group(contest, "newcomer"), count=3, actor=secretariat)
    assert RoundArchive.objects.count() == 1


def test_archive_names_staff_by_account_not_by_email_or_mobile(contest, station, closed_round, secretariat):
    """R-V3: a tie decided by staff without a name on file is recorded by account number, not by
    the e-mail or mobile `str(user)` falls back to (personal data the archive does not need)."""
    from ciic.accounts.enums import Role
    from ciic.testing.personas import make_user

    review_round, (_a, b, _c) = closed_round
    nameless = make_user("deputy.office@example.com", role=Role.SECRETARIAT)
    _settle(review_round, station, contest, b, nameless)
    archive = build_archive(review_round=review_round, actor=secretariat)
    zf = zipfile.ZipFile(io.BytesIO(archive.file.open("rb").read()))
    [tie] = json.loads(zf.read("tie_decisions.json"))["rows"]
    assert tie["decided_by_id"] == nameless.pk
    for name in zf.namelist():
        assert b"deputy.office@example.com" not in zf.read(name), name


def test_archived_reviews_mark_the_conflicted_ones_which_never_count(contest, station, closed_round, secretariat):
    """R-P8, R-V3: the conflicted expert's review stays in the record, marked conflicted and
    not counted; calibration is computed without it."""
    review_round, (_a, b, c) = closed_round
    _settle(review_round, station, contest, b, secretariat)
    archive = build_archive(review_round=review_round, actor=secretariat)
    zf = zipfile.ZipFile(io.BytesIO(archive.file.open("rb").read()))
    reviews = json.loads(zf.read("reviews.json"))["rows"]
    [conflicted] = [r for r in reviews if r["conflicted"]]
    assert conflicted["project_id"] == c.pk and conflicted["counted"] is False
    declared = ConflictDeclaration.objects.get(project=c)
    assert conflicted["expert_id"] == declared.expert_id
    calibration = {r["expert_id"]: r for r in json.loads(zf.read("calibration.json"))["rows"]}
    assert calibration[declared.expert_id]["reviews"] == 2  # three reviews, one conflicted


def test_archive_holds_the_result_at_closing_not_one_computed_while_open(contest, station, secretariat):
    """R-V3: a result computed while the round was open misses a review submitted before the
    close; archiving computes the result at closing first."""
    from django.utils import timezone

    from ciic.review.rounds.services import close_round

    from .test_results import make_round, score

    experts = make_experts(contest, 2)
    p = make_entry(contest, station=station)
    review_round = make_round(contest, station, [p])
    score(review_round, experts[0], p, 80)
    late = score(review_round, experts[1], p, 40, submitted=False)
    compute_results(review_round=review_round, actor=secretariat)
    late.submitted_at = timezone.now()
    late.save()
    close_round(review_round=review_round, actor=secretariat)
    archive = build_archive(review_round=review_round, actor=secretariat)
    with archive.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as zf:
        [row] = json.loads(zf.read("ranking.json"))["rows"]
    assert (row["reviews"], row["raw_score"]) == (2, 60.0)
