"""The actions a campaign gathers, in order, and the next step after taking one.

A campaign page shows its actions kind by kind, in the order of ACTION_KINDS
(petitions, the cases at risk, letters, pledges, events, then updates). Each
kind is a small class, a subclass of ActionKind kept in the app that owns it,
saying what its actions bring to the campaign page and how another action's
thank-you page offers one of them. A new kind of action adds its class to
ACTION_KINDS and a template for its section of the page; the campaign page
(campaign_page.py) does not change.

After an action, its thank-you page offers the first open action of another
kind, in that order; when there is none (no letter, the campaign closed), the
next step is sharing, which every thank-you page shows:

- after signing, the letter, with the name and email typed into the petition
  form carried into the composer by a signed cookie that only this browser holds
  (never in a URL, which logs, history and the Referer header keep);
- after a letter, the petition, unless this browser signed it (another signed
  cookie, set when it signed). The address typed into the letter is never looked
  up: offering the petition or not by it would tell whoever typed an address
  whether its owner had signed.

Neither cookie is written anywhere on the server. The campaign page, the same
for everyone, reads neither; the thank-you pages are kept by what they show of
the two (cookie_variant: the verified actions, and whether anything is carried),
never by what was typed.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from outcry.actions.share import share_context
from outcry.campaigns.models import Campaign

# In the order the campaign page shows them and a thank-you page offers them.
ACTION_KINDS = [
    "outcry.petitions.views.PetitionKind",
    "outcry.cases.views.CasesKind",
    "outcry.letters.views.LetterKind",
    "outcry.pledges.views.PledgesKind",
    "outcry.events.views.EventsKind",
    "outcry.updates.views.UpdatesKind",
]

# What this browser typed into its last action's form (name and email), for the
# next form. An hour: the time to go from one thank-you page to the next action,
# not a way to remember someone on a shared computer for days.
CARRY_COOKIE = "outcry_carry"
CARRY_SALT = "outcry.actions.carry"
CARRY_SECONDS = 3600
# Which actions this browser took (ids per kind), so that it is not asked again.
DONE_COOKIE = "outcry_done"
DONE_SALT = "outcry.actions.done"
DONE_SECONDS = 180 * 86400  # longer than a campaign lasts
DONE_KEPT = 50  # per kind: keeps the cookie small however many petitions one signs


@dataclass(frozen=True)
class Offer:
    """One action offered on a thank-you page: a heading, the action's title and a link."""

    heading: str
    title: str
    title_language: str
    url: str
    link_text: str
    introduction: str = ""
    note: str = ""


@dataclass(frozen=True)
class NextStep:
    """What a thank-you page offers: another action, or None; sharing always."""

    offer: Offer | None
    share_heading: str
    share: dict


class ActionKind:
    """One kind of action, as the campaign page and the thank-you pages see it.

    A subclass lives in the app that owns the action (petitions.views.PetitionKind)
    and is named in ACTION_KINDS.
    """

    #: The campaign page's context key for its items, and the kind's key in DONE_COOKIE.
    name: str = ""
    #: The campaign page's section for this kind; it receives ``items``.
    template: str = ""
    #: Relations of Campaign the campaign page prefetches for ``page_items``.
    prefetch: tuple[str, ...] = ()
    #: The share section's heading on this kind's thank-you page.
    share_heading: str = ""

    def page_items(self, campaign: Campaign, *, language: str, forms: dict) -> list[dict]:
        """What each of *campaign*'s actions of this kind shows on its page.

        *forms* maps an action to its form bound to a refused POST, shown with
        its errors (the others get an empty form).
        """
        raise NotImplementedError

    def shortcut(self, items: list[dict], *, campaign: Campaign) -> dict | None:
        """The link to this kind's first action in the campaign page's row of shortcuts.

        {"url": ..., "text": ...} (a "#fragment" of the page or another page), with
        ``"is_action": False`` for a link to read rather than act (shown last), or None
        for none; *items* are what ``page_items`` returned. None by default.
        """
        return None

    def offer(self, request: HttpRequest, campaign: Campaign, *, language: str) -> Offer | None:
        """The first action of this kind that *campaign* offers this browser now, or None.

        Called only while the campaign is open.
        """
        raise NotImplementedError


