"""Every write about a project's materials (R-J7): files checked by content, links, and their
freezing into a submitted version (R-J4, R-J6).

A file is streamed to a temporary file in chunks (memory stays flat) while its SHA-256 and
size are computed; the size limit of its material type stops the stream as soon as it is
passed. Its kind is detected from its bytes, never from its name. An archive is judged first
from its directory, then by inflating every entry (nested archives too) in bounded reads that
stop at the first limit passed, since the sizes a directory declares may lie. Only a file
that passes every check is moved into storage. Errors are ValidationErrors keyed by field
whose codes are rule IDs; nothing is stored on error; each write is audited.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import tempfile
import unicodedata
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import filetype
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import MaterialType, Stage
from ciic.core.text import strip_hidden

from .enums import ProjectStatus
from .models import DraftMaterial, Project, StoredFile, Submission, SubmissionMaterial
from .selectors import open_stage, submission_window

MB = 1024 * 1024
NAME_LIMIT = 120
# An archive inside the upload may hold archives, these no more: real material never nests
# deeper, and each level multiplies what a reviewer's unpacker produces.
ARCHIVE_MAX_DEPTH = 2
ARCHIVE_READ_CHUNK = 64 * 1024

# The spec names formats by extension; each is satisfied by these detected kinds.
FORMAT_KINDS: dict[str, set[str]] = {
    "pdf": {"pdf"},
    "jpg": {"jpg"},
    "jpeg": {"jpg"},
    "png": {"png"},
    "mp4": {"mp4", "m4v"},
    "ppt": {"ppt"},
    "pptx": {"pptx"},
    "doc": {"doc"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "zip": {"zip"},
}
# Kinds that are zip containers: detected by their entries, checked as archives.
ZIP_KINDS = {"zip", "docx", "pptx", "xlsx", "odt", "ods", "odp", "epub"}
MIME_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


class _TooLarge(Exception):
    pass


class _MovableFile(File):
    """A finished temporary file: FileSystemStorage moves it into place instead of copying."""

    def temporary_file_path(self) -> str:
        return self.name


def temp_dir() -> Path:
    """Where partial and incoming files live (same file system as storage, so moves are cheap)."""
    path = Path(settings.UPLOAD_TEMP_DIR or Path(settings.MEDIA_ROOT) / "partial")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _spool(stream: BinaryIO, limit: int) -> tuple[Path, str, int]:
    """Copy `stream` to a temporary file chunk by chunk: (path, sha256, size).

    Raises _TooLarge as soon as more than `limit` bytes arrive; the partial file is removed.
    """
    fd, name = tempfile.mkstemp(dir=temp_dir(), prefix="in-")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(settings.UPLOAD_CHUNK_SIZE):
                size += len(chunk)
                if size > limit:
                    raise _TooLarge
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), digest.hexdigest(), size


def _zip_kind(path: Path) -> str:
    """zip, docx, pptx or xlsx, from the archive's directory only (nothing is decompressed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""
    if "[Content_Types].xml" in names:
        for prefix, kind in (("ppt/", "pptx"), ("word/", "docx"), ("xl/", "xlsx")):
            if any(n.startswith(prefix) for n in names):
                return kind
        return "ooxml"
    return "zip"


