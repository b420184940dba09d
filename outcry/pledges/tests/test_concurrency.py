"""Many pledges at once, then many confirmations at once: the counter equals the rows.

On SQLite (200 pledges) and on PostgreSQL via DATABASE_URL (1,200), each from its
own network through the real form, some addresses twice at the same moment;
then every confirmation link pressed at once. The recount job leaves the counter
exactly at the confirmed rows, and the campaign page says so.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from outcry.actions.models import CounterShard
from outcry.pledges import services
from outcry.pledges.models import Commitment, Pledge
from outcry.pledges.testing import make_pledge, pledge_form, take_path
from outcry.testing import make_campaign

THREADS = 16


def in_threads(count: int, action) -> list:
    """Run action(i) for i in range(count) on THREADS threads, each with its own connection."""
    start = threading.Barrier(THREADS)
    local = threading.local()

    def run(i: int):
        if not getattr(local, "started", False):
            local.started = True
            start.wait(timeout=60)  # every thread goes at the same moment
        try:
            return action(i)
        except Exception as error:
            return error
        finally:
            connection.close()  # no thread leaves a connection open behind the test

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.django_db(transaction=True)
def test_a_crowd_pledging_and_confirming_at_once_is_counted_exactly(settings):
    many = 1200 if connection.vendor == "postgresql" else 200
    settings.CHALLENGE_SITE_PER_MINUTE = 1_000_000
    settings.COUNTER_SHARDS = 4
    campaign = make_campaign()
    prayer = make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
    # Every tenth address pledges twice at once (from two networks): one row each.
    addresses = [f"person{i % (many - many // 10)}@example.org" for i in range(many)]
    people = len(set(addresses))

    def post(i: int) -> int:
        form = pledge_form(email=addresses[i], local_time="21:00", time_zone="Asia/Seoul")
        network = f"10.{i // 250}.{i % 250}.1"
        response = Client().post(take_path(prayer), form, REMOTE_ADDR=network)
        return response.status_code

    answers = in_threads(many, post)
    assert [a for a in answers if a != 302] == []
    assert Commitment.objects.filter(pledge=prayer).count() == people

    codes = [services.confirmation_code(c) for c in Commitment.objects.filter(pledge=prayer)]

    def confirm(i: int) -> int:
        client = Client()
        path = f"/en/confirm/{codes[i]}/"
        shown = re.search(r'name="shown" value="(\w+)"', client.get(path).content.decode())
        return client.post(path, {"shown": shown.group(1)}).status_code

    assert [a for a in in_threads(len(codes), confirm) if a != 200] == []
    confirmed = Commitment.objects.filter(pledge=prayer).confirmed().count()
    assert confirmed == people
    shards = CounterShard.objects.filter(key=prayer.counter_key)
    assert sum(shards.values_list("count", flat=True)) == confirmed  # bumped once each

    shards.update(count=0)  # drift, as after a crash between a bump and its rows' repair
    assert services.recount_all_pledges() == 1
    assert services.count(prayer) == confirmed
    assert services.recount(pledge=prayer) == (confirmed, confirmed)  # idempotent
    page = Client().get(f"/en/c/{campaign.slug}/").content.decode()
    assert f"{confirmed:,} people stand together" in page
