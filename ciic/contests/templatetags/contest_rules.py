"""`{% rule "R-P3" %}`: a rule badge that links to the rule on the public rules page.

A citation may name several rules ("R-V2 · R-G1") or a part of one ("R-J7.5", "R-G2c"); each
rule the contest's spec states becomes a link titled with the rule's name in the active
language, and anything else stays a plain badge."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

from ..models import RULE_ID, Contest
from ..selectors import current_contest

register = template.Library()


def _title(rule: dict) -> str:
    return rule["title_en"] if (get_language() or "").startswith("en") else rule["title"]


@register.simple_tag(takes_context=True)
def rule(context, citation) -> str:
    citation = str(citation or "").strip()
    if not citation:
        return ""
    contest = context.get("contest")
    if not isinstance(contest, Contest):
        # A fragment rendered without the request's context: look the contest up once per render.
        if "ciic_rule_contest" not in context.render_context:
            context.render_context["ciic_rule_contest"] = current_contest()
        contest = context.render_context["ciic_rule_contest"]
    codes = RULE_ID.findall(citation)
    if contest is None or not codes:
        return format_html('<span class="rule">{}</span>', citation)
    page = reverse("site:rules")
    parts = []
    for piece in citation.replace("·", " ").replace(",", " ").split():
        found = contest.rule(piece)
        if found is None:
            parts.append(format_html('<span class="rule">{}</span>', piece))
        else:
            parts.append(format_html('<a class="rule" href="{}#{}" title="{}">{}</a>',
                                     page, found["id"], _title(found), piece))
    return format_html_join(" ", "{}", ((p,) for p in parts))