def detect_kind(path: Path) -> tuple[str, str]:
    """(kind, MIME type) from the file's bytes; ("", ...) when unknown."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    guess = filetype.guess(head)
    if head[:2] == b"PK" or (guess is not None and guess.extension in ZIP_KINDS):
        kind = _zip_kind(path)
        return kind, MIME_TYPES.get(kind, "application/zip" if kind else "application/octet-stream")
    if guess is None:
        return "", "application/octet-stream"
    return guess.extension, guess.mime


def _check_declared(infos: list[zipfile.ZipInfo], errors: dict[str, tuple[str, str]]) -> None:
    """Refuse what the directory admits to before inflating anything: an honest bomb costs
    nothing to turn away. Passing here proves nothing, since the sizes are the archive's own
    claims; `_ArchiveInflation` measures what it really holds."""
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if len(infos) > settings.ARCHIVE_MAX_FILES:
        errors["file"] = (_("压缩包内文件过多（%(count)s 个，上限 %(limit)s 个）") % {
            "count": len(infos), "limit": settings.ARCHIVE_MAX_FILES}, "R-J7")
    elif total > settings.ARCHIVE_MAX_UNCOMPRESSED_MB * MB:
        errors["file"] = (_("压缩包解压后过大（上限 %(limit)s MB）") % {
            "limit": settings.ARCHIVE_MAX_UNCOMPRESSED_MB}, "R-J7")
    elif (total > MB and total > settings.ARCHIVE_MAX_RATIO * max(packed, 1)) or any(
            i.file_size > MB and i.file_size > settings.ARCHIVE_MAX_RATIO * max(i.compress_size, 1)
            for i in infos):
        errors["file"] = (_("压缩包压缩比异常，疑似压缩炸弹，已拒绝"), "R-J7")


class _ArchiveRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _bomb() -> _ArchiveRefused:
    return _ArchiveRefused(_("压缩包压缩比异常，疑似压缩炸弹，已拒绝"))


def _damaged() -> _ArchiveRefused:
    return _ArchiveRefused(_("压缩包已损坏，或其中文件声明的大小与实际内容不符，已拒绝"))


class _ArchiveInflation:
    """Inflates every entry of an uploaded archive, and of the archives inside it, in bounded
    reads, counting real bytes and entries against the limits (R-J7).

    An archive's directory states each entry's size, but unpackers other than Python's believe
    the compressed stream, not the claim: an entry claiming 1,000 bytes can inflate to
    gigabytes, and sixteen small archives inside one inflate sixteen times over when a
    reviewer unpacks them all. So nothing the directory says is trusted; reading stops as soon
    as a limit is passed, and memory stays at one chunk.
    """

    def __init__(self, packed_size: int):
        self.entries = 0
        self.unpacked = 0
        self.max_unpacked = settings.ARCHIVE_MAX_UNCOMPRESSED_MB * MB
        # The ratio limit, as the directory check applies it: anything up to 1 MB is fine.
        self.max_by_ratio = max(MB, settings.ARCHIVE_MAX_RATIO * packed_size)

    def _count_entries(self, count: int) -> None:
        self.entries += count
        if self.entries > settings.ARCHIVE_MAX_FILES:
            raise _ArchiveRefused(_("压缩包内文件过多（%(count)s 个，上限 %(limit)s 个）") % {
                "count": self.entries, "limit": settings.ARCHIVE_MAX_FILES})

    def _count_bytes(self, count: int) -> None:
        self.unpacked += count
        if self.unpacked > self.max_unpacked:
            raise _ArchiveRefused(_("压缩包解压后过大（上限 %(limit)s MB）") % {
                "limit": settings.ARCHIVE_MAX_UNCOMPRESSED_MB})
        if self.unpacked > self.max_by_ratio:
            raise _bomb()

    def walk(self, archive: zipfile.ZipFile, depth: int = 0) -> None:
        infos = archive.infolist()
        self._count_entries(len(infos))
        for info in infos:
            self._inflate(archive, info, depth)

    def _inflate(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int) -> None:
        # Python's reader would stop at the claimed size (and then fail the CRC); lifting the
        # claim lets the stream show its real length, which is what other unpackers produce.
        probe = copy.copy(info)
        probe.file_size = self.max_unpacked + 1
        # bzip2 and LZMA entries inflate a whole compressed chunk at once, unbounded; deflate
        # honours the chunk size. Encrypted entries cannot be measured at all.
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise _ArchiveRefused(_("压缩包内有加密或使用不常见压缩方式的文件，无法检查其内容；"
                                    "请去掉密码并以标准 ZIP（Deflate）方式重新打包"))
        entry_limit = max(MB, settings.ARCHIVE_MAX_RATIO * max(info.compress_size, 1))
        size, spool = 0, None
        try:
            with archive.open(probe) as member:
                while chunk := _read_member(member):
                    if size == 0 and chunk.startswith(b"PK\x03\x04"):
                        if depth >= ARCHIVE_MAX_DEPTH:
                            raise _ArchiveRefused(_("压缩包嵌套过深（压缩包内的压缩包最多 %(limit)s 层）") % {
                                "limit": ARCHIVE_MAX_DEPTH})
                        spool = tempfile.TemporaryFile(dir=temp_dir(), prefix="nested-")
                    size += len(chunk)
                    self._count_bytes(len(chunk))
                    if size > entry_limit:
                        raise _bomb()
                    if spool is not None:
                        spool.write(chunk)
            if size != info.file_size:
                raise _damaged()
            if spool is not None:
                spool.seek(0)
                try:
                    nested = zipfile.ZipFile(spool)
                except (zipfile.BadZipFile, OSError, ValueError) as exc:
                    raise _damaged() from exc
                with nested:
                    self.walk(nested, depth + 1)
        finally:
            if spool is not None:
                spool.close()


def _read_member(member: BinaryIO) -> bytes:
    """One bounded chunk of an entry; a broken stream or CRC is the archive's fault."""
    try:
        return member.read(ARCHIVE_READ_CHUNK)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _damaged() from exc


