"""Project materials: content checks, size limits, archives, attestation, deadlines with grace,
freezing into versions and downloads (R-J4, R-J6, R-J7, R-T1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ciic.audit.models import AuditEntry
from ciic.contests.models import ScheduleItem
from ciic.projects.materials import attach_file, attach_link, safe_filename
from ciic.projects.models import DraftMaterial, StoredFile, SubmissionMaterial
from ciic.projects.services import submit_project

pytestmark = pytest.mark.django_db


def rules_of(exc):
    return {field: {e.code for e in errs} for field, errs in exc.value.error_dict.items()}


def files_on_disk(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def attach(project, material_type, data: bytes, filename: str, actor, **kwargs):
    return attach_file(project=project, material_type=material_type, stream=io.BytesIO(data),
                       filename=filename, actor=actor, **kwargs)


class EndlessStream:
    """A client that never stops sending: only a limit enforced while streaming ends it."""

    def __init__(self):
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        size = 64 * 1024 if size is None or size < 0 else size
        self.sent += size
        return b"\x00" * size


# --- content checks (R-J7) ------------------------------------------------------------------

def test_pdf_name_with_png_bytes_is_refused_and_nothing_stored(project, team_lead, mtype, samples, media_root):
    """R-J7: the kind comes from the bytes, never from the name."""
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("presentation"), samples["png"], "路演.pdf", team_lead)
    assert rules_of(exc) == {"file": {"R-J7"}}
    assert "png" in exc.value.error_dict["file"][0].message
    assert not StoredFile.objects.exists() and not DraftMaterial.objects.exists()
    assert files_on_disk(media_root) == []


def test_executable_is_refused(project, team_lead, mtype, samples, media_root):
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("video"), samples["exe"], "setup.mp4", team_lead)
    assert rules_of(exc) == {"file": {"R-J7"}}
    assert files_on_disk(media_root) == [] and not StoredFile.objects.exists()


def test_pptx_and_docx_are_told_apart_from_their_zip_entries(project, team_lead, mtype, samples):
    """pptx and docx are zip containers: a docx is not a presentation, a pptx is."""
    with pytest.raises(ValidationError):
        attach(project, mtype("presentation"), samples["docx"], "slides.pptx", team_lead)
    material = attach(project, mtype("presentation"), samples["pptx"], "slides.pptx", team_lead)
    assert material.file.kind == "pptx"
    assert attach(project, mtype("demo"), samples["docx"], "说明.docx", team_lead).file.kind == "docx"


def test_oversize_file_is_refused_while_streaming(project, team_lead, mtype, media_root):
    """R-J7: max_size_mb stops the upload as soon as it is passed; nothing is left on disk."""
    video = mtype("video")
    video.max_size_mb = 1
    video.save()
    stream = EndlessStream()
    with pytest.raises(ValidationError) as exc:
        attach_file(project=project, material_type=video, stream=stream, filename="demo.mp4", actor=team_lead)
    assert rules_of(exc) == {"file": {"R-J7"}}
    assert stream.sent <= 3 * 1024 * 1024
    assert files_on_disk(media_root) == [] and not StoredFile.objects.exists()


def _bomb(megabytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("payload.bin", "w", force_zip64=True) as entry:
        for _ in range(megabytes):
            entry.write(b"\x00" * (1024 * 1024))
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_unpacking(project, team_lead, mtype, media_root, monkeypatch):
    """A highly compressed archive is judged from its directory; nothing is decompressed."""
    bomb = _bomb(64)
    assert len(bomb) < 1024 * 1024

    def no_unpacking(*args, **kwargs):
        raise AssertionError("an archive was opened for reading")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_unpacking)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", no_unpacking)
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), bomb, "installer.zip", team_lead)
    assert rules_of(exc) == {"file": {"R-J7"}}
    assert files_on_disk(media_root) == [] and not StoredFile.objects.exists()


def test_archive_declaring_too_much_is_refused(project, team_lead, mtype, settings):
    """Declared uncompressed size and entry count have limits from settings."""
    settings.ARCHIVE_MAX_FILES = 10
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(11):
            archive.writestr(f"f{i}.txt", b"x")
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), many.getvalue(), "many.zip", team_lead)
    assert "文件过多" in exc.value.error_dict["file"][0].message

    settings.ARCHIVE_MAX_FILES, settings.ARCHIVE_MAX_UNCOMPRESSED_MB = 10, 1
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), _bomb(2), "big.zip", team_lead)
    assert "解压后过大" in exc.value.error_dict["file"][0].message


def test_ordinary_archive_is_stored_with_its_digest(project, team_lead, mtype, samples):
    material = attach(project, mtype("installer"), samples["zip"], "安装包.zip", team_lead)
    stored = material.file
    assert stored.sha256 == hashlib.sha256(samples["zip"]).hexdigest()
    assert stored.size == len(samples["zip"]) and stored.kind == "zip"
    assert stored.file.name.startswith(f"materials/{stored.sha256[:2]}/")
    assert "安装包" not in stored.file.name
    with stored.file.open("rb") as fh:
        assert fh.read() == samples["zip"]


# --- archives that lie about what they hold (R-J7) ----------------------------------------

MB = 1024 * 1024


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _claiming(archive: bytes, file_size: int) -> bytes:
    """`archive` with its (single) entry's size in the central directory replaced by a lie;
    the local header and the compressed stream are left as they were."""
    data = bytearray(archive)
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, file_size)
    return bytes(data)


def _nested(levels: int) -> bytes:
    """An archive holding an archive, `levels` deep, with a text file innermost."""
    data = _zip({"README.txt": b"how to install\n"})
    for level in range(levels):
        data = _zip({f"level{level}.zip": data})
    return data


def _refusal(exc) -> str:
    assert rules_of(exc) == {"file": {"R-J7"}}
    return exc.value.error_dict["file"][0].message


def test_entry_claiming_1000_bytes_that_inflates_to_32_mb_is_refused_while_inflating(
        project, team_lead, mtype, media_root, monkeypatch, settings):
    """R-J7: a directory's sizes are claims. The entry is inflated in bounded reads that stop
    once the ratio limit (100 times the ~32 KB upload) is passed, long before its 32 MB are out."""
    bomb = _claiming(_zip({"payload.bin": b"\0" * (32 * MB)}), 1000)
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo("payload.bin").file_size == 1000
    inflated = []
    real_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = real_read(self, n)
        inflated.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), bomb, "installer.zip", team_lead)
    assert "压缩炸弹" in _refusal(exc)
    assert sum(inflated) <= settings.ARCHIVE_MAX_RATIO * len(bomb) + 64 * 1024 < 8 * MB
    assert max(inflated) <= 64 * 1024
    assert files_on_disk(media_root) == [] and not StoredFile.objects.exists()


@pytest.mark.parametrize("claimed", [5 * 1024, 20 * 1024])
def test_entry_whose_real_size_differs_from_its_claim_is_refused(project, team_lead, mtype, media_root,
                                                                 claimed):
    """R-J7: within every limit, an entry that inflates to other than it claims is a lie that
    other unpackers would believe differently; the archive is refused as damaged."""
    archive = _claiming(_zip({"notes.txt": bytes(range(256)) * 40}), claimed)  # really 10 KB
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), archive, "notes.zip", team_lead)
    assert "声明的大小与实际内容不符" in _refusal(exc)
    assert files_on_disk(media_root) == []


def test_archive_of_16_inner_archives_is_judged_by_what_they_inflate_to(project, team_lead, mtype,
                                                                          media_root):
    """R-J7: 16 archives of 1 MB each, kept in a ~20 KB archive: the outer directory claims
    20 KB, but the nested entries are inflated and count against the ratio limit."""
    inner = _zip({"payload.bin": b"\0" * MB})
    outer = _zip({f"part{i:02}.zip": inner for i in range(16)}, zipfile.ZIP_STORED)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(outer)).infolist()) < 32 * 1024
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), outer, "parts.zip", team_lead)
    assert "压缩炸弹" in _refusal(exc)
    assert files_on_disk(media_root) == [] and not StoredFile.objects.exists()


def test_nested_archives_count_against_the_unpacked_size_limit(project, team_lead, mtype, media_root,
                                                               settings):
    """R-J7: with the ratio out of the way, what inner archives inflate to still counts
    against ARCHIVE_MAX_UNCOMPRESSED_MB."""
    settings.ARCHIVE_MAX_RATIO, settings.ARCHIVE_MAX_UNCOMPRESSED_MB = 10**9, 4
    inner = _zip({"payload.bin": b"\0" * MB})
    outer = _zip({f"part{i:02}.zip": inner for i in range(16)}, zipfile.ZIP_STORED)
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), outer, "parts.zip", team_lead)
    assert "解压后过大（上限 4 MB）" in _refusal(exc)
    assert files_on_disk(media_root) == []


def test_nested_archives_count_against_the_entry_limit(project, team_lead, mtype, media_root, settings):
    """R-J7: 2 entries in the outer directory, 12 more inside them: 14 > ARCHIVE_MAX_FILES."""
    settings.ARCHIVE_MAX_FILES = 10
    inner = _zip({f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), _zip({"a.zip": inner, "b.zip": inner}), "two.zip", team_lead)
    assert "文件过多" in _refusal(exc)
    assert files_on_disk(media_root) == []


def test_archives_nested_three_deep_are_refused(project, team_lead, mtype, media_root):
    """R-J7: archives inside the upload may hold archives two levels deep, no deeper."""
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), _nested(3), "deep.zip", team_lead)
    assert "嵌套过深" in _refusal(exc)
    assert files_on_disk(media_root) == [] and not StoredFile.objects.exists()


def test_archives_nested_two_deep_and_office_files_inside_are_accepted(project, team_lead, mtype, samples):
    """R-J7: ordinary nesting (an archive of archives, a document inside an archive) passes,
    and nothing but the upload itself is kept."""
    assert attach(project, mtype("installer"), _nested(2), "nested.zip", team_lead).file.kind == "zip"
    bundle = _zip({"说明.docx": samples["docx"], "slides.pptx": samples["pptx"], "src.zip": samples["zip"]})
    assert attach(project, mtype("installer"), bundle, "bundle.zip", team_lead).file.kind == "zip"


def test_entries_that_cannot_be_inflated_in_bounded_reads_are_refused(project, team_lead, mtype, media_root):
    """R-J7: bzip2 and LZMA entries inflate a whole chunk at once and encrypted ones cannot be
    read: neither can be measured, so neither is accepted."""
    for archive in (_zip({"a.txt": b"x" * 1000}, zipfile.ZIP_BZIP2), _zip({"a.txt": b"x" * 1000}, zipfile.ZIP_LZMA)):
        with pytest.raises(ValidationError) as exc:
            attach(project, mtype("installer"), archive, "packed.zip", team_lead)
        assert "无法检查其内容" in _refusal(exc)
    encrypted = bytearray(_zip({"a.txt": b"x" * 1000}))
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = encrypted.index(signature) + flags_at
        encrypted[at] |= 0x1
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("installer"), bytes(encrypted), "secret.zip", team_lead)
    assert "无法检查其内容" in _refusal(exc)
    assert files_on_disk(media_root) == [] and not StoredFile.objects.exists()


def test_proof_document_needs_the_own_entity_attestation(project, team_lead, mtype, samples, media_root):
    """R-J7.2: proof documents belong to the entrant itself, never a parent or subsidiary."""
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("qualification"), samples["pdf"], "营业执照.pdf", team_lead)
    assert rules_of(exc) == {"attested_own_entity": {"R-J7"}}
    assert files_on_disk(media_root) == []
    material = attach(project, mtype("qualification"), samples["pdf"], "营业执照.pdf", team_lead, attested=True)
    assert material.attested_own_entity


def test_file_names_are_made_safe():
    assert safe_filename("../../etc/passwd.pdf", "pdf") == "passwd.pdf"
    assert safe_filename("C:\\Users\\张伟\\项目 介绍.pptx", "pptx") == "项目_介绍.pptx"
    assert safe_filename("report.exe", "pdf") == "report.pdf"
    assert safe_filename("..", "png") == "material.png"
    assert len(safe_filename("长" * 500 + ".pdf", "pdf")) <= 120
    # Direction controls and invisible characters never reach the display name.
    assert safe_filename("正常\u202egnp.exe", "png") == "正常gnp.png"
    assert safe_filename("\u200b报告\u2066\ufeff.pdf", "pdf") == "报告.pdf"


def test_new_file_replaces_the_draft_material_and_is_audited(project, team_lead, mtype, samples):
    first = attach(project, mtype("presentation"), samples["pdf"], "v1.pdf", team_lead)
    second = attach(project, mtype("presentation"), samples["pptx"], "v2.pptx", team_lead)
    assert first.pk == second.pk and second.file.kind == "pptx"
    assert DraftMaterial.objects.filter(project=project).count() == 1
    entry = AuditEntry.objects.filter(action="project.material.attach").order_by("-seq").first()
    assert entry.before == {"file": first.file.pk, "link": ""}
    assert entry.after["sha256"] == second.file.sha256


def test_cloud_service_link_must_be_https(project, team_lead, mtype):
    """R-J7.5: the hosted service is a link beside its documentation."""
    with pytest.raises(ValidationError) as exc:
        attach_link(project=project, material_type=mtype("cloud_service"), url="http://demo.example.com",
                    actor=team_lead)
    assert rules_of(exc) == {"link": {"R-J7"}}
    with pytest.raises(ValidationError):
        attach_link(project=project, material_type=mtype("video"), url="https://v.example.com", actor=team_lead)
    material = attach_link(project=project, material_type=mtype("cloud_service"),
                           url="https://demo.example.com/app", actor=team_lead)
    assert material.link == "https://demo.example.com/app"


# --- deadlines (R-J4, R-T1) -----------------------------------------------------------------

@pytest.fixture
def deadline(contest):
    """The local stage's submission deadline; tests run the clock around it."""
    return ScheduleItem.objects.get(contest=contest, key="local_submission").ends_at


