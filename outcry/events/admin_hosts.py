"""The admin's side of hosted events: the "waiting for approval" queue, approve and decline.

Used by EventAdmin (admin.py). A proposal reaches the admin only once its
host confirmed their address; until an organiser approves it, only the
campaign's lead organisation and the organisation it is for see it (it holds
the host's contact details), and only they decide (hosting.decide, audited).
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outcry.events import hosting
from outcry.events.models import Event, EventHost


def scope(queryset, user):
    """*queryset* without proposals unconfirmed by their host, and without other
    organisations' proposals for *user* (a superuser sees every confirmed one)."""
    queryset = queryset.exclude(pk__in=hosting.unconfirmed_proposals().values("pk"))
    if user.is_superuser:
        return queryset
    return queryset.filter(
        Q(host__isnull=True) | Q(approval=Event.Approval.APPROVED) | hosting.deciders(user)
    )


class WaitingForApproval(admin.SimpleListFilter):
    title = _("proposals")
    parameter_name = "proposals"

    def lookups(self, request, model_admin):
        return [("waiting", _("waiting for approval"))]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return hosting.waiting(queryset)
        return queryset


@admin.action(description=_("Approve the selected proposals (publish them and tell the hosts)"))
def approve_proposals(modeladmin, request, queryset):
    _decide(request, queryset, approve=True)


@admin.action(description=_("Decline the selected proposals (tell the hosts politely)"))
def decline_proposals(modeladmin, request, queryset):
    _decide(request, queryset, approve=False)


def _decide(request, queryset, *, approve: bool) -> None:
    decided, skipped = hosting.decide(events=queryset, approve=approve, actor=request.user)
    if decided:
        message = (
            ngettext(
                "%(count)d proposal approved; its host has been emailed.",
                "%(count)d proposals approved; their hosts have been emailed.",
                decided,
            )
            if approve
            else ngettext(
                "%(count)d proposal declined; its host has been emailed.",
                "%(count)d proposals declined; their hosts have been emailed.",
                decided,
            )
        )
        messages.success(request, message % {"count": decided})
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d selected event was left as it was: it is not a proposal waiting "
                "for approval that your organisation decides on.",
                "%(count)d selected events were left as they were: they are not proposals "
                "waiting for approval that your organisation decides on.",
                skipped,
            )
            % {"count": skipped},
        )


class EventHostInline(admin.StackedInline):
    """Who proposed the event, for the organisers who decide on it (read only)."""

    model = EventHost
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["name", "email", "phone", "language", "created_at", "confirmed_at", "decided_at"]
    readonly_fields = fields

    @admin.display(description=_("email address"))
    def email(self, host: EventHost) -> str:
        return host.supporter.email

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # The host's details only for the organisations that decide on the event
        # (EventAdmin.get_inlines shows this only on a hosted event's page).
        if not super().has_view_permission(request, obj):
            return False
        if obj is None:
            return True
        events = Event.objects.filter(pk=obj.pk, host__isnull=False)
        if not request.user.is_superuser:
            events = events.filter(hosting.deciders(request.user))
        return events.exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def is_hosted(event: Event | None) -> bool:
    """Whether *event* was proposed through the public form (it has a host)."""
    return event is not None and EventHost.objects.filter(event=event).exists()
