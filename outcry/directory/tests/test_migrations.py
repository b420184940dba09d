"""The directory's models moved out of letters with their rows, keys and permissions.

Each test takes the database back to before the move (letters 0008), writes
rows there through the models of that time, migrates forward as an upgrade
would, and reads them through today's models.
"""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from outcry.directory.models import AddressReport, Channel, Target, TargetList
from outcry.directory.tests.helpers import migrate
from outcry.letters.models import LetterAction
from outcry.testing import make_campaign

BEFORE = [("letters", "0008_merge_confirmation_and_list_owners")]
MOVED = ["importrun", "target", "channel", "targetlist", "zipdistrict", "addressreport"]


@pytest.fixture
def before_the_move(transactional_db):
    """The historical apps of letters 0008; the database is migrated forward again after."""
    try:
        yield migrate(BEFORE)
    finally:
        migrate(None)


def test_targets_channels_lists_and_reports_survive_the_move(before_the_move, django_user_model):
    old = before_the_move
    campaign = make_campaign()  # campaigns' tables are the same before and after
    target = old.get_model("letters", "Target").objects.create(
        name="Embassy of China in Seoul", country="KR", city="Seoul", external_id="wikidata:Q1"
    )
    channel = old.get_model("letters", "Channel").objects.create(
        target=target, kind="email", value="chinaemb_kr@mfa.gov.cn"
    )
    target_list = old.get_model("letters", "TargetList").objects.create(
        slug="prc-missions", name="PRC missions", organisation_id=campaign.lead_organisation_id
    )
    target_list.targets.add(target)
    old.get_model("letters", "AddressReport").objects.create(
        target=target, channel=channel, note="The embassy moved."
    )
    old.get_model("letters", "LetterAction").objects.create(
        campaign_id=campaign.pk, slug="write", target_list=target_list, selection="fixed"
    )
    # (The content type and auth tables are the same before and after.)
    target_type = ContentType.objects.get(app_label="letters", model="target")
    # (Models added to the directory later, e.g. targetname, keep theirs: not moved.)
    assert not ContentType.objects.filter(app_label="directory", model__in=MOVED).exists()
    # What an organiser's group was granted and what the admin logged, before.
    group = Group.objects.create(name="Reviewers")
    group.permissions.add(Permission.objects.get(content_type=target_type, codename="view_target"))
    reviewer = django_user_model.objects.create_user("reviewer", is_staff=True)
    reviewer.groups.add(group)
    LogEntry.objects.create(
        user=reviewer,
        content_type=target_type,
        object_id=str(target.pk),
        object_repr="Embassy of China in Seoul",
        action_flag=CHANGE,
    )

    migrate(None)

    moved = Target.objects.get(external_id="wikidata:Q1")
    assert moved.pk == target.pk and moved.name == "Embassy of China in Seoul"
    assert [(c.kind, c.value) for c in moved.channels.all()] == [
        ("email", "chinaemb_kr@mfa.gov.cn")
    ]
    assert Channel.objects.get().pk == channel.pk
    listed = TargetList.objects.get(slug="prc-missions")
    assert list(listed.targets.all()) == [moved]
    assert listed.organisation == campaign.lead_organisation
    report = AddressReport.objects.get()
    assert (report.target, report.channel, report.note) == (
        moved,
        Channel.objects.get(),
        "The embassy moved.",
    )
    assert LetterAction.objects.get(slug="write").target_list == listed
    # The same content type rows, relabelled: grants and the admin's log still point at them.
    assert ContentType.objects.get_for_model(Target).pk == target_type.pk
    assert not ContentType.objects.filter(app_label="letters", model__in=MOVED).exists()
    reviewer = django_user_model.objects.get(username="reviewer")
    assert reviewer.has_perm("directory.view_target")
    assert not reviewer.has_perm("letters.view_target")
    assert LogEntry.objects.get().get_edited_object() == moved


@pytest.mark.usefixtures("before_the_move")
def test_content_types_made_early_for_the_directory_are_folded_into_the_old_ones(
    django_user_model,
):
    old_type = ContentType.objects.get(app_label="letters", model="target")
    granted = Permission.objects.get(content_type=old_type, codename="change_target")
    # A post_migrate run before directory's migrations (say `migrate letters`)
    # would have made these from today's models.
    early_type = ContentType.objects.create(app_label="directory", model="target")
    early_view = Permission.objects.create(
        content_type=early_type, codename="view_target", name="Can view target"
    )
    Permission.objects.create(
        content_type=early_type, codename="change_target", name="Can change target"
    )
    user = django_user_model.objects.create_user("early", is_staff=True)
    user.user_permissions.add(early_view, granted)

    migrate(None)

    target_type = ContentType.objects.get(app_label="directory", model="target")
    assert target_type.pk == old_type.pk
    assert not ContentType.objects.filter(pk=early_type.pk).exists()
    assert Permission.objects.filter(content_type=target_type, codename="view_target").count() == 1
    assert Permission.objects.filter(codename="change_target").get().pk == granted.pk
    user = django_user_model.objects.get(username="early")
    assert user.has_perm("directory.view_target") and user.has_perm("directory.change_target")
