"""A tus 1.0.0 server for resumable material uploads (core + creation, checksum, expiration,
termination), as Django views.

Authentication: a Bearer API token (scripts), or the session with the CSRF token in the
`X-CSRFToken` header (browsers); the views are csrf_exempt only so that they can check the
CSRF token themselves after choosing how the caller authenticated. Anyone else gets 401, and
an upload that is not the caller's is a 404.

PATCH bodies are read from the request stream in chunks and appended to the upload's
partial file, so memory stays flat whatever the upload's size. When the last byte arrives the
partial file goes through `attach_file`, which does every content check (R-J7); a refusal is
a 422 and nothing is kept. Deadlines: an upload is created only while a stage is open; one
created before the deadline may finish within the contest's grace period (R-J4, R-T1).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from ciic.accounts.services import token_for_api_key
from ciic.contests.models import MaterialType
from ciic.core.text import strip_hidden

from .materials import attach_file, check_upload_start, temp_dir, upload_allowed
from .models import Project, Upload

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,checksum,expiration,termination"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
CHECKSUM_MISMATCH = 460
MAX_SIZE_MB = 2048


def max_size() -> int:
    """The largest upload any material type allows (Tus-Max-Size)."""
    largest = MaterialType.objects.order_by("-max_size_mb").values_list("max_size_mb", flat=True).first()
    return (largest or MAX_SIZE_MB) * 1024 * 1024


# --- responses ----------------------------------------------------------------------------

def _response(status: int, headers: dict[str, str] | None = None, body: dict | None = None) -> HttpResponse:
    response = HttpResponse(status=status, content=json.dumps(body, ensure_ascii=False) if body else b"",
                            content_type="application/json" if body else None)
    if not body:
        del response["Content-Type"]
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, message: str, **extra) -> HttpResponse:
    return _response(status, extra.get("headers"), {"error": message})


def _validation_response(exc: ValidationError, status: int = 422) -> HttpResponse:
    errors = {field: [{"message": e.message % (e.params or {}), "code": e.code} for e in errs]
              for field, errs in exc.error_dict.items()}
    return _response(status, body={"errors": errors})


def _refusal_status(exc: ValidationError) -> int:
    if "file" in exc.error_dict:
        return 413
    if "__all__" in exc.error_dict:
        return 403
    return 422


def _expires(upload: Upload) -> str:
    return http_date(upload.expires_at.timestamp())


# --- authentication -----------------------------------------------------------------------

def _caller(request: HttpRequest):
    """(user, None) or (None, refusal response). Bearer token, or session plus CSRF header."""
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth.startswith("Bearer "):
        token = token_for_api_key(auth.removeprefix("Bearer ").strip())
        if token is None:
            return None, _error(401, "invalid, revoked or expired token")
        if token.scope == token.Scope.READ and request.method not in {"GET", "HEAD", "OPTIONS"}:
            return None, _error(403, "read-only token")
        return token.user, None
    if not request.user.is_authenticated:
        return None, _error(401, "authentication required")
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        refusal = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
        if refusal is not None:
            return None, _error(403, "CSRF token missing or incorrect (send it as X-CSRFToken)")
    return request.user, None


def _own_upload(user, upload_id) -> Upload | None:
    return (Upload.objects.select_related("project__contest", "project__team", "material_type")
            .filter(pk=upload_id, uploader=user).first())


# --- the service side: every write about an upload ------------------------------------------

def _parse_metadata(raw: str) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, _sep, value = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(key) from exc
    return metadata


def create_upload(*, project: Project, material_type: MaterialType, uploader, length: int,
                  filename: str, attested: bool, metadata: dict, now: dt.datetime | None = None) -> Upload:
    """Start a resumable upload: refused after the deadline, over the type's size limit or
    without the attestation of a proof document (R-J4, R-J7). Creates an empty partial file."""
    now = now or timezone.now()
    check_upload_start(project=project, material_type=material_type, length=length,
                       attested=attested, now=now)
    # The name is kept until the upload finishes: stripped now, so no page shows a disguised one.
    filename = strip_hidden(filename)
    if "filename" in metadata:
        metadata = {**metadata, "filename": filename}
    upload = Upload(project=project, material_type=material_type, uploader=uploader, length=length,
                    metadata=metadata, filename=filename[:255], attested_own_entity=attested,
                    started_at=now, expires_at=now + dt.timedelta(hours=settings.UPLOAD_EXPIRY_HOURS))
    path = temp_dir() / f"tus-{upload.pk.hex}"
    path.touch(exist_ok=False)
    upload.temp_path = str(path)
    upload.save()
    return upload


def discard_upload(upload: Upload) -> None:
    """Remove an unfinished upload and its partial file (termination, expiry, refusal)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(upload.temp_path)
    Upload.objects.filter(pk=upload.pk).delete()


