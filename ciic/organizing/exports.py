"""Files for download: every receipt in 附件2's layout (R-O1), a participant's agenda as an
iCalendar file, and the staff's table plan as Excel (R-S1)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from ciic.contests.models import Contest

from .enums import RequestStatus
from .models import ContactReceipt, Meeting, MeetingRequest
from .receipts import ReceiptRow, receipt_workbook


def receipts_workbook(contest: Contest) -> Workbook:
    """序号, 单位名称, 联系人, 职务, 联系方式: one row per returned receipt, by unit."""
    rows = [ReceiptRow(r.unit.name, r.contact_name, r.title, r.contact_info)
            for r in ContactReceipt.objects.filter(unit__contest=contest).select_related("unit").order_by("unit_id")]
    return receipt_workbook(rows)


def _ics_text(value: str) -> str:
    text = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "")


def _fold(line: str) -> list[str]:
    """RFC 5545 folds lines at 75 octets, never inside a UTF-8 character."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def agenda_ics(meeting: Meeting, rows: list[MeetingRequest], *, host: str) -> str:
    """One VEVENT per scheduled meeting of the reader (times in UTC, the table in LOCATION)."""
    now = dt.datetime.now(dt.UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CIIC Platform//Matchmaking//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    for r in rows:
        place = f"{meeting.venue or meeting.link} · 第 {r.table} 桌"
        lines += ["BEGIN:VEVENT", f"UID:{r.uid}@{host.split(':')[0] or 'ciic'}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(meeting.slot_start(r.slot))}", f"DTEND:{_stamp(meeting.slot_end(r.slot))}",
                  f"SUMMARY:{_ics_text(meeting.title + ' · ' + getattr(r, 'other', ''))}",
                  f"LOCATION:{_ics_text(place)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"


def table_plan_workbook(meeting: Meeting) -> Workbook:
    """The staff's plan: one row per scheduled meeting, by slot and table (Beijing time)."""
    zone = ZoneInfo(meeting.contest.time_zone)
    book = Workbook()
    sheet = book.active
    sheet.title = "桌位安排"
    sheet.append([meeting.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["时段", "开始", "结束", "桌号", "对接方", "类型", "参赛团队", "锁定"])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in (MeetingRequest.objects.filter(meeting=meeting, status=RequestStatus.ACCEPTED, slot__isnull=False)
              .select_related("participant", "profile__team").order_by("slot", "table")):
        sheet.append([r.slot + 1, meeting.slot_start(r.slot).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                      meeting.slot_end(r.slot).astimezone(zone).strftime("%H:%M"), r.table,
                      r.participant.organization, r.participant.get_kind_display(), r.profile.team.name,
                      "是" if r.locked else ""])
    for column, width in zip("ABCDEFGH", (6, 18, 8, 6, 30, 10, 30, 6), strict=True):
        sheet.column_dimensions[column].width = width
    return book
