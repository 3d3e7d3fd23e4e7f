"""Matchmaking meetings (R-S1) and benefits (R-A4) through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.awards.tests.conftest import finals  # noqa: F401 - the fixture
from ciic.organizing import meetings
from ciic.organizing.enums import RequestStatus, Side
from ciic.organizing.models import Benefit, Meeting, MeetingRequest
from ciic.review.tests.test_rounds import make_project
from ciic.testing.personas import make_user


def fields(exc) -> set[str]:
    return set(exc.value.error_dict)


@pytest.fixture
def meeting(contest, secretariat):
    return meetings.create_meeting(contest=contest, kind="investment", title="资本相亲会",
                                   starts_at=timezone.now() + dt.timedelta(days=3), venue="宁波国际会议中心",
                                   slots=4, tables=2, actor=secretariat)


@pytest.fixture
def investors(meeting):
    return [meetings.register_participant(meeting=meeting, user=make_user(f"vc{i}@example.com"), kind="investor",
                                          organization=f"创投基金{i}", capacity=2, directions=["quality"],
                                          keywords="质量 追溯") for i in range(3)]


@pytest.fixture
def profiles(meeting, finals):  # noqa: F811
    return [meetings.opt_in_team(meeting=meeting, team=p.team, summary=f"质量追溯平台{i}", capacity=3,
                                 financing="500", actor=p.team.lead) for i, p in enumerate(finals.projects[:3])]


def test_meeting_takes_the_spec_slot_length_by_default(meeting):
    assert meeting.slot_minutes == 20
    assert meeting.slot_start(1) - meeting.starts_at == dt.timedelta(minutes=20)


def test_meeting_kind_must_be_the_spec_and_sizes_sane(contest, secretariat):
    with pytest.raises(ValidationError) as exc:
        meetings.create_meeting(contest=contest, kind="party", title="x", starts_at=None, slots="10**100",
                                tables=-1, venue="", actor=secretariat)
    assert fields(exc) == {"kind", "starts_at", "slots", "tables", "venue"}
    assert not Meeting.objects.exists()


def test_only_finalists_and_winners_opt_in(meeting, contest):
    outsider = make_project(contest, 77)
    with pytest.raises(ValidationError) as exc:
        meetings.opt_in_team(meeting=meeting, team=outsider.team, summary="x", capacity=1, actor=outsider.team.lead)
    assert exc.value.error_dict["team"][0].code == "R-A4"


def test_requests_go_both_ways_and_the_other_side_answers(meeting, investors, profiles):
    ask = meetings.request_meeting(participant=investors[0], profile=profiles[0], initiated_by=Side.PARTICIPANT,
                                   actor=investors[0].user)
    back = meetings.request_meeting(participant=investors[1], profile=profiles[0], initiated_by=Side.TEAM,
                                    actor=profiles[0].team.lead)
    assert meetings.answer_request(request=ask, accept=True, actor=profiles[0].team.lead).status == "accepted"
    assert meetings.answer_request(request=back, accept=False, actor=investors[1].user).status == "declined"
    with pytest.raises(ValidationError):
        meetings.answer_request(request=ask, accept=False, actor=profiles[0].team.lead)


def test_a_pair_has_one_live_request(meeting, investors, profiles):
    meetings.request_meeting(participant=investors[0], profile=profiles[0], initiated_by=Side.PARTICIPANT,
                             actor=investors[0].user)
    with pytest.raises(ValidationError) as exc:
        meetings.request_meeting(participant=investors[0], profile=profiles[0], initiated_by=Side.TEAM,
                                 actor=profiles[0].team.lead)
    assert fields(exc) == {"profile"}


def test_open_requests_are_limited_by_the_spec(meeting, investors, profiles, contest):
    spec = dict(contest.spec)
    spec["organizing"] = {**spec["organizing"], "meetings": {**spec["organizing"]["meetings"], "max_open_requests": 2}}
    contest.spec = spec
    contest.save(update_fields=["spec"])
    meeting.contest.refresh_from_db()
    for profile in profiles[:2]:
        meetings.request_meeting(participant=investors[0], profile=profile, initiated_by=Side.PARTICIPANT,
                                 actor=investors[0].user)
    with pytest.raises(ValidationError) as exc:
        meetings.request_meeting(participant=investors[0], profile=profiles[2], initiated_by=Side.PARTICIPANT,
                                 actor=investors[0].user)
    assert exc.value.error_dict["__all__"][0].code == "R-S1"
    assert MeetingRequest.objects.count() == 2


def accept_all(investors, profiles):
    for inv in investors:
        for prof in profiles:
            req = meetings.request_meeting(participant=inv, profile=prof, initiated_by=Side.PARTICIPANT, actor=inv.user)
            meetings.answer_request(request=req, accept=True, actor=prof.team.lead)


def test_schedule_never_double_books_and_keeps_capacities(meeting, investors, profiles, secretariat):
    accept_all(investors, profiles)
    figures = meetings.run_schedule(meeting=meeting, actor=secretariat)
    placed = list(MeetingRequest.objects.filter(meeting=meeting, slot__isnull=False))
    assert figures["meetings"] == len(placed) == 6  # 3 investors x capacity 2, within 4 slots x 2 tables
    for slot in range(meeting.slots):
        here = [r for r in placed if r.slot == slot]
        assert len({r.participant_id for r in here}) == len(here)
        assert len({r.profile_id for r in here}) == len(here)
        assert len({r.table for r in here}) == len(here) <= meeting.tables
    for inv in investors:
        assert sum(1 for r in placed if r.participant_id == inv.pk) <= inv.capacity


def test_availability_is_respected(meeting, investors, profiles, secretariat):
    meetings.register_participant(meeting=meeting, user=investors[0].user, kind="investor", organization="创投基金0",
                                  capacity=1, available=[3])
    accept_all(investors[:1], profiles[:1])
    meetings.run_schedule(meeting=meeting, actor=secretariat)
    assert MeetingRequest.objects.get(participant=investors[0]).slot == 2


def test_locked_meeting_survives_a_rerun(meeting, investors, profiles, secretariat):
    accept_all(investors, profiles)
    req = MeetingRequest.objects.filter(meeting=meeting).order_by("pk").last()
    meetings.lock_request(request=req, locked=True, slot=4, table=2, actor=secretariat)
    meetings.run_schedule(meeting=meeting, actor=secretariat)
    req.refresh_from_db()
    assert (req.slot, req.table) == (3, 2)
    # Another team joins and asks; the re-run keeps the locked meeting where it is.
    meetings.run_schedule(meeting=meeting, actor=secretariat)
    req.refresh_from_db()
    assert (req.slot, req.table) == (3, 2)


def test_locking_at_an_impossible_place_is_refused_and_changes_nothing(meeting, investors, profiles, secretariat):
    meetings.register_participant(meeting=meeting, user=investors[0].user, kind="investor", organization="创投基金0",
                                  capacity=1, available=[1])
    accept_all(investors[:1], profiles[:1])
    meetings.run_schedule(meeting=meeting, actor=secretariat)
    req = MeetingRequest.objects.get(participant=investors[0])
    meetings.lock_request(request=req, locked=True, slot=3, actor=secretariat)
    with pytest.raises(ValidationError):
        meetings.run_schedule(meeting=meeting, actor=secretariat)
    req.refresh_from_db()
    assert req.slot == 0


def test_outcome_is_recorded_only_once_the_meeting_began(meeting, investors, profiles, secretariat):
    accept_all(investors[:1], profiles[:1])
    meetings.run_schedule(meeting=meeting, actor=secretariat)
    req = MeetingRequest.objects.get(participant=investors[0])
    with pytest.raises(ValidationError):
        meetings.record_outcome(request=req, side=Side.PARTICIPANT, outcome="intent", actor=investors[0].user)
    later = meeting.ends_at + dt.timedelta(minutes=1)
    meetings.record_outcome(request=req, side=Side.PARTICIPANT, outcome="intent", actor=investors[0].user, now=later)
    meetings.record_outcome(request=req, side=Side.TEAM, outcome="follow_up", actor=profiles[0].team.lead, now=later)
    stats = meetings.meeting_statistics(meeting)
    assert stats["outcomes"]["intent"] == 1 and stats["outcomes"]["follow_up"] == 1
    assert stats["requests"][RequestStatus.ACCEPTED] == 1


def test_benefit_offered_to_a_finalist_and_taken_up(finals, secretariat):  # noqa: F811
    team = finals.projects[0].team
    benefit = meetings.offer_benefit(team=team, code="capital_matchmaking", actor=secretariat)
    meetings.update_benefit(benefit=benefit, status="accepted", actor=team.lead, by_team=True)
    assert Benefit.objects.get(pk=benefit.pk).status == "accepted"
    with pytest.raises(ValidationError):
        meetings.update_benefit(benefit=benefit, status="done", actor=team.lead, by_team=True)
    with pytest.raises(ValidationError):
        meetings.offer_benefit(team=team, code="capital_matchmaking", actor=secretariat)


def test_benefit_is_not_offered_to_a_team_outside_the_finals(contest, secretariat):
    team = make_project(contest, 88).team
    with pytest.raises(ValidationError) as exc:
        meetings.offer_benefit(team=team, code="training", actor=secretariat)
    assert fields(exc) == {"team"}
