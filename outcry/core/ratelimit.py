"""Rate limits counted where every web process sees them, keyed without storing anyone's IP.

The network key is an HMAC of the client address under a key derived from
SECRET_KEY and today's date: enough to count requests from one network for a
day, useless for finding out who made them, and it rotates at midnight UTC.

Counters live in Redis (the default cache) when REDIS_URL is set, otherwise in
the database (``core.RateCounter``, one atomic upsert per hit). Never in a
per-process cache: with several web processes each would count its own share
and a network could sign N times the limit (settings.RATELIMIT_STORE).
"""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from outcry.core.models import RateCounter


def network_of(address: str) -> str:
    """Return the network *address* counts for: itself for IPv4, its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    # One subscriber usually holds a whole /64, so count the /64. Parsed, not split
    # on ":", because "2001:db8::1" and "2001:db8::2" are written with "::".
    return str(ipaddress.IPv6Network((ip, 64), strict=False))


def client_address(request: HttpRequest) -> str:
    """The visitor's address, read through the operator's own reverse proxies only.

    Entries left of the trusted ones in X-Forwarded-For were written by the
    client and can be forged, so they are never used.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def network_key(request: HttpRequest) -> str:
    """Return a rotating keyed hash of the client's network (never the raw IP)."""
    address = network_of(client_address(request))
    day = timezone.now().strftime("%Y-%m-%d")
    key = hashlib.sha256(f"{settings.SECRET_KEY}:network:{day}".encode()).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def email_key(email: str) -> str:
    key = hashlib.sha256(f"{settings.SECRET_KEY}:email".encode()).digest()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:32]


# Gmail ignores dots in the local part and delivers googlemail.com to the same
# mailboxes. Other providers may treat dots as part of the name, so only these.
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox(address: str) -> str:
    """The mailbox a normalised *address* reaches, as the per-address limits count it.

    "anna+1@example.org" and "anna+2@example.org" reach anna@example.org at most
    mail providers (Gmail, Outlook, Fastmail, Proton, iCloud): without this, each
    tag would have limits of its own and one inbox could be sent any number of
    links. For Gmail the dots go too ("a.n.n.a@gmail.com"). Where a provider
    does treat "anna+1" as another person, the two merely share a limit. Only
    for counting: the address is stored and mailed as typed.
    """
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    local = local.split("+", 1)[0] or local  # "+tag@…" alone has nothing before the tag
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", "") or local, _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def mailbox_key(address: str) -> str:
    """The keyed hash that per-address counters count *address* under: its mailbox's."""
    return email_key(mailbox(address))


def is_limited(*, bucket: str, key: str, limit: int, window: int) -> bool:
    """Count one hit for *key* in *bucket*; True once it exceeds *limit* per *window* s.

    Always False when limits are switched off (OUTCRY_RATELIMIT=off, load tests).
    """
    return hits((bucket, key, window))[0] > limit


def hit(*, bucket: str, key: str, window: int) -> int:
    """Count one hit for *key* in *bucket* and return the hits in its current window."""
    return hits((bucket, key, window))[0]


def hits(*counters: tuple[str, str, int]) -> list[int]:
    """Count one hit on each ``(bucket, key, window)`` at once; return their counts in order.

    A window starts at a counter's first hit and lasts *window* seconds; the
    next hit after it starts a new one. Atomic across processes: two processes
    counting at once get two different numbers. In the database all counters
    cost one statement, which is why the signing form counts its limits together
    (a hit costs ~0.27 ms of CPU on SQLite, most of it the write transaction).
    All 0 when limits are off. The (bucket, key) pairs must differ.
    """
    if not settings.RATELIMIT_ENABLED:
        return [0] * len(counters)
    names = [(f"rl:{bucket}:{key}", window) for bucket, key, window in counters]
    if settings.RATELIMIT_STORE == "cache":
        return [_hit_cache(name, window) for name, window in names]
    return _hit_database(names)


def _hit_cache(name: str, window: int) -> int:
    if cache.add(name, 1, timeout=window):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # expired between add() and incr()
        cache.add(name, 1, timeout=window)
        return 1


# Insert each counter at 1, or add one to it; a counter whose window has passed
# starts again at 1. One statement, so concurrent hits never lose a count
# (PostgreSQL and SQLite >= 3.35 both have ON CONFLICT … RETURNING).
_UPSERT = (
    "INSERT INTO {table} (key, count, expires_at) VALUES {rows} "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN {table}.expires_at > %s THEN {table}.count + 1 ELSE 1 END, "
    "expires_at = CASE WHEN {table}.expires_at > %s THEN {table}.expires_at "
    "ELSE excluded.expires_at END "
    "RETURNING key, count"
)


