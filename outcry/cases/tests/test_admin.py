"""Cases in the admin: the lead writes them, partners read the public part, bad input refused."""

import html
from datetime import date, timedelta

import pytest
from django.utils import timezone

from outcry.cases.models import Case, CaseRecord, Source, StatusChange
from outcry.cases.testing import add_change, add_record, make_case
from outcry.core.models import AuditEvent
from outcry.testing import admin_url, logged_in_client

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def case_form(campaign, **changes) -> dict:
    data = {
        "campaign": campaign.pk,
        "kind": "group",
        "is_published": "on",
        "position": "0",
        "group_size": "10",
        "arrest_place": "Shenyang",
        "arrested_on": "2012-02-08",
        "held_in": "a detention centre in Changchun",
        "window_starts_on": "",
        "window_ends_on": "",
        "window_source_outlet": "",
        "window_source_on": "",
        "window_source_url": "",
        **management("texts", 2),
        "texts-0-language": "en",
        "texts-0-summary": "Group of 10 arrested in Shenyang",
        "texts-0-details": "",
        "texts-1-language": "ko",
        "texts-1-summary": "선양에서 체포된 10명",
        "texts-1-details": "",
        **management("counts", 2),
        "counts-0-gender": "male",
        "counts-0-age_band": "adult",
        "counts-0-count": "4",
        "counts-1-gender": "female",
        "counts-1-age_band": "adult",
        "counts-1-count": "6",
        **management("record", 1),
        "record-0-real_names": "SECRET-NAME Kim",
        "record-0-exact_place": "",
        "record-0-family_contacts": "",
        "record-0-notes": "",
    }
    return data | changes


def change_form(case, **changes) -> dict:
    return {
        "case": case.pk,
        "status": "detained",
        "happened_on": "2012-02-10",
        "confidence": "reported",
        **management("sources", 1),
        "sources-0-outlet": "Daily NK",
        "sources-0-url": "https://www.dailynk.com/",
        "sources-0-published_on": "2012-02-15",
        **management("notes", 1),
        "notes-0-language": "en",
        "notes-0-note": "Moved to Changchun.",
    } | changes


def test_the_lead_adds_a_case_with_counts_and_a_protected_record(world):
    client = logged_in_client(world["organiser"])
    response = client.post(admin_url(Case, "add"), case_form(world["campaign"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert sorted(case.counts.values_list("count", flat=True)) == [4, 6]
    assert case.record.real_names == "SECRET-NAME Kim"
    assert AuditEvent.objects.filter(action="case-record-change").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "texts-0-summary": "",
                "texts-1-summary": "",
                "texts-0-language": "",
                "texts-1-language": "",
            },
            "Give the case a public description in at least one language",
        ),
        ({"counts-1-count": "7"}, "The counts add up to 11, more than the group's 10 people."),
        ({"group_size": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"arrested_on": "2999-01-01"}, "This date is in the future"),
        ({"arrested_on": "2012-02-31"}, "Enter a valid date."),
        ({"arrest_place": "Shen\x00yang"}, "invisible control characters"),
        ({"arrest_place": "Shen\x07yang"}, "invisible control characters"),
        ({"arrest_place": "x" * 101}, "Ensure this value has at most 100 characters"),
        ({"texts-0-summary": "y" * 301}, "Ensure this value has at most 300 characters"),
        ({"texts-0-summary": "two\nlines"}, "Please write this on one line."),
        ({"held_in": "Chang\x1bchun"}, "invisible control characters"),
        ({"window_starts_on": "2012-02-15"}, "Say where the estimate comes from"),
        (
            {
                "window_starts_on": "2012-02-15",
                "window_ends_on": "2012-02-10",
                "window_source_outlet": "VOA",
            },
            "The window cannot end before it starts.",
        ),
        ({"window_source_url": "javascript:alert(1)"}, "Enter a valid URL."),
        (
            {
                "window_starts_on": "2012-02-15",
                "window_source_outlet": "VOA",
                "window_source_on": "2999-02-01",
            },
            "This date is in the future",
        ),
        ({"texts-0-details": "x" * 4001}, "Ensure this value has at most 4000 characters"),
        ({"record-0-family_contacts": "y" * 4001}, "at most 4000 characters"),
        ({"record-0-real_names": "z" * 4001}, "Ensure this value has at most 4000 characters"),
        ({"texts-0-language": "zh-hans"}, "This campaign is written in: en, ko."),
    ],
)
def test_bad_case_input_is_refused_with_a_clear_message(world, changes, message):
    client = logged_in_client(world["organiser"])
    response = client.post(admin_url(Case, "add"), case_form(world["campaign"], **changes))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Case.objects.exists()


