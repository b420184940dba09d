"""The pledge forms list the common time zones; the full list comes on asking for it."""

import re

import pytest

from outcry.pledges.models import Commitment
from outcry.pledges.testing import post_pledge

pytestmark = pytest.mark.usefixtures("march")


def zone_options(html: str, form_id: str) -> list[str]:
    select = re.search(
        rf'<select name="time_zone"[^>]*id="{form_id}-time_zone">(.*?)</select>', html, re.S
    )
    return re.findall(r'<option value="([^"]+)"', select.group(1))


def test_the_campaign_page_lists_common_zones_and_another_zone(client, campaign, prayer):
    html = client.get(f"/en/c/{campaign.slug}/").content.decode()
    options = zone_options(html, f"pledge{prayer.pk}")
    assert 25 < len(options) < 40
    assert {"UTC", "Asia/Seoul", "America/New_York", "Europe/London"} <= set(options)
    assert options[-1] == "other"
    assert ">Another time zone…</option>" in html
    korean = client.get(f"/ko/c/{campaign.slug}/").content.decode()
    assert ">다른 시간대…</option>" in korean


def test_asking_for_another_zone_without_javascript_returns_every_zone(client, prayer):
    response = post_pledge(client, prayer, local_time="21:00", time_zone="other")
    html = response.content.decode()
    assert response.status_code == 400 and not Commitment.objects.exists()
    assert "Choose your time zone: the list now has every time zone." in html
    options = zone_options(html, f"pledge{prayer.pk}")
    assert len(options) > 400 and "Asia/Kathmandu" in options and "other" not in options


def test_a_zone_outside_the_short_list_is_accepted(client, prayer):
    response = post_pledge(client, prayer, local_time="21:00", time_zone="Asia/Kathmandu")
    assert response.status_code == 302
    assert Commitment.objects.get().time_zone == "Asia/Kathmandu"
