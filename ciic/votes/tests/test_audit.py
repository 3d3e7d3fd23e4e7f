"""Brushing held for audit, and the tally (R-A2, issue 12 §4): the planted patterns are held with
their reasons; held votes count only once cleared, voided ones never; decisions are bulk and
audited; the tally is None until published, published once, after the window closed, a run
over every vote and no vote held."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.review.models import RoundProject
from ciic.review.tests.test_rounds import make_project
from ciic.votes import detection, services
from ciic.votes.enums import Decision, FindingStatus, Reason, VoteStatus
from ciic.votes.models import DetectionRun, Finding, Tally, Vote
from ciic.votes.replay import store_simulated_vote
from ciic.votes.simulation import Scenario, simulate

from .conftest import finalist_list, open_window

SCENARIO = Scenario(ballots=6000, projects=10, brushing=0.2, seed=7, cities=4)


@pytest.fixture
def planted(ballot, secretariat):
    """Ten finalists and a simulated week of 6,000 votes, a fifth of them brushing in the three
    patterns (ciic/votes/simulation.py), stored as the services store them; the window closed
    an hour ago."""
    more = [make_project(ballot.contest, 90 + i, stage="finals") for i in range(7)]
    finalist_list(ballot.contest, ballot.contest.stations.get(code="wuxi"), ballot.contest.groups.first(), more,
                  secretariat)
    for project in more:
        RoundProject.objects.create(review_round=ballot.round, project=project, submission=project.submissions.first())
    projects = [p.pk for p in ballot.finalists + more]
    vote = simulate(SCENARIO)
    end = timezone.now() - dt.timedelta(hours=1)
    start = end - dt.timedelta(seconds=vote.seconds)
    open_window(ballot.contest, starts=start - timezone.now(), ends=end - timezone.now())
    keys = store_simulated_vote(contest=ballot.contest, vote=vote, projects=projects, start=start)
    return {"vote": vote, "planted": keys, "projects": projects, "brushed": projects[vote.brushed_project]}


def held_keys():
    return set(Vote.objects.filter(status=VoteStatus.HELD).values_list("ballot_key", flat=True))


def test_the_planted_brushing_is_held_with_its_reasons(planted, secretariat):
    run = detection.run_detection(contest=Vote.objects.first().contest, actor=secretariat)
    held = held_keys()
    planted_keys = {k for k, v in planted["planted"].items() if v}
    precision = len(held & planted_keys) / len(held)
    recall = len(held & planted_keys) / len(planted_keys)
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
    reasons = set(Finding.objects.values_list("reason", flat=True))
    assert {Reason.BURST, Reason.PREFIX, Reason.BLOCKS} <= reasons
    assert run.votes_examined == 6000 and run.summary["held"] == len(held)
    entry = AuditEntry.objects.get(action="votes.detection.run")
    assert entry.after["summary"]["held"] == len(held)
    # Held votes do not count: not in the live counts, not in what would be published.
    counted = Vote.objects.filter(status__in=[VoteStatus.COUNTED, VoteStatus.CLEARED]).count()
    assert services.tally_preview(Vote.objects.first().contest)["totals"]["counted"] == counted == 6000 - len(held)


def test_cleared_votes_count_and_voided_ones_never(planted, secretariat):
    contest = Vote.objects.first().contest
    detection.run_detection(contest=contest, actor=secretariat)
    burst = list(Finding.objects.filter(reason=Reason.BURST).values_list("pk", flat=True))
    others = list(Finding.objects.exclude(reason=Reason.BURST).values_list("pk", flat=True))
    before = services.tally_preview(contest)["totals"]["counted"]
    both = set(Vote.objects.filter(findings__pk__in=burst).values_list("pk", flat=True)) & set(
        Vote.objects.filter(findings__pk__in=others).values_list("pk", flat=True))
    result = detection.decide_findings(contest=contest, finding_ids=burst, decision=Decision.CLEAR,
                                       reason="核实为正常的截止前集中投票", actor=secretariat)
    # A vote another open finding still holds stays held.
    assert result["still_held"] == len(both)
    assert all(v == VoteStatus.HELD for v in Vote.objects.filter(pk__in=both).values_list("status", flat=True))
    after_clear = services.tally_preview(contest)["totals"]["counted"]
    assert after_clear == before + result["cleared"] and result["cleared"] > 0
    result = detection.decide_findings(contest=contest, finding_ids=others, decision=Decision.VOID,
                                       reason="同一网段、连号号段，认定为刷票", actor=secretariat)
    assert result["voided"] > 0 and not Vote.objects.filter(status=VoteStatus.HELD).exists()
    assert services.tally_preview(contest)["totals"]["counted"] == after_clear
    entry = AuditEntry.objects.get(action="votes.findings.void")
    assert entry.after["voided"] == result["voided"] and entry.after["reason"] == "同一网段、连号号段，认定为刷票"
    with pytest.raises(ValidationError) as exc:
        detection.decide_findings(contest=contest, finding_ids=others, decision=Decision.CLEAR, reason="再次处理",
                                  actor=secretariat)
    assert "findings" in exc.value.message_dict


def test_a_decision_needs_a_reason_and_a_choice(planted, secretariat):
    contest = Vote.objects.first().contest
    detection.run_detection(contest=contest, actor=secretariat)
    with pytest.raises(ValidationError) as exc:
        detection.decide_findings(contest=contest, finding_ids=[], decision="maybe", reason=" ", actor=secretariat)
    assert set(exc.value.message_dict) == {"findings", "decision", "reason"}


def test_a_new_run_keeps_the_decisions(planted, secretariat):
    contest = Vote.objects.first().contest
    detection.run_detection(contest=contest, actor=secretariat)
    voided = list(Finding.objects.filter(reason=Reason.PREFIX).values_list("pk", flat=True))
    detection.decide_findings(contest=contest, finding_ids=voided, decision=Decision.VOID, reason="农场网段",
                              actor=secretariat)
    n_voided = Vote.objects.filter(status=VoteStatus.VOIDED).count()
    detection.run_detection(contest=contest, actor=secretariat)
    assert Vote.objects.filter(status=VoteStatus.VOIDED).count() == n_voided
    assert Finding.objects.filter(status=FindingStatus.VOIDED).count() == len(voided)
    assert not Finding.objects.filter(status=FindingStatus.OPEN, reason=Reason.PREFIX).exists()


def test_the_tally_is_none_until_published_and_published_once(planted, secretariat, clock):
    contest = Vote.objects.first().contest
    assert services.final_tally(contest) is None
    with pytest.raises(ValidationError) as exc:
        services.publish_tally(contest=contest, actor=secretariat)
    assert "刷票检测" in " ".join(exc.value.messages)
    detection.run_detection(contest=contest, actor=secretariat)
    with pytest.raises(ValidationError) as exc:
        services.publish_tally(contest=contest, actor=secretariat)
    assert "待审核" in " ".join(exc.value.messages)
    open_ids = list(Finding.objects.values_list("pk", flat=True))
    detection.decide_findings(contest=contest, finding_ids=open_ids, decision=Decision.VOID, reason="审核认定为刷票",
                              actor=secretariat)
    assert services.final_tally(contest) is None
    tally = services.publish_tally(contest=contest, actor=secretariat)
    counts = services.final_tally(contest)
    assert counts == {int(k): v for k, v in tally.counts.items()}
    assert sum(counts.values()) == Vote.objects.filter(status=VoteStatus.COUNTED).count()
    assert tally.totals["voided"] == Vote.objects.filter(status=VoteStatus.VOIDED).count() > 0
    assert set(tally.voided) <= set(Reason.values) and max(tally.voided.values()) > 0
    # The brushed project would have led without the audit; the published tally is without its brushing.
    raw = dict(Vote.objects.values_list("project_id").annotate(n=Count("id")))
    assert counts[planted["brushed"]] < raw[planted["brushed"]]
    assert AuditEntry.objects.get(action="votes.tally.publish").after["sha256"] == tally.sha256
    with pytest.raises(ValidationError):
        services.publish_tally(contest=contest, actor=secretariat)
    with pytest.raises(ValidationError):
        detection.run_detection(contest=contest, actor=secretariat)
    with pytest.raises(RuntimeError):
        tally.save()
    assert Tally.objects.count() == 1


def test_the_tally_waits_for_the_window_to_close(ballot, voter, secretariat):
    found = voter()
    services.cast_vote(contest=ballot.contest, voter=found, project_id=ballot.finalists[0].pk,
                       ballot_key="ballot-0001", client=services.Client("192.0.2.1"))
    detection.run_detection(contest=ballot.contest, actor=secretariat)
    with pytest.raises(ValidationError) as exc:
        services.publish_tally(contest=ballot.contest, actor=secretariat)
    assert "投票尚未结束" in " ".join(exc.value.messages)
    assert services.final_tally(ballot.contest) is None


def test_a_failed_run_says_why_and_keeps_nothing(planted, secretariat, monkeypatch):
    from ciic.votes import detection_runs

    contest = Vote.objects.first().contest
    run, created = detection_runs.start_detection(contest=contest, actor=secretariat)
    assert created

    def broken(*args, **kwargs):
        raise RuntimeError("detector crashed")

    monkeypatch.setattr(detection, "detect", broken)
    run = detection.execute_run(run.pk)
    assert run.status == DetectionRun.Status.FAILED and "detector crashed" in run.error
    assert not Finding.objects.exists() and not Vote.objects.filter(status=VoteStatus.HELD).exists()
    again, created = detection_runs.start_detection(contest=contest, actor=secretariat)  # another may start
    assert created and again.pk != run.pk


# --- the pages ---------------------------------------------------------------------------------


def test_outsiders_cannot_audit(ballot, client, team_lead, verified):
    for url in ("/vote/audit/",):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    lead = verified(team_lead)
    assert lead.get("/vote/audit/").status_code == 403
    for url in ("/vote/audit/run/", "/vote/audit/decide/", "/vote/audit/publish/"):
        assert lead.post(url, {"findings": [1], "decision": "void", "reason": "x"}).status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="votes.").exists()


def test_the_secretariat_voids_held_votes_by_reason_on_the_page(planted, secretariat, verified,
                                                                  django_capture_on_commit_callbacks):
    office = verified(secretariat)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = office.post("/vote/audit/run/", follow=True)
    run = DetectionRun.objects.get()
    page = response.content.decode()
    assert run.status == DetectionRun.Status.QUEUED and "刷票检测已开始" in page
    assert f"/vote/audit/runs/{run.pk}/" in page and "运行刷票检测</button>" not in page  # polling, no second button
    again = office.post("/vote/audit/run/", follow=True)
    assert "已有一次刷票检测在进行中" in again.content.decode() and DetectionRun.objects.count() == 1
    polled = office.get(f"/vote/audit/runs/{run.pk}/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and "HX-Refresh" not in polled and "every 2s" in polled.content.decode()
    for callback in queued:  # the worker takes the task
        callback()
    run.refresh_from_db()
    assert run.status == DetectionRun.Status.DONE and run.summary["held"] > 0
    assert office.get(f"/vote/audit/runs/{run.pk}/", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert detection.execute_run(run.pk).summary == run.summary  # a retried task changes nothing
    assert AuditEntry.objects.filter(action="votes.detection.run").count() == 1
    page = office.get("/vote/audit/").content.decode()
    assert "上次检测" in page and "同一网段大量号码" in page and "连号号段" in page and "突发激增" in page
    assert "网段 #" in page
    assert "203.0.113" not in page and "UA-" not in page
    ids = [str(pk) for pk in Finding.objects.filter(reason=Reason.PREFIX).values_list("pk", flat=True)]
    refused = office.post("/vote/audit/decide/", {"findings": ids, "decision": "void", "reason": ""})
    assert refused.status_code == 400 and "请填写处理理由" in refused.content.decode()
    done = office.post("/vote/audit/decide/", {"findings": ids, "decision": "void", "reason": "农场网段"}, follow=True)
    assert "已处理" in done.content.decode()
    assert Finding.objects.filter(reason=Reason.PREFIX, status=FindingStatus.VOIDED).count() == len(ids)
    assert AuditEntry.objects.filter(action="votes.findings.void", actor=secretariat).exists()


def test_the_results_page_shows_the_published_tally_in_english(planted, secretariat, client):
    contest = Vote.objects.first().contest
    assert "审核后公布" in client.get("/vote/results/").content.decode()
    detection.run_detection(contest=contest, actor=secretariat)
    detection.decide_findings(contest=contest, finding_ids=list(Finding.objects.values_list("pk", flat=True)),
                              decision=Decision.VOID, reason="刷票", actor=secretariat)
    services.publish_tally(contest=contest, actor=secretariat)
    page = client.get("/vote/results/").content.decode()
    assert "作废" in page and "同一网段大量号码" in page
    english = client.get("/vote/results/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and '<html lang="en">' in english.content.decode()
