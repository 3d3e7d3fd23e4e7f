"""Small response helpers shared by the apps' views."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def stamped(stem: str) -> str:
    """`stem-YYYYmmdd-HHMM.xlsx` in the server's local (Beijing) time: exports of a list at
    different moments do not overwrite each other in the downloads folder."""
    return f"{stem}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.xlsx"


def xlsx_response(workbook, filename: str) -> HttpResponse:
    """An openpyxl workbook as a download; never cached (exports may hold masked personal data)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def private_download(field_file, *, name: str, content_type: str = "") -> FileResponse:
    """A stored file as an attachment that no shared cache keeps and no browser runs or sniffs:
    uploads (materials, evidence, letters) are whatever their uploader made them."""
    response = FileResponse(field_file.open("rb"), as_attachment=True, filename=name,
                            content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """A service's refusal as one message per error, for pages that redirect back."""
    for errors in exc.error_dict.values():
        for error in errors:
            messages.error(request, error.messages[0])


def template_errors(exc: ValidationError, rename=None) -> dict[str, list[dict]]:
    """A service's errors by field for the templates, each `{"message", "rule"}`. The non-field
    key `__all__` becomes `form` (templates cannot read names that start with an underscore);
    `rename` maps other field names a template cannot read (e.g. ones with a dot)."""
    def key(field: str) -> str:
        return "form" if field == "__all__" else (rename(field) if rename else field)

    return {key(field): [{"message": e.messages[0], "rule": e.code} for e in errs]
            for field, errs in exc.error_dict.items()}


def parse_number(value: str | None, kind=int):
    """A number from a form field, or None when empty or not a number (the service then says why)."""
    try:
        return kind(value) if value not in (None, "") else None
    except ValueError:
        return None


# --- the JSON API's error shape ------------------------------------------------------------

API_PREFIX = "/api/v1/"
NON_FIELD = "__all__"
# The `rule` of an API error that is not a refusal of a contest rule, by HTTP status.
STATUS_RULES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 429: "too_many_requests", 500: "server_error",
}


def api_error_body(status: int, message: str, *, field: str = NON_FIELD, rule: str | None = None) -> dict:
    """`{"errors": [{"field", "rule", "message"}]}`: every error under /api/v1/ has this shape."""
    return {"errors": [{"field": field, "rule": rule or STATUS_RULES.get(status, f"http_{status}"),
                        "message": message}]}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)
