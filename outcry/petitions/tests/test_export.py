"""Exporting a petition's signatures as CSV from the admin."""

import csv
import io

import pytest
from django.urls import reverse

from outcry.core import spreadsheet
from outcry.core.models import AuditEvent
from outcry.testing import (
    make_campaign,
    make_organisation,
    make_organiser,
    make_petition,
    make_signature,
)

INJECTIONS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1:A2)"]


@pytest.fixture
def petition(org_a, org_b):
    """A petition of a campaign led by A with partner B, signed by people with various consent."""
    petition = make_petition(campaign=make_campaign(lead=org_a, partners=[org_b]))
    make_signature(
        petition=petition,
        name="김민준",
        email="minjun@example.org",
        country="KR",
        postcode="03044",
        language="ko",
        comment="꼭 살려 주세요",
        public_name="first_country",
        consents_to=[org_a],
    )
    for n, name in enumerate(INJECTIONS):
        make_signature(
            petition=petition, name=name, email=f"inject{n}@example.org", consents_to=[org_a]
        )
    make_signature(
        petition=petition,
        name="Tab Comment",
        email="=cmd@example.org",
        comment="\t=1+2",
        consents_to=[org_a],
    )
    make_signature(
        petition=petition, name="Only Beta", email="beta@example.org", consents_to=[org_b]
    )
    make_signature(
        petition=petition,
        name="Never Confirmed",
        email="unconfirmed@example.org",
        consents_to=[org_a],
        consent_confirmed=False,
    )
    make_signature(petition=petition, name="No Consent", email="silent@example.org")
    make_signature(
        petition=petition, name="Still Pending", email="pending@example.org", confirmed=False
    )
    return petition


def export_url(petition) -> str:
    return reverse("admin:petitions_petition_export", args=[petition.pk])


def download(client, petition) -> tuple[bytes, list[list[str]]]:
    response = client.post(export_url(petition))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="signatures-{petition.slug}-'
    )
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def as_organiser(client, organisation):
    client.force_login(make_organiser(organisation=organisation))
    return client


def test_export_holds_only_signers_who_consented_to_the_organisation(client, petition, org_a):
    _body, rows = download(as_organiser(client, org_a), petition)
    header, *data = rows
    assert header == [
        "name",
        "email",
        "country",
        "country code",
        "postcode",
        "preferred language",
        "signed at (UTC)",
        "confirmed at (UTC)",
        "comment",
        "public name",
    ]
    emails = {row[1] for row in data}
    assert emails == {
        "minjun@example.org",
        *(f"inject{n}@example.org" for n in range(len(INJECTIONS))),
        "'=cmd@example.org",
    }


def test_partner_organisation_exports_only_its_own_consenting_signers(client, petition, org_b):
    _body, rows = download(as_organiser(client, org_b), petition)
    assert [row[:2] for row in rows[1:]] == [["Only Beta", "beta@example.org"]]


def test_export_neutralises_formulas(client, petition, org_a):
    _body, rows = download(as_organiser(client, org_a), petition)
    names = {row[0] for row in rows[1:]}
    for injection in INJECTIONS:
        assert injection not in names
        assert f"'{injection}" in names
    tab_row = next(row for row in rows if row[0] == "Tab Comment")
    assert tab_row[1] == "'=cmd@example.org"
    assert tab_row[8] == "'\t=1+2"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_korean_survives_with_a_byte_order_mark_for_excel(client, petition, org_a):
    body, rows = download(as_organiser(client, org_a), petition)
    assert body.startswith(b"\xef\xbb\xbf")
    korean = next(row for row in rows if row[1] == "minjun@example.org")
    assert korean[0] == "김민준"
    # The country named in the organiser's language, then its code.
    assert korean[2:6] == ["South Korea", "KR", "03044", "ko"]
    assert korean[8:] == ["꼭 살려 주세요", "Short name and country"]
    assert korean[6] and korean[7]  # signed and confirmed, as "YYYY-MM-DD HH:MM:SS"
    assert len(korean[6]) == 19


