"""Letter templates, letters and their deliveries.

A campaign's LetterAction writes to a TargetList of the directory
(outcry.directory: targets and their channels). A supporter's Letter goes to
one or more targets; each (letter, target, channel) is a Delivery, a ledger row
written before sending.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.core.models import LedgerEntry
from outcry.core.text import pick_translation
from outcry.directory.models import Channel, Target, TargetList
from outcry.letters import channels


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
        """The letter's title in the campaign's first language, else the slug."""
        template = self.template_for(self.campaign.language_codes[0])
        return template.title if template else self.slug

    def template_for(self, language: str) -> "LetterTemplate | None":
        return pick_translation(self.templates.all(), language, self.campaign.language_codes)

    @property
    def is_live(self) -> bool:
        """Open, in a campaign no longer a draft: supporters may reach it."""
        return self.is_open and self.campaign.status != "draft"

    def ready_templates(self) -> dict[str, "LetterTemplate"]:
        """The letters supporters can write, by language: those with at least one paragraph.

        Reads ``templates.all()`` and their ``paragraphs.all()``: prefetch both for a list.
        """
        return {t.language: t for t in self.templates.all() if t.paragraphs.all()}


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


class Delivery(LedgerEntry):
    """One letter to one target by one channel; written before anything is sent.

    Each channel (letters/channels/) says how it is sent or done, letters/delivery.py
    sends the ones this site sends; see docs/operations.md,
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
    kind = models.CharField(_("channel"), max_length=10, choices=channels.choices)
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
