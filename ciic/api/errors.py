"""One shape for every error: `{"errors": [{"field", "rule", "message"}]}`. A refusal of the
contest's rules is HTTP 422 with the rule's ID; the others (400 malformed request, 401, 403,
404, 405, 413 too large, 429, 500) carry the same shape with `field` "__all__" and `rule` naming
the kind of error (`not_found`, `method_not_allowed`, ...). `ApiErrorShapeMiddleware` gives
the answers made outside the API's views (an unknown path, a refused method) the same shape.

A service's `ValidationError` carries the field as its error_dict key and the rule ID as each
error's `code`; its messages were translated when raised, under the language the request
activated (Accept-Language, via LocaleMiddleware). Malformed bodies (ninja's own validation)
get the same shape, without echoing the submitted value back, since it may be an ID number.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ciic.core.responses import NON_FIELD, api_error_body

logger = logging.getLogger("django.request")



class ErrorItem(Schema):
    field: str
    rule: str
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorItem]


# The errors that are not refusals of a contest rule have the same shape.
DetailOut = ErrorsOut


def _message(err: DjangoValidationError) -> str:
    message = getattr(err, "message", None)
    if message is None:  # a nested dict of errors: flatten to its text
        return "; ".join(str(m) for m in err.messages)
    if err.params:
        message = message % err.params
    return str(message)


def error_items(by_field: Mapping[str, Iterable[DjangoValidationError]]) -> list[dict]:
    """A service's errors by field (as `Errors.by_field` or `ValidationError.error_dict`)."""
    items = []
    for field, errors in by_field.items():
        for err in errors:
            for single in err.error_list if hasattr(err, "error_list") else [err]:
                items.append({"field": field, "rule": single.code or "invalid",
                              "message": _message(single)})
    return items


def request_fields(mapping: Mapping[str, str]):
    """A view decorator: a service's refusal names its fields as the request did (the
    service's `accept_policies` is the payload's `accepted_policy_ids`)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except DjangoValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    raise
                raise DjangoValidationError({mapping.get(k, k): v for k, v in exc.error_dict.items()}) from exc
        return wrapped
    return decorate


def validation_error_items(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return error_items(exc.error_dict)
    return error_items({NON_FIELD: exc.error_list})


def refusal(request: HttpRequest, items: list[dict], api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"errors": items}, status=422)


def _input_field(loc: Iterable) -> str:
    # ("body", "data", "representatives", 0, "name") -> "representatives[0].name"
    parts = [p for p in loc if p not in ("body", "query", "path", "data", "payload", "filters")]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or NON_FIELD


def install_error_handlers(api: NinjaAPI) -> None:
    def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return refusal(request, validation_error_items(exc), api)

    def on_bad_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        items = [{"field": _input_field(e.get("loc", ())), "rule": e.get("type", "invalid"),
                  "message": str(e.get("msg", ""))} for e in exc.errors]
        return refusal(request, items, api)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(request, api, 403, str(exc) or _("无权执行此操作"))

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The message of a lookup miss is Django's ("No Project matches the given query."):
        # a fixed text says no more than "not found" about what exists.
        return error_response(request, api, 404, _("未找到，或无权查看"))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(request, api, exc.status_code, str(exc))

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(request, api, 413, _("请求体过大（上限 %(limit)s 字节）") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(request, api, 400, _("请求格式错误：%(reason)s") % {"reason": _bad_request_reason(exc)})

    def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged as Django logs an unhandled error (the traceback, never the request's body).
        logger.error("Internal Server Error: %s", request.path, exc_info=exc,
                     extra={"status_code": 500, "request": request})
        return error_response(request, api, 500, _("服务器内部错误，已记录，请稍后重试"))

    api.add_exception_handler(DjangoValidationError, on_validation_error)
    api.add_exception_handler(NinjaValidationError, on_bad_input)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    for kind in (MultiPartParserError, BadRequest, SuspiciousOperation, UnicodeDecodeError):
        api.add_exception_handler(kind, on_bad_request)
    api.add_exception_handler(Exception, on_server_error)


def error_response(request: HttpRequest, api: NinjaAPI, status: int, message: str) -> HttpResponse:
    return api.create_response(request, api_error_body(status, message), status=status)


def _bad_request_reason(exc: Exception) -> str:
    if isinstance(exc, MultiPartParserError):
        return _("multipart 请求体无法解析（缺少 boundary 或格式不完整）")
    if isinstance(exc, UnicodeDecodeError):
        return _("请求不是有效的 UTF-8 文本")
    return _("请求无法解析")
