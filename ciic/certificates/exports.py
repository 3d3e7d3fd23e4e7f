"""The certificate register as an Excel sheet: exactly the rows the list page shows."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook

from ciic.entrants.exports import beijing_time, write_sheet

from .models import Certificate
from .services import verification_url


def register_workbook(certificates: Iterable[Certificate]) -> Workbook:
    workbook = Workbook()
    columns = [(_("证书编号"), 24), (_("状态"), 10), (_("范围"), 14), (_("赛站"), 12), (_("奖项"), 20),
               (_("英文奖项"), 28), (_("项目"), 36), (_("获奖单位"), 32), (_("颁发时间"), 18),
               (_("撤销时间"), 18), (_("撤销类别"), 16), (_("撤销理由"), 40), (_("验证链接"), 60)]
    rows = ((c.number, _("已撤销") if c.is_revoked else _("有效"), c.get_scope_display(), c.station_name,
             c.award_name, c.award_name_en, c.project_name, c.recipient, beijing_time(c.issued_at),
             beijing_time(c.revoked_at), c.get_revoke_category_display() if c.revoke_category else "",
             c.revoke_reason, verification_url(c)) for c in certificates)
    write_sheet(workbook.active, _("证书登记册"), columns, rows)
    return workbook
