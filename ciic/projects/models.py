"""Projects, their working draft and their immutable submitted versions (R-J1..R-J7).

A team has exactly one project (R-P2). The team edits a draft; "submit" freezes the draft as
a numbered version for the current stage. The version judged in a stage is the last one
submitted before that stage's deadline (R-J4). Versions are never changed or deleted (R-J6).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class Submission(models.Model):
    """One submitted, immutable version of the project in a stage (R-J4, R-J6)."""

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

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("submitted versions are immutable (R-J6)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("submitted versions are never deleted (R-J6)")
