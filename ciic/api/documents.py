"""Documents: a submitted version as one PDF, and the contest's application form as a .docx
template. The same functions and the same visibility as the web pages
(`ciic.projects.documents`, `projects_for_user`): a version the caller may not see is 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router

from ciic.projects.documents import (
    DOCX_TYPE,
    PDF_TYPE,
    application_template_docx,
    attachment,
    form_template_names,
    submission_pdf,
    version_pdf_names,
)
from ciic.projects.models import Submission
from ciic.projects.selectors import projects_for_user

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut

router = Router(tags=["documents"], auth=ANY_AUTH)


def _binary(content_type: str, description: str) -> dict:
    return {"responses": {200: {"description": description,
                                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/projects/{project_id}/submissions/{number}/pdf", response={401: DetailOut, 404: DetailOut},
            summary="版本 PDF / One submitted version as a PDF",
            description="申报书各部分与材料清单（含 SHA-256），嵌入中文字体 / The version's form sections "
                        "and its materials with their SHA-256, with the CJK font embedded (R-J4, R-J7).",
            openapi_extra=_binary(PDF_TYPE, "PDF"))
def get_submission_pdf(request: HttpRequest, project_id: int, number: int) -> HttpResponse:
    project = get_object_or_404(projects_for_user(request.auth, get_contest()), pk=project_id)
    submission = get_object_or_404(Submission, project=project, number=number)
    ascii_name, name = version_pdf_names(submission)
    return attachment(submission_pdf(submission), content_type=PDF_TYPE, ascii_name=ascii_name, name=name)


@router.get("/contest/form-template.docx", response={401: DetailOut, 404: DetailOut},
            summary="申报书模板 / The application form as a .docx template",
            description="各部分为标题、要点为小标题、注明字数上限 / Each section a heading, its parts "
                        "subheadings, its length limit noted (R-J7.1).",
            openapi_extra=_binary(DOCX_TYPE, "Word document"))
def get_form_template(request: HttpRequest) -> HttpResponse:
    contest = get_contest()
    ascii_name, name = form_template_names(contest)
    return attachment(application_template_docx(contest), content_type=DOCX_TYPE, ascii_name=ascii_name,
                      name=name)
