"""Update posts and press coverage of a campaign, and supporters' subscriptions to its updates."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign
from outcry.core.text import pick_translation


class UpdateQuerySet(models.QuerySet):
    def published(self) -> "UpdateQuerySet":
        """Updates the public sees: published, and not dated in the future."""
        return self.filter(status=Update.Status.PUBLISHED, published_at__lte=timezone.now())

    def newest_first(self) -> "UpdateQuerySet":
        # The pk makes the order total, so no update is on two pages or on none.
        return self.order_by("-published_at", "-pk")


class Update(models.Model):
    """A news post on a campaign, written in one or more of its languages (UpdateText)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="updates", verbose_name=_("campaign")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("published"),
        default=timezone.now,
        help_text=_("Shown from this moment on, once the status is “published”."),
    )
    author_organisation = models.ForeignKey(
        "campaigns.Organisation",
        on_delete=models.PROTECT,
        related_name="updates",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")

    def __str__(self) -> str:
        text = self.text_for(self.campaign.language_codes[0])
        return text.title if text else f"#{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def text_for(self, language: str) -> "UpdateText | None":
        """The update in *language*, else in the campaign's languages in order, else any."""
        return pick_translation(self.texts.all(), language, self.campaign.language_codes)


class UpdateText(models.Model):
    """An update's title and body (Markdown, sanitised when shown) in one language."""

    update = models.ForeignKey(
        Update, on_delete=models.CASCADE, related_name="texts", verbose_name=_("update")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        max_length=20000,
        help_text=_(
            "Markdown: paragraphs, **bold**, *italics*, lists and links. "
            "HTML and images are removed."
        ),
    )

    class Meta:
        verbose_name = _("update text")
        verbose_name_plural = _("update texts")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "language"], name="one_update_text_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_language_display()})"


class PressItem(models.Model):
    """A piece of outside coverage of a campaign: an outlet's article, report or broadcast."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="press_items", verbose_name=_("campaign")
    )
    outlet = models.CharField(_("outlet"), max_length=200)
    title = models.CharField(_("headline"), max_length=300)
    url = models.URLField(
        _("address"),
        max_length=500,
        blank=True,
        help_text=_("Where to read it online; leave empty for print or broadcast."),
    )
    published_on = models.DateField(_("date"))
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("press item")
        verbose_name_plural = _("press items")

    def __str__(self) -> str:
        return f"{self.outlet}: {self.title}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """A supporter's wish to hear a campaign's updates, in their language.

    Pending until they press the button behind the link emailed to them
    (anyone can type anyone's address); active after; unsubscribed when they
    leave. One row per supporter and campaign.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        ACTIVE = "active", _("active")
        UNSUBSCRIBED = "unsubscribed", _("unsubscribed")

    supporter = models.ForeignKey(
        "supporters.Supporter",
        on_delete=models.CASCADE,
        related_name="update_subscriptions",
        verbose_name=_("supporter"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("campaign"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    token = models.CharField(
        _("confirmation token"), max_length=40, unique=True, default=new_token, editable=False
    )
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["supporter", "campaign"], name="one_subscription_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supporter_id} → {self.campaign_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
