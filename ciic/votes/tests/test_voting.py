"""Voting for 最佳人气奖 (R-A2, issue 12 §4): one verified mobile number is one voter; codes
expire and wrong guesses are limited; the quotas and the window (Beijing time) hold; a retried
ballot counts once; only keyed hashes of the number are kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.votes import services
from ciic.votes.models import Vote, VoteCode, Voter

from .conftest import CLIENT, MOBILE, code_in, open_window, prove_browser


def cast(ballot, voter, project, key="ballot-0001", client=CLIENT):
    return services.cast_vote(contest=ballot.contest, voter=voter, project_id=project.pk, ballot_key=key,
                              client=client)


def fields(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return {k: [e.code for e in v] for k, v in exc.value.error_dict.items()}


# --- one verified number, one voter -----------------------------------------------------------


def test_an_unverified_number_cannot_vote(ballot, client):
    """No proof in the browser: the vote goes to the verification page and nothing is counted."""
    response = client.post(f"/vote/p/{ballot.finalists[0].pk}/vote/", {"ballot_key": "ballot-0001"})
    assert response.status_code == 302 and response["Location"].startswith("/vote/verify/")
    assert not Vote.objects.exists()


def test_a_code_proves_the_number_and_the_voter_votes(ballot, voter, sms_outbox):
    found = voter()
    assert len(sms_outbox) == 1 and sms_outbox[0].to == MOBILE and "10 分钟" in sms_outbox[0].text
    result = cast(ballot, found, ballot.finalists[0])
    assert result.created and result.left_today == 4
    vote = Vote.objects.get()
    assert vote.project == ballot.finalists[0] and vote.voter == found
    assert vote.day == timezone.localtime(vote.cast_at).date()


def test_a_wrong_code_is_refused_and_the_guesses_are_limited(ballot, sms_outbox, send):
    send(MOBILE)
    right = code_in(sms_outbox)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError) as exc:
            services.verify_code(contest=ballot.contest, mobile=MOBILE, code=wrong)
        assert fields(exc) == {"code": ["invalid"]} and f"{left} 次" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.verify_code(contest=ballot.contest, mobile=MOBILE, code=wrong)
    assert fields(exc) == {"code": ["throttled"]}
    # The fifth wrong guess spent the code: the right one no longer works.
    with pytest.raises(ValidationError) as exc:
        services.verify_code(contest=ballot.contest, mobile=MOBILE, code=right)
    assert fields(exc) == {"code": ["throttled"]}
    assert not Voter.objects.exists()


def test_an_expired_code_is_refused(ballot, sms_outbox, clock, send):
    send(MOBILE)
    clock(timezone.now() + dt.timedelta(minutes=10, seconds=1))
    with pytest.raises(ValidationError) as exc:
        services.verify_code(contest=ballot.contest, mobile=MOBILE, code=code_in(sms_outbox))
    assert fields(exc) == {"code": ["expired"]}
    assert not Voter.objects.exists()


def test_a_code_of_another_number_does_not_prove_this_one(ballot, sms_outbox, send):
    send(mobile="13900001111", client=CLIENT)
    with pytest.raises(ValidationError) as exc:
        services.verify_code(contest=ballot.contest, mobile=MOBILE, code=code_in(sms_outbox))
    assert fields(exc) == {"code": ["expired"]}


def test_a_stale_verification_must_be_renewed(ballot, voter, clock):
    found = voter()
    clock(timezone.now() + dt.timedelta(minutes=31))
    with pytest.raises(ValidationError) as exc:
        cast(ballot, found, ballot.finalists[0])
    assert fields(exc) == {"mobile": ["expired"]}


@pytest.mark.parametrize("mobile", ["", "12345678901", "1381234567", "138123456789", "abcdefghijk", "23812345678"])
def test_only_a_mainland_mobile_number_gets_a_code(ballot, mobile, sms_outbox, send):
    with pytest.raises(ValidationError) as exc:
        send(mobile=mobile, client=CLIENT)
    assert fields(exc) == {"mobile": ["invalid"]}
    assert not sms_outbox


def test_a_code_is_not_resent_within_the_interval(ballot, sms_outbox, send):
    send(MOBILE)
    with pytest.raises(ValidationError) as exc:
        send(MOBILE)
    assert fields(exc) == {"mobile": ["throttled"]}
    assert len(sms_outbox) == 1


def test_only_keyed_hashes_of_the_number_are_kept(ballot, voter, sms_outbox, django_capture_on_commit_callbacks):
    found = voter("+86 138-1234-5678")
    cast(ballot, found, ballot.finalists[0])
    stored = []
    for model in (Voter, VoteCode, Vote, AuditEntry):
        for row in model.objects.all().values():
            stored += [str(v) for v in row.values()]
    text = " ".join(stored)
    assert MOBILE not in text and MOBILE[:7] not in text and CLIENT.ip not in text and "iPhone" not in text
    voter_row = Voter.objects.get()
    assert len(voter_row.number_hash) == 64 and voter_row.block == int(MOBILE[7:9])


# --- quotas, window, ballot ----------------------------------------------------------------------


def test_one_vote_per_project_per_day(ballot, voter):
    found = voter()
    cast(ballot, found, ballot.finalists[0], "ballot-0001")
    with pytest.raises(ValidationError) as exc:
        cast(ballot, found, ballot.finalists[0], "ballot-0002")
    assert fields(exc) == {"project": ["R-A2"]}
    assert Vote.objects.count() == 1


def test_the_daily_quota_per_number_holds(ballot, voter, monkeypatch):
    """The spec's votes_per_day (here lowered to 2): the third vote of the day is refused."""
    spec = ballot.contest.spec
    spec["popularity_vote"]["votes_per_day"] = 2
    ballot.contest.save(update_fields=["spec"])
    found = voter()
    cast(ballot, found, ballot.finalists[0], "ballot-0001")
    cast(ballot, found, ballot.finalists[1], "ballot-0002")
    with pytest.raises(ValidationError) as exc:
        cast(ballot, found, ballot.finalists[2], "ballot-0003")
    assert fields(exc) == {"__all__": ["R-A2"]} and "2 票" in exc.value.messages[0]
    assert Vote.objects.count() == 2


