"""The admin as organisers of different organisations see it."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from outcry.campaigns.models import Campaign
from outcry.campaigns.services import ORGANISER_PERMISSIONS, ORGANISERS_GROUP
from outcry.core.models import AuditEvent, OutgoingEmail
from outcry.testing import (
    give_consent,
    make_campaign,
    make_organiser,
    make_petition,
    make_signature,
    make_supporter,
)


@pytest.fixture
def client_a(client, organiser_a):
    client.force_login(organiser_a)
    return client


@pytest.fixture
def campaign_a(org_a):
    return make_campaign(lead=org_a, title="Alpha campaign")


@pytest.fixture
def campaign_b(org_b):
    return make_campaign(lead=org_b, title="Beta campaign")


def admin_url(model: str, action: str = "changelist", *args) -> str:
    app = {
        "organisation": "campaigns",
        "campaign": "campaigns",
        "petition": "petitions",
        "signature": "petitions",
        "supporter": "supporters",
        "consent": "supporters",
        "outgoingemail": "core",
        "auditevent": "core",
    }[model]
    return reverse(f"admin:{app}_{model}_{action}", args=args)


def page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def select_options(html: str, name: str) -> str:
    """The HTML of the <select> named *name* (its options)."""
    match = re.search(rf'<select name="{name}".*?</select>', html, re.DOTALL)
    assert match, f"no select named {name}"
    return match.group(0)


def test_organiser_sees_only_campaigns_of_their_organisation(client_a, campaign_a, campaign_b):
    listing = page(client_a, admin_url("campaign"))
    assert "Alpha campaign" in listing
    assert "Beta campaign" not in listing
    assert client_a.get(admin_url("campaign", "change", campaign_a.pk)).status_code == 200
    other = client_a.get(admin_url("campaign", "change", campaign_b.pk), follow=True)
    assert "Beta campaign" not in other.content.decode()
    assert "doesn\u2019t exist" in other.content.decode()


def test_organiser_sees_campaigns_their_organisation_partners_in(client_a, org_a, org_b):
    make_campaign(lead=org_b, partners=[org_a], title="Shared campaign")
    assert "Shared campaign" in page(client_a, admin_url("campaign"))


def test_organiser_starts_campaigns_only_for_their_organisation_but_invites_any_partner(
    client_a, org_a, org_b
):
    form = page(client_a, admin_url("campaign", "add"))
    lead_choices = select_options(form, "lead_organisation")
    assert "Alpha Rights" in lead_choices and "Beta Watch" not in lead_choices
    assert "Beta Watch" in select_options(form, "invitations-__prefix__-organisation")

    data = {
        "slug": "new-campaign",
        "status": Campaign.Status.DRAFT,
        "languages": "en,ko",
        "time_zone": "UTC",
        "partners": [org_b.pk],  # ignored: a partner joins only by accepting
        "invitations-TOTAL_FORMS": "1",
        "invitations-INITIAL_FORMS": "0",
        "invitations-MIN_NUM_FORMS": "0",
        "invitations-MAX_NUM_FORMS": "1000",
        "invitations-0-organisation": org_b.pk,
        "texts-TOTAL_FORMS": "1",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "texts-0-language": "ko",
        "texts-0-title": "새 캠페인",
        "texts-0-summary": "",
        "texts-0-story": "이야기",
    }
    refused = client_a.post(admin_url("campaign", "add"), {**data, "lead_organisation": org_b.pk})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert not Campaign.objects.filter(slug="new-campaign").exists()

    created = client_a.post(admin_url("campaign", "add"), {**data, "lead_organisation": org_a.pk})
    assert created.status_code == 302
    campaign = Campaign.objects.get(slug="new-campaign")
    assert campaign.lead_organisation == org_a
    assert list(campaign.partners.all()) == []  # invited, not yet a partner
    assert [(i.organisation, i.status) for i in campaign.invitations.all()] == [(org_b, "pending")]
    assert str(campaign) == "새 캠페인"


def campaign_change_data(campaign: Campaign, **fields) -> dict:
    """What the campaign's change form posts when saved as it is, with *fields* changed."""
    texts = list(campaign.texts.order_by("pk"))
    data = {
        "slug": campaign.slug,
        "status": campaign.status,
        "languages": campaign.languages,
        "time_zone": campaign.time_zone,
        "texts-TOTAL_FORMS": str(len(texts)),
        "texts-INITIAL_FORMS": str(len(texts)),
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": str(campaign.invitations.count()),
        "invitations-MIN_NUM_FORMS": "0",
        "invitations-MAX_NUM_FORMS": "1000",
    }
    for n, text in enumerate(texts):
        data |= {
            f"texts-{n}-id": text.pk,
            f"texts-{n}-campaign": campaign.pk,
            f"texts-{n}-language": text.language,
            f"texts-{n}-title": text.title,
            f"texts-{n}-summary": text.summary,
            f"texts-{n}-story": text.story,
        }
    return data | fields


