"""Importing the expert pool from Excel (R-V5).

Staff download the template (`template_workbook`), fill one expert per row and upload it.
Every row is checked with the same rules as adding an expert by hand (`experts.clean_expert`);
if any row has an error nothing is written and every error is reported with its row number,
column and rule. Otherwise all rows are written in one transaction.

A row whose email is already in the contest's pool **updates that expert** (so an export,
edited, can be imported again); a row without an email, or with a new one, adds an expert.
A station officer imports into their own station and cannot update another station's experts.
The station of an existing expert is kept.

Headers and kinds are matched in every language of the site (a file filled in the Chinese
interface imports in the English one); cells are read NFKC-normalized where that cannot change
meaning (emails, credit codes, direction numbers). A file over MAX_BYTES or with more than
MAX_ROWS rows is refused without being read whole.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from stdnum.cn import uscc

from ciic.audit.services import record
from ciic.contests.models import Contest
from ciic.entrants.exports import write_sheet

from ..conflicts import normalize_name
from ..enums import ExpertKind
from ..models import Expert
from .services import ExpertInput, can_manage, clean_expert, save_clean_expert

# (header, ExpertInput field, column width). Headers are what staff see and what is matched.
COLUMNS = [
    (gettext_lazy("姓名"), "name", 12),
    (gettext_lazy("邮箱"), "email", 28),
    (gettext_lazy("工作单位"), "employer", 32),
    (gettext_lazy("统一社会信用代码"), "employer_credit_code", 22),
    (gettext_lazy("单位类型"), "kind", 12),
    (gettext_lazy("擅长方向"), "directions", 30),
    (gettext_lazy("关键词"), "keywords", 30),
    (gettext_lazy("简介"), "profile", 48),
]
REQUIRED_HEADERS = {"name", "employer", "kind"}
MAX_ROWS = 2000
MAX_COLUMNS = 50  # a sheet whose declared width is huge is read only this far
MAX_BYTES = 5 * 1024 * 1024  # 2,000 rows of text fit in well under 1 MB
_SPLIT = re.compile(r"[、,，;；\n]+")
_NUMBERED = re.compile(r"^(\d+)(?:\s*[.．、]\s*(.*))?$")


@dataclass
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1); 0 for the whole file
    column: str
    rule: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def template_workbook(contest: Contest) -> Workbook:
    """The import template: the header row, and a second sheet explaining the kinds and the
    directions (numbers or names, separated by 、 or ,)."""
    wb = Workbook()
    write_sheet(wb.active, _("评审专家"), [(str(h), w) for h, _f, w in COLUMNS], [])
    notes = [[_("列"), _("说明")],
             [_("姓名"), _("必填")],
             [_("邮箱"), _("选填；用于开通账号。已在专家库中的邮箱：该行更新这位专家")],
             [_("工作单位"), _("必填；用于利益冲突回避（R-P8）")],
             [_("统一社会信用代码"), _("选填；填写后按代码识别单位")],
             [_("单位类型"), _("必填，填以下之一：") + "、".join(str(label) for label in ExpertKind.labels)],
             [_("擅长方向"), _("填方向序号或名称，多个用、或 , 分隔")]]
    notes += [[f"{d.number}", d.name] for d in contest.directions.order_by("number")]
    write_sheet(wb.create_sheet(), _("填写说明"), [(str(notes[0][0]), 18), (str(notes[0][1]), 80)], notes[1:])
    return wb


def _in_every_language(label) -> set[str]:
    """A lazily translated label in each of the site's languages, normalized (NFKC, no
    whitespace, case folded): a file filled in the Chinese interface imports in the English
    one and the other way round."""
    found = {normalize_name(str(label))}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(normalize_name(str(label)))
    return found


def _header_fields() -> dict[str, str]:
    """Normalized header text -> ExpertInput field: every language's header and the field name."""
    return {text: f for h, f, _w in COLUMNS for text in _in_every_language(h) | {f}}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _kind(value: str) -> str:
    """The kind's code from its code or its label in any of the site's languages."""
    by_label = {text: code for code, label in ExpertKind.choices for text in _in_every_language(label) | {code}}
    return by_label.get(normalize_name(value), value or "")


def _directions(contest: Contest, value: str) -> tuple[list[int], list[str]]:
    """Direction ids from numbers ("3"), "3.名称" (the name must be that direction's, as an
    export writes it) or names; and the tokens that match none."""
    directions = list(contest.directions.all())
    by_number = {d.number: d.pk for d in directions}
    by_name = {normalize_name(n): d.pk for d in directions for n in (d.name, d.name_en, d.code) if n}
    ids, unknown = [], []
    for token in (t.strip() for t in _SPLIT.split(unicodedata.normalize("NFKC", value or "")) if t.strip()):
        numbered = _NUMBERED.match(token)
        if numbered:
            pk = by_number.get(int(numbered.group(1)))
            if numbered.group(2) and by_name.get(normalize_name(numbered.group(2))) != pk:
                pk = None  # "3.智能制造" where 3 is another direction, or "3.5": which one was meant?
        else:
            pk = by_name.get(normalize_name(token))
        if pk is None:
            unknown.append(token)
        elif pk not in ids:
            ids.append(pk)
    return ids, unknown


def _size(stream: BinaryIO) -> int:
    size = getattr(stream, "size", None)
    if size is None:
        position = stream.tell()
        size = stream.seek(0, 2)
        stream.seek(position)
    return size


def _blank(values) -> bool:
    return not any(_text(v) for v in values)


