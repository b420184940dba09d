"""The RSVP form on an event's page, the page after it, the confirmation page and the manage link.

Every reply gets the same "check your email" page, whatever the address did
before (rsvps.reply); what the RSVP holds is shown only behind the links of
its emails.
"""

import re
from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from outcry.actions.confirmation import InvalidConfirmation
from outcry.actions.consents import ConsentFields
from outcry.campaigns.models import Campaign
from outcry.core.forms import LineField
from outcry.core.views import private
from outcry.events import rsvp_emails, rsvps
from outcry.events.models import Event, Rsvp
from outcry.supporters.forms import SupporterForm

EVERY_DATE = "every"
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{4,38}$")


class RsvpForm(ConsentFields, SupporterForm):
    """Name, email, optional phone, guests, the date (recurring events) and the consent boxes."""

    day = forms.ChoiceField(label=_("Which date?"), required=False)
    guests = forms.TypedChoiceField(
        label=_("Guests coming with you"),
        coerce=int,
        choices=[(n, str(n)) for n in range(rsvps.MAX_GUESTS + 1)],
        initial=0,
        error_messages={"invalid_choice": _("Please choose how many guests from the list.")},
    )
    phone = LineField(
        label=_("Phone (optional)"),
        help_text=_(
            "Only for the organisers to reach you on the day, for instance if plans change."
        ),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(
        self, *args, event: Event, campaign: Campaign, offered: list | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.add_consent_fields(campaign)
        if event.is_recurring:
            offered = rsvps.dates_offered(event) if offered is None else offered
            self.fields["day"].choices = [
                (o.local_date.isoformat(), formats.date_format(o.local_start, "DATE_FORMAT"))
                for o in offered
            ] + [(EVERY_DATE, _("Every date"))]
            self.fields["day"].required = True
            self.fields["day"].error_messages["invalid_choice"] = _(
                "Please choose one of the dates offered."
            )
            if offered:
                self.fields["day"].initial = offered[0].local_date.isoformat()
        else:
            del self.fields["day"]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError(
                _("A phone number has digits, and may start with + (such as +82 10 1234 5678).")
            )
        return phone

    def reply(self) -> rsvps.Reply:
        chosen = self.cleaned_data.get("day") or EVERY_DATE
        day = None if chosen == EVERY_DATE else _date(chosen)
        return rsvps.Reply(
            day=day, guests=self.cleaned_data["guests"], phone=self.cleaned_data["phone"]
        )


def _date(value: str) -> date:
    return date.fromisoformat(value)


def form_for(event: Event, campaign: Campaign, offered: list) -> RsvpForm | None:
    """The empty form an event's page shows (*offered*: rsvps.dates_offered), or None
    when it takes no replies."""
    if event.is_cancelled or not offered:
        return None
    return RsvpForm(event=event, campaign=campaign, offered=offered, auto_id="rsvp-%s")


def rsvp_context(event: Event, offered: list) -> dict:
    """What the event's page says of its seats (*offered*: rsvps.dates_offered)."""
    now = timezone.now()
    day = offered[0].local_date if offered and event.is_recurring else None
    # Confirmed replies only: a count with holds would answer "did this address reply?"
    free = rsvps.seats(event, now=now, confirmed_only=True).free(day)
    return {"going": rsvps.going_count(event, day), "places_left": free}


def _describe(rsvp: Rsvp, language: str) -> dict:
    """What the confirmation and manage pages show of an RSVP."""
    event = rsvp.event
    text = event.text_for(language)
    occurrence = rsvps.local_start(rsvp)
    return {
        "rsvp": rsvp,
        "event": event,
        "text": text,
        "campaign": event.campaign,
        "every_date": rsvp.date is None and event.is_recurring,
        "when": rsvp_emails.when(rsvp, occurrence),
        "event_path": reverse("events:detail", args=[event.campaign.slug, event.pk]),
        "held": rsvp.status == Rsvp.Status.GOING and not rsvp.is_confirmed,
    }


def confirmation_page(
    request: HttpRequest,
    rsvp: Rsvp,
    *,
    code: str,
    pressed: bool,
    confirmed: bool = False,
    changed: bool = False,
) -> HttpResponse:
    """The page behind the confirmation link: the RSVP and a button, or what pressing did."""
    organisations = [] if rsvp.is_confirmed else rsvps.waiting_consents(rsvp)
    language = get_language()
    context = _describe(rsvp, language) | {
        "code": code,
        "pressed": pressed,
        "confirmed": confirmed,
        "changed": changed,
        "organisations": [organisation.name_in(language) for organisation in organisations],
        "shown": rsvps.digest(rsvp, organisations),
        "manage_url": reverse("events:rsvp", args=[rsvps.manage_code(rsvp)]),
    }
    return render(request, "events/rsvp_confirm.html", context)


class GuestsForm(forms.Form):
    guests = forms.TypedChoiceField(
        label=_("Guests coming with you"),
        coerce=int,
        choices=[(n, str(n)) for n in range(rsvps.MAX_GUESTS + 1)],
        error_messages={"invalid_choice": _("Please choose how many guests from the list.")},
    )


@require_http_methods(["GET", "POST"])
@private
def manage(request: HttpRequest, code: str) -> HttpResponse:
    """The link in every RSVP email: see the reply, change the guests, or cancel it."""
    try:
        rsvp = rsvps.rsvp_to_manage(code)
    except InvalidConfirmation:
        return render(request, "events/rsvp_failed.html", status=404)
    form = GuestsForm(initial={"guests": rsvp.guests}, auto_id="manage-%s")
    status = 200
    done = ""
    if request.method == "POST":
        what = request.POST.get("do")
        if what == "cancel":
            rsvps.cancel(rsvp)
            done = "cancelled"
        elif what == "guests":
            form = GuestsForm(request.POST, auto_id="manage-%s")
            if form.is_valid():
                try:
                    rsvps.change_guests(rsvp, form.cleaned_data["guests"])
                    done = "changed"
                except rsvps.RsvpRefused as refused:
                    form.add_error("guests", refused.message)
                    status = 400
            else:
                status = 400
        else:
            return HttpResponseNotAllowed(["GET"])
    context = _describe(rsvp, get_language()) | {
        "form": form,
        "done": done,
        "is_over": rsvps.is_over(rsvp, timezone.now()),
    }
    return render(request, "events/rsvp_manage.html", context, status=status)
