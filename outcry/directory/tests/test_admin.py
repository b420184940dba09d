"""The target directory in the admin, and supporters reporting an outdated address."""

import html
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from outcry.core.models import AuditEvent
from outcry.directory.models import AddressReport, ImportRun, Target
from outcry.directory.testing import make_target
from outcry.directory.tests.helpers import BUSAN_CONSULATE, import_missions
from outcry.testing import make_organisation, make_organiser


class FormReader(HTMLParser):
    """The values a browser would submit from the page's main form (buttons aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self._textarea:
                # Browsers drop the newline that follows <textarea>.
                self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_of(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    reader = FormReader()
    reader.feed(response.content.decode())
    reader.data.pop("csrfmiddlewaretoken", None)
    return reader.data


def change_url(target: Target) -> str:
    return reverse("admin:directory_target_change", args=[target.pk])


@pytest.fixture
def organiser(db):
    return make_organiser(organisation=make_organisation(name="Alpha Rights"), username="alpha")


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def superuser_client(client, django_user_model):
    """The site's administrator, who alone changes shared contact details."""
    client.force_login(
        django_user_model.objects.create_superuser("alpha", "alpha@example.org", "pw")
    )
    return client


@pytest.fixture
def seoul(db):
    """The embassy in Seoul with an email address and a phone, as the missions import leaves it."""
    return make_target(
        name="Embassy of the People's Republic of China in Seoul",
        country="KR",
        city="Seoul",
        role="Ambassador",
        channels={"email": "chinaemb_kr@mfa.gov.cn", "phone": "+8227381038"},
        import_kind="missions",
    )


def test_any_organiser_sees_the_directory_with_filters_and_search(organiser_client, seoul):
    make_target(name="Consulate General in Busan", country="KR", city="Busan", category="consulate")
    url = reverse("admin:directory_target_changelist")
    response = organiser_client.get(url, {"category__exact": "embassy", "q": "chinaemb_kr"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Embassy of the People&#x27;s Republic of China in Seoul" in html
    assert "Busan" not in html
    for model in ["targetlist", "importrun", "zipdistrict", "addressreport"]:
        assert (
            organiser_client.get(reverse(f"admin:directory_{model}_changelist")).status_code == 200
        )
    assert organiser_client.get(change_url(seoul)).status_code == 200


def test_changing_a_channel_is_audited_and_the_number_stored_in_e164(superuser_client, seoul):
    data = form_of(superuser_client, change_url(seoul))
    phone = seoul.channels.get(kind="phone")
    index = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(phone.pk)
    )
    data[f"channels-{index}-value"] = "02-738-1039"
    data[f"channels-{index}-verified_on"] = "2026-11-20"
    response = superuser_client.post(change_url(seoul), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    phone.refresh_from_db()
    assert phone.value == "+8227381039"
    assert phone.import_kind == ""  # edited by hand: imports leave it alone from now on
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_username) == ("channel-change", "alpha")
    assert event.details["changes"]["value"] == ["+8227381038", "+8227381039"]
    assert event.details["changes"]["verified_on"] == [None, "2026-11-20"]
    assert event.details["target_id"] == seoul.pk


def test_adding_and_deleting_channels_is_audited(superuser_client, seoul):
    data = form_of(superuser_client, change_url(seoul))
    email = seoul.channels.get(kind="email")
    index = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(email.pk)
    )
    data[f"channels-{index}-DELETE"] = "on"
    total = int(data["channels-TOTAL_FORMS"])
    data.update(
        {
            "channels-TOTAL_FORMS": str(total + 1),
            f"channels-{total}-kind": "fax",
            f"channels-{total}-value": "+82 2 738 1040",
            f"channels-{total}-status": "active",
        }
    )
    response = superuser_client.post(change_url(seoul), data)
    assert response.status_code == 302

    assert {(c.kind, c.value) for c in seoul.channels.all()} == {
        ("phone", "+8227381038"),
        ("fax", "+8227381040"),
    }
    events = {event.action: event.details for event in AuditEvent.objects.all()}
    assert events["channel-delete"]["value"] == "chinaemb_kr@mfa.gov.cn"
    assert events["channel-add"]["value"] == "+8227381040"


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("fax", "12", "This is not a valid phone number"),
        ("email", "not-an-address", "This is not an email address."),
        ("webform", "javascript:alert(1)", "Give the web form's address"),
    ],
)
def test_a_bad_contact_detail_is_refused_and_nothing_is_recorded(
    superuser_client, seoul, kind, value, message
):
    data = form_of(superuser_client, change_url(seoul))
    total = int(data["channels-TOTAL_FORMS"])
    data.update(
        {
            "channels-TOTAL_FORMS": str(total + 1),
            f"channels-{total}-kind": kind,
            f"channels-{total}-value": value,
            f"channels-{total}-status": "active",
        }
    )
    response = superuser_client.post(change_url(seoul), data)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert seoul.channels.count() == 2
    assert not AuditEvent.objects.exists()


