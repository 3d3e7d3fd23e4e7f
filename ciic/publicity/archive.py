"""The case file of a complaint as a zip, archived like a review round (R-X2, R-V3 留档备查).

`case_archive` builds the bytes, reading only:
- `case.json`: the complaint (number, scope, project, award, ground with its rule, facts), its
  state, outcome, public ruling and internal findings, the officer, every step with its time,
  actor and note, each piece of evidence (its SHA-256 as recorded at upload), the accused
  team's response (the further-material request of R-J5 and every item it supplied), and the
  complainant's identity *masked*: kind, name, masked ID number, masked mobile or masked
  credit code. Never the full ID number, mobile or credit code, never an account's e-mail.
- `evidence/`: each evidence file (the complainant's and the officer's); `response/`: each file
  the team supplied. A file the storage no longer holds is marked missing in `case.json`.
- `manifest.json`: every other entry with its SHA-256 and size.
Entries carry a fixed time and JSON is written with sorted keys, so the same case gives the
same bytes (a second build can be compared with the stored one).

`archive_case` builds it once the case is closed, stores it (Django storage) and records the
zip's and the manifest's SHA-256 in the audit chain, once per case. `verify_archive` recomputes
every hash of a zip; `verify_stored_archive` also checks the stored copy against the audit entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
import zlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ciic.audit.models import AuditEntry
from ciic.audit.services import record
from ciic.core.masking import mask_id_number, mask_mobile
from ciic.core.validation import Errors
from ciic.projects.models import FurtherMaterial

from .config import publicity_config
from .enums import CaseState
from .models import Case, Evidence, Identity

RULE = "R-V3"
ACTION = "publicity.case.archive"
CASE_JSON = "case.json"
MANIFEST = "manifest.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the bytes depend on the content only
ARCHIVE_DIR = "publicity/archives"
# What reading a damaged entry may raise: a bad CRC (BadZipFile), a broken deflate stream
# (zlib.error), one that ends early (EOFError).
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _safe(name: str) -> str:
    """A file name that stays inside its folder of the zip."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name or "").strip(" .")
    return cleaned[-120:] or "file"


def _person(user, case: Case) -> str | None:
    """Staff by name (or account number); the complainant by role only: their identity is the
    masked block, and `str(user)` could fall back to an e-mail or mobile."""
    if user is None:
        return None
    if user.pk == case.complainant_id:
        return "complainant"
    return user.full_name or f"#{user.pk}"


def _identity(identity: Identity) -> dict:
    return {"kind": identity.kind, "name": identity.name,
            "id_number": mask_id_number(identity.id_number), "mobile": mask_mobile(identity.mobile),
            # The unit's code is masked like an ID number (the same 18 characters).
            "credit_code": mask_id_number(identity.credit_code),
            "legal_representative": identity.legal_representative,
            "seal_letter_sha256": identity.seal_letter_sha256}


def _read(field_file) -> bytes | None:
    # Through the storage, not the field: a field's file already open would be read as cached.
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def _evidence(case: Case, iso, files: dict[str, bytes]) -> list[dict]:
    rows = []
    for index, item in enumerate(Evidence.objects.filter(case=case).select_related("added_by").order_by("added_at", "id"),
                                 start=1):
        row = {"party": item.party, "name": item.name, "size": item.size, "content_type": item.content_type,
               "sha256": item.sha256, "link": item.link, "note": item.note,
               "added_by": _person(item.added_by, case), "added_at": iso(item.added_at), "path": None,
               "missing": False}
        if item.file:
            data = _read(item.file)
            if data is None:
                row["missing"] = True
            else:
                row["path"] = f"evidence/{index:02d}-{item.party}-{_safe(item.name)}"
                files[row["path"]] = data
        rows.append(row)
    return rows


