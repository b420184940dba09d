"""The form a supporter proposes a local event of a day of action with (see hosting.py)."""

import re
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from outcry.actions.consents import ConsentFields
from outcry.campaigns.models import time_zone_choices
from outcry.core.countries import CountryField, country_name
from outcry.core.forms import LineField, TextField
from outcry.core.places import AmbiguousPlace, NoPlaceFound, find_places, resolve_place
from outcry.events.models import DayOfAction, Event, EventText, refuse_html
from outcry.supporters.forms import SupporterForm

_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{4,38}")

# Where the event's own checks (Event.clean) put a message: the form's field, or the top.
_FIELD_OF = {
    "starts_on": "starts_at",
    "starts_at": "starts_at",
    "ends_on": "ends_at",
    "ends_at": "ends_at",
    "time_zone": "time_zone",
    "organisation": "organisation",
}


def _zone_choices() -> list[tuple[str, str]]:
    return [("", _("The city's time zone")), *time_zone_choices()]


class HostForm(ConsentFields, SupporterForm):
    """The host's details, the event on the day of action's date, and the coalition's consents.

    Every text is plain (HTML refused with a message). The city is found
    offline in the chosen country (core.places): the event's country,
    coordinates and, unless chosen, time zone come from it. The times are
    checked on that clock by the event's own checks (a time the clocks skip,
    an end before the start, a start already past).
    """

    phone = LineField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        help_text=_("Only the organisers see it, to reach you about the event."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    organisation = forms.ChoiceField(label=_("Organised with"), required=False)
    language = forms.ChoiceField(label=_("Language of the title and description"))
    title = LineField(label=_("Title of the event"), max_length=200, validators=[refuse_html])
    description = TextField(
        label=_("Description"),
        max_length=5000,
        required=False,
        validators=[refuse_html],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    starts_at = forms.TimeField(
        label=_("Starts at"),
        help_text=_("On the local clock, such as 14:00."),
        error_messages={"invalid": _("Write the time as hours and minutes, such as 14:00.")},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    ends_at = forms.TimeField(
        label=_("Ends at"),
        error_messages={"invalid": _("Write the time as hours and minutes, such as 16:00.")},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    ends_next_day = forms.BooleanField(label=_("It ends after midnight"), required=False)
    venue = LineField(
        label=_("Venue"),
        max_length=200,
        validators=[refuse_html],
        help_text=_("Such as “Across from the embassy” or “City Hall square”."),
    )
    address = LineField(label=_("Address"), max_length=300, validators=[refuse_html])
    city = LineField(
        label=_("City or town where it takes place"),
        max_length=200,
        validators=[refuse_html],
        help_text=_("In English or in its own language. We look it up on this server."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = CountryField(
        label=_("Country"),
        error_messages={"invalid_choice": _("Please choose the country from the list.")},
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=_zone_choices,
        help_text=_("Leave as it is to use the city's time zone."),
    )
    directions = TextField(
        label=_("Directions for the last stretch (optional)"),
        max_length=2000,
        required=False,
        validators=[refuse_html],
        help_text=_("Station exit, landmarks, where to stand."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    accessibility = TextField(
        label=_("Accessibility (optional)"),
        max_length=2000,
        required=False,
        validators=[refuse_html],
        help_text=_("Step-free access, seating, toilets, sign language, quiet space."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    capacity = forms.IntegerField(
        label=_("How many people can come (optional)"),
        required=False,
        min_value=1,
        max_value=100_000,
    )
    # Checked by the view (hosting.read_nonce): a missing or old one asks to send again.
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)

    def __init__(self, *args, day: DayOfAction, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.day = day
        campaign = day.campaign
        coalition = campaign.coalition()
        language = get_language()
        self.fields["organisation"].choices = [
            (str(org.pk), org.name_in(language)) for org in coalition
        ]
        self.fields["organisation"].initial = str(campaign.lead_organisation_id)
        self.coalition = {str(org.pk): org for org in coalition}
        names = dict(settings.CONTENT_LANGUAGES)
        codes = campaign.language_codes
        self.fields["language"].choices = [(code, names.get(code, code)) for code in codes]
        self.fields["language"].initial = language if language in codes else codes[0]
        self.add_consent_fields(campaign)
        self.place = None

    def clean_name(self) -> str:
        name = super().clean_name()
        refuse_html(name)
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not _PHONE.fullmatch(phone):
            raise ValidationError(
                _("Write the phone number with digits, spaces and + ( ) - only."), code="phone"
            )
        return phone

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("organisation"):
            data["organisation"] = str(self.day.campaign.lead_organisation_id)
        city, country = data.get("city"), data.get("country")
        if city and country:
            self.place = self._resolve(city, country)
        if self.place is not None and not data.get("time_zone") and not self.place.time_zone:
            self.add_error("time_zone", _("Please choose the time zone of the event."))
        if self.errors:
            return data
        try:
            self.build()[0].clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(_FIELD_OF.get(name), message)
        return data

    def _resolve(self, city: str, country: str):
        try:
            return resolve_place(city, country=country)
        except NoPlaceFound:
            elsewhere = find_places(city, limit=1)
            if elsewhere:
                message = _(
                    "“%(city)s” is in %(found)s, not in %(country)s. Check the city, "
                    "or choose the country where the event takes place."
                ) % {
                    "city": city,
                    "found": country_name(elsewhere[0].country),
                    "country": country_name(country),
                }
            else:
                message = _(
                    "We found no place called “%(city)s” in %(country)s. Please type the "
                    "nearest city or town, in English or in its own language."
                ) % {"city": city, "country": country_name(country)}
            self.add_error("city", message)
        except AmbiguousPlace as ambiguous:
            self.add_error(
                "city",
                _(
                    "Several places are called “%(city)s”: %(candidates)s. Please add the "
                    "region, for example “%(example)s”."
                )
                % {
                    "city": city,
                    "candidates": "; ".join(place.label() for place in ambiguous.candidates),
                    "example": ambiguous.candidates[0].label(),
                },
            )
        return None

    def build(self) -> tuple[Event, EventText]:
        """A new, unsaved event and its text, from the cleaned form (called per attempt)."""
        data = self.cleaned_data
        day = self.day.date
        place = self.place
        event = Event(
            campaign=self.day.campaign,
            organisation=self.coalition[data["organisation"]],
            day_of_action=self.day,
            approval=Event.Approval.PROPOSED,
            starts_on=day,
            starts_at=data["starts_at"],
            ends_on=day + timedelta(days=1) if data.get("ends_next_day") else day,
            ends_at=data["ends_at"],
            time_zone=data.get("time_zone") or place.time_zone,
            venue=data["venue"],
            address=data["address"],
            country=place.country,
            latitude=Decimal(str(round(place.latitude, 5))),
            longitude=Decimal(str(round(place.longitude, 5))),
            directions=data.get("directions", ""),
            accessibility=data.get("accessibility", ""),
            capacity=data.get("capacity"),
        )
        text = EventText(
            language=data["language"],
            title=data["title"],
            description=data.get("description", ""),
        )
        return event, text

    def event_fields(self) -> list:
        names = ("language", "title", "description", "organisation")
        return [self[name] for name in names if name != "organisation" or len(self.coalition) > 1]

    def when_fields(self) -> list:
        return [self[name] for name in ("starts_at", "ends_at", "ends_next_day", "time_zone")]

    def where_fields(self) -> list:
        names = ("venue", "address", "city", "country", "directions", "accessibility", "capacity")
        return [self[name] for name in names]

    def host_fields(self) -> list:
        return [self[name] for name in ("name", "email", "phone")]


class MessageForm(forms.Form):
    """A message to the people who replied to an event, relayed without their addresses."""

    subject = LineField(
        label=_("Subject"),
        max_length=150,
        error_messages={"required": _("Please write a subject and a message.")},
    )
    body = TextField(
        label=_("Message"),
        max_length=2000,
        help_text=_("Plain text. Each person who confirmed gets it by email, at most three a day."),
        error_messages={"required": _("Please write a subject and a message.")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
