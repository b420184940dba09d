"""A stranger typing someone's address into the letter composer (security issue 8).

Found by attacking the merged security work: each test here failed before its fix.
"""

from django.test import Client

from outcry.directory.models import Target
from outcry.directory.testing import make_target
from outcry.letters import confirmation
from outcry.letters.models import Delivery, Letter
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_admin_world,
    make_letter_action,
    post_letter,
)


def test_the_per_address_limit_does_not_tell_a_stranger_that_someone_wrote(db, settings):
    """Letters by mailto email nobody: the limit alone would tell, silently, who wrote."""
    settings.RATELIMIT_LETTER_PER_EMAIL = 3
    embassy = make_target(name="Embassy in Seoul", channels={"email": "embassy@example.org"})
    action = make_letter_action(targets=[embassy])

    victim = Client(REMOTE_ADDR="192.0.2.10")
    assert post_letter(victim, action, email="victim@example.org").status_code == 302

    def answers(email: str) -> list[int]:
        stranger = Client(REMOTE_ADDR="198.51.100.20")
        return [
            post_letter(stranger, action, email=email, channels=("mailto",)).status_code
            for _ in range(3)
        ]

    assert answers("nobody@example.org") == [302, 302, 302]
    assert answers("victim@example.org") == [302, 302, 302]


def test_the_shared_directory_is_not_filtered_through_another_organisations_list(db):
    """?lists=<pk> showed an unrelated organisation which targets a private list holds;
    ?deliveries__isnull=False which targets anyone had written to."""

    world = make_admin_world()
    make_target(name="Unlisted Embassy", channels={"email": "unlisted@example.org"})
    owner_list = world["directory.targetlist"]
    changelist = admin_url(Target, "changelist")
    root = logged_in_client(world["superuser"]).get(f"{changelist}?lists={owner_list.pk}")
    assert "Unlisted Embassy" not in root.content.decode()  # the lookup does filter

    for role in ["other", "partner"]:
        client = logged_in_client(world[f"{role}_organiser"])
        assert "Unlisted Embassy" in client.get(changelist).content.decode()
        for query in [
            f"?lists={owner_list.pk}",
            f"?lists__id__exact={owner_list.pk}",
            "?lists__isnull=False",
            "?deliveries__isnull=False",
            f"?deliveries={world['letters.delivery'].pk}",
        ]:
            response = client.get(changelist + query)
            assert response.status_code == 400, (role, query, response.status_code)


def test_a_mail_scanner_following_the_link_does_not_send_the_letter(db):
    embassy = make_target(name="Embassy in Seoul", channels={"email": "embassy@example.org"})
    action = make_letter_action(targets=[embassy])
    stranger = Client(REMOTE_ADDR="198.51.100.20")
    assert post_letter(stranger, action, email="victim@example.org").status_code == 302
    letter = Letter.objects.get()
    scanner = Client(REMOTE_ADDR="203.0.113.9")
    scanner.get(f"/en/letters/confirm/{confirmation.confirmation_code(letter)}/")
    assert set(letter.deliveries.values_list("status", flat=True)) == {Delivery.Status.UNCONFIRMED}
