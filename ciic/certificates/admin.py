from django.contrib import admin

from .models import Certificate, CertificateBatch


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read only: certificates are issued and revoked through the services (audited)."""

    list_display = ["number", "award_name", "recipient", "issued_at", "revoked_at"]
    search_fields = ["number", "recipient", "project_name"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CertificateBatch)
class CertificateBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "contest", "status", "done", "total", "created_at", "finished_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
