"""A proof-of-work challenge that a form asks for only while it is being flooded.

What counts as a flood (settings, docs/operations.md):

- **one network** sent more than ``CHALLENGE_PER_NETWORK`` submissions of the
  form within a minute: that network is challenged;
- **the whole site** took more than ``CHALLENGE_SITE_PER_MINUTE`` submissions of
  the form within a minute from networks that were not themselves flooding:
  everyone is challenged (a flood spread over many networks).

A challenged submission passes with either

- an ALTCHA solution (the vendored widget solves it in the browser, in a web
  worker from our own origin): ALTCHA's documented v1 protocol — the server
  issues ``challenge = SHA-256(salt + number)`` for a secret random number below
  ``CHALLENGE_MAX_NUMBER``, with ``signature = HMAC-SHA-256(key, challenge)`` and
  an expiry in the salt; the browser finds the number; we check both hashes and
  the expiry, so no state is kept until a solution comes back; or
- without JavaScript, a wait: the challenge page carries a signed time, and
  sending the form again at least ``CHALLENGE_WAIT_SECONDS`` later passes.

Each solution and each wait is accepted once (a replay is refused), remembered
in the rate counters until it would have expired anyway. Nothing here runs
when limits are off (OUTCRY_RATELIMIT=off, load tests).
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from outcry.core.ratelimit import hit

ALGORITHM = "SHA-256"
WAIT_SALT = "outcry.core.challenge.wait"
# The form fields a challenged page adds (the widget writes "altcha").
SOLUTION_FIELD = "altcha"
WAIT_FIELD = "challenge_wait"


@dataclass(frozen=True)
class Gate:
    """What one submission met: whether it may go on, and what to show if not."""

    network_count: int  # submissions from this network in the current minute
    passed: bool = True
    message: str = ""
    altcha: str = ""  # the challenge for the widget, as JSON
    wait_token: str = ""
    wait_seconds: int = 0


def check(request: HttpRequest, *, form: str, network: str, network_count: int) -> Gate:
    """Decide whether this submission of *form* must prove itself.

    *network_count* is this network's submissions of the form in the current
    minute, which the caller counted (``ratelimit.hits``) with its limits, in one
    statement, under the bucket ``flood_bucket(form)``.

    Returns a passed Gate when there is no flood, or when the request carries a
    fresh, unused ALTCHA solution or a wait that has lasted long enough; else a
    Gate with the message and a new challenge to show. Never raises on bad input.
    """
    if not settings.RATELIMIT_ENABLED:
        return Gate(network_count=0)
    per_network = settings.CHALLENGE_PER_NETWORK
    flooded = bool(per_network) and network_count > per_network
    if not flooded and settings.CHALLENGE_SITE_PER_MINUTE:
        # Only submissions from networks not flooding on their own count here, so
        # one network hammering the form does not put everyone else to work.
        site_count = hit(bucket=f"flood-site:{form}", key="all", window=60)
        flooded = site_count > settings.CHALLENGE_SITE_PER_MINUTE
    if not flooded:
        return Gate(network_count=network_count)
    solution = request.POST.get(SOLUTION_FIELD, "")
    wait = request.POST.get(WAIT_FIELD, "")
    if solution and verify_solution(solution):
        return Gate(network_count=network_count)
    waited = wait_remaining(wait, network=network) if wait else None
    if waited == 0:
        return Gate(network_count=network_count)
    if solution:
        message = _(
            "We could not check that this browser is not a robot. "
            "Please wait for the check below to finish and send the form again."
        )
    elif waited:
        message = _(
            "Please wait a few more seconds before you send the form again: "
            "so many people are sending it that we ask everyone to slow down a little."
        )
    else:
        seconds = settings.CHALLENGE_WAIT_SECONDS
        message = ngettext(
            "This form is being sent very often right now, so we ask you to prove that you "
            "are not a robot. Your browser does this by itself in a few seconds; without "
            "JavaScript, wait %(seconds)d second and send the form again.",
            "This form is being sent very often right now, so we ask you to prove that you "
            "are not a robot. Your browser does this by itself in a few seconds; without "
            "JavaScript, wait %(seconds)d seconds and send the form again.",
            seconds,
        ) % {"seconds": seconds}
    return Gate(
        network_count=network_count,
        passed=False,
        message=message,
        altcha=json.dumps(new_challenge()),
        wait_token=new_wait_token(network=network),
        wait_seconds=settings.CHALLENGE_WAIT_SECONDS,
    )


def count_and_check(request: HttpRequest, *, form: str, network: str) -> Gate:
    """Count this submission of *form* from *network* and check it (see check()).

    For forms that count nothing else per minute; the signing form counts its
    limits and this in one statement instead.
    """
    count = hit(bucket=flood_bucket(form), key=network, window=60)
    return check(request, form=form, network=network, network_count=count)


def flood_bucket(form: str) -> str:
    """The rate-limit bucket counting one network's submissions of *form* per minute."""
    return f"flood-network:{form}"