def test_a_new_beijing_day_gives_new_votes(ballot, voter, clock):
    """Days are Beijing days: 23:59 and 00:01 (UTC+8) are two days, whatever the server's zone."""
    beijing = ballot.contest.spec["contest"]["time_zone"]
    from zoneinfo import ZoneInfo

    late = timezone.now().astimezone(ZoneInfo(beijing)).replace(hour=23, minute=59, second=0, microsecond=0)
    open_window(ballot.contest, starts=late - timezone.now() - dt.timedelta(days=1),
                ends=late - timezone.now() + dt.timedelta(days=1))
    clock(late)
    found = voter()
    cast(ballot, found, ballot.finalists[0], "ballot-0001")
    clock(late + dt.timedelta(minutes=2))
    found.refresh_from_db()
    Voter.objects.filter(pk=found.pk).update(verified_at=late + dt.timedelta(minutes=1))
    found.refresh_from_db()
    cast(ballot, found, ballot.finalists[0], "ballot-0002")
    assert sorted(str(d) for d in Vote.objects.values_list("day", flat=True)) == [
        str(late.date()), str((late + dt.timedelta(minutes=2)).date())]


@pytest.mark.parametrize(("starts", "ends", "message"), [
    (dt.timedelta(hours=1), dt.timedelta(days=1), "投票尚未开始"),
    (dt.timedelta(days=-2), dt.timedelta(seconds=-1), "投票已结束"),
])
def test_the_voting_window_holds(ballot, voter, starts, ends, message, sms_outbox, send):
    found = voter()
    open_window(ballot.contest, starts=starts, ends=ends)
    with pytest.raises(ValidationError) as exc:
        cast(ballot, found, ballot.finalists[0])
    assert fields(exc) == {"__all__": ["R-A2"]} and message in exc.value.messages[0]
    with pytest.raises(ValidationError):
        send(mobile="13900002222", client=CLIENT)
    assert not Vote.objects.exists()


