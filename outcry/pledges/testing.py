"""Test helpers for pledges: a pledge of each kind, its form, taking it and confirming it."""

import re
from datetime import UTC, date, datetime

from django.conf import settings
from django.test import Client, TestCase

from outcry.campaigns.models import Campaign
from outcry.pledges import services
from outcry.pledges.models import Commitment, Pledge, PledgeText

# Noon in Seoul on 1 March 2027: the moment most pledge tests stand at.
MARCH = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)

TEXTS = {
    Pledge.Kind.FAST: ("Fast with the families", "가족들과 함께 금식하기", ""),
    Pledge.Kind.PRAY: ("Pray for them every day", "매일 그들을 위해 기도하기", ""),
    Pledge.Kind.BOYCOTT: ("Boycott goods made in China", "중국산 제품 불매", "Made in China goods"),
}


def make_pledge(
    *,
    campaign: Campaign,
    kind: str = Pledge.Kind.FAST,
    first_day: date | None = None,
    last_day: date | None = None,
) -> Pledge:
    """A pledge with English and Korean words; a fast offers *first_day* to *last_day*."""
    pledge = Pledge.objects.create(
        campaign=campaign, kind=kind, first_day_on=first_day, last_day_on=last_day
    )
    title, title_ko, companies = TEXTS[kind]
    PledgeText.objects.create(
        pledge=pledge, language="en", title=title, asks="Join them.", companies=companies
    )
    PledgeText.objects.create(
        pledge=pledge, language="ko", title=title_ko, asks="함께해요.", companies=companies
    )
    return pledge


def pledge_form(**overrides) -> dict:
    form = {
        "name": "Alex Doe",
        "email": "alex@example.org",
        "day": "",
        "local_time": "",
        "time_zone": "Asia/Seoul",
        "wants_reminders": "on",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def take_path(pledge: Pledge, language: str = "en") -> str:
    return f"/{language}/c/{pledge.campaign.slug}/pledges/{pledge.pk}/"


def post_pledge(client: Client, pledge: Pledge, language: str = "en", address="", **fields):
    extra = {"REMOTE_ADDR": address} if address else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(take_path(pledge, language), pledge_form(**fields), **extra)


def links_in(message) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return [url.removeprefix(settings.BASE_URL) for url in re.findall(r"https?://\S+", text)]


def confirm_link(message) -> str:
    return next(link for link in links_in(message) if "/confirm/" in link)


def stop_link(message) -> str:
    return next(link for link in links_in(message) if "/pledges/reminders/" in link)


def press_confirm(client: Client, path: str):
    """Open a confirmation link and press its button, as its owner does."""
    page = client.get(path).content.decode()
    shown = re.search(r'name="shown" value="(\w+)"', page)
    if shown is None:
        raise AssertionError(page[:3000])
    return client.post(path, {"shown": shown.group(1)})


def confirm_commitments(pledge: Pledge) -> int:
    """Confirm every waiting commitment of *pledge* through its link; return how many."""
    client = Client()
    waiting = Commitment.objects.filter(pledge=pledge, confirmed_at__isnull=True)
    done = 0
    for commitment in waiting:
        code = services.confirmation_code(commitment)
        response = press_confirm(client, f"/en/confirm/{code}/")
        if response.status_code != 200:
            raise AssertionError(response.content.decode()[:3000])
        done += 1
    return done
