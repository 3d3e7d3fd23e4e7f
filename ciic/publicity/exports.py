"""Excel export of the secretariat's case list: exactly what the list says of each case (R-X2).

No complainant identity in any column: the list is seen by staff who are not the case's
handlers (rules.py), and a spreadsheet travels further than a page. Nor the facts, the
findings or the evidence: those are the handlers' (the case archive holds them).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ciic.entrants.exports import beijing_time, write_sheet

from .config import publicity_config
from .enums import CaseScope, CaseState, Outcome
from .models import Case


def _ground(config, code: str) -> str:
    ground = config.ground(code) if config else None
    return ground.display_name if ground else code


def cases_workbook(qs: Iterable[Case], *, now=None) -> Workbook:
    """One row per case, in the queryset's order: number, scope, project, organization,
    ground, rule, state, received (Beijing time), the current step's due time, overdue, the
    officer, outcome, closed. Select the project's team and organization and the officer
    (`selectors.cases_for_staff` does the first and the last) to keep it to a few queries."""
    now = now or timezone.now()
    cases = list(qs.select_related("contest", "project__team__organization", "officer")
                 if hasattr(qs, "select_related") else qs)
    configs: dict[int, object] = {}
    for case in cases:
        if case.contest_id not in configs:
            configs[case.contest_id] = publicity_config(case.contest)
    wb = Workbook()
    write_sheet(wb.active, _("举报案件"), [
        (_("编号"), 14), (_("范围"), 14), (_("被举报项目"), 34), (_("参赛单位"), 30), (_("举报事由"), 26),
        (_("所涉规则"), 10), (_("状态"), 10), (_("收到时间（北京时间）"), 18), (_("本环节期限（北京时间）"), 18),
        (_("是否超期"), 10), (_("核查人员"), 12), (_("裁定结果"), 14), (_("结案时间（北京时间）"), 18),
    ], ([
        c.number, str(CaseScope(c.scope).label), c.project.name, c.project.team.organization.name,
        _ground(configs[c.contest_id], c.ground), c.rule, str(CaseState(c.state).label), beijing_time(c.received_at),
        beijing_time(c.due_at),
        _("是") if c.due_at is not None and c.due_at < now and c.state != CaseState.CLOSED else _("否"),
        # The officer by name only: `str(user)` could fall back to an e-mail or mobile.
        (c.officer.full_name or f"#{c.officer.pk}") if c.officer else "",
        str(Outcome(c.outcome).label) if c.outcome else "", beijing_time(c.closed_at),
    ] for c in cases))
    return wb
