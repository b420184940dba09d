"""A campaign's cases (a person or a group at risk), their status timeline and its sources.

Two tiers, in two tables. ``Case`` and its rows hold only what may be said
publicly: a description per language, group size, counts by gender and age
band, the city of arrest, the date, where they are held in general terms, the
timeline. ``CaseRecord`` (one to one) holds what could identify a person: real
names, photo, exact place, family contacts, organiser notes. Only organisers
of the campaign's lead organisation read or change it, in the admin
(cases.admin); no public page, feed, export or JSON reads that table, and its
photo lives in a private storage that no static or media URL serves.
"""

import os
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outcry.campaigns.models import Campaign
from outcry.core.text import pick_translation

# Largest group a case may describe: larger is a typo, not a case.
MAX_GROUP = 10000
# The statuses after which a case's fate is known: no more urgency line.
FINAL = {"released", "reached-safety", "repatriated"}


class PrivateStorage(FileSystemStorage):
    """Files only the admin serves (CaseRecord photos), under settings.PRIVATE_MEDIA_ROOT.

    Read from settings on each use, so tests and operators can move it. Its URLs
    are the admin view that checks the lead organisation, never a public path.
    """

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        return reverse("admin:cases_case_photo", kwargs={"name": name})


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private_storage


def not_in_future(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("This date is in the future: give the date it happened."))


class CaseQuerySet(models.QuerySet):
    def public(self) -> "CaseQuerySet":
        """Published cases of public campaigns."""
        return self.filter(is_published=True, campaign__in=Campaign.objects.public())


class Case(models.Model):
    """A person or a group at risk, as far as it may be said publicly."""

    class Kind(models.TextChoices):
        PERSON = "person", _("a person")
        GROUP = "group", _("a group")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="cases", verbose_name=_("campaign")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GROUP)
    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Shown on the campaign's public pages once ticked."),
    )
    position = models.PositiveSmallIntegerField(
        _("order on the page"), default=0, help_text=_("Smaller numbers come first.")
    )
    group_size = models.PositiveIntegerField(
        _("number of people"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_GROUP)],
    )
    arrest_place = models.CharField(
        _("city or region of arrest"),
        max_length=100,
        blank=True,
        help_text=_("Public: a city or a region, never a street or a house."),
    )
    arrested_on = models.DateField(
        _("date of arrest"), null=True, blank=True, validators=[not_in_future]
    )
    held_in = models.CharField(
        _("where held"),
        max_length=200,
        blank=True,
        help_text=_("Public, in general terms: “a detention centre in Changchun”."),
    )
    window_starts_on = models.DateField(
        _("repatriation feared from"),
        null=True,
        blank=True,
        help_text=_("The organisers' estimate, shown with its source as a countdown."),
    )
    window_ends_on = models.DateField(_("repatriation feared until"), null=True, blank=True)
    window_source_outlet = models.CharField(_("estimate's source"), max_length=200, blank=True)
    window_source_url = models.URLField(_("estimate's source link"), max_length=500, blank=True)
    window_source_on = models.DateField(
        _("estimate's source date"), null=True, blank=True, validators=[not_in_future]
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        text = self.text_for(self.campaign.language_codes[0]) if self.pk else None
        return text.summary if text else _("Case #%(id)s") % {"id": self.pk}

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.PERSON and self.group_size not in (None, 1):
            errors["group_size"] = _("A case about one person counts 1 person; choose “a group”.")
        start, end = self.window_starts_on, self.window_ends_on
        if end and not start:
            errors["window_starts_on"] = _("Give the first day of the window too.")
        if start and end and end < start:
            errors["window_ends_on"] = _("The window cannot end before it starts.")
        if start and not self.window_source_outlet:
            errors["window_source_outlet"] = _(
                "Say where the estimate comes from: the outlet or organisation that reported it."
            )
        if errors:
            raise ValidationError(errors)

    def text_for(self, language: str) -> "CaseText | None":
        """The public description in *language*, else in the campaign's languages, else any."""
        return pick_translation(self.texts.all(), language, self.campaign.language_codes)

    def timeline(self) -> list["StatusChange"]:
        """The status changes, oldest first (by date, then by when they were entered)."""
        return sorted(self.changes.all(), key=lambda change: (change.happened_on, change.pk))

    @property
    def current(self) -> "StatusChange | None":
        """The latest status change by date (ties: the one entered last)."""
        changes = self.timeline()
        return changes[-1] if changes else None

    @property
    def is_settled(self) -> bool:
        """Whether the case reached a final status (released, safe, repatriated)."""
        current = self.current
        return current is not None and current.status in FINAL

    def days_since_arrest(self, today: date) -> int | None:
        if self.arrested_on is None:
            return None
        return max((today - self.arrested_on).days, 0)


class CaseText(models.Model):
    """What may be said publicly about a case, in one language."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    summary = models.CharField(
        _("public description"),
        max_length=300,
        help_text=_(
            "One line anyone may read: “16-year-old boy, his older brother lives in South "
            "Korea”. No name, no exact place."
        ),
    )
    details = models.TextField(
        _("more (public)"),
        max_length=4000,
        blank=True,
        help_text=_("Plain text shown on the case's page. Only what is already public and safe."),
    )
    # Place names read differently in each script (Shenyang, 선양, 沈阳); empty: the case's.
    arrest_place = models.CharField(
        _("city or region of arrest, in this language"), max_length=100, blank=True
    )
    held_in = models.CharField(_("where held, in this language"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("public description")
        verbose_name_plural = _("public descriptions")
        constraints = [
            models.UniqueConstraint(fields=["case", "language"], name="one_case_text_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.summary} ({self.get_language_display()})"


class CaseCount(models.Model):
    """How many people of a case are of one gender and age band."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("women and girls")
        MALE = "male", _("men and boys")
        UNKNOWN = "unknown", _("gender not known")

    class AgeBand(models.TextChoices):
        CHILD = "child", _("under 18")
        ADULT = "adult", _("18 to 59")
        OLDER = "older", _("60 and over")
        UNKNOWN = "unknown", _("age not known")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="counts")
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand.choices)
    count = models.PositiveIntegerField(_("how many"), validators=[MaxValueValidator(MAX_GROUP)])

    class Meta:
        ordering = ["pk"]
        verbose_name = _("count by gender and age")
        verbose_name_plural = _("counts by gender and age")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "gender", "age_band"], name="one_count_per_gender_and_age"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.get_gender_display()}, {self.get_age_band_display()}"