def finish_upload(upload: Upload, *, now: dt.datetime | None = None):
    """All bytes are in: the partial file becomes the project's material via `attach_file`,
    which checks its content (R-J7) and the grace rule for its start time (R-J4)."""
    now = now or timezone.now()
    try:
        with open(upload.temp_path, "rb") as stream:
            material = attach_file(project=upload.project, material_type=upload.material_type, stream=stream,
                                   filename=upload.filename, actor=upload.uploader,
                                   attested=upload.attested_own_entity, note=upload.metadata.get("note", ""),
                                   started_at=upload.started_at, now=now)
    except ValidationError:
        discard_upload(upload)
        raise
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(finished_at=now, stored_file=material.file)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(upload.temp_path)
    return material


# --- the views ------------------------------------------------------------------------------

def _options() -> HttpResponse:
    return _response(204, {"Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS,
                           "Tus-Max-Size": str(max_size()), "Tus-Checksum-Algorithm": "sha1,sha256,md5"})


def _check_version(request: HttpRequest) -> HttpResponse | None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _response(412, {"Tus-Version": TUS_VERSION})
    return None


def _header_int(request: HttpRequest, name: str) -> int | None:
    raw = request.headers.get(name, "")
    return int(raw) if raw.isdigit() else None


@csrf_exempt
def tus_collection(request: HttpRequest) -> HttpResponse:
    """OPTIONS: the server's capabilities. POST: create an upload (creation extension)."""
    if request.method == "OPTIONS":
        return _options()
    if request.method != "POST":
        return _error(405, "method not allowed", headers={"Allow": "OPTIONS, POST"})
    if (refusal := _check_version(request)) is not None:
        return refusal
    user, refusal = _caller(request)
    if refusal is not None:
        return refusal
    length = _header_int(request, "Upload-Length")
    if length is None:
        return _error(400, "Upload-Length is required (Upload-Defer-Length is not supported)")
    if length > max_size():
        return _error(413, "Upload-Length exceeds Tus-Max-Size")
    try:
        metadata = _parse_metadata(request.headers.get("Upload-Metadata", ""))
    except ValueError:
        return _error(400, "Upload-Metadata values must be base64")
    missing = [k for k in ("filename", "project", "material_type") if not metadata.get(k)]
    if missing:
        return _error(400, f"Upload-Metadata must include {', '.join(missing)}")
    project = (Project.objects.select_related("team", "contest")
               .filter(pk=int(metadata["project"]) if metadata["project"].isdigit() else 0).first())
    if project is None or not user.has_perm("projects.upload_material", project):
        return _error(404, "no such project")
    material_type = MaterialType.objects.filter(contest_id=project.contest_id, code=metadata["material_type"]).first()
    if material_type is None:
        return _error(400, "unknown material_type")
    attested = metadata.get("attested", "").lower() in {"1", "true", "yes", "on"}
    try:
        upload = create_upload(project=project, material_type=material_type, uploader=user, length=length,
                               filename=metadata["filename"], attested=attested, metadata=metadata)
    except ValidationError as exc:
        return _validation_response(exc, _refusal_status(exc))
    headers = {"Location": request.build_absolute_uri(reverse("projects:tus_upload", args=[upload.pk])),
               "Upload-Expires": _expires(upload), "Upload-Offset": "0"}
    if length == 0:
        try:
            finish_upload(upload)
        except ValidationError as exc:
            return _validation_response(exc)
    return _response(201, headers)