def test_the_deadline_is_entered_and_listed_on_the_campaigns_clock(client_a, campaign_a):
    campaign_a.time_zone = "Asia/Seoul"
    campaign_a.deadline_at = datetime(2026, 12, 10, 14, 59, tzinfo=UTC)
    campaign_a.save()
    form = page(client_a, admin_url("campaign", "change", campaign_a.pk))
    assert 'name="deadline_at_0" value="2026-12-10"' in form
    assert 'name="deadline_at_1" value="23:59:00"' in form

    # A new deadline typed with a new zone is on that zone's clock.
    data = campaign_change_data(
        campaign_a,
        time_zone="America/New_York",
        deadline_at_0="2026-12-20",
        deadline_at_1="18:00",
    )
    assert client_a.post(admin_url("campaign", "change", campaign_a.pk), data).status_code == 302
    campaign_a.refresh_from_db()
    assert campaign_a.deadline_at == datetime(2026, 12, 20, 23, 0, tzinfo=UTC)
    assert "Dec. 20, 2026, 6 p.m. EST" in page(client_a, admin_url("campaign"))


def test_an_unknown_time_zone_is_refused_with_a_message(client_a, campaign_a):
    data = campaign_change_data(campaign_a, time_zone="Mars/Olympus_Mons")
    response = client_a.post(admin_url("campaign", "change", campaign_a.pk), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    campaign_a.refresh_from_db()
    assert campaign_a.time_zone == "UTC"


def test_organiser_cannot_hand_their_campaign_to_another_lead(client_a, campaign_a, org_b):
    form = page(client_a, admin_url("campaign", "change", campaign_a.pk))
    assert 'name="lead_organisation"' not in form
    data = campaign_change_data(campaign_a, lead_organisation=org_b.pk)
    response = client_a.post(admin_url("campaign", "change", campaign_a.pk), data)
    assert response.status_code == 302
    campaign_a.refresh_from_db()
    assert campaign_a.lead_organisation.name == "Alpha Rights"


def test_organiser_sees_only_supporters_with_confirmed_consent_to_their_organisation(
    client_a, org_a, org_b
):
    visible = make_supporter(email="visible@example.org", consents_to=[org_a])
    only_b = make_supporter(email="only-b@example.org", consents_to=[org_b])
    make_supporter(email="unconfirmed@example.org", consents_to=[org_a], consent_confirmed=False)
    withdrawn = make_supporter(email="withdrawn@example.org", consents_to=[org_a])
    withdrawn.consents.update(withdrawn_at=visible.created_at)
    make_supporter(email="nobody@example.org")

    listing = page(client_a, admin_url("supporter"))
    assert "visible@example.org" in listing
    for hidden in ["only-b@", "unconfirmed@", "withdrawn@", "nobody@"]:
        assert hidden not in listing
    assert "only-b@" not in page(client_a, admin_url("supporter"), q="only-b")
    assert "unconfirmed@" not in page(client_a, admin_url("supporter"), q="unconfirmed")
    assert page(client_a, admin_url("supporter", "change", visible.pk))
    other = client_a.get(admin_url("supporter", "change", only_b.pk), follow=True)
    assert "only-b@" not in other.content.decode()
    # A filter the admin does not offer cannot be smuggled in through the URL.
    sneaky = client_a.get(admin_url("supporter"), {"consents__organisation__id__exact": org_b.pk})
    assert sneaky.status_code == 400


def test_supporter_page_shows_only_consents_to_the_organisers_own_organisations(
    client_a, org_a, org_b
):
    supporter = make_supporter(email="both@example.org", consents_to=[org_a, org_b])
    detail = page(client_a, admin_url("supporter", "change", supporter.pk))
    assert "Yes, Alpha Rights may email me." in detail
    assert "Beta Watch" not in detail
    assert 'name="_save"' not in detail

    consents = page(client_a, admin_url("consent"))
    assert "Alpha Rights" in consents and "Beta Watch" not in consents


def test_signatures_show_personal_data_only_of_consenting_signers_but_count_everyone(
    client_a, campaign_a, org_a, org_b
):
    petition = make_petition(campaign=campaign_a)
    make_signature(petition=petition, email="agreed@example.org", consents_to=[org_a])
    only_b = make_signature(petition=petition, email="only-b@example.org", consents_to=[org_b])
    make_signature(petition=petition, email="silent@example.org")
    make_signature(petition=petition, email="pending@example.org", confirmed=False)

    signatures = page(client_a, admin_url("signature"))
    assert "agreed@example.org" in signatures
    assert "only-b@" not in signatures and "silent@" not in signatures
    assert "only-b@" not in page(client_a, admin_url("signature"), q="only-b")
    assert client_a.get(admin_url("signature", "change", only_b.pk)).status_code == 302

    petitions = page(client_a, admin_url("petition"))
    assert '<td class="field-confirmed_signatures">3</td>' in petitions
    assert '<td class="field-pending_signatures">1</td>' in petitions


def test_autocomplete_offers_only_supporters_the_organiser_may_see(client_a, org_a, org_b):
    make_supporter(email="agreed@example.org", consents_to=[org_a])
    make_supporter(email="only-b@example.org", consents_to=[org_b])
    response = client_a.get(
        reverse("admin:autocomplete"),
        {"app_label": "petitions", "model_name": "signature", "field_name": "supporter"},
    )
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    assert len(texts) == 1 and "agreed@example.org" in texts[0]


def test_organiser_sees_only_petitions_of_their_campaigns(client_a, campaign_a, campaign_b):
    own = make_petition(campaign=campaign_a)
    other = make_petition(campaign=campaign_b)
    listing = page(client_a, admin_url("petition"))
    choices = select_options(page(client_a, admin_url("petition", "add")), "campaign")
    assert "Alpha campaign" in choices and "Beta campaign" not in choices
    assert admin_url("petition", "change", own.pk) in listing
    assert admin_url("petition", "change", other.pk) not in listing
    assert client_a.get(admin_url("petition", "change", other.pk)).status_code == 302


def test_organiser_sees_their_own_organisation_but_not_other_organisations_members(
    client_a, org_a, org_b, organiser_b
):
    listing = page(client_a, admin_url("organisation"))
    assert "Alpha Rights" in listing and "Beta Watch" not in listing
    own = page(client_a, admin_url("organisation", "change", org_a.pk))
    assert "alpha-organiser" in own
    assert "beta-organiser" not in own
    assert 'name="members"' not in own
    assert client_a.get(admin_url("organisation", "change", org_b.pk)).status_code == 302


def test_email_ledger_is_for_superusers_and_the_audit_log_shows_organisers_their_own(
    client_a, admin_client, org_a, org_b
):
    OutgoingEmail.objects.create(idempotency_key="k", to_address="secret@example.org", purpose="x")
    AuditEvent.objects.create(actor_username="someone", action="export-signatures")
    AuditEvent.objects.create(actor_username="beta-person", action="x", organisation=org_b)
    AuditEvent.objects.create(actor_username="alpha-person", action="x", organisation=org_a)
    index = page(client_a, reverse("admin:index"))
    assert "Outgoing emails" not in index and "Audit events" in index
    assert client_a.get(admin_url("outgoingemail")).status_code == 403
    own = page(client_a, admin_url("auditevent"))
    assert "alpha-person" in own and "beta-person" not in own and "someone" not in own
    for model in ["outgoingemail", "auditevent"]:
        assert admin_client.get(admin_url(model)).status_code == 200
    assert "secret@example.org" in page(admin_client, admin_url("outgoingemail"))
    assert admin_client.get(admin_url("auditevent", "add")).status_code == 403


def test_superuser_sees_every_campaign_and_supporter(admin_client, campaign_a, campaign_b, org_b):
    make_supporter(email="only-b@example.org", consents_to=[org_b])
    make_supporter(email="nobody@example.org")
    campaigns = page(admin_client, admin_url("campaign"))
    assert "Alpha campaign" in campaigns and "Beta campaign" in campaigns
    supporters = page(admin_client, admin_url("supporter"))
    assert "only-b@" in supporters and "nobody@" in supporters


def test_an_organiser_of_two_organisations_sees_both(client, org_a, org_b, campaign_a, campaign_b):
    organiser = make_organiser(organisation=org_a, username="both-organiser")
    org_b.members.add(organiser)
    client.force_login(organiser)
    make_supporter(email="only-b@example.org", consents_to=[org_b])
    give_consent(make_supporter(email="late@example.org"), org_a)
    campaigns = page(client, admin_url("campaign"))
    assert "Alpha campaign" in campaigns and "Beta campaign" in campaigns
    supporters = page(client, admin_url("supporter"))
    assert "only-b@" in supporters and "late@" in supporters


def test_an_organisation_gets_one_name_per_language_with_a_message_for_a_second(
    admin_client, org_a
):
    client_a = admin_client  # only a superuser names an organisation
    url = admin_url("organisation", "change", org_a.pk)
    data = {
        "name": org_a.name,
        "slug": org_a.slug,
        "website": "",
        "privacy_url": "",
        "names-TOTAL_FORMS": "2",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "1000",
        "names-0-language": "ko",
        "names-0-name": "알파 인권",
        "names-1-language": "ko",
        "names-1-name": "또 다른 이름",
    }
    refused = client_a.post(url, data)
    assert refused.status_code == 200
    assert "Please correct the duplicate data for language" in refused.content.decode()
    assert not org_a.names.exists()

    data |= {"names-TOTAL_FORMS": "1"}
    assert client_a.post(url, data).status_code == 302
    assert org_a.name_in("ko") == "알파 인권"
    assert org_a.name_in("en") == "Alpha Rights"


def test_an_organiser_reads_their_organisations_names_and_cannot_change_them(client_a, org_a):
    org_a.names.create(language="ko", name="알파 인권")
    url = admin_url("organisation", "change", org_a.pk)
    form = page(client_a, url)
    assert "알파 인권" in form and 'name="names-0-name"' not in form
    assert 'name="name"' not in form
    answer = client_a.post(
        url,
        {
            "name": "Beta Rights",
            "website": "https://alpha.example.org/",
            "privacy_url": "",
            "names-TOTAL_FORMS": "1",
            "names-INITIAL_FORMS": "0",
            "names-MIN_NUM_FORMS": "0",
            "names-MAX_NUM_FORMS": "1000",
            "names-0-language": "en",
            "names-0-name": "Beta Rights",
        },
    )
    assert answer.status_code == 302
    org_a.refresh_from_db()
    assert org_a.website == "https://alpha.example.org/"  # what they may change, changed
    assert org_a.name == "Alpha Rights"
    assert org_a.name_in("en") == "Alpha Rights" and org_a.name_in("ko") == "알파 인권"


def test_migrate_brings_an_existing_organisers_group_up_to_date(organiser_a):
    group = Group.objects.get(name=ORGANISERS_GROUP)
    # As an install from before names in other languages had them.
    group.permissions.remove(*group.permissions.filter(codename__endswith="organisationname"))
    assert not organiser_a.__class__.objects.get(pk=organiser_a.pk).has_perm(
        "campaigns.add_organisationname"
    )
    call_command("migrate", verbosity=0)
    held = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    assert held == ORGANISER_PERMISSIONS
