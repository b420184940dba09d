"""The target directory: who decides, how to reach them, lists of them, and imports.

A Target is a person or office who decides (an ambassador, a consulate, a senator,
a UN body). It is reached through Channels (email, fax, phone, post, web form),
each with its own status. Targets are grouped into TargetLists; an ImportRun
records one run of an open-data import, ZipDistrict maps US ZIP codes to
congressional districts, and an AddressReport is a note that an address is out
of date. Letters write to targets (letters depend on the directory, never the
reverse).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign
from outcry.directory.hours import validate_opening_hours
from outcry.directory.phones import e164


class ImportRun(models.Model):
    """One run of an import command: where the data came from and what changed."""

    kind = models.CharField(_("kind"), max_length=40)
    source = models.CharField(_("source"), max_length=500, help_text=_("File path or URL."))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("rows created"), default=0)
    updated_count = models.PositiveIntegerField(_("rows updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("rows unchanged"), default=0)
    skipped_count = models.PositiveIntegerField(_("rows skipped"), default=0)
    removed_count = models.PositiveIntegerField(
        _("rows removed"),
        default=0,
        help_text=_("Rows closed or deleted because the source no longer lists them."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.kind} from {self.source} ({self.started_at:%Y-%m-%d})"


# The language of a target's own name (`Target.name`): the open data names offices in
# English, and docs/organisers.md asks organisers to (other languages go in TargetName).
NAME_LANGUAGE = "en"


class TargetQuerySet(models.QuerySet):
    def open(self) -> "TargetQuerySet":
        return self.filter(is_closed=False)

    def public(self) -> "TargetQuerySet":
        """Targets anyone may see, open or closed.

        A target is public when a list shared by the whole site holds it, or the
        list of a letter action of a published campaign (the action's own page names
        it anyway). One that only an organisation's own list holds is theirs to
        publish: it stays out until a live action writes to it.
        """
        live = Q(
            lists__actions__campaign__status__in=[
                status for status in Campaign.Status.values if status != Campaign.Status.DRAFT
            ]
        )
        ids = self.filter(Q(lists__organisation__isnull=True) | live).values("pk")
        return self.filter(pk__in=ids)

    def public_missions(self) -> "TargetQuerySet":
        """Embassies and consulates anyone may see in the public directory (``public``)."""
        missions = [Target.Category.EMBASSY, Target.Category.CONSULATE]
        return self.public().filter(category__in=missions).exclude(represents="")

    def with_names(self) -> "TargetQuerySet":
        """Fetch every target's names per language in one more query, for ``name_in``."""
        return self.prefetch_related("names")


