"""The secretariat's case list as Excel: what the list says of each case, in Beijing time, with
overdue marked, and nothing of who complained."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ciic.publicity import selectors
from ciic.publicity.enums import CaseState
from ciic.publicity.exports import cases_workbook
from ciic.publicity.models import Case

from .conftest import ID_NUMBER, MOBILE
from .test_archive import file_case, notice, rule_and_close, verify_case  # noqa: F401 - `notice` is a fixture

pytestmark = pytest.mark.django_db

HEADERS = ["编号", "范围", "被举报项目", "参赛单位", "举报事由", "所涉规则", "状态", "收到时间（北京时间）",
           "本环节期限（北京时间）", "是否超期", "核查人员", "裁定结果", "结案时间（北京时间）"]


def rows_of(wb) -> list[list]:
    buffer = io.BytesIO()
    wb.save(buffer)  # read back what the secretariat downloads
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


@pytest.fixture
def three(notice, proved, contest, secretariat):  # noqa: F811
    """A case received and overdue, one under verification, one ruled and closed."""
    received = file_case(notice, proved.user, contest, entry=0)
    Case.objects.filter(pk=received.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    verifying = verify_case(file_case(notice, proved.user, contest, entry=1), secretariat)
    closed = rule_and_close(verify_case(file_case(notice, proved.user, contest, entry=2), secretariat), secretariat)
    return received, verifying, closed


def test_one_row_per_case_with_the_lists_columns(three, notice, secretariat):  # noqa: F811
    received, verifying, closed = three
    rows = rows_of(cases_workbook(selectors.cases_for_staff(notice.contest)))
    assert rows[0] == HEADERS and len(rows) == 4
    by_number = {row[0]: row for row in rows[1:]}

    row = by_number[received.number]
    assert row[1:7] == ["获奖公示项目", received.project.name, received.project.team.organization.name,
                        "提供虚假信息或材料", "R-P6", "已收到"]
    beijing = timezone.localtime(received.received_at, timezone.get_fixed_timezone(480))
    assert abs(row[7] - beijing.replace(tzinfo=None)) < dt.timedelta(seconds=1)  # Beijing, not UTC
    assert row[9] == "是" and row[10] is None and row[11] is None and row[12] is None

    assert by_number[verifying.number][6] == "核查中" and by_number[verifying.number][9] == "否"
    assert by_number[verifying.number][10] == secretariat.full_name
    done = by_number[closed.number]
    assert done[6] == "已结案" and done[11] == "举报不属实" and done[9] == "否" and done[12] is not None


def test_the_export_names_no_complainant(three, notice, proved):  # noqa: F811
    cells = [str(v) for row in rows_of(cases_workbook(Case.objects.all())) for v in row if v is not None]
    text = "\n".join(cells)
    identity = proved.identity
    for secret in (ID_NUMBER, MOBILE, identity.masked_id_number, identity.masked_mobile, identity.name,
                   proved.user.full_name, proved.user.email):
        assert secret not in text, secret
    # Nor the facts, which may name them.
    assert "申报书中的销售数据" not in text


def test_the_export_runs_the_same_queries_for_one_case_or_many(notice, proved, contest, django_assert_num_queries):  # noqa: F811
    file_case(notice, proved.user, contest)
    with django_assert_num_queries(1):
        cases_workbook(selectors.cases_for_staff(contest))
    for entry in (1, 2):
        file_case(notice, proved.user, contest, entry=entry)
    with django_assert_num_queries(1):
        rows = rows_of(cases_workbook(selectors.cases_for_staff(contest)))
    assert len(rows) == 4 and {r[6] for r in rows[1:]} == {str(CaseState.RECEIVED.label)}
