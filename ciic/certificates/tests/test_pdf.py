"""The certificate's PDF, read back from its bytes: one landscape A4 page, bilingual, in the
embedded CJK font, with the number, the award, the recipient, the date and a QR code that
decodes to the public verification URL. No person's data."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from pypdf import PdfReader

from ciic.certificates.models import Certificate
from ciic.certificates.pdf import _qr_image, certificate_pdf
from ciic.certificates.services import revoke_certificate, verification_url
from ciic.projects.tests.test_documents import pdf_pages

from .conftest import ORGANIZING_UNIT

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return "".join(text.split())


def text_of(content: bytes) -> str:
    return "".join("".join(objects) for objects in pdf_pages(content))


@pytest.fixture
def first(awarded, issued) -> Certificate:
    return Certificate.objects.get(award=awarded.first)


@pytest.fixture
def first_pdf(first) -> bytes:
    return certificate_pdf(first)


def _qr_images(content: bytes):
    reader = PdfReader(io.BytesIO(content))
    [page] = reader.pages
    return [image.image for image in page.images]


def test_the_pdf_is_one_landscape_a4_page(first_pdf):
    assert first_pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(first_pdf))
    [page] = reader.pages
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 in points, landscape


def test_the_pdf_prints_the_contest_award_recipient_project_number_and_date_in_both_languages(first, first_pdf,
                                                                                             contest):
    text = text_of(first_pdf)
    project = first.award.project
    for value in (contest.name, contest.name_en, "荣誉证书", "CERTIFICATEOFAWARD", "一等奖", "Firstprize",
                  project.name, project.team.organization.name, first.number):
        assert squeeze(value) in text, value
    local = first.issued_at.astimezone(ZoneInfo(contest.time_zone)).date()
    assert f"{local.year}年{local.month}月{local.day}日" in text
    assert str(local.year) in text and squeeze(f"{contest.name}组委会") in text


def test_the_organizing_award_names_the_unit_and_a_local_award_its_station(awarded, issued):
    organizing = text_of(certificate_pdf(Certificate.objects.get(award__code="organization")))
    assert ORGANIZING_UNIT in organizing and "优秀组织奖" in organizing and "ExcellentOrganizationAward" in organizing
    assert "参赛项目" not in organizing
    local = text_of(certificate_pdf(Certificate.objects.get(award__award_list=awarded.local)))
    assert "北京赛站地方赛" in local and "BeijingStation,LocalStage" in local and "北京赛站优胜奖" in local


def test_the_pdf_never_prints_a_persons_data(first, first_pdf):
    text = text_of(first_pdf)
    team = first.award.project.team
    for rep in team.representatives.all():
        assert rep.name not in text and rep.id_number not in text and rep.mobile not in text
    assert team.lead.email not in text and team.lead.full_name not in text


def test_the_pdf_embeds_the_cjk_font(first_pdf):
    reader = PdfReader(io.BytesIO(first_pdf))
    [page] = reader.pages
    fonts = {f.get_object()["/BaseFont"]: f.get_object() for f in page["/Resources"]["/Font"].values()}
    [(name, font)] = fonts.items()
    assert name.endswith("+NotoSansCJKSC") and "/ToUnicode" in font
    descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))  # embedded, not referenced


def test_the_qr_code_is_an_image_of_the_verification_url_and_a_link_to_it(first, first_pdf):
    url = verification_url(first)
    assert url.endswith(f"/certificates/verify/{first.token}/")
    [image] = _qr_images(first_pdf)
    expected = _qr_image(url)
    assert image.size == expected.size and image.convert("L").tobytes() == expected.tobytes()
    reader = PdfReader(io.BytesIO(first_pdf))
    links = {a.get_object()["/A"]["/URI"] for a in reader.pages[0].get("/Annots", [])}
    assert url in links
    assert squeeze(url) in text_of(first_pdf)


def test_the_qr_code_decodes_to_the_verification_url(first, first_pdf):
    [image] = _qr_images(first_pdf)
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert [code.text for code in found] == [verification_url(first)]


def test_a_revoked_certificate_is_stamped(first, secretariat):
    revoke_certificate(certificate=first, reason="公示期投诉属实", actor=secretariat)
    text = text_of(certificate_pdf(first))
    assert "已撤销REVOKED" in text and "公示期投诉属实" not in text
