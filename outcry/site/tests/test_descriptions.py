"""Every public page has a meta description; the pages people share have their own."""

import re

from outcry.testing import make_letter_action, make_petition, post_signature


def descriptions(html: str) -> list[str]:
    return re.findall(r'<meta name="description" content="([^"]*)">', html)


def test_thank_you_signers_composer_and_home_pages_describe_themselves(client, db):
    petition = make_petition()
    action = make_letter_action(campaign=petition.campaign)
    thanks = post_signature(client, petition, email="d@example.org")["Location"]
    pages = {
        thanks: "Thank you for signing “Protect the refugees”.",
        f"/en/petitions/{petition.slug}/signers/": "The people who signed “Protect the refugees”",
        f"/en/letters/{action.slug}/": "write to those who decide",
        "/en/": "Urgent campaigns for people at risk",
        f"/en/c/{petition.campaign.slug}/": "A summary.",
    }
    for path, wanted in pages.items():
        [description] = descriptions(client.get(path).content.decode())
        assert wanted in description, path


def test_a_page_without_its_own_description_has_the_sites(client, db):
    [description] = descriptions(client.get("/en/your-data/").content.decode())
    assert description.startswith("outcry: urgent campaigns")
    [korean] = descriptions(client.get("/ko/your-data/").content.decode())
    assert "긴급" in korean
