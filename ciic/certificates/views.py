"""Certificate pages: the public verification page (no login), the secretariat's register
(filter, issue, batch with progress polled by HTMX, zip, Excel, revoke after a confirmation),
the PDF download (the secretariat, and the awarded team's lead for their own), and the lead's
list of their team's certificates.

Only the secretariat (`certificates.manage_certificates`) knows the register's pages: everyone
else gets a 404. Writes go through `services` and `batches`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from ciic.awards.enums import AwardListStatus, AwardScope
from ciic.awards.models import Award
from ciic.contests.models import Contest
from ciic.contests.selectors import current_contest
from ciic.core.responses import (
    flash_errors,
    private_download,
    stamped,
    template_errors,
    xlsx_response,
)
from ciic.projects.documents import PDF_TYPE, attachment

from . import batches, exports, selectors, services
from .models import Certificate, CertificateBatch, RevokeCategory
from .pdf import certificate_pdf, certificate_pdf_name

PAGE_SIZE = 50


def _contest() -> Contest:
    contest = current_contest()
    if contest is None:
        raise Http404
    return contest


def _office(request: HttpRequest) -> Contest:
    """The contest, for the secretariat only: a 404 for anyone else."""
    if not request.user.has_perm("certificates.manage_certificates"):
        raise Http404
    return _contest()


def _reader(request: HttpRequest) -> Contest:
    """The contest, for whoever reads the register (the secretariat, a station's officer for
    their station's local awards): a 404 for anyone else."""
    if not request.user.has_perm("certificates.view_register"):
        raise Http404
    return _contest()


# --- the public verification page ------------------------------------------------------------


@require_safe
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """What the QR code opens: the certificate's live status (valid, or revoked with the date
    and the general category) and what the certificate prints, nothing more. An unknown token
    is a 404 page that says so."""
    certificate = (Certificate.objects.select_related("contest").filter(token=token).first()
                   if 0 < len(token) <= 64 else None)
    if certificate is None:
        response = render(request, "certificates/verify_unknown.html", {"contest": current_contest()}, status=404)
    else:
        response = render(request, "certificates/verify.html", {
            "certificate": certificate, "contest": certificate.contest,
            "verification_url": services.verification_url(certificate)})
    # Shown to whoever holds the link, not to search engines; never kept stale by a cache.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-cache"
    return response


# --- downloads -------------------------------------------------------------------------------


@login_required
@require_safe
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF, for whoever may download it (`certificates.download_certificate`); a 404 for
    anyone else, whether the certificate exists or not."""
    certificate = get_object_or_404(Certificate.objects.select_related("award__project__team"), pk=pk,
                                    contest=_contest())
    if not request.user.has_perm("certificates.download_certificate", certificate):
        raise Http404
    name = certificate_pdf_name(certificate)
    return attachment(certificate_pdf(certificate), content_type=PDF_TYPE, ascii_name=name, name=name)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The certificates of the teams the user leads (valid ones), each with its PDF."""
    contest = _contest()
    certificates = list(selectors.certificates_for_user(request.user, contest)
                        .filter(award__project__team__lead=request.user))
    return render(request, "certificates/mine.html", {"contest": contest, "certificates": certificates})


# --- the secretariat's register --------------------------------------------------------------


def _register(request: HttpRequest, contest: Contest):
    return selectors.filter_register(selectors.certificates_for_user(request.user, contest),
                                     status=request.GET.get("status", ""), scope=request.GET.get("scope", ""),
                                     q=request.GET.get("q", ""))


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    contest = _reader(request)
    page = Paginator(_register(request, contest), PAGE_SIZE).get_page(request.GET.get("page"))
    if not request.user.has_perm("certificates.manage_certificates"):
        return render(request, "certificates/list.html", {
            "contest": contest, "page": page, "station": request.user.station,
            "total": selectors.certificates_for_user(request.user, contest).count(),
            "statuses": [(selectors.VALID, _("有效")), (selectors.REVOKED, _("已撤销"))],
            "filters": {k: request.GET.get(k, "") for k in ("status", "q")}})
    latest = selectors.latest_batch(contest)
    zip_batch = selectors.latest_zip(contest)
    return render(request, "certificates/list.html", {
        "contest": contest, "page": page, "latest": latest, "zip_batch": zip_batch,
        "active": latest if latest and latest.is_active else None,
        "missing": services.missing_awards(contest).count(),
        "pending": Award.objects.filter(award_list__contest=contest, award_list__status=AwardListStatus.PROPOSED)
        .count(),
        "revoked_since_zip": (Certificate.objects.filter(contest=contest, revoked_at__gt=zip_batch.finished_at)
                              .count() if zip_batch else 0),
        "total": Certificate.objects.filter(contest=contest).count(),
        "scopes": AwardScope.choices, "statuses": [(selectors.VALID, _("有效")), (selectors.REVOKED, _("已撤销"))],
        "filters": {k: request.GET.get(k, "") for k in ("status", "scope", "q")},
    })


@login_required
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    contest = _office(request)
    created = services.issue_certificates(contest=contest, actor=request.user)
    if created:
        messages.success(request, _("已颁发 %(n)s 张证书。") % {"n": len(created)})
    else:
        messages.info(request, _("已确认获奖名单上的每个奖项都已有证书。"))
    return redirect("certificates:list")


@login_required
@require_http_methods(["GET", "POST"])
def batch_start(request: HttpRequest) -> HttpResponse:
    """GET: what the batch does, and a confirmation; POST: queue it (or find the one under way)."""
    contest = _office(request)
    if request.method == "POST":
        try:
            _batch, created = batches.start_batch(contest=contest, actor=request.user)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            if created:
                messages.success(request, _("证书批量生成已开始。"))
            else:
                messages.info(request, _("已有一次批量生成在进行中，请等待它完成。"))
        return redirect("certificates:list")
    return render(request, "certificates/batch_start.html", {
        "contest": contest, "missing": services.missing_awards(contest).count(),
        "valid": Certificate.objects.filter(contest=contest, revoked_at__isnull=True).count()})


@login_required
@require_GET
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's progress bar, polled every 2 s by HTMX while it is queued or running; once it
    has finished, HTMX reloads the page (HX-Refresh) to offer the zip."""
    contest = _office(request)
    batch = get_object_or_404(CertificateBatch, contest=contest, pk=pk)
    response = render(request, "certificates/_batch_progress.html", {"batch": batch})
    if not batch.is_active and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_safe
def batch_download(request: HttpRequest, pk: int) -> FileResponse:
    contest = _office(request)
    batch = get_object_or_404(CertificateBatch.objects.exclude(file=""), contest=contest, pk=pk,
                              status=CertificateBatch.Status.DONE)
    return private_download(batch.file, name=f"certificates-{contest.slug}.zip", content_type="application/zip")


@login_required
@require_GET
def register_export(request: HttpRequest) -> HttpResponse:
    contest = _reader(request)
    return xlsx_response(exports.register_workbook(_register(request, contest)), stamped("certificates"))


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the certificate and the revocation form, which says it cannot be undone;
    POST: revoke it (`services.revoke_certificate`)."""
    contest = _office(request)
    certificate = get_object_or_404(Certificate, contest=contest, pk=pk)
    errors: dict = {}
    if request.method == "POST":
        try:
            services.revoke_certificate(certificate=certificate, reason=request.POST.get("reason", ""),
                                        category=request.POST.get("category", ""), actor=request.user)
        except ValidationError as exc:
            errors = template_errors(exc)
        else:
            messages.success(request, _("证书 %(number)s 已撤销。") % {"number": certificate.number})
            return redirect("certificates:list")
    return render(request, "certificates/revoke.html", {
        "contest": contest, "certificate": certificate, "categories": RevokeCategory.choices, "errors": errors,
        "form_category": request.POST.get("category", RevokeCategory.AWARD_REVOKED),
        "form_reason": request.POST.get("reason", ""),
        "verification_path": services.verification_path(certificate)}, status=400 if errors else 200)
