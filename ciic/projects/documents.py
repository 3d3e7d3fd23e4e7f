"""Documents made from the contest's data: a submitted version as one PDF, and the
application form (项目申报书) as a .docx template to draft in offline.

The PDF is the version as it was frozen (R-J4, R-J6): its sections in the spec's order
(R-J7.1), its materials with their sizes and SHA-256 (R-J7), and the version's content hash,
so a printed copy can be checked against the platform. It names the team and its
organization but never the representatives' ID numbers or phones.

The PDF embeds Noto Sans CJK from Debian's fonts-noto-cjk (`CJK_FONT_PATH`). fpdf2 reads the
.ttc collection and its CID-keyed CFF outlines directly and embeds a subset of the glyphs
used, numbered by an embedded /Encoding CMap with a ToUnicode map for search and copy. PDF
viewers (poppler, pdf.js, Acrobat) read that; pypdf's `extract_text` does not parse an
embedded encoding CMap, so the tests decode the text themselves (tests/test_documents.py).
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .models import Submission

CJK_FAMILY = "NotoSansCJK"
CJK_PACKAGE = "fonts-noto-cjk"
BEIJING = ZoneInfo("Asia/Shanghai")
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (13, 71, 161)
RULE = (206, 212, 218)
SHADE = (241, 243, 245)


# --- the font -----------------------------------------------------------------------


def cjk_font_path() -> Path:
    """The configured CJK font, or a configuration error that says how to install it."""
    path = Path(settings.CJK_FONT_PATH)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"CJK font not found at {path} (setting CJK_FONT_PATH): install the Debian package "
            f"{CJK_PACKAGE} (`apt-get install {CJK_PACKAGE}` or `make fonts`), or point "
            "CJK_FONT_PATH at another font with Chinese glyphs"
        )
    return path


@lru_cache(maxsize=8)
def _face_number(path: str) -> int:
    """Which face of a collection to use: Simplified Chinese (its glyph shapes differ from
    the Japanese, Korean and Traditional faces that share the file), proportional, not Mono."""
    if Path(path).suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    try:
        families = [face["name"].getDebugName(1) or "" for face in collection.fonts]
    finally:
        collection.close()
    for number, family in enumerate(families):
        if family.endswith(" SC") and "Mono" not in family:
            return number
    return 0


def _new_pdf():
    from fpdf import FPDF

    class VersionPDF(FPDF):
        header_text = ""

        def header(self) -> None:
            self.set_font(CJK_FAMILY, size=8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, self.header_text, align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(*RULE)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(4)
            self.set_text_color(*INK)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(CJK_FAMILY, size=8)
            self.set_text_color(*MUTED)
            # "{nb}" is fpdf2's alias for the page count, filled in when the document closes.
            self.cell(0, 8, _("第 %(page)s 页 / 共 %(pages)s 页") % {"page": self.page_no(), "pages": "{nb}"},
                      align="C")

    path = cjk_font_path()
    pdf = VersionPDF(format="A4", unit="mm")
    pdf.add_font(CJK_FAMILY, "", str(path), collection_font_number=_face_number(str(path)))
    for font in pdf.fonts.values():
        # fontTools would recompute the bounding box of the subset from every outline it keeps:
        # two thirds of the render time with 2,500 distinct characters (bench/pdf.py). The whole
        # face's box, kept instead, still encloses every glyph, which is all a reader needs.
        if hasattr(font, "ttfont"):
            font.ttfont.recalcBBoxes = False
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=20)
    return pdf


def text_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A plain document: a title and paragraphs in the CJK font (the demo's sample materials,
    so that a file an expert opens has pages to read)."""
    from fpdf.enums import WrapMode

    pdf = _new_pdf()
    pdf.header_text = title
    pdf.add_page()
    _heading(pdf, title)
    pdf.set_font(CJK_FAMILY, size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 7, paragraph, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


# --- the submitted version as a PDF ---------------------------------------------------


def _sections(submission: Submission) -> list[tuple[str, str]]:
    """(heading, text) in the spec's order; a code the spec no longer has comes last,
    under its code, so nothing frozen into the version is left out of its record."""
    specs = list(submission.project.contest.form_sections.order_by("order"))
    known = {s.code for s in specs}
    out = [(s.display_name, str(submission.sections.get(s.code, ""))) for s in specs]
    out += [(code, str(text)) for code, text in submission.sections.items() if code not in known]
    return out


def _heading(pdf, text: str) -> None:
    from fpdf.enums import WrapMode

    if pdf.will_page_break(24):  # a heading never sits alone at the foot of a page
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(CJK_FAMILY, size=13)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 8, text, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*ACCENT)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_text_color(*INK)


def _table(pdf, rows: list[tuple[str, ...]], *, col_widths: tuple[int, ...], headings: bool, size: float):
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    pdf.set_font(CJK_FAMILY, size=size)
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=col_widths, first_row_as_headings=headings, text_align="LEFT",
                   wrapmode=WrapMode.CHAR, line_height=size * 0.55, padding=1.5,
                   borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="", color=MUTED, fill_color=SHADE)) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)


