"""Finals sessions (R-V4, R-G1, R-P8): the session's finalists and panel, the draw, the team on
stage, the live board with the trimmed mean, and the pages of the chair, the expert and the
big screen."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ciic.audit.models import AuditEntry
from ciic.awards import finals as svc
from ciic.awards.models import FinalsSession
from ciic.engines.finals import draw_order
from ciic.review.models import Assignment, ConflictDeclaration
from ciic.review.reviews.services import save_review

from .conftest import SCORES

pytestmark = pytest.mark.django_db


def _session(finals, secretariat, **extra):
    return svc.create_session(review_round=finals.round, direction=finals.direction, group=finals.leader,
                              actor=secretariat, experts=finals.experts, **extra)


def test_a_session_takes_the_finalists_of_its_direction_and_group(finals, secretariat):
    session = _session(finals, secretariat)
    assert {e.project_id for e in session.entries.all()} == {p.pk for p in finals.projects[:4]}
    # Every expert is assigned every finalist of the session.
    assert Assignment.objects.filter(review_round=finals.round, project__in=finals.projects[:4]).count() == 20
    with pytest.raises(ValidationError) as exc:
        _session(finals, secretariat)
    assert "已创建" in str(exc.value)


def test_a_conflicted_expert_is_never_assigned_and_never_scores(finals, secretariat):
    """R-P8: the conflict is known before the session: no assignment, no ballot expected."""
    ConflictDeclaration.objects.create(expert=finals.experts[0], project=finals.projects[0], source="staff",
                                       reason="曾任该单位顾问", declared_by=secretariat)
    session = _session(finals, secretariat)
    assert not Assignment.objects.filter(expert=finals.experts[0], project=finals.projects[0]).exists()
    row = next(r for r in svc.board(session) if r.entry.project_id == finals.projects[0].pk)
    assert row.expected == 4 and finals.experts[0] not in [b.expert for b in row.ballots]
    entry = AuditEntry.objects.get(action="finals.session.create")
    assert [finals.experts[0].pk, finals.projects[0].pk] in entry.after["conflicts"]


def test_bad_sessions_are_refused_naming_the_field(finals, secretariat, contest):
    with pytest.raises(ValidationError) as exc:
        svc.create_session(review_round=finals.round, direction=None, group=finals.leader, actor=secretariat,
                           experts=[])
    assert {"direction", "experts"} <= set(exc.value.error_dict)
    assert not FinalsSession.objects.exists()


def test_the_draw_is_recorded_and_reproducible_from_its_seed(finals, secretariat):
    session = _session(finals, secretariat)
    session = svc.draw(session=session, actor=secretariat, seed="宁波公证处 20231205-0931")
    order = [e.project_id for e in session.entries.order_by("position")]
    assert order == draw_order(sorted(order), "宁波公证处 20231205-0931")
    audit = AuditEntry.objects.get(action="finals.session.draw")
    assert audit.after["seed"] == "宁波公证处 20231205-0931" and audit.after["order"] == order
    with pytest.raises(ValidationError):
        svc.draw(session=session, actor=secretariat, seed="again")
    assert [e.project_id for e in session.entries.order_by("position")] == order


def test_a_random_seed_is_kept_when_none_is_typed(finals, secretariat):
    session = svc.draw(session=_session(finals, secretariat), actor=secretariat)
    assert len(session.draw_seed) == 32


def test_the_board_scores_a_team_once_all_its_ballots_are_in(finals, secretariat):
    session = svc.draw(session=_session(finals, secretariat), actor=secretariat, seed="s")
    first = session.entries.get(position=1)
    svc.put_on_stage(session=session, entry=first, actor=secretariat)
    totals = []
    for i, (expert, user) in enumerate(zip(finals.experts, finals.users, strict=True)):
        assignment = Assignment.objects.get(expert=expert, project=first.project)
        scores = SCORES | {"team": 2 * i}
        review = save_review(assignment=assignment, actor=user, scores=scores, recommendation="advance", submit=True)
        totals.append(review.total)
        row = next(r for r in svc.board(session) if r.entry.pk == first.pk)
        assert row.received == i + 1
        assert (row.score is None) == (i < 4)
    trimmed = sorted(totals)[1:-1]
    assert row.score == round(sum(trimmed) / 3, 2)


def test_the_stage_needs_the_draw(finals, secretariat):
    session = _session(finals, secretariat)
    with pytest.raises(ValidationError) as exc:
        svc.put_on_stage(session=session, entry=session.entries.first(), actor=secretariat)
    assert "抽签" in str(exc.value)


# --- pages ----------------------------------------------------------------------------------


def test_the_secretariat_creates_a_session_on_the_web(finals, secretariat, verified):
    office = verified(secretariat)
    r = office.post("/finals/", {"direction": "", "group": str(finals.leader.pk)})
    assert r.status_code == 400 and "请选择赛题方向" in r.content.decode()
    r = office.post("/finals/", {"direction": str(finals.direction.pk), "group": str(finals.leader.pk),
                                 "experts": [str(e.pk) for e in finals.experts], "chair": str(finals.users[0].pk),
                                 "venue": "宁波国际会议中心 A 厅", "starts_at": "2023-12-05T09:00"})
    assert r.status_code == 302
    session = FinalsSession.objects.get()
    assert session.chair == finals.users[0] and session.starts_at.hour == 1  # 09:00 Beijing is 01:00 UTC


def test_only_the_chair_and_the_secretariat_run_the_console(finals, secretariat, verified, team_lead):
    session = _session(finals, secretariat, chair=finals.users[0])
    svc.draw(session=session, actor=secretariat, seed="s")
    assert verified(finals.users[0]).get(f"/finals/sessions/{session.pk}/").status_code == 200
    assert verified(finals.users[1]).get(f"/finals/sessions/{session.pk}/").status_code == 404
    assert verified(team_lead).get(f"/finals/sessions/{session.pk}/").status_code == 404
    chair = verified(finals.users[0])
    first = session.entries.get(position=1)
    assert chair.post(f"/finals/sessions/{session.pk}/stage/", {"entry": str(first.pk)}).status_code == 302
    session.refresh_from_db()
    assert session.current == first
    # The draw is the secretariat's, not the chair's.
    assert chair.post(f"/finals/sessions/{session.pk}/draw/", {"seed": "x"}).status_code == 404


def test_the_big_screen_shows_scores_only_once_released(finals, secretariat, client, verified):
    session = svc.draw(session=_session(finals, secretariat), actor=secretariat, seed="s")
    first = session.entries.get(position=1)
    svc.put_on_stage(session=session, entry=first, actor=secretariat)
    for expert, user in zip(finals.experts, finals.users, strict=True):
        save_review(assignment=Assignment.objects.get(expert=expert, project=first.project), actor=user,
                    scores=SCORES, recommendation="advance", submit=True)
    score = next(r for r in svc.board(session) if r.entry.pk == first.pk).score
    page = client.get(f"/finals/sessions/{session.pk}/screen/").content.decode()
    assert first.project.name in page and f"{score:.2f}" not in page
    svc.release_scores(session=session, actor=secretariat, release=True)
    page = client.get(f"/finals/sessions/{session.pk}/screen/", HTTP_HX_REQUEST="true").content.decode()
    assert f"{score:.2f}" in page


def test_the_experts_phone_shows_the_team_on_stage_and_hides_a_conflicted_one(finals, secretariat, verified):
    ConflictDeclaration.objects.create(expert=finals.experts[1], project=finals.projects[0], source="staff",
                                       reason="亲属", declared_by=secretariat)
    session = svc.draw(session=_session(finals, secretariat), actor=secretariat, seed="s")
    entry = session.entries.get(project=finals.projects[0])
    svc.put_on_stage(session=session, entry=entry, actor=secretariat)
    page = verified(finals.users[0]).get(f"/finals/sessions/{session.pk}/now/").content.decode()
    assert f"/review/workspace/{finals.round.pk}/{entry.project_id}/" in page
    page = verified(finals.users[1]).get(f"/finals/sessions/{session.pk}/now/").content.decode()
    assert "您不参与该团队的评分" in page and f"/review/workspace/{finals.round.pk}/{entry.project_id}/" not in page


def test_the_timer_is_in_the_page_itself_so_a_refresh_never_blanks_it(finals, secretariat, client):
    import datetime as dt
    import re

    from django.utils import timezone

    session = svc.draw(session=_session(finals, secretariat), actor=secretariat, seed="s")
    entry = session.entries.get(position=1)
    svc.put_on_stage(session=session, entry=entry, actor=secretariat)
    entry.refresh_from_db()
    assert svc.timer_text(entry, 10, entry.on_stage_at + dt.timedelta(seconds=61)) == "8:59"
    assert svc.timer_text(entry, 10, entry.on_stage_at + dt.timedelta(minutes=10, seconds=5)) == "+0:05"
    assert svc.timer_text(None, 10, timezone.now()) == ""
    fragment = client.get(f"/finals/sessions/{session.pk}/screen/", HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'class="screen-timer"[^>]*>\+?\d+:\d\d<', fragment)
