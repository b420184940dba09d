"""Rate limits kept in the cache, keyed without storing anyone's IP address.

The network key is an HMAC of the client address under a key derived from
SECRET_KEY and today's date: enough to count requests from one network for a
day, useless for finding out who made them, and it rotates at midnight UTC.
"""

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone


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


def is_limited(*, bucket: str, key: str, limit: int, window: int) -> bool:
    """Count one hit for *key* in *bucket*; True once it exceeds *limit* per *window* s."""
    if not settings.RATELIMIT_ENABLED:
        return False
    cache_key = f"rl:{bucket}:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return limit < 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window)
        count = 1
    return count > limit
