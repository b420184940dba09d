"""Attacks on cases: two leads and a partner in the admin, strangers on the public pages.

Organisation A leads a campaign with partner P; organisation B leads another.
Each tries every admin URL, action and query on the others' cases; no response
may hold a protected value of a campaign whose lead they are not a member of.
"""

from datetime import date

import pytest
from django.urls import reverse

from outcry.cases.models import Case, StatusChange
from outcry.cases.testing import add_change, add_record, make_case
from outcry.mailings.models import Mailing
from outcry.testing import (
    accept_partner,
    admin_url,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
)

pytestmark = pytest.mark.django_db

SECRETS = ["SECRET-NAME", "SECRET-PLACE", "SECRET-CONTACT"]


@pytest.fixture
def two(db):
    a, b, p = (make_organisation(name=name) for name in ("Org A", "Org B", "Partner P"))
    campaign_a = make_campaign(lead=a, title="Campaign of A")
    accept_partner(campaign_a, p)
    campaign_b = make_campaign(lead=b, title="Campaign of B")
    case_a = make_case(campaign=campaign_a, summary="Case of A")
    case_b = make_case(campaign=campaign_b, summary="Case of B")
    add_record(case_a)
    add_record(case_b)
    return {
        "campaign_a": campaign_a,
        "campaign_b": campaign_b,
        "case_a": case_a,
        "case_b": case_b,
        "change_a": add_change(case_a, on=date(2012, 2, 8)),
        "change_b": add_change(case_b, on=date(2012, 2, 9)),
        "a": logged_in_client(make_organiser(organisation=a)),
        "b": logged_in_client(make_organiser(organisation=b)),
        "p": logged_in_client(make_organiser(organisation=p)),
    }


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def leaked(response) -> list[str]:
    text = body(response)
    return [value for value in SECRETS if value in text]


def test_nobody_else_reads_a_record_through_any_admin_page(two):
    case_a, change_a = two["case_a"], two["change_a"]
    urls = [
        admin_url(Case, "changelist"),
        admin_url(case_a),
        admin_url(case_a, "history"),
        admin_url(case_a, "delete"),
        admin_url(StatusChange, "changelist"),
        admin_url(change_a),
        admin_url(change_a, "history"),
        admin_url(change_a, "delete"),
        admin_url(StatusChange, "add") + f"?case={case_a.pk}",
        reverse("admin:autocomplete")
        + "?app_label=cases&model_name=statuschange&field_name=case&term=",
    ]
    Case.objects.filter(pk=case_a.pk).update(is_published=False)  # not even its public part
    for who in ("b", "p"):
        for url in urls:
            response = two[who].get(url)
            assert response.status_code in (200, 302, 403, 404), (who, url)
            assert not leaked(response), (who, url)
            if who == "b":
                assert "Case of A" not in body(response), url


@pytest.mark.parametrize(
    "query",
    [
        "record__real_names__icontains=SECRET",
        "record__real_names=SECRET-NAME Kim",
        "record__family_contacts__startswith=SECRET",
        "record__exact_place__contains=cell",
        "record__notes__regex=.",
        "campaign__lead_organisation__name=Org A",
    ],
)
def test_a_changelist_query_cannot_filter_on_protected_fields(two, query):
    for who in ("b", "p", "a"):
        response = two[who].get(admin_url(Case, "changelist") + "?" + query)
        assert response.status_code in (302, 400), (who, query, response.status_code)
        if response.status_code == 302:
            assert "e=1" in response["Location"]
    response = two["p"].get(
        admin_url(StatusChange, "changelist") + "?case__record__real_names__icontains=SECRET"
    )
    assert response.status_code in (302, 400)


def test_b_sees_nothing_of_as_cases_in_lists_or_autocomplete(two):
    response = two["b"].get(admin_url(Case, "changelist"))
    assert "Case of A" not in body(response)
    assert "Case of B" in body(response)
    response = two["b"].get(
        reverse("admin:autocomplete")
        + "?app_label=cases&model_name=statuschange&field_name=case&term=Case"
    )
    assert "Case of A" not in body(response)
    assert two["b"].get(admin_url(two["case_a"])).status_code in (302, 404)


