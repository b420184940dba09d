"""Events of a campaign (vigils, protests, local events of a day of action) and days of action.

An event's times are what its organisers and attendees read on a clock where
it happens: a local date and time and an IANA time zone (``zoneinfo``). The
instants they stand for are worked out from those (``recurrence.py``), so a
daily 14:00 vigil stays at 14:00 when the clocks change, and a change to a
zone's rules moves the instant, not the wall time people were told.
``first_start_utc`` and ``last_end_utc`` are kept beside them for queries
(which events are still to come) and recomputed on every save.
"""

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign, Organisation, time_zone_choices, zone_label
from outcry.core.countries import country_codes
from outcry.core.text import has_control_characters, pick_translation
from outcry.events import recurrence as rrules

# "<b>", "</p>", "<script", "<!--": text that a browser or a mail program would read as markup.
_HTML = re.compile(r"<\s*(?:[a-zA-Z!/?])")


def refuse_html(value: str) -> None:
    """Event texts are plain text: HTML tags are refused with a message, never stored."""
    if _HTML.search(value or ""):
        raise ValidationError(
            _("Write plain text: HTML tags such as <b> or <a> are not allowed here."),
            code="html",
        )


def refuse_control_characters(value: str) -> None:
    if has_control_characters(value or ""):
        raise ValidationError(_("Remove the invisible control characters."), code="control")


def validate_time_zone(value: str) -> None:
    """An IANA time zone this system knows ("Asia/Seoul"), not an abbreviation or offset."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            _("“%(value)s” is not a known time zone. Use a name such as Asia/Seoul."),
            params={"value": value},
            code="time-zone",
        ) from None
    if value in {"localtime", "Factory"}:
        raise ValidationError(
            _("“%(value)s” is not a known time zone. Use a name such as Asia/Seoul."),
            params={"value": value},
            code="time-zone",
        )


def parse_dates(text: str) -> list[date]:
    """Dates written one a line (or separated by commas) as YYYY-MM-DD; ValueError if one is not."""
    found = []
    for word in re.split(r"[\s,]+", text or ""):
        if word:
            found.append(date.fromisoformat(word))
    return sorted(set(found))


RULE_MESSAGES = {
    "syntax": _(
        "This is not a recurrence rule we can read. Write it as in RFC 5545, "
        "for example FREQ=DAILY;UNTIL=20270301T000000Z or FREQ=WEEKLY;COUNT=8."
    ),
    "frequency": _(
        "An event happens at most once a day: repeat it daily, weekly, monthly or yearly, "
        "without BYHOUR, BYMINUTE, BYSECOND or BYSETPOS."
    ),
    "endless": _(
        "This recurrence never ends. Add COUNT (how many times) or UNTIL (the last day), "
        "or give the campaign a deadline to end it at."
    ),
    "too-long": _("A recurring event can run for at most two years from its first day."),
    "never": _("This recurrence rule gives no date at all."),
}


class PlainText(models.Model):
    """A title and a description in one language, plain text (no HTML, no control characters)."""

    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    title = models.CharField(
        _("title"), max_length=200, validators=[refuse_html, refuse_control_characters]
    )
    description = models.TextField(
        _("description"),
        max_length=5000,
        blank=True,
        validators=[refuse_html, refuse_control_characters],
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.title} ({self.get_language_display()})"


class DayOfAction(models.Model):
    """One day on which supporters gather in many places; its events are local events."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="days_of_action",
        verbose_name=_("campaign"),
    )
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("day of action")
        verbose_name_plural = _("days of action")

    def __str__(self) -> str:
        text = self.text_for(self.campaign.language_codes[0])
        return f"{text.title if text else '#' + str(self.pk)} ({self.date.isoformat()})"

    def text_for(self, language: str) -> "DayOfActionText | None":
        return pick_translation(self.texts.all(), language, self.campaign.language_codes)


class DayOfActionText(PlainText):
    """A day of action's title and description in one language."""

    day = models.ForeignKey(
        DayOfAction, on_delete=models.CASCADE, related_name="texts", verbose_name=_("day of action")
    )

    class Meta:
        verbose_name = _("day of action text")
        verbose_name_plural = _("day of action texts")
        constraints = [
            models.UniqueConstraint(fields=["day", "language"], name="one_day_text_per_language")
        ]


# What attendees act on: a change to any of these is a new revision of the event.
SCHEDULE_FIELDS = (
    "starts_on",
    "starts_at",
    "ends_on",
    "ends_at",
    "time_zone",
    "recurrence",
    "cancelled_dates",
    "status",
    "venue",
    "address",
)


