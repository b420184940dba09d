"""Render and send mail, and the default outbox backend.

One helper, ``render_message``, builds every email from three templates
(``<name>_subject.txt``, ``<name>.txt``, ``<name>.html``) in the recipient's language.
"""

import hashlib
import hmac
import logging
import os
import re
import uuid
from email.headerregistry import Address, HeaderRegistry
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import smtp
from django.core.mail.backends.base import BaseEmailBackend
from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import timezone, translation

from outcry.core.text import has_c0_control_or_del, one_line

logger = logging.getLogger("outcry.mail")


def header_safe(value: str) -> str:
    """Return *value* on one line, so it can never start a new mail header."""
    return one_line(value)


# The start of an RFC 2047 encoded word ("=?utf-8?b?...?="). Mail readers, and
# Python's own parser, decode one wherever it stands in an address header, even
# inside quotes, and then read what it hides (", Bcc: evil@example.org") as
# more addresses. No one's name needs it.
ENCODED_WORD_START = "=?"


class UnsafeAddress(ValueError):
    """An email address that would not stay one address in a mail header."""


def display_name(value: str) -> str:
    """Return *value* fit to show as the name in an address header.

    One line, and no encoded word a mail reader would decode: "=?" becomes
    "= ?", which reads the same to a person and is plain text to a parser.
    """
    return header_safe(value).replace(ENCODED_WORD_START, "= ?")


def mail_address(address: str, name: str = "") -> Address:
    """Return *address* with *name* as one ``Address``, whatever the name holds.

    ``Address`` quotes or encodes the name as the header needs. Raises
    UnsafeAddress when *address* itself could turn into something else in a
    header: a line break, an encoded word, or more than one address.
    """
    address = address.strip()
    if ENCODED_WORD_START in address or has_c0_control_or_del(address) or "@" not in address:
        raise UnsafeAddress(address)
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError) as error:
        raise UnsafeAddress(address) from error
    return Address(display_name=display_name(name), username=parsed.username, domain=parsed.domain)


def address_header(address: str, name: str = "") -> str:
    """Return ``Name <address>`` for a From, To, Reply-To, Cc or Bcc header, built safely.

    Every address header outcry writes goes through here (see mail_address).
    """
    return str(mail_address(address, name))


def configured_address(value: str) -> str:
    """Return an operator's ``Name <address>`` setting (DEFAULT_FROM_EMAIL) rebuilt safely."""
    header = HeaderRegistry()("from", value)
    if len(header.addresses) != 1:
        raise UnsafeAddress(value)
    [parsed] = header.addresses
    return address_header(parsed.addr_spec, parsed.display_name)


def render_plain(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping ("O'Brien", not "O&#x27;Brien")."""
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


def render_message(
    *,
    template: str,
    context: dict,
    to: str,
    language: str,
    headers: dict | None = None,
) -> EmailMultiAlternatives:
    """Build (not send) a multipart message from ``<template>_subject.txt/.txt/.html``.

    The From and To headers are built by address_header. Raises UnsafeAddress
    for a *to* that would not stay one address in the header.
    """
    with translation.override(language):
        subject = header_safe(render_plain(f"{template}_subject.txt", context))
        text = render_plain(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=configured_address(settings.DEFAULT_FROM_EMAIL),
        to=[address_header(to)],
        headers={"Content-Language": language, **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    return message


def recipient_tag(address: str) -> str:
    """A short keyed hash of *address* for logs: the same person gives the same tag.

    Logs are read by more people and kept longer than the database; they get no
    supporter's address.
    """
    key = hashlib.sha256(f"{settings.SECRET_KEY}:mail-log".encode()).digest()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()[:12]


# An address of these characters only (a dot-atom, ASCII) is its own envelope address: there
# is nothing to parse, unquote or encode.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\Z")
PREPARED_KEPT = 256


class SMTPBackend(smtp.EmailBackend):
    """Django's SMTP backend, reading envelope addresses without a parser where none is needed.

    Django reads the From and every recipient of each message with the email
    package's header parser, which costs more CPU than sending the message. A
    plain address (PLAIN_ADDRESS) is used as it is; any other is read by Django
    once per connection (a campaign's From is the same for a whole batch).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prepared: dict[tuple[str, bool], str] = {}

    def prep_address(self, address, force_ascii=True) -> str:
        if isinstance(address, str) and len(address) <= 254 and PLAIN_ADDRESS.match(address):
            return address
        key = (str(address), force_ascii)
        if key not in self.prepared:
            if len(self.prepared) >= PREPARED_KEPT:
                self.prepared.clear()
            self.prepared[key] = super().prep_address(address, force_ascii)
        return self.prepared[key]


class OutboxBackend(BaseEmailBackend):
    """Write each message as an .eml file in var/outbox/ and say so on the console.

    The default when no EMAIL_URL is set: nothing leaves the machine, and an
    operator trying the demo can open the confirmation link from the file.
    The directory is the owner's alone (0700) and each file readable only by
    them (0600): the messages hold supporters' addresses and confirmation links.
    """

    def __init__(self, *args, directory: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(directory or settings.EMAIL_OUTBOX_DIR)

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.chmod(0o700)  # also one made before outcry made it private
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            mime = message.message()
            # Unix line endings, so the file reads well in any editor or mail client.
            data = mime.as_bytes(policy=mime.policy.clone(linesep="\n"))
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            tags = ", ".join(recipient_tag(address) for address in message.recipients())
            logger.warning("Mail to recipient %s written to %s", tags, path)
            sent += 1
        return sent