def test_html_in_a_case_is_kept_as_text_and_shown_escaped(world, client):
    organiser = logged_in_client(world["organiser"])
    response = organiser.post(
        admin_url(Case, "add"),
        case_form(
            world["campaign"],
            **{
                "texts-0-summary": "<script>alert(1)</script> group",
                "held_in": "Chang\u202echun",  # a right-to-left override: dropped
            },
        ),
    )
    assert response.status_code == 302
    assert Case.objects.get().held_in == "Changchun"
    html = client.get(f"/en/c/{world['campaign'].slug}/cases/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; group" in html
    assert "<script>alert(1)" not in html


def test_a_status_change_with_sources_and_a_note_is_added(world):
    case = make_case(campaign=world["campaign"])
    client = logged_in_client(world["organiser"])
    response = client.post(admin_url(StatusChange, "add"), change_form(case))
    assert response.status_code == 302, response.content.decode()[:3000]
    change = StatusChange.objects.get()
    assert [s.outlet for s in change.sources.all()] == ["Daily NK"]
    assert change.note_for("en").note == "Moved to Changchun."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"sources-0-outlet": "", "sources-0-url": "", "sources-0-published_on": ""},
            "A status change needs at least one source",
        ),
        (
            {"happened_on": (timezone.localdate() + timedelta(days=2)).isoformat()},
            "This date is in the future",
        ),
        (
            {"sources-0-published_on": (timezone.localdate() + timedelta(days=2)).isoformat()},
            "This date is in the future",
        ),
        ({"sources-0-url": "not a link"}, "Enter a valid URL."),
        ({"sources-0-url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"sources-0-url": "https://example.org/" + "a" * 600}, "at most 500 characters"),
        ({"sources-0-outlet": "Daily\x00NK"}, "invisible control characters"),
        ({"sources-0-published_on": "yesterday"}, "Enter a valid date."),
        ({"notes-0-note": "n" * 301}, "Ensure this value has at most 300 characters"),
        ({"status": "vanished"}, "Select a valid choice."),
        ({"confidence": "certain"}, "Select a valid choice."),
    ],
)
def test_bad_status_changes_are_refused_with_a_clear_message(world, changes, message):
    case = make_case(campaign=world["campaign"])
    client = logged_in_client(world["organiser"])
    response = client.post(admin_url(StatusChange, "add"), change_form(case, **changes))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not StatusChange.objects.exists() and not Source.objects.exists()


def test_a_partner_reads_the_public_part_but_changes_nothing_and_never_sees_the_record(world):
    case = make_case(campaign=world["campaign"], arrested_on=date(2012, 2, 8))
    add_record(case)
    change = add_change(case, on=date(2012, 2, 8))
    partner = logged_in_client(world["partner_organiser"])
    page = partner.get(admin_url(case)).content.decode()
    assert "16-year-old boy" in page
    assert "SECRET" not in page and "protected record" not in page
    refused = partner.post(admin_url(case), case_form(world["campaign"], group_size="3"))
    assert refused.status_code == 403
    assert partner.post(admin_url(change), change_form(case)).status_code == 403
    case.refresh_from_db()
    assert case.group_size == 10
    # The partner cannot add a case to a campaign it does not lead.
    added = partner.post(admin_url(Case, "add"), case_form(world["campaign"]))
    assert added.status_code == 200 and not Case.objects.exclude(pk=case.pk).exists()
    assert not AuditEvent.objects.filter(action="case-record-view").exists()


def test_the_lead_reads_the_record_and_the_reading_is_audited(world):
    case = make_case(campaign=world["campaign"])
    add_record(case)
    page = logged_in_client(world["organiser"]).get(admin_url(case)).content.decode()
    assert "SECRET-NAME Kim" in page and "SECRET-CONTACT +82 10-0000-9999" in page
    event = AuditEvent.objects.get(action="case-record-view")
    assert event.actor == world["organiser"] and event.organisation == world["lead"]


