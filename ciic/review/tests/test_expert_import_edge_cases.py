"""The expert pool's Excel import and export on awkward files (R-V5, R-P8): headers and kinds in
either language, full-width characters and stray whitespace, blank rows, numbers Excel stored as
floats, duplicate emails, direction names that contradict their number, oversized files, and
text that Excel would run as a formula. All or nothing throughout."""

from __future__ import annotations

import datetime as dt
import io
import logging
import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from ciic.audit.models import AuditEntry
from ciic.demo.identifiers import make_credit_code
from ciic.review.enums import ExpertKind
from ciic.review.experts import imports
from ciic.review.experts.imports import import_experts
from ciic.review.experts.services import ExpertInput, add_expert, invite_expert
from ciic.review.models import Expert

from .test_conflicts import make_expert

pytestmark = pytest.mark.django_db

ZH = ["姓名", "邮箱", "工作单位", "统一社会信用代码", "单位类型", "擅长方向", "关键词", "简介"]
EN = ["Full name", "Email", "Employer", "Unified social credit code", "Organization type",
      "Areas of expertise", "Keywords", "Bio"]


def _xlsx(rows: list[list], header: list[str] = ZH) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "experts.xlsx"
    return buffer


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.fixture
def other_direction(contest, direction):
    return contest.directions.exclude(pk=direction.pk).order_by("number").first()


def _errors(result) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.rule) for e in result.errors}


# --- headers and kinds in either language ---------------------------------------------------


def test_english_headers_and_kind_labels_import_in_the_chinese_interface(contest, secretariat, direction):
    upload = _xlsx([["Li Lei", "li@example.com", "CAICT", "", "Investment institution", direction.code, "", ""]],
                   header=EN)
    result = import_experts(contest=contest, actor=secretariat, stream=upload)
    assert result.errors == [] and result.created == 1
    expert = Expert.objects.get()
    assert expert.kind == ExpertKind.INVESTMENT and list(expert.directions.all()) == [direction]


def test_a_file_filled_in_chinese_imports_in_the_english_interface(contest, secretariat, direction):
    upload = _xlsx([["甲", "a@example.com", "单位甲", "", "行业组织", str(direction.number), "", ""]])
    with translation.override("en"):
        result = import_experts(contest=contest, actor=secretariat, stream=upload)
    assert result.errors == [] and Expert.objects.get().kind == ExpertKind.INDUSTRY_BODY


def test_a_repeated_column_is_refused_before_any_row(contest, secretariat):
    upload = _xlsx([["甲", "a@example.com", "单位甲", "", "企业", "", "", "", "b@example.com"]], header=[*ZH, "邮箱"])
    result = import_experts(contest=contest, actor=secretariat, stream=upload)
    assert _errors(result) == {(1, "邮箱", "R-V5")}
    assert not Expert.objects.exists()


# --- cell contents -------------------------------------------------------------------------


def test_blank_rows_whitespace_and_full_width_characters_are_tolerated(contest, secretariat, direction):
    """Rows keep their sheet numbers across blank rows; a full-width email and credit code
    (typed with a Chinese input method) are the same as half-width ones (R-P8)."""
    code = make_credit_code(41)
    upload = _xlsx([
        ["  甲  ", _full_width("A@Example.com"), " 单位甲 ", _full_width(code), " 科研院所 ",
         _full_width(str(direction.number)), "", ""],
        [None, "", "   ", None, None, None, None, None],
        ["乙", "b@example.com", "单位乙", "", "企业", float(direction.number), "", ""],  # a number stored as 3.0
        [],
        ["丙", "", "", "", "企业", "", "", ""],
    ])
    result = import_experts(contest=contest, actor=secretariat, stream=upload)
    assert _errors(result) == {(6, "工作单位", "R-P8")}  # row 6 of the sheet, blank rows counted
    assert not Expert.objects.exists()

    upload = _xlsx([
        ["  甲  ", _full_width("A@Example.com"), " 单位甲 ", _full_width(code), " 科研院所 ",
         _full_width(str(direction.number)), "", ""],
        [None, "", "   ", None, None, None, None, None],
        ["乙", "b@example.com", "单位乙", "", "企业", float(direction.number), dt.datetime(2023, 5, 1), ""],
    ])
    result = import_experts(contest=contest, actor=secretariat, stream=upload)
    assert result.errors == [] and result.created == 2
    a = Expert.objects.get(name="甲")
    assert (a.email, a.employer, a.employer_credit_code, a.kind) == (
        "a@example.com", "单位甲", code, ExpertKind.RESEARCH)
    b = Expert.objects.get(name="乙")
    assert list(b.directions.all()) == [direction] and b.keywords.startswith("2023-05-01")


def test_a_credit_code_that_fails_the_checksum_is_refused_with_r_p8(contest, secretariat):
    bad = make_credit_code(5)[:-1] + ("0" if make_credit_code(5)[-1] != "0" else "1")
    result = import_experts(contest=contest, actor=secretariat,
                            stream=_xlsx([["甲", "", "单位甲", bad, "企业", "", "", ""]]))
    assert _errors(result) == {(2, "统一社会信用代码", "R-P8")}
    assert not Expert.objects.exists()


def test_a_credit_code_excel_stored_as_a_number_gets_an_error_that_says_so(contest, secretariat):
    """Excel keeps 15 digits of an 18-digit number: the message must say why, not just "invalid"."""
    digits = next(c for c in (make_credit_code(i) for i in range(1, 200)) if c.isdigit())
    result = import_experts(contest=contest, actor=secretariat,
                            stream=_xlsx([["甲", "", "单位甲", float(digits), "企业", "", "", ""]]))
    assert _errors(result) == {(2, "统一社会信用代码", "R-P8")}
    assert "文本" in result.errors[0].message and len(result.errors) == 1
    assert not Expert.objects.exists()


