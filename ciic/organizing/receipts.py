"""附件2 赛事组织联系人回执表 as an Excel form (R-O1): the form the platform offers (blank, or
filled with one unit's row), reading it back, and the secretariat's export of every receipt in
the same layout: a title row, then 序号, 单位名称, 联系人, 职务, 联系方式."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

TITLE = "赛事组织联系人回执表"
ANNEX = "附件2"
HEADERS = ("序号", "单位名称", "联系人", "职务", "联系方式")
MAX_BYTES = 2 * 1024 * 1024
MAX_INFLATED = 20 * 1024 * 1024
MAX_ROWS = 2000


@dataclass(frozen=True)
class ReceiptRow:
    unit_name: str
    contact_name: str
    title: str
    contact_info: str


def receipt_workbook(rows: list[ReceiptRow]) -> Workbook:
    """The form in the notice's layout, with `rows` filled in (numbered from 1)."""
    book = Workbook()
    sheet = book.active
    sheet.title = TITLE
    sheet["A1"] = ANNEX
    sheet["A2"] = TITLE
    sheet.merge_cells("A2:E2")
    sheet["A2"].font = Font(bold=True, size=16)
    sheet["A2"].alignment = Alignment(horizontal="center")
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for i, row in enumerate(rows, start=1):
        sheet.append([i, row.unit_name, row.contact_name, row.title, row.contact_info])
    for column, width in zip("ABCDE", (8, 40, 16, 20, 30), strict=True):
        sheet.column_dimensions[column].width = width
    return book


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code="R-O1")})


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_receipt_form(stream: BinaryIO) -> list[ReceiptRow]:
    """The rows of an uploaded form. Refused (field `file`, R-O1) unless it is an .xlsx whose
    header row is the notice's (序号, 单位名称, 联系人, 职务, 联系方式) under the title; the file
    is read within size limits (also inflated) before openpyxl parses it."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(_("回执表文件过大"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_INFLATED:
                raise _refuse(_("回执表文件过大"))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationError:
        raise
    except Exception as exc:  # not a zip, not a workbook, a damaged one
        raise _refuse(_("请上传平台提供的 Excel 回执表（.xlsx）")) from exc
    sheet = book.worksheets[0]
    rows: list[ReceiptRow] = []
    header_seen = title_seen = False
    for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if n > MAX_ROWS:
            raise _refuse(_("回执表行数过多"))
        cells = [_text(v) for v in (list(values) + [None] * 5)[:5]]
        if not header_seen:
            if TITLE in cells:
                title_seen = True
            if tuple(cells) == HEADERS:
                header_seen = True
            continue
        if not any(cells[1:]):
            continue
        rows.append(ReceiptRow(*cells[1:5]))
    book.close()
    if not (header_seen and title_seen):
        raise _refuse(_("回执表格式不符：须含标题“%(title)s”和表头 %(headers)s") % {
            "title": TITLE, "headers": "、".join(HEADERS)})
    return rows
