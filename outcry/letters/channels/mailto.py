"""Email from the supporter's own mail program: a mailto: link with the letter filled in."""

from urllib.parse import quote

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.directory.models import Channel
from outcry.letters.channels.base import DeliveryChannel
from outcry.letters.models import Delivery, Letter
from outcry.letters.wording import wording_for

# Some mail programs cut a mailto: link's body at about this many characters.
MAILTO_SAFE_CHARS = 1800


class Mailto(DeliveryChannel):
    code = "mailto"
    contact_kind = Channel.Kind.EMAIL
    label = _("own email program")
    choice_label = _("Email from your own email program")

    @property
    def name(self) -> str:
        return gettext("your own email program")

    def sent_page(self, *, letter: Letter, delivery: Delivery, contact: Channel, text: str) -> dict:
        subject = wording_for(letter=letter, target=delivery.target).subject
        return {
            "mailto_url": mailto_url(address=contact.value, subject=subject, body=text),
            "is_long": len(text) > MAILTO_SAFE_CHARS,
        }


def mailto_url(*, address: str, subject: str, body: str) -> str:
    """A mailto: link with recipient, subject and body percent-encoded (RFC 6068)."""
    return (
        f"mailto:{quote(address, safe='@')}"
        f"?subject={quote(subject, safe='')}"
        f"&body={quote(body.replace(chr(10), chr(13) + chr(10)), safe='')}"
    )
