"""The office's web contact form: the supporter pastes the letter in themselves."""

from django.utils.translation import gettext_lazy as _

from outcry.directory.models import Channel
from outcry.letters.channels.base import DeliveryChannel
from outcry.letters.models import Delivery, Letter


class WebForm(DeliveryChannel):
    code = "webform"
    contact_kind = Channel.Kind.WEBFORM
    label = _("web form")
    choice_label = _("The office's web contact form: paste the letter in yourself")

    def sent_page(self, *, letter: Letter, delivery: Delivery, contact: Channel, text: str) -> dict:
        return {"limit": contact.char_limit, "length": len(text)}