def submission_pdf(submission: Submission) -> bytes:
    """The version as one PDF: who and what, every section, every material with its hash.

    Reads only; raises ImproperlyConfigured when the CJK font is missing.
    """
    from fpdf.enums import WrapMode

    submission = Submission.objects.select_related(
        "stage", "project__contest", "project__team__organization__group", "project__team__direction",
        "project__team__station",
    ).get(pk=submission.pk)
    project = submission.project
    team = project.team
    contest = project.contest
    organization = team.organization

    pdf = _new_pdf()
    pdf.set_title(f"{submission.name} v{submission.number}")
    pdf.set_subject(contest.display_name)
    pdf.set_creator("CIIC Platform")
    pdf.header_text = f"{contest.display_name} · {submission.name} · " + _("第 %(n)s 版") % {"n": submission.number}
    pdf.add_page()

    pdf.set_font(CJK_FAMILY, size=10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 6, contest.display_name, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(CJK_FAMILY, size=18)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 10, submission.name, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    direction = team.direction
    submitted = submission.submitted_at.astimezone(BEIJING)
    _table(pdf, [
        (_("参赛团队"), team.name),
        (_("参赛单位"), organization.name),
        (_("赛站"), team.station.display_name),
        (_("赛题方向"), f"{direction.number}. {direction.display_name}"),
        (_("组别"), organization.group.display_name if organization.group else "—"),
        (_("赛段"), submission.stage.display_name),
        (_("版本"), _("第 %(n)s 版") % {"n": submission.number}),
        (_("提交时间"), f"{submitted:%Y-%m-%d %H:%M:%S}（" + _("北京时间") + "）"),
        (_("内容 SHA-256"), submission.content_sha256),
    ], col_widths=(28, 146), headings=False, size=9.5)

    for heading, text in _sections(submission):
        _heading(pdf, heading)
        pdf.set_font(CJK_FAMILY, size=10.5)
        # Blank lines around the text go; a paragraph's leading indent (often "　　") stays.
        body = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip() or "—"
        pdf.multi_cell(0, 6.5, body, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("项目材料"))
    rows = [(_("材料"), _("文件或链接"), _("大小"), "SHA-256")]
    for material in submission.materials.select_related("material_type", "file"):
        stored = material.file
        if stored is not None:
            rows.append((material.material_type.display_name, stored.original_name,
                         _size(stored.size), stored.sha256))
        else:
            rows.append((material.material_type.display_name, material.link, "—", "—"))
    if len(rows) == 1:
        rows.append((_("无"), "", "", ""))
    _table(pdf, rows, col_widths=(30, 52, 24, 68), headings=True, size=8.5)

    return bytes(pdf.output())


def _size(size: int) -> str:
    """Readable, and exact to the byte where rounding hides it: the size and the hash together
    identify the file."""
    exact = _("%(n)s 字节") % {"n": f"{size:,}"}
    return exact if size < 1024 else f"{filesizeformat(size)}\n{exact}"


def version_pdf_names(submission: Submission) -> tuple[str, str]:
    """(ASCII file name, readable UTF-8 file name) of a version's PDF."""
    project_id, number = submission.project_id, submission.number
    return f"project-{project_id}-v{number}.pdf", f"{_safe_name(submission.name)}-v{number}.pdf"


# --- the application form as a .docx template ----------------------------------------


def application_template_docx(contest) -> bytes:
    """The contest's application form as an empty Word document: each section a heading,
    its parts subheadings, its length limit a note, and room to write (R-J7.1)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    doc = Document()
    title = _("%(contest)s项目申报书") % {"contest": contest.display_name}
    doc.core_properties.title = title
    doc.core_properties.subject = contest.display_name
    # Word needs the East Asian font named on the style, or Chinese falls back to whatever
    # the reader's machine picks for the theme (a theme font, where set, wins over a name).
    for style_name, font in (("Normal", "宋体"), ("Title", "黑体"), ("Heading 1", "黑体"), ("Heading 2", "黑体")):
        fonts = doc.styles[style_name].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
        fonts.set(qn("w:eastAsia"), font)

    doc.add_heading(title, level=0)
    doc.add_paragraph(_("项目名称："))
    doc.add_paragraph(_("参赛单位："))
    doc.add_paragraph(_("参赛团队："))

    for section in contest.form_sections.order_by("order"):
        doc.add_heading(section.display_name, level=1)
        note = doc.add_paragraph().add_run(
            _("（本部分不超过 %(limit)s 字）") % {"limit": section.max_chars})
        note.italic = True
        note.font.size = Pt(9)
        note.font.color.rgb = RGBColor(0x6C, 0x75, 0x7D)
        for part in section.parts or []:
            doc.add_heading(str(part), level=2)
            for _line in range(3):
                doc.add_paragraph()
        if not section.parts:
            for _line in range(6):
                doc.add_paragraph()

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def form_template_names(contest) -> tuple[str, str]:
    """(ASCII file name, readable UTF-8 file name) of the contest's application template."""
    return (f"application-form-{contest.slug}.docx",
            _safe_name(_("%(contest)s项目申报书") % {"contest": contest.display_name}) + ".docx")


# --- answering with a document ---------------------------------------------------------


def _safe_name(name: str) -> str:
    """A file name a browser and a file system accept: no path separators, quotes or controls."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", name).strip(" .") or "document"


def attachment(content: bytes, *, content_type: str, ascii_name: str, name: str) -> HttpResponse:
    """A download: a safe ASCII `filename` for old clients and the readable UTF-8 one as
    `filename*` (RFC 6266). Never cached by shared caches: versions are not public."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
