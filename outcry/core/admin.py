"""Superuser-only, read-only views of the email ledger and the audit log.

The ledger holds every supporter's address, whoever they consented to, so
organisers never see it; the audit log is for whoever oversees the organisers.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from outcry.core.models import AuditEvent, OutgoingEmail

# Shown on every admin page, in the organiser's language.
admin.site.site_header = _("outcry administration")
admin.site.site_title = _("outcry admin")
admin.site.index_title = _("Campaigns, supporters and letters")


class ReadOnlyMixin:
    """For ModelAdmins and inlines of rows that only code writes: look, never edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SuperuserLedgerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(SuperuserLedgerAdmin):
    list_display = ["purpose", "to_address", "status", "attempt_count", "created_at", "sent_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["to_address", "idempotency_key"]
    date_hierarchy = "created_at"


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserLedgerAdmin):
    list_display = ["created_at", "actor_username", "action", "object_repr", "organisation"]
    list_filter = ["action", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["actor_username", "object_repr"]
    date_hierarchy = "created_at"
    list_select_related = ["organisation"]
