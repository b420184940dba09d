"""Isolation between organisations, for every model registered in the admin.

``make_admin_world`` gives one row of each model belonging to Owner Rights (its
campaign, petition, signer, letter action, list, …), a partner organisation that
accepted its invitation, and an unrelated organisation. For each model and each
of (the unrelated organisation's organiser, the partner's organiser), RULES
says what they may do with Owner Rights' row:

- ``NONE``: not in the list, not in its filters, no change / history / delete
  page, no bulk action, no autocomplete result;
- ``READ``: in the list and its change page, but nothing saves or deletes it.

Nobody but Owner Rights' organisers (and superusers) ever changes the row.
A model registered later without a rule here fails
``test_every_registered_model_has_a_rule``.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from outcry.directory.models import TargetList
from outcry.letters.models import Delivery, LetterAction
from outcry.testing import admin_url, logged_in_client, make_admin_world

NONE, READ = "none", "read"

# label: (unrelated organisation's organiser, partner organisation's organiser)
RULES = {
    "auth.user": (NONE, NONE),
    "auth.group": (NONE, NONE),
    # Sign-in records and second-factor devices (secrets): superusers only.
    "axes.accessattempt": (NONE, NONE),
    "axes.accessfailurelog": (NONE, NONE),
    "axes.accesslog": (NONE, NONE),
    "otp_static.staticdevice": (NONE, NONE),
    "otp_totp.totpdevice": (NONE, NONE),
    "django_tasks_database.dbtaskresult": (NONE, NONE),
    "core.outgoingemail": (NONE, NONE),
    # Owner Rights' own events (an export); events about shared rows: see below.
    "core.auditevent": (NONE, NONE),
    "campaigns.organisation": (NONE, NONE),
    "campaigns.campaign": (NONE, READ),
    "campaigns.partnerinvitation": (NONE, READ),
    # Consent decides: the signer consented to Owner Rights only.
    "supporters.supporter": (NONE, NONE),
    "supporters.consent": (NONE, NONE),
    "petitions.petition": (NONE, READ),
    "petitions.signature": (NONE, NONE),
    # The shared directory: everyone reads it, superusers change it.
    "directory.target": (READ, READ),
    "directory.importrun": (READ, READ),
    "directory.zipdistrict": (READ, READ),
    "directory.addressreport": (READ, READ),
    # Owner Rights' own list: the partner reads it (its campaign writes to it).
    "directory.targetlist": (NONE, READ),
    "letters.letteraction": (NONE, READ),
    "letters.lettertemplate": (NONE, READ),
    # A letter carries its writer's words: the lead delivers it, partners see counts.
    "letters.letter": (NONE, NONE),
    "letters.delivery": (NONE, NONE),
    # The lead writes updates and press items; the partner reads them.
    "updates.update": (NONE, READ),
    "updates.pressitem": (NONE, READ),
    # Consent decides, as for signatures.
    "updates.subscription": (NONE, NONE),
    # An organisation's mailings go to its own consenting supporters: nobody else's business.
    "mailings.mailing": (NONE, NONE),
    # An event is its organisation's (here the lead's): partners read it, as a day of action.
    "events.event": (NONE, READ),
    "events.dayofaction": (NONE, READ),
    # A pledge is the lead's, like an update: partners read it (and its counts only).
    "pledges.pledge": (NONE, READ),
    # A case's public part: the lead writes it, partners read it (the protected record is
    # an inline only the lead's organisers get: cases/tests/test_privacy_tiers.py).
    "cases.case": (NONE, READ),
    "cases.statuschange": (NONE, READ),
}
ROLES = ["other", "partner"]


def label(model) -> str:
    return model._meta.label_lower


def registered_labels() -> list[str]:
    return sorted(label(model) for model in admin.site._registry)


def snapshot(obj) -> list[dict]:
    """The row as stored, to compare before and after a refused request."""
    return list(type(obj)._default_manager.filter(pk=obj.pk).values())


def test_every_registered_model_has_a_rule():
    assert registered_labels() == sorted(RULES)


@pytest.fixture
def world(db):
    return make_admin_world()


@pytest.mark.parametrize("model_label", sorted(RULES))
def test_another_organisation_and_a_partner_get_only_what_the_rule_allows(world, model_label):
    model = next(m for m in admin.site._registry if label(m) == model_label)
    obj = world.get(model_label)
    change = admin_url(obj, "change") if obj else None
    changelist = admin_url(model, "changelist")

    # Control: the superuser sees the row, so "not listed" below means hidden.
    root = logged_in_client(world["superuser"])
    if obj is not None:
        assert change in root.get(changelist).content.decode()

    for role, rule in zip(ROLES, RULES[model_label], strict=True):
        client = logged_in_client(world[f"{role}_organiser"])
        listing = client.get(changelist)
        assert listing.status_code in {200, 403}, (role, listing.status_code)
        if obj is None:
            assert rule == NONE and listing.status_code == 403
            continue
        before = snapshot(obj)
        listed = listing.status_code == 200 and change in listing.content.decode()
        page = client.get(change)
        if rule == READ:
            assert listed, f"{role} should see {model_label} in the list"
            assert page.status_code == 200
            assert 'name="_save"' not in page.content.decode(), f"{role} may save {model_label}"
        else:
            assert not listed, f"{role} sees {model_label} in the list"
            assert page.status_code in {302, 403, 404}, (role, page.status_code)
            assert client.get(admin_url(obj, "history")).status_code in {302, 403, 404}
        # Saving, deleting and bulk deleting are refused, whatever the rule.
        assert client.post(change, {"name": "Hijacked"}).status_code in {302, 403, 404}
        assert client.get(admin_url(obj, "delete")).status_code in {302, 403, 404}
        assert client.post(admin_url(obj, "delete"), {"post": "yes"}).status_code in {
            302,
            403,
            404,
        }
        client.post(
            changelist,
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert snapshot(obj) == before, f"{role} changed {model_label}"


@pytest.mark.parametrize("role", ROLES)
def test_no_autocomplete_or_list_filter_shows_a_row_the_rule_hides(world, role):
    """Every relation of every registered model, through /admin/autocomplete/."""
    client = logged_in_client(world[f"{role}_organiser"])
    hidden = {
        model_label: world[model_label].pk
        for model_label, rules in RULES.items()
        if rules[ROLES.index(role)] == NONE and model_label in world
    }
    checked = 0
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            if field.related_model not in admin.site._registry:
                continue
            response = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field.name,
                    "term": "",
                },
            )
            assert response.status_code in {200, 403}, (label(model), field.name)
            if response.status_code != 200:
                continue
            checked += 1
            ids = {result["id"] for result in response.json()["results"]}
            hidden_pk = hidden.get(label(field.related_model))
            assert str(hidden_pk) not in ids, (label(model), field.name)
    assert checked  # at least the directory's target autocomplete answers


@pytest.mark.parametrize("role", ROLES)
def test_exports_prints_and_retries_of_the_owner_are_refused(world, role):
    client = logged_in_client(world[f"{role}_organiser"])
    petition = world["petitions.petition"]
    export = reverse("admin:petitions_petition_export", args=[petition.pk])
    response = client.post(export)
    if role == "other":
        assert response.status_code == 404
    else:
        # The partner exports, but only signers who consented to it: none here.
        body = b"".join(response.streaming_content).decode()
        assert "owner-only@example.org" not in body

    deliveries = Delivery.objects.filter(letter=world["letters.letter"])
    before = sorted(deliveries.values_list("pk", "status"))
    changelist = admin_url(Delivery, "changelist")
    for action in ["print_post_letters", "queue_again"]:
        response = client.post(
            changelist,
            {"action": action, "_selected_action": [d.pk for d in deliveries]},
        )
        assert response.get("Content-Type") != "application/pdf"
    assert sorted(deliveries.values_list("pk", "status")) == before


@pytest.mark.parametrize("role", ROLES)
def test_no_organiser_points_their_rows_at_the_owners_through_a_foreign_key(world, role):
    """A letter action at Owner Rights' list, a petition in its campaign, a list in its name."""
    organiser = world[f"{role}_organiser"]
    client = logged_in_client(organiser)
    own_campaign = world[role].led_campaigns.get() if role == "other" else None
    owner_list: TargetList = world["directory.targetlist"]

    add_action = client.get(admin_url(LetterAction, "add")).content.decode()
    assert f'value="{owner_list.pk}"' not in add_action
    if own_campaign is not None:
        response = client.post(
            admin_url(LetterAction, "add"),
            {
                "campaign": own_campaign.pk,
                "slug": "borrowed-list",
                "target_list": owner_list.pk,
                "selection": "fixed",
                "channels": "email",
                "is_open": "on",
                "templates-TOTAL_FORMS": "0",
                "templates-INITIAL_FORMS": "0",
                "templates-MIN_NUM_FORMS": "0",
                "templates-MAX_NUM_FORMS": "1000",
            },
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not LetterAction.objects.filter(slug="borrowed-list").exists()

    petition_form = {"campaign": world["campaign"].pk, "slug": "borrowed", "goal": "10"}
    client.post(admin_url(world["petitions.petition"], "add"), petition_form)
    assert not type(world["petitions.petition"]).objects.filter(slug="borrowed").exists()

    client.post(
        admin_url(TargetList, "add"),
        {"name": "Not theirs", "slug": "not-theirs", "organisation": world["owner"].pk},
    )
    assert not TargetList.objects.filter(slug="not-theirs").exists()
