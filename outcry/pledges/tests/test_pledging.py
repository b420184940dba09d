"""Taking a pledge from the campaign page, confirming it from the email, the counter."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from outcry.campaigns.models import Campaign
from outcry.pledges.models import Commitment
from outcry.pledges.testing import (
    confirm_commitments,
    confirm_link,
    post_pledge,
    press_confirm,
    stop_link,
)

pytestmark = pytest.mark.usefixtures("march")


def page(client, campaign, language="en") -> str:
    return client.get(f"/{language}/c/{campaign.slug}/").content.decode()


def test_a_seoul_supporter_pledges_to_fast_confirms_and_stops_the_reminders(
    client, campaign, fast, mail_server
):
    html = page(client, campaign, "ko")
    assert "가족들과 함께 금식하기" in html
    assert "0명이 함께합니다" in html
    assert '<option value="Asia/Seoul" selected>' in html

    response = post_pledge(
        client,
        fast,
        "ko",
        name="김민지",
        email="minji@example.org",
        day="2027-03-05",
        local_time="19:30",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    thanks = client.get(response["Location"]).content.decode()
    assert "이메일" in thanks
    [email] = mail_server.inbox.messages()
    assert email["To"] == "minji@example.org"
    assert email["Subject"] == "서약을 확인해 주세요: 가족들과 함께 금식하기"
    assert email["Content-Language"] == "ko"
    body = email.get_body(("plain",)).get_content()
    assert "2027년 3월 5일" in body and "오후 7:30" in body and "Asia/Seoul" in body
    # A plain greeting to an address not yet confirmed: not the name typed with it.
    assert body.startswith("안녕하세요.") and "김민지" not in body

    confirmed = press_confirm(client, confirm_link(email))
    assert confirmed.status_code == 200
    assert "서약이 확인되었습니다" in confirmed.content.decode()
    assert "1명이 함께합니다" in page(client, campaign, "ko")

    stop = stop_link(email)
    assert stop.startswith(f"/ko/c/{campaign.slug}/pledges/reminders/")
    shown = client.get(stop)
    assert shown.status_code == 200 and "<button" in shown.content.decode()
    commitment = Commitment.objects.get()
    assert commitment.reminders_stopped_at is None  # opening the link changes nothing
    stopped = client.post(stop)
    assert stopped.status_code == 200
    commitment.refresh_from_db()
    assert commitment.reminders_stopped_at is not None
    assert commitment.is_confirmed


def test_the_count_counts_confirmed_pledges_only_and_is_served_as_json(client, campaign, fast):
    for n in range(3):
        post_pledge(client, fast, email=f"p{n}@example.org", day="2027-03-03")
    assert "0 people stand together" in page(client, campaign)
    confirm_commitments(fast)
    assert "3 people stand together" in page(client, campaign)
    answer = client.get(f"/en/c/{campaign.slug}/pledges/{fast.pk}/count.json")
    assert answer.json() == {"count": 3, "text": "3 people stand together"}
    assert "max-age=" in answer["Cache-Control"]
    korean = client.get(f"/ko/c/{campaign.slug}/pledges/{fast.pk}/count.json").json()
    assert korean["text"] == "3명이 함께합니다"


def test_a_page_shown_before_the_form_was_sent_again_confirms_nothing_and_is_shown_anew(
    client, campaign, fast, mail_server
):
    post_pledge(client, fast, email="min@example.org", day="2027-03-05")
    link = confirm_link(mail_server.inbox.messages()[0])
    opened = client.get(link).content.decode()
    assert "To fast on March 5, 2027." in opened
    shown = re.search(r'name="shown" value="(\w+)"', opened).group(1)
    # Someone sends the form again with the address (and ticks a consent box).
    partner = campaign.partners.get()
    post_pledge(
        client, fast, email="min@example.org", day="2027-03-09", **{f"consent_{partner.pk}": "on"}
    )
    pressed = client.post(link, {"shown": shown})
    assert pressed.status_code == 409
    again = pressed.content.decode()
    assert "This pledge changed since the page was shown." in again
    assert "To fast on March 9, 2027." in again and "Partner Watch" in again
    assert not Commitment.objects.get().is_confirmed
    assert press_confirm(client, link).status_code == 200
    assert Commitment.objects.get().is_confirmed


def test_a_link_whose_campaign_closed_or_day_passed_expires_and_a_forged_one_fails(
    client, campaign, fast, mail_server
):
    post_pledge(client, fast, email="min@example.org", day="2027-03-02")
    link = confirm_link(mail_server.inbox.messages()[0])
    with time_machine.travel(datetime(2027, 3, 3, 3, 0, tzinfo=UTC), tick=False):
        late = client.get(link)
    assert late.status_code == 410
    assert "This link has expired" in late.content.decode()
    assert client.get(link[:-3] + "xyz/").status_code == 404
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    assert client.post(link, {"shown": "x"}).status_code == 410
    assert not Commitment.objects.get().is_confirmed


def test_a_fast_too_close_for_its_evening_reminder_is_told_so(client, fast, mail_server):
    post_pledge(client, fast, email="soon@example.org", day="2027-03-01", time_zone="Asia/Seoul")
    body = mail_server.inbox.messages()[0].get_body(("plain",)).get_content()
    assert "No reminder: the evening before your fast has already passed." in body