def test_public_name_is_the_choice_in_the_organisers_language(client, petition, org_a):
    client = as_organiser(client, org_a)
    response = client.post(export_url(petition), headers={"accept-language": "ko"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *data = list(csv.reader(io.StringIO(body)))
    assert header[-1] == "이름 공개 방식"
    korean = next(row for row in data if row[1] == "minjun@example.org")
    assert korean[-1] == "이름 일부와 국가 표시"
    assert {row[-1] for row in data if row[1] != "minjun@example.org"} == {"이름을 표시하지 않음"}


def test_export_is_streamed_in_chunks(client, petition, org_a, monkeypatch):
    monkeypatch.setattr(spreadsheet, "ROWS_PER_CHUNK", 2)
    response = as_organiser(client, org_a).post(export_url(petition))
    chunks = list(response.streaming_content)
    assert len(chunks) == 1 + 3  # the header, then six rows two at a time
    assert b"".join(chunks).decode("utf-8-sig").count("\r\n") == 7


def test_export_is_recorded_in_the_audit_log(client, petition, org_a):
    client = as_organiser(client, org_a)
    page = client.get(export_url(petition))
    assert page.status_code == 200
    assert "The file will hold 6 of the 10 signatures" in page.content.decode()
    assert not AuditEvent.objects.exists()

    download(client, petition)
    event = AuditEvent.objects.get()
    assert event.action == "export-signatures"
    assert event.actor.organisations.get() == org_a
    assert event.actor_username == event.actor.username
    assert event.organisation == org_a
    assert event.object_repr == "Protect the refugees"
    assert event.details["petition_id"] == petition.pk
    assert event.details["row_count"] == 6
    assert event.details["organisations"] == [org_a.slug]


def test_organiser_of_another_campaign_cannot_export(client, petition):
    client = as_organiser(client, make_organisation(name="Gamma"))
    assert client.get(export_url(petition)).status_code == 404
    assert client.post(export_url(petition)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_superuser_exports_every_signature(admin_client, petition):
    _body, rows = download(admin_client, petition)
    assert len(rows) == 1 + 10
    event = AuditEvent.objects.get()
    assert event.organisation is None and event.details["organisations"] == ["*"]


def test_petition_admin_links_to_the_export(client, petition, org_a):
    client = as_organiser(client, org_a)
    listing = client.get(reverse("admin:petitions_petition_changelist")).content.decode()
    assert f'href="{export_url(petition)}"' in listing
    change = reverse("admin:petitions_petition_change", args=[petition.pk])
    assert f'href="{export_url(petition)}"' in client.get(change).content.decode()


def test_export_neutralises_formulas_after_a_separator_a_spreadsheet_may_split_at(
    client, petition, org_a
):
    # A spreadsheet set to a semicolon-separated locale splits this comma-separated
    # file at every ";" (some at ","): each piece must be text too.
    make_signature(
        petition=petition,
        name="Ana, -1+2",
        email="ana@example.org",
        comment='Free them; =HYPERLINK("http://x");\n @SUM(A1)',
        consents_to=[org_a],
    )
    make_signature(petition=petition, name=" =1+1", email="space@example.org", consents_to=[org_a])
    _body, rows = download(as_organiser(client, org_a), petition)
    ana = next(row for row in rows if row[1] == "ana@example.org")
    assert ana[0] == "Ana, '-1+2"
    assert ana[8] == "Free them; '=HYPERLINK(\"http://x\");\n '@SUM(A1)"
    assert next(row for row in rows if row[1] == "space@example.org")[0] == " '=1+1"
    for row in rows:
        for cell in row:
            for piece in cell.replace(",", ";").split(";"):
                assert not piece.lstrip(" \n").startswith(("=", "+", "-", "@", "\t", "\r")), cell
