"""Public event pages: an event, a campaign's upcoming events, a day of action; their calendars.

Every page works without JavaScript and loads nothing from another host. Times
are shown on the event's own clock with the zone's name ("14:00 KST,
Asia/Seoul"): a vigil in Seoul is at 2 p.m. for everyone going to it.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from outcry.actions import nextstep
from outcry.actions.services import Person
from outcry.campaigns.models import Campaign
from outcry.core import challenge, ratelimit
from outcry.core.countries import country_name
from outcry.core.forms import screen_form
from outcry.core.middleware import allow_geolocation
from outcry.events import finding, ics, rsvp_views, rsvps
from outcry.events.models import DayOfAction, Event
from outcry.events.recurrence import Occurrence

# How many of a repeating event's next dates its page lists.
NEXT_DATES = 7
# How many upcoming events the campaign page shows; the rest are on the events page.
ON_CAMPAIGN_PAGE = 3
# How far ahead a list looks for each event's next occurrence.
LOOKAHEAD = timedelta(days=2 * 366)
ICS_TYPE = "text/calendar; charset=utf-8"


def _campaign_or_404(slug: str) -> Campaign:
    return get_object_or_404(
        Campaign.objects.public().prefetch_related("texts"),
        slug=slug,
    )


def _day_or_404(slug: str, pk: int) -> tuple[Campaign, DayOfAction, object, str]:
    """The public campaign, its day of action *pk*, the day's text in the page's language."""
    campaign = _campaign_or_404(slug)
    day = get_object_or_404(
        DayOfAction.objects.prefetch_related("texts", "campaign__texts"), campaign=campaign, pk=pk
    )
    language = get_language()
    text = day.text_for(language)
    if text is None:
        raise Http404
    return campaign, day, text, language


def _events(campaign: Campaign):
    return (
        Event.objects.public()
        .filter(campaign=campaign)
        .select_related("organisation", "day_of_action", "campaign")
        .prefetch_related("texts", "organisation__names", "campaign__texts")
    )


def _campaign_context(campaign: Campaign, language: str) -> dict:
    return {
        "campaign": campaign,
        "campaign_text": campaign.text_for(language),
        "campaign_path": reverse("campaigns:detail", args=[campaign.slug]),
        "events_path": reverse("events:list", args=[campaign.slug]),
        "feed_path": reverse("events:campaign_calendar", args=[campaign.slug]),
    }


def when(event: Event, occurrence: Occurrence) -> dict:
    """One occurrence as a page shows it: on the event's clock, with the zone's name."""
    start, end = occurrence.local_start, occurrence.local_end
    return {
        "start": start,
        "end": end,
        "day": formats.date_format(start, "DATE_FORMAT"),
        "weekday": formats.date_format(start, "l"),
        "start_time": formats.time_format(start, "TIME_FORMAT"),
        "end_time": formats.time_format(end, "TIME_FORMAT"),
        "end_day": formats.date_format(end, "DATE_FORMAT") if end.date() != start.date() else "",
        "zone": event.zone_name(start),
        "zone_key": event.time_zone,
        "iso_start": start.isoformat(),
        "iso_end": end.isoformat(),
    }


def _row(event: Event, language: str, now) -> dict | None:
    """An event in a list: its text and its next occurrence (None when none is left)."""
    upcoming = event.occurrences(now, now + LOOKAHEAD, limit=1)
    text = event.text_for(language)
    if text is None:
        return None
    return {
        "event": event,
        "text": text,
        "next": when(event, upcoming[0]) if upcoming else None,
        "country_name": country_name(event.country, language),
        "url": reverse("events:detail", args=[event.campaign.slug, event.pk]),
    }


def _rows(events, language: str, now) -> list[dict]:
    rows = [row for event in events if (row := _row(event, language, now)) is not None]
    # Soonest next occurrence first (a daily vigil that began weeks ago is still next).
    return sorted(rows, key=lambda row: (row["next"] is None, row["next"] and row["next"]["start"]))


def _json_ld(event: Event, language: str, occurrence: Occurrence | None) -> str:
    """schema.org Event data for search engines, safe to put inside a <script> element."""
    text = event.text_for(language)
    first = occurrence or Occurrence(
        start=event.first_start_utc,
        end=event.first_start_utc + event.duration,
        local_start=event.local_start,
        local_end=event.local_end,
    )
    place = {
        "@type": "Place",
        "name": event.venue,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": event.address,
            "addressCountry": event.country,
        },
    }
    if event.latitude is not None and event.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(event.latitude),
            "longitude": float(event.longitude),
        }
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": text.title if text else "",
        "description": text.description if text else "",
        "startDate": first.local_start.isoformat(),
        "endDate": first.local_end.isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if event.is_cancelled
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": place,
        "organizer": {"@type": "Organization", "name": event.organisation.name_in(language)},
        "url": ics.event_url(event),
        "inLanguage": text.language if text else language,
    }
    frequency = {"DAILY": "P1D", "WEEKLY": "P1W", "MONTHLY": "P1M", "YEARLY": "P1Y"}
    rule = dict(part.split("=", 1) for part in event.recurrence.split(";") if "=" in part)
    if rule.get("FREQ") in frequency:
        data["eventSchedule"] = {
            "@type": "Schedule",
            "startDate": event.starts_on.isoformat(),
            "endDate": event.last_end_utc.astimezone(event.zone).date().isoformat(),
            "startTime": event.starts_at.strftime("%H:%M:%S"),
            "endTime": event.ends_at.strftime("%H:%M:%S"),
            "repeatFrequency": frequency[rule["FREQ"]],
            "scheduleTimezone": event.time_zone,
            "exceptDate": [day.isoformat() for day in sorted(event.cancelled)],
        }
    encoded = json.dumps(data, ensure_ascii=False, indent=1)
    # Nothing in the data can end the <script> element or start a comment in it.
    for character, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        encoded = encoded.replace(character, escape)
    return mark_safe(encoded)  # noqa: S308 - escaped just above


def public_event_or_404(slug: str, pk: int) -> tuple[Campaign, Event]:
    """The public campaign *slug* and its public event *pk* (with a text to show), or 404."""
    campaign = _campaign_or_404(slug)
    event = _events(campaign).filter(pk=pk).first()
    if event is None or event.text_for(get_language()) is None:
        raise Http404
    return campaign, event


@require_GET
def event_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One event: when on its clock, where, how to get there, its next dates and the RSVP form."""
    campaign, event = public_event_or_404(slug, pk)
    return event_page(request, campaign, event)


