"""The target directory, letter templates, letters and their deliveries.

A Target is a person or office who decides (an ambassador, a consulate, a senator,
a UN body). It is reached through Channels (email, fax, phone, post, web form),
each with its own status. Targets are grouped into TargetLists that a campaign's
LetterAction writes to. A supporter's Letter goes to one or more targets; each
(letter, target, channel) is a Delivery, a ledger row written before sending.
"""

import functools

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outcry.core.models import LedgerEntry
from outcry.core.text import pick_translation


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


class TargetQuerySet(models.QuerySet):
    def open(self) -> "TargetQuerySet":
        return self.filter(is_closed=False)

    def reachable_by(self, kind: str) -> "TargetQuerySet":
        return (
            self.open()
            .filter(channels__kind=kind, channels__status=Channel.Status.ACTIVE)
            .distinct()
        )


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
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
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
    def language_codes(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    def active_channels(self) -> list["Channel"]:
        return [c for c in self.channels.all() if c.status == Channel.Status.ACTIVE]


@functools.lru_cache(maxsize=8192)  # imports check thousands of numbers, often the same
def e164(raw: str, *, region: str = "") -> str | None:
    """*raw* as an E.164 number ("+8227381038") if it is valid, else None.

    A number written without its country code is read in *region*'s plan.
    """
    try:
        number = phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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


class LetterAction(models.Model):
    """A campaign's call to write: who to write to, how targets are chosen, by which channels."""

    class Selection(models.TextChoices):
        NEAREST_MISSION = "nearest_mission", _("the mission nearest to the supporter")
        US_CONGRESS = "us_congress", _("the supporter's US senators and representative")
        FIXED = "fixed", _("every target in the list")
        CHOOSE = "choose", _("the supporter picks from the list")

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        related_name="letter_actions",
        verbose_name=_("campaign"),
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    target_list = models.ForeignKey(
        TargetList, on_delete=models.PROTECT, related_name="actions", verbose_name=_("targets")
    )
    selection = models.CharField(
        _("how targets are chosen"), max_length=20, choices=Selection.choices
    )
    channels = models.CharField(
        _("channels offered"),
        max_length=60,
        default="email,fax,post,webform,phone,mailto",
        help_text=_("Comma-separated: email, mailto, fax, post, webform, phone."),
    )
    represents = models.CharField(
        _("missions of"),
        max_length=2,
        blank=True,
        help_text=_(
            "For “the mission nearest to the supporter”: the country whose embassies "
            "and consulates are written to (ISO code, e.g. CN)."
        ),
    )
    is_open = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("letter action")
        verbose_name_plural = _("letter actions")

    def __str__(self) -> str:
        return self.slug

    @property
    def channel_codes(self) -> list[str]:
        """The channels supporters are offered now: those configured, less fax when
        this site has no fax service (OUTCRY_FAX_BACKEND=none)."""
        from outcry.letters.delivery import fax_available

        codes = [code.strip() for code in self.channels.split(",") if code.strip()]
        return [code for code in codes if code != "fax" or fax_available()]

    def template_for(self, language: str) -> "LetterTemplate | None":
        return pick_translation(self.templates.all(), language, self.campaign.language_codes)


class LetterTemplate(models.Model):
    """The sample letter in one language, made of paragraphs."""

    action = models.ForeignKey(
        LetterAction,
        on_delete=models.CASCADE,
        related_name="templates",
        verbose_name=_("letter action"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    title = models.CharField(_("title on the page"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200)
    introduction = models.TextField(_("introduction for supporters"), blank=True)
    call_script = models.TextField(
        _("call script"),
        blank=True,
        help_text=_(
            "What a supporter says on the phone. May hold the same placeholders as the "
            "paragraphs. Left empty, a short script is made from the subject."
        ),
    )

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(fields=["action", "language"], name="one_template_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_language_display()})"


class Paragraph(models.Model):
    """A paragraph of a letter template.

    Text may hold the placeholders {salutation}, {target_name}, {supporter_name}
    and {supporter_city}.
    """

    class Kind(models.TextChoices):
        REQUIRED = "required", _("required")
        OPTIONAL = "optional", _("optional (supporter ticks it)")
        EDITABLE = "editable", _("editable (supporter may rewrite it)")

    template = models.ForeignKey(
        LetterTemplate,
        on_delete=models.CASCADE,
        related_name="paragraphs",
        verbose_name=_("letter template"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REQUIRED)
    is_included_by_default = models.BooleanField(_("ticked by default"), default=True)
    label = models.CharField(
        _("label"), max_length=200, blank=True, help_text=_("Shown beside an optional paragraph.")
    )
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:50]}"


class Letter(models.Model):
    """What one supporter wrote, once; sent to one or more targets as Deliveries.

    ``body`` is the letter between the salutation and the closing, and keeps the
    placeholders ({target_name}, …): one letter goes to several targets, and
    letters/wording.py fills them in for each.
    """

    action = models.ForeignKey(
        LetterAction,
        on_delete=models.CASCADE,
        related_name="letters",
        verbose_name=_("letter action"),
    )
    supporter = models.ForeignKey(
        "supporters.Supporter",
        on_delete=models.CASCADE,
        related_name="letters",
        verbose_name=_("supporter"),
    )
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("letter"))
    is_personalised = models.BooleanField(_("written or edited by the supporter"), default=False)
    sender_name = models.CharField(
        _("sender's name"),
        max_length=100,
        blank=True,
        help_text=_("As typed for this letter (the supporter's stored name is never overwritten)."),
    )
    sender_city = models.CharField(_("sender's city"), max_length=120, blank=True)
    sender_country = models.CharField(_("sender's country"), max_length=2, blank=True)
    nonce = models.CharField(
        _("form token"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("One-time token of the form that sent it: a double submit finds this row."),
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    # Email and fax go out in the writer's name only once they open the link
    # emailed to them (letters/confirmation.py): anyone can type anyone's address.
    confirmed_at = models.DateTimeField(
        _("sender confirmed"),
        null=True,
        blank=True,
        help_text=_("When the writer confirmed their email address, for letters sent for them."),
    )
    confirm_token = models.CharField(
        _("confirmation token"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Random; the signed confirmation link carries it."),
    )
    writer_language = models.CharField(
        _("language of the writer's pages"),
        max_length=10,
        blank=True,
        help_text=_("The confirmation email is written in it."),
    )
    # The keyed hash of the writer's network (core.ratelimit.network_key, never the
    # IP itself), so that one network gets only a share of a target's hourly
    # limit. Blanked once the letter's deliveries are done (expire_unconfirmed_letters).
    network_key = models.CharField(_("network (keyed hash)"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self) -> str:
        return f"{self.subject} ({self.created_at:%Y-%m-%d})"


DELIVERY_KINDS = [
    ("email", _("email")),
    ("fax", _("fax")),
    ("post", _("post")),
    ("mailto", _("own email program")),
    ("webform", _("web form")),
    ("phone", _("phone")),
]


class Delivery(LedgerEntry):
    """One letter to one target by one channel; written before anything is sent.

    The sending itself lives in letters/delivery.py; see docs/operations.md,
    "Delivering letters", for what each status means to an organiser.
    """

    class Status(models.TextChoices):
        """The ledger's states, and two of letters' own before anything is sent."""

        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        UNCONFIRMED = "unconfirmed", _("waiting for the writer to confirm")
        EXPIRED = "expired", _("expired unconfirmed (never sent)")

    class Error(models.TextChoices):
        """Why the last attempt did not get through (empty once it has)."""

        BAD_ADDRESS = "bad_address", _("bad or missing address")
        REFUSED = "refused", _("refused by the recipient's server or the provider")
        UNAVAILABLE = "unavailable", _("server or provider unavailable")
        TIMEOUT = "timeout", _("no answer in time")
        NOT_CONFIGURED = "not_configured", _("channel not configured")
        OUTCOME_UNKNOWN = "outcome_unknown", _("interrupted while sending: check before resending")
        PROVIDER_FAILED = "provider_failed", _("the provider could not transmit it")

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("letter")
    )
    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("target")
    )
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        verbose_name=_("address used"),
    )
    kind = models.CharField(_("channel"), max_length=10, choices=DELIVERY_KINDS)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    claimed_at = models.DateTimeField(
        _("sending since"),
        null=True,
        blank=True,
        help_text=_("When a worker last took this delivery; a row left sending long is recovered."),
    )
    error_code = models.CharField(
        _("problem"), max_length=20, choices=Error.choices, blank=True, db_index=True
    )
    confirmed_at = models.DateTimeField(
        _("confirmed"),
        null=True,
        blank=True,
        help_text=_("When the fax provider reported the fax transmitted."),
    )
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.target} ({self.get_status_display()})"
