"""The channel registry's contract: each channel is registered, renders, and (site-sent) sends.

A channel added to letters/channels/ without a line here fails these tests: say what
the supporter sees of it on the sent page and, for one the site sends, where it lands.
"""

import pytest
from django.urls import reverse

from outcry.directory.models import Channel
from outcry.directory.testing import make_target
from outcry.letters import channels
from outcry.letters.channels import Sender
from outcry.letters.delivery import deliver
from outcry.letters.models import Delivery
from outcry.letters.tests.delivery_helpers import make_letter

pytestmark = pytest.mark.django_db

FAX = "+12024952266"
PHONE = "+12024952000"
WEB_FORM = "https://www.example.gov/contact"

# What the sent page shows under each channel's heading, for a letter the
# supporter finished writing (site-sent ones already sent).
SENT_PAGE = {
    "email": "Your email to Office",
    "fax": f"({FAX}) was handed to the fax service",
    "post": "Print your letter, sign it, and post it to:",
    "mailto": 'href="mailto:embassy@example.gov?subject=',
    "webform": f'<a href="{WEB_FORM}" rel="noopener noreferrer" target="_blank">',
    "phone": f'href="tel:{PHONE}"',
}


def reachable_target():
    """A target with an active contact detail of every kind."""
    return make_target(
        channels={
            "email": "embassy@example.gov",
            "fax": FAX,
            "post": "3505 International Pl NW",
            "webform": WEB_FORM,
            "phone": PHONE,
        }
    )


def test_every_kind_of_contact_detail_has_a_channel_registered_under_its_code():
    for kind in Channel.Kind.values:
        assert channels.get(kind).contact_kind == kind
    assert set(channels.codes()) == set(SENT_PAGE)
    # The ledger names each channel as the registry does.
    assert Delivery._meta.get_field("kind").choices == channels.choices()
    assert dict(channels.choices())["mailto"] == "own email program"


def test_an_unknown_code_is_refused_and_never_offered():
    with pytest.raises(channels.UnknownChannel):
        channels.get("telex")
    letter = make_letter()
    letter.action.channels = "telex, phone,email"
    assert channels.offered(letter.action) == ["phone", "email"]


def test_every_registered_channel_renders_on_the_sent_page_for_a_sample_letter(client):
    target = reachable_target()
    letter = make_letter(targets=[target], language="en", subject="Let them go", body="Please.")
    letter.nonce = "sample"
    letter.save()
    for channel in channels.all_channels():
        contact = channel.contact_for(target)
        assert contact is not None, channel.code
        Delivery.objects.create(
            letter=letter,
            target=target,
            channel=contact,
            kind=channel.code,
            idempotency_key=f"letter:{letter.pk}:{target.pk}:{channel.code}",
            status=Delivery.Status.SENT,
        )

    response = client.get(reverse("letters:sent", args=[letter.action.slug, letter.nonce]))

    assert response.status_code == 200
    content = response.content.decode()
    for channel in channels.all_channels():
        start = content.index(f'<section class="delivery delivery-{channel.code}"')
        section = content[start : content.index("</section>", start)]
        assert f"{target.name} · {channel.name[:1].upper()}{channel.name[1:]}" in (
            section.replace("&#x27;", "'")
        )
        assert SENT_PAGE[channel.code] in section, channel.code


def test_a_channel_reaches_a_target_only_through_an_active_contact_detail():
    target = reachable_target()
    target.channels.filter(kind=Channel.Kind.FAX).update(status=Channel.Status.BOUNCING)
    target.channels.filter(kind=Channel.Kind.EMAIL).update(status=Channel.Status.CLOSED)
    target = type(target).objects.prefetch_related("channels").get(pk=target.pk)
    reachable = {c.code for c in channels.all_channels() if c.contact_for(target)}
    assert reachable == {"post", "webform", "phone"}  # mailto needs the email address too


def test_every_channel_the_site_sends_reaches_the_local_test_servers(mail_server, interfax):
    landed = {
        "email": lambda: [m["To"] for m in mail_server.inbox.messages()],
        "fax": lambda: [fax.number for fax in interfax.faxes],
    }
    target = reachable_target()
    site_sent = channels.codes(sent_by=Sender.SITE)
    assert set(site_sent) == set(landed)
    for code in site_sent:
        letter = make_letter(targets=[target])
        delivery = Delivery.objects.create(
            letter=letter,
            target=target,
            kind=code,  # no contact chosen: the registry finds the target's active one
            idempotency_key=f"letter:{letter.pk}:{target.pk}:{code}",
        )

        assert deliver(delivery_id=delivery.pk) is True

        assert landed[code]() == [channels.get(code).contact_for(target).value], code
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENT
        assert delivery.channel == channels.get(code).contact_for(target)


def test_what_the_supporter_does_is_never_sent_by_a_worker(mail_server, interfax):
    target = reachable_target()
    letter = make_letter(targets=[target])
    for code in channels.codes(sent_by=Sender.SUPPORTER):
        delivery = Delivery.objects.create(
            letter=letter,
            target=target,
            kind=code,
            idempotency_key=f"letter:{letter.pk}:{target.pk}:{code}",
        )
        assert deliver(delivery_id=delivery.pk) is False
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.QUEUED
    assert not mail_server.inbox.envelopes and not interfax.faxes
