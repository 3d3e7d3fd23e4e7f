"""The English catalog: complete, compiled, and used by the pages.

msgids are Simplified Chinese (LANGUAGE_CODE is zh-hans); English comes only from
ciic/locale/en/LC_MESSAGES/django.po, compiled to the committed django.mo. After adding or
changing a user-facing string, run `make messages`, translate the new entries and commit both
files; these tests fail until then.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "ciic" / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# Placeholders and markup that a translation must carry over unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|</?[a-zA-Z][^>]*>")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# msgids used below, kept in constants: literals inside gettext() calls would make
# makemessages list this test file as a source of the catalog.
SECRETARIAT_OFFICE = "秘书处办公室"
TOO_MANY_REPS = "每个团队的参赛代表不超过 %(limit)s 人（现为 %(count)s 人）"
TOPIC_DIRECTION = "赛题方向"
TEAM_COUNT = "共 %(counter)s 支团队"


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def where(self) -> str:
        return f"django.po:{self.line} {self.msgid!r}"


def parse_po(text: str) -> list[Entry]:
    """A small PO reader, enough for what makemessages writes: entries separated by blank
    lines, comments first, then keywords with their continuation strings."""
    entries: list[Entry] = []
    lineno = 1
    for block in text.split("\n\n"):
        entry = Entry(line=lineno)
        target: str | None = None
        for offset, raw in enumerate(block.splitlines()):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#~"):
                entry.obsolete = True
                continue
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
                continue
            if line.startswith("#"):
                continue
            if not line.startswith('"'):
                target, _, line = line.partition(" ")
                if target == "msgid":
                    entry.line = lineno + offset
            assert target is not None, f"django.po:{lineno + offset}: string before a keyword"
            # PO strings use C escapes (backslash n, t, quote, backslash): Python reads them.
            value = ast.literal_eval(line)
            if target == "msgid":
                entry.msgid += value
            elif target == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif target == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif m := re.fullmatch(r"msgstr(?:\[(\d+)\])?", target):
                index = int(m.group(1) or 0)
                entry.msgstr[index] = entry.msgstr.get(index, "") + value
            else:
                raise AssertionError(f"django.po:{lineno + offset}: unexpected {raw!r}")
        if target is not None or entry.obsolete:
            entries.append(entry)
        lineno += block.count("\n") + 2
    return entries


@pytest.fixture(scope="module")
def catalog() -> list[Entry]:
    assert PO.exists(), f"{PO} is missing: run `make messages`"
    entries = parse_po(PO.read_text(encoding="utf-8"))
    header = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(header) == 1, "the catalog has no header entry"
    assert "Language: en" in header[0].msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header[0].msgstr[0]
    assert "fuzzy" not in header[0].flags, "a fuzzy header is dropped by msgfmt"
    return [e for e in entries if e is not header[0]]


# --- (a) the catalog is complete --------------------------------------------------------


def test_catalog_has_the_project_strings(catalog):
    msgids = {e.msgid for e in catalog}
    # From Python (models, services, views), from the base layout and from app templates.
    assert SECRETARIAT_OFFICE in msgids
    assert TOO_MANY_REPS in msgids
    assert "大赛介绍" in msgids
    assert "报名条件检查" in msgids
    assert len(catalog) > 300


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    problems = []
    for e in catalog:
        if e.obsolete:
            problems.append(f"{e.where}: obsolete entry (run makemessages with --no-obsolete)")
            continue
        if "fuzzy" in e.flags:
            problems.append(f"{e.where}: fuzzy (Django ignores it)")
        forms = [0, 1] if e.msgid_plural is not None else [0]
        if sorted(e.msgstr) != forms:
            problems.append(f"{e.where}: expected msgstr forms {forms}, got {sorted(e.msgstr)}")
        for i in forms:
            text = e.msgstr.get(i, "")
            if not text.strip():
                problems.append(f"{e.where}: msgstr[{i}] is empty")
    assert not problems, "\n".join(problems)


def test_translations_keep_placeholders_and_markup(catalog):
    problems = []
    for e in catalog:
        sources = [e.msgid] + ([e.msgid_plural] if e.msgid_plural is not None else [])
        for i, text in e.msgstr.items():
            source = sources[min(i, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                problems.append(f"{e.where}: {PLACEHOLDER.findall(text)} in {text!r}")
    assert not problems, "\n".join(problems)


def test_translations_are_english(catalog):
    """No Chinese left in a msgstr, except the unit 万元 shown beside "10k CNY"."""
    leftovers = [f"{e.where}: {text!r}" for e in catalog for text in e.msgstr.values()
                 if CJK.search(text.replace("万元", ""))]
    assert not leftovers, "\n".join(leftovers)


# --- (b) the compiled catalog matches the .po ---------------------------------------------


def test_compiled_catalog_matches_the_po(catalog):
    assert MO.exists(), f"{MO} is missing: run `make messages`"
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for e in catalog:
        if e.msgid_plural is not None:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr[0], e.msgstr[1]]
        elif e.msgctxt is not None:
            got, want = [compiled.pgettext(e.msgctxt, e.msgid)], [e.msgstr[0]]
        else:
            got, want = [compiled.gettext(e.msgid)], [e.msgstr[0]]
        if got != want:
            stale.append(f"{e.where}: .mo has {got!r}, .po has {want!r}")
    assert not stale, "django.mo is older than django.po: run `make messages`\n" + "\n".join(stale)
    # Same number of messages: the .mo has none that the .po lost (plurals count once).
    compiled_ids = {k[0] if isinstance(k, tuple) else k for k in compiled._catalog} - {""}
    assert len(compiled_ids) == len(catalog)
    assert compiled.gettext(SECRETARIAT_OFFICE) == "Secretariat Office"
    assert compiled.gettext(TOO_MANY_REPS) == (
        "Each team may have at most %(limit)s representatives (now %(count)s)")


def test_django_uses_the_catalog():
    from django.utils.translation import gettext, ngettext

    with translation.override("en"):
        assert gettext(TOO_MANY_REPS) % {"limit": 3, "count": 4} == (
            "Each team may have at most 3 representatives (now 4)")
        assert gettext(TOPIC_DIRECTION) == "Topic direction"
        assert ngettext(TEAM_COUNT, TEAM_COUNT, 1) == "%(counter)s team"
        assert ngettext(TEAM_COUNT, TEAM_COUNT, 2) == "%(counter)s teams"
    with translation.override("zh-hans"):
        assert gettext(TOO_MANY_REPS) == TOO_MANY_REPS


def test_service_refusal_is_english_for_an_english_request(contest, organization, station,
                                                              direction, team_lead, rep_input,
                                                              current_policies):
    from django.core.exceptions import ValidationError

    from ciic.entrants.services import register_team

    too_many = [rep_input(i) for i in range(1, contest.max_representatives + 2)]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        register_team(organization=organization, station=station, direction=direction,
                      name="Pioneers", actor=team_lead, representatives=too_many,
                      accepted_policies=current_policies)
    messages = [str(m) for errs in caught.value.message_dict.values() for m in errs]
    expected = (f"Each team may have at most {contest.max_representatives} representatives "
                f"(now {len(too_many)})")
    assert expected in messages


# --- (c) the pages in English ------------------------------------------------------------

# Page chrome of the home page for a visitor: (Chinese msgid, English).
HOME_CHROME = [
    ("主导航", "Main navigation"),
    ("大赛介绍", "About the contest"),
    ("登录", "Log in"),
    ("注册账号", "Sign up"),
    ("报名进行中", "Registration open"),
    ("报名和项目提交截止：", "Registration and project submission deadline:"),
    ("组织单位", "Organizing units"),
    ("主办单位", "Hosts"),
    ("赛程安排", "Schedule"),
    ("以下时间均为北京时间。", "All times below are Beijing time."),
    ("参赛组别", "Entry groups"),
    ("奖项设置", "Prizes"),
    ("奖金池", "Prize pool"),
    ("大赛不向参赛单位收取任何费用。所有时间均为北京时间。",
     "The contest charges entrant organizations no fees. All times are Beijing time."),
]


@pytest.mark.django_db
def test_home_page_chrome_is_english(client, contest):
    with translation.override("en"):
        response = client.get(reverse("site:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    untranslated = [zh for zh, _en in HOME_CHROME if zh in html]
    missing = [en for _zh, en in HOME_CHROME if en not in html]
    assert not untranslated, f"Chinese UI strings on the English page: {untranslated}"
    assert not missing, f"English strings not on the page: {missing}"
    # Contest data in English comes from the spec's *_en fields.
    assert contest.name_en in html
    assert "Leaders" in html


@pytest.mark.django_db
def test_home_page_stays_chinese_by_default(client, contest):
    html = client.get(reverse("site:home"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "大赛介绍" in html and "About the contest" not in html
