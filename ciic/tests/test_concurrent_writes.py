"""The platform as `make run` serves it: a plain 404 page and static files with DEBUG off,
and it holds under concurrent use and loses no write.

Eight clients work at once for 20 seconds over real HTTP against gunicorn (the server and the
database of `make run`: SQLite in the SQLite pass, PostgreSQL in the other): six team leads
read their project, autosave its draft and now and then submit a version; two leads register
teams. Every answer must be a success, and every write the server acknowledged must be in the
database afterwards. On SQLite this failed with "database is locked" while every page view
saved the session and write transactions started deferred.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from ciic.demo.entrants import DEMO_PASSWORD
from ciic.demo.identifiers import make_id_number, make_mobile
from ciic.testing.live import live_platform

SECONDS = 20
EDITORS = 6
REGISTRARS = 2

SETUP = """
import json
from collections import OrderedDict
from ciic.contests.models import Contest
from ciic.entrants.models import Organization
from ciic.projects.models import Project
contest = Contest.objects.get()
editors = OrderedDict()
for p in Project.objects.filter(contest=contest).select_related("team__lead").order_by("pk"):
    editors.setdefault(p.team.lead.email, p.pk)
taken = set(editors)
orgs = [(o.owner.email, o.pk) for o in Organization.objects.filter(contest=contest, is_registered=True)
        .select_related("owner").order_by("pk") if o.owner.email not in taken]
station = contest.stations.order_by("pk").first()
print(json.dumps({
    "editors": list(editors.items()),
    "registrars": orgs,
    "sections": list(contest.form_sections.values_list("code", flat=True)),
    "station": station.pk, "direction": station.directions.get().pk,
    "policies": list(contest.policies.filter(is_current=True).values_list("pk", flat=True)),
}))
"""


@dataclass
class Client:
    email: str
    base: str
    session: requests.Session = field(default_factory=requests.Session)
    errors: list[str] = field(default_factory=list)
    requests: int = 0

    def _csrf(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def call(self, method: str, path: str, **kwargs) -> requests.Response | None:
        self.requests += 1
        headers = kwargs.pop("headers", {}) | {"X-CSRFToken": self._csrf()}
        try:
            response = self.session.request(method, self.base + path, headers=headers, timeout=60,
                                            allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            self.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 500 or "database is locked" in response.text:
            self.errors.append(f"{method} {path}: {response.status_code} {response.text[:300]!r}")
            return None
        return response

    def login(self) -> None:
        self.call("GET", "/accounts/login/")
        response = self.call("POST", "/accounts/login/", data={
            "username": self.email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": self._csrf()})
        assert response is not None and response.status_code == 302, f"{self.email} could not log in"


def edit(client: Client, project: int, sections: list[str], stop: float, acked: dict) -> None:
    client.login()
    i = 0
    while time.monotonic() < stop:
        i += 1
        client.call("GET", f"/projects/{project}/")
        text = {f"section_{code}": f"{client.email} 第 {i} 次保存 {code}" for code in sections}
        saved = client.call("POST", f"/projects/{project}/save/", data=text, headers={"HX-Request": "true"})
        if saved is not None and saved.status_code == 200 and "errors" not in saved.text:
            acked["draft"] = text
        # The first round submits too: on a loaded machine a client may get few rounds in.
        if i % 6 == 1:
            submitted = client.call("POST", f"/projects/{project}/submit/", data={})
            if submitted is not None and submitted.status_code == 302 and "/versions/" in submitted.headers["Location"]:
                acked["versions"].add(int(re.search(r"/versions/(\d+)/", submitted.headers["Location"]).group(1)))
        client.call("GET", "/dashboard/")


def register(client: Client, number: int, org: int, setup: dict, stop: float, acked: list) -> None:
    client.login()
    i = 0
    while time.monotonic() < stop:
        i += 1
        client.call("GET", f"/organizations/{org}/teams/new/")
        name = f"并发测试{number}队{i}"
        seq = number * 100 + i
        data = {"station": setup["station"], "direction": setup["direction"], "name": name,
                "accept_policies": setup["policies"], "csrfmiddlewaretoken": client._csrf(),
                "representatives-0-name": f"代表{seq}",
                "representatives-0-id_number": make_id_number(i, birth=f"{1970 + number}0101"),
                "representatives-0-mobile": make_mobile(700000 + seq),
                "representatives-0-email": f"rep{seq}@example.com"}
        response = client.call("POST", f"/organizations/{org}/teams/new/", data=data)
        if response is not None and response.status_code == 302 and "/teams/" in response.headers["Location"]:
            acked.append(name)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with live_platform(tmp_path_factory.mktemp("live"), teams=20, projects=12) as served:
        yield served


def test_a_refused_object_is_a_plain_404_page_and_static_files_are_served(platform):
    """DEBUG is off: a station officer opening another station's team saw Django's debug page."""
    page = requests.get(platform.url + "/no-such-page/", timeout=30)
    assert page.status_code == 404
    assert "页面不存在" in page.text and "Traceback" not in page.text and "URLconf" not in page.text
    css = requests.get(platform.url + "/static/css/ciic.css", timeout=30)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")


def test_eight_clients_writing_at_once_lose_nothing(platform):
    setup = platform.query(SETUP)
    editors = setup["editors"][:EDITORS]
    registrars = setup["registrars"][:REGISTRARS]
    assert len(editors) == EDITORS and len(registrars) == REGISTRARS, setup
    clients = [Client(email, platform.url) for email, _pk in editors + registrars]
    drafts = {pk: {"draft": None, "versions": set()} for _email, pk in editors}
    teams: list[str] = []
    stop = time.monotonic() + SECONDS
    threads = [threading.Thread(target=edit, args=(clients[i], pk, setup["sections"], stop, drafts[pk]))
               for i, (_email, pk) in enumerate(editors)]
    threads += [threading.Thread(target=register, args=(clients[EDITORS + j], j + 1, org, setup, stop, teams))
                for j, (_email, org) in enumerate(registrars)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    errors = [e for c in clients for e in c.errors]
    assert not errors, f"{len(errors)} of {sum(c.requests for c in clients)} requests failed: {errors[:5]}"
    stored = platform.query(f"""
import json
from ciic.entrants.models import Team
from ciic.projects.models import Project
print(json.dumps({{
    "drafts": {{p.pk: p.draft.sections for p in Project.objects.filter(pk__in={list(drafts)}).select_related("draft")}},
    "versions": {{p.pk: sorted(p.submissions.values_list("number", flat=True)) for p in Project.objects.filter(pk__in={list(drafts)})}},
    "teams": list(Team.objects.filter(name__in={teams!r}).values_list("name", flat=True)),
}}))
""")
    for pk, acked in drafts.items():
        assert acked["draft"] is not None, f"project {pk}: no draft save was acknowledged"
        saved = stored["drafts"][str(pk)]
        assert all(saved[k.removeprefix("section_")] == v for k, v in acked["draft"].items()), pk
        assert acked["versions"], f"project {pk}: no submission was acknowledged"
        assert acked["versions"] <= set(stored["versions"][str(pk)]), pk
    assert teams and sorted(stored["teams"]) == sorted(teams)
