"""Hosting a local event of a day of action: the form, the confirmation page, the host's page.

Every page works without JavaScript. The page after the form is the same
whatever the address typed (no oracle): a new proposal, an address past its
limit and the same form posted twice are all answered "look in your inbox".
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from outcry.core import challenge, ratelimit
from outcry.core.countries import country_name
from outcry.core.forms import body_is_unreadable
from outcry.core.views import private
from outcry.events import hosting, relay
from outcry.events.host_forms import HostForm, MessageForm
from outcry.events.models import Event, EventHost
from outcry.events.recurrence import Occurrence
from outcry.events.views import _campaign_context, _day_or_404, when


def _day_context(campaign, day, text, language) -> dict:
    return _campaign_context(campaign, language) | {
        "day": day,
        "day_text": text,
        "day_date": formats.date_format(day.date, "DATE_FORMAT"),
        "day_path": reverse("events:day", args=[campaign.slug, day.pk]),
    }


@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The host form of a day of action (GET), and a proposal sent with it (POST)."""
    campaign, day, text, language = _day_or_404(slug, pk)
    context = _day_context(campaign, day, text, language)
    if not hosting.accepts_hosts(day) or not campaign.is_open:
        return render(request, "events/host_closed.html", context, status=410)
    if request.method == "GET":
        form = HostForm(day=day, initial={"nonce": hosting.new_nonce()})
        return render(request, "events/host_form.html", context | {"form": form})

    form = HostForm(request.POST, day=day)

    def again(message: str | None = None, status: int = 400, gate=None) -> HttpResponse:
        if message:
            form.add_error(None, message)
        return render(
            request,
            "events/host_form.html",
            context | {"form": form, "challenge": gate},
            status=status,
        )

    if body_is_unreadable(request):
        return again(
            _("Your form arrived with characters we could not read. Please type it again.")
        )
    if not form.is_valid():
        return again()
    nonce = hosting.read_nonce(form.cleaned_data["nonce"])
    if nonce is None:
        form.data = form.data.copy()
        form.data["nonce"] = hosting.new_nonce()
        return again(
            _("This form was open for a long time. Please check it and send it again."),
            status=409,
        )
    network = ratelimit.network_key(request)
    gate = challenge.count_and_check(request, form="event-host", network=network)
    if not gate.passed:
        return again(gate.message, status=429, gate=gate)
    data = form.cleaned_data
    try:
        hosting.propose(
            day=day,
            build=form.build,
            email=data["email"],
            name=data["name"],
            phone=data["phone"],
            language=get_language(),
            nonce=nonce,
            network=network,
            consents=form.chosen_consents(),
        )
    except hosting.HostingClosed:
        return render(request, "events/host_closed.html", context, status=410)
    except ratelimit.RateLimited as refusal:
        return again(refusal.message, status=429)
    return redirect("events:host_thanks", campaign.slug, day.pk)


@require_GET
def thanks(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The one answer to every proposal: look in your inbox."""
    campaign, day, text, language = _day_or_404(slug, pk)
    return render(request, "events/host_thanks.html", _day_context(campaign, day, text, language))


def _event_context(event: Event, language: str) -> dict:
    """The event as its public page shows it (its first occurrence, on its clock)."""
    shown = Occurrence(
        start=event.first_start_utc,
        end=event.first_start_utc + event.duration,
        local_start=event.local_start,
        local_end=event.local_end,
    )
    return {
        "event": event,
        "text": event.text_for(language),
        "when": when(event, shown),
        "country_name": country_name(event.country, language),
        "organiser": event.organisation.name_in(language),
        "day_text": event.day_of_action.text_for(language) if event.day_of_action else None,
        "public_path": reverse("events:detail", args=[event.campaign.slug, event.pk]),
    }


def confirmation_page(
    request: HttpRequest,
    host: EventHost,
    *,
    code: str,
    pressed: bool,
    changed: bool = False,
    confirmed: bool = False,
) -> HttpResponse:
    """The proposal behind the confirmation link (actions.views.confirm).

    While it waits and the button was not pressed: the event as typed, which
    anyone could have typed with this address, and the button. Else the page
    that says the organisers now see it, with the link to the host's page.
    """
    language = get_language()
    context = _event_context(host.event, language) | {
        "host": host,
        "code": code,
        "done": pressed or host.confirmed_at is not None,
        "host_path": reverse("events:host_page", args=[hosting.host_code(host)]),
    }
    return render(request, "events/host_confirm.html", context)


@require_http_methods(["GET", "POST"])
@private
def host_page(request: HttpRequest, code: str) -> HttpResponse:
    """The host's own page, reached only through the signed link; POST cancels the event."""
    try:
        host = hosting.host_for_code(code)
    except hosting.InvalidHostLink as problem:
        return render(
            request,
            "events/host_link_failed.html",
            {"expired": problem.expired},
            status=410 if problem.expired else 404,
        )
    event = host.event
    if event.campaign.status == event.campaign.Status.DRAFT:
        raise Http404
    cancelled_now = False
    sent = None
    message_form = MessageForm(auto_id="message-%s")
    status = 200
    if request.method == "POST" and request.POST.get("do") == "cancel":
        cancelled_now = hosting.cancel_by_host(host)
    elif request.method == "POST" and request.POST.get("do") == "message":
        message_form = MessageForm(request.POST, auto_id="message-%s")
        sent, status = _relay(host, message_form)
    language = get_language()
    context = _campaign_context(event.campaign, language) | _event_context(event, language)
    context |= {
        "host": host,
        "code": code,
        "cancelled_now": cancelled_now,
        "is_over": event.last_end_utc <= timezone.now(),
        "is_public": event.approval == Event.Approval.APPROVED,
        "attendees": relay.attendees(event),
        "counts": relay.counts(event),
        "message_form": message_form,
        "can_message": can_message(event),
        "sent": sent,
    }
    return render(request, "events/host_page.html", context, status=status)


def can_message(event: Event) -> bool:
    """Whether the host may write to *event*'s attendees: approved, still on, and its
    campaign still active (once organisers close it, hosts stop writing in its name)."""
    return (
        event.approval == Event.Approval.APPROVED
        and not event.is_cancelled
        and event.last_end_utc > timezone.now()
        and event.campaign.status == event.campaign.Status.ACTIVE
    )


def _relay(host: EventHost, form: MessageForm) -> tuple[object | None, int]:
    """Relay the host's message to the event's attendees: (the message or None, status)."""
    event = host.event
    # The page offers the form only until the event is over; a POST after it is refused
    # too, or a host could write to the attendees every day for as long as the link works.
    if not can_message(event):
        form.add_error(
            None, _("Only an approved event that is still on can message its attendees.")
        )
        return None, 400
    if not form.is_valid():
        return None, 400
    try:
        message = relay.send_to_attendees(
            event=event,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            # Not the host's name: the campaign's other organisations read the messages,
            # and only the organisations that decide on the event may know who hosts it.
            written_by=_("the host"),
        )
    except relay.RelayRefused as refused:
        form.add_error(None, refused.message)
        return None, 400
    return message, 200
