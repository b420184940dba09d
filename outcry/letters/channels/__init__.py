"""Delivery channels: one module per way a letter reaches a target, behind one registry.

A letter goes to each target by the channels the supporter ticked. Each channel is a
subclass of ``base.DeliveryChannel`` in a module of its own, and says:

- ``code``: what ``Delivery.kind`` and ``LetterAction.channels`` store ("fax");
- ``label`` (for organisers: the admin, the ledger), ``name`` (inside a sentence to
  the supporter) and ``choice_label`` (the composer's checkbox), all translated;
- ``sent_by``: ``Sender.SITE`` (a worker sends it in the writer's name, once they
  confirmed their address) or ``Sender.SUPPORTER`` (they post, call, paste or
  mail it themselves);
- whether it can be used: ``is_available()`` on this site (fax needs a fax
  service), ``contact_for(target)`` the target's active contact detail of its
  ``contact_kind`` (None: not for this target);
- how it renders: ``sent_page()`` (what the supporter sees under its heading on the
  sent page, through the template ``letters/channels/_<code>.html``) and, for
  site-sent ones, the message or document it sends;
- how it sends: ``send(delivery, contact)`` for site-sent ones, called by
  ``letters.delivery.deliver`` once the ledger row is claimed.

To add a channel: write ``<code>.py`` here with its subclass, its template
``templates/letters/channels/_<code>.html``, and add its path to ``CHANNELS``. Its
code needs no migration (``Delivery.kind`` takes its choices from ``choices()``).

The channels are loaded by dotted path on first use, as Django loads mail backends:
the models name ``choices`` as ``Delivery.kind``'s choices, and the channel modules
import the models, so this module imports none of them at the top.
"""

from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:  # type hints only: those modules import the models (see above)
    from outcry.letters.channels.base import DeliveryChannel
    from outcry.letters.models import LetterAction


class Sender(StrEnum):
    """Who makes a delivery happen."""

    SITE = "site"  # a worker of this site, in the writer's name
    SUPPORTER = "supporter"  # the writer themselves; we record that they meant to


# Every channel, in the order organisers see them.
CHANNELS = (
    "outcry.letters.channels.email.SiteEmail",
    "outcry.letters.channels.fax.Fax",
    "outcry.letters.channels.post.Post",
    "outcry.letters.channels.mailto.Mailto",
    "outcry.letters.channels.webform.WebForm",
    "outcry.letters.channels.phone.Phone",
)


class UnknownChannel(KeyError):
    """No channel is registered under this code."""


@cache
def registry() -> dict[str, "DeliveryChannel"]:
    """Every channel by its code (loaded once per process)."""
    found = {}
    for path in CHANNELS:
        channel = import_string(path)()
        found[channel.code] = channel
    return found


def get(code: str) -> "DeliveryChannel":
    """The channel stored as *code*; raises UnknownChannel."""
    try:
        return registry()[code]
    except KeyError:
        raise UnknownChannel(code) from None


def all_channels() -> list["DeliveryChannel"]:
    return list(registry().values())


def choices() -> list[tuple[str, str]]:
    """``Delivery.kind``'s choices: each channel's code and its label for organisers."""
    return [(channel.code, channel.label) for channel in all_channels()]


def codes(*, sent_by: Sender | None = None) -> list[str]:
    """The codes of every channel, or of those *sent_by* the site or the supporter."""
    return [c.code for c in all_channels() if sent_by is None or c.sent_by == sent_by]


def offered(action: "LetterAction") -> list[str]:
    """The channels *action* offers supporters now, in its order.

    Those it is configured with (``LetterAction.channels``) that exist and can be
    used on this site: no fax without a fax service (OUTCRY_FAX_BACKEND=none).
    """
    configured = [code.strip() for code in action.channels.split(",") if code.strip()]
    found = registry()
    return [code for code in configured if code in found and found[code].is_available()]
