"""Render and send mail, and the default outbox backend.

One helper, ``render_message``, builds every email from three templates
(``<name>_subject.txt``, ``<name>.txt``, ``<name>.html``) in the recipient's language.
"""

import logging
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger("outcry.mail")

_LINE_BREAKS = re.compile(r"[\r\n\x00-\x1f\x7f]+")


def header_safe(value: str) -> str:
    """Return *value* on one line, so it can never start a new mail header."""
    return _LINE_BREAKS.sub(" ", value).strip()


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
    """Build (not send) a multipart message from ``<template>_subject.txt/.txt/.html``."""
    with translation.override(language):
        subject = header_safe(render_plain(f"{template}_subject.txt", context))
        text = render_plain(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Content-Language": language, **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    return message


class OutboxBackend(BaseEmailBackend):
    """Write each message as an .eml file in var/outbox/ and say so on the console.

    The default when no EMAIL_URL is set: nothing leaves the machine, and an
    operator trying the demo can open the confirmation link from the file.
    """

    def __init__(self, *args, directory: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(directory or settings.EMAIL_OUTBOX_DIR)

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            mime = message.message()
            # Unix line endings, so the file reads well in any editor or mail client.
            path.write_bytes(mime.as_bytes(policy=mime.policy.clone(linesep="\n")))
            logger.warning("Mail to %s written to %s", ", ".join(message.to), path)
            sent += 1
        return sent
