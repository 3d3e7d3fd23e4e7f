"""The contest's rules are public, and every rule badge on the platform links to its text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

CIIC = Path(settings.BASE_DIR) / "ciic"
SPEC = CIIC / "contests" / "specs" / "ciic-2023.yaml"
# A rule cited in a template, in code (errors.add(..., "R-P8"), docstrings aside) or in a test.
CITED = re.compile(r"R-[A-Z]+[0-9]+")


def test_the_rules_page_shows_each_rule_in_the_visitors_language(client, contest):
    response = client.get(reverse("site:rules"))
    assert response.status_code == 200
    html = response.content.decode()
    rules = contest.spec["rules"]
    assert len(rules) == html.count('class="card rule-item"')
    p3 = contest.rule("R-P3")
    assert 'id="R-P3"' in html and p3["title"] in html and p3["text"] in html
    english = client.get(reverse("site:rules"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert p3["text_en"] in english and p3["text"] not in english


def test_a_rule_badge_links_to_its_rule_and_an_unknown_one_stays_plain(contest):
    template = Template('{% rule "R-P3" %}|{% rule code %}|{% rule "R-V2 · R-G1" %}|{% rule "R-Z9" %}|{% rule "" %}')
    with translation.override("en"):
        out = template.render(Context({"contest": contest, "code": "R-J7.5"}))
    first, part, pair, unknown, empty = out.split("|")
    assert first == f'<a class="rule" href="/rules/#R-P3" title="{contest.rule("R-P3")["title_en"]}">R-P3</a>'
    assert 'href="/rules/#R-J7"' in part and ">R-J7.5</a>" in part  # a part of R-J7 cites R-J7
    assert pair.count('<a class="rule"') == 2 and "R-G1</a>" in pair
    assert unknown == '<span class="rule">R-Z9</span>' and empty == ""
    # A fragment rendered without the page's context finds the contest itself.
    assert 'href="/rules/#R-P3"' in Template('{% rule "R-P3" %}').render(Context({}))


def test_every_rule_the_platform_cites_is_stated_in_the_spec(contest):
    """A badge that links nowhere is a broken promise: each rule ID used in the templates and
    the code (tests aside) is one the contest spec states."""
    stated = {rule["id"] for rule in yaml.safe_load(SPEC.read_text(encoding="utf-8"))["rules"]}
    cited: dict[str, str] = {}
    for path in CIIC.rglob("*"):
        if path.suffix not in (".html", ".py") or "tests" in path.parts or "migrations" in path.parts:
            continue
        for code in CITED.findall(path.read_text(encoding="utf-8")):
            cited.setdefault(code, str(path.relative_to(CIIC)))
    assert cited, "no rule citations found: the pattern is wrong"
    missing = {code: where for code, where in cited.items() if code not in stated}
    assert not missing, missing


def test_the_footer_links_to_the_rules(client, contest):
    assert f'href="{reverse("site:rules")}"' in client.get(reverse("site:home")).content.decode()