def test_upload_after_the_deadline_is_refused(project, team_lead, mtype, samples, deadline, media_root):
    """R-J4: nothing starts after the deadline, grace period or not."""
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("video"), samples["mp4"], "v.mp4", team_lead,
               now=deadline + dt.timedelta(minutes=1))
    assert rules_of(exc) == {"__all__": {"R-J4"}}
    assert files_on_disk(media_root) == []


def test_upload_started_before_the_deadline_may_finish_within_grace(project, team_lead, mtype, samples,
                                                                       deadline, contest):
    """R-J4 (HotCRP's sub_grace): started before the deadline, finished within the grace."""
    started = deadline - dt.timedelta(minutes=2)
    within = deadline + dt.timedelta(minutes=contest.upload_grace_minutes - 1)
    material = attach(project, mtype("video"), samples["mp4"], "v.mp4", team_lead, started_at=started, now=within)
    assert material.upload_started_at == started
    with pytest.raises(ValidationError) as exc:
        attach(project, mtype("video"), samples["mp4"], "v.mp4", team_lead, started_at=started,
               now=deadline + dt.timedelta(minutes=contest.upload_grace_minutes + 1))
    assert rules_of(exc) == {"__all__": {"R-J4"}}


def test_submitting_in_grace_needs_an_upload_that_started_before_the_deadline(
        project, team_lead, mtype, samples, deadline, contest, complete_materials):
    complete_materials()
    in_grace = deadline + dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as exc:
        submit_project(project=project, actor=team_lead, now=in_grace)
    assert "R-J4" in rules_of(exc)["__all__"]
    attach(project, mtype("video"), samples["mp4"], "final.mp4", team_lead,
           started_at=deadline - dt.timedelta(minutes=1), now=in_grace)
    submission = submit_project(project=project, actor=team_lead, now=in_grace + dt.timedelta(minutes=1))
    assert submission.number == 1
    after_grace = deadline + dt.timedelta(minutes=contest.upload_grace_minutes + 1)
    with pytest.raises(ValidationError):
        submit_project(project=project, actor=team_lead, now=after_grace)


