"""The public case pages and the campaign page's cases, as a supporter reads them."""

from datetime import date, timedelta

import pytest
import time_machine

from outcry.campaigns.models import Campaign
from outcry.cases.models import StatusChange
from outcry.cases.testing import add_change, add_record, make_case

pytestmark = pytest.mark.django_db

# Noon in Seoul (the test campaign's zone is the default: see make_campaign).
NOW = "2012-02-19 03:00:00+00:00"


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_timeline_reads_oldest_first_and_the_latest_date_is_the_status(client, world):
    case = make_case(campaign=world["campaign"], arrested_on=date(2012, 2, 8))
    # Entered out of order: the page orders by date, then by entry for the same day.
    add_change(case, status=StatusChange.Status.INVESTIGATED, on=date(2012, 2, 14))
    add_change(case, status=StatusChange.Status.ARRESTED, on=date(2012, 2, 8))
    add_change(case, status=StatusChange.Status.DETAINED, on=date(2012, 2, 10), outlet="VOA")
    add_change(case, status=StatusChange.Status.UNKNOWN, on=date(2012, 2, 14))
    html = page(client, f"/en/c/{world['campaign'].slug}/cases/{case.pk}/")
    timeline = html[html.index('class="timeline"') :]
    positions = [
        timeline.index(word)
        for word in ["arrested</strong>", "detained</strong>", "under investigation</strong>"]
    ]
    assert positions == sorted(positions)
    # Same date: the one entered last is the current status.
    assert timeline.index("under investigation</strong>") < timeline.index("unknown</strong>")
    assert "Now: unknown (reported)" in html
    assert '<a href="https://www.dailynk.com/" rel="noopener noreferrer nofollow">VOA</a>' in html
    assert "11 days since arrest" in html
    assert "confidence: reported" in html


@time_machine.travel(NOW, tick=False)
def test_the_case_pages_read_in_korean(client, world):
    case = make_case(campaign=world["campaign"], arrested_on=date(2012, 2, 18))
    add_change(case, on=date(2012, 2, 18))
    html = page(client, f"/ko/c/{world['campaign'].slug}/cases/{case.pk}/")
    assert "형이 한국에 사는 16세 소년" in html
    assert "체포 후 1일" in html
    listing = page(client, f"/ko/c/{world['campaign'].slug}/cases/")
    assert "형이 한국에 사는 16세 소년" in listing
    case.window_starts_on, case.window_source_outlet = date(2012, 2, 22), "Korea Times"
    case.save()
    korean = page(client, f"/ko/c/{world['campaign'].slug}/")
    assert "2월 22일부터 북송 우려: 3일 남음." in korean
    assert "현재: 체포됨 (보도됨)" in korean


@pytest.mark.parametrize(
    ("today", "line"),
    [
        ("2012-02-12", "Repatriation feared from February 15: 3 days left."),
        ("2012-02-14", "Repatriation feared from February 15: 1 day left."),
        (
            "2012-02-15",
            "Repatriation feared any day now: the estimated window ends on February 18.",
        ),
        (
            "2012-02-19",
            "The estimated window for repatriation (February 15 to February 18) has passed;",
        ),
    ],
)
def test_the_urgency_line_counts_down_then_says_the_window_passed(client, world, today, line):
    case = make_case(
        campaign=world["campaign"],
        arrested_on=date(2012, 2, 8),
        window_starts_on=date(2012, 2, 15),
        window_ends_on=date(2012, 2, 18),
        window_source_outlet="The Korea Times",
    )
    with time_machine.travel(f"{today} 03:00:00+00:00", tick=False):
        add_change(case, on=date(2012, 2, 8))
        html = page(client, f"/en/c/{world['campaign'].slug}/")
    assert line in html
    assert "estimate: The Korea Times" in html


@time_machine.travel(NOW, tick=False)
def test_the_urgency_line_is_gone_once_the_case_reached_a_final_status(client, world):
    case = make_case(
        campaign=world["campaign"],
        window_starts_on=date(2012, 2, 20),
        window_ends_on=date(2012, 2, 25),
        window_source_outlet="The Korea Times",
    )
    add_change(case, on=date(2012, 2, 8))
    assert "Repatriation feared" in page(client, f"/en/c/{world['campaign'].slug}/cases/")
    add_change(case, status=StatusChange.Status.SAFE, on=date(2012, 2, 18))
    html = page(client, f"/en/c/{world['campaign'].slug}/cases/")
    assert "Repatriation feared" not in html and "window" not in html
    assert "Now: reached safety (reported)" in html


def test_drafts_and_cases_of_hidden_campaigns_are_not_found(client, world):
    draft = make_case(campaign=world["campaign"], is_published=False, summary="Draft case")
    assert client.get(f"/en/c/{world['campaign'].slug}/cases/{draft.pk}/").status_code == 404
    assert "Draft case" not in page(client, f"/en/c/{world['campaign'].slug}/cases/")
    assert "Draft case" not in page(client, f"/en/c/{world['campaign'].slug}/")
    shown = make_case(campaign=world["campaign"])
    Campaign.objects.filter(pk=world["campaign"].pk).update(status=Campaign.Status.DRAFT)
    assert client.get(f"/en/c/{world['campaign'].slug}/cases/{shown.pk}/").status_code == 404
    assert client.get(f"/en/c/{world['campaign'].slug}/cases/").status_code == 404


def test_another_campaigns_case_is_not_found_under_this_one(client, world):
    from outcry.testing import make_campaign

    other = make_case(campaign=make_campaign())
    assert client.get(f"/en/c/{world['campaign'].slug}/cases/{other.pk}/").status_code == 404


def test_the_campaign_page_shows_cases_after_the_petition_and_never_the_record(client, world):
    case = make_case(campaign=world["campaign"], arrested_on=date.today() - timedelta(days=3))
    add_record(case)
    html = page(client, f"/en/c/{world['campaign'].slug}/")
    assert 'id="cases"' in html and "16-year-old boy" in html
    assert "SECRET" not in html
