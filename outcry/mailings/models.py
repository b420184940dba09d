"""Mailings: an organisation writes once to the supporters who consented to hear from it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Mailing(models.Model):
    """One message, in one or more languages, to a segment of an organisation's supporters."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SENDING = "sending", _("handed to the mail engine")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("everyone who agreed to hear from the organisation")
        SIGNED = "signed", _("those who signed a petition of the campaign")
        WROTE = "wrote", _("those who wrote a letter of the campaign")
        NOT_YET = "not-yet", _("those who have not yet signed or written in the campaign")
        SUBSCRIBED = "subscribed", _("those who get the campaign's updates")

    organisation = models.ForeignKey(
        "campaigns.Organisation",
        on_delete=models.PROTECT,
        related_name="mailings",
        verbose_name=_("from organisation"),
        help_text=_("It goes only to supporters who agreed to hear from this organisation."),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        related_name="mailings",
        null=True,
        blank=True,
        verbose_name=_("campaign"),
        help_text=_("Needed to choose supporters by what they did in a campaign."),
    )
    audience = models.CharField(_("to"), max_length=20, choices=Audience, default=Audience.EVERYONE)
    languages = models.CharField(
        _("only supporters reading"),
        max_length=100,
        blank=True,
        help_text=_("Language codes separated by commas (en,ko); empty for every language."),
    )
    countries = models.CharField(
        _("only supporters in"),
        max_length=300,
        blank=True,
        help_text=_("Country codes separated by commas (KR,US); empty for every country."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    started_at = models.DateTimeField(_("sent"), null=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("sent by"),
    )
    recipient_count = models.PositiveIntegerField(_("recipients"), null=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self) -> str:
        text = self.texts.first() if self.pk else None
        return text.subject if text else _("Mailing #%(id)s") % {"id": self.pk}

    @property
    def language_codes(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    @property
    def country_codes(self) -> list[str]:
        return [code.strip().upper() for code in self.countries.split(",") if code.strip()]


class MailingText(models.Model):
    """The mailing in one language: a recipient gets theirs, else the campaign's first."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(
        _("text"),
        max_length=20000,
        help_text=_(
            "Markdown: *emphasis*, **bold**, [links](https://…), lists. Images and HTML are"
            " left out, so no email loads anything from another site."
        ),
    )

    class Meta:
        verbose_name = _("text")
        verbose_name_plural = _("texts")
        constraints = [
            models.UniqueConstraint(fields=["mailing", "language"], name="one_text_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.subject}"


class MailingRecipient(models.Model):
    """One supporter a started mailing goes to, in the language chosen for them.

    Written with the ledger rows when the mailing starts; the ledger row
    (``mailing:<id>:0``) is what is sent, once.
    """

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="recipients")
    supporter = models.ForeignKey(
        "supporters.Supporter", on_delete=models.CASCADE, related_name="mailings_received"
    )
    language = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailing", "supporter"], name="one_copy_per_supporter")
        ]

    def __str__(self) -> str:
        return f"mailing {self.mailing_id} → supporter {self.supporter_id}"
