"""The pledge form on the campaign page: who, the day or the time, the zone, reminders, consents."""

from datetime import UTC, date, datetime, timedelta

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from outcry.actions.consents import ConsentFields
from outcry.campaigns.models import Campaign
from outcry.pledges import services, zones
from outcry.pledges.models import Pledge
from outcry.supporters.forms import SupporterForm

NOT_A_DAY = _("Please choose a day from the list (a date such as 2027-03-05).")
NOT_A_ZONE = _("This is not a time zone we know. Please choose yours from the list.")


def earliest_today(now: datetime) -> date:
    """The earliest date anywhere on Earth now (UTC-12): a fast's first day offered.

    The page is the same for everyone; the service refuses a day already gone
    on the supporter's own calendar.
    """
    return (now.astimezone(UTC) - timedelta(hours=12)).date()


class PledgeForm(ConsentFields, SupporterForm):
    """Name, email, the fast's day or the prayer's time, the time zone, reminders, consents."""

    day = forms.CharField(
        label=_("Which day will you fast?"),
        max_length=40,
        error_messages={"max_length": NOT_A_DAY},
    )
    local_time = forms.TimeField(
        label=_("At what time will you pray?"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "invalid": _("Please give a time such as 07:30 or 21:00."),
            "required": _("Please choose the time you will pray."),
        },
    )
    time_zone = forms.CharField(
        label=_("Your time zone"),
        max_length=64,
        error_messages={"max_length": NOT_A_ZONE, "required": NOT_A_ZONE},
    )
    wants_reminders = forms.BooleanField(label=_("Email me reminders"), required=False)

    def __init__(
        self, *args, pledge: Pledge, campaign: Campaign, language: str = "en", **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pledge = pledge
        self.add_consent_fields(campaign)
        now = timezone.now()
        initial_zone = zones.default_zone(language, campaign.time_zone)
        sent_zone = self.data.get(self.add_prefix("time_zone"), "") if self.is_bound else ""
        today = now.astimezone(UTC).date()
        if sent_zone == zones.OTHER_ZONE:
            # Asked for another zone (without JavaScript): the form comes back with them all.
            choices = zones.zone_choices(today)
        else:
            also = (initial_zone, campaign.time_zone, sent_zone)
            choices = zones.short_zone_choices(today, also=also)
        self.fields["time_zone"].widget = forms.Select(
            choices=choices, attrs={"class": "time-zone", "autocomplete": "off"}
        )
        self.fields["time_zone"].initial = initial_zone
        if pledge.kind == Pledge.Kind.FAST:
            offered = pledge.days_offered(earliest_today(now))
            self.fields["day"].widget = forms.Select(
                choices=[
                    (day.isoformat(), formats.date_format(day, "DATE_FORMAT")) for day in offered
                ]
            )
            self.fields["day"].error_messages["required"] = _(
                "Please choose the day you will fast."
            )
            if offered:
                self.fields["day"].initial = offered[0].isoformat()
            local_time = self.fields["local_time"]
            local_time.label = _("Remind me the evening before at")
            local_time.required = False
            local_time.initial = services.FAST_REMINDER_AT
            local_time.help_text = _(
                "If you ask for a reminder, it comes the evening before your fast, "
                "at 18:00 on your clock unless you choose another time."
            )
            self.fields["time_zone"].help_text = _("The day and the reminder are on this clock.")
        else:
            del self.fields["day"]
        if pledge.kind == Pledge.Kind.PRAY:
            self.fields["time_zone"].help_text = _(
                "Your prayer time and its reminders are on this clock."
            )
            self.fields["wants_reminders"].help_text = _(
                "Every day at your time, until the campaign ends."
            )
        elif pledge.kind == Pledge.Kind.BOYCOTT:
            del self.fields["local_time"]
            self.fields["time_zone"].help_text = _("Reminders come on this clock.")
            self.fields["wants_reminders"].help_text = _(
                "Every Saturday at 10:00, before the week's shopping, until the campaign ends."
            )

    def detail_fields(self) -> list:
        return [self[name] for name in ("day", "local_time", "time_zone") if name in self.fields]

    def clean_day(self) -> date:
        value = self.cleaned_data["day"]
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise forms.ValidationError(NOT_A_DAY, code="invalid") from None

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if value == zones.OTHER_ZONE:
            raise forms.ValidationError(
                _("Choose your time zone: the list now has every time zone."), code="other"
            )
        if zones.zone_or_none(value) is None:
            raise forms.ValidationError(NOT_A_ZONE, code="invalid")
        return value

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            services.check(self.pledge, self.choice())
        except services.PledgeRefused as refused:
            self.add_error(refused.field if refused.field in self.fields else None, refused.message)
        return data

    def choice(self) -> services.Choice:
        data = self.cleaned_data
        return services.Choice(
            day=data.get("day"),
            local_time=data.get("local_time"),
            time_zone=data.get("time_zone") or "UTC",
            wants_reminders=bool(data.get("wants_reminders")),
        )
