"""Award certificates (issue 12 §5): the register (the secretariat sees every certificate, an
awarded team's lead their team's valid ones), issuing the missing ones, the background batch
that zips every PDF and its progress, revocation, a certificate's PDF, and the public
verification by the token in the certificate's QR code. Every write calls the same service as
the web pages (`ciic.certificates.services`, `ciic.certificates.batches`)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ciic.certificates import batches, selectors, services
from ciic.certificates.models import Certificate, CertificateBatch, RevokeCategory
from ciic.certificates.pdf import certificate_pdf, certificate_pdf_name
from ciic.core.responses import private_download
from ciic.projects.documents import PDF_TYPE, attachment

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut
from .pagination import PAGE_SIZE, Pages

router = Router(tags=["certificates"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


def _require(request: HttpRequest) -> None:
    if not request.auth.has_perm("certificates.manage_certificates"):
        raise PermissionDenied(_("无权执行此操作"))


def _binary(content_type: str, description: str) -> dict:
    return {"responses": {200: {"description": description,
                                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


# --- schemas ---------------------------------------------------------------------------------


class CertificateOut(Schema):
    id: int
    number: str = Field(description="证书编号：赛事代码-范围（F 等级奖 / S 单项奖 / L-赛站 地方赛奖项）-序号 / "
                                    "Certificate number: contest code, scope (F tier prizes, S special awards, "
                                    "L-station local awards), sequence")
    status: str = Field(description="valid（有效）/ revoked（已撤销）")
    scope: str = Field(description="finals / special / local")
    award_id: int
    award: str = Field(description="奖项 / The award, as printed")
    award_en: str = Field(description="奖项英文名称（地方赛奖项为空）/ English name, empty for a local award")
    station: str = Field(description="赛站（地方赛奖项）/ Station, for a local award")
    project_id: int | None = Field(description="获奖项目（优秀组织奖为空）/ The project, none for an organizing unit")
    project: str
    recipient: str = Field(description="获奖单位或组织单位 / The organization, or the organizing unit")
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    revoke_category: str = Field(description="award_revoked / issued_in_error / other（公开）/ shown publicly")
    revoke_reason: str = Field(description="撤销理由（不公开）/ The reason, for the record only")
    verification_url: str = Field(description="证书二维码指向的公开验证页面 / What the QR code opens")

    @staticmethod
    def resolve_status(obj) -> str:
        return selectors.REVOKED if obj.is_revoked else selectors.VALID

    @staticmethod
    def resolve_award(obj) -> str:
        return obj.award_name

    @staticmethod
    def resolve_award_en(obj) -> str:
        return obj.award_name_en

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.station_name

    @staticmethod
    def resolve_project_id(obj) -> int | None:
        return obj.award.project_id

    @staticmethod
    def resolve_project(obj) -> str:
        return obj.project_name

    @staticmethod
    def resolve_verification_url(obj) -> str:
        return services.verification_url(obj)


class VerificationOut(Schema):
    number: str
    status: str = Field(description="valid（有效）/ revoked（已撤销）")
    revoked_on: dt.date | None = Field(description="撤销日期 / Date of revocation")
    revoke_category: str = Field(description="撤销类别（概括）/ Why, in general terms")
    revoke_category_label: str
    contest: str
    award: str
    station: str
    project: str
    recipient: str
    issued_on: dt.date


class BatchOut(Schema):
    id: int
    status: str = Field(description="queued / running / done / failed")
    total: int = Field(description="要打包的有效证书数 / Valid certificates to zip")
    done: int = Field(description="已生成的 PDF 数 / PDFs written so far")
    percent: int
    issued: int = Field(description="本次新颁发的证书数 / Certificates this batch issued")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    size: int = Field(description="压缩包字节数 / Size of the zip")
    sha256: str
    zip_available: bool = Field(description="可下载压缩包 / The zip can be downloaded (the newest finished batch)")
    error: str

    @staticmethod
    def resolve_zip_available(obj) -> bool:
        return obj.status == CertificateBatch.Status.DONE and bool(obj.file)


class RevokeIn(Schema):
    category: str = Field(RevokeCategory.AWARD_REVOKED, description="award_revoked / issued_in_error / other")
    reason: str = Field(max_length=5000, description="撤销理由（必填，不公开）/ The reason (required, not public)")


class RegisterFilter(Schema):
    status: str = Field("", description="valid / revoked")
    scope: str = Field("", description="finals / special / local")
    q: str = Field("", max_length=100, description="编号、奖项、项目或单位 / Number, award, project or recipient")


def _verification(certificate: Certificate) -> dict:
    zone = ZoneInfo(certificate.contest.time_zone or "Asia/Shanghai")
    revoked = certificate.revoked_at.astimezone(zone).date() if certificate.revoked_at else None
    return {
        "number": certificate.number, "status": selectors.REVOKED if revoked else selectors.VALID,
        "revoked_on": revoked, "revoke_category": certificate.revoke_category,
        "revoke_category_label": certificate.get_revoke_category_display() if certificate.revoke_category else "",
        "contest": certificate.contest_display,
        "award": certificate.award_display, "station": certificate.station_display,
        "project": certificate.project_name, "recipient": certificate.recipient,
        "issued_on": certificate.issued_at.astimezone(zone).date(),
    }


# --- endpoints -------------------------------------------------------------------------------


@router.get("/certificates", response={200: list[CertificateOut], **REFUSALS},
            summary="获奖证书 / Certificates: all for the secretariat, a station officer's local awards, "
                    "a team lead's own valid ones")
@paginate(Pages, page_size=PAGE_SIZE)
def list_certificates(request: HttpRequest, filters: Query[RegisterFilter]):
    qs = selectors.certificates_for_user(request.auth, get_contest())
    return selectors.filter_register(qs, status=filters.status, scope=filters.scope, q=filters.q)


@router.post("/certificates/issue", response={200: list[CertificateOut], **REFUSALS},
             summary="颁发缺少的证书 / Issue the missing certificates of the confirmed award lists",
             description="幂等：已有证书的奖项不变，待确认名单不颁发 / Idempotent: awards that have one keep "
                         "it; a proposed list gets none (R-A1, R-A2, R-A3). Returns the new ones.")
def issue(request: HttpRequest):
    _require(request)
    return services.issue_certificates(contest=get_contest(), actor=request.auth)


@router.post("/certificates/{certificate_id}/revocation", response={200: CertificateOut, **REFUSALS},
             summary="撤销证书 / Revoke a certificate, for good (R-X3)")
def revoke(request: HttpRequest, certificate_id: int, payload: RevokeIn):
    _require(request)
    certificate = get_object_or_404(Certificate, contest=get_contest(), pk=certificate_id)
    return services.revoke_certificate(certificate=certificate, reason=payload.reason, category=payload.category,
                                       actor=request.auth)


@router.get("/certificates/{certificate_id}/pdf", response={401: DetailOut, 404: DetailOut},
            summary="证书 PDF / A certificate as a PDF",
            description="秘书处，及获奖团队负责人（本团队的有效证书）/ The secretariat, and the awarded "
                        "team's lead for their team's valid certificates; 404 for anyone else.",
            openapi_extra=_binary(PDF_TYPE, "PDF"))
def get_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("award__project__team"), pk=certificate_id,
                                    contest=get_contest())
    if not request.auth.has_perm("certificates.download_certificate", certificate):
        raise Http404
    name = certificate_pdf_name(certificate)
    return attachment(certificate_pdf(certificate), content_type=PDF_TYPE, ascii_name=name, name=name)


@router.get("/certificates/batches", response={200: list[BatchOut], **REFUSALS},
            summary="批量生成记录 / Certificate batches, newest first")
def list_batches(request: HttpRequest):
    _require(request)
    return list(CertificateBatch.objects.filter(contest=get_contest())[:20])


@router.post("/certificates/batches", response={200: BatchOut, 201: BatchOut, **REFUSALS},
             summary="批量生成全部证书 / Start the batch: issue the missing certificates and zip every PDF",
             description="已有一次在排队或进行中时返回该次（200），不另起 / While one is queued or running, "
                         "that one is returned (200) and no other starts; a new one is 201.")
def start_batch(request: HttpRequest):
    _require(request)
    batch, created = batches.start_batch(contest=get_contest(), actor=request.auth)
    batch.refresh_from_db()  # the immediate backend may already have run it
    return Status(201 if created else 200, batch)


@router.get("/certificates/batches/{batch_id}", response={200: BatchOut, **REFUSALS},
            summary="一次批量生成及其进度 / One batch and its progress")
def get_batch(request: HttpRequest, batch_id: int):
    _require(request)
    return get_object_or_404(CertificateBatch, contest=get_contest(), pk=batch_id)


@router.get("/certificates/batches/{batch_id}/zip", response={401: DetailOut, 403: DetailOut, 404: DetailOut},
            summary="下载证书压缩包 / The batch's zip of every valid certificate's PDF",
            openapi_extra=_binary("application/zip", "zip"))
def get_zip(request: HttpRequest, batch_id: int) -> FileResponse:
    _require(request)
    contest = get_contest()
    batch = get_object_or_404(CertificateBatch.objects.exclude(file=""), contest=contest, pk=batch_id,
                              status=CertificateBatch.Status.DONE)
    return private_download(batch.file, name=f"certificates-{contest.slug}.zip", content_type="application/zip")


@router.get("/certificates/verify/{token}", auth=None, response={200: VerificationOut, 404: DetailOut},
            summary="验证证书（公开）/ Verify a certificate by the token in its QR code (public)",
            description="证书的实时状态及证书所印内容，不含其他信息 / The certificate's live status and "
                        "what it prints, nothing more.")
def verify(request: HttpRequest, token: str):
    certificate = (Certificate.objects.select_related("contest").filter(token=token).first()
                   if 0 < len(token) <= 64 else None)
    if certificate is None:
        raise Http404(_("证书不存在"))
    return _verification(certificate)
