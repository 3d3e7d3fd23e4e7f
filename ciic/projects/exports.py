"""Excel export of the staff's project list: exactly the filtered rows, versions per stage."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ciic.contests.models import Stage
from ciic.entrants.exports import beijing_time, write_sheet

from .models import Project


def projects_workbook(queryset: QuerySet[Project], stages: list[Stage]) -> Workbook:
    """`queryset` from `projects_with_stage_counts`; one column of version counts per stage."""
    wb = Workbook()
    columns = [(_("项目名称"), 36), (_("参赛团队"), 22), (_("参赛单位"), 30), (_("组别"), 10), (_("赛站"), 12),
               (_("赛题方向"), 28), (_("状态"), 10)]
    columns += [(_("%(stage)s版本数") % {"stage": s.display_name}, 14) for s in stages]
    columns += [(_("最近提交时间"), 18), (_("疑似往届获奖项目"), 30)]
    write_sheet(wb.active, _("参赛项目"), columns, (
        [p.name, p.team.name, p.team.organization.name,
         p.team.organization.group.display_name if p.team.organization.group else "",
         p.team.station.display_name, p.team.direction.display_name, p.get_status_display()]
        + [getattr(p, f"versions_{s.code}") for s in stages]
        + [beijing_time(p.last_submitted_at), p.past_winner_match]
        for p in queryset))
    return wb
