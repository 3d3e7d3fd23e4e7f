"""R-C4: nothing on the platform asks an entrant for money. A team lead with a team, a project
and a meeting to join walks every page reachable by links from the home page and the
dashboard; no form on any of them has a fee, price or payment field, and no link leads to a
payment page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

from ciic.testing.personas import verified_client

# Field names, labels and placeholders that would ask for money. 融资需求 (a team's financing
# ask of investors) is not a fee, and the footer's "不收取任何费用" is text, not a field.
MONEY_FIELD = re.compile(r"fee|price|payment|\bpay\b|pay_|checkout|invoice|收费|缴费|付款|支付|价格|报名费|参赛费|费用",
                         re.IGNORECASE)
MONEY_LINK = re.compile(r"/(pay|payment|payments|checkout|billing|invoice|fees?)(/|$)", re.IGNORECASE)
SKIP = ("/accounts/logout", "/admin", "/api/", "/i18n/", "/static/", "/media/")
LIMIT = 400


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.fields: list[str] = []
        self.in_label = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("input", "select", "textarea", "button"):
            self.fields.append(" ".join(str(a.get(k) or "") for k in ("name", "id", "placeholder", "aria-label")))
        if tag == "label":
            self.in_label = True

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_label = False

    def handle_data(self, data):
        if self.in_label:
            self.fields.append(data)


def walk(client, starts):
    seen, queue, pages = set(), list(starts), {}
    while queue and len(seen) < LIMIT:
        url = urldefrag(queue.pop(0))[0]
        parts = urlparse(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen or not parts.path.startswith("/") or parts.path.startswith(SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code in (301, 302) and response.get("Location"):
            queue.append(response["Location"])
            continue
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        page = Page()
        page.feed(response.content.decode())
        pages[path] = page
        queue += page.links
    return pages


def test_no_page_an_entrant_reaches_asks_for_money(team, team_lead, project, unit):
    client = verified_client(team_lead)
    pages = walk(client, ["/", "/dashboard/", "/organizing/recommend/", "/organizing/meetings/",
                          "/organizing/benefits/", f"/organizing/invite/{unit.invitation_code}/",
                          f"/teams/{team.pk}/"])
    assert len(pages) >= 15  # the walk really reached the entrant's pages
    assert any(p.startswith("/projects/") for p in pages), sorted(pages)[:60]
    for path, page in pages.items():
        for field in page.fields:
            assert not MONEY_FIELD.search(field), (path, field)
        for link in page.links:
            assert not MONEY_LINK.search(urlparse(link).path), (path, link)