def cluster_label(network: str) -> str:
    """A short label for signatures from one network on one day, for the reviewer.

    Six hex digits of a keyed hash of the (already keyed, daily) network key:
    enough to tell the networks of one day's clusters apart, too short to find
    the address again even with the secret key (each label fits 256 IPv4 addresses).
    """
    key = hashlib.sha256(f"{settings.SECRET_KEY}:cluster".encode()).digest()
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()[:6]


def _key() -> bytes:
    return hashlib.sha256(f"{settings.SECRET_KEY}:altcha".encode()).digest()


def _sign(challenge: str) -> str:
    return hmac.new(_key(), challenge.encode(), hashlib.sha256).hexdigest()


def new_challenge(*, now: float | None = None) -> dict:
    """Issue one ALTCHA (v1) challenge that expires after CHALLENGE_MAX_AGE_SECONDS."""
    expires = int((now or time.time()) + settings.CHALLENGE_MAX_AGE_SECONDS)
    salt = f"{secrets.token_hex(12)}?expires={expires}&"
    number = secrets.randbelow(settings.CHALLENGE_MAX_NUMBER + 1)
    challenge = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
    return {
        "algorithm": ALGORITHM,
        "challenge": challenge,
        "maxnumber": settings.CHALLENGE_MAX_NUMBER,
        "salt": salt,
        "signature": _sign(challenge),
    }


def verify_solution(payload: str) -> bool:
    """True for a solution to a challenge we issued, unexpired and never used before.

    *payload* is what the widget puts in the form: base64 of the JSON
    ``{algorithm, challenge, number, salt, signature}``. Anything malformed is
    simply False.
    """
    try:
        solution = json.loads(base64.b64decode(payload[:4000], validate=True))
        algorithm, challenge = solution["algorithm"], solution["challenge"]
        number, salt, signature = solution["number"], solution["salt"], solution["signature"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        return False
    if not all(isinstance(value, str) for value in (algorithm, challenge, salt, signature)):
        return False
    if algorithm != ALGORITHM or not isinstance(number, int) or isinstance(number, bool):
        return False
    if not hmac.compare_digest(_sign(challenge), signature):
        return False
    if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() != challenge:
        return False
    try:
        expires = int(parse_qs(salt.partition("?")[2])["expires"][0])
    except (KeyError, ValueError):
        return False
    remaining = expires - time.time()
    if not 0 < remaining <= settings.CHALLENGE_MAX_AGE_SECONDS:
        return False
    # Once only: remembered until it would have expired anyway.
    return hit(bucket="altcha-used", key=challenge, window=int(remaining) + 1) == 1


def new_wait_token(*, network: str) -> str:
    """A signed note of when this network was asked to wait (the JavaScript-free way through)."""
    payload = {"n": network, "t": time.time(), "r": secrets.token_hex(8)}
    return signing.dumps(payload, salt=WAIT_SALT)


def wait_remaining(token: str, *, network: str) -> int | None:
    """Seconds still to wait for *token*: 0 when it passes (and is now used), None if invalid.

    Invalid: forged, older than CHALLENGE_MAX_AGE_SECONDS, issued to another
    network, or already used once.
    """
    try:
        data = signing.loads(
            token[:500], salt=WAIT_SALT, max_age=settings.CHALLENGE_MAX_AGE_SECONDS
        )
        issued = float(data["t"])
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None
    if data.get("n") != network:
        return None
    left = settings.CHALLENGE_WAIT_SECONDS - (time.time() - issued)
    if left > 0:
        return max(1, int(left + 0.999))
    token_id = hashlib.sha256(token.encode()).hexdigest()[:32]
    if hit(bucket="wait-used", key=token_id, window=settings.CHALLENGE_MAX_AGE_SECONDS) > 1:
        return None
    return 0
