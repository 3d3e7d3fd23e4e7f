"""One shape for every refusal: `{"errors": [{"field", "rule", "message"}]}` with HTTP 422.

A service's `ValidationError` carries the field as its error_dict key and the rule ID as each
error's `code`; its messages were translated when raised, under the language the request
activated (Accept-Language, via LocaleMiddleware). Malformed bodies (ninja's own validation)
get the same shape, without echoing the submitted value back, since it may be an ID number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as NinjaValidationError

NON_FIELD = "__all__"


class ErrorItem(Schema):
    field: str
    rule: str
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorItem]


class DetailOut(Schema):
    detail: str


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
        return api.create_response(request, {"detail": str(exc) or _("无权执行此操作")}, status=403)

    api.add_exception_handler(DjangoValidationError, on_validation_error)
    api.add_exception_handler(NinjaValidationError, on_bad_input)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
