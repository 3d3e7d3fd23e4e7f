"""The popularity vote (最佳人气奖, R-A2; issue 12 §4): proving a number, voting, the tally.

- **A code** (`request_code`): a mainland mobile number asks for a text-message code of the
  spec's length, good for `code.valid_minutes` and `code.max_attempts` wrong guesses, sent
  after commit through `ciic.notifications.sms`. Only keyed hashes of the number and the code
  are stored; neither is logged nor audited.
- **Proving the number** (`verify_code`): the right code makes the number a voter (a keyed
  hash, its region's hash and its block, see models) for `verified_minutes`.
- **A vote** (`cast_vote`): while the window is open (the spec's schedule item, Beijing time),
  for a project on the ballot, within the quotas per number and Beijing day and per project;
  a retried or double-submitted ballot (the same `ballot_key`) is recorded once. The vote keeps
  keyed hashes of the number, the address, its /24 or /48 prefix and the user agent, and the time.
- **Rate limits** (`popularity_vote.rate_limits`): every code request counts per number, per
  address and per prefix, every vote per address and per prefix. Past a scope's `captcha` rate
  a solved CAPTCHA (django-simple-captcha) is required; past its `refuse` rate the request is
  refused (`Throttled`, HTTP 429). Counted in the cache, in fixed windows, as
  `ciic.core.ratelimit` counts.
- **Live counts** (`live_counts`): optional per spec, cached, rounded down.
- **The tally** (`publish_tally`, `final_tally`): published once, after the voting closed, the
  detectors ran over every vote and no vote is held (ciic/votes/detection.py); counted votes
  per project, with how many were voided and why. Frozen (write-once, its SHA-256 audited).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import time
from contextlib import nullcontext
from dataclasses import dataclass

from captcha.models import CaptchaStore
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.fields.json import KT, KeyTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.accounts.validators import normalize_mobile
from ciic.audit.services import record
from ciic.contests.models import Contest, ScheduleItem
from ciic.core.crypto import blind_index
from ciic.core.ratelimit import parse_rate
from ciic.notifications.sms import send_sms

from .config import VoteConfig, Window, vote_config, window
from .enums import COUNTING, FindingStatus, VoteStatus
from .models import DetectionRun, FindingVote, Tally, Vote, VoteCode, Voter
from .selectors import candidate_ids

RULE = "R-A2"
# A vote that lost the race for a quota slot counts again this many times at most.
RACE_ATTEMPTS = 3
BALLOT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def now() -> dt.datetime:
    """The vote's clock (the benchmark replays a week through it)."""
    return timezone.now()


class Throttled(Exception):
    """Too many requests from one number, address or prefix: refused for `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Captcha:
    """A CAPTCHA answer: the challenge's key and what the person typed."""

    key: str = ""
    answer: str = ""


@dataclass(frozen=True)
class Client:
    """Where a request came from: its address and user agent, as the request gave them."""

    ip: str = ""
    user_agent: str = ""

    @property
    def prefix(self) -> str:
        return network_prefix(self.ip)


def network_prefix(ip: str) -> str:
    """The /24 of an IPv4 address, the /48 of an IPv6 one (an IPv4-mapped address counts as
    IPv4); "unknown" for anything else."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def signal_hash(value: str, purpose: str) -> str:
    """The keyed hash a vote keeps of a signal (number, address, prefix, user agent)."""
    return blind_index(value, purpose=f"vote-{purpose}")


def number_hashes(number: str) -> tuple[str, str, int]:
    """(the number's keyed hash, its region's keyed hash, its block): see models.Voter."""
    return signal_hash(number, "number"), signal_hash(number[:7], "region"), int(number[7:9])


def config_of(contest: Contest) -> VoteConfig:
    """The contest's vote (ciic/votes/config.py); refused when its spec has none."""
    config = vote_config(contest)
    if config is None:
        raise ValidationError({"__all__": ValidationError(_("本届大赛不设网络投票"), code=RULE)})
    return config


