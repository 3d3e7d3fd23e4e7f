"""A submitted version as one PDF, and the application form as a .docx template: what they
contain, read back from the bytes (pypdf, python-docx), and who may download them."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from ciic.projects.documents import application_template_docx, submission_pdf

pytestmark = pytest.mark.django_db

LONG_TEXT = "工业互联网平台通过设备接入、数据汇聚与模型分析，实现生产过程的质量追溯与优化。" * 60
# 500 distinct ideographs: more glyphs than one byte can number, so a reader that decoded the
# two-byte glyph codes one byte at a time would garble them.
MANY_GLYPHS = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 500))


@pytest.fixture
def version(project, complete_materials, team_lead):
    from ciic.projects.services import save_draft, submit_project

    complete_materials()
    first, second = project.contest.form_sections.order_by("order")[:2]
    save_draft(project=project, actor=team_lead, sections={first.code: LONG_TEXT, second.code: MANY_GLYPHS})
    return submit_project(project=project, actor=team_lead)


def _to_unicode(font) -> dict[bytes, str]:
    """A Type0 font's ToUnicode CMap: two-byte glyph code -> the text it stands for."""
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    assert "beginbfrange" not in cmap  # fpdf2 writes one bfchar line per glyph
    return {bytes.fromhex(code): bytes.fromhex(text).decode("utf-16-be")
            for code, text in re.findall(r"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap)}


def _raw(string) -> bytes:
    return string.original_bytes if hasattr(string, "original_bytes") else bytes(string)


def pdf_pages(content: bytes) -> list[list[str]]:
    """Each page's text objects (BT..ET) as a viewer's search and copy see them, whitespace
    removed (the PDF wraps long lines): every two-byte glyph code shown, through its font's
    ToUnicode CMap. A page's first text object is its running header, its last the footer.

    pypdf parses the file here, but its `extract_text` is not used: it does not read an
    embedded /Encoding CMap, which fpdf2 writes for a CID-keyed CFF font such as Noto Sans
    CJK, and so reads the codes one byte at a time, right only below 256 distinct glyphs.
    """
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(content))
    pages = []
    for page in reader.pages:
        fonts = {name: _to_unicode(font.get_object()) for name, font in page["/Resources"]["/Font"].items()}
        objects, shown, font = [], [], None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                font = fonts[operands[0]]
            elif operator in (b"Tj", b"TJ"):
                strings = operands[0] if operator == b"TJ" else [operands[0]]
                for string in strings:
                    if isinstance(string, (int, float)):
                        continue  # a TJ kerning adjustment
                    raw = _raw(string)
                    shown += [font[raw[i:i + 2]] for i in range(0, len(raw), 2)]
            elif operator == b"ET" and shown:
                objects.append("".join("".join(shown).split()))
                shown = []
        pages.append(objects)
    return pages


def pdf_text(content: bytes) -> str:
    """The document's text without the running headers and footers, whitespace removed."""
    return "".join("".join(objects[1:-1]) for objects in pdf_pages(content))


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_pdf_holds_every_section_in_spec_order_and_every_material_hash(version):
    content = submission_pdf(version)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    project = version.project

    positions = []
    for section in project.contest.form_sections.order_by("order"):
        body = squeeze(version.sections[section.code])
        assert squeeze(section.name) in text and body in text, section.code
        positions.append(text.index(squeeze(section.name) + body[:20]))
    assert positions == sorted(positions)

    materials = list(version.materials.select_related("file", "material_type"))
    assert materials
    for material in materials:
        assert material.material_type.name in text
        if material.file:
            assert material.file.sha256 in text and material.file.original_name in text
        else:
            assert material.link in text
    assert version.content_sha256 in text


def test_pdf_names_the_project_team_organization_and_time_in_beijing_time(version):
    from zoneinfo import ZoneInfo

    text = pdf_text(submission_pdf(version))
    team = version.project.team
    for value in (version.name, team.name, team.organization.name, team.direction.name,
                  version.stage.name, version.project.contest.name, "第1版", "北京时间"):
        assert squeeze(value) in text, value
    if team.organization.group:
        assert team.organization.group.name in text
    local = version.submitted_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d%H:%M:%S") in text


def test_pdf_never_prints_representatives_id_numbers_or_phones(version):
    text = pdf_text(submission_pdf(version))
    for rep in version.project.team.representatives.all():
        assert rep.id_number not in text and rep.mobile not in text


def test_long_text_breaks_across_pages_with_numbered_footers(version):
    pages = pdf_pages(submission_pdf(version))
    assert len(pages) >= 3
    for number, objects in enumerate(pages, start=1):
        assert objects[-1] == f"第{number}页/共{len(pages)}页", number
        assert objects[0].endswith(f"{squeeze(version.name)}·第{version.number}版")


def test_pdf_embeds_noto_sans_cjk_sc_with_a_glyph_for_every_character(version):
    from fontTools.cffLib import CFFFontSet
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(submission_pdf(version)))
    fonts = {f.get_object()["/BaseFont"]: f.get_object() for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    [(name, font)] = fonts.items()  # one font, shared by every page
    assert name.endswith("+NotoSansCJKSC")  # a subset of the collection's Simplified Chinese face
    assert "/ToUnicode" in font  # so the Chinese can be searched and copied
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(descriptor["/FontFile3"].get_object().get_data()), None)
    glyphs = set(cff[cff.fontNames[0]].charset)

    # Every code shown maps (through the font's /Encoding CMap) to a CID whose outline is in
    # the embedded font: no character falls back to the reader's fonts or to .notdef.
    encoding = font["/Encoding"].get_object().get_data().decode("latin-1")
    cids = {bytes.fromhex(code): int(cid) for code, cid in re.findall(r"<([0-9A-Fa-f]{4})> (\d+)", encoding)}
    text = _to_unicode(font)
    assert set(MANY_GLYPHS) <= set(text.values())
    for code, char in text.items():
        if char.isprintable() and not char.isspace():  # not fpdf2's reserved code 0 or a space
            assert cids[code] > 0 and f"cid{cids[code]:05d}" in glyphs, repr(char)


