"""The admin's RSVP counts, attendee export and check-in page (mixed into admin.py's classes).

Counts name nobody: every organisation of the campaign reads them. The export
and the check-in page belong to the event's own organisation: to anyone else
(a partner looking at the lead's event, the lead at a partner's, another
organisation guessing ids) they answer 404, as for an event that does not exist.
"""

from datetime import date

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.core.admin import SafeChangeList
from outcry.core.spreadsheet import streaming_csv_response
from outcry.events import attendance, checkin
from outcry.events.models import Event


class EventChangeList(SafeChangeList):
    """The site's change list (core.admin), with each event's RSVP counts."""

    def get_results(self, request) -> None:
        super().get_results(request)
        # The page's counts in one query (attendance.attach_counts), never one per row.
        self.result_list = attendance.attach_counts(self.result_list)


def _count(obj: Event, field: str) -> object:
    count = getattr(obj, "rsvp_count", None)
    if count is None or getattr(count, field) is None:
        return "—"
    return getattr(count, field)


class EventAttendanceMixin:
    """For EventAdmin: counts in the list, dates on the event's page, export and check-in."""

    attendance_columns = ["next_date", "going", "waiting", "places_left"]

    def get_changelist(self, request, **kwargs):
        return EventChangeList

    @admin.display(description=_("next date"))
    def next_date(self, obj: Event) -> object:
        return _count(obj, "day") if obj.is_recurring else "—"

    @admin.display(description=_("going (people, confirmed)"))
    def going(self, obj: Event) -> object:
        return _count(obj, "going")

    @admin.display(description=_("waiting (people)"))
    def waiting(self, obj: Event) -> object:
        return _count(obj, "waiting")

    @admin.display(description=_("places left"))
    def places_left(self, obj: Event) -> object:
        return _count(obj, "places_left")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, unquote(object_id))
        if event is not None:
            extra_context = {
                **(extra_context or {}),
                "attendance_dates": attendance.dates_of(event),
                "manages_attendees": self._manages(request, event),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/attendees/",
                self.admin_site.admin_view(self.export_view),
                name="events_event_attendees",
            ),
            path(
                "<path:object_id>/check-in/",
                self.admin_site.admin_view(self.check_in_view),
                name="events_event_check_in",
            ),
            *super().get_urls(),
        ]

    def _manages(self, request: HttpRequest, event: Event) -> bool:
        """Whether the user organises for the event's organisation (EventAdmin._owns)."""
        return self.has_change_permission(request, event)

    def _own_event(self, request: HttpRequest, object_id: str) -> Event:
        event = self.get_object(request, unquote(object_id))
        if event is None or not self._manages(request, event):
            raise Http404
        return event

    def _context(self, request: HttpRequest, event: Event, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "event": event,
        }

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Explain what the export holds (GET); download it as CSV and audit it (POST)."""
        event = self._own_event(request, object_id)
        days = [count.day for count in attendance.dates_of(event) if count.day]
        chosen, error = None, ""
        if request.method == "POST":
            text = request.POST.get("date", "")
            try:
                chosen = date.fromisoformat(text) if text else None
            except ValueError:
                chosen = None
            if text and chosen not in days:
                error = gettext("Choose one of the dates listed, or every date.")
            else:
                chunks = attendance.export_attendees(event=event, day=chosen, user=request.user)
                return streaming_csv_response(
                    filename=attendance.export_filename(event, chosen), chunks=chunks
                )
        rows = attendance.attendees(event)
        shared = rows.filter(is_shared=True).count()
        not_shared = rows.count() - shared
        context = {
            **self._context(request, event, gettext("Export attendees")),
            "days": days,
            "error": error,
            "shared_count": shared,
            "not_shared": attendance.not_shared_sentence(not_shared),
            "not_shared_count": not_shared,
        }
        return TemplateResponse(
            request,
            "admin/events/event/export_attendees.html",
            context,
            status=400 if error else 200,
        )

    def check_in_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The date's list with a button per attendee (GET); check one in or undo (POST)."""
        event = self._own_event(request, object_id)
        data = request.POST if request.method == "POST" else request.GET
        search = data.get("q", "")[:100]
        day, refused = checkin.default_date(event), None
        if data.get("date"):
            try:
                day = checkin.parse_date(event, data["date"])
            except checkin.CheckInRefused as error:
                refused = error
        if request.method == "POST":
            try:
                if refused:
                    raise refused
                changed = checkin.check_in(
                    event=event,
                    day=day,
                    rsvp_id=request.POST.get("rsvp"),
                    undo=request.POST.get("undo") == "1",
                )
            except checkin.CheckInRefused as refused:
                messages.error(request, refused.message)
            else:
                if not changed:
                    messages.info(request, gettext("That was done already."))
            query = {"date": day.isoformat() if day else "", "q": search}
            url = reverse("admin:events_event_check_in", args=[event.pk])
            rsvp = request.POST.get("rsvp", "")
            anchor = f"#rsvp-{rsvp}" if rsvp.isascii() and rsvp.isdigit() else ""
            return HttpResponseRedirect(f"{url}?{urlencode(query)}{anchor}")
        if refused:
            messages.error(request, refused.message)
        shown, here, expected = checkin.arrivals(event, day, search)
        context = {
            **self._context(request, event, gettext("Check in")),
            "day": day,
            "days": checkin.dates(event) if event.is_recurring else [],
            "arrivals": shown,
            "here": here,
            "expected": expected,
            "search": search,
        }
        return TemplateResponse(request, "admin/events/event/check_in.html", context)


class DayTotalsMixin:
    """For DayOfActionAdmin: its local events, people going and countries, as annotations."""

    totals_columns = ["event_total", "going_total", "country_total"]

    def get_queryset(self, request):
        return attendance.with_day_totals(super().get_queryset(request))

    @admin.display(description=_("local events"), ordering="event_total")
    def event_total(self, obj) -> int:
        return obj.event_total

    @admin.display(description=_("going (people, confirmed)"), ordering="going_total")
    def going_total(self, obj) -> int:
        return obj.going_total

    @admin.display(description=_("countries"), ordering="country_total")
    def country_total(self, obj) -> int:
        return obj.country_total