def test_the_window_is_the_spec_schedule_in_beijing_time(contest):
    """The spec dates the window in Beijing time and the loader shifts it with the schedule."""
    from ciic.contests.models import ScheduleItem
    from ciic.votes.config import vote_config

    config = vote_config(contest)
    item = ScheduleItem.objects.get(contest=contest, key=config.schedule_key)
    registration = ScheduleItem.objects.get(contest=contest, key="registration")
    assert item.ends_at - registration.ends_at == dt.datetime.fromisoformat("2023-12-07T23:59:59+08:00") - \
        dt.datetime.fromisoformat("2023-10-22T23:59:59+08:00")
    assert timezone.localtime(item.ends_at, config.time_zone).strftime("%H:%M:%S") == "23:59:59"


def test_a_project_off_the_ballot_is_refused(ballot, voter):
    found = voter()
    for project in (ballot.failed, ballot.outsider):
        with pytest.raises(ValidationError) as exc:
            cast(ballot, found, project, f"ballot-{project.pk:04d}")
        assert fields(exc) == {"project": ["R-A2"]}
    assert not Vote.objects.exists()


def test_the_database_gives_each_quota_slot_once(ballot, voter):
    """Two votes of one number racing past the count cannot both take a slot (R-A2)."""
    from django.db import IntegrityError, transaction

    found = voter()
    first = cast(ballot, found, ballot.finalists[0], "ballot-0001").vote
    assert (first.daily_slot, first.project_slot) == (1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(contest=ballot.contest, project=ballot.finalists[1], voter=found, day=first.day,
                            cast_at=first.cast_at, ip_hash="", prefix_hash="", ua_hash="", ballot_key="racing-0002",
                            daily_slot=1, project_slot=1)
    second = cast(ballot, found, ballot.finalists[1], "ballot-0002").vote
    assert (second.daily_slot, second.project_slot) == (2, 1)


def test_a_vote_that_loses_the_race_for_a_slot_counts_again(ballot, voter, monkeypatch):
    """Another vote of the number lands between this one's count and its insert (the count
    read before it): the insert is refused by the slot, the votes are counted again and this
    one takes the next slot."""
    found = voter()
    first = cast(ballot, found, ballot.finalists[2], "other-ballot").vote
    real_values_list = Vote.objects.values_list
    stale = []

    def read_before_the_other_vote(*args, **kwargs):
        found_votes = real_values_list(*args, **kwargs)
        if not stale:
            stale.append(True)
            return found_votes.exclude(pk=first.pk)
        return found_votes

    monkeypatch.setattr(Vote.objects, "values_list", read_before_the_other_vote)
    result = cast(ballot, found, ballot.finalists[0], "ballot-0001")
    assert stale and result.created and result.vote.daily_slot == 2 and result.left_today == 3
    assert Vote.objects.count() == 2


def test_a_retried_ballot_counts_once(ballot, voter):
    found = voter()
    first = cast(ballot, found, ballot.finalists[0], "same-key-123")
    again = cast(ballot, found, ballot.finalists[0], "same-key-123")
    assert first.created and not again.created and again.vote.pk == first.vote.pk
    assert Vote.objects.count() == 1


def test_a_ballot_key_cannot_be_reused_for_another_vote(ballot, voter):
    found = voter()
    cast(ballot, found, ballot.finalists[0], "same-key-123")
    with pytest.raises(ValidationError) as exc:
        cast(ballot, found, ballot.finalists[1], "same-key-123")
    assert fields(exc) == {"ballot_key": ["invalid"]}


def test_a_double_submitted_form_counts_once(ballot, client, voter):
    found = voter()
    prove_browser(client, found, ballot.contest)
    data = {"ballot_key": "form-key-0001", "next": "/vote/"}
    first = client.post(f"/vote/p/{ballot.finalists[0].pk}/vote/", data, follow=True)
    second = client.post(f"/vote/p/{ballot.finalists[0].pk}/vote/", data, follow=True)
    assert "投票成功" in first.content.decode() and "不会重复计票" in second.content.decode()
    assert Vote.objects.count() == 1


def test_a_forged_or_stale_proof_in_the_browser_does_not_vote(ballot, client, voter, clock):
    from ciic.votes import views

    found = voter()
    client.cookies[views.COOKIE] = views.cookie_value(views.proved(found, ballot.contest))[:-2] + "xx"
    forged = client.post(f"/vote/p/{ballot.finalists[0].pk}/vote/", {"ballot_key": "ballot-0001"})
    assert forged.status_code == 302 and forged["Location"].startswith("/vote/verify/")
    prove_browser(client, found, ballot.contest)
    import datetime as dt

    clock(timezone.now() + dt.timedelta(minutes=31))
    stale = client.post(f"/vote/p/{ballot.finalists[0].pk}/vote/", {"ballot_key": "ballot-0001"})
    assert stale.status_code == 302 and stale["Location"].startswith("/vote/verify/")
    assert not Vote.objects.exists()


def test_a_malformed_vote_on_the_page_is_a_4xx(ballot, client, voter):
    found = voter()
    prove_browser(client, found, ballot.contest)
    bad_key = client.post(f"/vote/p/{ballot.finalists[0].pk}/vote/", {"ballot_key": "<script>"})
    assert bad_key.status_code == 400 and "投票编号" in bad_key.content.decode()
    assert client.post(f"/vote/p/{ballot.outsider.pk}/vote/", {"ballot_key": "ballot-0001"}).status_code == 404
    assert client.post("/vote/p/99999999/vote/", {"ballot_key": "ballot-0001"}).status_code == 404
    assert client.get(f"/vote/p/{ballot.finalists[0].pk}/vote/").status_code == 405
    assert not Vote.objects.exists()


def test_every_vote_keeps_its_signals(ballot, voter):
    found = voter()
    cast(ballot, found, ballot.finalists[0], "ballot-0001", services.Client("203.0.113.7", "UA-1"))
    cast(ballot, found, ballot.finalists[1], "ballot-0002", services.Client("203.0.113.99", "UA-1"))
    cast(ballot, found, ballot.finalists[2], "ballot-0003", services.Client("2001:db8:1:2::5", "UA-2"))
    a, b, c = Vote.objects.order_by("id")
    assert a.ip_hash != b.ip_hash and a.prefix_hash == b.prefix_hash != c.prefix_hash
    assert a.ua_hash == b.ua_hash != c.ua_hash
    assert all(len(h) == 64 for v in (a, b, c) for h in (v.ip_hash, v.prefix_hash, v.ua_hash))
    assert services.network_prefix("2001:db8:1:2::5") == "2001:db8:1::/48"
    assert services.network_prefix("::ffff:203.0.113.7") == "203.0.113.0/24"
    assert services.network_prefix("not an address") == "unknown"


# --- rate limits and the CAPTCHA -----------------------------------------------------------------


def limits(ballot, **scopes):
    spec = ballot.contest.spec
    for scope, (captcha, refuse) in scopes.items():
        spec["popularity_vote"]["rate_limits"][scope] = {"captcha": captcha, "refuse": refuse}
    ballot.contest.save(update_fields=["spec"])


def solved():
    from captcha.models import CaptchaStore

    key = services.new_captcha()
    return services.Captcha(key=key, answer=CaptchaStore.objects.get(hashkey=key).response)


def test_past_the_first_limit_a_captcha_is_needed_and_past_the_second_refused(ballot, sms_outbox, send):
    """Every request counts, refused ones too: 2 free, 2 refused for the CAPTCHA, 1 solved, then no more."""
    limits(ballot, code_ip=("2/h", "5/h"))
    numbers = [f"1390000{i:04d}" for i in range(6)]
    for number in numbers[:2]:
        send(mobile=number, client=CLIENT)
    assert services.captcha_needed(ballot.contest, "code", CLIENT)
    with pytest.raises(ValidationError) as exc:
        send(mobile=numbers[2], client=CLIENT)
    assert fields(exc) == {"captcha": ["captcha"]}
    with pytest.raises(ValidationError) as exc:
        send(mobile=numbers[2], client=CLIENT,
                              captcha=services.Captcha(key=solved().key, answer="wrong"))
    assert fields(exc) == {"captcha": ["captcha"]}
    send(mobile=numbers[2], client=CLIENT, captcha=solved())
    with pytest.raises(services.Throttled):
        send(mobile=numbers[3], client=CLIENT, captcha=solved())
    assert len(sms_outbox) == 3


def test_the_prefix_limit_counts_every_address_of_the_24(ballot, sms_outbox, send):
    limits(ballot, code_prefix=("100/h", "3/h"))
    for i in range(3):
        send(mobile=f"1390000{i:04d}", client=services.Client(f"198.51.100.{i}"))
    with pytest.raises(services.Throttled):
        send(mobile="13900009999", client=services.Client("198.51.100.200"))
    send(mobile="13900009999", client=services.Client("198.51.101.1"))
    assert len(sms_outbox) == 4


def test_the_number_limit_holds_across_addresses(ballot, sms_outbox, clock, send):
    limits(ballot, code_number=("100/h", "2/d"))
    at = timezone.now()
    for i in range(2):
        clock(at + dt.timedelta(minutes=2 * i))
        send(mobile=MOBILE, client=services.Client(f"192.0.2.{i}"))
    clock(at + dt.timedelta(minutes=5))
    with pytest.raises(services.Throttled):
        send(mobile=MOBILE, client=services.Client("192.0.2.77"))


def test_vote_rate_limits_per_address(ballot, voter, sms_outbox):
    limits(ballot, vote_ip=("1/h", "2/h"))
    found = voter()
    cast(ballot, found, ballot.finalists[0], "ballot-0001")
    with pytest.raises(ValidationError) as exc:
        cast(ballot, found, ballot.finalists[1], "ballot-0002")
    assert fields(exc) == {"captcha": ["captcha"]}
    with pytest.raises(services.Throttled):
        cast(ballot, found, ballot.finalists[1], "ballot-0003")
    assert Vote.objects.count() == 1


def test_the_verify_page_asks_for_the_captcha_after_the_first_limit(ballot, client, sms_outbox):
    limits(ballot, code_ip=("1/h", "10/h"))
    client.post("/vote/verify/", {"action": "send", "mobile": "13900000001"})
    page = client.get("/vote/verify/").content.decode()
    assert 'name="captcha_answer"' in page and "/vote/captcha/" in page
    response = client.post("/vote/verify/", {"action": "send", "mobile": "13900000002"})
    assert response.status_code == 400 and "请输入图片中的字符" in response.content.decode()
    image = client.get("/vote/captcha/" + page.split("/vote/captcha/")[1].split("/")[0] + "/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_past_the_refuse_limit_the_page_answers_429(ballot, client):
    limits(ballot, code_ip=("100/h", "1/h"))
    client.post("/vote/verify/", {"action": "send", "mobile": "13900000001"})
    response = client.post("/vote/verify/", {"action": "send", "mobile": "13900000002"})
    assert response.status_code == 429 and int(response["Retry-After"]) == 3600