class EventQuerySet(models.QuerySet):
    def public(self) -> "EventQuerySet":
        """Events the public sees: approved, of a public campaign; cancelled ones too (marked)."""
        return self.filter(approval=Event.Approval.APPROVED).exclude(
            campaign__status=Campaign.Status.DRAFT
        )

    def upcoming(self, now: datetime | None = None) -> "EventQuerySet":
        """Events with an occurrence not yet over, soonest first."""
        now = now or timezone.now()
        return self.filter(last_end_utc__gt=now).order_by("first_start_utc", "pk")


class Event(models.Model):
    """A vigil, protest or gathering: where, when on the local clock, and how often."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    class Approval(models.TextChoices):
        PROPOSED = "proposed", _("proposed, waiting for an organiser")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="events", verbose_name=_("campaign")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("organised by"),
        help_text=_("The campaign's lead organisation or a partner; its organisers change it."),
    )
    day_of_action = models.ForeignKey(
        DayOfAction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("day of action"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, default=Approval.APPROVED
    )
    starts_on = models.DateField(_("first day"))
    starts_at = models.TimeField(_("starts at"), help_text=_("On the clock where it happens."))
    ends_on = models.DateField(_("last day"), help_text=_("The day the first occurrence ends."))
    ends_at = models.TimeField(_("ends at"), help_text=_("On the clock where it happens."))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text=_("Where the event happens, such as Asia/Seoul or America/Los_Angeles."),
    )
    recurrence = models.CharField(
        _("repeats"),
        max_length=300,
        blank=True,
        help_text=_(
            "Empty for a single event. Otherwise an RFC 5545 rule, such as FREQ=DAILY "
            "(every day until the campaign's deadline), FREQ=DAILY;COUNT=10 or "
            "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270301."
        ),
    )
    cancelled_dates = models.TextField(
        _("cancelled dates"),
        blank=True,
        help_text=_(
            "Dates of a repeating event on which it does not take place, one a line, as YYYY-MM-DD."
        ),
    )
    venue = models.CharField(
        _("venue"), max_length=200, validators=[refuse_html, refuse_control_characters]
    )
    address = models.CharField(
        _("address"), max_length=300, validators=[refuse_html, refuse_control_characters]
    )
    country = models.CharField(
        _("country"), max_length=2, help_text=_("Two-letter ISO code, such as KR or US.")
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    directions = models.TextField(
        _("directions"),
        max_length=2000,
        blank=True,
        validators=[refuse_html, refuse_control_characters],
        help_text=_("The last stretch: station exit, landmarks, where to stand."),
    )
    accessibility = models.TextField(
        _("accessibility"),
        max_length=2000,
        blank=True,
        validators=[refuse_html, refuse_control_characters],
        help_text=_("Step-free access, seating, toilets, sign language, quiet space."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    contact = models.CharField(
        _("organiser contact"),
        max_length=200,
        blank=True,
        validators=[refuse_html, refuse_control_characters],
        help_text=_("Shown publicly: an email address or phone number for questions."),
    )
    first_start_utc = models.DateTimeField(_("first start (UTC)"), editable=False)
    last_end_utc = models.DateTimeField(_("last end (UTC)"), editable=False)
    sequence = models.PositiveIntegerField(
        _("revision"),
        default=0,
        editable=False,
        help_text=_("Counts changes of time, place or status (calendar programs follow it)."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["first_start_utc", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["campaign", "last_end_utc"], name="events_upcoming")]

    def __str__(self) -> str:
        text = self.text_for(self.campaign.language_codes[0]) if self.campaign_id else None
        return text.title if text else f"#{self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self.recurrence:
            # As clean() stores it (idempotent): normalised, and ended at the deadline if
            # it had no end, so code that saves without clean() keeps the same rule.
            self.recurrence = rrules.rule_with_end(
                self.recurrence, first_start=self.local_start, until=self.campaign.deadline_at
            )
        if self.pk is not None:
            before = Event.objects.filter(pk=self.pk).values(*SCHEDULE_FIELDS).first()
            if before is not None and any(
                before[name] != getattr(self, name) for name in SCHEDULE_FIELDS
            ):
                # RFC 5545 SEQUENCE: a calendar that holds the event takes the new version.
                self.sequence += 1
        self.first_start_utc = self.local_start.astimezone(UTC)
        self.last_end_utc = rrules.last_end(
            first_start=self.local_start, duration=self.duration, rule=self.recurrence
        )
        super().save(*args, **kwargs)

    # The local clock --------------------------------------------------------

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_start(self) -> datetime:
        """The first start, aware, on the event's clock."""
        return datetime.combine(self.starts_on, self.starts_at, tzinfo=self.zone)

    @property
    def local_end(self) -> datetime:
        return datetime.combine(self.ends_on, self.ends_at, tzinfo=self.zone)

    @property
    def duration(self) -> timedelta:
        """Elapsed time from start to end of the first occurrence (each lasts as long)."""
        return self.local_end.astimezone(UTC) - self.local_start.astimezone(UTC)

    @property
    def cancelled(self) -> frozenset[date]:
        try:
            return frozenset(parse_dates(self.cancelled_dates))
        except ValueError:
            return frozenset()

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_recurring(self) -> bool:
        return bool(self.recurrence)

    def occurrences(
        self, after: datetime, before: datetime, limit: int | None = None
    ) -> list[rrules.Occurrence]:
        """The event's occurrences not over at *after* and starting before *before*."""
        return rrules.occurrences(
            first_start=self.local_start,
            duration=self.duration,
            rule=self.recurrence,
            cancelled=self.cancelled,
            after=after,
            before=before,
            limit=limit,
        )

    def next_occurrences(self, count: int, now: datetime | None = None):
        now = now or timezone.now()
        return self.occurrences(now, self.last_end_utc + timedelta(days=1), limit=count)

    def zone_name(self, moment: datetime) -> str:
        return zone_label(moment)

    def text_for(self, language: str) -> "EventText | None":
        return pick_translation(self.texts.all(), language, self.campaign.language_codes)

    # Checks -----------------------------------------------------------------

    def clean(self) -> None:
        """The checks a form shows by field: the clock, the rule, the organisation, the past."""
        errors: dict[str, list[str]] = {}
        if self.time_zone:
            try:
                validate_time_zone(self.time_zone)
            except ValidationError as error:
                errors["time_zone"] = error.messages
        times = (self.starts_on, self.starts_at, self.ends_on, self.ends_at)
        if "time_zone" not in errors and self.time_zone and None not in times:
            self._clean_times(errors)
        if (
            self.campaign_id
            and self.organisation_id
            and self.organisation not in self.campaign.coalition()
        ):
            errors.setdefault("organisation", []).append(
                gettext("The organiser must be the campaign's lead organisation or a partner.")
            )
        if (
            self.day_of_action_id
            and self.campaign_id
            and self.day_of_action.campaign_id != self.campaign_id
        ):
            errors.setdefault("day_of_action", []).append(
                gettext("This day of action belongs to another campaign.")
            )
        self.country = (self.country or "").strip().upper()
        if self.country and self.country not in country_codes():
            errors.setdefault("country", []).append(
                gettext("Use the two-letter country code, such as KR or US.")
            )
        if errors:
            raise ValidationError(errors)

    def _clean_times(self, errors: dict) -> None:
        zone = self.zone
        start = datetime.combine(self.starts_on, self.starts_at)
        end = datetime.combine(self.ends_on, self.ends_at)
        for field, moment in (("starts_at", start), ("ends_at", end)):
            if not rrules.wall_time_exists(moment, zone):
                errors.setdefault(field, []).append(
                    gettext(
                        "%(time)s does not exist on %(day)s in %(zone)s: the clocks skip "
                        "that hour. Choose another time."
                    )
                    % {"time": moment.strftime("%H:%M"), "day": moment.date(), "zone": zone.key}
                )
        if errors:
            return
        if self.local_end.astimezone(UTC) <= self.local_start.astimezone(UTC):
            errors.setdefault("ends_at", []).append(gettext("The event must end after it starts."))
            return
        if self.duration > timedelta(days=7):
            errors.setdefault("ends_on", []).append(
                gettext("One occurrence can last at most a week; make it repeat instead.")
            )
            return
        if self._state.adding and self.local_start.astimezone(UTC) < timezone.now():
            errors.setdefault("starts_on", []).append(
                gettext("This time has already passed on the event's clock (%(now)s there).")
                % {"now": timezone.now().astimezone(zone).strftime("%Y-%m-%d %H:%M")}
            )
        if self.recurrence:
            deadline = self.campaign.deadline_at if self.campaign_id else None
            try:
                self.recurrence = rrules.rule_with_end(
                    self.recurrence, first_start=self.local_start, until=deadline
                )
            except rrules.RuleError as error:
                errors.setdefault("recurrence", []).append(str(RULE_MESSAGES[error.code]))
                return
        try:
            cancelled = parse_dates(self.cancelled_dates)
        except ValueError:
            errors.setdefault("cancelled_dates", []).append(
                gettext("Write each cancelled date as YYYY-MM-DD, one a line.")
            )
            return
        if cancelled:
            dates = {
                moment.date()
                for moment in rrules.starts(first_start=self.local_start, rule=self.recurrence)
            }
            strays = [day.isoformat() for day in cancelled if day not in dates]
            if strays:
                errors.setdefault("cancelled_dates", []).append(
                    gettext("The event does not take place on: %(dates)s.")
                    % {"dates": ", ".join(strays)}
                )
                return
            self.cancelled_dates = "\n".join(day.isoformat() for day in cancelled)


