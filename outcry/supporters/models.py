"""Supporters (one per normalised email) and their consent to each organisation."""

import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.core.countries import country_name


def is_cjk(value: str) -> bool:
    """True if *value* is written mainly in Hangul or Han characters."""
    letters = [ch for ch in value if ch.isalpha()]
    cjk = [ch for ch in letters if unicodedata.name(ch, "").startswith(("HANGUL", "CJK"))]
    return bool(letters) and len(cjk) * 2 > len(letters)


# The longest greeting an email carries. Whoever typed the address typed the
# name too: the greeting is the only text of theirs an email repeats, so it is
# kept to one short line (no sentence, no link-sized word).
GREETING_MAX_CHARS = 30


def greeting_name(name: str) -> str:
    """How to greet someone in an email: the first word, or the whole name in CJK scripts.

    One line (no line breaks or other control characters) and at most
    GREETING_MAX_CHARS characters, cut with "…".
    """
    printable = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    parts = printable.split()
    greeting = " ".join(parts) if is_cjk(printable) else (parts[0] if parts else "")
    if len(greeting) > GREETING_MAX_CHARS:
        greeting = greeting[: GREETING_MAX_CHARS - 1] + "…"
    return greeting


def short_public_name(name: str) -> str:
    """The name for "first name only" on public pages.

    Korean and Chinese names are usually written without a space, family name
    first; showing the first word would show the whole name. They are shown
    as the family name with the rest masked (김○○), the usual way to name
    someone publicly without identifying them.
    """
    name = name.strip()
    if is_cjk(name):
        letters = name.replace(" ", "")
        return letters[0] + "○" * (len(letters) - 1)
    parts = name.split()
    return parts[0] if parts else ""


def normalise_email(value: str) -> str:
    """Return the form of *value* that identifies one mailbox: trimmed, NFC, lower case.

    NFC first, so "exämple.org" typed with a combining accent and with a
    precomposed "ä" name the same mailbox. The domain is then mapped as IDNA
    maps it on its way to the mail server (Django sends ``domain.encode("idna")``):
    NFKC, case folding and dropping of invisible characters (nameprep), then back
    to its Unicode form. So "\\uff45xample.org" (a full-width "e") is "example.org", and
    "xn--mnchen-3ya.de" and "MÜNCHEN.de" are both "münchen.de": every spelling
    that reaches one mailbox is stored as one address, in the form people read.
    The local part is the receiving server's to interpret; it is only lowered.
    A domain IDNA cannot map (an empty or overlong label) is kept as typed;
    ``SupporterForm`` refuses those, this function never raises.
    """
    value = unicodedata.normalize("NFC", value.strip())
    local, at, domain = value.rpartition("@")
    if not at:
        return value.lower()
    return f"{local.lower()}@{canonical_domain(domain)}"


def canonical_domain(domain: str) -> str:
    """The Unicode form of *domain* as IDNA (Python's ``idna`` codec) maps it."""
    domain = unicodedata.normalize("NFKC", domain).lower()
    try:
        return domain.encode("idna").decode("idna")
    except UnicodeError:
        return domain


class MailProblem(models.TextChoices):
    """Why a supporter gets no more bulk mail (supporters.mailbox); empty while they do."""

    NONE = "", _("none")
    BOUNCED = "bounced", _("the address bounced")
    COMPLAINED = "complained", _("marked our mail as spam")
    SOFT_BOUNCES = "soft-bounces", _("the mailbox kept refusing mail")


class SupporterQuerySet(models.QuerySet):
    def receiving_bulk_mail(self) -> "SupporterQuerySet":
        """Supporters a mailing may reach: not erased, and no bounce or complaint stopped it."""
        return self.filter(erased_at__isnull=True, mail_problem=MailProblem.NONE)

    def visible_to(self, user) -> "SupporterQuerySet":
        """Supporters who confirmed consent to one of the user's organisations."""
        if user.is_superuser:
            return self
        return self.filter(
            consents__organisation__in=user.organisations.all(),
            consents__confirmed_at__isnull=False,
            consents__withdrawn_at__isnull=True,
        ).distinct()


class Supporter(models.Model):
    """One person, identified by their normalised email address."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # An ISO 3166 code ("KR"), named in each reader's language (core.countries).
    country = models.CharField(_("country"), max_length=60, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Set when the supporter's personal data was erased (at their request or after the
    # retention period): the row stays so their signatures keep counting, anonymised.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    # What mail servers reported (supporters.mailbox): a hard bounce or a complaint stops
    # bulk mail at once, temporary refusals after OUTCRY_SOFT_BOUNCE_LIMIT in a row. Mail the
    # supporter asks for (a confirmation, their data) still goes.
    mail_problem = models.CharField(
        _("bulk mail stopped"), max_length=20, choices=MailProblem, blank=True, default=""
    )
    mail_problem_at = models.DateTimeField(_("bulk mail stopped at"), null=True, blank=True)
    soft_bounces = models.PositiveSmallIntegerField(_("temporary refusals in a row"), default=0)

    objects = SupporterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def country_name(self) -> str:
        """The country in the active language ("South Korea", "대한민국")."""
        return country_name(self.country) if self.country else ""

    @property
    def greeting_name(self) -> str:
        return greeting_name(self.name)

    @property
    def short_public_name(self) -> str:
        return short_public_name(self.name)


class ConsentQuerySet(models.QuerySet):
    def active(self) -> "ConsentQuerySet":
        """Consents that count: confirmed and not withdrawn (``Consent.is_active``)."""
        return self.filter(confirmed_at__isnull=False, withdrawn_at__isnull=True)


class Consent(models.Model):
    """A supporter's agreement to hear from one organisation, with the words they saw.

    It counts only once confirmed: from the confirmation link of the action where
    it was given (so nobody can sign someone else up by typing their address).
    """

    supporter = models.ForeignKey(
        Supporter, on_delete=models.CASCADE, related_name="consents", verbose_name=_("supporter")
    )
    organisation = models.ForeignKey(
        "campaigns.Organisation",
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("organisation"),
    )
    wording = models.TextField(_("wording shown"))
    language = models.CharField(_("language"), max_length=10)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["supporter", "organisation"], name="one_consent_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supporter_id} → {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.withdrawn_at is None
