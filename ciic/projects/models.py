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
    # The key a client sent with the request (API header Idempotency-Key, the web form's
    # hidden field): the same key again is the same submission, not a second version.
    idempotency_key = models.CharField(max_length=100, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("提交版本")
        verbose_name_plural = _("提交版本")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="submission_number_unique"),
            models.UniqueConstraint(fields=["project", "idempotency_key"], condition=~models.Q(idempotency_key=""),
                                    name="submission_idempotency_key_unique"),
        ]

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


class MaterialRequest(models.Model):
    """The committee asks a team for further material during review (R-J5).

    The request, the team's answer (files or links it uploads into the stage, `FurtherMaterial`)
    and the times of both stay on record; a request is answered or cancelled, never deleted.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待补充")
        ANSWERED = "answered", _("已补充")
        CANCELLED = "cancelled", _("已撤销")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="material_requests")
    stage = models.ForeignKey("contests.Stage", on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("要求"))
    due_at = models.DateTimeField(_("截止时间"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    answer_note = models.TextField(_("团队说明"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("补充时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("撤销理由"), blank=True)

    class Meta:
        verbose_name = _("补充材料要求")
        verbose_name_plural = _("补充材料要求")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} R-J5 #{self.pk}"


class FurtherMaterial(WriteOnceModel):
    """A file or link the team supplied in answer to a request (R-J5); kept as is (R-J6)."""

    immutable_reason = "supplied material is never changed or deleted (R-J6)"

    request = models.ForeignKey(MaterialRequest, on_delete=models.PROTECT, related_name="items")
    file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    link = models.URLField(_("链接"), max_length=500, blank=True)
    note = models.TextField(_("说明"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("补充材料")
        verbose_name_plural = _("补充材料")
        ordering = ["request", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.request} item {self.pk}"


class OriginalityRun(models.Model):
    """One originality check over the contest's counting versions (R-J2, R-J3), run in the
    background; `done`/`total` is its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    contest = models.ForeignKey("contests.Contest", on_delete=models.CASCADE, related_name="originality_runs")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    threshold = models.FloatField(_("相似度阈值"))
    trigger = models.CharField(_("触发方式"), max_length=20, default="manual")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total = models.PositiveIntegerField(_("待比对"), default=0)
    done = models.PositiveIntegerField(_("已比对"), default=0)
    pairs_found = models.PositiveIntegerField(_("相似组数"), default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("原创性检查")
        verbose_name_plural = _("原创性检查")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contest} originality #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == self.Status.DONE else 0)


class OriginalityPair(models.Model):
    """Two applications (or one and an earlier prize winner) sharing much of their text, for
    the secretariat to judge (R-J2, R-J3)."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("待核查")
        CLEARED = "cleared", _("无问题")
        ACTED = "acted", _("已处理")

    run = models.ForeignKey(OriginalityRun, on_delete=models.CASCADE, related_name="pairs")
    left = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="+")
    right = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    past_winner = models.ForeignKey("contests.PastWinner", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    similarity = models.FloatField(_("相似度"))
    shared_passages = models.JSONField(_("相同段落"), default=list, blank=True)
    verdict = models.CharField(_("核查结论"), max_length=20, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_note = models.TextField(_("核查说明"), blank=True)
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("相似项目")
        verbose_name_plural = _("相似项目")
        ordering = ["run", "-similarity", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(right__isnull=False) | models.Q(past_winner__isnull=False),
            name="originality_pair_has_other")]

    def __str__(self) -> str:
        return f"{self.left} ~ {self.right or self.past_winner} ({self.similarity:.2f})"
