"""The person named as a representative confirms it; disputes go to the secretariat (R-P3,
issue 11 §3). Typing someone's ID number must neither lock them out of other teams nor tell
the typist whether they entered elsewhere."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ciic.audit.models import AuditEntry
from ciic.entrants import identity
from ciic.entrants.enums import DisputeStatus, RepresentativeStatus
from ciic.entrants.models import IdentityDispute, Representative
from ciic.entrants.services import add_representative, register_organization, register_team
from ciic.notifications.models import Notification

LINK = re.compile(r"/r/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _messages_at_once(monkeypatch):
    """Text messages go out after commit; a test's transaction never commits, so send them
    when asked."""
    monkeypatch.setattr(identity.transaction, "on_commit", lambda func, *args, **kwargs: func())


def _token(sms_outbox, mobile: str) -> str:
    texts = [m.text for m in sms_outbox if m.to == mobile]
    assert texts, f"no message to {mobile}"
    return LINK.search(texts[-1]).group(1)


@pytest.fixture
def other_team(contest, other_lead, org_input, station, direction, current_policies, rep_input):
    org = register_organization(contest=contest, actor=other_lead, data=org_input(2))
    return register_team(organization=org, station=station, direction=direction, name="别队",
                         actor=other_lead, representatives=[rep_input(5)], accepted_policies=current_policies)


def test_a_new_representative_is_pending_and_gets_a_link_by_sms(team, team_lead, rep_input, sms_outbox):
    rep = add_representative(team=team, actor=team_lead, data=rep_input(2))
    assert rep.status == RepresentativeStatus.PENDING and rep.confirmed_at is None
    [message] = [m for m in sms_outbox if m.to == rep.mobile]
    assert team.name in message.text and "/r/" in message.text
    # Only a keyed hash of the link's token is kept.
    token = _token(sms_outbox, rep.mobile)
    rep.refresh_from_db()
    assert token not in rep.confirm_token_hash and identity.pending_for_token(token) == rep


def test_naming_a_person_another_team_holds_is_accepted_and_says_nothing(team, other_team, other_lead, rep_input):
    """Enumeration (issue 11 §3): the answer for a held person is the answer for anyone."""
    held = add_representative(team=other_team, actor=other_lead, data=rep_input(1, name="另一个写法"))
    fresh = add_representative(team=other_team, actor=other_lead, data=rep_input(3))
    assert held.status == fresh.status == RepresentativeStatus.PENDING
    # The holder's row is untouched: pending rows hold nobody.
    assert team.representatives.get().status == RepresentativeStatus.CONFIRMED


def test_confirming_needs_the_last_six_characters_and_dies_after_five_wrong(team, team_lead, rep_input, sms_outbox):
    rep = add_representative(team=team, actor=team_lead, data=rep_input(2))
    token = _token(sms_outbox, rep.mobile)
    for _attempt in range(identity.MAX_WRONG_SUFFIX - 1):
        with pytest.raises(ValidationError) as exc:
            identity.confirm(token=token, id_suffix="000000")
        assert set(exc.value.error_dict) == {"id_suffix"}
    with pytest.raises(ValidationError) as exc:
        identity.confirm(token=token, id_suffix="000000")
    assert "失效" in str(exc.value)
    assert identity.pending_for_token(token) is None
    rep.refresh_from_db()
    assert rep.status == RepresentativeStatus.PENDING


def test_confirming_holds_the_person_and_declines_their_other_pending_rows(
        team, other_team, team_lead, other_lead, rep_input, sms_outbox):
    mine = add_representative(team=team, actor=team_lead, data=rep_input(7))
    theirs = add_representative(team=other_team, actor=other_lead, data=rep_input(7, mobile="13912345678"))
    outcome = identity.confirm(token=_token(sms_outbox, mine.mobile), id_suffix=mine.id_number[-6:].lower())
    assert outcome.status == "confirmed"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == RepresentativeStatus.CONFIRMED and mine.confirmed_at is not None
    assert theirs.status == RepresentativeStatus.DECLINED
    # The other lead is told the person declined, not which team they chose.
    note = Notification.objects.get(user=other_lead, kind="representative_declined")
    assert team.name not in str(note.params)
    assert AuditEntry.objects.filter(action="representative.confirm").count() == 1


def test_a_collision_opens_a_dispute_and_the_answer_names_no_one(
        team, other_team, other_lead, secretariat, team_lead, rep_input, sms_outbox, client):
    claimant = add_representative(team=other_team, actor=other_lead, data=rep_input(1))
    token = _token(sms_outbox, claimant.mobile)
    r = client.post(f"/r/{token}/", {"action": "confirm", "id_suffix": claimant.id_number[-6:]})
    assert r.status_code == 200
    page = r.content.decode()
    assert "冲突" in page and team.name not in page and team.organization.name not in page
    dispute = IdentityDispute.objects.get()
    assert dispute.status == DisputeStatus.OPEN and dispute.holder == team.representatives.get()
    claimant.refresh_from_db()
    assert claimant.status == RepresentativeStatus.PENDING
    assert Notification.objects.filter(user=secretariat, kind="identity_dispute_opened").exists()
    assert Notification.objects.filter(user=team_lead, kind="identity_challenged").exists()
    # A retried confirmation does not open a second dispute.
    identity.confirm(token=token, id_suffix=claimant.id_number[-6:])
    assert IdentityDispute.objects.count() == 1
    # The claimant explains, through the same link.
    r = client.post(f"/r/{token}/", {"action": "statement", "statement": "我从未同意代表其他团队，电话见登记"})
    assert r.status_code == 200
    dispute.refresh_from_db()
    assert dispute.statement.startswith("我从未同意")


def test_two_confirmations_at_the_same_moment_give_one_holder_and_one_dispute(
        team, other_team, team_lead, other_lead, rep_input, sms_outbox, monkeypatch):
    """The database's conditional unique constraint decides a race; the loser gets a dispute."""
    first = add_representative(team=team, actor=team_lead, data=rep_input(8))
    second = add_representative(team=other_team, actor=other_lead, data=rep_input(8, mobile="13912345678"))
    # The first person's confirmation commits just after the second looked for a holder.
    Representative.objects.filter(pk=first.pk).update(status=RepresentativeStatus.CONFIRMED)
    real, calls = identity._holder, []

    def late(rep):
        calls.append(rep.pk)
        return None if len(calls) == 1 else real(rep)

    monkeypatch.setattr(identity, "_holder", late)
    outcome = identity.confirm(token=_token(sms_outbox, second.mobile), id_suffix=second.id_number[-6:])
    assert outcome.status == "disputed" and outcome.representative.status == RepresentativeStatus.PENDING
    assert Representative.objects.filter(id_hash=first.id_hash, status=RepresentativeStatus.CONFIRMED).get() == first
    assert IdentityDispute.objects.get().holder == first


