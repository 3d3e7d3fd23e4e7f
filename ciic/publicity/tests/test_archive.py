"""The case file as a zip (R-X2, archived like a review round, R-V3): every step, the evidence
of both sides, the team's response and a manifest of SHA-256 hashes that verify, and fail to
once a byte changes; the complainant's identity masked only; archived once, after closing, with
its hashes in the audit chain, and rebuilt byte for byte."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from ciic.audit.models import AuditEntry
from ciic.audit.services import verify_chain
from ciic.projects.further import answer_request, supply_file, supply_link
from ciic.publicity import cases, notices
from ciic.publicity.archive import (
    ACTION,
    archive_case,
    archive_entry,
    case_archive,
    sha256,
    verify_archive,
    verify_stored_archive,
)
from ciic.publicity.enums import CaseState, Outcome
from ciic.review.tests.test_rounds import submit

from .conftest import ID_NUMBER, MOBILE, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(notice_ready, contest, secretariat):
    return notices.publish_notice(contest=contest, actor=secretariat)


def file_case(notice, user, contest, *, entry: int = 0, **kw):
    values = {"ground": "false_information", "facts": "申报书中的销售数据与公开年报不符。",
              "project_id": notice.entries[entry]["project_id"], "files": [pdf()],
              "links": ["https://example.com/annual-report"]}
    return cases.file_complaint(contest=contest, actor=user, filing=cases.Filing(**(values | kw)))


def verify_case(case, officer, *, findings: str = "经与税务数据核对，申报的销售收入虚增。"):
    """Accept, assign `officer`, start verifying, record the findings."""
    case = cases.transition(case=case, to=CaseState.ACCEPTED, actor=officer)
    cases.assign_officer(case=case, officer=officer, actor=officer)
    case = cases.transition(case=case, to=CaseState.UNDER_VERIFICATION, actor=officer)
    return cases.record_findings(case=case, actor=officer, findings=findings)


def rule_and_close(case, officer, *, outcome=Outcome.DISMISSED, ruling="经核查，举报不属实。"):
    case = cases.transition(case=case, to=CaseState.RULED, actor=officer, outcome=outcome, ruling=ruling)
    return cases.transition(case=case, to=CaseState.CLOSED, actor=officer, note="结案")


@pytest.fixture
def worked(notice, proved, contest, secretariat, team_lead, samples):
    """A case walked from receipt to closing: the complainant's file and link, the officer's
    file, the team's response (a file and a link), findings, a ruling."""
    case = verify_case(file_case(notice, proved.user, contest), secretariat)
    cases.add_officer_evidence(case=case, actor=secretariat, file=pdf("tax-record.pdf"), note="税务记录")
    submit(case.project, "项目申报书正文")  # a finalist has its versions (R-J5 asks of a version)
    case = cases.request_response(case=case, actor=secretariat, message="请就销售数据作出说明。")
    supply_file(request=case.material_request, actor=team_lead, stream=io.BytesIO(samples["pdf"]),
                filename="说明.pdf", note="情况说明")
    supply_link(request=case.material_request, actor=team_lead, url="https://demo.example.com/ledger")
    answer_request(request=case.material_request, actor=team_lead, note="已提交")
    return rule_and_close(case, secretariat)


