"""Excel exports of the expert pool: exactly the rows the filtered list shows.

Experts' emails are work addresses and are exported for staff (they invite and contact them);
there are no ID numbers in the pool.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ciic.entrants.exports import beijing_time, write_sheet

from ..models import Expert


def experts_workbook(queryset: QuerySet[Expert]) -> Workbook:
    """One sheet of experts, in the import template's column order first (so an export can be
    edited and imported again), then station, status, account and creation time.

    The queryset should select_related station/user and prefetch directions."""
    wb = Workbook()
    write_sheet(wb.active, _("评审专家"), [
        (_("姓名"), 12), (_("邮箱"), 28), (_("工作单位"), 32), (_("统一社会信用代码"), 22), (_("单位类型"), 12),
        (_("擅长方向"), 30), (_("关键词"), 30), (_("简介"), 48), (_("所属赛站"), 12), (_("状态"), 8),
        (_("已开通账号"), 10), (_("加入时间"), 18),
    ], (
        [
            e.name, e.email, e.employer, e.employer_credit_code, e.get_kind_display(),
            "、".join(f"{d.number}.{d.display_name}" for d in sorted(e.directions.all(), key=lambda d: d.number)),
            e.keywords, e.profile, e.station.display_name if e.station else "",
            _("可参与评审") if e.active else _("已停用"), _("是") if e.user_id else _("否"),
            beijing_time(e.created_at),
        ]
        for e in queryset
    ))
    return wb
