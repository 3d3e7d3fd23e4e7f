"""Helpers for the contest tests: fresh copies of the 2023 spec, and admin form data."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models
from django.forms import BaseForm
from django.test.client import Client

from ciic.contests.services import SPEC_MODELS, read_spec_file

SPEC_PATH = Path(__file__).resolve().parent.parent / "specs" / "ciic-2023.yaml"


@cache
def _spec() -> dict[str, Any]:
    return read_spec_file(SPEC_PATH)


def spec_2023() -> dict[str, Any]:
    """A copy of the real 2023 spec that a test may change freely."""
    return copy.deepcopy(_spec())


def row_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in SPEC_MODELS:
        manager: models.Manager = model._default_manager
        counts[model._meta.label] = manager.count()
    return counts


def _form_values(form: BaseForm) -> dict[str, Any]:
    """What the browser would post back for an untouched form (no date/time fields here)."""
    out: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        out[bound.html_name] = "on" if value is True else value
    return out


def admin_form_data(client: Client, url: str) -> dict[str, Any]:
    """GET an admin change page and return its form data, inlines included, as it stands."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.forms:
            data.update(_form_values(form))
    return data