def _response(case: Case, iso, files: dict[str, bytes]) -> dict | None:
    request = case.material_request
    if request is None:
        return None
    items = []
    for index, item in enumerate(FurtherMaterial.objects.filter(request=request).select_related("file", "uploaded_by")
                                 .order_by("uploaded_at", "id"), start=1):
        stored = item.file
        row = {"link": item.link, "note": item.note, "uploaded_by": _person(item.uploaded_by, case),
               "uploaded_at": iso(item.uploaded_at), "name": stored.original_name if stored else "",
               "size": stored.size if stored else 0, "sha256": stored.sha256 if stored else "", "path": None,
               "missing": False}
        if stored is not None:
            data = _read(stored.file)
            if data is None:
                row["missing"] = True
            else:
                row["path"] = f"response/{index:02d}-{_safe(stored.original_name)}"
                files[row["path"]] = data
        items.append(row)
    return {"message": request.message, "requested_by": _person(request.requested_by, case),
            "requested_at": iso(request.requested_at), "due_at": iso(request.due_at), "status": request.status,
            "answer_note": request.answer_note, "answered_by": _person(request.answered_by, case),
            "answered_at": iso(request.answered_at), "cancel_reason": request.cancel_reason, "items": items}


def _as_of(case: Case) -> dt.datetime:
    """The archive's date: when the case closed, else its last step (never `now`, so that a
    rebuild of the same case gives the same bytes)."""
    if case.closed_at:
        return case.closed_at
    last = case.steps.order_by("-at", "-id").values_list("at", flat=True).first()
    return last or case.received_at


def _case_document(case: Case, files: dict[str, bytes]) -> dict:
    zone = ZoneInfo(case.contest.time_zone or "Asia/Shanghai")

    def iso(value: dt.datetime | None) -> str | None:
        return timezone.localtime(value, zone).isoformat() if value else None

    config = publicity_config(case.contest)
    ground = config.ground(case.ground) if config else None
    reason = config.reason(case.not_accepted_reason) if config and case.not_accepted_reason else None
    project = case.project
    award = case.award
    return {
        "number": case.number, "contest": case.contest.slug, "scope": case.scope,
        "project": {"id": project.pk, "name": project.name, "team": project.team.name,
                    "organization": project.team.organization.name},
        "award": {"id": award.pk, "code": award.code, "name": award.name} if award else None,
        "notice_sha256": case.notice.snapshot_sha256 if case.notice_id else None,
        "ground": {"code": case.ground, "rule": case.rule, "name": ground.name if ground else "",
                   "name_en": ground.name_en if ground else ""},
        "facts": case.facts, "state": case.state, "state_label": str(CaseState(case.state).label),
        "received_at": iso(case.received_at), "due_at": iso(case.due_at), "closed_at": iso(case.closed_at),
        "not_accepted_reason": {"code": reason.code, "name": reason.name, "name_en": reason.name_en}
        if reason else (case.not_accepted_reason or None),
        "officer": _person(case.officer, case), "findings": case.findings, "outcome": case.outcome,
        "ruling": case.ruling, "revokes_award": case.revokes_award,
        "steps": [{"at": iso(s.at), "actor": _person(s.actor, case), "from": s.from_state, "to": s.to_state,
                   "note": s.note} for s in case.steps.select_related("actor").order_by("at", "id")],
        "complainant": _identity(case.identity),
        "evidence": _evidence(case, iso, files),
        "response": _response(case, iso, files),
        "as_of": iso(_as_of(case)),
    }


def build_zip(case: Case) -> tuple[bytes, dict]:
    """The archive's bytes and its manifest."""
    case = Case.objects.select_related("contest", "project__team__organization", "award", "notice", "officer",
                                       "identity", "material_request__requested_by",
                                       "material_request__answered_by").get(pk=case.pk)
    files: dict[str, bytes] = {}
    document = _case_document(case, files)
    entries = {CASE_JSON: _json(document), **dict(sorted(files.items()))}
    manifest = {"case": case.number, "algorithm": "sha256", "as_of": document["as_of"],
                "files": [{"name": name, "sha256": sha256(data), "bytes": len(data)} for name, data in entries.items()]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [*entries.items(), (MANIFEST, _json(manifest))]:
            zf.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), manifest


def case_archive(case: Case) -> bytes:
    """The case file as a zip (module docstring), in the contest's language. Reads only."""
    with translation.override(settings.LANGUAGE_CODE):  # the record is kept in the contest's language
        return build_zip(case)[0]


def archive_entry(case: Case) -> AuditEntry | None:
    """The audit entry of the case's archive, or None while it has none."""
    return AuditEntry.objects.filter(action=ACTION, object_type=Case._meta.label_lower,
                                     object_id=str(case.pk)).order_by("seq").first()


