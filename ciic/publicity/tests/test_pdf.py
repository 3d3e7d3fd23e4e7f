"""The publicity notice as a PDF, read back from its bytes (pypdf): title, contest, the period
in Beijing time, every prize project with its tier, organization, direction and group, how to
complain and to whom, the amendments with their dates, and the rulings of closed cases; never
the complainant, nor a case still open."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from ciic.projects.documents import BEIJING
from ciic.projects.tests.test_documents import pdf_pages
from ciic.publicity import notices
from ciic.publicity.models import Notice
from ciic.publicity.pdf import notice_pdf

from .conftest import ID_NUMBER, MOBILE
from .test_archive import file_case, notice, rule_and_close, verify_case  # noqa: F401 - `notice` is a fixture

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return "".join(text.split())


def text_of(content: bytes) -> str:
    return "".join("".join(objects) for objects in pdf_pages(content))


def test_the_pdf_lists_the_period_and_every_prize_project_in_both_languages(notice, contest):  # noqa: F811
    content = notice_pdf(notice)
    assert content.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(content)).pages) >= 1
    text = text_of(content)
    for value in (f"{contest.name}获奖项目公示", "PublicityoftheAward-WinningProjects", contest.name_en,
                  notice.starts_at.astimezone(BEIJING).strftime("%Y-%m-%d%H:%M"),
                  notice.ends_at.astimezone(BEIJING).strftime("%Y-%m-%d%H:%M"), "北京时间", "Beijingtime",
                  notice.snapshot_sha256):
        assert squeeze(value) in text, value
    assert len(notice.entries) == 3
    positions = []
    for entry in notice.entries:
        for key in ("tier_name", "tier_name_en", "project", "organization", "direction", "direction_en"):
            assert entry[key] and squeeze(entry[key]) in text, (key, entry[key])
        assert squeeze(entry["group"]) in text  # the fixture's organizations have no group yet: ""
        positions.append(text.index(squeeze(entry["project"])))
    assert positions == sorted(positions)  # first, second, third
    assert "组别Group" in text and "公示期已结束" not in text


def test_the_pdf_says_how_to_complain_and_to_whom(notice, contest):  # noqa: F811
    text = text_of(notice_pdf(notice))
    contact = contest.spec["publicity"]["contact"]
    for value in ("实名", "匿名举报无效", "证据", "Anonymouscomplaintsareinvalid", contact["name"], contact["email"],
                  "提供虚假信息或材料", "R-P6", "非原创或侵犯知识产权", "对评审结果有异议"):
        assert squeeze(value) in text, value


def test_amendments_and_closed_rulings_are_printed_without_the_complainant(notice, proved, contest,  # noqa: F811
                                                                          secretariat):
    notices.amend_notice(notice=notice, text="三等奖项目所属单位名称更正为某某公司。", text_en="The third prize's "
                         "organization is corrected.", actor=secretariat)
    closed = rule_and_close(verify_case(file_case(notice, proved.user, contest), secretariat), secretariat,
                            ruling="经核查，该项目申报数据属实，举报不成立。")
    still_open = file_case(notice, proved.user, contest, entry=1, facts="另一项目的举报事实，不应公开。")
    text = text_of(notice_pdf(notice))
    amendment = notice.amendments.get()
    assert "三等奖项目所属单位名称更正为某某公司。" in text and "Thethirdprize'sorganizationiscorrected." in text
    assert amendment.made_at.astimezone(BEIJING).strftime("%Y-%m-%d%H:%M") in text
    assert closed.number in text and "经核查，该项目申报数据属实，举报不成立。" in text and "举报不属实" in text
    assert still_open.number not in text
    identity = proved.identity
    for secret in (ID_NUMBER, MOBILE, identity.masked_id_number, identity.masked_mobile, identity.name,
                   proved.user.full_name, proved.user.email, squeeze(closed.facts), squeeze(still_open.facts)):
        assert squeeze(secret) not in text, secret


def test_after_the_period_the_pdf_says_it_has_ended(notice):  # noqa: F811
    past = notice.ends_at - dt.timedelta(days=60)
    Notice.objects.filter(pk=notice.pk).update(starts_at=past - dt.timedelta(days=30), ends_at=past)
    notice.refresh_from_db()
    text = text_of(notice_pdf(notice))
    assert "公示期已结束" in text and "Thepublicityperiodhasended." in text