def event_page(
    request: HttpRequest,
    campaign: Campaign,
    event: Event,
    *,
    form: "rsvp_views.RsvpForm | None" = None,
    status: int = 200,
) -> HttpResponse:
    """The event's page, with *form* (the RSVP form sent back with its errors) or an empty one."""
    language = get_language()
    text = event.text_for(language)
    now = timezone.now()
    upcoming = event.occurrences(now, event.last_end_utc + timedelta(days=1), limit=NEXT_DATES)
    offered = rsvps.dates_offered(event, now)  # the RSVP form's dates and its seat count's
    next_one = upcoming[0] if upcoming else None
    shown = next_one or Occurrence(
        start=event.first_start_utc,
        end=event.first_start_utc + event.duration,
        local_start=event.local_start,
        local_end=event.local_end,
    )
    skipped = [
        formats.date_format(day, "DATE_FORMAT")
        for day in sorted(event.cancelled)
        if day >= now.astimezone(event.zone).date()
    ]
    # Arrived from a search ("?place=Evanston"): the times on that place's clock too.
    place = finding.search(request.GET, path=request.path).place
    dates = [when(event, occurrence) for occurrence in upcoming]
    context = _campaign_context(campaign, language) | {
        "event": event,
        "text": text,
        "when": finding.with_time_there(when(event, shown), place),
        "upcoming": [finding.with_time_there(w, place) for w in dates],
        "is_over": next_one is None,
        "skipped": skipped,
        "country_name": country_name(event.country, language),
        "organiser": event.organisation.name_in(language),
        "ics_path": reverse("events:calendar", args=[campaign.slug, event.pk]),
        "google_link": ics.google_link(event, language, shown),
        "outlook_link": ics.outlook_link(event, language, shown),
        "json_ld": _json_ld(event, language, next_one),
        "day_text": event.day_of_action.text_for(language) if event.day_of_action else None,
        "rsvp_form": form or rsvp_views.form_for(event, campaign, offered),
        "rsvp_path": reverse("events:reply", args=[campaign.slug, event.pk]),
        **rsvp_views.rsvp_context(event, offered),
    }
    return render(request, "events/event_detail.html", context, status=status)


