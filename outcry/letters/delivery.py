"""Send letters: each Delivery row by its channel (email, fax, post), exactly once.

The composer writes one QUEUED Delivery per (letter, target, channel) with the key
``letter:<letter>:<target>:<kind>`` and queues ``tasks.deliver_letter``. Here a
worker claims the row (QUEUED → SENDING, a conditional update: one worker wins),
sends, and marks it SENT, back to QUEUED for a retry, or FAILED.

- email: from the platform's address with the supporter's name, Reply-To the
  supporter, to the target's active address; plain text. Only letters whose
  writer confirmed their address get here (letters/confirmation.py): until
  then their email and fax rows wait as UNCONFIRMED, with no task.
- fax: a PDF through InterFax's REST API, or mailed to an email-to-fax gateway
  (``OUTCRY_FAX_BACKEND``). InterFax is given the idempotency key as its
  ``reference``; any attempt after the first first asks InterFax whether a fax with
  that reference exists, because a timed-out request may still have been accepted.
- post: nothing leaves the server; the delivery is SENT when its print-ready PDF
  is produced (``post_batch_pdf`` for the supporter, ``print_post_deliveries``
  for organisers).

A worker killed while sending leaves a row in SENDING; ``tasks.recover_deliveries``
resolves it with ``resolve_stuck`` (see there and docs/operations.md). Claiming,
retrying, giving up and that recovery are the ledger's own steps (core/ledger.py).
"""

import base64
import json
import logging
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from outcry.core.mail import header_safe
from outcry.directory.models import Channel
from outcry.letters import pdf
from outcry.letters.models import Delivery, Letter
from outcry.letters.wording import sender_name, wording_for

logger = logging.getLogger("outcry.letters")

SUPPORTER_PRINT = "printed-by-supporter"
ORGANISER_PRINT = "printed-by-organiser"
SENT_CHANNELS = (Channel.Kind.EMAIL, Channel.Kind.FAX)


