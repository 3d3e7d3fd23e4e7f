"""The popularity vote's pages: the public ballot (no login; a verified mobile number votes),
a finalist's page with its video, proving a number, the published result; and for the
secretariat the vote audit (held votes by reason, bulk clear or void, publishing)."""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import quote

from captcha.views import captcha_image
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from ranged_response import RangedFileResponse

from ciic.contests.models import Contest
from ciic.core.ratelimit import client_address
from ciic.entrants.forms import field_errors
from ciic.projects.models import StoredFile

from . import detection, detection_runs, selectors, services
from .config import vote_config, window
from .enums import Decision, Reason
from .models import DetectionRun, Vote, Voter

# What a browser keeps of the vote: its seed for the order of the ballot and, once it proved a
# number, the voter's id, when it was proved and for which contest; in a signed cookie, so an
# anonymous visitor costs no session row and a vote reads no session (none of it is the number).
COOKIE = "ciic_vote"
COOKIE_SALT = "ciic.votes.browser"
COOKIE_SECONDS = 24 * 3600


def _contest() -> Contest:
    contest = services.served_contest()
    if contest is None or vote_config(contest) is None:
        raise Http404(_("本届大赛不设网络投票"))
    return contest


def _client(request: HttpRequest) -> services.Client:
    return services.Client(ip=client_address(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))


def _captcha(request: HttpRequest) -> services.Captcha:
    return services.Captcha(key=request.POST.get("captcha_key", ""), answer=request.POST.get("captcha_answer", ""))


def browser_state(request: HttpRequest) -> dict:
    """The browser's vote cookie (empty when missing, altered or older than COOKIE_SECONDS)."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return {}
    try:
        state = signing.loads(raw, salt=COOKIE_SALT, max_age=COOKIE_SECONDS)
    except signing.BadSignature:
        return {}
    return state if isinstance(state, dict) else {}


def cookie_value(state: dict) -> str:
    return signing.dumps(state, salt=COOKIE_SALT, compress=True)


def _keep(response: HttpResponse, state: dict) -> HttpResponse:
    response.set_cookie(COOKIE, cookie_value(state), max_age=COOKIE_SECONDS, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    return response


def proved(voter: Voter, contest: Contest) -> dict:
    """What the cookie keeps of a voter that proved its number."""
    return {"voter": voter.pk, "at": voter.verified_at.isoformat(), "contest": contest.pk}


def _forget(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in ("voter", "at", "contest")}


def _voter(request: HttpRequest, contest: Contest) -> Voter | None:
    """The voter this browser proved, while the proof is fresh (`verified_minutes`)."""
    voter = _cookie_voter(request, contest)
    return voter if services.is_verified(contest, voter) else None


def _cookie_voter(request: HttpRequest, contest: Contest) -> Voter | None:
    """The voter as this browser's cookie keeps it (id and when it was proved), unread from the
    database: `services.cast_vote` checks the proof is fresh."""
    state = browser_state(request)
    voter_id, verified_at = state.get("voter"), state.get("at")
    if not isinstance(voter_id, int) or not isinstance(verified_at, str) or state.get("contest") != contest.pk:
        return None
    try:
        when = dt.datetime.fromisoformat(verified_at)
    except ValueError:
        return None
    return Voter(pk=voter_id, contest_id=contest.pk, verified_at=when)


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _throttled(request: HttpRequest, exc: services.Throttled) -> HttpResponse:
    response = render(request, "400.html", {"message": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _captcha_context(needed: bool) -> dict:
    if not needed:
        return {"captcha_key": ""}
    key = services.new_captcha()
    return {"captcha_key": key, "captcha_url": reverse("votes:captcha_image", args=[key])}


def _page_context(request: HttpRequest, contest: Contest) -> dict:
    config = vote_config(contest)
    span = window(contest, config)
    at = services.now()
    voter = _voter(request, contest)
    tally = services.published_tally(contest)
    return {
        "contest": contest, "config": config, "window": span, "is_open": span.is_open(at),
        "has_closed": span.has_closed(at), "voter": voter, "tally": tally,
        "left_today": services.votes_left_today(contest, voter) if voter else None,
        "live": services.live_counts(contest) if tally is None else None,
        "voted_today": set(Vote.objects.filter(voter=voter, day=services.local_day(contest)).values_list(
            "project_id", flat=True)) if voter else set(),
    }


@require_GET
def ballot(request: HttpRequest) -> HttpResponse:
    """The finalists, in an order of this visitor's own (R-A2)."""
    contest = _contest()
    state = browser_state(request)
    seed = state.get("seed")
    if not isinstance(seed, str):
        seed = secrets.token_hex(8)
    context = _page_context(request, contest)
    rows = selectors.finalists(contest, seed=seed)
    live = context["live"]
    for row in rows:
        row.ballot_key = secrets.token_urlsafe(16)
        row.next_url = f"{reverse('votes:ballot')}#p-{row.project_id}"
        row.live = None if live is None else live.get(row.project_id, 0)
    needed = services.captcha_needed(contest, "vote", _client(request))
    response = render(request, "votes/ballot.html", {**context, "finalists": rows, "captcha_needed": needed})
    return response if state.get("seed") == seed else _keep(response, {**state, "seed": seed})