def test_closing_a_target_by_hand_is_audited_and_no_import_reopens_it(superuser_client):
    import_missions()
    busan = Target.objects.get(external_id=BUSAN_CONSULATE)
    data = form_of(superuser_client, change_url(busan))
    data["is_closed"] = "on"
    data["closed_reason"] = "Moved in 2026; new address not known yet."
    assert superuser_client.post(change_url(busan), data).status_code == 302

    busan.refresh_from_db()
    assert busan.is_closed and busan.closed_on == timezone.localdate()
    assert not busan.is_closed_by_import
    event = AuditEvent.objects.get(action="target-close")
    assert event.details["reason"] == "Moved in 2026; new address not known yet."

    assert "147 unchanged" in import_missions().stdout
    busan.refresh_from_db()
    assert busan.is_closed


def test_organisers_may_not_delete_targets_nor_write_import_runs(organiser_client, seoul):
    delete = reverse("admin:directory_target_delete", args=[seoul.pk])
    assert organiser_client.get(delete).status_code == 403
    assert organiser_client.post(delete, {"post": "yes"}).status_code == 403
    assert Target.objects.filter(pk=seoul.pk).exists()
    assert organiser_client.get(reverse("admin:directory_importrun_add")).status_code == 403
    run = ImportRun.objects.create(kind="missions", source="/data/prc_missions.csv")
    page = organiser_client.get(reverse("admin:directory_importrun_change", args=[run.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_a_superuser_deleting_a_target_is_audited(client, django_user_model, seoul):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:directory_target_delete", args=[seoul.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="target-delete")
    assert ["phone", "+8227381038"] in event.details["channels"]


# ---------------------------------------------------------------------------
# Reports of outdated addresses


def report_url(target: Target, language: str = "en") -> str:
    return f"/{language}/targets/{target.pk}/report/"


def test_a_supporter_reports_an_outdated_address(client, seoul):
    page = client.get(report_url(seoul))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Report an outdated address" in html
    assert "+8227381038" in html
    assert "Phone: +8227381038</label>" in html
    assert "I am not sure, or it is not listed</label>" in html
    assert (
        client.get(report_url(seoul, "ko"))
        .content.decode()
        .startswith('<!doctype html>\n<html lang="ko">')
    )

    phone = seoul.channels.get(kind="phone")
    response = client.post(
        report_url(seoul),
        {"channel": phone.pk, "note": "The number rings out. New: +82 2 738 1100"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{report_url(seoul)}?sent=1"
    thanks = client.get(response["Location"]).content.decode()
    assert "Thank you. The organisers will check the address" in thanks

    report = AddressReport.objects.get()
    assert (report.target, report.channel) == (seoul, phone)
    assert report.note == "The number rings out. New: +82 2 738 1100"
    assert report.resolved_at is None


def test_a_report_without_a_note_or_with_a_foreign_channel_is_refused(client, seoul):
    other = make_target(
        name="Embassy in Tokyo", country="JP", city="Tokyo", channels={"phone": "+81334033388"}
    )
    response = client.post(report_url(seoul), {"note": "   "})
    assert response.status_code == 400
    assert "Please tell us what is wrong with this address." in response.content.decode()
    response = client.post(
        report_url(seoul), {"note": "Wrong", "channel": other.channels.first().pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.post(report_url(seoul), {"note": "x" * 2001})
    assert response.status_code == 400
    assert not AddressReport.objects.exists()
    assert client.get("/en/targets/999999/report/").status_code == 404
    assert client.put(report_url(seoul)).status_code == 405


def test_reports_are_rate_limited_per_network(client, seoul, settings):
    settings.RATELIMIT_REPORT_PER_NETWORK = 2
    statuses = [
        client.post(report_url(seoul), {"note": f"Report {n}"}).status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert AddressReport.objects.count() == 2


def test_organisers_see_reports_and_a_superuser_marks_them_resolved(
    organiser_client, seoul, django_user_model
):
    report = AddressReport.objects.create(target=seoul, note="The embassy has moved.")
    assert "The embassy has moved." in organiser_client.get(change_url(seoul)).content.decode()
    listing = organiser_client.get(
        reverse("admin:directory_addressreport_changelist"), {"state": "open"}
    )
    assert "The embassy has moved." in listing.content.decode()

    resolve = {"action": "mark_resolved", "_selected_action": [report.pk]}
    changelist = reverse("admin:directory_addressreport_changelist")
    organiser_client.post(changelist, resolve)
    report.refresh_from_db()
    assert report.resolved_at is None  # reviewing is the administrators' part

    organiser_client.force_login(
        django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    )
    response = organiser_client.post(changelist, resolve, follow=True)
    assert "1 report marked as resolved." in response.content.decode()
    report.refresh_from_db()
    assert report.resolved_at is not None
