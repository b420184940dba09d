"""Bad input to the pledge form: clear messages in the reader's language, never a 500."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail

from outcry.campaigns.models import Campaign
from outcry.pledges.models import Commitment, Pledge
from outcry.pledges.testing import (
    confirm_commitments,
    make_pledge,
    post_pledge,
    take_path,
)

pytestmark = pytest.mark.usefixtures("march")


def refused(response, status: int = 400) -> str:
    assert response.status_code == status, response.content.decode()[:2000]
    assert not Commitment.objects.exists()
    return response.content.decode()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (
            "2027-03-21",
            "Please choose one of the days offered, from Feb. 20, 2027 to March 20, 2027.",
        ),
        ("2027-02-19", "Please choose one of the days offered"),
        ("2027-02-28", "Feb. 28, 2027 has already passed in Asia/Seoul."),
        ("2027-02-30", "Please choose a day from the list (a date such as 2027-03-05)."),
        ("next tuesday", "Please choose a day from the list"),
        ("", "Please choose the day you will fast."),
        ("9" * 5000, "Please choose a day from the list"),
    ],
)
def test_a_day_outside_the_offer_past_or_malformed_is_refused_with_a_message(
    client, fast, day, message
):
    html = refused(post_pledge(client, fast, day=day))
    assert message in html


def test_the_first_day_offered_is_the_earliest_still_to_come_anywhere(client, campaign, fast):
    html = client.get(f"/en/c/{campaign.slug}/").content.decode()
    assert '<option value="2027-02-28" selected>Feb. 28, 2027</option>' in html  # Hawaii
    assert 'value="2027-02-27"' not in html
    # In Honolulu it is still the 28th: that day is theirs to fast.
    response = post_pledge(client, fast, day="2027-02-28", time_zone="Pacific/Honolulu")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "<script>alert(1)</script>", "localtime", "KST", "+09:00", "A" * 500]
)
def test_an_unknown_time_zone_is_refused(client, prayer, zone):
    html = refused(post_pledge(client, prayer, local_time="21:00", time_zone=zone))
    assert "This is not a time zone we know. Please choose yours from the list." in html
    assert "<script>alert" not in html


@pytest.mark.parametrize("value", ["25:00", "7pm", "12:60", "", "0" * 3000])
def test_a_prayer_without_a_readable_time_is_refused(client, prayer, value):
    html = refused(post_pledge(client, prayer, local_time=value))
    assert (
        "Please give a time such as 07:30 or 21:00." in html
        or "Please choose the time you will pray." in html
    )


def test_a_fast_reminder_at_a_time_the_clocks_skip_says_which_day_zone_and_what_to_choose(
    client, campaign
):
    """New York springs forward on 14 March 2027: 02:30 does not happen that night."""
    fast = make_pledge(
        campaign=campaign,
        kind=Pledge.Kind.FAST,
        first_day=date(2027, 3, 1),
        last_day=date(2027, 3, 20),
    )
    form = {"day": "2027-03-15", "local_time": "02:30", "time_zone": "America/New_York"}
    html = refused(post_pledge(client, fast, **form))
    assert (
        "On March 14, 2027, 2:30 a.m. does not exist in America/New_York (the clocks jump "
        "from 2 a.m. to 3 a.m.): please choose a time before 2 a.m., or 3 a.m. or later." in html
    )
    korean = refused(post_pledge(client, fast, "ko", **form))
    assert "2027년 3월 14일 America/New_York에는 오전 2:30이 없습니다" in korean
    # The same time without a reminder, or a reminder on another night, is fine.
    assert post_pledge(client, fast, wants_reminders="", **form).status_code == 302
    other = form | {"day": "2027-03-16", "email": "other@example.org"}
    assert post_pledge(client, fast, **other).status_code == 302


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Min\x00ji", "invisible control characters"),
        ("Min\x07ji", "invisible control characters"),
        ("Min\nji", "Please write this on one line."),
        ("M" * 101, "Ensure this value has at most 100 characters"),
        ("...", "Please tell us your name."),
    ],
)
def test_a_name_with_control_characters_line_breaks_or_too_long_is_refused(
    client, prayer, name, message
):
    response = post_pledge(client, prayer, name=name, local_time="21:00")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_html_in_a_name_is_kept_as_text_and_never_markup(client, prayer, mail_server):
    response = post_pledge(client, prayer, name="<b>Min</b>", local_time="21:00")
    assert response.status_code == 302
    [email] = mail_server.inbox.messages()
    assert "<b>Min</b>" not in email.get_body(("html",)).get_content()


def test_a_closed_campaign_takes_no_pledge_and_says_so(client, campaign, prayer):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    html = client.get(f"/en/c/{campaign.slug}/").content.decode()
    assert "This pledge is no longer taking commitments." in html
    answer = post_pledge(client, prayer, local_time="21:00")
    assert answer.status_code == 400
    assert "This pledge is no longer taking commitments." in answer.content.decode()
    assert not Commitment.objects.exists()


def test_urls_that_name_no_pledge_are_404_and_a_get_goes_back_to_the_form(client, campaign, prayer):
    assert client.get(take_path(prayer)).status_code == 302
    assert client.get(f"/en/c/{campaign.slug}/pledges/999999/count.json").status_code == 404
    assert client.post(f"/en/c/other/pledges/{prayer.pk}/", {}).status_code == 404
    assert (
        client.get(f"/en/c/{campaign.slug}/pledges/99999999999999999999/thanks/").status_code == 404
    )


def test_pledging_twice_with_one_address_answers_the_same_and_keeps_one_row(
    client, campaign, fast, mail_server
):
    first = post_pledge(client, fast, email="Min@Example.org", day="2027-03-05")
    second = post_pledge(client, fast, email=" min@example.org ", day="2027-03-07")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    commitment = Commitment.objects.get()
    assert commitment.day_on == date(2027, 3, 7)  # the newest form wins while unconfirmed
    assert len(mail_server.inbox.envelopes) == 2  # a link each time (new hour's round)
    confirm_commitments(fast)
    with time_machine.travel(datetime(2027, 3, 1, 4, 0, tzinfo=UTC), tick=False):
        third = post_pledge(client, fast, email="min@example.org", day="2027-03-09")
    assert third["Location"] == first["Location"]
    commitment.refresh_from_db()
    assert commitment.day_on == date(2027, 3, 7)  # confirmed: nothing changes
    last = mail_server.inbox.messages()[-1]
    assert last["Subject"] == "You already pledged: Fast with the families"
    assert "nothing changed" in last.get_body(("plain",)).get_content()
    assert "3 people" not in client.get(f"/en/c/{campaign.slug}/").content.decode()
    assert "1 person stands together" in client.get(f"/en/c/{campaign.slug}/").content.decode()
    assert not mail.outbox