def test_the_photo_view_serves_no_one_else_and_no_other_path(two, private_dir):
    from django.core.files.base import ContentFile

    record = two["case_a"].record
    record.photo.save("cases/abc.jpg", ContentFile(b"\xff\xd8\xff-secret"), save=True)
    url = record.photo.url
    assert two["a"].get(url).status_code == 200
    assert two["b"].get(url).status_code == 404
    assert two["p"].get(url).status_code == 404
    for other in ["../settings.py", "cases/../cases/abc.jpg", "/etc/passwd", "cases/"]:
        path = reverse("admin:cases_case_photo", kwargs={"name": other})
        assert two["a"].get(path).status_code == 404, other


def test_no_one_drafts_an_update_from_anothers_status_change(two):
    for who, change in (("p", two["change_a"]), ("b", two["change_a"]), ("a", two["change_b"])):
        two[who].post(
            admin_url(StatusChange, "changelist"),
            {"action": "draft_update", "_selected_action": [change.pk]},
        )
    assert not Mailing.objects.exists()


def test_a_drafted_mailing_is_reviewed_by_the_lead_alone(two):
    two["a"].post(
        admin_url(StatusChange, "changelist"),
        {"action": "draft_update", "_selected_action": [two["change_a"].pk]},
    )
    mailing = Mailing.objects.get()
    review = reverse("admin:mailings_mailing_review", args=[mailing.pk])
    assert two["a"].get(review).status_code == 200
    assert two["b"].get(review).status_code == 404
    assert two["p"].get(review).status_code == 404
    assert not any(value in mailing.texts.first().body for value in SECRETS)


def test_no_one_else_changes_or_deletes_a_case_or_its_changes(two):
    case_a = two["case_a"]
    for who in ("b", "p"):
        two[who].post(admin_url(case_a, "delete"), {"post": "yes"})
        two[who].post(
            admin_url(Case, "changelist"),
            {"action": "delete_selected", "_selected_action": [case_a.pk], "post": "yes"},
        )
        two[who].post(
            admin_url(StatusChange, "changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [two["change_a"].pk],
                "post": "yes",
            },
        )
    assert Case.objects.filter(pk=case_a.pk).exists()
    assert StatusChange.objects.filter(pk=two["change_a"].pk).exists()


def test_strangers_find_no_draft_unpublished_or_foreign_case(client, two):
    case_a, case_b = two["case_a"], two["case_b"]
    slug_a = two["campaign_a"].slug
    assert client.get(reverse("cases:detail", args=[slug_a, case_b.pk])).status_code == 404
    Case.objects.filter(pk=case_a.pk).update(is_published=False)
    assert client.get(reverse("cases:detail", args=[slug_a, case_a.pk])).status_code == 404
    assert "Case of A" not in body(client.get(reverse("cases:list", args=[slug_a])))
    two["campaign_b"].status = "draft"
    two["campaign_b"].save()
    slug_b = two["campaign_b"].slug
    assert client.get(reverse("cases:list", args=[slug_b])).status_code == 404
    assert client.get(reverse("cases:detail", args=[slug_b, case_b.pk])).status_code == 404
    assert (
        client.get(reverse("cases:detail", args=[slug_a, 99999999999999999999])).status_code == 404
    )
    assert client.post(reverse("cases:list", args=[slug_a])).status_code == 405


@pytest.mark.parametrize("language", ["en", "ko"])
def test_dates_at_the_ends_of_the_calendar_and_unreadable_queries_never_fail(client, two, language):
    from outcry.cases.tests.test_admin import case_form, change_form

    form = case_form(
        two["campaign_a"],
        arrested_on="0001-01-01",
        window_starts_on="9999-12-30",
        window_ends_on="9999-12-31",
        window_source_outlet="VOA",
        window_source_on="0001-01-02",
    )
    assert two["a"].post(reverse("admin:cases_case_add"), form).status_code == 302
    case = Case.objects.latest("pk")
    change = change_form(case, happened_on="0001-01-01") | {"sources-0-published_on": "0001-01-01"}
    assert two["a"].post(reverse("admin:cases_statuschange_add"), change).status_code == 302
    slug = two["campaign_a"].slug
    for path in (f"/{language}/c/{slug}/cases/", f"/{language}/c/{slug}/cases/{case.pk}/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Group of 10 arrested in Shenyang" in body(response) or language == "ko"
        for query in ("?x=%ff%fe", "?%00=%c0%af", "?" + "a=b&" * 2000):
            assert client.get(path + query).status_code in (200, 400), (path, query)