@csrf_exempt
def tus_upload(request: HttpRequest, upload_id) -> HttpResponse:
    """HEAD: where the upload stands. PATCH: append bytes. DELETE: give the upload up."""
    if request.method == "OPTIONS":
        return _options()
    if request.method not in {"HEAD", "PATCH", "DELETE"}:
        return _error(405, "method not allowed", headers={"Allow": "OPTIONS, HEAD, PATCH, DELETE"})
    if (refusal := _check_version(request)) is not None:
        return refusal
    user, refusal = _caller(request)
    if refusal is not None:
        return refusal
    upload = _own_upload(user, upload_id)
    if upload is None:
        return _error(404, "no such upload")
    if upload.finished_at is not None:
        # A client that lost the last response learns from HEAD that everything arrived.
        if request.method == "HEAD":
            return _response(200, {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length)})
        return _error(403, "the upload is finished")
    if upload.expires_at <= timezone.now():
        discard_upload(upload)
        return _error(410, "upload expired")
    if request.method == "HEAD":
        return _response(200, {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length),
                               "Upload-Expires": _expires(upload)})
    if request.method == "DELETE":
        discard_upload(upload)
        return _response(204)
    return _patch(request, upload)


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        return _error(415, "Content-Type must be application/offset+octet-stream")
    offset = _header_int(request, "Upload-Offset")
    if offset is None:
        return _error(400, "Upload-Offset is required")
    checksum = None
    if raw := request.headers.get("Upload-Checksum"):
        algorithm, _sep, expected = raw.partition(" ")
        if algorithm not in CHECKSUMS:
            return _error(400, "unsupported checksum algorithm")
        try:
            checksum = (CHECKSUMS[algorithm](), base64.b64decode(expected, validate=True))
        except binascii.Error:
            return _error(400, "Upload-Checksum value must be base64")
    if not upload_allowed(upload.project.contest, started_at=upload.started_at, now=timezone.now()):
        return _error(403, "the submission deadline and its grace period have passed (R-J4)")
    path = Path(upload.temp_path)
    try:
        fh = open(path, "r+b")  # closed in the finally below
    except FileNotFoundError:
        discard_upload(upload)
        return _error(410, "upload expired")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _error(423, "another request is writing to this upload")
        upload.refresh_from_db(fields=["offset"])
        if offset != upload.offset:
            return _error(409, "Upload-Offset does not match", headers={"Upload-Offset": str(upload.offset)})
        # A previous request may have died mid-write: what is not counted is not kept.
        fh.truncate(upload.offset)
        fh.seek(upload.offset)
        remaining = upload.length - upload.offset
        declared = _header_int(request, "Content-Length")
        if declared is not None and declared > remaining:
            return _error(413, "the body goes past Upload-Length")
        written = 0
        try:
            while written <= remaining and (chunk := request.read(min(settings.UPLOAD_CHUNK_SIZE,
                                                                        remaining - written + 1))):
                written += len(chunk)
                if written > remaining:
                    break
                fh.write(chunk)
                if checksum:
                    checksum[0].update(chunk)
        except OSError:
            pass  # the client went away: keep what arrived (unless a checksum says otherwise)
        if written > remaining:
            fh.truncate(upload.offset)
            return _error(413, "the body goes past Upload-Length")
        if checksum and checksum[0].digest() != checksum[1]:
            fh.truncate(upload.offset)
            return _error(CHECKSUM_MISMATCH, "checksum mismatch: the chunk was discarded")
        fh.flush()
        os.fsync(fh.fileno())
        new_offset = upload.offset + written
        Upload.objects.filter(pk=upload.pk, offset=upload.offset).update(offset=new_offset)
        upload.offset = new_offset
    finally:
        fh.close()
    headers = {"Upload-Offset": str(upload.offset), "Upload-Expires": _expires(upload)}
    if upload.offset == upload.length:
        try:
            finish_upload(upload)
        except ValidationError as exc:
            return _validation_response(exc)
    return _response(204, headers)


def remove_expired_uploads(*, now: dt.datetime | None = None) -> int:
    """Discard unfinished uploads past their expiry, with their partial files. Returns how many."""
    now = now or timezone.now()
    expired = list(Upload.objects.filter(finished_at__isnull=True, expires_at__lte=now))
    for upload in expired:
        discard_upload(upload)
    return len(expired)