def test_duplicate_email_in_one_file_names_the_first_row(contest, secretariat):
    upload = _xlsx([
        ["甲", "dup@example.com", "单位甲", "", "企业", "", "", ""],
        ["乙", "x@example.com", "单位乙", "", "企业", "", "", ""],
        ["丙", _full_width("DUP@example.com"), "单位丙", "", "企业", "", "", ""],
    ])
    result = import_experts(contest=contest, actor=secretariat, stream=upload)
    assert _errors(result) == {(4, "邮箱", "R-V5")}
    assert "第 2 行" in result.errors[0].message
    assert not Expert.objects.exists()


def test_a_direction_number_with_another_directions_name_is_refused(contest, secretariat, direction,
                                                                    other_direction):
    """"1.<name of direction 2>" or "1.5" is ambiguous: say which token, import nothing (R-V5)."""
    upload = _xlsx([
        ["甲", "", "单位甲", "", "企业", f"{direction.number}.{other_direction.name}", "", ""],
        ["乙", "", "单位乙", "", "企业", f"{direction.number}.5", "", ""],
        ["丙", "", "单位丙", "", "企业", f"{direction.number}．{direction.name}", "", ""],
    ])
    result = import_experts(contest=contest, actor=secretariat, stream=upload)
    assert _errors(result) == {(2, "擅长方向", "R-V5"), (3, "擅长方向", "R-V5")}
    assert other_direction.name in result.errors[0].message
    assert not Expert.objects.exists()


# --- large files ------------------------------------------------------------------------------


def test_too_many_rows_are_refused_and_nothing_is_written(contest, secretariat, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [[f"专家{i}", f"e{i}@example.com", "单位", "", "企业", "", "", ""] for i in range(4)]
    result = import_experts(contest=contest, actor=secretariat, stream=_xlsx(rows))
    assert [(e.row, e.rule) for e in result.errors] == [(0, "R-V5")] and "3" in result.errors[0].message
    assert not Expert.objects.exists()
    result = import_experts(contest=contest, actor=secretariat, stream=_xlsx(rows[:3]))
    assert result.created == 3


def test_an_oversized_file_is_refused_before_it_is_opened(contest, secretariat, monkeypatch, verified):
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    monkeypatch.setattr(imports, "load_workbook", lambda *a, **k: pytest.fail("opened an oversized file"))
    upload = _xlsx([["甲", "", "单位甲", "", "企业", "", "", "x" * 2000]])
    r = verified(secretariat).post(reverse("review:expert_import"), {"file": upload})
    assert r.status_code == 422 and r.context["row_errors"][0].row == 0
    assert "MB" in r.context["row_errors"][0].message
    assert not Expert.objects.exists()


# --- export ----------------------------------------------------------------------------------


def test_export_writes_formula_like_text_as_text_and_imports_back_unchanged(verified, secretariat, contest):
    make_expert(contest, '=HYPERLINK("http://evil.example","点击")', "单位", email="f@example.com")
    r = verified(secretariat).get(reverse("review:expert_export"))
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK")
    result = import_experts(contest=contest, actor=secretariat, stream=io.BytesIO(r.content))
    assert result.errors == [] and result.updated == 1
    assert Expert.objects.get().name == '=HYPERLINK("http://evil.example","点击")'


@pytest.mark.parametrize("count", [1, 30])
def test_export_query_count_does_not_grow(verified, secretariat, contest, direction, count,
                                          django_assert_num_queries):
    for i in range(count):
        make_expert(contest, f"专家{i}", f"单位{i}", email=f"e{i}@example.com").directions.add(direction)
    client = verified(secretariat)
    client.get(reverse("review:expert_list"))  # warm the session
    with django_assert_num_queries(6):  # the same for 1 and 30 rows (9 while every view saved the session)
        r = client.get(reverse("review:expert_export"))
    assert load_workbook(io.BytesIO(r.content)).active.max_row == count + 1


# --- the services ----------------------------------------------------------------------------


def test_full_width_email_and_credit_code_are_stored_half_width(contest, secretariat):
    code = make_credit_code(9)
    expert = add_expert(contest=contest, actor=secretariat, data=ExpertInput(
        name="刘专家", employer="某研究院", kind=ExpertKind.RESEARCH, email=_full_width("Liu@Example.com"),
        employer_credit_code=_full_width(code)))
    assert (expert.email, expert.employer_credit_code) == ("liu@example.com", code)


def test_invite_rechecks_the_expert_as_stored_not_a_stale_copy(contest, secretariat, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    """A page loaded before a colleague deactivated the expert must not invite them."""
    from django.core.exceptions import ValidationError

    expert = make_expert(contest, "刘专家", "某研究院", email="liu@example.com")
    Expert.objects.filter(pk=expert.pk).update(active=False)  # meanwhile, elsewhere
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        invite_expert(expert=expert, actor=secretariat)
    assert mailoutbox == [] and not AuditEntry.objects.filter(action="expert.invite").exists()
    expert.refresh_from_db()
    assert expert.user_id is None


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({m.to[0]: (550, b"no such user") for m in messages})


def test_a_failed_invitation_email_is_logged_without_the_address(contest, secretariat, settings, caplog,
                                                                 django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    expert = make_expert(contest, "刘专家", "某研究院", email="private.person@example.com")
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        user = invite_expert(expert=expert, actor=secretariat)
    assert "expert invitation email failed" in caplog.text
    assert "private.person" not in caplog.text
    expert.refresh_from_db()
    assert expert.user == user  # the invitation stands; staff can send it again