def _read(stream: BinaryIO) -> tuple[list, list[tuple[int, list]], bool] | None:
    """The header row, the non-blank rows after it (numbered as in the sheet) and whether there
    were more than MAX_ROWS of them. Reading stops there: a huge sheet is never loaded whole."""
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        header, body, too_many = None, [], False
        for number, values in enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if header is None:
                header = list(values)
            elif not _blank(values):
                if len(body) == MAX_ROWS:
                    too_many = True
                    break
                body.append((number, list(values)))
        wb.close()
    except Exception:  # not an xlsx file, or a damaged one
        return None
    return header or [], body, too_many


def import_experts(*, contest: Contest, actor, stream: BinaryIO) -> ImportResult:
    """Check every row, then import all of them or none (see the module docstring). Each
    expert written is audited as by hand, plus one `expert.import` entry with the counts."""
    if not actor.has_perm("review.manage_experts"):
        raise PermissionDenied
    result = ImportResult()
    if _size(stream) > MAX_BYTES:
        result.errors.append(RowError(0, "", "R-V5", _("文件过大：导入文件不能超过 %(mb)s MB") % {
            "mb": MAX_BYTES // (1024 * 1024)}))
        return result
    read = _read(stream)
    if read is None:
        result.errors.append(RowError(0, "", "R-V5", _("无法读取文件：请上传由模板填写的 .xlsx 文件")))
        return result
    header, body, too_many = read
    column_of = {f: str(h) for h, f, _w in COLUMNS}
    wanted = _header_fields()
    positions: dict[str, int] = {}
    for i, text in enumerate(_text(v) for v in header):
        f = wanted.get(normalize_name(text))
        if f is None:
            continue
        if f in positions:
            result.errors.append(RowError(1, column_of[f], "R-V5", _("该列出现了不止一次")))
        positions[f] = i
    missing = [str(h) for h, f, _w in COLUMNS if f in REQUIRED_HEADERS and f not in positions]
    if missing:
        result.errors.append(RowError(1, "、".join(missing), "R-V5", _("缺少必需的列：请使用导入模板")))
    if result.errors:
        return result
    if not body:
        result.errors.append(RowError(0, "", "R-V5", _("文件中没有专家数据")))
        return result
    if too_many:
        result.errors.append(RowError(0, "", "R-V5", _("一次最多导入 %(limit)s 行") % {"limit": MAX_ROWS}))
        return result

    existing = {e.email.lower(): e for e in Expert.objects.filter(contest=contest).exclude(email="")}
    first_row_of: dict[str, int] = {}  # email -> the first row that has it
    planned = []
    for number, values in body:
        raw = {f: values[i] if i < len(values) else None for f, i in positions.items()}
        cell = {f: _text(v) for f, v in raw.items()}
        direction_ids, unknown = _directions(contest, cell.get("directions", ""))
        email = unicodedata.normalize("NFKC", cell.get("email", "")).strip().lower()
        current = existing.get(email) if email else None
        row_errors: list[RowError] = []
        if unknown:
            row_errors.append(RowError(number, column_of["directions"], "R-V5",
                                       _("无法识别的方向：%(items)s") % {"items": "、".join(unknown)}))
        if isinstance(raw.get("employer_credit_code"), int | float) and not uscc.is_valid(
                cell["employer_credit_code"]):
            # Excel keeps 15 significant digits: an 18-digit code typed as a number has lost its last ones.
            row_errors.append(RowError(number, column_of["employer_credit_code"], "R-P8",
                                       _("统一社会信用代码被 Excel 存成了数字，末几位可能已丢失：请把该列设为文本格式后重新填写")))
            cell["employer_credit_code"] = ""
        duplicate_of = first_row_of.get(email) if email else None
        if duplicate_of is not None:
            row_errors.append(RowError(number, column_of["email"], "R-V5",
                                       _("与第 %(row)s 行的邮箱重复") % {"row": duplicate_of}))
        elif email:
            first_row_of[email] = number
        if current is not None and not can_manage(actor, current):
            row_errors.append(RowError(number, column_of["email"], "R-V5",
                                       _("该邮箱属于其他赛站的专家，不能更新")))
        data = ExpertInput(name=cell.get("name", ""), employer=cell.get("employer", ""),
                           kind=_kind(cell.get("kind", "")), email=email,
                           employer_credit_code=cell.get("employer_credit_code", ""), directions=direction_ids,
                           keywords=cell.get("keywords", ""), profile=cell.get("profile", ""),
                           station_id=current.station_id if current is not None else None)
        clean, errors = clean_expert(contest=contest, actor=actor, data=data, existing=current)
        for fld, errs in errors.by_field.items():
            if (fld == "directions" and unknown) or (fld == "email" and duplicate_of is not None):
                continue  # already said which tokens, or which row
            for err in errs:
                row_errors.append(RowError(number, column_of.get(fld, fld), err.code, err.messages[0]))
        result.errors.extend(row_errors)
        if not row_errors:
            planned.append((clean, current))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for clean, current in planned:
                save_clean_expert(contest=contest, actor=actor, clean=clean, existing=current)
                if current is None:
                    result.created += 1
                else:
                    result.updated += 1
            record(actor=actor, action="expert.import", object_type="review.expert", object_id="",
                   after={"created": result.created, "updated": result.updated})
    except IntegrityError:  # someone added the same email meanwhile
        result = ImportResult(errors=[RowError(0, column_of["email"], "R-V5",
                                               _("导入期间专家库已变化（邮箱重复），请重新导入"))])
    return result
