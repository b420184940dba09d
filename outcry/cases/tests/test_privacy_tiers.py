"""The protected tier never leaves the lead organisation: a crawl of everything else proves it.

The demo is loaded (its cases carry protected records with recognisable
fictional values), then every page a visitor can reach from the home page in
each language is fetched by following links (href and src), with each
campaign's feeds and calendars and the case pages; then what a partner
organisation's organiser can reach in the admin: the cases' and status changes'
lists and pages and the exports of signatures and attendees. No response may
hold any protected value. The lead's organiser does see them (so the scan
would catch a leak), and the photo is served to them alone.
"""

import re
from collections import deque
from io import StringIO
from urllib.parse import urldefrag, urljoin

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from outcry.campaigns.models import Campaign, Organisation
from outcry.cases.models import Case, CaseRecord, StatusChange
from outcry.events.models import Event
from outcry.letters import demo as letters_demo
from outcry.petitions.models import Petition
from outcry.testing import admin_url, logged_in_client, make_organiser

pytestmark = pytest.mark.django_db

LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")
MAX_PAGES = 600


@pytest.fixture
def demo(db, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(letters_demo, "SHARED_MISSIONS_CSV", tmp_path / "absent.csv")
    call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())
    return Campaign.objects.get(slug="save-my-friend")


def protected_values() -> list[str]:
    """Every protected value of the demo's cases: each line of each field, and photo names."""
    values = []
    for record in CaseRecord.objects.all():
        for field in ["real_names", "exact_place", "family_contacts", "notes"]:
            values += [line.strip() for line in getattr(record, field).splitlines() if line.strip()]
        if record.photo:
            values += [record.photo.name, record.photo.name.rsplit("/", 1)[-1]]
    # Parts a page could show on their own: the fictional names and the phone numbers.
    for value in list(values):
        values += re.findall(r"Demo-name-\d|\+82 10-0000-\d{4}|exact-place-\d", value)
    values.append("DEMO-PROTECTED")
    return sorted(set(values))


def leaks(body: bytes, values: list[str]) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return [value for value in values if value in text]


def crawl(client: Client, starts: list[str]) -> dict[str, bytes]:
    """Fetch *starts* and every same-site page they link to (not the admin, not static files)."""
    seen: dict[str, bytes] = {}
    queue = deque(starts)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, follow=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen[path] = body
        if "html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(body.decode("utf-8", errors="replace")):
            target = urldefrag(urljoin(path, link.replace("&amp;", "&")))[0]
            if not target.startswith("/") or target.startswith("//"):
                continue  # another site
            if target.startswith(("/admin/", "/static/")) or target in seen:
                continue
            queue.append(target)
    return seen


def test_no_public_page_feed_or_calendar_holds_a_protected_value(demo, client):
    values = protected_values()
    assert len(values) > 20  # five records, each with names, place, contacts, notes; one photo
    starts = ["/", "/en/", "/ko/"]
    for language in ["en", "ko"]:
        starts += [
            f"/{language}/c/{demo.slug}/",
            f"/{language}/c/{demo.slug}/cases/",
            *(f"/{language}/c/{demo.slug}/cases/{case.pk}/" for case in Case.objects.all()),
            f"/{language}/c/{demo.slug}/updates/feed/",
            f"/{language}/c/{demo.slug}/events/calendar.ics",
        ]
    pages = crawl(client, starts)
    assert len(pages) > 40
    # The crawl reached what it must: the case pages, the feed, the calendars.
    reached = " ".join(pages)
    assert "/cases/" in reached and "/updates/feed/" in reached and ".ics" in reached
    found = {path: leaks(body, values) for path, body in pages.items()}
    assert {path: hits for path, hits in found.items() if hits} == {}
    # The public part is there: the scan reads real pages.
    case_page = pages[f"/en/c/{demo.slug}/cases/{Case.objects.get(position=4).pk}/"]
    assert "16-year-old boy" in case_page.decode()


def test_a_partner_organiser_reaches_no_protected_value_in_the_admin_or_exports(demo):
    partner = Organisation.objects.get(slug="save-my-friend")
    client = logged_in_client(make_organiser(organisation=partner))
    values = protected_values()
    paths = [
        "/admin/",
        admin_url(Case, "changelist"),
        admin_url(StatusChange, "changelist"),
        admin_url(Case, "changelist") + "?q=DEMO",
        *(admin_url(case) for case in Case.objects.all()),
        *(admin_url(change) for change in StatusChange.objects.all()),
        *(admin_url(case, "history") for case in Case.objects.all()),
    ]
    for petition in Petition.objects.filter(campaign=demo):
        paths.append(reverse("admin:petitions_petition_export", args=[petition.pk]))
    for event in Event.objects.filter(campaign=demo):
        paths.append(reverse("admin:events_event_attendees", args=[event.pk]))
    bodies = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 302, 403, 404), path
        bodies[path] = response.content
    for path in paths:
        if "/export-signatures/" in path or "/attendees/" in path:
            response = client.post(path, {})
            body = b"".join(response.streaming_content) if response.streaming else response.content
            bodies[f"POST {path}"] = body
    assert any(b"16-year-old boy" in body for body in bodies.values())  # the public part
    found = {path: leaks(body, values) for path, body in bodies.items()}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_the_lead_organiser_sees_the_protected_values(demo):
    lead = get_user_model().objects.get(username="demo-organiser")
    client = logged_in_client(lead)
    case = Case.objects.get(position=4)
    page = client.get(admin_url(case)).content
    record = case.record
    assert leaks(page, [record.real_names, record.family_contacts, record.exact_place])
    assert record.photo.name.encode() in page  # the link to the admin's photo view


def test_the_photo_is_served_to_the_lead_alone(demo):
    record = CaseRecord.objects.exclude(photo="").get()
    url = reverse("admin:cases_case_photo", kwargs={"name": record.photo.name})
    assert "/static/" not in url and "/media/" not in url
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 403, 404)
    assert b"JFIF" not in anonymous.content
    partner = Organisation.objects.get(slug="jfnk")
    refused = logged_in_client(make_organiser(organisation=partner)).get(url)
    assert refused.status_code == 404
    assert b"JFIF" not in refused.content
    lead = get_user_model().objects.get(username="demo-organiser")
    served = logged_in_client(lead).get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    assert "no-store" in served["Cache-Control"]
