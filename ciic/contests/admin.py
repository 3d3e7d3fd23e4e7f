"""The contest spec's rows in the Django admin, for the secretariat (R-C2), every change audited.

The spec file is the source of truth: `manage.py load_contest` writes it in full, and the
admin is for corrections between loads and for the values the notice leaves to be announced
(quotas, local organizing units' credit codes). A later load of the spec puts the rows back
to what the file says (and records that too).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ciic.audit.admin import AuditedModelAdmin

from .models import (
    ApplicationSection,
    CentralSOE,
    Contest,
    Direction,
    Group,
    LocalOrganizingUnit,
    MaterialType,
    PastWinner,
    PolicyDocument,
    PrizeTier,
    Round,
    ScheduleItem,
    SpecialAward,
    Stage,
    Station,
    StationQuota,
    UncivilWord,
)


@admin.register(Contest)
class ContestAdmin(AuditedModelAdmin):
    list_display = ("name", "slug", "edition", "year", "prize_pool", "publicity_days", "loaded_at")
    search_fields = ("name", "name_en", "slug")
    readonly_fields = ("spec_sha256", "loaded_at", "spec")
    # The spec is large and its fingerprint (spec_sha256) is in every snapshot already.
    audit_exclude = ("spec",)

    def get_readonly_fields(self, request: HttpRequest, obj: Contest | None = None) -> tuple[str, ...]:
        # The slug is the natural key the loader finds the contest by.
        return (*self.readonly_fields, "slug") if obj else self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A contest comes from its spec file (manage.py load_contest), never from a blank form.
        return False


class ContestChildAdmin(AuditedModelAdmin):
    list_filter = ("contest",)
    list_select_related = ("contest",)


class LocalOrganizingUnitInline(admin.TabularInline):
    model = LocalOrganizingUnit
    extra = 0


class StationQuotaInline(admin.TabularInline):
    model = StationQuota
    extra = 0


@admin.register(Station)
class StationAdmin(ContestChildAdmin):
    list_display = ("name", "code", "city", "order", "contest")
    search_fields = ("name", "name_en", "code")
    inlines = (LocalOrganizingUnitInline, StationQuotaInline)


@admin.register(Direction)
class DirectionAdmin(ContestChildAdmin):
    list_display = ("number", "name", "code", "station", "contest")
    list_select_related = ("contest", "station")
    search_fields = ("name", "name_en", "code")
    list_display_links = ("number", "name")


@admin.register(LocalOrganizingUnit)
class LocalOrganizingUnitAdmin(AuditedModelAdmin):
    list_display = ("name", "credit_code", "station")
    list_filter = ("station__contest", "station")
    list_select_related = ("station",)
    search_fields = ("name", "credit_code")


@admin.register(Group)
class GroupAdmin(ContestChildAdmin):
    list_display = ("name", "code", "is_default", "order", "contest")
    search_fields = ("name", "name_en", "code")


@admin.register(CentralSOE)
class CentralSOEAdmin(ContestChildAdmin):
    list_display = ("name", "list_code", "credit_code", "contest")
    list_filter = ("contest", "list_code")
    search_fields = ("name", "credit_code")


@admin.register(ScheduleItem)
class ScheduleItemAdmin(ContestChildAdmin):
    list_display = ("name", "key", "starts_at", "ends_at", "placeholder", "note", "contest")
    search_fields = ("name", "key")


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0


@admin.register(Stage)
class StageAdmin(ContestChildAdmin):
    list_display = ("name", "code", "schedule_key", "order", "contest")
    inlines = (RoundInline,)


@admin.register(StationQuota)
class StationQuotaAdmin(AuditedModelAdmin):
    list_display = ("station", "group", "finalists")
    list_editable = ("finalists",)
    list_filter = ("station__contest", "group")
    list_select_related = ("station", "group")


@admin.register(PrizeTier)
class PrizeTierAdmin(ContestChildAdmin):
    list_display = ("rank", "name", "code", "count", "amount", "tier_total", "contest")
    list_display_links = ("rank", "name")

    @admin.display(description=_("合计（万元）"))
    def tier_total(self, obj: PrizeTier) -> str:
        return f"{obj.total:f}"


@admin.register(SpecialAward)
class SpecialAwardAdmin(ContestChildAdmin):
    list_display = ("name", "code", "recipient", "order", "contest")


@admin.register(ApplicationSection)
class ApplicationSectionAdmin(ContestChildAdmin):
    list_display = ("name", "code", "max_chars", "order", "contest")


@admin.register(MaterialType)
class MaterialTypeAdmin(ContestChildAdmin):
    list_display = (
        "name", "code", "category", "formats", "max_size_mb", "required", "link_required",
        "own_entity_attestation", "contest",
    )
    list_filter = ("contest", "category", "required")


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ContestChildAdmin):
    list_display = ("title", "kind", "version", "is_current", "published_at", "contest")
    list_filter = ("contest", "kind", "is_current")

    def get_readonly_fields(
        self, request: HttpRequest, obj: PolicyDocument | None = None
    ) -> tuple[str, ...]:
        # R-P5: a version a team accepted must stay exactly what it accepted.
        if obj is not None and obj.acceptances.exists():
            return ("contest", "kind", "version", "title", "text", "published_at")
        return ()


@admin.register(PastWinner)
class PastWinnerAdmin(ContestChildAdmin):
    list_display = ("project_name", "edition", "organization", "prize", "contest")
    list_filter = ("contest", "edition", "prize")
    search_fields = ("project_name", "organization")


@admin.register(UncivilWord)
class UncivilWordAdmin(ContestChildAdmin):
    list_display = ("word", "contest")
    search_fields = ("word",)
