from django.utils import timezone

from outcry.petitions.models import Signature
from outcry.petitions.services import confirmation_code
from outcry.testing import confirm_all_pending, make_petition, post_signature


def test_signer_list_shows_only_those_who_chose_it_as_they_chose(client, db):
    petition = make_petition()
    post_signature(
        client,
        petition,
        email="a@example.org",
        name="Ji-woo Park",
        country="KR",
        public_name=Signature.PublicName.FIRST_COUNTRY,
        comment="Let them go home.",
    )
    post_signature(
        client,
        petition,
        email="b@example.org",
        name="Hidden Person",
        public_name=Signature.PublicName.HIDDEN,
    )
    post_signature(
        client,
        petition,
        email="c@example.org",
        name="Sarah Lee",
        country="US",
        public_name=Signature.PublicName.FULL,
    )
    post_signature(
        client,
        petition,
        email="d@example.org",
        name="Pending Person",
        public_name=Signature.PublicName.FULL,
    )
    confirm_all_pending(petition)
    Signature.objects.filter(supporter__email="d@example.org").update(
        confirmed_at=None, email_confirmed_at=None
    )
    html = client.get(f"/en/petitions/{petition.slug}/signers/").content.decode()
    assert "Ji-woo, South Korea" in html and "Park" not in html
    assert "Sarah Lee, United States" in html
    korean = client.get(f"/ko/petitions/{petition.slug}/signers/").content.decode()
    assert "Ji-woo, 대한민국" in korean and "Sarah Lee, 미국" in korean
    assert "Hidden Person" not in html and "Pending Person" not in html
    assert "Let them go home." in html
    assert "example.org" not in html


def test_signer_list_is_paginated(client, db):
    petition = make_petition(needs_confirmation=False)
    for n in range(55):
        post_signature(
            client,
            petition,
            email=f"p{n}@example.org",
            name=f"Person{n}",
            public_name=Signature.PublicName.FIRST,
        )
    confirm_all_pending(petition)
    first = client.get(f"/en/petitions/{petition.slug}/signers/").content.decode()
    second = client.get(f"/en/petitions/{petition.slug}/signers/?page=2").content.decode()
    assert first.count('<li><bdi class="name">') == 50
    assert second.count('<li><bdi class="name">') == 5
    assert "Page 1 of 2" in first
    assert client.get(f"/en/petitions/{petition.slug}/signers/?page=x").status_code == 200


def test_signer_list_can_be_turned_off(client, db):
    petition = make_petition(shows_signers=False)
    response = client.get(f"/en/petitions/{petition.slug}/signers/")
    assert response.status_code == 404
    assert "not public" in response.content.decode()
    assert (
        "See who has signed" not in client.get(f"/en/c/{petition.campaign.slug}/").content.decode()
    )


def test_thank_you_page_offers_plain_share_links(client, db):
    petition = make_petition()
    response = post_signature(client, petition, email="t@example.org")
    html = client.get(response["Location"]).content.decode()
    for name in ["X", "Facebook", "WhatsApp", "Telegram", "LINE", "KakaoStory", "Email"]:
        assert f">{name}</a>" in html
    assert "https%3A%2F%2F" in html or "http%3A%2F%2F" in html
    assert f"/en/c/{petition.campaign.slug}/" in html
    assert "One more step" in html
    assert 'class="share-button"' in html  # the phone's share sheet (KakaoTalk), with JS
    assert "copy the link above and paste it into a chat" in html  # without JS, for KakaoTalk


def test_broken_or_forged_confirmation_link_explains_itself(client, db):
    response = client.get("/en/confirm/not-a-real-code/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_expired_confirmation_link_says_it_expired(client, db, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    petition = make_petition()
    post_signature(client, petition, email="old@example.org")
    code = confirmation_code(petition.signatures.get())
    time_machine.shift(60 * 86400)
    response = client.get(f"/en/confirm/{code}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_first_name_only_never_shows_a_whole_korean_name(client, db):
    petition = make_petition(needs_confirmation=False)
    for n, name in enumerate(["김민준", "김 민준", "Ana María López"]):
        post_signature(
            client,
            petition,
            email=f"k{n}@example.org",
            name=name,
            country="",
            public_name=Signature.PublicName.FIRST,
        )
    confirm_all_pending(petition)
    html = client.get(f"/en/petitions/{petition.slug}/signers/").content.decode()
    assert "김○○" in html and "김민준" not in html and "민준" not in html
    assert "Ana</bdi>" in html and "López" not in html
