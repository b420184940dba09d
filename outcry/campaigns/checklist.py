"""What a campaign needs before it is published: one checklist for the guided flow and the admin.

``problems(campaign)`` lists, as sentences an organiser can act on, what is missing:
texts in every language of the campaign, a deadline in the future, an address its
emails come from, and what each kind of action registers for its own rows (a
petition's texts, a letter's paragraphs, targets and channels). An empty list means
the campaign may go live. The organise app refuses to publish otherwise, and the
admin refuses to make it public (active, or won, lost or closed straight from a
draft) with the same messages, the campaign's texts as that same save leaves them.

The kinds of action live in apps above this one (petitions, letters), which this
module may not import: each registers a check from its ``AppConfig.ready``
(``register``), a function taking the campaign and returning its own problems.
"""

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from outcry.campaigns.models import Campaign

Check = Callable[[Campaign], list[str]]

_checks: dict[str, Check] = {}


class NotReady(Exception):
    """The campaign cannot be published yet; ``problems`` says what is missing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def register(name: str, check: Check) -> None:
    """Add *check* (a kind of action's own problems) under *name*; registering twice replaces."""
    _checks[name] = check


def language_name(code: str) -> str:
    """A content language as its readers write it ("한국어"), else its code."""
    return dict(settings.CONTENT_LANGUAGES).get(code, code)


def missing_languages(campaign: Campaign, present: set[str]) -> list[str]:
    """The campaign's languages not in *present*, by their readable names."""
    return [language_name(code) for code in campaign.language_codes if code not in present]


def campaign_problems(campaign: Campaign) -> list[str]:
    """What the campaign itself lacks: its texts, a future deadline, a sender address."""
    found = []
    written = {
        text.language for text in campaign.texts.all() if text.title.strip() and text.story.strip()
    }
    missing = missing_languages(campaign, written)
    if missing:
        found.append(
            gettext("The campaign needs a title and a story in %(languages)s.")
            % {"languages": ", ".join(missing)}
        )
    if campaign.deadline_at is None:
        found.append(gettext("The campaign needs a deadline."))
    elif campaign.deadline_at <= timezone.now():
        found.append(gettext("The campaign's deadline has passed: choose one in the future."))
    if not campaign.sender_email:
        found.append(
            gettext("The campaign needs an address its emails come from (sender address).")
        )
    return found


def problems(campaign: Campaign) -> list[str]:
    """Everything that stops *campaign* from being published; empty when it is ready."""
    found = campaign_problems(campaign)
    for check in _checks.values():
        found.extend(check(campaign))
    return found