@cache
def action_kinds() -> tuple[ActionKind, ...]:
    """Every kind of action, in order."""
    # By name, when first used: the apps that own the kinds import this module
    # (for ActionKind and remember()), so importing them at the top is a cycle.
    return tuple(import_string(path)() for path in ACTION_KINDS)


def campaign_prefetch() -> list[str]:
    """The relations the campaign page prefetches for every kind's items."""
    return [lookup for kind in action_kinds() for lookup in kind.prefetch]


def page_sections(campaign: Campaign, *, language: str, forms: dict | None = None) -> list[dict]:
    """The campaign page's section of each kind: its name, template, items and shortcut."""
    sections = []
    for kind in action_kinds():
        items = kind.page_items(campaign, language=language, forms=forms or {})
        sections.append(
            {
                "name": kind.name,
                "template": kind.template,
                "items": items,
                "shortcut": kind.shortcut(items, campaign=campaign) if items else None,
            }
        )
    return sections


def after(request: HttpRequest, *, campaign: Campaign, done: str, language: str) -> NextStep:
    """The next step on the thank-you page of an action of kind *done* (e.g. "petitions")."""
    offer = None
    if campaign.is_open:
        for kind in action_kinds():
            if kind.name != done:
                offer = kind.offer(request, campaign, language=language)
                if offer is not None:
                    break
    [done_kind] = [kind for kind in action_kinds() if kind.name == done]
    return NextStep(
        offer=offer,
        share_heading=done_kind.share_heading,
        share=share_context(campaign, language=language),
    )


def remember(
    request: HttpRequest,
    response: HttpResponse,
    *,
    kind: str,
    pk: int,
    name: str = "",
    email: str = "",
) -> None:
    """Remember in this browser that it took action *pk* of *kind*, and what it typed.

    Two signed, HttpOnly cookies on *response*; nothing is written on the server.
    Call it whatever the action's outcome, with the same answer for all (an
    address that had acted, or one over its limit): the cookies hold only what
    this browser typed and did, never what the site knows about the address.
    """
    done = done_here(request)
    done[kind] = [*(other for other in done.get(kind, []) if other != pk), pk][-DONE_KEPT:]
    _set_cookie(response, DONE_COOKIE, signing.dumps(done, salt=DONE_SALT), DONE_SECONDS)
    if name or email:
        carry = signing.dumps({"name": name, "email": email}, salt=CARRY_SALT)
        _set_cookie(response, CARRY_COOKIE, carry, CARRY_SECONDS)


def done_here(request: HttpRequest) -> dict[str, list[int]]:
    """The actions this browser took, by kind; {} for a missing or forged cookie."""
    done = _read_cookie(request, DONE_COOKIE, salt=DONE_SALT, max_age=DONE_SECONDS)
    return {
        kind: [pk for pk in pks if isinstance(pk, int)]
        for kind, pks in done.items()
        if isinstance(kind, str) and isinstance(pks, list)
    }


def done_on_this_device(request: HttpRequest, kind: str) -> set[int]:
    """The ids of the actions of *kind* this browser took."""
    return set(done_here(request).get(kind, []))


def cookie_variant(request: HttpRequest) -> str:
    """What a thank-you page shows of this browser's cookies, as a short key for the page
    cache (core.pagecache.public_page's *varies_by*): the actions it took and whether
    it carries what it typed (never what it typed, which the page does not show)."""
    done = sorted((kind, sorted(set(pks))) for kind, pks in done_here(request).items())
    shown = json.dumps([done, bool(carried(request))], separators=(",", ":"))
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def carried(request: HttpRequest) -> dict[str, str]:
    """The name and email this browser typed into its last action, within the hour; or {}."""
    data = _read_cookie(request, CARRY_COOKIE, salt=CARRY_SALT, max_age=CARRY_SECONDS)
    return {key: data[key] for key in ("name", "email") if isinstance(data.get(key), str)}


def _read_cookie(request: HttpRequest, key: str, *, salt: str, max_age: int) -> dict:
    """The dict signed into cookie *key* within *max_age* seconds; {} if there is none."""
    value = request.COOKIES.get(key)
    if not value:
        return {}
    try:
        data = signing.loads(value, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


def _set_cookie(response: HttpResponse, key: str, value: str, max_age: int) -> None:
    response.set_cookie(
        key,
        value,
        max_age=max_age,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
