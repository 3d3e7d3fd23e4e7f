"""A certificate as a one-page PDF: landscape A4, bilingual, in the CJK font the platform
already embeds (`ciic.projects.documents`: Noto Sans CJK SC, subset).

It prints what the certificate row holds (copied from the award when it was issued): the
contest's name, the award (with its English name where the spec has one, and the station for
a local award), the recipient organization or organizing unit, the project, the number, the
date of issue in the contest's time zone, and a QR code, as an image, of the public
verification URL (also a link on the image and printed beneath it). No person's data.
A revoked certificate is stamped as such (only the secretariat can still download it).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ciic.projects.documents import (
    ACCENT,
    CJK_FAMILY,
    INK,
    MUTED,
    RULE,
    _face_number,
    cjk_font_path,
)

from .models import Certificate
from .services import verification_url

PAGE_W, PAGE_H = 297, 210
GOLD = (176, 141, 58)
REVOKED_RED = (198, 40, 40)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def _new_pdf():
    from fpdf import FPDF

    path = cjk_font_path()
    pdf = FPDF(orientation="L", format="A4", unit="mm")
    pdf.add_font(CJK_FAMILY, "", str(path), collection_font_number=_face_number(str(path)))
    for font in pdf.fonts.values():
        if hasattr(font, "ttfont"):  # as documents._new_pdf: keep the face's box (bench/pdf.py)
            font.ttfont.recalcBBoxes = False
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    return pdf


def _fit(pdf, text: str, *, width: float, size: float, smallest: float, lines: int = 2) -> None:
    """Set the largest font size from `size` down to `smallest` at which `text` takes at most
    `lines` lines of `width` (a long organization or project name)."""
    pdf.set_font(CJK_FAMILY, size=size)
    while size > smallest and pdf.get_string_width(text) > width * lines * 0.92:
        size -= 1
        pdf.set_font(CJK_FAMILY, size=size)


def _centered(pdf, text: str, *, y: float, size: float, color=INK, width: float = 230, smallest: float | None = None,
              spacing: float = 0) -> float:
    """`text` centred on the page from `y` (wrapped by character if need be); returns the y below it."""
    from fpdf.enums import WrapMode

    if not text:
        return y
    _fit(pdf, text, width=width, size=size, smallest=size if smallest is None else smallest)
    pdf.set_text_color(*color)
    pdf.set_char_spacing(spacing)
    pdf.set_xy((PAGE_W - width) / 2, y)
    pdf.multi_cell(width, pdf.font_size * 1.35, text, align="C", wrapmode=WrapMode.CHAR, new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_char_spacing(0)
    return pdf.get_y()


def _dates(certificate: Certificate) -> tuple[str, str]:
    zone = ZoneInfo(certificate.contest.time_zone or "Asia/Shanghai")
    day = certificate.issued_at.astimezone(zone).date()
    return f"{day.year}年{day.month}月{day.day}日", f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _qr_image(url: str):
    import qrcode
    from qrcode.image.pil import PilImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(image_factory=PilImage).get_image().convert("L")


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF (module docstring). Reads only; raises ImproperlyConfigured when
    the CJK font is missing."""
    certificate = Certificate.objects.select_related("contest").get(pk=certificate.pk)
    url = verification_url(certificate)
    zh_date, en_date = _dates(certificate)
    # Both languages are printed, whatever the language of whoever asks: no gettext here.
    pdf = _new_pdf()
    pdf.set_title(f"{certificate.number} {certificate.award_name}")
    pdf.set_subject(certificate.contest_name)
    pdf.set_creator("CIIC Platform")
    pdf.add_page()
    _frame(pdf)

    y = _centered(pdf, certificate.contest_name, y=24, size=17, color=ACCENT, smallest=12)
    y = _centered(pdf, certificate.contest_name_en, y=y + 0.5, size=10, color=MUTED, smallest=7)
    y = _centered(pdf, "荣誉证书", y=y + 7, size=34, color=INK, spacing=6)
    y = _centered(pdf, "CERTIFICATE OF AWARD", y=y, size=11, color=GOLD, spacing=2)

    y = _centered(pdf, "兹授予 / This certificate is presented to", y=y + 12, size=10, color=MUTED)
    y = _centered(pdf, certificate.recipient, y=y + 2, size=22, color=INK, smallest=13)
    if certificate.project_name:
        y = _centered(pdf, f"参赛项目 Project：{certificate.project_name}", y=y + 2, size=12, color=INK,
                      smallest=9)
    y = _centered(pdf, "荣获 / for winning", y=y + 10, size=10, color=MUTED)
    if certificate.station_name:
        station = certificate.station_name + " 地方赛"
        if certificate.station_name_en:
            station += f" / {certificate.station_name_en}, Local Stage"
        y = _centered(pdf, station, y=y + 1, size=11, color=INK, smallest=8)
    y = _centered(pdf, certificate.award_name, y=y + 2, size=28, color=ACCENT, smallest=16)
    _centered(pdf, certificate.award_name_en, y=y, size=13, color=ACCENT, smallest=9)

    _footer(pdf, certificate, zh_date, en_date)
    _qr(pdf, url)
    if certificate.is_revoked:
        _revoked_stamp(pdf, certificate)
    return bytes(pdf.output())


