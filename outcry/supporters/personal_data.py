"""Where a supporter's data lives: every app that keeps personal data registers it here.

A supporter's copy of their data, its erasure and the retention period span every
app that keeps something about a person, yet supporters imports none of them:
each such app registers, from its AppConfig.ready, a PersonalData saying how to
export its rows, how to erase them and which of them show recent activity (the
way an app registers its emails with core.ledger.register_email).
supporters.services reads the registry, together with supporters' own consents
and the ledger's emails. A new app that stores personal data registers itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from outcry.supporters.models import Supporter

# The reason written on a message that was waiting to go out when its supporter was erased.
CANCELLED_ERROR = "cancelled: the supporter's data was erased"


@dataclass(frozen=True)
class PersonalData:
    """One app's rows about a supporter, as the data-rights services see them."""

    #: The section of the supporter's JSON copy ("signatures", "letters").
    key: str
    #: The supporter's rows, JSON-ready (see when() and title()), in supporter.language.
    #: Their own rows only, and none of the secrets that guard them (tokens, nonces).
    export: Callable[[Supporter], list[dict[str, Any]]]
    #: Anonymise the supporter's rows, inside erasure's transaction (their row locked),
    #: at *now*; cancel what was waiting to be sent with CANCELLED_ERROR. Idempotent.
    erase: Callable[[Supporter, datetime], None]
    #: The rows that show activity since *cutoff* (a supporter with any is kept by the
    #: retention job); a queryset of a model with a ``supporter`` foreign key.
    active_since: Callable[[datetime], QuerySet]
    #: Lock the supporter's rows that a worker locks *before* the supporter's row (a
    #: waiting action: the worker claims it, then writes rows that point at the
    #: supporter). Erasure calls it inside its transaction before it locks the
    #: supporter's row, so both take their locks in one order and neither holds
    #: what the other waits for (on PostgreSQL that would be a deadlock).
    lock_first: Callable[[Supporter], None] | None = None


_registry: dict[str, PersonalData] = {}


def register_personal_data(data: PersonalData) -> None:
    """Add *data* to what export, erasure and retention cover (from an app's ``ready``)."""
    _registry[data.key] = data


def registered() -> list[PersonalData]:
    """Every app's personal data, in the order the apps registered it (INSTALLED_APPS)."""
    return list(_registry.values())


def when(value: datetime | None) -> str | None:
    """A datetime as the JSON copy writes it (ISO 8601), or None."""
    return value.isoformat() if value is not None else None


def title(obj, language: str) -> str:
    """The title of a campaign or an action in *language* (or its fallback), else its slug."""
    text = obj.text_for(language)
    return text.title if text else obj.slug
