"""Fax sent by this site in the writer's name: a PDF through the fax provider's HTTP API.

``OUTCRY_FAX_BACKEND`` chooses InterFax's REST API or an email-to-fax gateway.
InterFax is given the idempotency key as its ``reference``; any attempt after the
first first asks InterFax whether a fax with that reference exists, because a
timed-out request may still have been accepted. Like email, a fax waits
(UNCONFIRMED) until its writer confirmed their address.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.core.mail import display_name
from outcry.directory.models import Channel
from outcry.directory.phones import e164
from outcry.letters import pdf
from outcry.letters.channels import Sender
from outcry.letters.channels.base import DeliveryChannel, DeliveryProblem, Sent
from outcry.letters.channels.email import header_address, message_id, send_mail
from outcry.letters.channels.interfax import InterFax
from outcry.letters.models import Delivery
from outcry.letters.wording import wording_for

logger = logging.getLogger("outcry.letters")

BACKENDS = ("interfax", "email")


class Fax(DeliveryChannel):
    code = "fax"
    contact_kind = Channel.Kind.FAX
    label = _("fax")
    choice_label = _("Fax, sent for you from this site")
    sent_by = Sender.SITE

    def is_available(self) -> bool:
        """Faxes need a fax service (the composer offers fax only then)."""
        return settings.FAX_BACKEND in BACKENDS

    def document(self, delivery: Delivery, contact: Channel) -> pdf.RenderedPDF:
        """The letter to the target as fax pages (the number in the recipient block)."""
        page = pdf.Page(target=delivery.target, channel=contact)
        return pdf.render_letter_pdf(letter=delivery.letter, pages=[page], layout="fax")

    def send(self, delivery: Delivery, contact: Channel) -> Sent:
        """Fax the letter's PDF through the configured backend; return the provider's fax id."""
        number = fax_number(contact)
        if settings.FAX_BACKEND == "interfax":
            return self._send_interfax(delivery, contact, number)
        if settings.FAX_BACKEND == "email":
            return self._send_by_email(delivery, contact, number)
        raise DeliveryProblem(
            gettext("No fax service is configured (OUTCRY_FAX_BACKEND)."),
            code=Delivery.Error.NOT_CONFIGURED,
            permanent=True,
        )

    def _send_interfax(self, delivery: Delivery, contact: Channel, number: str) -> Sent:
        client = InterFax.from_settings()
        if delivery.attempt_count > 1:
            # An earlier attempt may have reached InterFax even though we never heard
            # back (a timeout, a dropped connection, a worker killed): ask first.
            found = client.find(reference=delivery.idempotency_key, number=number)
            if found is not None:
                logger.info(
                    "Fax for delivery %s was already accepted as %s", delivery.pk, found["id"]
                )
                _check_found(found)
                return Sent(reference=str(found["id"]))
        rendered = self.document(delivery, contact)
        fax_id = client.send(
            number=number, document=rendered.content, reference=delivery.idempotency_key
        )
        return Sent(reference=fax_id, rendered=rendered)

    def _send_by_email(self, delivery: Delivery, contact: Channel, number: str) -> Sent:
        """Mail the PDF to the gateway address made from OUTCRY_FAX_EMAIL_PATTERN and the number."""
        address = settings.FAX_EMAIL_PATTERN.format(number=number.lstrip("+"))
        rendered = self.document(delivery, contact)
        letter = delivery.letter
        message = EmailMessage(
            subject=display_name(wording_for(letter=letter, target=delivery.target).subject),
            body=f"{number}\n",
            from_email=settings.FAX_EMAIL_FROM,
            to=[header_address(address)],
            headers={"Message-ID": message_id(delivery)},
        )
        message.attach(
            f"letter-{letter.pk}-{delivery.target_id}.pdf", rendered.content, "application/pdf"
        )
        send_mail(message)
        return Sent(reference=f"email:{address}", rendered=rendered)


def fax_number(contact: Channel) -> str:
    """The contact's fax number in E.164 (+12025550123); DeliveryProblem if it is not one."""
    number = e164(contact.value)
    if number is None:
        raise DeliveryProblem(
            gettext("%(number)r is not a valid international fax number.")
            % {"number": contact.value},
            code=Delivery.Error.BAD_ADDRESS,
            permanent=True,
        )
    return number


def _check_found(found: dict) -> None:
    status = found.get("status")
    if isinstance(status, int) and status > 0:
        raise DeliveryProblem(
            gettext("The fax provider could not transmit the fax (status %(status)s).")
            % {"status": status},
            code=Delivery.Error.PROVIDER_FAILED,
            permanent=True,
        )


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
