"""The national finals and the awards (R-V4, R-A1, R-G1, issue 12).

A **finals session** judges the finalists of one direction × group (R-G1) in the finals'
review round (the review app's round, assignments and ballots: no second scoring engine). Its
running order is drawn by lot (`ciic.engines.finals.draw_order`) with a recorded seed, so
anyone can re-derive it; the chair puts one team on stage at a time, and releases the scores
to the big screen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FinalsSession(models.Model):
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="finals_sessions")
    review_round = models.ForeignKey("review.ReviewRound", on_delete=models.PROTECT, related_name="finals_sessions",
                                     verbose_name=_("评审轮次"))
    direction = models.ForeignKey("contests.Direction", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("赛题方向"))
    group = models.ForeignKey("contests.Group", on_delete=models.PROTECT, related_name="+", verbose_name=_("组别"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="chaired_sessions", verbose_name=_("会议主席"))
    experts = models.ManyToManyField("review.Expert", related_name="finals_sessions", verbose_name=_("评委"))
    draw_seed = models.CharField(_("抽签种子"), max_length=200, blank=True)
    drawn_at = models.DateTimeField(_("抽签时间"), null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    current = models.ForeignKey("SessionEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("当前上台团队"))
    scores_released_at = models.DateTimeField(_("大屏公布得分时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("总决赛场次")
        verbose_name_plural = _("总决赛场次")
        ordering = ["contest", "direction__number", "group__order", "id"]
        constraints = [models.UniqueConstraint(fields=["review_round", "direction", "group"],
                                               name="finals_session_unique")]

    def __str__(self) -> str:
        return f"{self.direction} · {self.group}"

    @property
    def is_drawn(self) -> bool:
        return self.drawn_at is not None


class SessionEntry(models.Model):
    """A finalist in a session: its place in the drawn running order and when it went on stage."""

    session = models.ForeignKey(FinalsSession, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="finals_entries")
    position = models.PositiveIntegerField(_("出场顺序"), null=True, blank=True)
    on_stage_at = models.DateTimeField(_("上台时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("场次项目")
        verbose_name_plural = _("场次项目")
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "project"], name="session_entry_unique"),
            models.UniqueConstraint(fields=["session", "position"], name="session_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.position}. {self.project}"
