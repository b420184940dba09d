"""The admin's publishing checklist, readable choices and explained counts (issue 15)."""

import html
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from outcry.campaigns.models import Campaign
from outcry.campaigns.tests.test_admin import campaign_change_data
from outcry.directory.testing import make_target
from outcry.petitions.models import PetitionText
from outcry.testing import (
    give_consent,
    logged_in_client,
    make_campaign,
    make_letter_action,
    make_organisation,
    make_organiser,
    make_petition,
    make_signature,
    make_supporter,
    send_from_a_real_domain,
)


@pytest.fixture(autouse=True)
def sending_domain(settings):
    send_from_a_real_domain(settings)


@pytest.fixture
def alpha(db):
    return make_organisation(name="Alpha Rights")


@pytest.fixture
def client(alpha):
    return logged_in_client(make_organiser(organisation=alpha))


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def ready_draft(lead):
    campaign = make_campaign(lead=lead, status=Campaign.Status.DRAFT)
    campaign.deadline_at = timezone.now() + timedelta(days=10)
    campaign.sender_email = "noreply@outcry.example"
    campaign.save()
    make_petition(campaign=campaign)
    make_letter_action(
        campaign=campaign, targets=[make_target(channels={"email": "e@x.cn"})], channels="email"
    )
    return campaign


def publishing_data(campaign) -> dict:
    """What the change form posts to publish *campaign* as it is."""
    return campaign_change_data(
        campaign,
        status="active",
        deadline_at_0=campaign.deadline_at.strftime("%Y-%m-%d"),
        deadline_at_1=campaign.deadline_at.strftime("%H:%M:%S"),
        sender_email=campaign.sender_email,
    )


def test_setting_active_in_the_admin_refuses_with_the_checklist(client, alpha):
    campaign = make_campaign(lead=alpha, status=Campaign.Status.DRAFT)
    make_letter_action(campaign=campaign, channels="email", languages=("en",))
    refused = client.post(change_url(campaign), campaign_change_data(campaign, status="active"))
    page = text_of(refused)
    assert refused.status_code == 200
    assert "Not ready to publish:" in page
    assert "The campaign needs a deadline." in page
    assert "The campaign needs an address its emails come from (sender address)." in page
    assert "The letter needs at least one paragraph in 한국어." in page
    assert "The letter's target list is empty: choose one with offices." in page
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_a_ready_draft_is_published_and_the_admin_links_to_its_page(client, alpha):
    campaign = ready_draft(alpha)
    form = text_of(client.get(change_url(campaign)))
    assert reverse("organise:preview", args=[campaign.pk]) in form  # "View on site" of a draft
    data = publishing_data(campaign)
    accepted = client.post(change_url(campaign), data)
    assert accepted.status_code == 302, text_of(accepted)[-3000:]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    assert campaign.get_absolute_url() in text_of(client.get(change_url(campaign)))


