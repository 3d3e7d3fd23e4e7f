"""A NUL character in any field of any page is refused before the view: a 400 page naming
the field, nothing written (PostgreSQL cannot store one; searching for one was a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/teams/?q=%00", "/organizations/?q=%00", "/projects/?q=%00",
                                  "/teams/?station=%00", "/teams/export.xlsx?q=%00", "/review/experts/?q=%00",
                                  "/teams/?%00=1"])
def test_a_nul_in_a_search_or_filter_is_a_clear_400(verified, secretariat, path):
    response = verified(secretariat).get(path)
    assert response.status_code == 400
    html = response.content.decode()
    assert "空字符" in html and 'role="alert"' in html and "Traceback" not in html


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(verified, secretariat, contest):
    from ciic.contests.models import ScheduleItem

    before = list(ScheduleItem.objects.values_list("key", "ends_at"))
    response = verified(secretariat).post(reverse("site:edition_policies"), {
        "kind": "pledge", "version": "9\x00", "title": "x", "text": "y", "confirm": "on"})
    assert response.status_code == 400 and "“version”含有空字符" in response.content.decode()
    assert list(ScheduleItem.objects.values_list("key", "ends_at")) == before


def test_text_without_nul_passes_the_guard(client, contest):
    assert client.get("/?q=%E4%B8%AD%E6%96%87").status_code == 200