def _window_open(contest: Contest, config: VoteConfig, at: dt.datetime) -> Window:
    span = window(contest, config)
    if not span.is_open(at):
        if span.opens_at is not None and at < span.opens_at:
            message = _("投票尚未开始（开始时间：%(at)s，北京时间）") % {
                "at": timezone.localtime(span.opens_at, config.time_zone).strftime("%Y-%m-%d %H:%M")}
        elif span.closes_at is not None and at > span.closes_at:
            message = _("投票已结束")
        else:
            message = _("投票时间尚未公布")
        raise ValidationError({"__all__": ValidationError(message, code=RULE)})
    return span


def _mobile(mobile: str) -> str:
    number = normalize_mobile(mobile or "")
    if number is None:
        raise ValidationError({"mobile": ValidationError(_("请输入有效的中国大陆手机号（11 位数字）"), code="invalid")})
    return number


# --- rate limits and the CAPTCHA ----------------------------------------------------------------


def _counter(scope: str, ident: str, rate: str) -> tuple[str, int, int]:
    limit, seconds = parse_rate(rate)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # the cache holds no number nor address
    return f"vote-rl:{scope}:{digest}:{int(time.time() // seconds)}", limit, seconds


def _hit(scope: str, ident: str, rate: str) -> tuple[int, int, int]:
    """Count one more; (count, limit, window seconds)."""
    key, limit, seconds = _counter(scope, ident, rate)
    cache.add(key, 0, timeout=seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds + 5)
        count = 1
    return count, limit, seconds


def _scopes(config: VoteConfig, action: str, client: Client, number_hash: str = "") -> list[tuple[str, str]]:
    checks = [(f"{action}_ip", client.ip or "unknown"), (f"{action}_prefix", client.prefix)]
    if action == "code":
        checks.insert(0, ("code_number", number_hash))
    return checks


def captcha_needed(contest: Contest, action: str, client: Client) -> bool:
    """Whether the next `action` ("code" or "vote") from this address will need a CAPTCHA (its
    address or prefix reached the `captcha` rate): the page shows the challenge up front."""
    config = vote_config(contest)
    if config is None:
        return False
    for scope, ident in _scopes(config, action, client):
        key, limit, _seconds = _counter(f"{scope}:captcha", ident, config.rate_limits[scope][0])
        if (cache.get(key) or 0) >= limit:
            return True
    return False


def new_captcha() -> str:
    """A new challenge's key (its image: the `votes:captcha_image` URL)."""
    return CaptchaStore.generate_key()


def _solved(captcha: Captcha | None, at: dt.datetime) -> bool:
    """The answer is right and the challenge unexpired; a challenge is good for one try."""
    if captcha is None or not captcha.key or not captcha.answer:
        return False
    store = CaptchaStore.objects.filter(hashkey=captcha.key[:40]).first()
    if store is None:
        return False
    store.delete()
    return store.expiration > at and hmac.compare_digest(store.response, captcha.answer.strip().lower()[:32])


def _gate(config: VoteConfig, checks: list[tuple[str, str]], captcha: Captcha | None, at: dt.datetime) -> None:
    needs = False
    for scope, ident in checks:
        captcha_rate, refuse_rate = config.rate_limits[scope]
        count, limit, seconds = _hit(f"{scope}:refuse", ident, refuse_rate)
        if count > limit:
            raise Throttled(_("请求过于频繁，请稍后再试"), retry_after=seconds)
        count, limit, _seconds = _hit(f"{scope}:captcha", ident, captcha_rate)
        needs = needs or count > limit
    if needs and not _solved(captcha, at):
        message = _("请输入图片中的字符") if captcha is None or not captcha.answer else _("图片验证码错误或已过期，请重试")
        raise ValidationError({"captcha": ValidationError(message, code="captcha")})


# --- codes and voters ------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeSent:
    expires_at: dt.datetime
    resend_after: int


def _code_hash(number_hash: str, code: str) -> str:
    return blind_index(f"{number_hash}:{code}", purpose="vote-code")