class Target(models.Model):
    """A person or office who decides, with where they are and how to address them."""

    class Category(models.TextChoices):
        EMBASSY = "embassy", _("embassy")
        CONSULATE = "consulate", _("consulate")
        LEGISLATOR = "legislator", _("legislator")
        GOVERNMENT = "government", _("government")
        INTERNATIONAL = "international", _("international body")
        OTHER = "other", _("other")

    external_id = models.CharField(
        _("external id"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "Identifier in the source data, e.g. “wikidata:Q1073835” or “bioguide:C000127”."
        ),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("A person or an office."))
    role = models.CharField(_("role"), max_length=120, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    represents = models.CharField(
        _("represents"),
        max_length=2,
        blank=True,
        help_text=_("For a diplomatic mission: the sending country (ISO code, e.g. CN)."),
    )
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code."))
    region = models.CharField(_("region"), max_length=40, blank=True, help_text=_("e.g. US state"))
    district = models.PositiveSmallIntegerField(_("district"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    consular_district = models.CharField(
        _("consular district"),
        max_length=300,
        blank=True,
        help_text=_(
            "For a mission: the regions of its host country it serves, as codes separated "
            "by commas (US states: “IL, IN, IA”). A supporter in one of them is offered "
            "this office first, however near another one is. Empty: the nearest office."
        ),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_location_approximate = models.BooleanField(
        _("placed at the city, not the building"),
        default=False,
        help_text=_(
            "The city and coordinates are a guess: the capital's, where the source "
            "names no place. Untick once you enter the office's own."
        ),
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=200,
        blank=True,
        validators=[validate_opening_hours],
        help_text=_(
            "When the office is open to the public, as schema.org writes it: the days, "
            "then the times, e.g. “Mo-Fr 09:00-12:00 14:00-16:00; Sa 10:00-12:00”. "
            "Empty: not known."
        ),
    )
    languages = models.CharField(
        _("languages for correspondence"), max_length=60, blank=True, default="en"
    )
    salutation = models.CharField(
        _("salutation"), max_length=120, blank=True, help_text=_("e.g. “Your Excellency”")
    )
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_reason = models.CharField(_("why closed"), max_length=300, blank=True)
    # An import re-opens a target it closed itself when the source lists it again,
    # but never one an organiser closed by hand.
    is_closed_by_import = models.BooleanField(_("closed by an import"), default=False)
    import_run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
        verbose_name=_("import run"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["country", "city", "name"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        indexes = [
            models.Index(fields=["country", "region", "district"]),
            models.Index(fields=["represents", "category"]),
        ]

    def __str__(self) -> str:
        place = ", ".join(part for part in [self.city, self.country] if part)
        return f"{self.name} ({place})" if place else self.name

    @property
    def district_regions(self) -> set[str]:
        """The region codes of its consular district ({"IL", "IN"}); empty if it has none."""
        return {code.strip().upper() for code in self.consular_district.split(",") if code.strip()}

    @property
    def language_codes(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    def name_in(self, language: str) -> str:
        """The target's name in *language* (“ko”, “zh-hans”, “ko-kr”), else its own name.

        Reads the prefetched names where there are some (``Target.objects.with_names()``
        or ``prefetch_names``), else asks the database once.
        """
        return self.own_name_in(language) or self.name

    def own_name_in(self, language: str) -> str:
        """The name an organiser gave for *language* (or its language without region), else ""."""
        wanted = (language or "").lower()
        if not wanted or self.pk is None:
            return ""
        names = {entry.language: entry.name for entry in self.names.all()}
        # An exact match first, then the language without its region (ko-kr → ko).
        for code in (wanted, wanted.split("-")[0]):
            if names.get(code):
                return names[code]
        return ""

    def role_in(self, language: str) -> str:
        """The role (“Ambassador”) in *language* where the catalogue has it, else as typed.

        The importers store the roles they know as English msgids (gettext_noop);
        a role an organiser typed in another wording is shown as it is.
        """
        if not self.role or not language:
            return self.role
        with translation.override(language):
            return gettext(self.role)


def prefetch_names(targets) -> None:
    """Fetch the names per language of *targets* (any iterable of Target) in one query."""
    models.prefetch_related_objects(list(targets), "names")


class TargetName(models.Model):
    """What a target is called in one language (주한 중국대사관, 中华人民共和国驻大韩民国大使馆).

    The source data names targets in English only; organisers add the rest.
    """

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="names", verbose_name=_("target")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    name = models.CharField(
        _("name in this language"),
        max_length=200,
        help_text=_("As a reader of this language writes it; shown instead of the name."),
    )

    class Meta:
        ordering = ["language"]
        verbose_name = _("name in another language")
        verbose_name_plural = _("names in other languages")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "language"], name="one_target_name_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.name}"


class Channel(models.Model):
    """One way to reach a target, with its own status and verification date."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("email")
        FAX = "fax", _("fax")
        POST = "post", _("post")
        WEBFORM = "webform", _("web form")
        PHONE = "phone", _("phone")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        BOUNCING = "bouncing", _("bouncing")
        CLOSED = "closed", _("closed")

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="channels", verbose_name=_("target")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(
        _("address"),
        max_length=500,
        help_text=_(
            "Email address, phone or fax number in E.164 (+82…), web form URL, "
            "or the postal address as printed."
        ),
    )
    postal_address = models.JSONField(
        _("postal address fields"),
        default=dict,
        blank=True,
        help_text=_("Structured address (street_address, city, postal_code, country_code…)."),
    )
    label = models.CharField(
        _("label"), max_length=120, blank=True, help_text=_("e.g. “DC office”")
    )
    char_limit = models.PositiveIntegerField(
        _("character limit"),
        null=True,
        blank=True,
        help_text=_("Longest message the channel accepts (e.g. 2,500 for a web form)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    import_kind = models.CharField(
        _("kept up to date by"),
        max_length=40,
        blank=True,
        help_text=_(
            "The import that manages this channel. Channels entered by hand have none, "
            "and imports never change them."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["kind", "label", "pk"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "kind", "value"], name="one_channel_per_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self) -> None:
        """Check the value for its kind, and store phone and fax numbers as E.164."""
        value = self.value.strip()
        if self.kind in {self.Kind.PHONE, self.Kind.FAX}:
            try:
                region = self.target.country  # the parent form's, in an admin inline
            except Target.DoesNotExist:
                region = ""
            number = e164(value, region=region)
            if number is None:
                raise ValidationError(
                    {
                        "value": _(
                            "This is not a valid phone number. Write it with its country "
                            "code, e.g. +82 2 738 1038."
                        )
                    }
                )
            value = number
        elif self.kind == self.Kind.EMAIL:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError({"value": _("This is not an email address.")}) from None
        elif self.kind == self.Kind.WEBFORM:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError:
                raise ValidationError(
                    {"value": _("Give the web form's address, starting with https://.")}
                ) from None
        self.value = value


class TargetList(models.Model):
    """A named group of targets, e.g. “PRC missions worldwide” or “US Congress”.

    A list belongs to one organisation, whose organisers change it; a list with
    no organisation is shared by the whole site and changed by superusers only.
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "campaigns.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="target_lists",
        verbose_name=_("owned by"),
        help_text=_(
            "Its organisers change the list. Empty: shared by every organisation, "
            "changed only by the site's administrators."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    targets = models.ManyToManyField(
        Target, blank=True, related_name="lists", verbose_name=_("targets")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("target list")
        verbose_name_plural = _("target lists")

    def __str__(self) -> str:
        return self.name


# A US ZIP code as written: five digits (the ZIP, which is also the ZCTA a
# ZipDistrict is keyed by), then optionally ZIP+4's four digits after a hyphen or,
# as people type it, a space or nothing. The one definition: selection reads a
# supporter's ZIP code with it, the importers an office's address and a ZCTA.
FIVE_DIGIT_ZIP = r"\d{5}"
ZIP_CODE = rf"(?P<zip5>{FIVE_DIGIT_ZIP})(?:[-\s]?\d{{4}})?"


class ZipDistrict(models.Model):
    """A US ZIP code tabulation area and one congressional district it lies in."""

    zcta = models.CharField(_("ZIP code"), max_length=5, db_index=True)
    state = models.CharField(pgettext_lazy("US state", "state"), max_length=2)
    district = models.PositiveSmallIntegerField(
        _("district"), help_text=_("0 for an at-large seat")
    )

    class Meta:
        verbose_name = _("ZIP code district")
        verbose_name_plural = _("ZIP code districts")
        constraints = [
            models.UniqueConstraint(fields=["zcta", "state", "district"], name="one_zip_district")
        ]

    def __str__(self) -> str:
        return f"{self.zcta} → {self.state}-{self.district}"


class AddressReport(models.Model):
    """A supporter's note that a target's address is out of date."""

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="reports", verbose_name=_("target")
    )
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("channel"),
    )
    note = models.TextField(_("what is wrong"), max_length=2000)
    # Set when an organiser proposes a correction in the admin (supporters'
    # reports stay anonymous); an administrator reviews and applies it.
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("address report")
        verbose_name_plural = _("address reports")

    def __str__(self) -> str:
        return f"{self.target}: {self.note[:60]}"
