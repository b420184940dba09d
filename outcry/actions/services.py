"""Take an action: the supporter, the action's own row, its consents and its confirmation at once.

Every kind of action (a signature, a letter, later an RSVP or a pledge) calls
take_action with what the person typed and a function that writes its own row.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from outcry.actions import consents as consent
from outcry.campaigns.models import Organisation
from outcry.core.mail import engine
from outcry.core.queue import enqueue_with_transaction
from outcry.core.tasks import send_email
from outcry.supporters import services as supporters
from outcry.supporters.models import Supporter


@dataclass(frozen=True)
class Person:
    """Who acts, as typed into the form (never trusted to update a known supporter)."""

    email: str
    name: str
    language: str
    country: str = ""
    postcode: str = ""


@dataclass
class Written:
    """What an action's writer did: its row, and what take_action does next.

    *source* names the row for its consents (actions.consents.source_for);
    they are recorded for a new row, and for a *renewed* one: an earlier row
    still waiting for its link that the newest form replaced, whose unconfirmed
    consents are replaced by this form's. *confirmation* is the task that
    emails the link (through the outbound ledger) and its keyword arguments,
    queued in the same transaction; None when nothing needs a link.
    """

    row: Any
    is_new: bool
    renewed: bool = False
    source: str = ""
    confirmation: tuple[Any, dict] | None = field(default=None)


def take_action(
    *,
    person: Person,
    write: Callable[[Supporter, bool], Written],
    consents: Iterable[tuple[Organisation, str]] = (),
) -> Written:
    """Write the supporter, the action's row (*write*), its consents and its confirmation task.

    One transaction: the supporter behind *person*'s address (created if new;
    a known supporter's details are never overwritten, see
    supporters.get_or_create_supporter), then ``write(supporter, created)``
    (the action's own rows; it may find an earlier row and write nothing, or
    renew one still unconfirmed), the *consents* sourced to a new or renewed
    row, unconfirmed (a renewed row's earlier unconfirmed ones are dropped: the
    newest form wins), and the confirmation: an email is its outbound ledger
    row (queue_confirmation), any other task a task row; either exists exactly
    when this commits.
    Adds no query of its own. Raises what *write* raises (nothing is kept then)
    and IntegrityError from a concurrent insert, which the caller retries.

    Rate limits are the caller's service's to count before this (a named
    core.ratelimit policy), so that code calling the service (an API) is
    limited like the form.

    Later intake (the surge path): this function is the one place that decides
    *when* the rows are written. To acknowledge after one durable write, it
    would store one intake row holding *person*, *consents* and the kind and
    arguments of *write* (plain JSON: ids, not objects), return at once, and a
    batch worker would run this same body for many intake rows in one
    transaction. Callers keep calling take_action; only they must then not rely
    on the row being there when it returns (the web form does not: it answers
    the same thank-you page whatever happened).
    """
    with transaction.atomic():
        supporter, created = supporters.get_or_create_supporter(
            email=person.email,
            name=person.name,
            country=person.country,
            postcode=person.postcode,
            language=person.language,
        )
        written = write(supporter, created)
        if written.renewed:
            consent.drop(supporter_id=supporter.pk, source=written.source)
        if written.is_new or written.renewed:
            consent.record(
                supporter=supporter,
                consents=consents,
                language=person.language,
                source=written.source,
                new_supporter=created,
            )
        if written.confirmation is not None:
            queue_confirmation(written.confirmation, to=supporter.email)
    return written


def queue_confirmation(confirmation: tuple[Any, dict], *, to: str) -> None:
    """Queue a Written's *confirmation* inside the current transaction.

    An email (``core.tasks.send_email`` and its arguments, as kinds name it)
    becomes its ledger row alone (core.mail.engine.queue: one INSERT, no task
    row; the senders send it); any other task is queued as a task.
    """
    task, arguments = confirmation
    if task is send_email:
        engine.queue(
            purpose=arguments["purpose"],
            subject_id=arguments["subject_id"],
            round_=arguments.get("round", 0),
            to=to,
        )
    else:
        enqueue_with_transaction(task, **arguments)
