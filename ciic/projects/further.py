"""Further material on request (R-J5): during review the secretariat or the project's station
officer asks a team for more, with a message and a due time; the team is notified and supplies
files or links into the stage of its latest version until the due time, then marks the request
answered. The request, every item supplied, the answer and their times stay on record (R-J6):
items are write-once, requests are answered or cancelled, never deleted. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import MaterialType
from ciic.core.validation import Errors
from ciic.notifications.services import notify

from .enums import ProjectStatus
from .materials import store_checked_file
from .models import FurtherMaterial, MaterialRequest, Project

MESSAGE_LIMIT = 2000
NOTE_LIMIT = 1000


def _beijing(value: dt.datetime, contest) -> str:
    return timezone.localtime(value, ZoneInfo(contest.time_zone)).strftime("%Y-%m-%d %H:%M")


def further_limits(contest) -> tuple[list[str], int]:
    """What a further-material file may be: any format a material type of the contest allows,
    up to the largest size limit among them (R-J7)."""
    formats: list[str] = []
    largest = 0
    for material_type in MaterialType.objects.filter(contest=contest):
        for fmt in material_type.formats:
            if fmt not in formats:
                formats.append(fmt)
        largest = max(largest, material_type.max_size_mb)
    return formats, largest


def request_material(*, project: Project, actor, message: str, due_at: dt.datetime | None,
                     now: dt.datetime | None = None) -> MaterialRequest:
    """Ask the team for further material (R-J5). Needs a submitted version (review is of
    versions) and a due time in the future; the team lead is notified."""
    now = now or timezone.now()
    errors = Errors()
    message = (message or "").strip()
    if not message:
        errors.add("message", _("请写明需要补充的材料"), "R-J5")
    elif len(message) > MESSAGE_LIMIT:
        errors.add("message", _("要求不能超过 %(limit)s 字") % {"limit": MESSAGE_LIMIT}, "R-J5")
    if due_at is None:
        errors.add("due_at", _("请填写截止时间"), "R-J5")
    elif due_at <= now:
        errors.add("due_at", _("截止时间必须晚于现在"), "R-J5")
    if project.status != ProjectStatus.ACTIVE:
        errors.add("__all__", _("项目%(status)s，不能再要求补充材料") % {"status": project.get_status_display()}, "R-J5")
    latest = project.submissions.select_related("stage").order_by("-number").first()
    if latest is None:
        errors.add("__all__", _("项目尚未提交任何版本，评审开始后才能要求补充材料"), "R-J5")
    errors.raise_if_any()
    with transaction.atomic():
        item = MaterialRequest.objects.create(project=project, stage=latest.stage, message=message, due_at=due_at,
                                              requested_by=actor, requested_at=now)
        record(actor=actor, action="project.material_request", target=project,
               after={"request": item.pk, "stage": latest.stage.code, "message": message,
                      "due_at": due_at.isoformat()})
        notify([project.team.lead], "material_request", {
            "project": project.name, "requester": _requester_label(actor), "message": message,
            "due": _beijing(due_at, project.contest)}, url=reverse("projects:detail", args=[project.pk]) + "#requests")
    return item


def _requester_label(actor) -> str:
    station = getattr(actor, "station", None)
    return station.name if station is not None else "大赛秘书处"  # the station's name ends in 赛站


def _open_request(request: MaterialRequest, now: dt.datetime, errors: Errors) -> None:
    if request.status != MaterialRequest.Status.OPEN:
        errors.add("__all__", _("该补充材料要求%(status)s") % {"status": request.get_status_display()}, "R-J5")
    elif now > request.due_at:
        errors.add("__all__", _("补充材料已截止（%(due)s，北京时间）") % {
            "due": _beijing(request.due_at, request.project.contest)}, "R-J5")


def supply_file(*, request: MaterialRequest, actor, stream: BinaryIO, filename: str, note: str = "",
                now: dt.datetime | None = None) -> FurtherMaterial:
    """Add one file to the answer, checked like every material (content type, size, archive
    bombs: R-J7). Until the due time (R-J5)."""
    now = now or timezone.now()
    errors = Errors()
    _open_request(request, now, errors)
    note = (note or "").strip()[:NOTE_LIMIT]
    errors.raise_if_any()
    formats, largest = further_limits(request.project.contest)
    stored = store_checked_file(project=request.project, stream=stream, filename=filename, formats=formats,
                                max_size_mb=largest, actor=actor, now=now)
    try:
        with transaction.atomic():
            locked = MaterialRequest.objects.select_for_update().get(pk=request.pk)
            again = Errors()
            _open_request(locked, now, again)
            again.raise_if_any()
            stored.save()
            item = FurtherMaterial.objects.create(request=locked, file=stored, note=note, uploaded_by=actor,
                                                  uploaded_at=now)
            record(actor=actor, action="project.further_material", target=request.project, after={
                "request": request.pk, "file": stored.pk, "sha256": stored.sha256, "size": stored.size,
                "name": stored.original_name})
    except BaseException:
        default_storage.delete(stored.file.name)
        raise
    return item


def supply_link(*, request: MaterialRequest, actor, url: str, note: str = "",
                now: dt.datetime | None = None) -> FurtherMaterial:
    """Add one https link (a hosted demo, a cloud service) to the answer (R-J5, R-J7.5)."""
    now = now or timezone.now()
    errors = Errors()
    _open_request(request, now, errors)
    url = (url or "").strip()
    try:
        URLValidator(schemes=["https"])(url)
        if len(url) > FurtherMaterial._meta.get_field("link").max_length:
            raise ValidationError("too long")
    except ValidationError:
        errors.add("link", _("请填写以 https:// 开头的有效链接"), "R-J7")
    errors.raise_if_any()
    with transaction.atomic():
        locked = MaterialRequest.objects.select_for_update().get(pk=request.pk)
        again = Errors()
        _open_request(locked, now, again)
        again.raise_if_any()
        item = FurtherMaterial.objects.create(request=locked, link=url, note=(note or "").strip()[:NOTE_LIMIT],
                                              uploaded_by=actor, uploaded_at=now)
        record(actor=actor, action="project.further_material", target=request.project,
               after={"request": request.pk, "link": url})
    return item


def answer_request(*, request: MaterialRequest, actor, note: str = "",
                   now: dt.datetime | None = None) -> MaterialRequest:
    """The team says it has supplied what was asked: at least one item, before the due time.
    The requester is notified; the answer and its time are on record (R-J5)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = MaterialRequest.objects.select_for_update().select_related("project").get(pk=request.pk)
        errors = Errors()
        _open_request(locked, now, errors)
        if not errors and not locked.items.exists():
            errors.add("__all__", _("请至少上传一个文件或链接后再确认提交"), "R-J5")
        errors.raise_if_any()
        note = (note or "").strip()[:NOTE_LIMIT]
        MaterialRequest.objects.filter(pk=locked.pk).update(
            status=MaterialRequest.Status.ANSWERED, answer_note=note, answered_by=actor, answered_at=now)
        record(actor=actor, action="project.material_request.answer", target=locked.project,
               after={"request": locked.pk, "items": list(locked.items.values_list("pk", flat=True)), "note": note})
        notify([locked.requested_by], "material_request_answered", {
            "project": locked.project.name, "requested_at": _beijing(locked.requested_at, locked.project.contest)},
            url=reverse("projects:request_detail", args=[locked.pk]))
    request.refresh_from_db()
    return request


def cancel_request(*, request: MaterialRequest, actor, reason: str) -> MaterialRequest:
    """Staff withdraw an open request with a reason; the team is told. Items stay (R-J6)."""
    errors = Errors()
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _("请填写撤销理由"), "R-J5")
    with transaction.atomic():
        locked = MaterialRequest.objects.select_for_update().select_related("project").get(pk=request.pk)
        if locked.status != MaterialRequest.Status.OPEN:
            errors.add("__all__", _("该补充材料要求%(status)s") % {"status": locked.get_status_display()}, "R-J5")
        errors.raise_if_any()
        MaterialRequest.objects.filter(pk=locked.pk).update(status=MaterialRequest.Status.CANCELLED,
                                                            cancel_reason=reason)
        record(actor=actor, action="project.material_request.cancel", target=locked.project,
               after={"request": locked.pk, "reason": reason})
        notify([locked.project.team.lead], "material_request_cancelled",
               {"project": locked.project.name, "reason": reason},
               url=reverse("projects:detail", args=[locked.project.pk]) + "#requests")
    request.refresh_from_db()
    return request
