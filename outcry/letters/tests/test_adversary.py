"""A stranger typing someone's address into the letter composer (security issue 8).

Found by attacking the merged security work: each test here failed before its fix.
"""

from django.test import Client

from outcry.testing import make_letter_action, make_target, post_letter


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