@require_GET
def finalist(request: HttpRequest, project_id: int) -> HttpResponse:
    """One finalist: its summary and video, and the vote (with a CAPTCHA when one is needed)."""
    contest = _contest()
    row = selectors.finalist(contest, project_id)
    if row is None:
        raise Http404
    row.ballot_key = secrets.token_urlsafe(16)
    row.next_url = _next(request, request.path)
    context = _page_context(request, contest)
    needed = services.captcha_needed(contest, "vote", _client(request)) or request.GET.get("captcha") == "1"
    return render(request, "votes/finalist.html", {**context, "finalist": row, **_captcha_context(needed)})


@require_GET
def video(request: HttpRequest, project_id: int) -> HttpResponse:
    """The finalist's video of the version it is judged on, with byte ranges (phones seek)."""
    contest = _contest()
    row = selectors.finalist(contest, project_id)
    if row is None or row.video_file_id is None:
        raise Http404
    stored = StoredFile.objects.filter(pk=row.video_file_id).first()
    if stored is None:
        raise Http404
    response = RangedFileResponse(request, stored.file.open("rb"), content_type=stored.content_type or "video/mp4")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_POST
def vote(request: HttpRequest, project_id: int) -> HttpResponse:
    """Cast the vote; back to where it was cast from. Not verified: prove the number first."""
    contest = services.voting_contest()
    if contest is None or vote_config(contest) is None:
        raise Http404
    if project_id not in selectors.candidate_ids(contest):
        raise Http404
    back = _next(request, reverse("votes:ballot"))
    verify = f"{reverse('votes:verify')}?next={quote(back)}"
    voter = _cookie_voter(request, contest)
    if voter is None:
        messages.info(request, _("请先验证手机号，再投票。"))
        return redirect(verify)
    try:
        cast = services.cast_vote(contest=contest, voter=voter, project_id=project_id,
                                  ballot_key=request.POST.get("ballot_key", ""), client=_client(request),
                                  captcha=_captcha(request))
    except services.Throttled as exc:
        return _throttled(request, exc)
    except ValidationError as exc:
        errors = field_errors(exc)
        if "ballot_key" in errors:  # not what the page's form sends: a malformed request
            return render(request, "400.html", {"message": errors["ballot_key"][0].message}, status=400)
        if "mobile" in errors:  # the proof expired: prove the number again
            messages.info(request, errors["mobile"][0].message)
            return _keep(redirect(verify), _forget(browser_state(request)))
        if "captcha" in errors:
            messages.warning(request, errors["captcha"][0].message)
            return redirect(f"{reverse('votes:finalist', args=[project_id])}?captcha=1&next={quote(back)}")
        for found in errors.values():
            for error in found:
                messages.error(request, error.message)
        return redirect(back)
    if cast.created:
        messages.success(request, _("投票成功！今天还可以投 %(n)s 票。") % {"n": cast.left_today})
    else:
        messages.info(request, _("这张选票已经记录，不会重复计票。"))
    return redirect(back)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Prove a mobile number: send a code, then type it. The number is kept in the page only
    (the form posts it back), never in a cookie nor a session."""
    contest = _contest()
    back = _next(request, reverse("votes:ballot"))
    client = _client(request)
    errors: dict = {}
    step = "send"
    mobile = request.POST.get("mobile", "")
    sent = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "verify":
                step = "verify"
                voter = services.verify_code(contest=contest, mobile=mobile, code=request.POST.get("code", ""))
                messages.success(request, _("手机号已验证，现在可以投票了。"))
                return _keep(redirect(back), {**browser_state(request), **proved(voter, contest)})
            sent = services.request_code(contest=contest, mobile=mobile, client=client, captcha=_captcha(request))
            step = "verify"
        except services.Throttled as exc:
            return _throttled(request, exc)
        except ValidationError as exc:
            errors = field_errors(exc)
    needed = step == "send" and (services.captcha_needed(contest, "code", client) or "captcha" in errors)
    context = _page_context(request, contest)
    return render(request, "votes/verify.html", {
        **context, "step": step, "mobile": mobile, "errors": errors, "next": back, "sent": sent,
        **_captcha_context(needed)}, status=400 if errors else 200)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Forget this browser's proof of a number."""
    return _keep(redirect("votes:ballot"), _forget(browser_state(request)))


