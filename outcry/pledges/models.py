"""Pledges: fasting on a day, praying daily at a time, boycotting named companies.

A Pledge is what organisers ask (with its words per language); a Commitment is
one supporter's answer to it: the day they fast, the time they pray, in their
own time zone, and whether they want email reminders. Commitments count in the
pledge's public counter (``actions.counters``, key ``pledge:<id>``) once their
owner confirmed them; the rows are the record and the recount job rebuilds the
counter from them.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign
from outcry.core.text import has_control_characters, pick_translation
from outcry.supporters.models import Supporter

# The most days a fast may offer to choose from (a campaign lasts weeks, not years).
MOST_DAYS = 120


def refuse_control_characters(value: str) -> None:
    if has_control_characters(value or ""):
        raise ValidationError(_("Remove the invisible control characters."), code="control")


class Pledge(models.Model):
    """A pledge a campaign asks of its supporters: to fast, to pray or to boycott."""

    class Kind(models.TextChoices):
        FAST = "fast", _("fast on a day")
        PRAY = "pray", _("pray every day")
        BOYCOTT = "boycott", _("boycott")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="pledges", verbose_name=_("campaign")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    first_day_on = models.DateField(
        _("first day offered"),
        null=True,
        blank=True,
        help_text=_("Fasts: the first day supporters may choose (on their own calendar)."),
    )
    last_day_on = models.DateField(
        _("last day offered"),
        null=True,
        blank=True,
        help_text=_("Fasts: the last day supporters may choose."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Pledges are shown by position, then by age.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")

    def __str__(self) -> str:
        text = self.text_for(settings.LANGUAGE_CODE)
        return text.title if text else f"{self.get_kind_display()} #{self.pk}"

    def clean(self) -> None:
        if self.kind != self.Kind.FAST:
            return
        if self.first_day_on is None or self.last_day_on is None:
            raise ValidationError(
                {"last_day_on": _("A fast offers days: give the first and the last day.")}
            )
        if self.last_day_on < self.first_day_on:
            raise ValidationError(
                {"last_day_on": _("The last day offered comes before the first.")}
            )
        if (self.last_day_on - self.first_day_on).days >= MOST_DAYS:
            raise ValidationError(
                {
                    "last_day_on": _("A fast offers at most %(days)s days to choose from.")
                    % {"days": MOST_DAYS}
                }
            )

    @property
    def counter_key(self) -> str:
        return counter_key(self.pk)

    @property
    def is_open(self) -> bool:
        """Whether it takes commitments: its campaign is active and before its deadline."""
        return self.campaign.is_open

    def text_for(self, language: str) -> "PledgeText | None":
        return pick_translation(self.texts.all(), language, self.campaign.language_codes)

    def days_offered(self, today: date) -> list[date]:
        """The days a fast offers from *today* on (none for other kinds)."""
        if self.kind != self.Kind.FAST or self.first_day_on is None or self.last_day_on is None:
            return []
        first = max(self.first_day_on, today)
        return [first + timedelta(days=n) for n in range((self.last_day_on - first).days + 1)]


def counter_key(pledge_id: int) -> str:
    """The public counter of a pledge (actions.counters)."""
    return f"pledge:{pledge_id}"


class PledgeText(models.Model):
    """A pledge's words in one language: its title, what it asks, and (boycotts) whom."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="texts", verbose_name=_("pledge")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200, validators=[refuse_control_characters])
    asks = models.TextField(
        _("what it asks"), max_length=3000, validators=[refuse_control_characters]
    )
    companies = models.TextField(
        _("companies and products"),
        max_length=3000,
        blank=True,
        validators=[refuse_control_characters],
        help_text=_("Boycotts: the companies or products to avoid, one a line."),
    )

    class Meta:
        verbose_name = _("pledge text")
        verbose_name_plural = _("pledge texts")
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "language"], name="one_pledge_text_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_language_display()})"

    @property
    def company_list(self) -> list[str]:
        return [line.strip() for line in self.companies.splitlines() if line.strip()]


class CommitmentQuerySet(models.QuerySet):
    def confirmed(self) -> "CommitmentQuerySet":
        return self.filter(confirmed_at__isnull=False)


class Commitment(models.Model):
    """One supporter's pledge: the day (fast) or the time (prayer), their zone, their reminders.

    One per supporter and pledge. *local_time* is the prayer's time, or for a
    fast the time of the reminder the evening before; both on the clock of
    *time_zone* (IANA), where the supporter lives.
    """

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("pledge")
    )
    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.CASCADE,
        related_name="commitments",
        verbose_name=_("supporter"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    day_on = models.DateField(_("day"), null=True, blank=True)
    local_time = models.TimeField(_("time"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    wants_reminders = models.BooleanField(_("wants reminders"), default=False)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    reminders_stopped_at = models.DateTimeField(_("reminders stopped"), null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "supporter"], name="one_commitment_per_supporter_and_pledge"
            )
        ]
        indexes = [models.Index(fields=["pledge", "confirmed_at"], name="commitment_counted")]

    def __str__(self) -> str:
        return f"{self.pledge} #{self.pk}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def gets_reminders(self) -> bool:
        return self.wants_reminders and self.reminders_stopped_at is None