@require_GET
@allow_geolocation
def event_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A campaign's events still to come, soonest first; ``?country=KR`` narrows them.

    ``?place=Evanston&distance=50`` keeps those within 50 km of a place, nearest first
    (finding.py); a place that cannot be found is a message on the page, never an error.
    """
    campaign = _campaign_or_404(slug)
    language = get_language()
    now = timezone.now()
    events = list(_events(campaign).upcoming(now))
    countries = sorted(
        {event.country for event in events}, key=lambda code: country_name(code, language)
    )
    chosen = (request.GET.get("country") or "").strip().upper()
    if chosen not in countries:
        chosen = ""
    if chosen:
        events = [event for event in events if event.country == chosen]
    days = campaign.days_of_action.filter(date__gte=now.date() - timedelta(days=1))
    events_path = reverse("events:list", args=[campaign.slug])
    search = finding.search(
        request.GET, path=events_path, extra={"country": chosen} if chosen else None
    )
    rows = _rows(events, language, now)
    if search.place is not None:
        rows = finding.near(rows, search.place, search.distance)
        rows = finding.carry(finding.add_times_there(rows, search.place), search.query)
    context = _campaign_context(campaign, language) | {
        "rows": rows,
        "search": search,
        "map_points": finding.map_points(rows),
        "countries": [(code, country_name(code, language)) for code in countries],
        "chosen": chosen,
        "chosen_name": country_name(chosen, language) if chosen else "",
        "asked_for": (request.GET.get("country") or "")[:20],
        "days": [
            {
                "day": day,
                "text": day.text_for(language),
                "url": finding.carried(
                    reverse("events:day", args=[campaign.slug, day.pk]), search.query
                ),
            }
            for day in days.prefetch_related("texts", "campaign__texts")
        ],
    }
    return render(request, "events/event_list.html", context)


@require_GET
def day_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A day of action and its local events, by country."""
    campaign, day, text, language = _day_or_404(slug, pk)
    now = timezone.now()
    rows = _rows(_events(campaign).filter(day_of_action=day), language, now)
    rows.sort(key=lambda row: (row["country_name"], row["event"].first_start_utc))
    # Arrived from a search ("?place=Evanston"): how far each is, and its time there.
    search = finding.search(request.GET, path=request.path)
    if search.place is not None:
        rows = finding.with_distances(rows, search.place)
        rows = finding.carry(finding.add_times_there(rows, search.place), search.query)
    context = _campaign_context(campaign, language) | {
        "day": day,
        "day_text": text,
        "day_date": formats.date_format(day.date, "DATE_FORMAT"),
        "rows": rows,
        "map_points": finding.map_points(rows),
        "country_count": len({row["event"].country for row in rows}),
        "day_feed_path": reverse("events:day_calendar", args=[campaign.slug, day.pk]),
    }
    return render(request, "events/day_detail.html", context)


@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take the RSVP form (works without JavaScript); then the same page for everyone."""
    campaign, event = public_event_or_404(slug, pk)
    if request.method == "GET":
        return redirect("events:detail", slug, pk)
    form = rsvp_views.RsvpForm(request.POST, event=event, campaign=campaign, auto_id="rsvp-%s")

    def again(message: str | None = None, status: int = 400) -> HttpResponse:
        if message:
            form.add_error(None, message)
        return event_page(request, campaign, event, form=form, status=status)

    valid, message = screen_form(request, form)
    if not valid:
        return again(message)
    network = ratelimit.network_key(request)
    gate = challenge.count_and_check(request, form="rsvp", network=network)
    if not gate.passed:
        form.challenge = gate
        return again(gate.message, status=429)
    data = form.cleaned_data
    person = Person(email=data["email"], name=data["name"], language=get_language())
    try:
        rsvps.reply(
            event=event,
            person=person,
            reply=form.reply(),
            network=network,
            consents=form.chosen_consents(),
        )
    except rsvps.RsvpRefused as refused:
        return again(refused.message)
    except ratelimit.RateLimited as limited:
        return again(str(limited.policy.message), status=429)
    return redirect("events:replied", slug, pk)


@require_GET
def replied(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """After any reply: check your email (the same words whatever the address did before)."""
    campaign, event = public_event_or_404(slug, pk)
    text = event.text_for(get_language())
    return render(
        request,
        "events/rsvp_replied.html",
        {
            "campaign": campaign,
            "event": event,
            "text": text,
            "hours": settings.RSVP_HOLD_HOURS,
            "event_path": reverse("events:detail", args=[slug, pk]),
        },
    )


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def event_calendar(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The event as an .ics file: every occurrence, on its clock, with its cancellations."""
    campaign = _campaign_or_404(slug)
    event = _events(campaign).filter(pk=pk).first()
    language = get_language()
    if event is None or event.text_for(language) is None:
        raise Http404
    body = ics.calendar([event], name=event.text_for(language).title, language=language, feed=False)
    return _ics_response(body, f"{campaign.slug}-event-{event.pk}.ics")