def archive_case(*, case: Case, actor) -> AuditEntry:
    """Archive a closed case (R-V3): build the zip, store it and record in the audit chain the
    zip's SHA-256, the manifest's SHA-256 and each file's. Once per case; refused before the
    case is closed. Meant to run in `cases.transition`'s transaction when the case closes, so
    the closing step is in the file."""
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        errors = Errors()
        if locked.state != CaseState.CLOSED:
            errors.add("__all__", _("结案后才能归档"), RULE)
        elif archive_entry(locked) is not None:
            errors.add("__all__", _("该案件已归档"), RULE)
        errors.raise_if_any()
        with translation.override(settings.LANGUAGE_CODE):
            data, manifest = build_zip(locked)
        digest = sha256(data)
        # Stored inside the transaction, as the review round's archive: should the caller roll
        # back, the file stays unlisted (no audit entry names it) and a later close stores anew.
        name = default_storage.save(f"{ARCHIVE_DIR}/{_safe(locked.number)}-{digest[:12]}.zip", ContentFile(data))
        return record(actor=actor, action=ACTION, target=locked, after={
            "sha256": digest, "manifest_sha256": sha256(_json(manifest)), "file": name, "bytes": len(data),
            "files": {f["name"]: f["sha256"] for f in manifest["files"]}})


def verify_archive(data: bytes) -> list[str]:
    """Recompute the hashes of a case archive: each entry against the manifest (missing or
    unlisted entries too, and sizes), and each evidence or response file against the SHA-256
    recorded when it was uploaded. Empty when everything matches."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(zf.read(MANIFEST))
        listed = {f["name"]: f for f in manifest["files"]}
    except (*UNREADABLE, KeyError, TypeError):
        return [_("归档文件无法读取或缺少清单")]
    problems: list[str] = []
    names = set(zf.namelist()) - {MANIFEST}
    for name in sorted(names - set(listed)):
        problems.append(_("清单中没有的文件：%(name)s") % {"name": name})
    actual: dict[str, str] = {}
    for name, entry in sorted(listed.items()):
        if name not in names:
            problems.append(_("缺少文件：%(name)s") % {"name": name})
            continue
        try:
            content = zf.read(name)
        except UNREADABLE:
            problems.append(_("文件 %(name)s 已损坏") % {"name": name})
            continue
        actual[name] = sha256(content)
        if actual[name] != entry.get("sha256") or len(content) != entry.get("bytes"):
            problems.append(_("文件 %(name)s 的 SHA-256 与清单不符") % {"name": name})
    if CASE_JSON in actual:
        try:
            document = json.loads(zf.read(CASE_JSON))
            recorded = [*document.get("evidence", []), *((document.get("response") or {}).get("items", []))]
        except (*UNREADABLE, AttributeError, TypeError):
            return [*problems, _("case.json 无法读取")]
        for item in recorded:
            path = item.get("path") if isinstance(item, dict) else None
            if path and path in actual and item.get("sha256") and actual[path] != item["sha256"]:
                problems.append(_("文件 %(name)s 与上传时记录的 SHA-256 不符") % {"name": path})
            elif path and path not in listed:
                problems.append(_("缺少文件：%(name)s") % {"name": path})
    return problems


def verify_stored_archive(case: Case) -> list[str]:
    """The stored archive against its audit entry (the zip's and the manifest's SHA-256), then
    `verify_archive`. Empty when everything matches."""
    entry = archive_entry(case)
    if entry is None:
        return [_("该案件尚未归档")]
    try:
        with default_storage.open(entry.after["file"], "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return [_("找不到归档文件")]
    problems = []
    if sha256(data) != entry.after["sha256"]:
        problems.append(_("归档文件的 SHA-256 与审计记录不符"))
    try:
        manifest = zipfile.ZipFile(io.BytesIO(data)).read(MANIFEST)
        if sha256(manifest) != entry.after["manifest_sha256"]:
            problems.append(_("归档内的清单与审计记录不符"))
    except (*UNREADABLE, KeyError):
        pass  # verify_archive reports it
    return problems + verify_archive(data)