def captcha(request: HttpRequest, key: str) -> HttpResponse:
    return captcha_image(request, key, scale=1)


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """The published tally: counted votes per finalist and the votes voided, by reason."""
    contest = _contest()
    tally = services.published_tally(contest)
    rows = []
    if tally is not None:
        names = {f.project_id: f for f in selectors.finalists(contest)}
        rows = sorted(((int(pid), n) for pid, n in tally.counts.items()), key=lambda r: (-r[1], r[0]))
        rows = [{"rank": i, "project_id": pid, "votes": n, "finalist": names.get(pid)}
                for i, (pid, n) in enumerate(rows, start=1)]
    voided = [(Reason(code).label, n) for code, n in (tally.voided.items() if tally else []) if code in Reason.values]
    return render(request, "votes/results.html", {"contest": contest, "tally": tally, "rows": rows,
                                                  "voided": voided})


# --- the secretariat -----------------------------------------------------------------------


def _audit_contest(request: HttpRequest) -> Contest:
    if not request.user.has_perm("votes.audit_votes"):
        raise PermissionDenied
    return _contest()


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    """Held votes by reason, decided findings, the last run, publishing."""
    contest = _audit_contest(request)
    return render(request, "votes/audit.html", _audit_context(contest))


def _audit_context(contest: Contest, **extra) -> dict:
    config = vote_config(contest)
    open_findings = selectors.open_findings(contest)
    groups = []
    for reason in Reason:
        mine = [f for f in open_findings if f.reason == reason]
        if mine:
            groups.append({"reason": reason, "findings": [(f, selectors.describe(f, contest)) for f in mine],
                           "votes": sum(f.votes_count for f in mine)})
    preview = services.tally_preview(contest)
    names = {f.project_id: f.name for f in selectors.finalists(contest)}
    leading = sorted(((int(pid), n) for pid, n in preview["counts"].items()), key=lambda r: (-r[1], r[0]))[:10]
    return {
        "contest": contest, "window": window(contest, config), "counts": selectors.status_counts(contest),
        "groups": groups, "decided": [(f, selectors.describe(f, contest)) for f in selectors.decided_findings(contest)],
        "run": selectors.last_run(contest), "latest": selectors.latest_run(contest),
        "tally": services.published_tally(contest),
        "blockers": services.publish_blockers(contest), "preview": preview,
        "leading": [(names.get(pid, f"#{pid}"), n) for pid, n in leading], "decisions": Decision.choices,
        "errors": {}, **extra,
    }


@login_required
@require_POST
def audit_run(request: HttpRequest) -> HttpResponse:
    """Queue a detection run for the task worker (`detection_runs.start_detection`); the page
    then shows its progress. A second click while one is under way finds that one."""
    contest = _audit_contest(request)
    try:
        _run, created = detection_runs.start_detection(contest=contest, actor=request.user)
    except ValidationError as exc:
        for found in field_errors(exc).values():
            for error in found:
                messages.error(request, error.message)
    else:
        if created:
            messages.success(request, _("刷票检测已开始，完成后本页显示结果。"))
        else:
            messages.info(request, _("已有一次刷票检测在进行中，请等待它完成。"))
    return redirect("votes:audit")


@login_required
@require_GET
def audit_run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's state, polled every 2 s by HTMX while it is queued or running; once it has
    finished, HTMX reloads the page (HX-Refresh) to show its findings."""
    contest = _audit_contest(request)
    run = get_object_or_404(DetectionRun, contest=contest, pk=pk)
    response = render(request, "votes/_run_status.html", {"latest": run})
    if run.status not in detection_runs.ACTIVE and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def audit_decide(request: HttpRequest) -> HttpResponse:
    contest = _audit_contest(request)
    ids = [int(v) for v in request.POST.getlist("findings") if v.isdigit() and len(v) < 12]
    try:
        result = detection.decide_findings(contest=contest, finding_ids=ids, decision=request.POST.get("decision", ""),
                                           reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as exc:
        context = _audit_context(contest, errors=field_errors(exc), posted=request.POST,
                                 selected={str(i) for i in ids})
        return render(request, "votes/audit.html", context, status=400)
    messages.success(request, _("已处理 %(n)s 项：放行 %(cleared)s 票，作废 %(voided)s 票。") % {
        "n": len(result["findings"]), "cleared": result["cleared"], "voided": result["voided"]})
    return redirect("votes:audit")


@login_required
@require_POST
def audit_publish(request: HttpRequest) -> HttpResponse:
    contest = _audit_contest(request)
    try:
        services.publish_tally(contest=contest, actor=request.user)
    except ValidationError as exc:
        for found in field_errors(exc).values():
            for error in found:
                messages.error(request, error.message)
        return redirect("votes:audit")
    messages.success(request, _("投票结果已公布。"))
    return redirect("votes:results")
