"""Excel exports of the awards: the prize ledger."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook

from ciic.entrants.exports import beijing_time, write_sheet

from .models import Prize


def ledger_workbook(contest) -> Workbook:
    """One row per prize: award, rank, project, team, payee, amount (万元, pre-tax), status, and
    what is owed back after a revocation (R-X3)."""
    wb = Workbook()
    rows = Prize.objects.filter(contest=contest).select_related("award__project__team", "payee").order_by(
        "award__rank", "id")
    write_sheet(wb.active, _("奖金台账"), [
        (_("奖项"), 12), (_("总决赛名次"), 10), (_("项目"), 30), (_("团队"), 22), (_("收款单位"), 32),
        (_("统一社会信用代码"), 22), (_("金额（万元，税前）"), 14), (_("状态"), 10), (_("更新时间"), 18),
        (_("追回金额（万元）"), 14), (_("追回期限"), 12), (_("追回日期"), 12),
    ], ([p.award.name, p.award.rank, p.award.project.name, p.award.project.team.name, p.payee.name,
         p.payee.credit_code, float(p.amount), str(p.get_status_display()), beijing_time(p.updated_at),
         float(p.reclaim_amount) if p.reclaim_amount is not None else "",
         p.reclaim_due_on.isoformat() if p.reclaim_due_on else "", p.reclaimed_on.isoformat() if p.reclaimed_on else ""]
        for p in rows))
    return wb
