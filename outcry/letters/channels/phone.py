"""A phone call to the office, with a short script to say."""

from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from outcry.directory.models import Channel, Target
from outcry.directory.phones import for_people
from outcry.letters.channels.base import DeliveryChannel
from outcry.letters.models import Delivery, Letter
from outcry.letters.wording import wording_for


class Phone(DeliveryChannel):
    code = "phone"
    contact_kind = Channel.Kind.PHONE
    label = _("phone")
    choice_label = _("Phone call, with a short script")

    def sent_page(self, *, letter: Letter, delivery: Delivery, contact: Channel, text: str) -> dict:
        return {
            "tel": contact.value,
            "phone_display": for_people(contact.value),
            "script": call_script(letter=letter, target=delivery.target),
        }


def call_script(*, letter: Letter, target: Target) -> str:
    """What to say on the phone: the template's script, or one made from the subject."""
    template = next(
        (t for t in letter.action.templates.all() if t.language == letter.language), None
    )
    if template is not None and template.call_script.strip():
        script_letter = Letter(
            action=letter.action,
            supporter=letter.supporter,
            language=letter.language,
            subject=letter.subject,
            body=template.call_script,
            sender_name=letter.sender_name,
            sender_city=letter.sender_city,
        )
        return wording_for(letter=script_letter, target=target).body
    name = letter.sender_name or letter.supporter.name
    with translation.override(letter.language):
        values = {
            "name": name,
            "city": letter.sender_city,
            "office": office_on_the_phone(target, letter.language),
            "subject": wording_for(letter=letter, target=target).subject,
        }
        if letter.sender_city:
            return (
                gettext(
                    "Hello, my name is %(name)s and I live in %(city)s. I am calling about "
                    "“%(subject)s”. I have also written to %(office)s about it. Please pass my "
                    "message on. Thank you."
                )
                % values
            )
        return (
            gettext(
                "Hello, my name is %(name)s. I am calling about “%(subject)s”. I have also "
                "written to %(office)s about it. Please pass my message on. Thank you."
            )
            % values
        )


def office_on_the_phone(target: Target, language: str) -> str:
    """The office as the person answering its phone hears it named: "your embassy".

    Called inside translation.override(the letter's language). Offices other
    than embassies and consulates are named, in that language where known.
    """
    if target.category == Target.Category.EMBASSY:
        return pgettext("said on the phone to the office", "your embassy")
    if target.category == Target.Category.CONSULATE:
        return pgettext("said on the phone to the office", "your consulate")
    return target.name_in(language)
