"""Who may change the shared directory and the target lists, and who reads the audit of it.

Regressions: an organiser of an unrelated organisation changed the Washington
embassy's email in the admin, and every organisation's letters went to them;
removing targets from a shared list silently broke another organisation's action.
"""

import html

import pytest

from outcry.core.models import AuditEvent
from outcry.directory.models import AddressReport, Channel, TargetList
from outcry.directory.testing import make_target
from outcry.directory.tests.test_admin import form_of
from outcry.testing import admin_url, logged_in_client, make_admin_world


@pytest.fixture
def world(db):
    return make_admin_world()


def channel_index(data: dict, channel: Channel) -> str:
    return next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("channels-") and key.endswith("-id") and value == str(channel.pk)
    )


def test_an_organiser_cannot_change_a_shared_embassy_email(world):
    embassy = world["directory.target"]
    email = embassy.channels.get(kind="email")
    root = logged_in_client(world["superuser"])
    data = form_of(root, admin_url(embassy))  # what a save would post
    data[f"channels-{channel_index(data, email)}-value"] = "grabbed@other.example"
    for role in ["other", "partner", "owner"]:
        client = logged_in_client(world[f"{role}_organiser"])
        page = client.get(admin_url(embassy)).content.decode()
        assert 'name="_save"' not in page and "embassy@example.org" in page
        assert client.post(admin_url(embassy), data).status_code == 403
        assert client.get(admin_url(embassy, "delete")).status_code == 403
        assert client.get(admin_url(embassy.__class__, "add")).status_code == 403
    email.refresh_from_db()
    assert email.value == "embassy@example.org"
    assert not AuditEvent.objects.filter(subject_type="target").exists()


def test_an_organiser_proposes_a_correction_and_the_superusers_change_is_read_by_its_users(world):
    embassy = world["directory.target"]
    proposer = logged_in_client(world["other_organiser"])
    response = proposer.post(
        admin_url(AddressReport, "add"),
        {"target": embassy.pk, "note": "New address: consular@example.org (embassy site)."},
    )
    assert response.status_code == 302
    proposal = AddressReport.objects.get(note__startswith="New address")
    assert proposal.reported_by == world["other_organiser"]

    root = logged_in_client(world["superuser"])
    assert "other-organiser" in root.get(admin_url(proposal)).content.decode()
    data = form_of(root, admin_url(embassy))
    email = embassy.channels.get(kind="email")
    data[f"channels-{channel_index(data, email)}-value"] = "consular@example.org"
    assert root.post(admin_url(embassy), data).status_code == 302
    event = AuditEvent.objects.get(action="channel-change")
    assert (event.subject_type, event.subject_id) == ("target", embassy.pk)
    assert event.details["changes"]["value"] == ["embassy@example.org", "consular@example.org"]

    # The owner and its partner write to this embassy: they read the change;
    # the proposer's organisation does not write to it.
    events = admin_url(AuditEvent, "changelist")
    for role, sees in [("owner", True), ("partner", True), ("other", False)]:
        listing = logged_in_client(world[f"{role}_organiser"]).get(events).content.decode()
        assert ("channel-change" in listing) is sees, role


def test_nobody_edits_or_deletes_an_audit_event_in_the_admin(world):
    event = world["core.auditevent"]
    for user in ["superuser", "owner_organiser"]:
        client = logged_in_client(world[user])
        page = client.get(admin_url(event))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.post(admin_url(event), {"action": "erased"}).status_code == 403
        assert client.post(admin_url(event, "delete"), {"post": "yes"}).status_code == 403
        client.post(
            admin_url(AuditEvent, "changelist"),
            {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
        )
    event.refresh_from_db()
    assert event.action == "export-signatures"


def list_form(client, target_list: TargetList, targets) -> dict:
    data = form_of(client, admin_url(target_list))
    data.pop("targets", None)
    return data | {"targets": [str(t.pk) for t in targets]}


def test_a_target_another_organisations_action_writes_to_cannot_be_removed_from_a_list(world):
    embassy = world["directory.target"]
    shared = TargetList.objects.create(slug="prc-missions", name="PRC missions")  # no owner
    shared.targets.add(embassy)
    action = world["letters.letteraction"]
    action.target_list = shared
    action.save()

    root = logged_in_client(world["superuser"])
    response = root.post(admin_url(shared), list_form(root, shared, []))
    assert response.status_code == 200
    assert "Another organisation's letter action writes to this list" in html.unescape(
        response.content.decode()
    )
    assert list(shared.targets.all()) == [embassy]
    # Organisers do not change a shared list at all.
    owner = logged_in_client(world["owner_organiser"])
    assert owner.post(admin_url(shared), {"name": "x"}).status_code == 403


def test_a_list_is_changed_by_its_owner_only_and_the_change_is_audited(world):
    owned = world["directory.targetlist"]
    busan = make_target(name="Consulate in Busan", country="KR")
    partner = logged_in_client(world["partner_organiser"])
    assert partner.post(admin_url(owned), {"name": "x"}).status_code == 403

    owner = logged_in_client(world["owner_organiser"])
    response = owner.post(
        admin_url(owned), list_form(owner, owned, [world["directory.target"], busan])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="target-list-change")
    assert (event.subject_type, event.subject_id) == ("targetlist", owned.pk)
    assert event.details["added"] == [[busan.pk, str(busan)]]
    listing = partner.get(admin_url(AuditEvent, "changelist")).content.decode()
    assert "target-list-change" in listing  # the partner's campaign writes to this list


def test_an_organiser_may_not_give_their_list_away_or_make_it_shared(world):
    owned = world["directory.targetlist"]
    owner = logged_in_client(world["owner_organiser"])
    data = list_form(owner, owned, [world["directory.target"]])
    data["organisation"] = str(world["other"].pk)
    assert owner.post(admin_url(owned), data).status_code == 302
    owned.refresh_from_db()
    assert owned.organisation == world["owner"]

    response = owner.post(
        admin_url(TargetList, "add"), {"name": "Shared?", "slug": "shared", "organisation": ""}
    )
    assert response.status_code == 200
    assert not TargetList.objects.filter(slug="shared").exists()
