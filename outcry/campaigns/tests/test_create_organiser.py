"""The create_organiser command, and load_demo's organiser made through it."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from outcry.campaigns.services import ORGANISERS_GROUP
from outcry.testing import make_organisation


@pytest.fixture
def organisation(db):
    organisation = make_organisation(name="Save My Friend")
    organisation.slug = "save-my-friend"
    organisation.save()
    return organisation


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_organiser", *args, stdout=out, stderr=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    match = re.search(r"^Password: (\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_command_makes_an_organiser_who_can_sign_in_with_the_printed_password(
    client, organisation, django_user_model
):
    output = run(
        "--username", "min", "--email", "min@example.org", "--organisation", organisation.slug
    )
    assert "min is an organiser of Save My Friend." in output
    password = printed_password(output)
    assert len(password) >= 12
    user = django_user_model.objects.get(username="min")
    assert user.is_staff and not user.is_superuser
    assert user.email == "min@example.org"
    assert list(user.organisations.all()) == [organisation]
    assert list(user.groups.values_list("name", flat=True)) == [ORGANISERS_GROUP]
    assert client.login(username="min", password=password)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "Campaigns" in index.content.decode()


def test_a_given_password_is_set_and_not_printed(client, organisation):
    output = run(
        "--username", "min", "--email", "min@example.org",
        "--organisation", organisation.slug, "--password", "correct horse battery",
    )  # fmt: skip
    assert "correct horse battery" not in output and "Password:" not in output
    assert client.login(username="min", password="correct horse battery")


def test_organiser_may_do_what_organisers_do_and_nothing_more(organisation, django_user_model):
    run("--username", "min", "--email", "min@example.org", "--organisation", organisation.slug)
    user = django_user_model.objects.get(username="min")
    for allowed in [
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "petitions.add_petition",
        "petitions.view_signature",
        "supporters.view_supporter",
        "supporters.view_consent",
        "core.view_auditevent",  # what concerns their organisations (core.audit)
        "directory.add_addressreport",  # to propose a correction of a target
    ]:
        assert user.has_perm(allowed), allowed
    for refused in [
        "campaigns.delete_campaign",
        "campaigns.add_organisation",
        "petitions.delete_signature",
        "petitions.add_signature",
        "supporters.change_supporter",
        "supporters.change_consent",
        "core.view_outgoingemail",
        "core.change_auditevent",
        "core.delete_auditevent",
        "directory.change_target",  # contact details are shared: superusers change them
        "directory.change_channel",
        "directory.add_channel",
        "auth.view_user",
    ]:
        assert not user.has_perm(refused), refused


def test_permissions_added_to_the_group_by_hand_are_taken_back(organisation, django_user_model):
    run("--username", "min", "--email", "min@example.org", "--organisation", organisation.slug)
    group = Group.objects.get(name=ORGANISERS_GROUP)
    group.permissions.add(Permission.objects.get(codename="delete_campaign"))
    run("--username", "jun", "--email", "jun@example.org", "--organisation", organisation.slug)
    assert not group.permissions.filter(codename="delete_campaign").exists()
    assert not django_user_model.objects.get(username="min").has_perm("campaigns.delete_campaign")


def test_running_again_adds_an_organisation_and_keeps_the_password(client, organisation):
    first = run(
        "--username", "min", "--email", "min@example.org", "--organisation", organisation.slug
    )
    password = printed_password(first)
    other = make_organisation(name="Justice for North Korea")
    second = run(
        "--username", "min", "--email", "min@new.example.org", "--organisation", other.slug
    )
    assert "Their password is unchanged." in second and "Password:" not in second
    assert client.login(username="min", password=password)
    user = client.get("/admin/").context["user"]
    assert {org.name for org in user.organisations.all()} == {
        "Save My Friend",
        "Justice for North Korea",
    }
    assert user.email == "min@new.example.org"


def test_unknown_organisation_is_refused_with_the_known_slugs(organisation, django_user_model):
    with pytest.raises(CommandError) as refusal:
        run("--username", "min", "--email", "min@example.org", "--organisation", "nope")
    assert str(refusal.value) == (
        "No organisation has the slug “nope”. Known slugs: save-my-friend."
    )
    assert not django_user_model.objects.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--password", "short", "password: This password is too short."),
        ("--password", "password123", "password: This password is too common."),
        ("--email", "not-an-address", "email: Enter a valid email address."),
        ("--username", "has spaces", "username: Enter a valid username."),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_created(
    organisation, django_user_model, option, value, message
):
    arguments = {"--username": "min", "--email": "min@example.org", "--password": None}
    arguments[option] = value
    args = ["--organisation", organisation.slug]
    for name, given in arguments.items():
        if given is not None:
            args += [name, given]
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)
    assert not django_user_model.objects.exists()


def test_load_demo_makes_its_organiser_through_the_same_service(
    client, db, settings, tmp_path, django_user_model
):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("load_demo", stdout=out)
    password = (tmp_path / "demo_organiser_password").read_text()
    assert f"Demo organiser login: demo-organiser / {password}" in out.getvalue()
    user = django_user_model.objects.get(username="demo-organiser")
    assert user.groups.filter(name=ORGANISERS_GROUP).exists()
    assert [org.slug for org in user.organisations.all()] == ["nkfc"]

    again = StringIO()
    call_command("load_demo", stdout=again)
    assert f"Demo organiser login: demo-organiser / {password}" in again.getvalue()
    assert client.login(username="demo-organiser", password=password)
    assert client.get("/admin/campaigns/campaign/").status_code == 200


def test_load_demo_sets_a_new_password_when_its_file_is_gone(client, db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", "--quiet-login", stdout=StringIO())
    password_file = tmp_path / "demo_organiser_password"
    old = password_file.read_text()
    password_file.unlink()
    call_command("load_demo", "--quiet-login", stdout=StringIO())
    new = password_file.read_text()
    assert new != old
    assert client.login(username="demo-organiser", password=new)
