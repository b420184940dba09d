"""A flooder on the public signing form (security issue 8): attacks that held, kept as tests."""

from django.test import Client

from outcry.testing import post_signature


def test_a_forged_forwarded_for_header_gives_no_new_limit_without_trusted_proxies(
    petition, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.RATELIMIT_SIGN_PER_NETWORK = 2
    statuses = [
        post_signature(
            Client(REMOTE_ADDR="203.0.113.77", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"),
            petition,
            email=f"person{i}@example.org",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
