"""Answers under /api/v1/ made outside the API's views (an unknown path, a method an
endpoint does not take, Django's own refusals) get the API's one error shape, in JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from ciic.core.responses import api_error_body, is_api

MESSAGES = {
    400: lambda: _("请求无法解析"),
    403: lambda: _("无权执行此操作"),
    404: lambda: _("未找到，或无权查看"),
    405: lambda: _("此地址不支持该请求方法"),
    413: lambda: _("请求体过大"),
    500: lambda: _("服务器内部错误，已记录，请稍后重试"),
}
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiErrorShapeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code < 400 or not is_api(request)
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        status = response.status_code
        message = MESSAGES.get(status, lambda: response.reason_phrase)()
        shaped = JsonResponse(api_error_body(status, message), status=status,
                              json_dumps_params={"ensure_ascii": False})
        for header in KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped


__all__ = ["ApiErrorShapeMiddleware"]
