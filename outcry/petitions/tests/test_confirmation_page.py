"""The confirmation page shows what pressing "Confirm" publishes, and confirms only that.

Anyone can type anyone's address into the signing form: the owner of the
address sees the name, country, comment, listing and consents typed with it
before they confirm, may show less (never more), and a signature that changed
after the page was shown is shown again instead of confirmed. Until then, the
newest form from the address replaces what an earlier one typed.
"""

import html
import re

from django.core import mail
from django.test import Client

from outcry.petitions import services
from outcry.petitions.models import Signature
from outcry.petitions.services import count_signatures
from outcry.supporters.models import Consent
from outcry.testing import make_campaign, make_organisation, make_petition, post_signature

OWNER = "owner@example.org"


def link_in(message) -> str:
    url = next(word for word in message.body.split() if "/confirm/" in word)
    return url.split("127.0.0.1:8000", 1)[1]


def shown(page: str) -> str:
    return re.search(r'name="shown" value="([^"]+)"', page).group(1)


def signer_list(client, petition) -> str:
    return html.unescape(client.get(f"/en/petitions/{petition.slug}/signers/").content.decode())


def stranger_signs(run_on_commit, petition, **fields):
    fields = {
        "email": OWNER,
        "name": "Kim Typed-By-Someone",
        "country": "KR",
        "comment": "Words someone else wrote",
        "public_name": Signature.PublicName.FULL,
    } | fields
    return run_on_commit(
        lambda: post_signature(Client(REMOTE_ADDR="203.0.113.9"), petition, **fields)
    )


def test_the_page_shows_the_name_country_comment_listing_and_consents_before_confirming(
    db, run_on_commit
):
    lead = make_organisation(name="Lead Rights")
    petition = make_petition(campaign=make_campaign(lead=lead))
    stranger_signs(run_on_commit, petition, **{f"consent_{lead.pk}": "on"})
    [message] = mail.outbox
    # The email carries none of the typed words (issue 10): the page shows them.
    assert "Kim Typed-By-Someone" not in message.body
    assert "the name as it would be listed, the country and any comment" in message.body
    assert "Words someone else wrote" not in message.body

    page = html.unescape(Client().get(link_in(message)).content.decode())
    assert "Kim Typed-By-Someone, South Korea" in page  # as it will be listed
    assert "South Korea" in page and "Words someone else wrote" in page
    assert "Lead Rights" in page
    assert count_signatures(petition) == 0  # opening the page confirmed nothing


def test_the_owner_shows_less_before_confirming(db, run_on_commit):
    lead = make_organisation(name="Lead Rights")
    petition = make_petition(campaign=make_campaign(lead=lead))
    stranger_signs(run_on_commit, petition, **{f"consent_{lead.pk}": "on"})
    owner = Client()
    path = link_in(mail.outbox[0])
    page = owner.get(path).content.decode()
    # Hide the name, drop the comment, untick the organisation: only the digest is sent.
    answer = owner.post(path, {"shown": shown(page), "public_name": Signature.PublicName.HIDDEN})
    assert answer.status_code == 200
    signature = Signature.objects.get()
    assert signature.is_email_confirmed
    assert signature.public_name == Signature.PublicName.HIDDEN and signature.comment == ""
    assert not Consent.objects.exists()
    listed = signer_list(owner, petition)
    assert "Kim" not in listed and "someone else" not in listed
    assert count_signatures(petition) == 1


def test_the_owner_keeps_what_they_wrote_or_lists_only_a_first_name(db, run_on_commit):
    lead = make_organisation(name="Lead Rights")
    petition = make_petition(campaign=make_campaign(lead=lead))
    stranger_signs(run_on_commit, petition, **{f"consent_{lead.pk}": "on"})
    owner = Client()
    path = link_in(mail.outbox[0])
    page = owner.get(path).content.decode()
    owner.post(
        path,
        {
            "shown": shown(page),
            "public_name": Signature.PublicName.FIRST,
            "keep_comment": "on",
            f"consent_{lead.pk}": "on",
        },
    )
    listed = signer_list(owner, petition)
    assert '<bdi class="name">Kim</bdi>' in listed and "Words someone else wrote" in listed
    assert Consent.objects.get().confirmed_at is not None


def test_a_choice_can_only_lower_the_listing_never_raise_it(db, run_on_commit):
    petition = make_petition()
    stranger_signs(run_on_commit, petition, public_name=Signature.PublicName.FIRST)
    owner = Client()
    path = link_in(mail.outbox[0])
    page = owner.get(path).content.decode()
    assert f'value="{Signature.PublicName.FULL}"' not in page  # not offered
    answer = owner.post(path, {"shown": shown(page), "public_name": Signature.PublicName.FULL})
    assert answer.status_code == 409  # the page again, nothing confirmed
    signature = Signature.objects.get()
    assert not signature.is_email_confirmed
    assert signature.public_name == Signature.PublicName.FIRST


def test_a_signature_changed_after_the_page_was_shown_is_not_confirmed_nor_shown(db, run_on_commit):
    petition = make_petition()
    run_on_commit(
        lambda: post_signature(Client(), petition, email=OWNER, name="Kim", comment="Mine")
    )
    owner = Client()
    path = link_in(mail.outbox[0])
    page = owner.get(path).content.decode()
    # Meanwhile a stranger signs with the address, wanting their words listed.
    stranger_signs(run_on_commit, petition)
    answer = owner.post(path, {"shown": shown(page), "keep_comment": "on"})
    # The link was emailed for the owner's version: it confirms nothing now, and
    # does not show the stranger's words to whoever holds it (issue 10).
    assert answer.status_code == 410
    again = html.unescape(answer.content.decode())
    assert "A newer request was made with this email address" in again
    assert "Words someone else wrote" not in again
    assert not Signature.objects.get().is_email_confirmed
    assert "someone else" not in signer_list(owner, petition)


def test_the_newest_form_replaces_what_an_earlier_one_typed_until_confirmed(db, run_on_commit):
    lead, partner = make_organisation(name="Lead Rights"), make_organisation(name="Partner")
    petition = make_petition(campaign=make_campaign(lead=lead, partners=[partner]))
    stranger_signs(run_on_commit, petition, **{f"consent_{lead.pk}": "on"})
    run_on_commit(
        lambda: post_signature(
            Client(REMOTE_ADDR="198.51.100.4"),
            petition,
            email=OWNER,
            name="Min Real",
            country="US",
            public_name=Signature.PublicName.FIRST,
            **{f"consent_{partner.pk}": "on"},
        )
    )
    signature = Signature.objects.get()
    assert (signature.name, signature.country, signature.comment, signature.public_name) == (
        "Min Real",
        "US",
        "",
        Signature.PublicName.FIRST,
    )
    assert [consent.organisation for consent in Consent.objects.all()] == [partner]
    # The stranger's link confirms nothing now; the newest version's link shows it.
    old = html.unescape(Client().get(link_in(mail.outbox[0])).content.decode())
    assert "Kim" not in old and "Min Real" not in old
    newest = f"/en/confirm/{services.confirmation_code(signature)}/"
    page = html.unescape(Client().get(newest).content.decode())
    assert "Kim" not in page and "Words someone else wrote" not in page
    assert "Min Real" in page and "Partner" in page and "Lead Rights" not in page

    # Once confirmed, a later form changes nothing.
    Client().post(newest)
    stranger_signs(run_on_commit, petition)
    signature.refresh_from_db()
    assert signature.name == "Min Real" and signature.comment == ""
    assert '<bdi class="name">Min</bdi>' in signer_list(Client(), petition)
