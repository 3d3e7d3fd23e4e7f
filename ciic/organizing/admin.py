"""Read-only admin views: units, receipts, reports and meetings change through the services
(audited); the admin is for looking things up."""

from django.contrib import admin

from .models import (
    ContactReceipt,
    Meeting,
    MeetingRequest,
    OrganizingReport,
    OrganizingUnit,
    Recommendation,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OrganizingUnit)
class OrganizingUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "credit_code", "contest", "created_at"]
    search_fields = ["name", "credit_code"]


@admin.register(ContactReceipt)
class ContactReceiptAdmin(ReadOnlyAdmin):
    list_display = ["unit", "contact_name", "title", "source", "submitted_at", "is_late"]
    exclude = ["contact_info"]


@admin.register(OrganizingReport)
class OrganizingReportAdmin(ReadOnlyAdmin):
    list_display = ["unit", "submitted_at", "is_late"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["team", "unit", "via_invitation", "created_at"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "starts_at", "slots", "slot_minutes", "tables", "scheduled_at"]


@admin.register(MeetingRequest)
class MeetingRequestAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "participant", "profile", "status", "slot", "table", "locked"]
