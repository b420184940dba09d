"""The organisers' side: a lead writes and publishes updates (audited); partners read;
subscriptions show only subscribers who consented to the organiser's organisation."""

import pytest
from django.utils import timezone

from outcry.core.models import AuditEvent
from outcry.testing import (
    accept_partner,
    admin_url,
    give_consent,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
    make_supporter,
    make_update,
)
from outcry.updates.models import Subscription, Update


@pytest.fixture
def world(db):
    lead = make_organisation(name="Lead Rights")
    partner = make_organisation(name="Partner Watch")
    campaign = make_campaign(lead=lead)
    accept_partner(campaign, partner)
    return {
        "lead": lead,
        "partner": partner,
        "campaign": campaign,
        "lead_organiser": make_organiser(organisation=lead),
        "partner_organiser": make_organiser(organisation=partner),
    }


def update_form(campaign, author, *, status="draft", texts=(("en", "News", "Some **news**."),)):
    now = timezone.now()
    data = {
        "campaign": campaign.pk,
        "author_organisation": author.pk,
        "status": status,
        "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "texts-TOTAL_FORMS": str(len(texts)),
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
    }
    for n, (language, heading, body) in enumerate(texts):
        data |= {
            f"texts-{n}-language": language,
            f"texts-{n}-title": heading,
            f"texts-{n}-body": body,
        }
    return data


def test_the_lead_writes_a_draft_then_publishes_it_and_the_audit_log_says_so(client, world):
    organiser = logged_in_client(world["lead_organiser"])
    campaign = world["campaign"]
    added = organiser.post(
        admin_url(Update, "add"),
        update_form(campaign, world["lead"], texts=[("en", "News", "A"), ("ko", "소식", "가")]),
    )
    assert added.status_code == 302, added.content.decode()[:3000]
    update = Update.objects.get()
    assert update.status == "draft" and update.texts.count() == 2
    assert not AuditEvent.objects.filter(action="publish-update").exists()
    assert client.get(f"/en/c/{campaign.slug}/updates/{update.pk}/").status_code == 404

    form = update_form(campaign, world["lead"], status="published")
    form |= {"texts-INITIAL_FORMS": "0", "texts-TOTAL_FORMS": "0"}
    changed = organiser.post(admin_url(update, "change"), form)
    assert changed.status_code == 302
    update.refresh_from_db()
    assert update.status == "published"
    [event] = AuditEvent.objects.filter(action="publish-update")
    assert event.actor == world["lead_organiser"]
    assert event.subject_type == "campaign" and event.subject_id == campaign.pk
    assert client.get(f"/en/c/{campaign.slug}/updates/{update.pk}/").status_code == 200

    # The partner reads the event about the campaign it works on.
    partner = logged_in_client(world["partner_organiser"])
    events = partner.get(admin_url(AuditEvent, "changelist")).content.decode()
    assert f"update {update.pk} on {campaign.slug}" in events

    withdrawn = organiser.post(admin_url(update, "change"), form | {"status": "draft"})
    assert withdrawn.status_code == 302
    assert AuditEvent.objects.filter(action="withdraw-update").count() == 1
    organiser.post(admin_url(update, "change"), form)
    organiser.post(admin_url(update, "delete"), {"post": "yes"})
    assert not Update.objects.exists()
    assert AuditEvent.objects.filter(action="delete-update").count() == 1


def test_a_text_must_be_in_one_of_the_campaigns_languages(world):
    organiser = logged_in_client(world["lead_organiser"])
    response = organiser.post(
        admin_url(Update, "add"),
        update_form(world["campaign"], world["lead"], texts=[("zh-hans", "新闻", "内容")]),
    )
    assert response.status_code == 200
    assert "This campaign is written in: en, ko." in response.content.decode()
    assert not Update.objects.exists()


def test_an_update_is_written_only_for_a_campaign_one_leads_in_ones_own_name(world):
    other = make_organisation(name="Other Aid")
    others_campaign = make_campaign(lead=other)
    organiser = logged_in_client(world["lead_organiser"])
    for form in [
        update_form(others_campaign, world["lead"]),  # not their campaign
        update_form(world["campaign"], other),  # not their organisation
    ]:
        response = organiser.post(admin_url(Update, "add"), form)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not Update.objects.exists()


def test_a_partner_reads_the_leads_updates_and_cannot_add_one(world):
    update = make_update(campaign=world["campaign"], title="Lead news")
    partner = logged_in_client(world["partner_organiser"])
    assert "Lead news" in partner.get(admin_url(Update, "changelist")).content.decode()
    page = partner.get(admin_url(update, "change")).content.decode()
    assert 'name="_save"' not in page
    response = partner.post(
        admin_url(Update, "add"), update_form(world["campaign"], world["partner"])
    )
    assert response.status_code == 200  # the campaign is not theirs to choose
    assert Update.objects.count() == 1


def test_an_organiser_sees_only_subscribers_who_consented_to_their_organisation(world):
    campaign = world["campaign"]
    to_lead = make_supporter(email="to-lead@example.org")
    give_consent(to_lead, world["lead"])
    to_partner = make_supporter(email="to-partner@example.org")
    give_consent(to_partner, world["partner"])
    unconfirmed = make_supporter(email="unconfirmed@example.org")
    give_consent(unconfirmed, world["lead"], confirmed=False)
    nobody = make_supporter(email="nobody@example.org")
    for supporter in [to_lead, to_partner, unconfirmed, nobody]:
        Subscription.objects.create(supporter=supporter, campaign=campaign, language="en")

    def listed(user) -> set[str]:
        html = logged_in_client(user).get(admin_url(Subscription, "changelist")).content.decode()
        return {s.email for s in [to_lead, to_partner, unconfirmed, nobody] if s.email in html}

    assert listed(world["lead_organiser"]) == {"to-lead@example.org"}
    assert listed(world["partner_organiser"]) == {"to-partner@example.org"}
    subscription = Subscription.objects.get(supporter=to_lead)
    lead = logged_in_client(world["lead_organiser"])
    page = lead.get(admin_url(subscription, "change")).content.decode()
    assert 'name="_save"' not in page  # evidence: read-only
    assert lead.get(admin_url(Subscription, "add")).status_code == 403
