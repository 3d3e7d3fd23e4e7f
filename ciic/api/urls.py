"""The JSON API, mounted at /api/v1 (ciic/urls.py): one router per domain app.

OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs; every response in it has
an example (ciic/api/examples.py).
"""

from django.urls import path
from ninja import NinjaAPI

from . import (
    accounts,
    certificates,
    contests,
    documents,
    entrants,
    finals,
    materials,
    organizing,
    originality,
    projects,
    publicity,
    review_experts,
    review_results,
    review_rounds,
    reviews,
    votes,
)
from .errors import install_error_handlers
from .examples import ExampleSchema
from .throttling import WRITE_THROTTLES


class CiicAPI(NinjaAPI):
    """ninja's API, whose OpenAPI document gives each response its example."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ExampleSchema(self, path_prefix)


api = CiicAPI(
    title="CIIC Platform API",
    version="1",
    urls_namespace="api",
    throttle=WRITE_THROTTLES,
    description=(
        "中国工业互联网大赛平台接口 / China Industrial Internet Contest platform API. "
        "Authenticate scripts with `Authorization: Bearer ciic_...` (issue a token at "
        "POST /accounts/tokens from a logged-in browser session); the browser uses its "
        "session and CSRF token. Refusals are HTTP 422 with "
        '`{"errors": [{"field", "rule", "message"}]}`, `rule` being the contest rule ID.'
    ),
)
install_error_handlers(api)
api.add_router("", contests.router)
api.add_router("", accounts.router)
api.add_router("", entrants.router)
api.add_router("", projects.router)
api.add_router("", originality.router)
api.add_router("", documents.router)
api.add_router("", materials.router)
api.add_router("", review_experts.router)
api.add_router("", reviews.router)
api.add_router("", review_results.router)
api.add_router("", review_rounds.router)
api.add_router("", finals.router)
api.add_router("", organizing.router)
api.add_router("", votes.router)
api.add_router("", certificates.router)
api.add_router("", publicity.router)

urlpatterns = [path("", api.urls)]
