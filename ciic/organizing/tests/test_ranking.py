"""The excellent-organizer ranking read from the platform's records, and the 优秀组织奖 decision
through the awards app (R-A2, R-O2)."""

from __future__ import annotations

import datetime as dt

import pytest

from ciic.awards.models import Award
from ciic.awards.tests.conftest import finals  # noqa: F401 - the fixture
from ciic.organizing import services
from ciic.organizing.models import Recommendation
from ciic.organizing.ranking import ranking
from ciic.review.tests.test_rounds import make_project, submit


def recommend(unit, project, actor):
    return Recommendation.objects.create(team=project.team, unit=unit, created_by=actor)


def row(contest, unit):
    return next(r for r in ranking(contest) if r.unit == unit)


def test_withdrawn_disqualified_and_unsubmitted_entries_do_not_count(contest, unit, secretariat):
    good = make_project(contest, 1)
    withdrawn = make_project(contest, 2)
    withdrawn.team.status = "withdrawn"
    withdrawn.team.save(update_fields=["status"])
    disqualified = make_project(contest, 3)
    disqualified.status = "disqualified"
    disqualified.save(update_fields=["status"])
    draft_only = make_project(contest, 4, submitted=False)
    for p in (good, withdrawn, disqualified, draft_only):
        recommend(unit, p, secretariat)
    score = row(contest, unit).score
    assert score.figures["entries"] == 1
    assert set(score.excluded) == {withdrawn.team_id, disqualified.team_id, draft_only.team_id}


def test_the_same_project_entered_twice_counts_once(contest, unit, secretariat):
    first = make_project(contest, 1)
    twin = make_project(contest, 2)
    twin.team.organization = first.team.organization
    twin.team.save(update_fields=["organization"])
    twin.name = first.name.replace("项目", " 项目 ")
    twin.save(update_fields=["name"])
    other = make_project(contest, 3)
    copy = make_project(contest, 4, submitted=False)
    submit(copy, "x")
    copy.submissions.update(content_sha256=other.submissions.get().content_sha256)
    for p in (first, twin, other, copy):
        recommend(unit, p, secretariat)
    score = row(contest, unit).score
    assert score.figures["entries"] == 2
    assert len(score.duplicates) == 2


def test_ranking_follows_the_spec_weights(contest, unit, other_unit, secretariat, unit_contact):
    for i in range(1, 6):
        recommend(unit, make_project(contest, i), secretariat)
    recommend(other_unit, make_project(contest, 10), secretariat)
    services.submit_receipt(unit=other_unit, contact_name="赵", title="处长", contact_info="13800138000",
                            actor=secretariat)
    before = {r.unit: r.score.total for r in ranking(contest)}
    assert before[unit] > before[other_unit]
    spec = dict(contest.spec)
    spec["organizing"] = {**spec["organizing"], "ranking": {
        **spec["organizing"]["ranking"], "entries": {"weight": 0, "transform": "linear"},
        "weights": {**spec["organizing"]["ranking"]["weights"], "receipt_on_time": 100}}}
    contest.spec = spec
    contest.save(update_fields=["spec"])
    after = ranking(contest)
    assert after[0].unit == other_unit
    assert after[0].score.total == pytest.approx(100 + 2 + 2)  # receipt, one station, one direction


def test_late_receipt_and_report_earn_nothing(contest, unit, unit_contact, deadline_of):
    services.submit_receipt(unit=unit, contact_name="王", title="处长", contact_info="13800138000",
                            actor=unit_contact, now=deadline_of("contact_receipt") + dt.timedelta(seconds=1))
    services.submit_report(unit=unit, text="组织情况", actor=unit_contact,
                           now=deadline_of("organizing_report") - dt.timedelta(days=1))
    figures = row(contest, unit).score.figures
    assert (figures["receipt_on_time"], figures["report_on_time"]) == (0, 1)


def test_finalists_count_for_their_unit(contest, unit, secretariat, finals):  # noqa: F811
    recommend(unit, finals.projects[0], secretariat)
    recommend(unit, make_project(contest, 40), secretariat)
    figures = row(contest, unit).score.figures
    assert figures["finalists"] == 1 and figures["entries"] == 2


def test_excellent_organizer_goes_through_the_awards_app_with_the_ranking(contest, unit, secretariat,
                                                                          finals):  # noqa: F811
    recommend(unit, finals.projects[0], secretariat)
    award = services.decide_excellent_organizer(contest=contest, unit=unit, reason="组织成效突出", actor=secretariat)
    assert Award.objects.get(pk=award.pk).recipient_name == unit.name
    assert award.code == "organization"
    assert "排名第 1 名" in award.reason and "组织成效突出" in award.reason


def test_excellent_organizer_needs_a_reason(contest, unit, secretariat):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.decide_excellent_organizer(contest=contest, unit=unit, reason="  ", actor=secretariat)
    assert set(exc.value.error_dict) == {"reason"}
    assert not Award.objects.exists()


def test_the_excellent_organizer_gets_its_certificate_once_the_list_is_confirmed(contest, unit, secretariat,
                                                                                  finals):  # noqa: F811
    from ciic.awards.special import confirm_special_awards
    from ciic.certificates.models import Certificate
    from ciic.certificates.services import issue_certificates

    # Only the 优秀组织奖 is on this edition's special list, so the list can be confirmed.
    spec = dict(contest.spec)
    spec["awards"] = {**spec["awards"], "special": [s for s in spec["awards"]["special"] if s["code"] == "organization"]}
    contest.spec = spec
    contest.save(update_fields=["spec"])
    award = services.decide_excellent_organizer(contest=contest, unit=unit, reason="组织成效突出", actor=secretariat)
    contact = services.add_unit_account(unit=unit, email="contact@zj.gov.cn", full_name="钱联络", actor=secretariat)
    confirm_special_awards(contest=contest, actor=secretariat)
    issue_certificates(contest=contest, actor=secretariat)
    certificate = Certificate.objects.get(award=award)
    assert certificate.award.recipient == unit.name
    # The unit hears of it through its contact account (awards.notices' registered finder).
    from ciic.notifications.models import Notification

    told = Notification.objects.get(user=contact, kind="unit_award_confirmed")
    assert told.params["recipient"] == unit.name and told.params["award"] == award.name
