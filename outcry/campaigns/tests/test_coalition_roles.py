"""In a coalition the lead organisation changes a campaign; partners see it read-only.

Campaign A is led by Alpha Rights with Beta Watch as a partner. Each test posts
the form as the lead's organiser would save it, so a refusal for the partner
means the partner was refused, not that the form was incomplete.
"""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from outcry.campaigns.models import Campaign
from outcry.letters.models import LetterTemplate
from outcry.testing import (
    make_campaign,
    make_letter_action,
    make_organisation,
    make_organiser,
    make_petition,
    make_signature,
)


class _FormReader(HTMLParser):
    """Collect what the admin's change form would post if saved as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" not in attrs:
                    return
                attrs.setdefault("value", "on")  # what a browser sends for a bare checkbox
            self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data.removeprefix("\n")


def saved_as_is(client: Client, url: str, **changes: str) -> dict[str, list[str]]:
    """The change form at *url* as *client* would post it unchanged, with *changes* applied."""
    response = client.get(url)
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    data = {name: values for name, values in reader.data.items() if name != "csrfmiddlewaretoken"}
    return data | {name: [value] for name, value in changes.items()}


def logged_in(organisation) -> Client:
    client = Client()
    client.force_login(make_organiser(organisation=organisation))
    return client


@pytest.fixture
def alpha(db):
    return make_organisation(name="Alpha Rights")


@pytest.fixture
def beta(db):
    return make_organisation(name="Beta Watch")


@pytest.fixture
def lead(alpha) -> Client:
    return logged_in(alpha)


@pytest.fixture
def partner(beta) -> Client:
    return logged_in(beta)


@pytest.fixture
def campaign(alpha, beta):
    return make_campaign(lead=alpha, partners=[beta], title="Shared campaign")


def change_url(model: str, obj) -> str:
    app = {"campaign": "campaigns", "petition": "petitions"}.get(model, "letters")
    return reverse(f"admin:{app}_{model}_change", args=[obj.pk])


def test_a_partner_sees_the_campaign_read_only_and_cannot_change_it(lead, partner, campaign):
    url = change_url("campaign", campaign)
    assert "Shared campaign" in partner.get(reverse("admin:campaigns_campaign_changelist")).text
    page = partner.get(url).text
    assert "Shared campaign" in page and "The **story**." in page
    assert 'name="_save"' not in page
    assert 'name="status"' not in page and 'name="texts-0-story"' not in page

    takeover = saved_as_is(
        lead, url, status=Campaign.Status.CLOSED, time_zone="Asia/Seoul", **{"texts-0-story": "X"}
    )
    takeover["partners"] = [str(campaign.lead_organisation_id)]
    assert partner.post(url, takeover).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    assert campaign.time_zone == "UTC"
    assert campaign.texts.get(language="en").story == "The **story**."
    assert [org.name for org in campaign.partners.all()] == ["Beta Watch"]

    # The same form from the lead's organiser is saved: the partner's refusal was the rule.
    assert lead.post(url, takeover).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    assert campaign.texts.get(language="en").story == "X"


def test_a_partner_sees_the_petitions_read_only_and_cannot_add_one(lead, partner, campaign, beta):
    petition = make_petition(campaign=campaign, goal=1000)
    url = change_url("petition", petition)
    assert url in partner.get(reverse("admin:petitions_petition_changelist")).text
    page = partner.get(url).text
    assert "Protect the refugees" in page
    assert 'name="_save"' not in page and 'name="goal"' not in page

    changed = saved_as_is(lead, url, goal="5", is_open="", **{"texts-0-title": "Something else"})
    changed.pop("is_open")
    assert partner.post(url, changed).status_code == 403
    petition.refresh_from_db()
    assert petition.goal == 1000 and petition.is_open
    assert petition.texts.get(language="en").title == "Protect the refugees"

    add_url = reverse("admin:petitions_petition_add")
    assert "Shared campaign" not in partner.get(add_url).text
    new = saved_as_is(lead, add_url, campaign=str(campaign.pk), slug="partner-petition")
    refused = partner.post(add_url, new)
    assert refused.status_code == 200 and "Select a valid choice" in refused.text
    assert not campaign.petitions.filter(slug="partner-petition").exists()

    assert lead.post(url, changed).status_code == 302
    petition.refresh_from_db()
    assert petition.goal == 5 and not petition.is_open


def test_a_partner_still_exports_the_signers_who_consented_to_it(partner, campaign, alpha, beta):
    petition = make_petition(campaign=campaign)
    make_signature(petition=petition, email="beta-fan@example.org", consents_to=[beta])
    make_signature(petition=petition, email="alpha-fan@example.org", consents_to=[alpha])
    export_url = reverse("admin:petitions_petition_export", args=[petition.pk])
    assert f'href="{export_url}"' in partner.get(change_url("petition", petition)).text
    response = partner.post(export_url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "beta-fan@example.org" in body and "alpha-fan@example.org" not in body


def test_a_partner_sees_the_letter_actions_read_only(lead, partner, campaign):
    action = make_letter_action(campaign=campaign)
    template = action.templates.get(language="en")
    action_url, template_url = (
        change_url("letteraction", action),
        change_url("lettertemplate", template),
    )
    for url in [action_url, template_url]:
        page = partner.get(url).text
        assert 'name="_save"' not in page and 'name="slug"' not in page

    closed = saved_as_is(lead, action_url)
    closed.pop("is_open")
    reworded = saved_as_is(lead, template_url, subject="Never mind", **{"paragraphs-0-text": "Hi"})
    assert partner.post(action_url, closed).status_code == 403
    assert partner.post(template_url, reworded).status_code == 403
    action.refresh_from_db()
    template.refresh_from_db()
    assert action.is_open
    assert template.subject == "Do not send the refugees back"
    assert "Hi" not in template.paragraphs.values_list("text", flat=True)

    # Neither the delete page nor the list's delete action lets a partner remove a template.
    delete_url = reverse("admin:letters_lettertemplate_delete", args=[template.pk])
    assert partner.get(delete_url).status_code == 403
    assert partner.post(delete_url, {"post": "yes"}).status_code == 403
    partner.post(
        reverse("admin:letters_lettertemplate_changelist"),
        {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"},
    )
    assert LetterTemplate.objects.filter(pk=template.pk).exists()
    add_page = partner.get(reverse("admin:letters_letteraction_add")).text
    assert "Shared campaign" not in add_page

    assert lead.post(action_url, closed).status_code == 302
    assert lead.post(template_url, reworded).status_code == 302
    action.refresh_from_db()
    template.refresh_from_db()
    assert not action.is_open and template.subject == "Never mind"
    assert lead.get(delete_url).status_code == 200


def test_an_organiser_in_both_organisations_changes_as_the_lead(client, campaign, alpha, beta):
    organiser = make_organiser(organisation=beta)
    alpha.members.add(organiser)
    client.force_login(organiser)
    assert 'name="_save"' in client.get(change_url("campaign", campaign)).text


def test_a_superuser_changes_any_campaign_and_its_petitions(admin_client, campaign):
    petition = make_petition(campaign=campaign)
    url = change_url("petition", petition)
    assert 'name="_save"' in admin_client.get(change_url("campaign", campaign)).text
    assert admin_client.post(url, saved_as_is(admin_client, url, goal="7")).status_code == 302
    petition.refresh_from_db()
    assert petition.goal == 7
