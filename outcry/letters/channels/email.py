"""Email sent by this site in the writer's name, to the target's active address.

From the platform's address with the writer's name, Reply-To the writer; plain
text, in the letter's language. Only letters whose writer confirmed their address
get here (letters/confirmation.py): until then the row waits UNCONFIRMED.
"""

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.core.mail import UnsafeAddress, address_header, display_name
from outcry.directory.models import Channel
from outcry.letters.channels import Sender
from outcry.letters.channels.base import DeliveryChannel, DeliveryProblem, Sent
from outcry.letters.models import Delivery
from outcry.letters.wording import sender_name, wording_for


class SiteEmail(DeliveryChannel):
    code = "email"
    contact_kind = Channel.Kind.EMAIL
    label = _("email")
    choice_label = _("Email, sent for you from this site (replies come to your address)")
    sent_by = Sender.SITE

    def message(self, delivery: Delivery, contact: Channel) -> EmailMessage:
        """The email to the target: From the platform in the writer's name, Reply-To them.

        No List-Unsubscribe (one person's letter, not bulk mail). Every address
        header is built by core.mail (one mailbox each, no encoded word in a name);
        the subject is one line with no encoded word either. Raises
        DeliveryProblem (permanent) for an address that is not one.
        """
        address = contact.value.strip()
        try:
            validate_email(address)
        except ValidationError:
            raise DeliveryProblem(
                gettext("The target's email address %(address)r is not valid.")
                % {"address": address},
                code=Delivery.Error.BAD_ADDRESS,
                permanent=True,
            ) from None
        letter = delivery.letter
        wording = wording_for(letter=letter, target=delivery.target)
        name = sender_name(letter)
        body = "\n\n".join(
            [wording.salutation, wording.body, wording.closing, "\n".join(wording.signature)]
        )
        return EmailMessage(
            subject=display_name(wording.subject),
            body=body + "\n",
            from_email=header_address(platform_address(), name),
            to=[header_address(address)],
            reply_to=[header_address(letter.supporter.email, name)],
            headers={"Message-ID": message_id(delivery), "Content-Language": letter.language},
        )

    def send(self, delivery: Delivery, contact: Channel) -> Sent:
        send_mail(self.message(delivery, contact))
        return Sent(reference=message_id(delivery))


def platform_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def message_id(delivery: Delivery) -> str:
    """A Message-ID made from the idempotency key: a repeat would be recognisable as one."""
    domain = platform_address().rpartition("@")[2] or "localhost"
    local = delivery.idempotency_key.replace(":", ".")
    return f"<{local}@{domain}>"


def header_address(address: str, name: str = "") -> str:
    """An address header's value (core.mail.address_header); DeliveryProblem if unsafe.

    Older rows may hold names typed before the composer refused encoded words:
    core.mail breaks every "=?" apart in a name, and refuses an address holding one.
    """
    try:
        return address_header(address, name)
    except UnsafeAddress:
        raise DeliveryProblem(
            gettext("The address %(address)r cannot be written in an email header.")
            % {"address": address},
            code=Delivery.Error.BAD_ADDRESS,
            permanent=True,
        ) from None


def send_mail(message: EmailMessage) -> None:
    """Send *message* through EMAIL_URL; a mail error becomes a DeliveryProblem."""
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        raise _smtp_problem(error) from error


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