def test_the_secretariat_upholds_a_dispute_with_a_reason(
        team, other_team, other_lead, team_lead, secretariat, rep_input, sms_outbox):
    claimant = add_representative(team=other_team, actor=other_lead, data=rep_input(1))
    identity.confirm(token=_token(sms_outbox, claimant.mobile), id_suffix=claimant.id_number[-6:])
    dispute = IdentityDispute.objects.get()
    with pytest.raises(ValidationError) as exc:
        identity.resolve_dispute(dispute=dispute, actor=secretariat, uphold=True, reason="  ")
    assert set(exc.value.error_dict) == {"reason"}
    sms_outbox.clear()
    identity.resolve_dispute(dispute=dispute, actor=secretariat, uphold=True, reason="经电话与身份证核实")
    holder = team.representatives.get()
    claimant.refresh_from_db()
    assert holder.status == RepresentativeStatus.REVOKED and "经电话与身份证核实" in holder.status_note
    assert claimant.status == RepresentativeStatus.CONFIRMED
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD and dispute.resolved_by == secretariat
    entry = AuditEntry.objects.get(action="representative.dispute_resolve")
    assert entry.actor_id == secretariat.pk
    assert {n.user_id for n in Notification.objects.filter(kind="identity_dispute_upheld")} == {
        team_lead.pk, other_lead.pk}
    assert [m.to for m in sms_outbox] == [claimant.mobile]
    # Settled once: a second decision is refused.
    with pytest.raises(ValidationError):
        identity.resolve_dispute(dispute=dispute, actor=secretariat, uphold=False, reason="改判")


def test_a_rejected_dispute_declines_the_claimant(team, other_team, other_lead, secretariat, rep_input, sms_outbox):
    claimant = add_representative(team=other_team, actor=other_lead, data=rep_input(1))
    identity.confirm(token=_token(sms_outbox, claimant.mobile), id_suffix=claimant.id_number[-6:])
    identity.resolve_dispute(dispute=IdentityDispute.objects.get(), actor=secretariat, uphold=False,
                             reason="原登记经核实为本人")
    claimant.refresh_from_db()
    assert claimant.status == RepresentativeStatus.DECLINED
    assert team.representatives.get().status == RepresentativeStatus.CONFIRMED


def test_declining_frees_the_place_on_the_team(team, team_lead, rep_input, sms_outbox, contest):
    from ciic.contests.selectors import max_representatives

    limit = max_representatives(contest)
    reps = [add_representative(team=team, actor=team_lead, data=rep_input(10 + i)) for i in range(limit - 1)]
    with pytest.raises(ValidationError):
        add_representative(team=team, actor=team_lead, data=rep_input(30))
    identity.decline(token=_token(sms_outbox, reps[0].mobile))
    add_representative(team=team, actor=team_lead, data=rep_input(30))
    assert Notification.objects.filter(user=team_lead, kind="representative_declined").exists()


def test_the_leads_own_verified_mobile_confirms_at_once(team, team_lead, rep_input, sms_outbox):
    from django.utils import timezone

    team_lead.set_mobile(rep_input(40).mobile)
    team_lead.mobile_verified_at = timezone.now()
    team_lead.save()
    rep = add_representative(team=team, actor=team_lead, data=rep_input(40))
    assert rep.status == RepresentativeStatus.CONFIRMED
    assert not [m for m in sms_outbox if m.to == rep.mobile]