def test_languages_are_ticked_by_name_and_stored_as_codes(client, alpha):
    campaign = make_campaign(lead=alpha, status=Campaign.Status.DRAFT)
    form = text_of(client.get(change_url(campaign)))
    assert 'type="checkbox" name="languages" value="ko"' in form
    assert "한국어" in form and "中文" in form
    data = campaign_change_data(campaign, languages=["ko", "en"])
    assert client.post(change_url(campaign), data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.languages == "en,ko"  # the order it had


def test_a_petition_text_language_is_chosen_from_the_list_and_kr_is_refused(client, alpha):
    petition = make_petition(campaign=make_campaign(lead=alpha))
    form = text_of(client.get(change_url(petition)))
    assert '<option value="ko" selected>한국어</option>' in form
    texts = list(petition.texts.order_by("pk"))
    data = {
        "campaign": petition.campaign_id,
        "slug": petition.slug,
        "goal": petition.goal,
        "is_open": "on",
        "needs_confirmation": "on",
        "shows_signers": "on",
        "texts-TOTAL_FORMS": "2",
        "texts-INITIAL_FORMS": "2",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
    }
    for n, text in enumerate(texts):
        data |= {
            f"texts-{n}-id": text.pk,
            f"texts-{n}-petition": petition.pk,
            f"texts-{n}-language": "kr" if text.language == "ko" else text.language,
            f"texts-{n}-title": text.title,
            f"texts-{n}-addressee": text.addressee,
            f"texts-{n}-text": text.text,
        }
    refused = client.post(change_url(petition), data)
    assert "Select a valid choice. kr is not one of the available choices." in text_of(refused)
    assert petition.texts.filter(language="ko").exists()


def test_the_migration_maps_kr_to_ko_unless_ko_is_taken(alpha):
    petition = make_petition(campaign=make_campaign(lead=alpha))
    PetitionText.objects.filter(petition=petition, language="ko").update(language="kr")
    other = make_petition(campaign=make_campaign(lead=alpha))
    PetitionText.objects.filter(petition=other, language="en").update(language="kr")
    migration = importlib.import_module(
        "outcry.petitions.migrations.0008_petitiontext_language_choices"
    )
    migration.map_aliases(apps, None)
    assert sorted(petition.texts.values_list("language", flat=True)) == ["en", "ko"]
    assert sorted(other.texts.values_list("language", flat=True)) == ["ko", "kr"]


def test_letter_actions_are_listed_by_title_with_labelled_channels_and_states(client, alpha):
    action = make_letter_action(campaign=make_campaign(lead=alpha), represents="CN")
    listing = text_of(client.get(reverse("admin:letters_letteraction_changelist")))
    assert "Write to the Chinese embassy" in listing
    form = text_of(client.get(change_url(action)))
    assert 'type="checkbox" name="channels" value="fax"' in form
    assert '<option value="CN" selected>China</option>' in form
    template = action.templates.get(language="en")
    page = text_of(client.get(change_url(template)))
    assert 'cols="90"' in page  # the paragraph's text in a wide box
    assert "{supporter_name}: the writer's name" in page  # the placeholders under each text


def test_the_signature_list_says_why_it_shows_fewer_than_the_petition(client, alpha):
    petition = make_petition(campaign=make_campaign(lead=alpha))
    consenting = make_supporter()
    give_consent(consenting, alpha)
    make_signature(petition=petition, supporter=consenting)
    make_signature(petition=petition)
    make_signature(petition=petition)
    page = text_of(client.get(reverse("admin:petitions_signature_changelist")))
    assert (
        "Showing 1 of 3 signatures: only supporters who agreed to hear from Alpha Rights." in page
    )


def test_a_text_deleted_in_the_save_that_publishes_keeps_the_campaign_a_draft(client, alpha):
    campaign = ready_draft(alpha)
    data = publishing_data(campaign)
    korean = [key for key, value in data.items() if key.endswith("-language") and value == "ko"]
    data[korean[0].replace("-language", "-DELETE")] = "on"
    refused = client.post(change_url(campaign), data)
    assert refused.status_code == 200
    assert "The campaign needs a title and a story in 한국어." in text_of(refused)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert set(campaign.texts.values_list("language", flat=True)) == {"en", "ko"}


def test_a_deadline_past_the_year_9999_in_utc_is_refused_not_a_500(client, alpha):
    campaign = make_campaign(lead=alpha, status=Campaign.Status.DRAFT)
    data = campaign_change_data(
        campaign,
        time_zone="America/New_York",
        deadline_at_0="9999-12-31",
        deadline_at_1="23:59:00",
    )
    refused = client.post(change_url(campaign), data)
    assert refused.status_code == 200
    assert "Enter a valid date/time." in text_of(refused)
    campaign.refresh_from_db()
    assert campaign.deadline_at is None or campaign.deadline_at.year < 9999


@pytest.mark.parametrize("odd", ["²", "٣", "9" * 30, "9" * 12, "1 ", "-1"])
def test_an_odd_petition_filter_on_the_signature_list_is_not_a_500(client, alpha, odd):
    petition = make_petition(campaign=make_campaign(lead=alpha))
    make_signature(petition=petition)
    listing = client.get(
        reverse("admin:petitions_signature_changelist"), {"petition__id__exact": odd}
    )
    assert listing.status_code in (200, 302)


@pytest.mark.parametrize("status", ["won", "lost", "closed"])
def test_a_draft_cannot_go_public_as_won_lost_or_closed_without_the_checklist(
    client, alpha, status
):
    campaign = make_campaign(lead=alpha, status=Campaign.Status.DRAFT)
    make_letter_action(campaign=campaign, channels="email", languages=("en",))
    refused = client.post(change_url(campaign), campaign_change_data(campaign, status=status))
    assert refused.status_code == 200
    assert "Not ready to publish:" in text_of(refused)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert client.get(campaign.get_absolute_url()).status_code == 404