def _frame(pdf) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.4)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)
    pdf.set_line_width(0.2)


def _footer(pdf, certificate: Certificate, zh_date: str, en_date: str) -> None:
    left, top = 24, PAGE_H - 46
    pdf.set_draw_color(*RULE)
    pdf.line(left, top - 3, PAGE_W - 70, top - 3)
    rows = [
        ("证书编号 Certificate No.", certificate.number),
        ("颁发日期 Date of issue", f"{zh_date}  {en_date}"),
        ("颁发单位 Issued by", f"{certificate.contest_name}组委会"),
    ]
    if certificate.contest_name_en:
        rows.append(("", f"Organizing Committee, {certificate.contest_name_en}"))
    for label, value in rows:
        pdf.set_xy(left, top)
        pdf.set_font(CJK_FAMILY, size=8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(46, 6, label)
        pdf.set_font(CJK_FAMILY, size=10 if label.startswith("证书编号") else 9)
        pdf.set_text_color(*INK)
        pdf.cell(PAGE_W - 70 - left - 46, 6, value)
        top += 6.5


def _qr(pdf, url: str) -> None:
    from fpdf.enums import WrapMode

    size = 30
    x, y = PAGE_W - 24 - size - 6, PAGE_H - 56
    pdf.image(_qr_image(url), x=x, y=y, w=size, h=size, link=url)
    pdf.set_font(CJK_FAMILY, size=7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(x - 8, y + size + 0.5)
    pdf.cell(size + 16, 4, "扫码验证 Scan to verify", align="C")
    pdf.set_font(CJK_FAMILY, size=5)
    pdf.set_xy(x - 14, y + size + 4.5)
    pdf.multi_cell(size + 28, 2.4, url, align="C", wrapmode=WrapMode.CHAR, link=url)


def _revoked_stamp(pdf, certificate: Certificate) -> None:
    zone = ZoneInfo(certificate.contest.time_zone or "Asia/Shanghai")
    day = certificate.revoked_at.astimezone(zone).date()
    pdf.set_text_color(*REVOKED_RED)
    pdf.set_draw_color(*REVOKED_RED)
    with pdf.rotation(18, x=PAGE_W / 2, y=PAGE_H / 2):
        pdf.set_line_width(1.2)
        pdf.rect(PAGE_W / 2 - 70, PAGE_H / 2 - 17, 140, 34)
        pdf.set_font(CJK_FAMILY, size=30)
        pdf.set_xy(PAGE_W / 2 - 70, PAGE_H / 2 - 15)
        pdf.cell(140, 16, "已撤销  REVOKED", align="C")
        pdf.set_font(CJK_FAMILY, size=11)
        pdf.set_xy(PAGE_W / 2 - 70, PAGE_H / 2 + 2)
        pdf.cell(140, 10, f"{day:%Y-%m-%d}", align="C")


def certificate_pdf_name(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"