def _hit_database(names: list[tuple[str, int]]) -> list[int]:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    sql = _UPSERT.format(
        table=connection.ops.quote_name(RateCounter._meta.db_table),
        rows=", ".join(["(%s, 1, %s)"] * len(names)),
    )
    params = []
    for name, window in names:
        params += [name, adapt(now + timedelta(seconds=window))]
    params += [adapt(now), adapt(now)]
    # In a transaction so that on SQLite the write queues on the database's
    # write lock (core/sqlite3) instead of sleeping in SQLite's busy handler.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = dict(cursor.fetchall())  # RETURNING promises no order
    return [counts[name] for name, _window in names]


def delete_expired_counters() -> int:
    """Delete the database counters whose window has passed; return how many.

    A periodic job (settings.PERIODIC_JOBS). Idempotent; a counter hit again
    meanwhile has a later expiry and stays.
    """
    deleted, _ = RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# --- Named policies -----------------------------------------------------------------------


class RateLimited(Exception):
    """A network went past the limit of a policy; ``str()`` is the message to show."""

    def __init__(self, policy: "Policy") -> None:
        super().__init__(str(policy.message))
        self.policy = policy
        self.message = str(policy.message)


@dataclass(frozen=True)
class Policy:
    """The rate limit of one kind of action: its counters, its limits and what the person reads.

    *per_network* and *per_address* name a setting holding the limit (or give
    it), "" for none; *window* likewise, in seconds. The counters are the
    buckets ``<bucket>-network`` and ``<bucket>-email``; an address counts as
    its mailbox (``mailbox``: "anna+1@…" is anna's). *address_per_network*
    counts an address per network (signatures and letters: counted across
    networks, a stranger typing someone's address from one network would use up
    that person's own limit on theirs, and the service silently drops what is
    past it). What happens past the per-address limit is the
    service's to decide, and it must not tell whoever typed the address that
    someone used it a moment ago (docs/architecture.md, "No oracle").
    """

    name: str
    bucket: str
    per_network: str | int = ""
    per_address: str | int = ""
    window: str | int = "RATELIMIT_WINDOW_SECONDS"
    address_per_network: bool = False
    message: str | Promise = ""

    def count(
        self, *, network: str, address: str = "", also: tuple[tuple[str, str, int], ...] = ()
    ) -> "Counted":
        """Count one hit on this policy's counters and on *also*, in one statement (see hits)."""
        window = _setting(self.window)
        counters = []
        if self.per_network:
            counters.append((f"{self.bucket}-network", network, window))
        if self.per_address:
            box = mailbox(address)
            key = f"{network}:{box}" if self.address_per_network else box
            counters.append((f"{self.bucket}-email", email_key(key), window))
        counts = hits(*counters, *also)
        mine, others = counts[: len(counters)], counts[len(counters) :]
        network_count = mine.pop(0) if self.per_network else 0
        address_count = mine.pop(0) if self.per_address else 0
        return Counted(
            policy=self,
            network_over=bool(self.per_network) and network_count > _setting(self.per_network),
            address_over=bool(self.per_address) and address_count > _setting(self.per_address),
            also=tuple(others),
        )


@dataclass(frozen=True)
class Counted:
    """One hit counted on a policy: whether its network and its address are past their limits."""

    policy: Policy
    network_over: bool
    address_over: bool
    also: tuple[int, ...] = ()

    def refuse_network(self) -> None:
        """Raise RateLimited if the network is past its limit."""
        if self.network_over:
            raise RateLimited(self.policy)


def _setting(value: str | int) -> int:
    return getattr(settings, value) if isinstance(value, str) else value


