"""The campaign page gathers its actions kind by kind, from actions/nextstep.py, and stays cheap."""

import re

import pytest
from django.template import Template
from django.test import Client

from outcry.actions import nextstep
from outcry.testing import (
    letter_form,
    make_campaign,
    make_letter_action,
    make_organisation,
    make_petition,
    make_target,
    post_signature,
)


@pytest.fixture
def campaign(db):
    petition = make_petition(campaign=make_campaign(partners=[make_organisation()]))
    embassy = make_target(channels={"email": "emb@example.net"})
    make_letter_action(campaign=petition.campaign, targets=[embassy])
    return petition.campaign


def section_classes(html: str) -> list[str]:
    return re.findall(r'<section class="([a-z-]+)"', html)


def test_the_page_shows_the_petition_then_the_letter_then_updates(client, campaign):
    html = client.get(f"/en/c/{campaign.slug}/").content.decode()
    assert section_classes(html) == ["petition", "letter-action", "updates", "coalition"]


def test_the_page_costs_the_same_queries_and_none_once_cached(
    client, campaign, settings, django_assert_num_queries
):
    """Campaign (1), its texts, partners and their names, lead's names (4), petitions and
    their texts (2), letter actions, their letters and the letters' paragraphs (3: an action
    without any is not offered), the petition's counter (1),
    pledges (1; their texts and each one's counter once there are any), upcoming events
    and days of action (2; their texts one more each once there are any), the latest
    updates (1; their texts one more once there are any), the published cases (1; their
    texts and changes one more each once there are any)."""
    settings.PAGE_CACHE_SECONDS = 5
    with django_assert_num_queries(16):
        first = client.get(f"/en/c/{campaign.slug}/")
    with django_assert_num_queries(0):
        again = client.get(f"/en/c/{campaign.slug}/")
    assert first.status_code == again.status_code == 200
    assert "Write your letter" in again.content.decode()


class PledgeKind(nextstep.ActionKind):
    """A kind of action to come, plugged in without touching campaigns/views.py."""

    name = "pledges"
    template = Template(
        '{% for item in items %}<section class="pledge"><h2>{{ item }}</h2></section>{% endfor %}'
    )
    share_heading = "Ask your friends to pledge"

    def page_items(self, campaign, *, language, forms):
        return ["Fast on Friday"]

    def offer(self, request, campaign, *, language):
        return nextstep.Offer(
            heading="Now pledge",
            title="Fast on Friday",
            title_language="en",
            url="/en/pledges/fast/",
            link_text="Pledge",
        )


@pytest.fixture
def with_pledges(monkeypatch):
    here = f"{__name__}.PledgeKind"
    monkeypatch.setattr(nextstep, "ACTION_KINDS", [*nextstep.ACTION_KINDS, here])
    nextstep.action_kinds.cache_clear()
    yield
    nextstep.action_kinds.cache_clear()


def test_a_new_kind_of_action_adds_its_section_and_is_offered_in_order(
    client, campaign, with_pledges
):
    html = client.get(f"/en/c/{campaign.slug}/").content.decode()
    assert section_classes(html) == ["petition", "letter-action", "updates", "pledge", "coalition"]
    assert "<h2>Fast on Friday</h2>" in html

    # After a letter: first the petition; once this browser has signed, the pledge.
    action = campaign.letter_actions.get()
    petition = campaign.petitions.get()

    def after_letter(browser: Client) -> str:
        form = letter_form(action, channels=("mailto",))
        response = browser.post(f"/en/letters/{action.slug}/", form)
        return browser.get(response["Location"]).content.decode()

    assert "Now sign the petition" in after_letter(client)
    post_signature(client, petition)
    page = after_letter(client)
    assert "Now pledge" in page and "Now sign the petition" not in page
