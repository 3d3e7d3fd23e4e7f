"""The publicity notice (公示, R-X1, R-T5) as a bilingual A4 PDF, in the CJK font the platform
already embeds (`ciic.projects.documents`: Noto Sans CJK SC, subset).

It prints what the public page shows: the title, the contest's name, the period's start and
end in Beijing time (and that it has ended, once it has), the first, second and third prize
projects from the notice's frozen `entries` (tier, project, organization, direction, group),
how to complain (real name and evidence, anonymous complaints invalid, the spec's grounds and
what is not a complaint, the committee's contact), the amendments with their dates, and the
rulings of closed cases: number, project, outcome and ruling. Never who complained, nor the
facts they wrote. Both languages are printed whatever the reader's: no gettext for the text.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from ciic.projects.documents import (
    ACCENT,
    BEIJING,
    CJK_FAMILY,
    INK,
    MUTED,
    RULE,
    SHADE,
    _face_number,
    cjk_font_path,
)

from .config import publicity_config
from .enums import CaseState, Outcome
from .models import Case, Notice

LINE = 5.2


def _new_pdf(footer: str):
    from fpdf import FPDF

    class NoticePDF(FPDF):
        def footer(self) -> None:
            self.set_y(-13)
            self.set_font(CJK_FAMILY, size=7.5)
            self.set_text_color(*MUTED)
            # "{nb}" is fpdf2's alias for the page count, filled in when the document closes.
            self.cell(0, 6, f"{footer}  ·  {self.page_no()} / {{nb}}", align="C")

    path = cjk_font_path()
    pdf = NoticePDF(format="A4", unit="mm")
    pdf.add_font(CJK_FAMILY, "", str(path), collection_font_number=_face_number(str(path)))
    for font in pdf.fonts.values():
        if hasattr(font, "ttfont"):  # as documents._new_pdf: keep the face's box (bench/pdf.py)
            font.ttfont.recalcBBoxes = False
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=20)
    return pdf


def _beijing(value: dt.datetime) -> str:
    return timezone.localtime(value, BEIJING).strftime("%Y-%m-%d %H:%M")


def _both(label) -> tuple[str, str]:
    """A translatable label in Chinese and in English."""
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh, en


def _para(pdf, text: str, *, size: float = 10, color=INK, gap: float = 1.5) -> None:
    from fpdf.enums import WrapMode

    if not text:
        return
    pdf.set_font(CJK_FAMILY, size=size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.52, text, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _heading(pdf, zh: str, en: str) -> None:
    if pdf.will_page_break(24):  # a heading never sits alone at the foot of a page
        pdf.add_page()
    pdf.ln(3)
    _para(pdf, f"{zh}  {en}", size=12.5, color=ACCENT, gap=0)
    pdf.set_draw_color(*ACCENT)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2.5)


def _table(pdf, rows: list[tuple[str, ...]], *, col_widths: tuple[int, ...], size: float = 8.5) -> None:
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    pdf.set_font(CJK_FAMILY, size=size)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=col_widths, first_row_as_headings=True, text_align="LEFT", wrapmode=WrapMode.CHAR,
                   line_height=size * 0.55, padding=1.5, borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="", color=MUTED, fill_color=SHADE)) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)


def _pair(zh: str, en: str) -> str:
    return f"{zh}\n{en}" if en and en != zh else zh


def _entries(pdf, notice: Notice) -> None:
    _heading(pdf, "获奖项目", "Award-winning projects")
    rows = [("奖项\nPrize", "项目\nProject", "参赛单位\nOrganization", "赛题方向\nDirection", "组别\nGroup")]
    for e in sorted(notice.entries, key=lambda e: (e.get("tier_rank") or 0, e.get("tier", ""))):
        rows.append((_pair(e.get("tier_name", ""), e.get("tier_name_en", "")), e.get("project", ""),
                     e.get("organization", ""), _pair(e.get("direction", ""), e.get("direction_en", "")),
                     _pair(e.get("group", ""), e.get("group_en", ""))))
    if len(rows) == 1:
        rows.append(("—", "", "", "", ""))
    _table(pdf, rows, col_widths=(22, 52, 46, 34, 20))


def _how_to_complain(pdf, notice: Notice) -> None:
    config = publicity_config(notice.contest)
    _heading(pdf, "举报方式", "How to complain")
    _para(pdf, "公示期内，任何单位或个人对公示项目有异议的，可向大赛组委会实名举报，并提供相应的证据。"
               "举报实行实名制，匿名举报无效；个人须提供真实姓名、居民身份证号和经短信验证的手机号，"
               "单位须提供单位名称、统一社会信用代码、法定代表人姓名及加盖公章的函件。公示期结束后不再受理举报。")
    _para(pdf, "During the publicity period, any person or organization may complain about a listed project "
               "to the organizing committee, under a real name and with supporting evidence. Anonymous "
               "complaints are invalid: a person gives their full name, resident ID number and a mobile "
               "number verified by SMS; an organization gives its name, unified social credit code, legal "
               "representative and a letter bearing its seal. Complaints are not taken after the period ends.",
          color=MUTED)
    if config is None:
        return
    grounds = [g for g in config.grounds if g.complaint]
    if grounds:
        _para(pdf, "举报事由 Grounds", size=10.5, gap=0.5)
        for g in grounds:
            _para(pdf, f"· {g.name}（{g.rule}） {g.name_en}", size=9.5, gap=0.5)
        pdf.ln(1)
    for g in config.grounds:
        if not g.complaint:
            _para(pdf, f"不属于举报受理范围 Not a complaint: {g.name} {g.name_en}", size=9.5, gap=0.5)
            _para(pdf, f"{g.help} {g.help_en}".strip(), size=9, color=MUTED)
    contact = config.contact or {}
    _para(pdf, "联系方式 Contact", size=10.5, gap=0.5)
    for zh, en, key in (("受理单位", "Office", "name"), ("电子邮箱", "E-mail", "email"), ("电话", "Telephone", "phone"),
                        ("地址", "Address", "address")):
        value = contact.get(key)
        if value:
            extra = contact.get(f"{key}_en") or ""
            _para(pdf, f"{zh} {en}：{value}" + (f" / {extra}" if extra else ""), size=9.5, gap=0.5)


def _amendments(pdf, notice: Notice) -> None:
    amendments = list(notice.amendments.order_by("made_at", "id"))
    if not amendments:
        return
    _heading(pdf, "更正", "Amendments")
    for a in amendments:
        _para(pdf, f"{_beijing(a.made_at)}（北京时间 Beijing time）", size=9, color=MUTED, gap=0.5)
        _para(pdf, a.text, gap=0.5)
        _para(pdf, a.text_en, color=MUTED, gap=0.5)
        pdf.ln(1.5)


def _rulings(pdf, notice: Notice) -> None:
    closed = list(Case.objects.filter(notice=notice, state=CaseState.CLOSED).exclude(ruling="")
                  .select_related("project").order_by("closed_at", "id"))
    if not closed:
        return
    _heading(pdf, "举报处理结果", "Rulings on complaints")
    rows = [("编号\nCase", "被举报项目\nProject", "裁定结果\nOutcome", "裁定意见\nRuling")]
    for case in closed:
        outcome = _pair(*_both(Outcome(case.outcome).label)) if case.outcome else ""
        rows.append((case.number, case.project.name, outcome, case.ruling))
    _table(pdf, rows, col_widths=(24, 44, 26, 80))


def notice_pdf(notice: Notice) -> bytes:
    """The notice's PDF (module docstring). Reads only; raises ImproperlyConfigured when the
    CJK font is missing."""
    notice = Notice.objects.select_related("contest").get(pk=notice.pk)
    contest = notice.contest
    title, title_en = f"{contest.name}获奖项目公示", "Publicity of the Award-Winning Projects"
    pdf = _new_pdf(f"{contest.name} · 获奖项目公示 · {contest.name_en or ''}".strip(" ·"))
    pdf.set_title(title)
    pdf.set_subject(contest.name)
    pdf.set_creator("CIIC Platform")
    pdf.add_page()

    _para(pdf, contest.name, size=11, color=MUTED, gap=0)
    _para(pdf, contest.name_en, size=9, color=MUTED, gap=2)
    _para(pdf, title, size=19, gap=0)
    _para(pdf, title_en, size=12, color=ACCENT, gap=3)

    _para(pdf, f"公示期 Publicity period：{_beijing(notice.starts_at)} 至 to {_beijing(notice.ends_at)}"
               "（北京时间 Beijing time, UTC+8）", size=10.5, gap=0.5)
    if timezone.now() >= notice.ends_at:
        _para(pdf, "公示期已结束。The publicity period has ended.", size=10.5, color=ACCENT, gap=0.5)
    _para(pdf, f"公示内容摘要 SHA-256：{notice.snapshot_sha256}", size=7.5, color=MUTED, gap=1)

    _entries(pdf, notice)
    _how_to_complain(pdf, notice)
    _amendments(pdf, notice)
    _rulings(pdf, notice)
    return bytes(pdf.output())