SIGN = Policy(
    name="petition-sign",
    bucket="sign",
    per_network="RATELIMIT_SIGN_PER_NETWORK",
    per_address="RATELIMIT_SIGN_PER_EMAIL",
    # Per network: a stranger's repeats of someone's address from one network
    # must not silently drop that person's own signature from theirs. Emails
    # stay bounded without a limit across networks: a signature is emailed once
    # when new and at most once an hour after (the ledger's hourly round).
    address_per_network=True,
    message=_(
        "Too many signatures have come from here in a short time. "
        "Please wait a few minutes and try again."
    ),
)
# Forms refused as they came (a mistake in an address, a missing choice): counted
# apart from signatures, so that someone who needs a few tries keeps their limit,
# yet a flood of them stops costing the whole campaign page again for each one.
SIGN_REFUSED = Policy(
    name="petition-sign-refused",
    bucket="sign-refused",
    per_network="RATELIMIT_SIGN_PER_NETWORK",
    message=_(
        "Too many forms with mistakes have come from here in a short time. "
        "Please wait a few minutes, then check yours and send it again."
    ),
)
LETTER = Policy(
    name="letter-send",
    bucket="letter",
    per_network="RATELIMIT_LETTER_PER_NETWORK",
    per_address="RATELIMIT_LETTER_PER_EMAIL",
    address_per_network=True,
    message=_(
        "Too many letters have come from here in a short time. "
        "Please wait a few minutes and try again."
    ),
)
# Each unconfirmed letter emails its link: without a limit, typing someone's
# address again and again would fill their inbox. Counted per network and
# address, so a stranger's letters from one network cannot use up the links of
# the owner's own letter from theirs; across networks a higher cap bounds the
# inbox (LETTER_CONFIRMATION_EMAILS_ACROSS_NETWORKS, counted with `also`).
# Each RSVP emails its link or, for an address that replied already, a reminder
# of its link at most once an hour (the ledger's round): counted per network and
# address like signatures, so a stranger cannot use up the owner's own replies.
# But each date of each event is an RSVP of its own: across networks a cap per
# mailbox and hour bounds the inbox (RSVP_EMAILS_PER_HOUR, counted with `also`;
# past it the reply is dropped like one past the per-address limit).
EVENT_RSVP = Policy(
    name="event-rsvp",
    bucket="rsvp",
    per_network="RATELIMIT_RSVP_PER_NETWORK",
    per_address="RATELIMIT_RSVP_PER_EMAIL",
    address_per_network=True,
    message=_(
        "Too many replies have come from here in a short time. "
        "Please wait a few minutes and try again."
    ),
)
RSVP_ANY_NETWORK_BUCKET = "rsvp-any"
RSVP_EMAILS_PER_HOUR = 20
LETTER_CONFIRMATION_EMAIL = Policy(
    name="letter-confirmation-email",
    bucket="letter-confirmation",
    per_address=5,
    window=3600,
    address_per_network=True,
)
LETTER_CONFIRMATION_EMAILS_ACROSS_NETWORKS = 20
# "Get updates" sign-ups: per network and per address from that network (as for
# signatures: a stranger repeating someone's address from one network must not
# use up that person's own sign-up from theirs). The inbox stays bounded by the
# ledger: one email when a subscription is new, then at most one an hour.
UPDATES_SUBSCRIBE = Policy(
    name="updates-subscribe",
    bucket="updates",
    per_network="RATELIMIT_UPDATES_PER_NETWORK",
    per_address="RATELIMIT_UPDATES_PER_EMAIL",
    address_per_network=True,
    message=_(
        "Too many sign-ups have come from here in a short time. "
        "Please wait a few minutes and try again."
    ),
)
DATA_REQUEST = Policy(
    name="data-request",
    bucket="data",
    per_network="RATELIMIT_DATA_PER_NETWORK",
    per_address="RATELIMIT_DATA_PER_EMAIL",
    message=_(
        "Too many requests have come from here in a short time. "
        "Please wait a few minutes and try again."
    ),
)
ADDRESS_REPORT = Policy(
    name="address-report",
    bucket="address-report",
    per_network="RATELIMIT_REPORT_PER_NETWORK",
    message=_(
        "Too many reports have come from here in a short time. "
        "Please wait a few minutes and try again."
    ),
)
# Proposals of a local event for a day of action: few per network and per address
# from that network (a stranger repeating someone's address from one network must
# not use up that person's own proposals from theirs). Past the address limit
# nothing is written and the page is the same; each proposal emails one link.
EVENT_HOST = Policy(
    name="event-host",
    bucket="event-host",
    per_network=10,
    per_address=3,
    window=3600,
    address_per_network=True,
    message=_(
        "Too many event proposals have come from here in a short time. "
        "Please wait an hour and try again."
    ),
)
# Pledges (to fast, pray, boycott): per network and per address from that network, as
# for RSVPs (a stranger repeating someone's address from one network must not use up
# that person's own pledge from theirs). Each commitment emails its link once, then at
# most once an hour (the ledger's round), so the inbox stays bounded across networks.
PLEDGE = Policy(
    name="pledge",
    bucket="pledge",
    per_network="RATELIMIT_PLEDGE_PER_NETWORK",
    per_address="RATELIMIT_PLEDGE_PER_EMAIL",
    address_per_network=True,
    message=_(
        "Too many pledges have come from here in a short time. "
        "Please wait a few minutes and try again."
    ),
)
# Every policy by name, for the docs and for a later API that names its kind.
POLICIES = {
    policy.name: policy
    for policy in (
        SIGN,
        LETTER,
        LETTER_CONFIRMATION_EMAIL,
        EVENT_RSVP,
        UPDATES_SUBSCRIBE,
        DATA_REQUEST,
        ADDRESS_REPORT,
        EVENT_HOST,
        PLEDGE,
    )
}
