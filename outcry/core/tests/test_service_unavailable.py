"""A Redis that nothing answers on: the 503 page in the URL's language, logged once.

The cache points at a free port with nothing listening, so every cache call is refused
for real (no mock): what a web process sees the moment Redis stops.
"""

import logging

import pytest
from django.urls import reverse

from outcry.core import views
from outcry.testing import free_port, make_petition


@pytest.fixture
def redis_down(settings):
    settings.CACHES = settings.CACHES | {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_STORE = "cache"
    views._outage_log.update(logged_at=float("-inf"), since=0)
    return settings


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "The site is overloaded or under maintenance"),
        ("ko", "사이트에 사용자가 많거나 점검 중입니다"),
    ],
)
def test_a_page_while_redis_is_down_is_a_503_in_the_urls_language(
    client, db, redis_down, language, heading
):
    response = client.get(f"/{language}/")
    assert response.status_code == 503
    page = response.content.decode()
    assert heading in page
    assert f'lang="{language}"' in page
    assert "Traceback" not in page
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def petition(db):
    return make_petition()


def test_a_signature_posted_while_redis_is_down_is_told_it_was_not_saved(
    client,
    petition,  # made before Redis goes down: saving a petition touches the cache
    redis_down,
):
    response = client.post(
        reverse("petitions:sign", args=[petition.slug]),
        {"name": "Min", "email": "min@example.org", "country": "KR", "public_name": "hidden"},
    )
    assert response.status_code == 503
    assert "What you just sent was not saved" in response.content.decode()
    assert not petition.signatures.exists()


def test_an_outage_is_logged_once_per_burst_not_once_per_request(client, db, redis_down, caplog):
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            assert client.get("/en/").status_code == 503
    outage = [record for record in caplog.records if record.name == "outcry.outage"]
    assert len(outage) == 1
    assert "ConnectionError" in outage[0].getMessage()
    assert not [record for record in caplog.records if record.name == "django.request"]
