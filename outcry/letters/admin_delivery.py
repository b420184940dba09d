"""Admin for letters and their deliveries, for the organisation that leads the campaign.

Organisers see each letter's deliveries by target and channel with their status
and the reason for a failure, print the pending post letters of their actions
as one PDF, and queue failed deliveries again once they have fixed the cause.
The ledger is never edited by hand. The supporter behind a letter is not shown
here (consent decides who sees supporters; see the supporters admin).

Registered from ``LettersConfig.ready`` (the directory's admin lives in admin.py).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outcry.campaigns.models import Campaign, Organisation
from outcry.core.admin import ReadOnlyMixin
from outcry.core.audit import record_event
from outcry.letters.channels.post import NothingToPrint, print_post_deliveries
from outcry.letters.models import Delivery, Letter
from outcry.letters.tasks import requeue_deliveries


def _for_user(queryset: QuerySet, user, path: str) -> QuerySet:
    """Letters and deliveries of campaigns the user's organisation leads.

    Not a partner's: a letter carries its writer's name and words, and the lead
    organisation is the one that delivers it (prints the post, retries a fax);
    partners see how the action does from its counts, not the letters.
    """
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": Campaign.objects.led_by_user(user)})


class DeliveryInline(ReadOnlyMixin, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["target", "kind", "status", "error_code", "attempt_count", "sent_at", "last_error"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target")


@admin.register(Letter)
class LetterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "subject",
        "action",
        "language",
        "is_personalised",
        "created_at",
        "confirmed_at",
    ]
    list_filter = ["language", "is_personalised", ("action", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject"]
    date_hierarchy = "created_at"
    fields = [
        "action",
        "language",
        "subject",
        "body",
        "is_personalised",
        "created_at",
        "confirmed_at",
    ]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("action__campaign")
            .prefetch_related("action__templates")
        )
        return _for_user(queryset, request.user, "action__campaign")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "target",
        "kind",
        "status",
        "error_code",
        "attempt_count",
        "created_at",
        "sent_at",
        "confirmed_at",
        "next_attempt_at",
    ]
    list_filter = [
        "status",
        "kind",
        "error_code",
        ("letter__action", admin.RelatedOnlyFieldListFilter),
        ("target", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "target__name",
        "target__organisation",
        "idempotency_key",
        "provider_reference",
    ]
    date_hierarchy = "created_at"
    fields = [
        "letter",
        "target",
        "channel",
        "kind",
        "status",
        "error_code",
        "last_error",
        "attempt_count",
        "created_at",
        "claimed_at",
        "next_attempt_at",
        "sent_at",
        "confirmed_at",
        "provider_reference",
        "idempotency_key",
        "page_count",
        "pdf_sha256",
    ]
    readonly_fields = fields
    actions = ["print_post_letters", "queue_again"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("target", "letter")
        return _for_user(queryset, request.user, "letter__action__campaign")

    def has_print_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("letters.view_delivery")

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        # The form stays read-only (has_change_permission); queueing again is the one change.
        return request.user.has_perm("letters.change_delivery")

    @admin.action(
        description=_("Print the selected post letters (pending ones) as one PDF"),
        permissions=["print"],
    )
    def print_post_letters(self, request: HttpRequest, queryset: QuerySet[Delivery]):
        pending = queryset.filter(
            kind="post", status=Delivery.Status.QUEUED, letter__confirmed_at__isnull=False
        )
        # On record before the first byte leaves: the PDF carries supporters' names.
        # One event per lead organisation, so each reads who printed its letters.
        by_lead: dict[int, list[int]] = {}
        for pk, lead_id in pending.values_list(
            "pk", "letter__action__campaign__lead_organisation_id"
        )[:1000]:
            by_lead.setdefault(lead_id, []).append(pk)
        leads = Organisation.objects.in_bulk(list(by_lead))
        for lead_id, ids in by_lead.items():
            record_event(
                actor=request.user,
                action="print-post-letters",
                object_repr=f"{len(ids)} post letters",
                organisation=leads[lead_id],
                details={"delivery_ids": ids},
            )
        try:
            content, count = print_post_deliveries(
                deliveries=queryset, printed_by=request.user.get_username()
            )
        except NothingToPrint:
            self.message_user(
                request,
                _(
                    "None of the selected deliveries is a post letter waiting to be printed. "
                    "Letters whose writer has not confirmed their email address are never "
                    "printed here."
                ),
                messages.WARNING,
            )
            return None
        response = HttpResponse(content, content_type="application/pdf")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="letters-{stamp}-{count}.pdf"'
        return response

    @admin.action(
        description=_("Queue the selected failed deliveries again"), permissions=["requeue"]
    )
    def queue_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = requeue_deliveries(deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
