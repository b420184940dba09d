"""Organisations, the campaigns they run together, and campaign text per language."""

import zoneinfo
from datetime import datetime
from email.utils import parseaddr
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.core.mail import address_header
from outcry.core.text import pick_translation


def validate_language_list(value: str) -> None:
    known = {code for code, _name in settings.CONTENT_LANGUAGES}
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if not codes:
        raise ValidationError(_("Name at least one language."))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            _("Unknown language code(s): %(codes)s."), params={"codes": ", ".join(unknown)}
        )


def ordered_languages(chosen: list[str], before: str = "") -> list[str]:
    """The content languages *chosen*: those of *before* ("en,ko") in its order, new ones after.

    The first is the campaign's fallback, so ticking boxes never reorders what was there.
    """
    earlier = [code.strip() for code in before.split(",") if code.strip()]
    kept = [code for code in earlier if code in chosen]
    new = [code for code, _n in settings.CONTENT_LANGUAGES if code in chosen and code not in kept]
    return [*kept, *new]


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone this system knows, as (name, name with "_" as spaces)."""
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


def zone_label(moment: datetime) -> str:
    """How a reader knows which clock *moment* is on: "KST", "UTC", or "UTC+05:45"."""
    abbreviation = moment.tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    offset = moment.strftime("%z")  # "+0545"
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


class Organisation(models.Model):
    """A member organisation of a coalition. Organisers belong to one or more."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    website = models.URLField(_("website"), blank=True)
    privacy_url = models.URLField(_("privacy policy"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organisations",
        verbose_name=_("organisers"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        """The organisation's name as readers of *language* know it, else its own name.

        Reads the prefetched ``names`` when there are any (the campaign page and
        the sign form prefetch them), so a coalition costs no query per member.
        """
        for translated in self.names.all():
            if translated.language == language:
                return translated.name
        return self.name


class OrganisationName(models.Model):
    """An organisation's name in another language (e.g. 북한정의연대 for Justice for North Korea).

    Shown to readers of that language beside consent boxes, in the coalition and
    in emails; the consent records the sentence with the name as it was shown.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="names",
        verbose_name=_("organisation"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("name in another language")
        verbose_name_plural = _("names in other languages")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "language"], name="one_organisation_name_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_language_display()})"


class CampaignQuerySet(models.QuerySet):
    def public(self) -> "CampaignQuerySet":
        return self.exclude(status=Campaign.Status.DRAFT)

    def for_user(self, user) -> "CampaignQuerySet":
        """Campaigns an organiser may see: led by or partnered with one of their organisations.

        They may change only the ones ``led_by_user`` returns; a partner looks, and
        exports the signers who consented to it.
        """
        if user.is_superuser:
            return self
        organisations = user.organisations.all()
        return self.filter(
            models.Q(lead_organisation__in=organisations) | models.Q(partners__in=organisations)
        ).distinct()

    def led_by_user(self, user) -> "CampaignQuerySet":
        """Campaigns an organiser may change, with their petitions and letter actions.

        Those led by one of the organiser's organisations; every campaign for a superuser.
        """
        if user.is_superuser:
            return self
        return self.filter(lead_organisation__in=user.organisations.all())


class Campaign(models.Model):
    """One urgent campaign: a story, a deadline, and the actions that serve it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        WON = "won", _("won")
        LOST = "lost", _("lost")
        CLOSED = "closed", _("closed")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        default="en",
        validators=[validate_language_list],
        help_text=_(
            "The languages the campaign is written in. Its page, petition and letter need a"
            " text in each; the first is shown where a reader's language has none."
        ),
    )
    deadline_at = models.DateTimeField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("On the clock of the campaign's time zone."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default="UTC",
        help_text=_(
            "Where the campaign's clock is: the deadline is entered here and shown "
            "to supporters in this time zone, e.g. Asia/Seoul."
        ),
    )
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="led_campaigns",
        verbose_name=_("lead organisation"),
    )
    partners = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="partner_campaigns",
        verbose_name=_("partner organisations"),
    )
    # Who its emails come from (confirmations, updates, mailings): never the software.
    sender_name = models.CharField(
        _("emails come from (name)"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the campaign's title in the reader's language."),
    )
    sender_email = models.EmailField(
        _("emails come from (address)"),
        blank=True,
        help_text=_(
            "Empty: the site's sending address. Only addresses on a domain the site is set up"
            " to send from (SPF, DKIM) are accepted."
        ),
    )
    # The picture at the top of the page, re-encoded by campaigns.images: the base of
    # its files' names, its size, and the widths written ("480,800,1200").
    image_name = models.CharField(_("image"), max_length=100, blank=True, editable=False)
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_widths = models.CharField(max_length=30, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        text = self.text_for(self.language_codes[0])
        return text.title if text else self.slug

    def get_absolute_url(self) -> str:
        """The public campaign page, in the active language (a draft's is a 404 to the public)."""
        return reverse("campaigns:detail", args=[self.slug])

    @property
    def language_codes(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()] or ["en"]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ACTIVE and not self.deadline_passed

    @property
    def deadline_passed(self) -> bool:
        return self.deadline_at is not None and self.deadline_at <= timezone.now()

    @property
    def local_deadline(self) -> datetime | None:
        """The deadline on the campaign's own clock (see time_zone)."""
        if self.deadline_at is None:
            return None
        return self.deadline_at.astimezone(zoneinfo.ZoneInfo(self.time_zone))

    @property
    def deadline_zone(self) -> str:
        return zone_label(self.local_deadline) if self.deadline_at else ""

    def clean(self) -> None:
        super().clean()
        domain = self.sender_email.rpartition("@")[2].lower()
        owners = settings.SENDER_DOMAINS.get(domain, frozenset())
        lead = self.lead_organisation if self.lead_organisation_id else None
        if self.sender_email and owners and (lead is None or lead.slug not in owners):
            raise ValidationError(
                {
                    "sender_email": _(
                        "%(domain)s is set up for another organisation's mail: only the"
                        " campaigns it leads may send from it."
                    )
                    % {"domain": domain}
                }
            )
        if self.sender_email and domain not in settings.SENDER_DOMAINS:
            raise ValidationError(
                {
                    "sender_email": _(
                        "This site cannot send from %(domain)s: mail from it would be marked"
                        " as forged. Use an address on %(allowed)s, or ask the site's"
                        " administrator to set the domain up."
                    )
                    % {"domain": domain, "allowed": ", ".join(settings.SENDER_DOMAINS)}
                }
            )

    def sender(self, language: str) -> str:
        """The From header of the campaign's emails in *language*: its name, its address."""
        address = self.sender_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        text = self.text_for(language)
        name = self.sender_name or (text.title if text else self.slug)
        return address_header(address, name)

    def is_led_by(self, user) -> bool:
        """Whether *user* may change this campaign: the same rule as ``led_by_user``."""
        if user.is_superuser:
            return True
        return user.organisations.filter(pk=self.lead_organisation_id).exists()

    def text_for(self, language: str) -> "CampaignText | None":
        return pick_translation(self.texts.all(), language, self.language_codes)

    @property
    def image_width_list(self) -> tuple[int, ...]:
        return tuple(int(w) for w in self.image_widths.split(",") if w.isdigit())

    def image_for(self, language: str) -> dict | None:
        """The picture as the page shows it: src, srcset, size, og:image and alt in *language*.

        None without a picture. The alt text is the campaign text's in *language*
        (falling back like the text itself).
        """
        if not self.image_name:
            return None
        widths = self.image_width_list
        text = self.text_for(language)
        return {
            "src": default_storage.url(f"{self.image_name}-{widths[-1]}.webp"),
            "srcset": ", ".join(
                f"{default_storage.url(f'{self.image_name}-{width}.webp')} {width}w"
                for width in widths
            ),
            "og": default_storage.url(f"{self.image_name}.jpg"),
            "thumbnail": default_storage.url(f"{self.image_name}-{widths[0]}.webp"),
            "width": self.image_width,
            "height": self.image_height,
            "alt": text.image_alt if text else "",
        }

    def coalition(self) -> list[Organisation]:
        """The lead organisation first, then the partners by name."""
        partners = [org for org in self.partners.all() if org.pk != self.lead_organisation_id]
        return [self.lead_organisation, *sorted(partners, key=lambda org: org.name)]


class CampaignText(models.Model):
    """A campaign's words in one language."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="texts", verbose_name=_("campaign")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("summary"), max_length=300, blank=True, help_text=_("One or two sentences for sharing.")
    )
    story = models.TextField(_("story"), help_text=_("Markdown. Links and emphasis are kept."))
    image_alt = models.CharField(
        _("image description"),
        max_length=300,
        blank=True,
        help_text=_(
            "What the campaign's picture shows, for people who cannot see it, e.g. "
            "“Families of the detained hold their photos in front of the embassy”."
        ),
    )

    class Meta:
        verbose_name = _("campaign text")
        verbose_name_plural = _("campaign texts")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"], name="one_campaign_text_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_language_display()})"


class PartnerInvitation(models.Model):
    """A lead organisation's request that another organisation join a campaign as a partner.

    The partner joins (``Campaign.partners``) only when one of its organisers
    accepts: until then it is not shown on the campaign page, supporters are
    not asked to consent to it, and its organisers see nothing of the campaign.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        ENDED = "ended", _("withdrawn or ended")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("campaign"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("invited organisation"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-invited_at"]
        verbose_name = _("partner invitation")
        verbose_name_plural = _("partner invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"],
                condition=models.Q(status__in=["pending", "accepted"]),
                name="one_open_invitation_per_partner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.campaign}"
