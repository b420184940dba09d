"""One confirmation link for every kind of action: ``/<lang>/confirm/<code>/``.

Each kind registers (from its AppConfig.ready) how to find its row from the
code without confirming it, what confirming does, and the page that shows
either. The code is signed with the kind's own salt, which is how the view
tells the kinds apart: no prefix, so links mailed before the kinds shared one
URL keep working. Opening a link (GET) never confirms: mail scanners and link
previews open links on their own, so the page has a button and only its POST
confirms. A kind whose page lets the person lower what they confirm (a
signature's listing, comment and consents) reads the pressed form and confirms
exactly what its page showed, or raises Changed to have the page shown again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.http import HttpResponse


class InvalidConfirmation(Exception):
    """The link is malformed, tampered with, expired or outdated (``expired``, ``outdated``).

    *outdated*: the link was emailed for an earlier version of what it confirms,
    which a newer form with the same address replaced; it confirms nothing, and
    its page must not show the newer version (whoever typed that is not
    necessarily who holds this link).
    """

    def __init__(self, *, expired: bool, outdated: bool = False) -> None:
        super().__init__("outdated" if outdated else "expired" if expired else "invalid")
        self.expired = expired
        self.outdated = outdated


class Changed(Exception):
    """What the page showed is not what pressing would confirm: show *row*'s page again.

    The row changed between showing the page and the press (someone acted
    again with the address), or the form asked for more than the page offered.
    """

    def __init__(self, row: Any) -> None:
        super().__init__("changed")
        self.row = row


@dataclass(frozen=True)
class Kind:
    """What the confirmation link of one kind of action needs.

    - *salt*: the salt its codes are signed with (django.core.signing);
    - *find(code=...)*: its row, changing nothing; raises InvalidConfirmation;
    - *confirm(code=...)*: confirm it, idempotently; returns (row, whether this
      call confirmed it) and raises InvalidConfirmation; with *reads_form*,
      ``confirm(code=..., form=request.POST)``, and it may raise Changed;
    - *page(request, row, code=..., pressed=..., confirmed=...)*: the page
      with the button when the row still waits and the button was not pressed,
      else the page that says it is done (*confirmed*: this press confirmed
      it); after Changed, ``page(..., pressed=False, changed=True)``;
    - *failed_template*: the page for a bad, expired or outdated link (context
      ``expired`` and ``outdated``);
    - *details(row)*: what the action says of who and where its supporter is
      (``{"name": ..., "country": ..., "postcode": ...}``), set on the supporter
      once its owner confirmed it, never before (anyone can type an address).
    """

    name: str
    salt: str
    find: Callable[..., Any]
    confirm: Callable[..., tuple[Any, bool]]
    page: Callable[..., HttpResponse]
    failed_template: str
    reads_form: bool = False
    details: Callable[[Any], dict[str, str]] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Add *kind* to the confirmation link (called from its app's AppConfig.ready)."""
    KINDS[kind.name] = kind


def kind_of(code: str) -> Kind | None:
    """The kind whose salt signed *code* (at any age), or None."""
    for kind in KINDS.values():
        try:
            signing.TimestampSigner(salt=kind.salt).unsign(code)
        except signing.BadSignature:
            continue
        return kind
    return None