# --- submission (R-J4, R-J6, R-J7) ------------------------------------------------------------

def test_submission_needs_every_required_material(project, team_lead, mtype):
    """R-J7: the application form, proof documents, presentation and video are required."""
    with pytest.raises(ValidationError) as exc:
        submit_project(project=project, actor=team_lead)
    errors = rules_of(exc)
    assert errors["materials.qualification"] == {"R-J7"} and errors["materials.video"] == {"R-J7"}
    assert "materials.installer" not in errors


def test_submitting_freezes_materials_and_later_changes_do_not_alter_the_version(
        project, team_lead, mtype, samples, complete_materials):
    """R-J4/R-J6: each version keeps its own files; the draft moves on."""
    complete_materials()
    v1 = submit_project(project=project, actor=team_lead)
    frozen = {m.material_type.code: m.file_id for m in v1.materials.select_related("material_type")}
    assert frozen["presentation"] is not None and len(frozen) == 7
    attach(project, mtype("presentation"), samples["pptx"], "新版.pptx", team_lead)
    v1_presentation = v1.materials.get(material_type__code="presentation")
    assert v1_presentation.file_id == frozen["presentation"] and v1_presentation.file.kind == "pdf"
    v2 = submit_project(project=project, actor=team_lead)
    assert v2.materials.get(material_type__code="presentation").file.kind == "pptx"
    with pytest.raises(RuntimeError):
        v1_presentation.save()
    with pytest.raises(RuntimeError):
        v1_presentation.delete()
    assert SubmissionMaterial.objects.filter(submission=v1).count() == 7


