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


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The schema's calls go through the WSGI handler, whose request signals close the
    database connection (Django's test client switches that off): on PostgreSQL that would
    end the test's transaction. Off for these tests, as the test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