class StatusChange(models.Model):
    """One step of a case's timeline: what happened, when, how sure we are, and who said so."""

    class Status(models.TextChoices):
        AT_LARGE = "at-large", _("at large")
        ARRESTED = "arrested", _("arrested")
        DETAINED = "detained", _("detained")
        INVESTIGATED = "investigated", _("under investigation")
        REPATRIATED = "repatriated", _("repatriated")
        RELEASED = "released", _("released")
        SAFE = "reached-safety", _("reached safety")
        UNKNOWN = "unknown", _("unknown")

    class Confidence(models.TextChoices):
        # In context: "confirmed" and "reported" alone are dates elsewhere.
        CONFIRMED = "confirmed", pgettext_lazy("confidence", "confirmed")
        REPORTED = "reported", pgettext_lazy("confidence", "reported")
        RUMOURED = "rumoured", pgettext_lazy("confidence", "rumoured")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="changes", verbose_name=_("case")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    happened_on = models.DateField(_("date"), validators=[not_in_future])
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.REPORTED
    )
    created_at = models.DateTimeField(_("entered"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["happened_on", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.happened_on:%Y-%m-%d}: {self.get_status_display()}"

    @property
    def campaign(self) -> Campaign:
        """The case's campaign (the notes' languages are its languages)."""
        return self.case.campaign

    def note_for(self, language: str) -> "StatusNote | None":
        return pick_translation(self.notes.all(), language, self.case.campaign.language_codes)


class StatusNote(models.Model):
    """A short public note on a status change, in one language (optional)."""

    change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="notes")
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    note = models.CharField(_("public note"), max_length=300)

    class Meta:
        verbose_name = _("public note")
        verbose_name_plural = _("public notes")
        constraints = [
            models.UniqueConstraint(
                fields=["change", "language"], name="one_status_note_per_language"
            )
        ]

    def __str__(self) -> str:
        return self.note


class Source(models.Model):
    """Who reported a status change: an outlet, a date and, if online, a link."""

    change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="sources")
    outlet = models.CharField(_("outlet"), max_length=200)
    url = models.URLField(
        _("link"),
        max_length=500,
        blank=True,
        help_text=_("Leave empty for print, broadcast or a statement not online."),
    )
    published_on = models.DateField(_("date"), validators=[not_in_future])

    class Meta:
        ordering = ["published_on", "pk"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return f"{self.outlet}, {self.published_on:%Y-%m-%d}"


class CaseRecord(models.Model):
    """What could identify the people of a case: for the lead organisation's organisers only.

    Kept in its own table so that no query of the public tier can reach it by
    accident; nothing outside cases.admin reads it.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="record")
    real_names = models.TextField(_("real names"), max_length=4000, blank=True)
    photo = models.ImageField(
        _("photo"),
        storage=private_storage,
        upload_to="cases/",
        blank=True,
        help_text=_("Kept out of every public address; shown only to the lead's organisers."),
    )
    exact_place = models.TextField(_("exact place"), max_length=2000, blank=True)
    family_contacts = models.TextField(_("family contacts"), max_length=4000, blank=True)
    notes = models.TextField(_("organiser notes"), max_length=10000, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("protected record")
        verbose_name_plural = _("protected records")

    def __str__(self) -> str:
        return _("Protected record of case #%(id)s") % {"id": self.case_id}


def delete_private_file(name: str) -> None:
    """Delete *name* from the private storage once the current transaction commits."""
    if name:
        transaction.on_commit(lambda: private_storage().delete(name))


def forget_photo(sender, instance: CaseRecord, **kwargs) -> None:
    """post_delete of a CaseRecord: its photo file goes too."""
    delete_private_file(instance.photo.name if instance.photo else "")
