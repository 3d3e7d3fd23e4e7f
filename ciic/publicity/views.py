"""Pages of the award publicity and its complaints (issue 13). Thin views over notices.py,
identity.py and cases.py; who sees what is rules.py. A case is addressed by its public number;
any case the user may not see is a 404, whether it exists or not."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.accounts.verification import send_number_code
from ciic.contests.models import Contest
from ciic.contests.selectors import current_contest
from ciic.core.responses import private_download, stamped, template_errors, xlsx_response
from ciic.projects.documents import attachment

from . import archive, cases, identity, notices, selectors
from .config import publicity_config
from .enums import CASE_TRANSITIONS, CaseScope, CaseState, IdentityKind, Outcome
from .exports import cases_workbook
from .models import Case, Step
from .pdf import notice_pdf as notice_pdf_bytes
from .rules import COMMITTEE_MOVES

PAGE_SIZE = 50


def _contest() -> Contest:
    contest = current_contest()
    if contest is None:
        raise Http404
    return contest


def _summary(errors: dict) -> list[dict]:
    """Every error of a refused form, for the list at the top of the page."""
    return [e for errs in errors.values() for e in errs]


# --- public ------------------------------------------------------------------------------------


@require_safe
def notice(request: HttpRequest) -> HttpResponse:
    """The publicity notice (R-X1): the prize projects, the period in Beijing time, how to
    complain; after the period, that it has ended. Corrections and closed cases' rulings are
    shown on it."""
    contest = _contest()
    found = notices.notice_of(contest)
    if found is not None:
        notices.conclude(found)  # the period ends by itself: the first read after it acts
    config = publicity_config(contest)
    now = timezone.now()
    revoked = selectors.revoked_awards(found)
    tiers: dict[str, list[dict]] = {}
    for entry in (found.entries if found else []):
        tiers.setdefault(entry["tier"], []).append(entry | {"revoked_by": revoked.get(entry["award_id"])})
    return render(request, "publicity/notice.html", {
        "contest": contest, "notice": found, "config": config, "now": now,
        "open": found is not None and found.is_open(now), "tiers": list(tiers.values()),
        "amendments": list(found.amendments.all()) if found else [], "rulings": selectors.published_rulings(found),
        "grounds": [g for g in config.grounds if g.complaint] if config else [],
        "not_grounds": [g for g in config.grounds if not g.complaint] if config else []})


@require_safe
def notice_pdf(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    found = notices.notice_of(contest)
    if found is None:
        raise Http404
    name = f"publicity-{contest.slug}.pdf"
    return attachment(notice_pdf_bytes(found), content_type="application/pdf", ascii_name=name, name=name)


@login_required
@require_http_methods(["GET", "POST"])
def identity_page(request: HttpRequest) -> HttpResponse:
    """Prove a real identity before complaining (R-X2): a person (name, ID number, a mobile
    number proved by a texted code) or a unit (name, credit code, legal representative, the
    sealed letter)."""
    contest = _contest()
    errors: dict = {}
    action = request.POST.get("action", "")
    form = {k: request.POST.get(k, "") for k in ("name", "mobile", "credit_code", "legal_representative")}
    kind = request.POST.get("kind", request.GET.get("kind", IdentityKind.INDIVIDUAL))
    if request.method == "POST":
        try:
            if action == "send_code":
                send_number_code(user=request.user, mobile=form["mobile"])
                messages.success(request, _("验证码已发送，请查看短信。"))
            elif action == "individual":
                identity.prove_individual(user=request.user, name=form["name"],
                                          id_number=request.POST.get("id_number", ""), mobile=form["mobile"],
                                          code=request.POST.get("code", ""))
                messages.success(request, _("身份已确认，可以提交举报。"))
                return redirect("publicity:complain")
            elif action == "unit":
                upload = request.FILES.get("seal_letter")
                identity.prove_unit(user=request.user, name=form["name"], credit_code=form["credit_code"],
                                    legal_representative=form["legal_representative"],
                                    stream=upload, filename=upload.name if upload else "")
                messages.success(request, _("身份已确认，可以提交举报。"))
                return redirect("publicity:complain")
            else:
                raise ValidationError({"__all__": ValidationError(_("请选择要进行的操作"), code="R-X2")})
        except ValidationError as exc:
            errors = template_errors(exc)
    return render(request, "publicity/identity.html", {
        "contest": contest, "existing": identity.identity_of(request.user), "errors": errors,
        "summary": _summary(errors), "form": form, "kind": kind, "code_sent": action == "send_code" and not errors,
        "kinds": IdentityKind.choices}, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def complain(request: HttpRequest) -> HttpResponse:
    """The complaint form (R-X2): the project from the notice (or, before the notice, a project
    in the local stage by its exact name), the ground, the facts and the evidence."""
    contest = _contest()
    config = publicity_config(contest)
    if config is None:
        raise Http404
    own = identity.identity_of(request.user)
    if own is None:
        messages.info(request, _("举报实行实名制：请先确认您的身份。"))
        return redirect("publicity:identity")
    found = notices.notice_of(contest)
    now = timezone.now()
    errors: dict = {}
    form = {k: request.POST.get(k, "") for k in ("ground", "facts", "scope", "project_id", "project_name", "links")}
    if request.method == "POST":
        project_id = form["project_id"]
        filing = cases.Filing(
            ground=form["ground"], facts=form["facts"], scope=form["scope"] or CaseScope.AWARD,
            project_id=int(project_id) if project_id.isdigit() and len(project_id) < 12 else None,
            project_name=form["project_name"],
            files=[cases.EvidenceFile(f, f.name) for f in request.FILES.getlist("files")],
            links=form["links"].splitlines())
        try:
            case = cases.file_complaint(contest=contest, actor=request.user, filing=filing,
                                        idempotency_key=request.POST.get("idempotency_key", ""))
        except ValidationError as exc:
            errors = template_errors(exc)
        else:
            messages.success(request, _("举报已提交，编号 %(number)s。") % {"number": case.number})
            return redirect("publicity:my_case", number=case.number)
    return render(request, "publicity/complain.html", {
        "contest": contest, "notice": found, "open": found is not None and found.is_open(now),
        "local_open": found is None, "config": config, "identity": own, "errors": errors,
        "summary": _summary(errors), "form": form, "entries": found.entries if found else [],
        "idempotency_key": request.POST.get("idempotency_key", "")[:100] or uuid.uuid4().hex,
        "scopes": CaseScope.choices}, status=400 if errors else 200)


@login_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    return render(request, "publicity/my_cases.html", {
        "contest": contest, "cases": selectors.cases_of_complainant(request.user, contest)})


def _own_case(request: HttpRequest, number: str) -> Case:
    case = Case.objects.select_related("project", "contest").filter(
        contest=_contest(), number=number[:40], complainant=request.user).first()
    if case is None:
        raise Http404
    return case


@login_required
@require_GET
def my_case(request: HttpRequest, number: str) -> HttpResponse:
    """The complainant's own case: its states and dates, why it was not accepted, the ruling;
    never the officer's notes, the findings or the team's response."""
    case = _own_case(request, number)
    config = publicity_config(case.contest)
    return render(request, "publicity/my_case.html", {
        "contest": case.contest, "case": case, "steps": case.steps.all(),
        "ground": config.ground(case.ground) if config else None,
        "reason": config.reason(case.not_accepted_reason) if config and case.not_accepted_reason else None,
        "evidence": case.evidence.filter(party="complainant")})


# --- the secretariat ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def manage_notice(request: HttpRequest) -> HttpResponse:
    """Publish the notice (irreversible, after a confirmation) and add corrections to it."""
    if not request.user.has_perm("publicity.manage_notice"):
        raise Http404
    contest = _contest()
    found = notices.notice_of(contest)
    errors: dict = {}
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "publish":
                if request.POST.get("confirm") != "yes":
                    raise ValidationError({"confirm": ValidationError(
                        _("请勾选确认：公示发布后不能撤回，只能以更正的方式公开说明"), code="R-X1")})
                notices.publish_notice(contest=contest, actor=request.user)
                messages.success(request, _("获奖公示已发布。"))
            elif action == "amend" and found is not None:
                notices.amend_notice(notice=found, text=request.POST.get("text", ""),
                                     text_en=request.POST.get("text_en", ""), actor=request.user)
                messages.success(request, _("更正已发布在公示页面上。"))
            else:
                raise ValidationError({"__all__": ValidationError(_("请选择要进行的操作"), code="R-X1")})
        except ValidationError as exc:
            errors = template_errors(exc)
        else:
            return redirect("publicity:manage_notice")
    award_list = notices.finals_list(contest)
    return render(request, "publicity/manage_notice.html", {
        "contest": contest, "notice": found, "award_list": award_list, "errors": errors, "summary": _summary(errors),
        "text": request.POST.get("text", ""), "text_en": request.POST.get("text_en", ""),
        "counts": selectors.dashboard_counts(contest, timezone.now())}, status=400 if errors else 200)


def _filters(request: HttpRequest) -> dict:
    return {k: request.GET.get(k, "")[:100] for k in ("state", "overdue", "q", "scope")}


def _staff_cases(request: HttpRequest, contest: Contest):
    f = _filters(request)
    return selectors.cases_for_staff(contest, state=f["state"], q=f["q"], scope=f["scope"],
                                     overdue_at=timezone.now() if f["overdue"] else None)


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """Every case with its state and deadline. The complaint committee sees the ground and the
    officer and opens each case; other staff see only that a case exists."""
    if not request.user.has_perm("publicity.list_cases"):
        raise Http404
    contest = _contest()
    page = Paginator(_staff_cases(request, contest), PAGE_SIZE).get_page(request.GET.get("page"))
    handler = request.user.has_perm("publicity.handle_cases")
    visible = {c.pk for c in page if request.user.has_perm("publicity.view_case", c)}
    return render(request, "publicity/case_list.html", {
        "contest": contest, "page": page, "handler": handler, "visible": visible, "now": timezone.now(),
        "filters": _filters(request), "states": CaseState.choices, "scopes": CaseScope.choices,
        "counts": selectors.dashboard_counts(contest, timezone.now()), "config": publicity_config(contest)})


@login_required
@require_GET
def case_export(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("publicity.handle_cases"):
        raise Http404
    return xlsx_response(cases_workbook(_staff_cases(request, _contest())), stamped("complaints"))


def _handled_case(request: HttpRequest, number: str) -> Case:
    case = (Case.objects.select_related("contest", "project__team__organization", "award", "identity", "officer",
                                        "material_request")
            .prefetch_related(Prefetch("steps", queryset=Step.objects.select_related("actor")))
            .filter(contest=_contest(), number=number[:40]).first())
    if case is None or not request.user.has_perm("publicity.view_case", case):
        raise Http404
    return case


ACTIONS = ("accept", "not_accept", "officer", "verify", "response", "evidence", "findings", "rule", "close")
MOVES = {"accept": CaseState.ACCEPTED, "not_accept": CaseState.NOT_ACCEPTED, "verify": CaseState.UNDER_VERIFICATION,
         "rule": CaseState.RULED, "close": CaseState.CLOSED}


def _act(request: HttpRequest, case: Case) -> str:
    """Carry out one action of the case page; returns the success message."""
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    if action not in ACTIONS:
        raise ValidationError({"__all__": ValidationError(_("请选择要进行的操作"), code="R-X2")})
    if (action == "officer" or MOVES.get(action) in COMMITTEE_MOVES) and not request.user.has_perm(
            "publicity.handle_cases"):
        raise ValidationError({"__all__": ValidationError(_("只有举报受理组可以进行此操作"), code="R-X2")})
    if action == "accept":
        cases.transition(case=case, to=CaseState.ACCEPTED, actor=request.user, note=note)
        return _("已受理。")
    if action == "not_accept":
        cases.transition(case=case, to=CaseState.NOT_ACCEPTED, actor=request.user, note=note,
                         reason=request.POST.get("reason", ""))
        return _("已决定不予受理。")
    if action == "officer":
        pk = request.POST.get("officer", "")
        officer = User.objects.filter(pk=int(pk), role=Role.SECRETARIAT, is_active=True).first() \
            if pk.isdigit() and len(pk) < 12 else None
        cases.assign_officer(case=case, officer=officer, actor=request.user)
        return _("已指定核查人员。")
    if action == "verify":
        cases.transition(case=case, to=CaseState.UNDER_VERIFICATION, actor=request.user, note=note)
        return _("已开始核查。")
    if action == "response":
        cases.request_response(case=case, actor=request.user, message=request.POST.get("message", ""))
        return _("已要求被举报团队说明情况，团队负责人已收到通知。")
    if action == "evidence":
        upload = request.FILES.get("file")
        cases.add_officer_evidence(case=case, actor=request.user, link=request.POST.get("link", ""), note=note,
                                   file=cases.EvidenceFile(upload, upload.name) if upload else None)
        return _("核查证据已保存。")
    if action == "findings":
        cases.record_findings(case=case, actor=request.user, findings=request.POST.get("findings", ""))
        return _("核查情况已保存。")
    if action == "rule":
        if request.POST.get("confirm") != "yes":
            raise ValidationError({"confirm": ValidationError(
                _("请勾选确认：裁定不可撤回，举报属实将撤销奖项、奖金和证书"), code="R-X3")})
        cases.transition(case=case, to=CaseState.RULED, actor=request.user, note=note,
                         outcome=request.POST.get("outcome", ""), ruling=request.POST.get("ruling", ""),
                         revokes_award=request.POST.get("revokes_award") == "yes")
        return _("已裁定。")
    cases.transition(case=case, to=CaseState.CLOSED, actor=request.user, note=note)
    return _("已结案，裁定意见已公布在公示页面上。")


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One case for its handlers: the complainant's identity (masked), the facts, the evidence
    with its hashes, every step, the team's response, the findings and the ruling, with the
    actions the case's state allows."""
    case = _handled_case(request, number)
    errors: dict = {}
    if request.method == "POST":
        try:
            done = _act(request, case)
        except ValidationError as exc:
            errors = template_errors(exc)
        else:
            messages.success(request, done)
            return redirect("publicity:case_detail", number=case.number)
        case = _handled_case(request, number)
    config = publicity_config(case.contest)
    response = case.material_request
    return render(request, "publicity/case_detail.html", {
        "contest": case.contest, "case": case, "config": config, "errors": errors, "summary": _summary(errors),
        "ground": config.ground(case.ground) if config else None,
        "reason": config.reason(case.not_accepted_reason) if config and case.not_accepted_reason else None,
        "evidence": case.evidence.select_related("added_by"), "steps": case.steps.all(),
        "response_items": response.items.select_related("file") if response else [],
        "next": CASE_TRANSITIONS[CaseState(case.state)], "handler": request.user.has_perm("publicity.handle_cases"),
        "officers": User.objects.filter(role=Role.SECRETARIAT, is_active=True).order_by("full_name", "pk"),
        "outcomes": Outcome.choices, "posted": request.POST, "now": timezone.now()},
        status=400 if errors else 200)


@login_required
@require_safe
def case_archive(request: HttpRequest, number: str) -> HttpResponse:
    case = _handled_case(request, number)
    name = f"{case.number}.zip"
    return attachment(archive.case_archive(case), content_type="application/zip", ascii_name=name, name=name)


@login_required
@require_safe
def seal_letter(request: HttpRequest, number: str) -> FileResponse:
    """The unit complainant's sealed letter, for the case's handlers to check the identity."""
    case = _handled_case(request, number)
    if not case.identity.seal_letter:
        raise Http404
    name = case.identity.seal_letter_name or "seal-letter"
    kind = "application/pdf" if name.lower().endswith(".pdf") else "image/jpeg" if name.lower().endswith(
        (".jpg", ".jpeg")) else "image/png" if name.lower().endswith(".png") else ""
    return private_download(case.identity.seal_letter, name=name, content_type=kind)


@login_required
@require_safe
def evidence_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """An evidence file: for the case's handlers, and for the complainant their own."""
    item = selectors.visible_evidence(request.user, Case.objects.filter(contest=_contest(), number=number).first(), pk)
    return private_download(item.file, name=item.name, content_type=item.content_type)
