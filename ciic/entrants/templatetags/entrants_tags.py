"""Template filters of the entrants app."""

from __future__ import annotations

from django import template

from ciic.entrants.eligibility import explain_group

register = template.Library()


@register.filter
def group_reason(organization) -> str:
    """Why the organization is in its group, in the active language (R-G2, R-G3); the stored
    reason is the Chinese record (`eligibility.explain_group`)."""
    return explain_group(organization)
