"""Excel exports of the staff lists: exactly the rows the list shows, personal data masked.

Plain functions from a queryset to an openpyxl Workbook; the view sends it. ID numbers never
leave the platform in an export; phone numbers only masked (138****5678).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .models import Organization, Team

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0B4EA2")
WRAP = Alignment(wrap_text=True, vertical="top")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def beijing_time(value: dt.datetime | None) -> dt.datetime | None:
    """Beijing time without tzinfo: Excel cells cannot hold an aware datetime."""
    if value is None:
        return None
    return timezone.localtime(value, timezone.get_fixed_timezone(8 * 60)).replace(tzinfo=None)


def write_sheet(ws: Worksheet, title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence]) -> None:
    """Write a header row (frozen, styled) and the rows; `columns` are (header, width)."""
    ws.title = title
    ws.append([header for header, _width in columns])
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for index, (_header, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        ws.append(list(row))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                # openpyxl writes any text starting with "=" as a formula: a name such as
                # =HYPERLINK(...) would run in the reader's Excel. Keep it the text it is.
                cell.data_type = "s"
            if isinstance(cell.value, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = WRAP
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _group_cell(org: Organization) -> str:
    """The group, or 待核实 for a central SOE claim the secretariat has yet to verify (R-G2c)."""
    return org.group_label if org.group_id is not None or org.is_group_pending else ""


def teams_workbook(queryset: QuerySet[Team]) -> Workbook:
    """One sheet of teams and one of their representatives (name, masked mobile, email).

    The queryset should select_related organization/group/station/direction/lead and
    prefetch representatives: this function then runs no further queries."""
    teams = list(queryset)
    wb = Workbook()
    write_sheet(wb.active, _("参赛团队"), [
        (_("序号"), 6), (_("团队名称"), 24), (_("参赛单位"), 32), (_("统一社会信用代码"), 22),
        (_("组别"), 10), (_("赛站"), 12), (_("赛题方向"), 34), (_("省份"), 12),
        (_("团队负责人账号"), 24), (_("参赛代表人数（不含已拒绝、已撤销）"), 8), (_("参赛代表"), 24),
        (_("代表手机号（脱敏）"), 18), (_("代表电子邮箱"), 28), (_("报名时间"), 18),
    ], (
        [
            i, t.name, t.organization.name, t.organization.credit_code,
            _group_cell(t.organization),
            t.station.display_name, t.direction.display_name, t.organization.province,
            t.lead.login_label, len(reps := [r for r in t.representatives.all() if r.is_active]),
            "\n".join(r.name for r in reps), "\n".join(r.masked_mobile for r in reps),
            "\n".join(r.email for r in reps), beijing_time(t.created_at),
        ]
        for i, t in enumerate(teams, start=1)
    ))
    # Every row, with its confirmation: declined and revoked ones stay on record.
    write_sheet(wb.create_sheet(), _("参赛代表"), [
        (_("团队名称"), 24), (_("参赛单位"), 32), (_("姓名"), 12), (_("手机号（脱敏）"), 16),
        (_("电子邮箱"), 28), (_("本人确认"), 12), (_("确认时间"), 18),
    ], (
        [t.name, t.organization.name, r.name, r.masked_mobile, r.email, str(r.get_status_display()),
         beijing_time(r.confirmed_at) if r.confirmed_at else ""]
        for t in teams for r in t.representatives.all()
    ))
    return wb


def organizations_workbook(queryset: QuerySet[Organization]) -> Workbook:
    """One sheet of organizations with their group and its reason (R-G2).

    `team_count` is read from an annotation when the queryset has one."""
    wb = Workbook()
    write_sheet(wb.active, _("参赛单位"), [
        (_("序号"), 6), (_("单位名称"), 32), (_("统一社会信用代码"), 22), (_("单位类型"), 22),
        (_("从业人数"), 10), (_("年营业收入（万元）"), 14), (_("组别"), 10), (_("组别依据"), 48),
        (_("省份"), 12), (_("上级单位"), 28), (_("参赛团队数"), 10), (_("注册时间"), 18),
    ], (
        [
            i, o.name, o.credit_code, o.get_kind_display(), o.headcount,
            float(o.annual_revenue) if o.annual_revenue is not None else None,
            _group_cell(o), o.group_reason, o.province,
            o.parent.name if o.parent else "",
            getattr(o, "team_count", None), beijing_time(o.created_at),
        ]
        for i, o in enumerate(queryset, start=1)
    ))
    return wb
