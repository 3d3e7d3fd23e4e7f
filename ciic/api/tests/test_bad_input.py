"""Bad input gets a clear 4xx in the API's one JSON error shape, never a server error: NUL
characters, page numbers past any list, bodies over the limit, a multipart body without its
boundary, a method an endpoint does not take, an unknown path; and a server error, should one
happen, is JSON too."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ciic.entrants.models import Organization

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    assert set(body["errors"][0]) == {"field", "rule", "message"}, body
    return body["errors"][0]


def test_a_nul_character_in_a_query_is_refused_naming_the_field(lead_api, team):
    error = _error(lead_api.get("/teams", {"q": "\x00"}), 400)
    assert error["field"] == "q" and error["rule"] == "invalid_character" and "NUL" in error["message"]
    _error(lead_api.get("/organizations", {"q": "a\x00b"}), 400)


def test_a_nul_character_anywhere_in_a_json_body_is_refused_and_nothing_is_written(lead_api, contest):
    from .helpers import org_payload

    before = Organization.objects.count()
    error = _error(lead_api.post("/organizations", org_payload(name="测试\x00公司")), 400)
    assert error["field"] == "name"
    nested = {"station": "beijing", "representatives": [{"name": "张\x00三"}]}
    assert _error(lead_api.post("/teams/check", nested), 400)["field"] == "representatives[0].name"
    assert Organization.objects.count() == before
    # The six characters "\\u0000" typed as text are no NUL: not refused for that.
    text = lead_api.post("/organizations", org_payload(name="反斜杠\\u0000公司"))
    assert text.status_code != 400 or "NUL" not in text.content.decode()


def test_a_page_number_past_any_list_is_a_refusal_not_a_server_error(lead_api, team):
    error = _error(lead_api.get("/teams", {"page": "99999999999999999999"}), 422)
    assert error["field"] == "page"
    assert lead_api.get("/teams", {"page": "1000000"}).json()["items"] == []


def test_a_body_over_the_limit_is_413(lead_api, project, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    big = {"sections": {"overview": "字" * 200_000}}
    error = _error(lead_api.put(f"/projects/{project.pk}/draft", big), 413)
    assert error["rule"] == "too_large"


def test_a_multipart_body_without_its_boundary_is_400(lead_api, project):
    response = lead_api.client.post(f"{API}/projects/{project.pk}/materials/presentation/file",
                                     data=b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--x--",
                                     content_type="multipart/form-data", **lead_api.headers)
    assert _error(response, 400)["rule"] == "bad_request"


def test_a_method_an_endpoint_does_not_take_and_an_unknown_path_are_json(lead_api):
    not_allowed = lead_api.client.generic("TRACE", f"{API}/contest", **lead_api.headers)
    assert _error(not_allowed, 405)["rule"] == "method_not_allowed" and not_allowed["Allow"] == "GET"
    assert _error(lead_api.get("/no-such-thing"), 404)["rule"] == "not_found"


def test_a_server_error_is_json_and_says_nothing_of_the_cause(lead_api, monkeypatch, contest):
    from ciic.api import contests

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(contests, "current_contest", broken)
    client = Client(raise_request_exception=False)
    response = client.get(f"{API}/contest", **lead_api.headers)
    error = _error(response, 500)
    assert error["rule"] == "server_error" and "secret" not in json.dumps(error)