def entries(data: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return {name: zf.read(name) for name in zf.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def test_the_case_file_holds_every_step_both_sides_evidence_and_the_response(worked, secretariat):
    files = entries(case_archive(worked))
    document = json.loads(files["case.json"])
    assert document["number"] == worked.number and document["state"] == CaseState.CLOSED
    assert document["ground"] == {"code": "false_information", "rule": "R-P6", "name": "提供虚假信息或材料",
                                  "name_en": "False information or materials"}
    assert document["project"]["name"] == worked.project.name and document["award"]["id"] == worked.award_id
    assert document["officer"] == secretariat.full_name and document["findings"].startswith("经与税务数据核对")
    assert document["outcome"] == Outcome.DISMISSED and document["ruling"] == "经核查，举报不属实。"
    assert [(s["from"], s["to"]) for s in document["steps"]] == [
        ("", "received"), ("received", "accepted"), ("accepted", "under_verification"),
        ("under_verification", "ruled"), ("ruled", "closed")]
    assert document["steps"][0]["actor"] == "complainant" and document["steps"][-1]["actor"] == secretariat.full_name
    assert document["steps"][-1]["note"] == "结案" and document["steps"][-1]["at"].endswith("+08:00")

    evidence = document["evidence"]
    assert [(e["party"], bool(e["path"]), bool(e["link"])) for e in evidence] == [
        ("complainant", True, False), ("complainant", False, True), ("officer", True, False)]
    for item in evidence:
        if item["path"]:
            assert sha256(files[item["path"]]) == item["sha256"] == worked.evidence.get(name=item["name"]).sha256
    response = document["response"]
    assert response["message"] == "请就销售数据作出说明。" and response["status"] == "answered"
    [upload, link] = response["items"]
    assert upload["path"].startswith("response/") and sha256(files[upload["path"]]) == upload["sha256"]
    assert link["link"] == "https://demo.example.com/ledger" and link["path"] is None

    manifest = json.loads(files["manifest.json"])
    assert {f["name"] for f in manifest["files"]} == set(files) - {"manifest.json"}
    assert all(sha256(files[f["name"]]) == f["sha256"] and len(files[f["name"]]) == f["bytes"]
               for f in manifest["files"])


def test_the_hashes_verify_and_fail_once_a_byte_changes(worked):
    data = case_archive(worked)
    assert verify_archive(data) == []

    # Any byte flipped inside any entry's stored data is reported, unless what every entry
    # holds is unchanged (padding after a deflate stream's last block): only the zip's own
    # SHA-256, recorded in the audit chain, sees that (verify_stored_archive, below).
    files = entries(data)
    flagged = 0
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + name_length + extra_length
        for offset in range(start, start + info.compress_size):
            flipped = data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1:]
            if verify_archive(flipped):
                flagged += 1
            else:
                assert entries(flipped) == files, (info.filename, offset - start)
    assert flagged > len(data) // 2

    # One evidence file changed in a well-formed zip: named, against the manifest.
    path = next(name for name in files if name.startswith("evidence/"))
    changed = dict(files, **{path: files[path] + b"x"})
    problems = verify_archive(rezip(changed))
    assert problems and all(path in p for p in problems) and "与清单不符" in problems[0]

    # Changed with a manifest made to match: still caught against the hash recorded at upload.
    manifest = json.loads(files["manifest.json"])
    for f in manifest["files"]:
        if f["name"] == path:
            f["sha256"], f["bytes"] = sha256(changed[path]), len(changed[path])
    forged = dict(changed, **{"manifest.json": json.dumps(manifest).encode()})
    problems = verify_archive(rezip(forged))
    assert len(problems) == 1 and "上传时记录" in problems[0]

    # An entry dropped, an entry slipped in, and not a zip at all.
    assert any("缺少文件" in p for p in verify_archive(rezip({k: v for k, v in files.items() if k != path})))
    assert any("清单中没有" in p for p in verify_archive(rezip(dict(files, **{"extra.txt": b"1"}))))
    assert verify_archive(b"not a zip") == ["归档文件无法读取或缺少清单"]


def test_the_full_id_number_and_mobile_appear_nowhere_in_the_zip(worked, proved):
    data = case_archive(worked)
    files = entries(data)
    everything = [data, *files.values()]
    for secret in (ID_NUMBER, MOBILE, proved.user.email):
        assert not any(secret.encode() in blob for blob in everything), secret
    complainant = json.loads(files["case.json"])["complainant"]
    assert complainant == {"kind": "individual", "name": "张三", "id_number": "110105********002X",
                           "mobile": "139****5678", "credit_code": "", "legal_representative": "",
                           "seal_letter_sha256": ""}


def test_a_units_credit_code_is_masked_too(notice, contest, secretariat):
    from ciic.demo.identifiers import make_credit_code
    from ciic.publicity.identity import prove_unit
    from ciic.testing.personas import make_user

    user = make_user("unit@example.com", full_name="某公司账号")
    code = make_credit_code(4242)
    prove_unit(user=user, name="某科技有限公司", credit_code=code, legal_representative="李四",
               stream=pdf("seal.pdf").stream, filename="seal.pdf")
    case = file_case(notice, user, contest, entry=1)
    data = case_archive(case)
    assert code.encode() not in data and all(code.encode() not in blob for blob in entries(data).values())
    complainant = json.loads(entries(data)["case.json"])["complainant"]
    assert complainant["kind"] == "unit" and complainant["credit_code"] == code[:6] + "********" + code[-4:]
    assert complainant["legal_representative"] == "李四" and len(complainant["seal_letter_sha256"]) == 64


def test_archived_once_after_closing_with_its_hashes_in_the_audit_chain(notice, proved, contest, secretariat):
    case = file_case(notice, proved.user, contest)
    with pytest.raises(ValidationError) as exc:
        archive_case(case=case, actor=secretariat)
    assert exc.value.error_dict["__all__"][0].code == "R-V3" and archive_entry(case) is None
    case = cases.transition(case=case, to=CaseState.NOT_ACCEPTED, actor=secretariat, reason="insufficient_evidence")
    case = cases.transition(case=case, to=CaseState.CLOSED, actor=secretariat)  # closing archives it

    entry = archive_entry(case)
    assert entry is not None and entry.action == ACTION and entry.actor == secretariat
    with default_storage.open(entry.after["file"], "rb") as handle:
        stored = handle.read()
    assert sha256(stored) == entry.after["sha256"]
    assert sha256(entries(stored)["manifest.json"]) == entry.after["manifest_sha256"]
    assert entry.after["files"]["case.json"] == sha256(entries(stored)["case.json"])
    assert case_archive(case) == stored  # fixed entry times, sorted JSON: the same bytes again
    assert verify_stored_archive(case) == [] and verify_chain()[1] is None

    with pytest.raises(ValidationError):
        archive_case(case=case, actor=secretariat)
    assert AuditEntry.objects.filter(action=ACTION).count() == 1

    # The stored copy altered behind the platform's back.
    with default_storage.open(entry.after["file"], "wb") as handle:
        handle.write(stored[:-1] + bytes([stored[-1] ^ 0x01]))
    assert "归档文件的 SHA-256 与审计记录不符" in verify_stored_archive(case)


def test_an_evidence_file_the_storage_lost_is_marked_missing(notice, proved, contest):
    case = file_case(notice, proved.user, contest)
    item = case.evidence.exclude(file="").get()
    default_storage.delete(item.file.name)
    data = case_archive(case)
    [lost, _link] = json.loads(entries(data)["case.json"])["evidence"]
    assert lost["missing"] is True and lost["path"] is None and lost["sha256"] == item.sha256
    assert verify_archive(data) == []