# --- downloads (R-J7) ---------------------------------------------------------------------

@pytest.fixture
def stored(project, team_lead, mtype, samples):
    return attach(project, mtype("presentation"), samples["pdf"], "项目介绍 2023.pdf", team_lead).file


def test_download_is_an_attachment_that_is_never_sniffed(stored, team_lead, verified, samples):
    response = verified(team_lead).get(reverse("projects:download_file", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples["pdf"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E9%A1%B9%E7%9B%AE%E4%BB%8B%E7%BB%8D_2023.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_another_team_cannot_download(stored, other_lead, verified):
    response = verified(other_lead).get(reverse("projects:download_file", args=[stored.pk]))
    assert response.status_code == 404


def test_anonymous_visitor_cannot_download(stored, client):
    assert client.get(reverse("projects:download_file", args=[stored.pk])).status_code == 404


def test_staff_of_the_station_and_the_secretariat_can_download(stored, secretariat, station_officer,
                                                                 expert, verified):
    for user, status in ((secretariat, 200), (station_officer, 200), (expert, 404)):
        response = verified(user).get(reverse("projects:download_file", args=[stored.pk]))
        assert response.status_code == status, user


def test_officer_of_another_station_cannot_download(stored, contest, verified):
    from ciic.accounts.enums import Role
    from ciic.testing.personas import make_user

    other_station = contest.stations.exclude(pk=stored.project.team.station_id).first()
    officer = make_user("elsewhere@example.com", role=Role.STATION_OFFICER, station=other_station)
    response = verified(officer).get(reverse("projects:download_file", args=[stored.pk]))
    assert response.status_code == 404
