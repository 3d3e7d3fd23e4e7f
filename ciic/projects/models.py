"""Projects, their working draft and their immutable submitted versions (R-J1..R-J7).

A team has exactly one project (R-P2). The team edits a draft; "submit" freezes the draft as
a numbered version for the current stage. The version judged in a stage is the last one
submitted before that stage's deadline (R-J4). Versions are never changed or deleted (R-J6).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.core.models import WriteOnceModel

from .enums import ProjectStatus


class Project(models.Model):
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="projects")
    team = models.OneToOneField(
        "entrants.Team", on_delete=models.PROTECT, related_name="project", verbose_name=_("参赛团队")
    )
    name = models.CharField(_("项目名称"), max_length=200)
    # Set at the first submission: from then on the name is fixed (R-J4) unless the
    # secretariat allows a rename, which is audited.
    name_locked_at = models.DateTimeField(_("名称锁定时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ProjectStatus.choices,
                              default=ProjectStatus.ACTIVE)
    status_reason = models.TextField(_("状态说明"), blank=True)
    past_winner_match = models.CharField(_("疑似往届获奖项目"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("参赛项目")
        verbose_name_plural = _("参赛项目")
        ordering = ["contest", "id"]

    def __str__(self) -> str:
        return self.name


class Draft(models.Model):
    """The project's working copy of the application form, autosaved as the team types."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="draft")
    sections = models.JSONField(_("申报书内容"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("保存时间"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("申报书草稿")
        verbose_name_plural = _("申报书草稿")

    def __str__(self) -> str:
        return f"{self.project} draft"


class Submission(WriteOnceModel):
    """One submitted, immutable version of the project in a stage (R-J4, R-J6)."""

    immutable_reason = "submitted versions are never changed or deleted (R-J6)"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="submissions")
    stage = models.ForeignKey("contests.Stage", on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveIntegerField(_("版本号"))
    name = models.CharField(_("项目名称"), max_length=200)
    sections = models.JSONField(_("申报书内容"))
    content_sha256 = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("提交版本")
        verbose_name_plural = _("提交版本")
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="submission_number_unique")]

    def __str__(self) -> str:
        return f"{self.project} v{self.number}"



def _stored_file_path(instance: StoredFile, filename: str) -> str:
    # The name on disk is the server's, never the uploader's: no path tricks, no collisions.
    return f"materials/{instance.sha256[:2]}/{uuid.uuid4().hex}"


class StoredFile(models.Model):
    """The bytes of one uploaded material, checked by content (R-J7). Never modified once stored."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="files")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("检测到的类型"), max_length=120)
    kind = models.CharField(_("格式"), max_length=20)
    original_name = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(upload_to=_stored_file_path, max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("材料文件")
        verbose_name_plural = _("材料文件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("stored files are never modified (R-J6)")
        super().save(*args, **kwargs)


class DraftMaterial(models.Model):
    """The team's current material of one type: replaced freely until submitted (R-J4, R-J7)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="materials")
    material_type = models.ForeignKey("contests.MaterialType", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    link = models.URLField(_("链接"), max_length=500, blank=True)
    attested_own_entity = models.BooleanField(_("声明属参赛单位本身"), default=False)
    note = models.TextField(_("说明"), blank=True)
    # When the upload behind the current file started and finished: the grace rule (R-J4).
    upload_started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("材料草稿")
        verbose_name_plural = _("材料草稿")
        ordering = ["project", "material_type__order"]
        constraints = [models.UniqueConstraint(fields=["project", "material_type"],
                                               name="draft_material_unique")]

    def __str__(self) -> str:
        return f"{self.project} {self.material_type.code}"


class SubmissionMaterial(WriteOnceModel):
    """A material frozen into a submitted version (R-J4). Never changed or deleted (R-J6)."""

    immutable_reason = "submitted materials are never changed or deleted (R-J6)"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="materials")
    material_type = models.ForeignKey("contests.MaterialType", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    link = models.URLField(_("链接"), max_length=500, blank=True)
    attested_own_entity = models.BooleanField(_("声明属参赛单位本身"), default=False)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("版本材料")
        verbose_name_plural = _("版本材料")
        ordering = ["submission", "material_type__order"]
        constraints = [models.UniqueConstraint(fields=["submission", "material_type"],
                                               name="submission_material_unique")]

    def __str__(self) -> str:
        return f"{self.submission} {self.material_type.code}"



class Upload(models.Model):
    """A resumable (tus) upload in progress; finished into a StoredFile by `attach_file`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uploads")
    material_type = models.ForeignKey("contests.MaterialType", on_delete=models.PROTECT, related_name="+")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    filename = models.CharField(max_length=255)
    attested_own_entity = models.BooleanField(default=False)
    temp_path = models.CharField(max_length=500)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    stored_file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("上传")
        verbose_name_plural = _("上传")
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.filename} {self.offset}/{self.length}"
