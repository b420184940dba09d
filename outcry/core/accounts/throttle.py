"""What failed sign-ins are counted by, and how many passwords are checked at once.

django-axes counts failures per username and per network and refuses a locked-out
attempt before any password is hashed (``LoginThrottleBackend`` comes first in
AUTHENTICATION_BACKENDS). The attempts that do get through are expensive by design
(PBKDF2 takes a core for a good part of a second), so at most
LOGIN_CONCURRENT_CHECKS of them run at once on a server; the rest are told to try
again at once, without waiting, because a waiting request would hold a web worker
that public pages need.
"""

import contextlib
import fcntl
import ipaddress
import os
import time
from collections.abc import Iterator

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest

from outcry.core.ratelimit import network_key

# RFC 6666's discard-only prefix: nothing real has an address in it.
_DISCARD_PREFIX = 0x0100 << 112


def axes_network(request: HttpRequest) -> str:
    """The "IP address" django-axes records: a keyed hash of the client's network.

    Never the client's address (DESIGN: no raw IP at rest). axes keeps it in an
    IP-address column (``inet`` on PostgreSQL), so the 64-bit hash is written as an
    IPv6 address in the discard-only prefix 100::/64. It rotates with
    ``network_key`` at midnight UTC.
    """
    return str(ipaddress.IPv6Address(_DISCARD_PREFIX | int(network_key(request)[:16], 16)))


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' lockout check for sign-ins from the web; code that passes no request is let by.

    Only forms in a request can be attacked over the network; ``Client.login`` in
    tests and management commands authenticate without one.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# After a slow check (a real password hash; not a lockout refused before hashing),
# its slot rests as long as the check took, at most MAX_REST_SECONDS, so a flood
# keeps a slot busy half the time at most. Sign-ins queued behind a check in the
# same web worker are then refused at once instead of hashing one after another,
# and the pages queued behind them wait for one check, not for several.
SLOW_CHECK_SECONDS = 0.2
MAX_REST_SECONDS = 5.0


@contextlib.contextmanager
def password_check_slot() -> Iterator[bool]:
    """Yield True while holding one of the server's password-check slots, False if none is free.

    The slots are lock files in VAR_DIR, so they are shared by every web worker
    process on the machine (the CPU being saved is the machine's). The lock goes
    with the process if it dies. Each file holds the time its slot is free again,
    on the monotonic clock (the same for every process on Linux).
    """
    directory = settings.VAR_DIR / "login-slots"
    directory.mkdir(parents=True, exist_ok=True)
    for number in range(settings.LOGIN_CONCURRENT_CHECKS):
        fd = os.open(directory / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            now = time.monotonic()
            # Further off than any rest: written before the machine restarted.
            resting = settings.LOGIN_SLOT_RESTS and now < _rests_until(fd)
            if resting and _rests_until(fd) <= now + MAX_REST_SECONDS:
                continue
            started = time.monotonic()
            try:
                yield True
            finally:
                took = time.monotonic() - started
                rest = min(took, MAX_REST_SECONDS) if took >= SLOW_CHECK_SECONDS else 0.0
                if not settings.LOGIN_SLOT_RESTS:
                    rest = 0.0
                os.ftruncate(fd, 0)
                os.pwrite(fd, repr(time.monotonic() + rest).encode(), 0)
            return
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    yield False


def _rests_until(fd: int) -> float:
    try:
        return float(os.pread(fd, 64, 0) or b"0")
    except ValueError:
        return 0.0
