"""Petitions, their signatures, and the sharded counter shown to the public."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.core.countries import country_name
from outcry.core.text import pick_translation
from outcry.supporters.models import greeting_name, short_public_name


class Petition(models.Model):
    """A petition to the people who decide, inside a campaign."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        related_name="petitions",
        verbose_name=_("campaign"),
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    goal = models.PositiveIntegerField(_("goal"), default=1000)
    needs_confirmation = models.BooleanField(
        _("signatures need email confirmation"),
        default=True,
        help_text=_(
            "Count a signature only after the signer follows the link in an email. "
            "If unticked, a signature counts at once in the totals and the export you "
            "see; the public count still waits for the link, so that it never tells "
            "whoever types an address whether its owner had signed."
        ),
    )
    shows_signers = models.BooleanField(
        _("show the public list of signers"),
        default=True,
        help_text=_("Only signers who chose to be listed appear, and only as they chose."),
    )
    is_open = models.BooleanField(_("accepting signatures"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")

    def __str__(self) -> str:
        text = self.text_for(self.campaign.language_codes[0])
        return text.title if text else self.slug

    def text_for(self, language: str) -> "PetitionText | None":
        return pick_translation(self.texts.all(), language, self.campaign.language_codes)

    @property
    def accepts_signatures(self) -> bool:
        return self.is_open and self.campaign.is_open

    @property
    def counter_key(self) -> str:
        """The key of the petition's public counter (actions.counters)."""
        return counter_key(self.pk)


def counter_key(petition_id: int) -> str:
    """The key of petition *petition_id*'s public counter (actions.counters)."""
    return f"petition:{petition_id}"


class PetitionText(models.Model):
    """A petition's words in one language."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="texts", verbose_name=_("petition")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    addressee = models.CharField(
        _("addressed to"), max_length=300, help_text=_("e.g. “UN High Commissioner for Refugees”")
    )
    text = models.TextField(_("petition text"))

    class Meta:
        verbose_name = _("petition text")
        verbose_name_plural = _("petition texts")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "language"], name="one_petition_text_per_language"
            )
        ]

    def __str__(self) -> str:
        language = dict(settings.CONTENT_LANGUAGES).get(self.language, self.language)
        return f"{self.title} ({language})"


class SignatureQuerySet(models.QuerySet):
    def counted(self) -> "SignatureQuerySet":
        """The signatures in the public count: their address confirmed, not removed as spam.

        On every petition, even one that counts signatures at once: an unconfirmed
        signature in the public count would let whoever types an address learn
        whether it had signed (the count rises for a new address, not for one that
        signed). What organisers see and export counts by ``confirmed_at`` instead.
        """
        return self.filter(email_confirmed_at__isnull=False, removed_at__isnull=True)

    def listed(self) -> "SignatureQuerySet":
        """Signatures for the public list: counted, with a name chosen to be shown.

        The address must be confirmed even where a petition counts signatures at
        once: anyone can type anyone's address, and the list must never show a
        name or comment next to a signature its owner has not confirmed.
        """
        return self.counted().exclude(public_name=Signature.PublicName.HIDDEN)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Signature(models.Model):
    """One supporter's signature on one petition; the database allows only one."""

    class Flag(models.TextChoices):
        """Why a signature looks suspicious; organisers review flagged ones in the admin."""

        NONE = "", _("not flagged")
        DISPOSABLE = "disposable", _("disposable email address")
        CLUSTER = "cluster", _("one of many from one network")

    class PublicName(models.TextChoices):
        HIDDEN = "hidden", _("Do not show my name")
        FIRST = "first", _("Short name only (e.g. “Ana” or “김○○”)")
        FIRST_COUNTRY = "first_country", _("Short name and country")
        FULL = "full", _("Full name and country")

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("petition")
    )
    supporter = models.ForeignKey(
        "supporters.Supporter",
        on_delete=models.CASCADE,
        related_name="signatures",
        verbose_name=_("supporter"),
    )
    # The name and country as typed with this signature, shown as the signer
    # chose: never the supporter's (another form, maybe another person, may
    # have set those first with the same address).
    name = models.CharField(_("name"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=60, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    public_name = models.CharField(
        _("public name"), max_length=15, choices=PublicName.choices, default=PublicName.HIDDEN
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    # Random, so the confirmation link cannot be guessed from the row id.
    token = models.CharField(
        _("confirmation token"), max_length=40, unique=True, default=new_token, editable=False
    )
    created_at = models.DateTimeField(_("signed"), default=timezone.now, db_index=True)
    # When the form whose words the signature holds was typed, once a newer form replaced
    # the first one's (empty: created_at). Forms may be written out of order (two intake
    # workers, a failed row retried): only a newer one replaces the words.
    typed_at = models.DateTimeField(_("words typed"), null=True, blank=True, editable=False)
    # When the signature counts for the organisers (at once where the petition
    # asks no confirmation); the public count waits for email_confirmed_at.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # When the signer followed the emailed link: only then may the public list
    # show this signature, whatever the petition's counting rule.
    email_confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    flag = models.CharField(
        _("flag"), max_length=20, choices=Flag.choices, default=Flag.NONE, blank=True
    )
    flag_detail = models.CharField(
        _("flag detail"),
        max_length=100,
        blank=True,
        help_text=_(
            "The email domain, or a short label of the network (the same label for "
            "signatures from one network on one day; never its address)."
        ),
    )
    # Set by "remove as spam" in the admin: the row stays (and the person can still
    # be told they signed), but it is no longer counted or listed.
    removed_at = models.DateTimeField(_("removed as spam"), null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "supporter"], name="one_signature_per_supporter"
            )
        ]
        indexes = [models.Index(fields=["petition", "confirmed_at"])]

    def __str__(self) -> str:
        return f"{self.supporter_id} on {self.petition_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def wants_listing(self) -> bool:
        """True if the signer asked to appear on the public list of signers."""
        return self.public_name != self.PublicName.HIDDEN

    @property
    def lower_listings(self) -> list[str]:
        """The listing choices that show no more than this one's, from the least shown."""
        order = [
            self.PublicName.HIDDEN,
            self.PublicName.FIRST,
            self.PublicName.FIRST_COUNTRY,
            self.PublicName.FULL,
        ]
        return order[: order.index(self.public_name) + 1]

    @property
    def greeting_name(self) -> str:
        return greeting_name(self.name)

    @property
    def display_name(self) -> str:
        """The name given with this signature as the signer chose to show it, or "" when hidden."""
        country = country_name(self.country) if self.country else ""
        match self.public_name:
            case self.PublicName.FIRST:
                return short_public_name(self.name)
            case self.PublicName.FIRST_COUNTRY:
                return ", ".join(p for p in [short_public_name(self.name), country] if p)
            case self.PublicName.FULL:
                return ", ".join(p for p in [self.name, country] if p)
        return ""
