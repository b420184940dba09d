import html

from django.urls import reverse

from outcry.campaigns.models import Campaign
from outcry.organise.tests.conftest import letter_data, petition_data, story_data
from outcry.testing import logged_in_client


def start(client, **overrides) -> Campaign:
    response = client.post(reverse("organise:new"), story_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Campaign.objects.latest("created_at")


def test_an_organiser_builds_a_campaign_step_by_step_and_publishes_it(
    organiser_a, org_a, shared_list
):
    client = logged_in_client(organiser_a)
    assert "Start a new campaign" in client.get(reverse("organise:index")).content.decode()

    campaign = start(client)
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.lead_organisation == org_a
    assert campaign.language_codes == ["en", "ko"]
    assert campaign.slug == "stop-the-forced-return"
    assert str(campaign.local_deadline.tzinfo) == "Asia/Seoul"

    moved = client.post(reverse("organise:petition", args=[campaign.pk]), petition_data())
    assert moved["Location"] == reverse("organise:letter", args=[campaign.pk])
    moved = client.post(reverse("organise:letter", args=[campaign.pk]), letter_data(shared_list))
    assert moved["Location"] == reverse("organise:partners", args=[campaign.pk])
    action = campaign.letter_actions.get()
    assert [p.text for p in action.templates.get(language="en").paragraphs.all()] == [
        "{salutation}",
        "Please do not send them back.",
        "Thank you, {supporter_name}",
    ]
    moved = client.post(reverse("organise:partners", args=[campaign.pk]), {"go": "next"})
    assert moved["Location"] == reverse("organise:review", args=[campaign.pk])

    review = client.get(reverse("organise:review", args=[campaign.pk])).content.decode()
    assert "Everything is ready" in review
    assert client.get(campaign.get_absolute_url()).status_code == 404  # still a draft

    published = client.post(reverse("organise:review", args=[campaign.pk]))
    assert published.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    after = client.get(reverse("organise:review", args=[campaign.pk])).content.decode()
    assert "View on site" in after and campaign.get_absolute_url() in after
    assert client.get(campaign.get_absolute_url()).status_code == 200
    # A published campaign's steps lead to its review page: it is changed in the admin.
    assert client.get(reverse("organise:story", args=[campaign.pk]))["Location"] == reverse(
        "organise:review", args=[campaign.pk]
    )


def test_back_and_next_keep_what_was_typed(organiser_a, shared_list):
    client = logged_in_client(organiser_a)
    campaign = start(client)
    client.post(reverse("organise:petition", args=[campaign.pk]), petition_data(go="back"))
    story = client.get(reverse("organise:story", args=[campaign.pk])).content.decode()
    assert "강제 북송을 멈춰라" in story and "Sixty refugees face return." in story
    petition = client.get(reverse("organise:petition", args=[campaign.pk])).content.decode()
    assert "President Xi Jinping" in petition and "시진핑 주석" in petition


def test_missing_texts_and_a_past_deadline_are_explained_in_english_and_korean(organiser_a):
    client = logged_in_client(organiser_a)
    data = story_data(**{"ko-title": "", "deadline": "2020-01-01T10:00"})
    refused = client.post(reverse("organise:new"), data)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Write the title in 한국어, or untick it." in page
    assert "Choose a deadline in the future." in page
    refused = client.post("/ko" + reverse("organise:new")[3:], data)
    page = refused.content.decode()
    assert "미래의 마감 일시를 고르세요." in page
    assert not Campaign.objects.exists()


def test_the_letter_step_lists_the_placeholders_and_readable_choices(organiser_a, shared_list):
    client = logged_in_client(organiser_a)
    campaign = start(client)
    page = html.unescape(
        client.get(reverse("organise:letter", args=[campaign.pk])).content.decode()
    )
    assert "{supporter_name}" in page and "the writer's name" in page
    assert ">China</option>" in page  # the sending state by name, not "CN"
    assert "China's missions (1 offices)" in page
    assert "Fax: sent by this site in the writer's name" in page


def test_publishing_refuses_with_the_checklist_until_ready(organiser_a, shared_list):
    client = logged_in_client(organiser_a)
    campaign = start(client)
    refused = client.post(reverse("organise:review", args=[campaign.pk]))
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "The petition needs a title, an addressee and a text in English, 한국어." in page
    assert "The campaign needs an address its emails come from (sender address)." in page
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_the_preview_shows_the_page_with_a_banner_and_forms_off(organiser_a, shared_list):
    client = logged_in_client(organiser_a)
    campaign = start(client)
    client.post(reverse("organise:petition", args=[campaign.pk]), petition_data())
    client.post(reverse("organise:letter", args=[campaign.pk]), letter_data(shared_list))
    preview = client.get(reverse("organise:preview", args=[campaign.pk]))
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    assert preview["X-Robots-Tag"] == "noindex, nofollow"
    page = preview.content.decode()
    assert "Preview — not public" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "Stop the forced return" in page and "Protect the refugees" in page
    assert "Write to the Chinese embassy" in page
    assert "<form inert" in page and "<form method" not in page
    korean = client.get("/ko" + reverse("organise:preview", args=[campaign.pk])[3:])
    assert "강제 북송을 멈춰라" in korean.content.decode()
    assert "미리 보기" in korean.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