def test_missing_font_is_a_clear_configuration_error(version, settings, tmp_path):
    settings.CJK_FONT_PATH = str(tmp_path / "missing.ttc")
    with pytest.raises(ImproperlyConfigured, match="fonts-noto-cjk"):
        submission_pdf(version)


# --- the page --------------------------------------------------------------------------


def test_team_lead_downloads_the_version_pdf_as_an_attachment(version, client, team_lead):
    client.force_login(team_lead)
    url = reverse("projects:version_pdf", args=[version.project_id, version.number])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="project-{version.project_id}-v{version.number}.pdf"' in disposition
    assert f"filename*=UTF-8''{quote(version.name)}" in disposition
    assert response.content.startswith(b"%PDF-")
    assert version.content_sha256 in pdf_text(response.content)


def test_version_page_links_to_its_pdf(version, client, team_lead):
    client.force_login(team_lead)
    page = client.get(reverse("projects:version", args=[version.project_id, version.number])).content.decode()
    assert reverse("projects:version_pdf", args=[version.project_id, version.number]) in page


def test_station_officer_and_secretariat_download_the_pdf(version, verified, station_officer, secretariat):
    url = reverse("projects:version_pdf", args=[version.project_id, version.number])
    for user in (station_officer, secretariat):
        response = verified(user).get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-"), user


def test_other_team_and_other_station_get_404(version, client, other_lead, contest):
    from ciic.accounts.enums import Role
    from ciic.testing.personas import make_user, verified_client

    url = reverse("projects:version_pdf", args=[version.project_id, version.number])
    client.force_login(other_lead)
    assert client.get(url).status_code == 404
    other_station = contest.stations.exclude(pk=version.project.team.station_id).first()
    officer = make_user("elsewhere@example.com", role=Role.STATION_OFFICER, station=other_station)
    assert verified_client(officer).get(url).status_code == 404


def test_unknown_version_is_404(version, client, team_lead):
    client.force_login(team_lead)
    assert client.get(reverse("projects:version_pdf", args=[version.project_id, 99])).status_code == 404


def test_anonymous_is_sent_to_login(version, client):
    response = client.get(reverse("projects:version_pdf", args=[version.project_id, version.number]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- the .docx template ----------------------------------------------------------------


def headings(content: bytes, level: int) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(content)).paragraphs
            if p.style.name == f"Heading {level}"]


def test_template_has_every_section_in_order_with_its_parts_and_limit(contest):
    from docx import Document

    content = application_template_docx(contest)
    sections = list(contest.form_sections.order_by("order"))
    assert headings(content, 1) == [s.name for s in sections]
    assert headings(content, 2) == [part for s in sections for part in s.parts]
    document = Document(io.BytesIO(content))
    title = next(p.text for p in document.paragraphs if p.style.name == "Title")
    assert title == f"{contest.name}项目申报书"
    body = "\n".join(p.text for p in document.paragraphs)
    for section in sections:
        assert f"不超过 {section.max_chars} 字" in body


def test_any_logged_in_user_downloads_the_template(contest, client, other_lead):
    client.force_login(other_lead)
    response = client.get(reverse("projects:form_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert response["Content-Disposition"].startswith(f'attachment; filename="application-form-{contest.slug}.docx"')
    assert headings(response.content, 1) == [s.name for s in contest.form_sections.order_by("order")]


def test_anonymous_cannot_download_the_template(contest, client):
    response = client.get(reverse("projects:form_template"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_project_page_links_to_the_template(project, client, team_lead):
    client.force_login(team_lead)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:form_template") in page
