"""Organizations (参赛单位), their corporate families, teams and representatives.

Business rules live in `services.py`; these models hold data and database constraints.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.contests.enums import OrganizationKind
from ciic.core.crypto import EncryptedTextField
from ciic.core.masking import mask_id_number, mask_mobile

from .enums import (
    ACTIVE_REPRESENTATIVE,
    DisputeStatus,
    GroupStatus,
    RepresentativeStatus,
    TeamStatus,
)


class Organization(models.Model):
    """A legal entity, identified by its unified social credit code (R-P1), in one contest.

    `is_registered` is false for a parent company that an entrant named but that has not
    registered itself: it exists so the corporate family (R-P8) is a graph of real rows.
    """

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="organizations")
    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    kind = models.CharField(_("单位类型"), max_length=30, choices=OrganizationKind.choices)
    headcount = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("年营业收入（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("上级单位（母公司/总公司）"),
    )
    province_code = models.CharField(_("省级行政区划代码"), max_length=2, blank=True)
    province = models.CharField(_("省份"), max_length=30, blank=True)
    group = models.ForeignKey(
        "contests.Group", null=True, blank=True, on_delete=models.PROTECT,
        related_name="organizations", verbose_name=_("组别"),
    )
    group_reason = models.TextField(_("组别依据"), blank=True)
    # R-G2(c): a self-declared central SOE that no list holds is pending (no group) until the
    # secretariat confirms or rejects it; its note is shown to the team (entrants.services).
    group_status = models.CharField(
        _("组别状态"), max_length=20, choices=GroupStatus.choices, default=GroupStatus.DERIVED,
        db_index=True,
    )
    group_verification_note = models.TextField(_("秘书处核实意见"), blank=True)
    group_verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    is_registered = models.BooleanField(_("已注册"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="organizations", verbose_name=_("注册人"),
    )
    created_at = models.DateTimeField(_("注册时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("参赛单位")
        verbose_name_plural = _("参赛单位")
        ordering = ["contest", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "credit_code"], name="org_credit_code_unique"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="org_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group_pending(self) -> bool:
        return self.group_status == GroupStatus.PENDING

    @property
    def group_label(self) -> str:
        """The group's name, or 待核实 while the secretariat verifies (R-G2c), or —."""
        if self.group_id is not None:
            return self.group.display_name
        return str(GroupStatus.PENDING.label) if self.is_group_pending else "—"


class Team(models.Model):
    """A team of one organization, entering through one station and one direction (R-P2, R-P4)."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="teams")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="teams", verbose_name=_("参赛单位")
    )
    station = models.ForeignKey(
        "contests.Station", on_delete=models.PROTECT, related_name="teams", verbose_name=_("赛站")
    )
    direction = models.ForeignKey(
        "contests.Direction", on_delete=models.PROTECT, related_name="teams", verbose_name=_("赛题方向")
    )
    name = models.CharField(_("团队名称"), max_length=100)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_teams",
        verbose_name=_("团队负责人账号"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=TeamStatus.choices, default=TeamStatus.REGISTERED
    )
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)

    class Meta:
        verbose_name = _("参赛团队")
        verbose_name_plural = _("参赛团队")
        ordering = ["contest", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class Representative(models.Model):
    """A person representing a team (R-P3). ID number and mobile are encrypted at rest;
    `id_hash` (a keyed hash) lets the database hold "one team per person" without them."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="representatives")
    name = models.CharField(_("姓名"), max_length=60)
    id_number = EncryptedTextField(_("居民身份证号"))
    id_hash = models.CharField(max_length=64, editable=False)
    mobile = EncryptedTextField(_("手机号"))
    email = models.EmailField(_("电子邮箱"))
    created_at = models.DateTimeField(default=timezone.now)
    # The person's own confirmation (entrants.identity): a link sent by SMS to `mobile`, kept
    # only as a keyed hash. Until then the row takes a place on the team but does not hold
    # the person, so typing someone's ID number cannot lock them out of other teams.
    status = models.CharField(_("确认状态"), max_length=20, choices=RepresentativeStatus.choices,
                              default=RepresentativeStatus.PENDING)
    status_note = models.CharField(_("状态说明"), max_length=300, blank=True)
    confirm_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    confirm_sends = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("参赛代表")
        verbose_name_plural = _("参赛代表")
        ordering = ["team", "id"]
        constraints = [
            # R-P3: a person represents one team, counted from their confirmation.
            models.UniqueConstraint(fields=["contest", "id_hash"], name="one_team_per_person",
                                    condition=models.Q(status=RepresentativeStatus.CONFIRMED)),
            models.UniqueConstraint(fields=["team", "id_hash"], name="rep_once_per_team",
                                    condition=models.Q(status__in=ACTIVE_REPRESENTATIVE)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REPRESENTATIVE


class IdentityDispute(models.Model):
    """A person named on one team whose confirmation collided with a confirmed representative
    of another team holding the same ID number (R-P3). The claimant sees only that their
    confirmation could not complete; the secretariat sees both rows and decides with a reason
    (entrants.identity.resolve_dispute), audited, both teams told."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    claimant = models.ForeignKey(Representative, on_delete=models.CASCADE, related_name="claims",
                                 verbose_name=_("申诉人（待确认的参赛代表）"))
    holder = models.ForeignKey(Representative, on_delete=models.CASCADE, related_name="challenges",
                               verbose_name=_("已确认的参赛代表"))
    statement = models.TextField(_("申诉说明"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=DisputeStatus.choices,
                              default=DisputeStatus.OPEN, db_index=True)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("参赛代表身份申诉")
        verbose_name_plural = _("参赛代表身份申诉")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["claimant", "holder"], name="dispute_once_per_pair",
                                    condition=models.Q(status=DisputeStatus.OPEN)),
        ]

    def __str__(self) -> str:
        return f"{self.claimant} ↔ {self.holder}"


class PolicyAcceptance(models.Model):
    """That a team accepted one version of the service rules or the pledge, and when (R-P5)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="acceptances")
    policy = models.ForeignKey("contests.PolicyDocument", on_delete=models.PROTECT, related_name="acceptances")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("规则确认记录")
        verbose_name_plural = _("规则确认记录")
        constraints = [models.UniqueConstraint(fields=["team", "policy"], name="accept_once")]

    def __str__(self) -> str:
        return f"{self.team} / {self.policy}"


class TeamMember(models.Model):
    """An account that sees the team and its project besides the lead: a representative the
    lead invited (as pretalx invites co-speakers). `can_edit` lets them edit, upload and submit
    the project too; only the lead manages the team and its members (entrants.members)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    can_edit = models.BooleanField(_("可编辑参赛项目"), default=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(_("加入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("团队成员")
        verbose_name_plural = _("团队成员")
        ordering = ["team", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.team} · {self.user}"


class TeamInvitation(models.Model):
    """A link mailed to a representative's address: opened by the account with that address, it
    makes the account a member. Only a keyed hash of the link's token is kept."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    representative = models.ForeignKey(Representative, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    can_edit = models.BooleanField(default=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("团队邀请")
        verbose_name_plural = _("团队邀请")

    def __str__(self) -> str:
        return f"{self.team} → {self.representative}"

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