def test_a_superuser_outside_the_lead_does_not_see_the_record(world, admin_user):
    case = make_case(campaign=world["campaign"])
    add_record(case)
    page = logged_in_client(admin_user).get(admin_url(case)).content.decode()
    assert "16-year-old boy" in page and "SECRET" not in page
    assert CaseRecord.objects.count() == 1


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF names a place (GPS) and a camera, as a phone would write."""
    import io

    from PIL import Image

    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SECRET-CAMERA"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 48.0, 0.0)}  # GPSInfo: latitude of Shenyang
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_an_uploaded_photo_is_re_encoded_without_metadata_under_a_random_name(world, private_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in_client(world["organiser"])
    upload = SimpleUploadedFile("Kim-Min-jun.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        admin_url(Case, "add"), case_form(world["campaign"]) | {"record-0-photo": upload}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record = CaseRecord.objects.get()
    assert "Kim" not in record.photo.name and record.photo.name.endswith(".jpg")
    stored = (private_dir / record.photo.name).read_bytes()
    assert b"SECRET-CAMERA" not in stored and b"Exif" not in stored
    assert stored[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "content", [b"not a picture at all", b"\xff\xd8\xff\xe0" + b"\x00" * 50, b""]
)
def test_a_file_that_is_not_a_picture_is_refused_clearly(world, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in_client(world["organiser"])
    upload = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
    response = client.post(
        admin_url(Case, "add"), case_form(world["campaign"]) | {"record-0-photo": upload}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Upload a valid image" in page
        or "not a picture we can read" in page
        or ("The submitted file is empty" in page)
    )
    assert not Case.objects.exists()


def test_a_photo_replaced_or_deleted_with_its_case_leaves_no_file(
    world, private_dir, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in_client(world["organiser"])

    def upload():
        return SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            admin_url(Case, "add"), case_form(world["campaign"]) | {"record-0-photo": upload()}
        )
    case = Case.objects.get()
    first = private_dir / case.record.photo.name
    assert first.exists()
    texts = list(case.texts.order_by("language"))
    edit = case_form(world["campaign"]) | {
        **management("texts", 2, 2),
        "texts-0-id": texts[0].pk,
        "texts-0-case": case.pk,
        "texts-1-id": texts[1].pk,
        "texts-1-case": case.pk,
        **management("counts", 0),
        **management("record", 1, 1),
        "record-0-id": case.record.pk,
        "record-0-case": case.pk,
        "record-0-photo": upload(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_url(case), edit)
    assert response.status_code == 302, [
        (f.formset.errors, f.formset.non_form_errors())
        for f in response.context["inline_admin_formsets"]
    ] + [response.context["adminform"].form.errors]
    case.record.refresh_from_db()
    second = private_dir / case.record.photo.name
    assert second.exists() and not first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(admin_url(case, "delete"), {"post": "yes"})
    assert not Case.objects.exists() and not second.exists()


def test_a_case_about_one_person_counts_one(world):
    client = logged_in_client(world["organiser"])
    response = client.post(
        admin_url(Case, "add"), case_form(world["campaign"], kind="person", group_size="3")
    )
    assert "A case about one person counts 1 person" in response.content.decode()


def test_deleting_every_public_description_of_a_case_is_refused(world):
    case = make_case(campaign=world["campaign"])
    texts = list(case.texts.order_by("language"))
    edit = case_form(world["campaign"]) | {
        **management("texts", 2, 2),
        "texts-0-id": texts[0].pk,
        "texts-0-case": case.pk,
        "texts-0-DELETE": "on",
        "texts-1-id": texts[1].pk,
        "texts-1-case": case.pk,
        "texts-1-DELETE": "on",
        **management("counts", 0),
        **management("record", 0),
    }
    response = logged_in_client(world["organiser"]).post(admin_url(case), edit)
    assert "Give the case a public description" in response.content.decode()
    assert case.texts.count() == 2


def test_a_superuser_of_another_lead_writes_no_record_on_this_campaign(world, admin_user):
    from outcry.testing import make_campaign, make_organisation

    other = make_organisation(name="Other Aid")
    make_campaign(lead=other)
    other.members.add(admin_user)
    client = logged_in_client(admin_user)
    refused = client.post(admin_url(Case, "add"), case_form(world["campaign"]))
    assert refused.status_code == 403
    assert not Case.objects.exists() and not CaseRecord.objects.exists()
    blank = case_form(world["campaign"], **{"record-0-real_names": ""})
    assert client.post(admin_url(Case, "add"), blank).status_code == 302
    assert Case.objects.count() == 1 and not CaseRecord.objects.exists()