def test_resending_is_limited(team, team_lead, rep_input, sms_outbox):
    rep = add_representative(team=team, actor=team_lead, data=rep_input(2))
    with pytest.raises(ValidationError) as exc:
        identity.resend_confirmation(rep, actor=team_lead)
    assert "秒后" in str(exc.value)
    for _i in range(identity.MAX_SENDS - 1):
        Representative.objects.filter(pk=rep.pk).update(confirm_sent_at=None)
        identity.resend_confirmation(rep, actor=team_lead)
    Representative.objects.filter(pk=rep.pk).update(confirm_sent_at=None)
    with pytest.raises(ValidationError):
        identity.resend_confirmation(rep, actor=team_lead)
    assert len([m for m in sms_outbox if m.to == rep.mobile]) == identity.MAX_SENDS


def test_the_unique_constraint_holds_confirmed_rows_only(team, other_team):
    held = team.representatives.get()
    Representative.objects.create(contest=team.contest, team=other_team, name="x", id_number=held.id_number,
                                  id_hash=held.id_hash, mobile=held.mobile, email="x@example.com")
    with pytest.raises(IntegrityError):
        Representative.objects.filter(team=other_team, id_hash=held.id_hash).update(
            status=RepresentativeStatus.CONFIRMED)


# --- pages ----------------------------------------------------------------------------------


def test_the_confirmation_page_shows_the_team_and_confirms(team, team_lead, rep_input, sms_outbox, client):
    rep = add_representative(team=team, actor=team_lead, data=rep_input(2))
    token = _token(sms_outbox, rep.mobile)
    r = client.get(f"/r/{token}/")
    assert r.status_code == 200 and team.name in r.content.decode()
    assert rep.id_number not in r.content.decode()
    r = client.post(f"/r/{token}/", {"action": "confirm", "id_suffix": "123"})
    assert r.status_code == 400 and "身份证号后 6 位不符" in r.content.decode()
    r = client.post(f"/r/{token}/", {"action": "confirm", "id_suffix": rep.id_number[-6:]})
    assert r.status_code == 200
    rep.refresh_from_db()
    assert rep.status == RepresentativeStatus.CONFIRMED
    assert client.get(f"/r/{token}/").status_code == 400  # used


def test_a_bad_link_is_a_clear_400(client, db):
    for token in ("nope", "a" * 300, "%00"):
        r = client.get(f"/r/{token}/")
        assert r.status_code == 400 and "确认链接无效" in r.content.decode()


def test_the_team_page_shows_each_persons_confirmation(team, team_lead, rep_input, verified):
    add_representative(team=team, actor=team_lead, data=rep_input(2))
    page = verified(team_lead).get(f"/teams/{team.pk}/").content.decode()
    assert "本人已确认" in page and "待本人确认" in page and "重发确认短信" in page


def test_only_the_secretariat_resolves_disputes_on_the_web(
        team, other_team, other_lead, secretariat, station_officer, rep_input, sms_outbox, verified):
    claimant = add_representative(team=other_team, actor=other_lead, data=rep_input(1))
    identity.confirm(token=_token(sms_outbox, claimant.mobile), id_suffix=claimant.id_number[-6:])
    dispute = IdentityDispute.objects.get()
    assert verified(station_officer).get("/teams/identity-disputes/").status_code == 403
    assert verified(other_lead).post(f"/teams/identity-disputes/{dispute.pk}/resolve/",
                                     {"decision": "uphold", "reason": "x"}).status_code == 403
    office = verified(secretariat)
    page = office.get("/teams/identity-disputes/").content.decode()
    assert team.name in page and other_team.name in page and claimant.id_number not in page
    r = office.post(f"/teams/identity-disputes/{dispute.pk}/resolve/", {"decision": "uphold", "reason": ""})
    assert r.status_code == 400 and "请填写处理意见" in r.content.decode()
    r = office.post(f"/teams/identity-disputes/{dispute.pk}/resolve/", {"decision": "uphold", "reason": "核实"})
    assert r.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD


# --- credit codes ---------------------------------------------------------------------------


def test_the_preview_does_not_tell_whether_a_credit_code_is_registered(organization, other_lead, verified, org_input):
    r = verified(other_lead).post("/register/preview/", {
        "name": "冒名公司", "credit_code": organization.credit_code, "kind": "software_it",
        "headcount": "10", "annual_revenue": "100"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert "不能再次注册" not in r.content.decode() and "已注册" not in r.content.decode()


def test_registering_a_taken_credit_code_is_refused_and_reported(
        organization, contest, other_lead, team_lead, secretariat, org_input):
    before = Notification.objects.count()
    with pytest.raises(ValidationError) as exc:
        register_organization(contest=contest, actor=other_lead, data=org_input(1, name="冒名公司"))
    assert set(exc.value.error_dict) == {"credit_code"}
    assert organization.name not in str(exc.value)
    assert Notification.objects.filter(user=secretariat, kind="credit_code_clash").exists()
    assert Notification.objects.filter(user=team_lead, kind="credit_code_attempt").exists()
    assert Notification.objects.count() == before + 2
