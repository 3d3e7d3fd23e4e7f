"""Property-based calls over the whole API, generated from its own OpenAPI schema by
schemathesis, as an entrant and as the secretariat: no request, however malformed, gets a
server error; every answer under /api/v1/ is JSON."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from .helpers import bearer_headers

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
EXAMPLES = 8


@pytest.fixture
def personas(project, secretariat):
    return {"entrant": bearer_headers(project.team.lead), "secretariat": bearer_headers(secretariat)}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case, personas):
    for headers in personas.values():
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.status_code,
                                             response.text[:300])
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", [""])[0]
            assert content_type.startswith("application/json"), (
                case.method, case.formatted_path, response.status_code, response.text[:200])