def request_code(*, contest: Contest, mobile: str, client: Client, captcha: Captcha | None = None) -> CodeSent:
    """Text a new code to `mobile` (after commit) while the vote is open. Refused, naming the
    field: not a mainland mobile number (`mobile`), the window closed (R-A2), a code sent less
    than `resend_seconds` ago (`mobile`), a CAPTCHA needed and not solved (`captcha`); past a
    rate limit, `Throttled`. Not audited: the trail would hold a hash of the number for nothing."""
    config = config_of(contest)
    number = _mobile(mobile)
    at = now()
    _window_open(contest, config, at)
    number_hash, _region, _block = number_hashes(number)
    _gate(config, _scopes(config, "code", client, number_hash), captcha, at)
    last = (VoteCode.objects.filter(contest=contest, number_hash=number_hash)
            .order_by("-created_at").values_list("created_at", flat=True).first())
    if last is not None and (at - last).total_seconds() < config.code.resend_seconds:
        wait = config.code.resend_seconds - int((at - last).total_seconds())
        raise ValidationError({"mobile": ValidationError(
            _("验证码已发送，请 %(seconds)s 秒后再试") % {"seconds": wait}, code="throttled")})
    code = f"{secrets.randbelow(10 ** config.code.digits):0{config.code.digits}d}"
    expires = at + dt.timedelta(minutes=config.code.valid_minutes)
    VoteCode.objects.create(contest=contest, number_hash=number_hash, code_hash=_code_hash(number_hash, code),
                            created_at=at, expires_at=expires)
    text = _("【%(contest)s】您的最佳人气奖投票验证码为 %(code)s，%(minutes)s 分钟内有效。如非本人操作，请忽略。") % {
        "contest": contest.name, "code": code, "minutes": config.code.valid_minutes}
    transaction.on_commit(lambda: send_sms(number, text))
    return CodeSent(expires_at=expires, resend_after=config.code.resend_seconds)