def _check_archive(path: Path, errors: dict[str, tuple[str, str]]) -> None:
    """Refuse zip bombs (R-J7): first from the sizes the directory declares, before unpacking
    anything; then by inflating every entry, nested archives included, in bounded reads that
    stop at the first limit passed. Nothing is written but a nested archive's own temporary
    copy, removed at once."""
    try:
        with zipfile.ZipFile(path) as archive:
            _check_declared(archive.infolist(), errors)
            if errors:
                return
            _ArchiveInflation(path.stat().st_size).walk(archive)
    except _ArchiveRefused as refused:
        errors["file"] = (refused.message, "R-J7")
    except (zipfile.BadZipFile, zlib.error, EOFError):
        # Raised while opening an entry (a local header that disagrees with the directory).
        errors["file"] = (_damaged().message, "R-J7")


def safe_filename(name: str, kind: str) -> str:
    """The uploader's name without paths or odd characters, limited, ending in the detected kind.

    Direction controls and invisible characters are stripped first (ciic.core.text): a
    right-to-left override would show `正常\u202egnp.exe` as `正常exe.png`."""
    base = strip_hidden(unicodedata.normalize("NFC", str(name or "")))
    base = PurePosixPath(base.replace("\\", "/")).name
    try:
        base = get_valid_filename(base)
    except SuspiciousFileOperation:
        base = ""
    base = base.lstrip(".") or "material"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    if kind and kind not in FORMAT_KINDS.get(ext.lower(), set()):
        ext = kind
    stem = stem[: NAME_LIMIT - len(ext) - 1] or "material"
    return f"{stem}.{ext}" if ext else stem


def _grace_window(contest, now: dt.datetime) -> tuple[Stage, dt.datetime | None, dt.datetime] | None:
    """The stage whose submission deadline passed less than the grace period ago (R-J4)."""
    grace = dt.timedelta(minutes=contest.upload_grace_minutes)
    for stage in Stage.objects.filter(contest=contest).order_by("order"):
        opens, closes = submission_window(stage)
        if closes is not None and closes < now <= closes + grace:
            return stage, opens, closes
    return None