class DeliveryProblem(Exception):
    """One attempt did not get through; *permanent* ones are not retried."""

    def __init__(self, message: str, *, code: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class TemporaryFailure(Exception):
    """Raised by ``deliver`` after putting the row back in the queue: try again later."""


class Deferred(Exception):
    """Raised by ``deliver``: the target's hourly limit is reached; nothing was attempted."""

    def __init__(self, not_before: datetime) -> None:
        super().__init__(f"rate limited until {not_before.isoformat()}")
        self.not_before = not_before


class NothingToPrint(Exception):
    """No post delivery is waiting to be printed."""


@dataclass(frozen=True)
class Sent:
    """What a channel reports back once the provider or server has the message."""

    reference: str = ""
    rendered: pdf.RenderedPDF | None = None


def fax_available() -> bool:
    """Whether faxes can be sent at all (the composer offers fax only then)."""
    return settings.FAX_BACKEND in {"interfax", "email"}


# --- the one entry point -----------------------------------------------------------------


def deliver(*, delivery_id: int) -> bool:
    """Send one queued email or fax delivery; return True if this call sent it.

    Returns False, doing nothing, when the row is gone, not QUEUED (sent, failed,
    or another worker has it), or a post delivery (printed, not sent). Never
    sends twice: the row is claimed by a conditional update first.
    Raises Deferred (the target's hourly limit is reached; the attempt is not
    counted) or TemporaryFailure (the row is QUEUED again with the error
    recorded). A permanent problem (bad number, refused address) marks the row
    FAILED and returns False.
    """
    delivery = (
        Delivery.objects.select_related("letter__supporter", "target", "channel")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.kind not in SENT_CHANNELS:
        return False
    # Only QUEUED rows are sent: an UNCONFIRMED one waits for its writer's link,
    # an EXPIRED one never goes.
    if delivery.status != Delivery.Status.QUEUED:
        return False
    if not delivery.claim():
        return False
    delivery.refresh_from_db(fields=["attempt_count", "claimed_at", "status"])
    not_before = _rate_limited_until(delivery)
    if not_before is not None:
        _release(delivery, not_before=not_before)
        raise Deferred(not_before)
    try:
        sent = _send(delivery)
    except DeliveryProblem as problem:
        return _record_problem(delivery, problem)
    except Exception as error:
        # A bug or an unforeseen failure: record it and let the retry policy decide,
        # rather than leave the row in SENDING.
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        problem = DeliveryProblem(
            f"{type(error).__name__}: {error}", code=Delivery.Error.UNAVAILABLE
        )
        return _record_problem(delivery, problem)
    _mark_sent(delivery, sent)
    logger.info(
        "Delivery %s (%s) sent on attempt %s", delivery.pk, delivery.kind, delivery.attempt_count
    )
    return True


def _send(delivery: Delivery) -> Sent:
    if delivery.target.is_closed:
        raise DeliveryProblem(
            gettext("This target is closed and no longer receives letters."),
            code=Delivery.Error.BAD_ADDRESS,
            permanent=True,
        )
    channel = _active_channel(delivery)
    if delivery.kind == Channel.Kind.EMAIL:
        return send_email(delivery, channel)
    return send_fax(delivery, channel)


def _record_problem(delivery: Delivery, problem: DeliveryProblem) -> bool:
    message = str(problem)[:2000]
    if problem.permanent:
        delivery.mark_failed(message, error_code=problem.code)
        logger.warning("Delivery %s failed for good: %s", delivery.pk, message)
        return False
    delivery.mark_retry(message, error_code=problem.code)
    logger.warning(
        "Delivery %s attempt %s failed: %s", delivery.pk, delivery.attempt_count, message
    )
    raise TemporaryFailure(message)


def _mark_sent(delivery: Delivery, sent: Sent) -> None:
    extra = {"error_code": "", "provider_reference": sent.reference[:200]}
    if sent.rendered is not None:
        extra.update(pdf_sha256=sent.rendered.sha256, page_count=sent.rendered.page_count)
    delivery.mark_sent(**extra)


def _release(delivery: Delivery, *, not_before: datetime) -> None:
    """Give a claimed row back to the queue without counting the attempt."""
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.QUEUED,
        attempt_count=F("attempt_count") - 1,
        claimed_at=None,
        next_attempt_at=not_before,
    )


def _active_channel(delivery: Delivery) -> Channel:
    """The channel chosen when the letter was queued if still active, else another active one."""
    channel = delivery.channel
    if channel is None or channel.status != Channel.Status.ACTIVE or channel.kind != delivery.kind:
        channel = delivery.target.channels.filter(
            kind=delivery.kind, status=Channel.Status.ACTIVE
        ).first()
        if channel is None:
            raise DeliveryProblem(
                gettext("The target has no active %(channel)s address any more.")
                % {"channel": Channel.Kind(delivery.kind).label},
                code=Delivery.Error.BAD_ADDRESS,
                permanent=True,
            )
        Delivery.objects.filter(pk=delivery.pk).update(channel=channel)
    return channel


# --- rate limits per target -------------------------------------------------------------


def _rate_limited_until(delivery: Delivery) -> datetime | None:
    """When the target may get the next message on this channel, or None for now.

    Counts what was sent to the target on this channel in the last hour, plus
    what other workers are sending right now, so that a burst of letters to one
    embassy is spread over hours instead of jamming its fax. Counted from the
    rows, so every worker and process sees the same numbers.

    One network (the keyed hash stored on its letters, never an IP address) gets
    at most OUTCRY_DELIVERY_NETWORK_SHARE per cent of that limit: 58 letters from
    one place cannot fill an embassy's hour and hold everyone else's back.
    Unconfirmed letters never get here, so they use none of it.
    """
    limit = settings.DELIVERY_RATE_PER_TARGET_HOUR.get(delivery.kind)
    if not limit:
        return None
    now = timezone.now()
    window_start = now - timedelta(hours=1)
    recent = Delivery.objects.filter(target_id=delivery.target_id, kind=delivery.kind).exclude(
        pk=delivery.pk
    )
    in_window = Q(status=Delivery.Status.SENT, sent_at__gte=window_start) | Q(
        status=Delivery.Status.SENDING
    )
    if recent.filter(in_window).count() >= limit:
        return _next_slot(recent, window_start, now)
    network = delivery.letter.network_key
    share = max(1, limit * settings.DELIVERY_NETWORK_SHARE_PERCENT // 100)
    if network and share < limit:
        ours = recent.filter(letter__network_key=network)
        if ours.filter(in_window).count() >= share:
            return _next_slot(ours, window_start, now)
    return None


def _next_slot(rows: QuerySet[Delivery], window_start: datetime, now: datetime) -> datetime:
    """When the oldest of *rows* sent in the window leaves it (a minute later, for slack)."""
    oldest = rows.filter(status=Delivery.Status.SENT, sent_at__gte=window_start).aggregate(
        at=Min("sent_at")
    )["at"]
    # Once the oldest message in the window is an hour old, a slot is free; a
    # minute's slack keeps the check from landing just before that moment.
    return (oldest + timedelta(hours=1, minutes=1)) if oldest else now + timedelta(minutes=1)


# --- email ------------------------------------------------------------------------------


def _platform_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def _message_id(delivery: Delivery) -> str:
    """A Message-ID made from the idempotency key: a repeat would be recognisable as one."""
    domain = _platform_address().rpartition("@")[2] or "localhost"
    local = delivery.idempotency_key.replace(":", ".")
    return f"<{local}@{domain}>"


def _smtp_problem(error: Exception) -> DeliveryProblem:
    """Sort a mail error into permanent (5xx from the server) and worth retrying."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return DeliveryProblem(
                gettext("The mail server refused the address: %(reply)s")
                % {"reply": "; ".join(f"{c} {m!r}" for c, m in error.recipients.values())},
                code=Delivery.Error.REFUSED,
                permanent=True,
            )
    elif isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500:
        return DeliveryProblem(
            gettext("The mail server refused the message: %(code)s %(reply)s")
            % {"code": error.smtp_code, "reply": error.smtp_error},
            code=Delivery.Error.REFUSED,
            permanent=True,
        )
    if isinstance(error, TimeoutError):
        return DeliveryProblem(
            gettext("The mail server did not answer in time."), code=Delivery.Error.TIMEOUT
        )
    return DeliveryProblem(f"{type(error).__name__}: {error}", code=Delivery.Error.UNAVAILABLE)


def _send_mail(message: EmailMessage) -> None:
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        raise _smtp_problem(error) from error


def display_name(value: str) -> str:
    """*value* fit to stand as a display name in an address header: one line, no "=?".

    Mail programs decode an RFC 2047 encoded word (``=?utf-8?b?…?=``) in a name,
    so a name typed as one could turn into ``Bcc: someone@…`` or another
    address once decoded; Python's email package decodes it too, even from an
    ``Address`` object. The composer refuses such names; this keeps older rows
    safe by breaking every "=?" apart.
    """
    value = header_safe(value)
    while "=?" in value:
        value = value.replace("=?", "= ?")
    return value


def mail_address(*, addr_spec: str, name: str = "") -> str:
    """One address header value built with email.headerregistry.Address.

    Raises DeliveryProblem (permanent) for an address Python cannot take apart
    as exactly one mailbox, or one holding an encoded word.
    """
    try:
        if "=?" in addr_spec:
            raise ValueError("encoded word in an address")
        address = Address(display_name=display_name(name), addr_spec=addr_spec)
    except (ValueError, IndexError, HeaderParseError):
        raise DeliveryProblem(
            gettext("The address %(address)r cannot be written in an email header.")
            % {"address": addr_spec},
            code=Delivery.Error.BAD_ADDRESS,
            permanent=True,
        ) from None
    return str(address)


def send_email(delivery: Delivery, channel: Channel) -> Sent:
    """Email the letter to the target: From the platform in the supporter's name, Reply-To them.

    Plain text, in the letter's language; no List-Unsubscribe (one person's
    letter, not bulk mail). Every address header is built by mail_address (one
    mailbox each, no encoded word in a name); the subject is one line with no
    encoded word either.
    """
    address = channel.value.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise DeliveryProblem(
            gettext("The target's email address %(address)r is not valid.") % {"address": address},
            code=Delivery.Error.BAD_ADDRESS,
            permanent=True,
        ) from None
    letter = delivery.letter
    supporter = letter.supporter
    wording = wording_for(letter=letter, target=delivery.target)
    name = sender_name(letter)
    body = "\n\n".join(
        [wording.salutation, wording.body, wording.closing, "\n".join(wording.signature)]
    )
    message = EmailMessage(
        subject=display_name(wording.subject),
        body=body + "\n",
        from_email=mail_address(name=name, addr_spec=_platform_address()),
        to=[mail_address(addr_spec=address)],
        reply_to=[mail_address(name=name, addr_spec=supporter.email)],
        headers={"Message-ID": _message_id(delivery), "Content-Language": letter.language},
    )
    _send_mail(message)
    return Sent(reference=_message_id(delivery))


# --- fax --------------------------------------------------------------------------------


def fax_number(channel: Channel) -> str:
    """The channel's fax number in E.164 (+12025550123); DeliveryProblem if it is not one."""
    try:
        number = phonenumbers.parse(channel.value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DeliveryProblem(
            gettext("%(number)r is not a valid international fax number.")
            % {"number": channel.value},
            code=Delivery.Error.BAD_ADDRESS,
            permanent=True,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def render_fax(delivery: Delivery, channel: Channel) -> pdf.RenderedPDF:
    page = pdf.Page(target=delivery.target, channel=channel)
    return pdf.render_letter_pdf(letter=delivery.letter, pages=[page], layout="fax")


def send_fax(delivery: Delivery, channel: Channel) -> Sent:
    """Fax the letter's PDF through the configured backend; return the provider's fax id."""
    number = fax_number(channel)
    if settings.FAX_BACKEND == "interfax":
        return _send_interfax(delivery, channel, number)
    if settings.FAX_BACKEND == "email":
        return _send_fax_by_email(delivery, channel, number)
    raise DeliveryProblem(
        gettext("No fax service is configured (OUTCRY_FAX_BACKEND)."),
        code=Delivery.Error.NOT_CONFIGURED,
        permanent=True,
    )


def _send_interfax(delivery: Delivery, channel: Channel, number: str) -> Sent:
    client = InterFax.from_settings()
    if delivery.attempt_count > 1:
        # An earlier attempt may have reached InterFax even though we never heard
        # back (a timeout, a dropped connection, a worker killed): ask first.
        found = client.find(reference=delivery.idempotency_key, number=number)
        if found is not None:
            logger.info("Fax for delivery %s was already accepted as %s", delivery.pk, found["id"])
            _check_found(found)
            return Sent(reference=str(found["id"]))
    rendered = render_fax(delivery, channel)
    fax_id = client.send(
        number=number, document=rendered.content, reference=delivery.idempotency_key
    )
    return Sent(reference=fax_id, rendered=rendered)


def _check_found(found: dict) -> None:
    status = found.get("status")
    if isinstance(status, int) and status > 0:
        raise DeliveryProblem(
            gettext("The fax provider could not transmit the fax (status %(status)s).")
            % {"status": status},
            code=Delivery.Error.PROVIDER_FAILED,
            permanent=True,
        )


def _send_fax_by_email(delivery: Delivery, channel: Channel, number: str) -> Sent:
    """Mail the PDF to the gateway address made from OUTCRY_FAX_EMAIL_PATTERN and the number."""
    address = settings.FAX_EMAIL_PATTERN.format(number=number.lstrip("+"))
    rendered = render_fax(delivery, channel)
    letter = delivery.letter
    message = EmailMessage(
        subject=display_name(wording_for(letter=letter, target=delivery.target).subject),
        body=f"{number}\n",
        from_email=settings.FAX_EMAIL_FROM,
        to=[mail_address(addr_spec=address)],
        headers={"Message-ID": _message_id(delivery)},
    )
    message.attach(
        f"letter-{letter.pk}-{delivery.target_id}.pdf", rendered.content, "application/pdf"
    )
    _send_mail(message)
    return Sent(reference=f"email:{address}", rendered=rendered)


class InterFax:
    """The few calls of InterFax's REST API that outcry needs (HTTP Basic auth, JSON).

    - send: ``POST /outbound/faxes?faxNumber=…&reference=…`` with the PDF as the
      body; 201 Created with ``Location: …/outbound/faxes/<id>``.
    - find: ``GET /outbound/search?reference=…&faxNumber=…``; a list of faxes.
    - status: ``GET /outbound/faxes/<id>``; ``status`` < 0 in progress, 0 sent,
      > 0 failed.
    """

    def __init__(self, *, base_url: str, username: str, password: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self.authorization = f"Basic {token}"
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "InterFax":
        return cls(
            base_url=settings.INTERFAX_URL,
            username=settings.INTERFAX_USERNAME,
            password=settings.INTERFAX_PASSWORD,
            timeout=settings.FAX_TIMEOUT_SECONDS,
        )

    def _request(
        self, method: str, path: str, params: dict, body: bytes | None = None
    ) -> tuple[int, dict, bytes]:
        url = f"{self.base_url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": self.authorization, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/pdf"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - URL from settings, http(s) only
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers or {}), error.read()
        except TimeoutError:
            raise DeliveryProblem(
                gettext("The fax provider did not answer within %(seconds)s seconds.")
                % {"seconds": self.timeout},
                code=Delivery.Error.TIMEOUT,
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise DeliveryProblem(
                    gettext("The fax provider did not answer within %(seconds)s seconds.")
                    % {"seconds": self.timeout},
                    code=Delivery.Error.TIMEOUT,
                ) from None
            raise DeliveryProblem(
                gettext("The fax provider could not be reached: %(reason)s") % {"reason": reason},
                code=Delivery.Error.UNAVAILABLE,
            ) from None

    def _problem(self, status: int, body: bytes) -> DeliveryProblem:
        """Turn an error answer into a problem: 4xx about the fax are permanent."""
        detail = _error_detail(body)
        if status in {400, 404, 413, 415, 422}:
            return DeliveryProblem(
                gettext("The fax provider refused the fax (HTTP %(status)s): %(detail)s")
                % {"status": status, "detail": detail},
                code=Delivery.Error.REFUSED,
                permanent=True,
            )
        # 401/403 (credentials an operator can fix), 408, 429 and 5xx: try again later.
        return DeliveryProblem(
            gettext("The fax provider answered HTTP %(status)s: %(detail)s")
            % {"status": status, "detail": detail},
            code=Delivery.Error.UNAVAILABLE,
        )

    def send(self, *, number: str, document: bytes, reference: str) -> str:
        """Submit *document* (a PDF) to *number*; return InterFax's fax id."""
        status, headers, body = self._request(
            "POST", "/outbound/faxes", {"faxNumber": number, "reference": reference[:60]}, document
        )
        if status != 201:
            raise self._problem(status, body)
        location = {key.lower(): value for key, value in headers.items()}.get("location", "")
        fax_id = location.rstrip("/").rpartition("/")[2]
        if not fax_id:
            raise DeliveryProblem(
                gettext("The fax provider accepted the fax but gave no Location."),
                code=Delivery.Error.UNAVAILABLE,
            )
        return fax_id

    def find(self, *, reference: str, number: str) -> dict | None:
        """The fax submitted with *reference* to *number*, or None if InterFax has none."""
        status, _headers, body = self._request(
            "GET", "/outbound/search", {"reference": reference[:60], "faxNumber": number}
        )
        if status != 200:
            raise (
                self._problem(status, body)
                if status >= 500
                else DeliveryProblem(
                    gettext("Could not look up earlier faxes (HTTP %(status)s): %(detail)s")
                    % {"status": status, "detail": _error_detail(body)},
                    code=Delivery.Error.UNAVAILABLE,
                )
            )
        try:
            faxes = json.loads(body or b"[]")
        except ValueError:
            faxes = []
        for fax in faxes if isinstance(faxes, list) else []:
            if (
                isinstance(fax, dict)
                and "id" in fax
                and fax.get("reference", reference) == reference
            ):
                return fax
        return None

    def status(self, fax_id: str) -> int:
        """InterFax's status code for a fax: < 0 in progress, 0 sent, > 0 failed."""
        status, _headers, body = self._request(
            "GET", f"/outbound/faxes/{urllib.parse.quote(fax_id)}", {}
        )
        if status != 200:
            raise self._problem(status, body)
        try:
            return int(json.loads(body)["status"])
        except (ValueError, KeyError, TypeError):
            raise DeliveryProblem(
                gettext("The fax provider's status answer could not be read."),
                code=Delivery.Error.UNAVAILABLE,
            ) from None


def _error_detail(body: bytes) -> str:
    """InterFax explains errors as JSON {"code", "message", "moreInfo"}; else the raw text."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300] or "-"
    if isinstance(data, dict):
        parts = [str(data[key]) for key in ("code", "message", "moreInfo") if data.get(key)]
        return " ".join(parts)[:300] or text[:300]
    return text[:300]


def check_fax_status(*, delivery_id: int) -> str:
    """Ask InterFax how a sent fax went; return "pending", "confirmed", "failed" or "skip".

    A fax the provider reports transmitted gets ``confirmed_at``; one it finally
    could not transmit (busy, no answer after its own retries) becomes FAILED
    with the provider's status code, for an organiser to see and queue again.
    Raises DeliveryProblem when InterFax cannot be asked (the task retries).
    """
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if (
        delivery is None
        or delivery.kind != Channel.Kind.FAX
        or delivery.status != Delivery.Status.SENT
        or delivery.confirmed_at is not None
        or settings.FAX_BACKEND != "interfax"
        or not delivery.provider_reference.isdigit()
    ):
        return "skip"
    status = InterFax.from_settings().status(delivery.provider_reference)
    if status < 0:
        return "pending"
    if status == 0:
        Delivery.objects.filter(pk=delivery.pk).update(confirmed_at=timezone.now())
        return "confirmed"
    with translation.override(settings.LANGUAGE_CODE):
        message = gettext("The fax provider could not transmit the fax (status %(status)s).") % {
            "status": status
        }
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENT).update(
        status=Delivery.Status.FAILED, error_code=Delivery.Error.PROVIDER_FAILED, last_error=message
    )
    return "failed"


# --- post -------------------------------------------------------------------------------


def _print(rows: list[Delivery], *, reference: str, keep: list[Delivery] = ()) -> bytes:
    """Render *rows* (claimed by the caller) and *keep* (already printed) as one PDF.

    Marks *rows* SENT once the PDF exists; on any error gives them back to the queue.
    """
    letters: dict[int, tuple[Letter, list[pdf.Page]]] = {}
    for delivery in sorted([*keep, *rows], key=lambda d: (d.letter_id, d.target_id)):
        channel = delivery.channel or pdf.channel_for(delivery.target, Channel.Kind.POST)
        entry = letters.setdefault(delivery.letter_id, (delivery.letter, []))
        entry[1].append(pdf.Page(target=delivery.target, channel=channel))
    try:
        rendered = pdf.render_letters_pdf(batch=list(letters.values()), layout="post")
    except Exception:
        Delivery.objects.filter(pk__in=[d.pk for d in rows], status=Delivery.Status.SENDING).update(
            status=Delivery.Status.QUEUED, claimed_at=None
        )
        raise
    Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        provider_reference=reference,
        pdf_sha256=rendered.sha256,
        page_count=rendered.page_count,
        last_error="",
        error_code="",
    )
    return rendered.content


def post_batch_pdf(*, letter: Letter) -> bytes:
    """The letter's post deliveries as one print-ready PDF, for the supporter to print and mail.

    Pages for each post target (address placed for a window envelope) and a
    page of address labels. Deliveries still QUEUED are claimed and marked SENT
    (printed by the supporter); downloading again returns the same letters, but
    never ones an organiser has already printed. Raises NothingToPrint.
    """
    rows = list(
        letter.deliveries.filter(kind=Channel.Kind.POST)
        .select_related("letter__supporter", "target", "channel")
        .order_by("pk")
    )
    claimed = [d for d in rows if d.status == Delivery.Status.QUEUED and d.claim()]
    again = [
        d
        for d in rows
        if d.status == Delivery.Status.SENT and d.provider_reference == SUPPORTER_PRINT
    ]
    if not claimed and not again:
        raise NothingToPrint("nothing to print")
    return _print(claimed, reference=SUPPORTER_PRINT, keep=again)


def print_post_deliveries(
    *, deliveries: QuerySet[Delivery], printed_by: str = ""
) -> tuple[bytes, int]:
    """Print every QUEUED post delivery in *deliveries* as one PDF; return it and the count.

    For organisers and volunteers mailing a whole action's letters. Each row is
    claimed first, so two people printing at once never print one letter twice.
    Raises NothingToPrint.
    """
    candidates = (
        deliveries.filter(kind=Channel.Kind.POST, status=Delivery.Status.QUEUED)
        .select_related("letter__supporter", "target", "channel")
        .order_by("letter_id", "target_id")
    )
    claimed = [d for d in candidates if d.claim()]
    if not claimed:
        raise NothingToPrint("nothing to print")
    reference = f"{ORGANISER_PRINT}:{printed_by}" if printed_by else ORGANISER_PRINT
    return _print(claimed, reference=reference[:200]), len(claimed)


# --- recovery (letters.tasks.recover_deliveries sweeps; core.ledger.recover_stuck finds) -


def resolve_stuck(delivery: Delivery, same_row: QuerySet[Delivery]) -> str:
    """Decide what became of *delivery*, left SENDING by a killed worker; return the outcome.

    *same_row* is the row exactly as read: a worker that is merely slow and
    finishes meanwhile wins, and nothing here changes it.
    - InterFax fax: ask InterFax for a fax with the row's reference. Found:
      SENT (or FAILED if InterFax reports it could not transmit). Not found:
      QUEUED again ("requeued": its next attempt looks it up once more).
      InterFax unreachable: left as it is for the next sweep ("unresolved").
    - email, or fax through an email gateway: nobody can be asked, so the row
      becomes FAILED with the code "outcome_unknown" and a message for the
      organiser, who checks with the recipient and queues it again if need be
      ("review"). Never re-sent blindly.
    - post: nothing had left the server (the PDF was being made): QUEUED ("released").
    """
    if delivery.kind == Channel.Kind.POST:
        same_row.update(status=Delivery.Status.QUEUED, claimed_at=None)
        return "released"
    if delivery.kind == Channel.Kind.FAX and settings.FAX_BACKEND == "interfax":
        try:
            channel = delivery.channel or _active_channel(delivery)
            found = InterFax.from_settings().find(
                reference=delivery.idempotency_key, number=fax_number(channel)
            )
        except DeliveryProblem as problem:
            if problem.permanent:
                # No usable number any more: it cannot have been sent to one either.
                same_row.update(
                    status=Delivery.Status.FAILED, error_code=problem.code, last_error=str(problem)
                )
                return "failed"
            logger.warning("Cannot resolve delivery %s yet: %s", delivery.pk, problem)
            return "unresolved"
        if found is None:
            same_row.update(
                status=Delivery.Status.QUEUED,
                claimed_at=None,
                next_attempt_at=timezone.now(),
                error_code=Delivery.Error.OUTCOME_UNKNOWN,
                last_error=gettext("Interrupted while sending; the fax provider has no such fax."),
            )
            return "requeued"
        status = found.get("status")
        if isinstance(status, int) and status > 0:
            same_row.update(
                status=Delivery.Status.FAILED,
                error_code=Delivery.Error.PROVIDER_FAILED,
                provider_reference=str(found["id"]),
                last_error=gettext(
                    "The fax provider could not transmit the fax (status %(status)s)."
                )
                % {"status": status},
            )
            return "failed"
        same_row.update(
            status=Delivery.Status.SENT,
            sent_at=timezone.now(),
            provider_reference=str(found["id"]),
            error_code="",
            last_error="",
        )
        return "found"
    same_row.update(
        status=Delivery.Status.FAILED,
        error_code=Delivery.Error.OUTCOME_UNKNOWN,
        last_error=gettext(
            "The worker stopped while sending this, so it may or may not have arrived. "
            "Check with the recipient before queueing it again."
        ),
    )
    return "review"