class EventText(PlainText):
    """An event's title and description in one language."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="texts", verbose_name=_("event")
    )

    class Meta:
        verbose_name = _("event text")
        verbose_name_plural = _("event texts")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "language"], name="one_event_text_per_language"
            )
        ]


class RsvpQuerySet(models.QuerySet):
    def holding_seats(self, now: datetime | None = None) -> "RsvpQuerySet":
        """RSVPs that take their seats now: going and confirmed, or going and still held."""
        now = now or timezone.now()
        return self.filter(status=Rsvp.Status.GOING).filter(
            models.Q(confirmed_at__isnull=False) | models.Q(hold_until__gt=now)
        )

    def active(self) -> "RsvpQuerySet":
        return self.filter(status__in=Rsvp.ACTIVE)


class Rsvp(models.Model):
    """A supporter's "I'll be there": to one occurrence of an event, or to every one.

    An action like a signature (actions.take_action): the supporter's record,
    consents sourced to it, a confirmation link. While unconfirmed it holds its
    seats until *hold_until* only (OUTCRY_RSVP_HOLD_HOURS); then it lapses and
    takes a seat again only if one is free when its owner confirms. See rsvps.py.
    """

    class Status(models.TextChoices):
        GOING = "going", _("going")
        WAITING = "waiting", _("on the waiting list")
        LAPSED = "lapsed", _("not confirmed in time, seat released")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.GOING, Status.WAITING, Status.LAPSED)

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="rsvps", verbose_name=_("event")
    )
    supporter = models.ForeignKey(
        "supporters.Supporter",
        on_delete=models.CASCADE,
        related_name="rsvps",
        verbose_name=_("supporter"),
    )
    date = models.DateField(
        _("date"),
        null=True,
        blank=True,
        help_text=_(
            "The date chosen on the event's own clock (an event happens at most once a "
            "day); empty for every date, or for an event that happens once."
        ),
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    guests = models.PositiveSmallIntegerField(
        _("guests"), default=0, validators=[MaxValueValidator(20)]
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("replied"), default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    hold_until = models.DateTimeField(_("seat held until"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)

    objects = RsvpQuerySet.as_manager()

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            # A second reply with one address changes nothing (rsvps.reply); the
            # event's row lock serialises replies, this catches what slips past.
            models.UniqueConstraint(
                fields=["event", "supporter", "date"],
                condition=models.Q(status__in=["going", "waiting", "lapsed"]),
                name="one_active_rsvp_per_date",
            )
        ]
        indexes = [models.Index(fields=["event", "status", "date"], name="rsvps_seats")]

    def __str__(self) -> str:
        return f"RSVP #{self.pk}"

    @property
    def people(self) -> int:
        """Seats it takes: the supporter and their guests."""
        return 1 + self.guests

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def first_name(self) -> str:
        """What a host sees: the first word of the name typed."""
        return (self.name.split() or [""])[0]


class HostMessage(models.Model):
    """A message from an event's host (or its organisers) relayed to the people who replied.

    The attendees' addresses are never shown to whoever writes it; each copy goes
    through the ledger (relay.py), and the row stays for the organisers to read.
    """

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="host_messages", verbose_name=_("event")
    )
    subject = models.CharField(_("subject"), max_length=150, validators=[refuse_html])
    body = models.TextField(_("message"), max_length=2000, validators=[refuse_html])
    written_by = models.CharField(_("written by"), max_length=200)
    recipients = models.PositiveIntegerField(_("sent to"), default=0)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("message to attendees")
        verbose_name_plural = _("messages to attendees")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class EventHost(models.Model):
    """Who proposed a local event of a day of action through the public form, and its links.

    The event itself is an Event with approval PROPOSED that nobody sees
    publicly. The host is a supporter like any other; they confirm their
    address first (``confirm_token``, the actions layer's confirmation link),
    and only a confirmed proposal reaches the organisers. ``key`` is what the
    host's own page link is signed from (hosting.host_code); ``nonce`` makes
    a form posted twice one proposal.
    """

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, related_name="host", verbose_name=_("event")
    )
    supporter = models.ForeignKey(
        "supporters.Supporter",
        on_delete=models.CASCADE,
        related_name="hosted_events",
        verbose_name=_("supporter"),
    )
    name = models.CharField(_("host's name"), max_length=100)
    phone = models.CharField(_("host's phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    nonce = models.CharField(max_length=100, unique=True, editable=False)
    confirm_token = models.CharField(max_length=64, unique=True, editable=False)
    key = models.CharField(max_length=64, unique=True, editable=False)
    confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("event host")
        verbose_name_plural = _("event hosts")

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"