def upload_allowed(contest, *, started_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Uploads start only while a stage is open; one started before the deadline may finish
    within `contest.upload_grace_minutes` after it (R-J4, R-T1). Nothing starts afterwards."""
    if open_stage(contest, now=now) is not None:
        return started_at is None or open_stage(contest, now=started_at) is not None
    window = _grace_window(contest, now)
    if window is None or started_at is None:
        return False
    _stage, opens, closes = window
    return (opens is None or opens <= started_at) and started_at <= closes


def grace_stage(project: Project, *, now: dt.datetime) -> Stage | None:
    """The stage a project may still submit to in the grace period: only if one of its uploads
    started before the deadline and finished within the grace period (R-J4)."""
    window = _grace_window(project.contest, now)
    if window is None:
        return None
    stage, _opens, closes = window
    late = DraftMaterial.objects.filter(project=project, file__isnull=False,
                                        upload_started_at__lte=closes, updated_at__gt=closes)
    return stage if late.exists() else None


def _deadline_error(contest, *, started_at, now, errors: dict[str, tuple[str, str]]) -> None:
    if not upload_allowed(contest, started_at=started_at, now=now):
        errors["__all__"] = (_("当前不在项目材料提交期内，或已超过截止后的宽限时间"), "R-J4")


def _common_checks(project: Project, material_type: MaterialType, errors: dict) -> None:
    if material_type.contest_id != project.contest_id:
        errors["material_type"] = (_("本届大赛没有这一类材料"), "R-J7")
    if project.status != ProjectStatus.ACTIVE:
        errors["__all__"] = (_("项目%(status)s，不能再修改") % {"status": project.get_status_display()}, "R-J6")


def _raise(errors: dict[str, tuple[str, str]]) -> None:
    if errors:
        raise ValidationError({field: [ValidationError(msg, code=rule)]
                               for field, (msg, rule) in errors.items()})


def check_upload_start(*, project: Project, material_type: MaterialType, length: int | None,
                       attested: bool, now: dt.datetime | None = None) -> None:
    """What can be refused before any byte arrives: deadline, type, size, attestation."""
    now = now or timezone.now()
    errors: dict[str, tuple[str, str]] = {}
    _common_checks(project, material_type, errors)
    _deadline_error(project.contest, started_at=now, now=now, errors=errors)
    if length is not None and length > material_type.max_size_mb * MB:
        errors["file"] = (_("文件超过 %(limit)s MB 的上限") % {"limit": material_type.max_size_mb}, "R-J7")
    if material_type.own_entity_attestation and not attested:
        errors["attested_own_entity"] = (_("请确认该证明材料属于参赛单位本身，而非母公司、分公司、子公司或控股公司"), "R-J7")
    _raise(errors)


def store_checked_file(*, project: Project, stream: BinaryIO, filename: str, formats: list[str],
                       max_size_mb: int, actor, now: dt.datetime) -> StoredFile:
    """Stream to disk enforcing the size limit, detect the kind from content and check it
    against `formats`, refuse archive bombs by inflating them in bounded reads (nested
    archives count too), and put the bytes in storage under a server-generated name with the
    uploader's name cleaned as the display name (R-J7). Returns the StoredFile unsaved: the
    caller saves it in its own transaction and deletes `stored.file` if that fails. Nothing
    is stored when a check fails."""
    errors: dict[str, tuple[str, str]] = {}
    try:
        path, sha256, size = _spool(stream, max_size_mb * MB)
    except _TooLarge:
        _raise({"file": (_("文件超过 %(limit)s MB 的上限") % {"limit": max_size_mb}, "R-J7")})
    try:
        kind, mime = detect_kind(path)
        allowed = set().union(*(FORMAT_KINDS.get(f.lower(), {f.lower()}) for f in formats))
        if size == 0:
            errors["file"] = (_("文件为空"), "R-J7")
        elif kind not in allowed:
            errors["file"] = (_("文件内容不是允许的格式（允许：%(formats)s；检测到：%(kind)s）") % {
                "formats": ", ".join(formats), "kind": kind or _("未知")}, "R-J7")
        elif kind in ZIP_KINDS:
            _check_archive(path, errors)
        _raise(errors)
        name = safe_filename(filename, kind)
        stored = StoredFile(project=project, sha256=sha256, size=size, content_type=mime, kind=kind,
                            original_name=name, uploaded_by=actor, uploaded_at=now)
        with open(path, "rb") as fh:
            stored.file.save(name, _MovableFile(fh, name=str(path)), save=False)
    finally:
        if path.exists():
            path.unlink()
    return stored


def attach_file(*, project: Project, material_type: MaterialType, stream: BinaryIO, filename: str,
                actor, attested: bool = False, note: str = "", started_at: dt.datetime | None = None,
                now: dt.datetime | None = None) -> DraftMaterial:
    """Store a file as the project's current material of `material_type` (R-J7).

    Steps: deadline with grace (R-J4, R-T1); attestation for proof documents (R-J7.2);
    stream to disk enforcing `max_size_mb`; detect the kind from content and check it against
    the type's formats; refuse archive bombs by inflating in bounded reads; store under a
    server-generated name; replace the type's previous draft material (submitted versions
    keep theirs, R-J6); audit `project.material.attach`. Nothing is stored when any check
    fails.
    """
    now = now or timezone.now()
    started_at = started_at or now
    errors: dict[str, tuple[str, str]] = {}
    _common_checks(project, material_type, errors)
    _deadline_error(project.contest, started_at=started_at, now=now, errors=errors)
    if material_type.own_entity_attestation and not attested:
        errors["attested_own_entity"] = (_("请确认该证明材料属于参赛单位本身，而非母公司、分公司、子公司或控股公司"), "R-J7")
    _raise(errors)

    stored = store_checked_file(project=project, stream=stream, filename=filename, formats=material_type.formats,
                                max_size_mb=material_type.max_size_mb, actor=actor, now=now)
    sha256, size, kind, name = stored.sha256, stored.size, stored.kind, stored.original_name
    try:
        with transaction.atomic():
            Project.objects.select_for_update().get(pk=project.pk)
            stored.save()
            previous = DraftMaterial.objects.filter(project=project, material_type=material_type).first()
            before = {"file": previous.file_id, "link": previous.link} if previous else None
            material, _created = DraftMaterial.objects.update_or_create(
                project=project, material_type=material_type,
                defaults={"file": stored, "attested_own_entity": attested, "note": note,
                          "upload_started_at": started_at, "updated_at": now, "updated_by": actor})
            record(actor=actor, action="project.material.attach", target=project, before=before, after={
                "material_type": material_type.code, "file": stored.pk, "sha256": sha256, "size": size,
                "kind": kind, "name": name, "attested_own_entity": attested})
    except BaseException:
        default_storage.delete(stored.file.name)
        raise
    return material


def attach_link(*, project: Project, material_type: MaterialType, url: str, actor, note: str = "",
                now: dt.datetime | None = None) -> DraftMaterial:
    """Set the hosted cloud-service or demo link of a link type (R-J7.5): https only. Audited."""
    now = now or timezone.now()
    errors: dict[str, tuple[str, str]] = {}
    _common_checks(project, material_type, errors)
    _deadline_error(project.contest, started_at=now, now=now, errors=errors)
    url = (url or "").strip()
    if not material_type.link_required:
        errors["link"] = (_("这一类材料不需要链接"), "R-J7")
    else:
        try:
            URLValidator(schemes=["https"])(url)
            if len(url) > DraftMaterial._meta.get_field("link").max_length:
                raise ValidationError("too long")
        except ValidationError:
            errors["link"] = (_("请填写以 https:// 开头的有效链接"), "R-J7")
    _raise(errors)
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        previous = DraftMaterial.objects.filter(project=project, material_type=material_type).first()
        material, _created = DraftMaterial.objects.update_or_create(
            project=project, material_type=material_type,
            defaults={"link": url, "note": note or (previous.note if previous else ""),
                      "updated_at": now, "updated_by": actor})
        record(actor=actor, action="project.material.link", target=project,
               before={"link": previous.link} if previous else None,
               after={"material_type": material_type.code, "link": url})
    return material


def material_errors(project: Project) -> dict[str, tuple[str, str]]:
    """What is missing for a submission: every required type, and links where needed (R-J7)."""
    errors: dict[str, tuple[str, str]] = {}
    drafts = {m.material_type_id: m for m in DraftMaterial.objects.filter(project=project)}
    for mtype in MaterialType.objects.filter(contest_id=project.contest_id):
        draft = drafts.get(mtype.pk)
        if draft is None:
            if mtype.required:
                errors[f"materials.{mtype.code}"] = (_("请上传“%(name)s”") % {"name": mtype.name}, "R-J7")
            continue
        if draft.file_id is None and not (mtype.link_required and draft.link):
            errors[f"materials.{mtype.code}"] = (_("请上传“%(name)s”") % {"name": mtype.name}, "R-J7")
        elif mtype.link_required and not draft.link:
            errors[f"materials.{mtype.code}"] = (_("“%(name)s”须提供链接") % {"name": mtype.name}, "R-J7")
    return errors


def freeze_materials(*, project: Project, submission: Submission) -> list[SubmissionMaterial]:
    """Copy the draft materials into the version; runs inside `submit_project`'s transaction.
    The files are shared, never copied: a StoredFile is never modified (R-J6)."""
    rows = [SubmissionMaterial(submission=submission, material_type_id=m.material_type_id, file_id=m.file_id,
                               link=m.link, attested_own_entity=m.attested_own_entity, note=m.note)
            for m in DraftMaterial.objects.filter(project=project)]
    return SubmissionMaterial.objects.bulk_create(rows)