@require_GET
def campaign_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A feed to subscribe to: the campaign's events that are not over (cancelled ones marked)."""
    campaign = _campaign_or_404(slug)
    language = get_language()
    events = [e for e in _events(campaign).upcoming() if e.text_for(language) is not None]
    text = campaign.text_for(language)
    name = _("%(campaign)s: events") % {"campaign": text.title if text else campaign.slug}
    body = ics.calendar(events, name=name, language=language, feed=True)
    return _ics_response(body, f"{campaign.slug}-events.ics")


@require_GET
def day_calendar(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A feed to subscribe to: a day of action's local events."""
    campaign, day, text, language = _day_or_404(slug, pk)
    events = [
        e for e in _events(campaign).filter(day_of_action=day) if e.text_for(language) is not None
    ]
    body = ics.calendar(events, name=text.title, language=language, feed=True)
    return _ics_response(body, f"{campaign.slug}-day-{day.pk}.ics")


class EventsKind(nextstep.ActionKind):
    """The campaign page's events: the next few, the days of action, the calendar feed."""

    name = "events"
    template = "events/_on_campaign_page.html"
    share_heading = gettext_lazy("Now ask your friends to join you there")

    def shortcut(self, items: list[dict], *, campaign: Campaign) -> dict | None:
        return {"url": "#events", "text": _("Join a vigil")} if campaign.is_open else None

    @property
    def prefetch(self) -> tuple:
        # Built on each use: "upcoming" means not over by now.
        now = timezone.now()
        events = (
            Event.objects.filter(approval=Event.Approval.APPROVED)
            .upcoming(now)
            .prefetch_related("texts")
        )
        days = DayOfAction.objects.filter(
            date__gte=now.date() - timedelta(days=1)
        ).prefetch_related("texts")
        return (
            Prefetch("events", queryset=events, to_attr="upcoming_events"),
            Prefetch("days_of_action", queryset=days, to_attr="upcoming_days"),
        )

    def page_items(self, campaign: Campaign, *, language: str, forms: dict) -> list[dict]:
        events = getattr(campaign, "upcoming_events", None)
        days = getattr(campaign, "upcoming_days", None)
        if events is None or days is None:  # a page rendered again with a form's errors
            now = timezone.now()
            events = list(
                Event.objects.filter(campaign=campaign, approval=Event.Approval.APPROVED)
                .upcoming(now)
                .prefetch_related("texts")
            )
            days = list(
                campaign.days_of_action.filter(
                    date__gte=now.date() - timedelta(days=1)
                ).prefetch_related("texts")
            )
        if not events and not days:
            return []
        for event in events:  # the campaign is this one: no query for it
            event.campaign = campaign
        for day in days:
            day.campaign = campaign
        now = timezone.now()
        return [
            {
                "campaign": campaign,
                "rows": _rows(events, language, now)[:ON_CAMPAIGN_PAGE],
                "count": len(events),
                "days": [
                    {"day": day, "text": day.text_for(language)}
                    for day in days
                    if day.text_for(language) is not None
                ],
            }
        ]

    def offer(
        self, request: HttpRequest, campaign: Campaign, *, language: str
    ) -> nextstep.Offer | None:
        # Events have no form yet (RSVPs come later): nothing to offer after an action.
        return None
