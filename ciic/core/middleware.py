"""Refusals at the boundary, before any view: input no field may hold.

A NUL character in any text is refused here, once for every field of every page and API
call: PostgreSQL's text columns cannot store it (a search for it was a server error), and no
name, finding or query a person types contains one. The query string, form fields (not the
files' bytes) and JSON bodies are checked; the answer is a 400 naming the field, as JSON under
/api/v1/ and as a page elsewhere. Nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from .responses import api_error_body, is_api

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _json_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every key and string in a decoded JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _json_strings(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_strings(item, f"{path}[{i}]")


def _nul_field(request: HttpRequest) -> str | None:
    """The first field holding a NUL character, or None."""
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return key.replace(NUL, "")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                return key.replace(NUL, "")
    elif content_type.endswith("json"):
        body = request.body
        # Only a body that may hold one is decoded twice (here and by the view).
        if b"\x00" in body or b"u0000" in body.lower():
            try:
                decoded = json.loads(body)
            except ValueError:
                return None  # not JSON: the view's own parsing refuses it
            for path, text in _json_strings(decoded):
                if NUL in text:
                    return path or "body"
    return None


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _nul_field(request)
        except RequestDataTooBig:
            return self._refuse(request, 413, _("请求体过大"), "too_large")
        except MultiPartParserError:
            return self._refuse(request, 400, _("请求格式错误：multipart 请求体无法解析（缺少 boundary 或格式不完整）"),
                                "bad_request")
        if field is not None:
            return self._refuse(request, 400, _("“%(field)s”含有空字符（NUL），任何字段都不能包含它") % {"field": field[:60]},
                                "invalid_character", field=field[:60])
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, status: int, message: str, rule: str, field: str = "__all__") -> HttpResponse:
        if is_api(request):
            return JsonResponse(api_error_body(status, message, field=field, rule=rule), status=status)
        return render(request, "400.html", {"message": message}, status=status)