def verify_code(*, contest: Contest, mobile: str, code: str) -> Voter:
    """The voter of `mobile`, proved by its latest code (good until it expires, after the first
    right guess too, so that one code can vote for several projects). Refused, naming the field:
    no such code or expired (`code`, "expired"), too many wrong guesses (`code`, "throttled"), a
    wrong code (`code`, counted). The number is a voter for `verified_minutes` from now."""
    config = config_of(contest)
    number = _mobile(mobile)
    code = (code or "").strip()
    if not re.fullmatch(rf"\d{{{config.code.digits}}}", code):
        raise ValidationError({"code": ValidationError(
            _("请输入 %(digits)s 位数字验证码") % {"digits": config.code.digits}, code="invalid")})
    at = now()
    number_hash, region_hash, block = number_hashes(number)
    wrong = None
    with transaction.atomic():
        row = (VoteCode.objects.select_for_update().filter(contest=contest, number_hash=number_hash)
               .order_by("-created_at").first())
        if row is None or row.expires_at <= at:
            raise ValidationError({"code": ValidationError(_("验证码已过期或不存在，请重新获取"), code="expired")})
        if row.attempts >= config.code.max_attempts:
            raise ValidationError({"code": ValidationError(_("验证码错误次数过多，请重新获取"), code="throttled")})
        if not hmac.compare_digest(row.code_hash, _code_hash(number_hash, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            wrong = config.code.max_attempts - row.attempts
        else:
            if row.verified_at is None:
                row.verified_at = at
                row.save(update_fields=["verified_at"])
            voter, created = Voter.objects.get_or_create(
                contest=contest, number_hash=number_hash,
                defaults={"region_hash": region_hash, "block": block, "created_at": at, "verified_at": at})
            if not created:
                Voter.objects.filter(pk=voter.pk).update(verified_at=at)
                voter.verified_at = at
    if wrong is not None:
        raise ValidationError({"code": ValidationError(
            _("验证码错误，还可尝试 %(n)s 次") % {"n": wrong} if wrong else _("验证码错误次数过多，请重新获取"),
            code="invalid" if wrong else "throttled")})
    return voter


def is_verified(contest: Contest, voter: Voter | None) -> bool:
    config = vote_config(contest)
    return (voter is not None and config is not None
            and voter.verified_at >= now() - dt.timedelta(minutes=config.verified_minutes))


# --- votes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    vote: Vote
    created: bool
    left_today: int


def cast_vote(*, contest: Contest, voter: Voter | int, project_id: int | None, ballot_key: str, client: Client,
              captcha: Captcha | None = None) -> Cast:
    """Record the vote of `voter` (a Voter with its `verified_at`, or its id) for the project
    (R-A2). A ballot key seen
    before for the same voter and project returns that vote (`created` False) without counting
    again. Refused, naming the field: a malformed `ballot_key` or one used for another vote, the
    window closed (R-A2), a project not on the ballot (`project`, R-A2), a CAPTCHA needed
    (`captcha`), no verified voter or its verification expired (`mobile`), the day's quota
    used (R-A2), the project's quota for the day used (`project`, R-A2); past a rate limit,
    `Throttled`. Three queries: the voter's proof, its votes of the day, the insert; the quotas
    are slots the database gives once (models.Vote), so two votes racing cannot both take the
    last one."""
    config = config_of(contest)
    ballot_key = (ballot_key or "").strip()
    if not BALLOT_KEY.match(ballot_key):
        raise ValidationError({"ballot_key": ValidationError(
            _("投票编号应为 8–64 位字母、数字、下划线或连字符"), code="invalid")})
    voter_id = voter.pk if isinstance(voter, Voter) else voter
    at = now()
    _window_open(contest, config, at)
    if project_id not in candidate_ids(contest):
        raise ValidationError({"project": ValidationError(_("该项目不在投票名单中"), code=RULE)})
    _gate(config, _scopes(config, "vote", client), captcha, at)
    day = timezone.localtime(at, config.time_zone).date()
    if isinstance(voter, Voter):  # as verify_code returned it (the API), or the page's session kept it
        verified_at = voter.verified_at if voter.contest_id == contest.pk else None
    else:
        verified_at = next(iter(Voter.objects.filter(pk=voter_id, contest_id=contest.pk).order_by()
                                .values_list("verified_at", flat=True)[:1]), None)
    if verified_at is None or verified_at < at - dt.timedelta(minutes=config.verified_minutes):
        raise ValidationError({"mobile": ValidationError(_("手机号验证已过期，请重新获取验证码"), code="expired")})
    for _attempt in range(RACE_ATTEMPTS):
        # The day's votes of the number: a handful at most (the quota).
        today = list(Vote.objects.values_list("project_id", "ballot_key").filter(voter_id=voter_id, day=day))
        if any(key == ballot_key for _project, key in today):
            return _replayed(contest, voter_id, project_id, ballot_key)
        here = sum(1 for project, _key in today if project == project_id)
        if len(today) >= config.votes_per_day:
            raise ValidationError({"__all__": ValidationError(
                _("今天的票已投完：每个手机号每天可投 %(n)s 票") % {"n": config.votes_per_day}, code=RULE)})
        if here >= config.votes_per_project_per_day:
            raise ValidationError({"project": ValidationError(
                _("今天已为该项目投过票：每个手机号每天可为同一项目投 %(n)s 票")
                % {"n": config.votes_per_project_per_day}, code=RULE)})
        # A refused insert must not spoil a caller's transaction (a savepoint then); on its own,
        # in autocommit, it needs none.
        guard = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
        try:
            with guard:
                vote = Vote.objects.create(
                    contest=contest, project_id=project_id, voter_id=voter_id, day=day, cast_at=at,
                    ip_hash=signal_hash(client.ip or "unknown", "ip"), prefix_hash=signal_hash(client.prefix, "prefix"),
                    ua_hash=signal_hash((client.user_agent or "")[:1000], "ua"), ballot_key=ballot_key,
                    daily_slot=len(today) + 1, project_slot=here + 1)
        except IntegrityError:
            # The ballot recorded before (another day, or a request at the same moment), or
            # another vote of the number took the slot meanwhile: count again.
            existing = _replayed(contest, voter_id, project_id, ballot_key)
            if existing is not None:
                return existing
            continue
        return Cast(vote=vote, created=True, left_today=config.votes_per_day - len(today) - 1)
    raise ValidationError({"__all__": ValidationError(_("该手机号同时提交的投票过多，请稍后重试"), code="throttled")})


def _replayed(contest: Contest, voter_id: int, project_id: int | None, ballot_key: str) -> Cast | None:
    vote = Vote.objects.filter(contest=contest, ballot_key=ballot_key).first()
    if vote is None:
        return None
    if vote.voter_id != voter_id or vote.project_id != project_id:
        raise ValidationError({"ballot_key": ValidationError(_("该投票编号已用于另一张选票"), code="invalid")})
    config = config_of(contest)
    used = Vote.objects.filter(voter_id=voter_id, day=vote.day).count()
    return Cast(vote=vote, created=False, left_today=max(config.votes_per_day - used, 0))


# How long a process keeps the served contest's vote rules and window (voting_contest).
CONTEST_SECONDS = 5


def voting_contest() -> Contest | None:
    """`served_contest` as voting needs it, kept CONTEST_SECONDS in the cache: its id, slug,
    time zone, the vote's block of the spec and its window, the other fields deferred (read
    from the database if touched). Voting reads no contest row: a changed rule or window takes
    effect within CONTEST_SECONDS."""
    key = f"votes:contest:{settings.CIIC_DEFAULT_CONTEST}"
    row = cache.get(key)
    if row is None:
        contest = served_contest()
        row = (contest.pk, contest.slug, contest.time_zone, contest.vote_block, contest.vote_opens,
               contest.vote_closes) if contest is not None else ()
        cache.set(key, row, CONTEST_SECONDS)
    if not row:
        return None
    pk, slug, time_zone, block, opens, closes = row
    contest = Contest.from_db("default", ["id", "slug", "time_zone"], [pk, slug, time_zone])
    contest.__dict__.update(vote_block=block, vote_opens=opens, vote_closes=closes)
    return contest


def served_contest() -> Contest | None:
    """The contest the platform serves, as `ciic.contests.selectors.current_contest` picks it,
    with only the vote's block of its spec and its window (annotated as `vote_block`,
    `vote_opens`, `vote_closes`, read by `vote_config` and `window`), in one query: the vote's
    pages, voting above all, never load the whole spec."""
    item = ScheduleItem.objects.filter(contest=OuterRef("pk"), key=OuterRef("vote_key")).order_by()
    lean = (Contest.objects.defer("spec")
            .annotate(vote_block=KeyTransform("popularity_vote", "spec"), vote_key=KT("spec__popularity_vote__schedule_key"))
            .annotate(vote_opens=Subquery(item.values("starts_at")[:1]), vote_closes=Subquery(item.values("ends_at")[:1])))
    return lean.filter(slug=settings.CIIC_DEFAULT_CONTEST).first() or lean.order_by("-year", "-id").first()


def local_day(contest: Contest) -> dt.date:
    """Today in the contest's time zone (Beijing): the day the quotas count."""
    return timezone.localtime(now(), config_of(contest).time_zone).date()


def votes_left_today(contest: Contest, voter: Voter | None) -> int | None:
    config = vote_config(contest)
    if config is None or voter is None:
        return None
    day = timezone.localtime(now(), config.time_zone).date()
    return max(config.votes_per_day - Vote.objects.filter(voter=voter, day=day).count(), 0)


def live_counts(contest: Contest) -> dict[int, int] | None:
    """project id -> counted votes rounded down to the spec's `round_to`, cached for its
    `cache_seconds` (never exact to the vote); None when the spec does not show them or the
    tally is published (it says more)."""
    config = vote_config(contest)
    if config is None or not config.live_counts.show:
        return None
    key = f"votes:live:{contest.pk}"
    counts = cache.get(key)
    if counts is None:
        step = config.live_counts.round_to
        counts = {project_id: n // step * step for project_id, n in Vote.objects.filter(
            contest=contest, status__in=COUNTING).values_list("project_id").annotate(n=Count("id"))}
        cache.set(key, counts, config.live_counts.cache_seconds)
    return counts


# --- the tally -------------------------------------------------------------------------------


def final_tally(contest: Contest) -> dict[int, int] | None:
    """project id -> counted votes of the published tally; None until it is published. What the
    awards read for 最佳人气奖 (R-A2)."""
    tally = Tally.objects.filter(contest=contest).first()
    if tally is None:
        return None
    return {int(project_id): int(n) for project_id, n in tally.counts.items()}


def published_tally(contest: Contest) -> Tally | None:
    return Tally.objects.filter(contest=contest).first()


def tally_preview(contest: Contest) -> dict:
    """What publishing now would publish: counts per project, voided per reason, totals."""
    counts = {str(project_id): n for project_id, n in Vote.objects.filter(contest=contest, status__in=COUNTING)
              .values_list("project_id").annotate(n=Count("id")).order_by("project_id")}
    by_status = dict(Vote.objects.filter(contest=contest).values_list("status").annotate(n=Count("id")))
    voided = {}
    for reason, n in (FindingVote.objects.filter(finding__contest=contest, finding__status=FindingStatus.VOIDED,
                                                 vote__status=VoteStatus.VOIDED)
                      .values_list("finding__reason").annotate(n=Count("vote_id", distinct=True))
                      .order_by("finding__reason")):
        voided[reason] = n
    totals = {"cast": sum(by_status.values()), "counted": sum(int(v) for v in counts.values()),
              "cleared": by_status.get(VoteStatus.CLEARED, 0), "voided": by_status.get(VoteStatus.VOIDED, 0),
              "held": by_status.get(VoteStatus.HELD, 0)}
    return {"counts": counts, "voided": voided, "totals": totals}


def publish_blockers(contest: Contest) -> list[str]:
    """Why the tally cannot be published yet (empty: it can)."""
    config = config_of(contest)
    problems = []
    if Tally.objects.filter(contest=contest).exists():
        return [_("投票结果已公布")]
    span = window(contest, config)
    if not span.has_closed(now()):
        problems.append(_("投票尚未结束"))
    last_vote = Vote.objects.filter(contest=contest).aggregate(m=Max("id"))["m"] or 0
    run = DetectionRun.objects.filter(contest=contest, finished_at__isnull=False).order_by("-finished_at").first()
    if run is None or run.last_vote_id < last_vote or (span.closes_at and run.started_at <= span.closes_at):
        problems.append(_("投票结束后须对全部投票运行一次刷票检测"))
    held = Vote.objects.filter(contest=contest, status=VoteStatus.HELD).count()
    if held:
        problems.append(_("尚有 %(n)s 张待审核的投票，须先放行或作废") % {"n": held})
    return problems


def publish_tally(*, contest: Contest, actor) -> Tally:
    """Publish the final tally (R-A2): once, after the window closed, a detection run over
    every vote after it, and no vote held. Frozen; its SHA-256 and figures are audited
    ("votes.tally.publish")."""
    with transaction.atomic():
        Contest.objects.select_for_update().filter(pk=contest.pk).values_list("pk", flat=True).first()
        problems = publish_blockers(contest)
        if problems:
            raise ValidationError({"__all__": [ValidationError(p, code=RULE) for p in problems]})
        preview = tally_preview(contest)
        digest = hashlib.sha256(json.dumps(preview, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        tally = Tally.objects.create(contest=contest, published_by=actor, counts=preview["counts"],
                                     voided=preview["voided"], totals=preview["totals"], sha256=digest,
                                     published_at=now())
        record(actor=actor, action="votes.tally.publish", target=tally, after={**preview, "sha256": digest})
    cache.delete(f"votes:live:{contest.pk}")
    return tally
