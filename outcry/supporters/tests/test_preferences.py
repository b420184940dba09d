"""Email preferences and unsubscribing, through the links a bulk email carries (HTTP only)."""

import re
import time

import pytest
from django.core.signing import TimestampSigner, b62_encode
from django.test import Client

from outcry.core.models import AuditEvent
from outcry.supporters import preferences
from outcry.supporters.models import Consent, Supporter
from outcry.supporters.services import data_link_code, erase_supporter
from outcry.testing import make_organisation, make_supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    return make_organisation(name="Lead Org"), make_organisation(name="Partner Org")


@pytest.fixture
def supporter(orgs):
    return make_supporter(email="min.park@example.org", consents_to=list(orgs))


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def active(supporter: Supporter) -> set[str]:
    return set(
        Consent.objects.filter(
            supporter=supporter, confirmed_at__isnull=False, withdrawn_at__isnull=True
        ).values_list("organisation__name", flat=True)
    )


class OldSigner(TimestampSigner):
    """Signs as if it were 61 days ago."""

    def timestamp(self) -> str:
        return b62_encode(int(time.time()) - 61 * 86400)


def old_code(supporter: Supporter, organisation=None) -> str:
    value = f"{supporter.pk}.{organisation.pk if organisation else 0}"
    return OldSigner(salt=preferences.SALT).sign(value)


def test_headers_offer_one_click_unsubscribe_for_the_organisation(supporter, orgs):
    headers = preferences.unsubscribe_headers(supporter, orgs[0])
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https?://\S+)>", headers["List-Unsubscribe"]).group(1)
    assert path_of(url).startswith("/en/email/")


def test_one_click_post_without_cookie_or_token_stops_that_organisation_only(supporter, orgs):
    url = path_of(preferences.unsubscribe_url(supporter, orgs[0]))
    # A mail provider posts exactly this body, with no cookie and no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert active(supporter) == {"Partner Org"}
    event = AuditEvent.objects.get(action=preferences.UNSUBSCRIBE_ACTION)
    assert event.organisation == orgs[0]
    assert event.details == {"supporter_id": supporter.pk, "via": "one-click"}
    # Twice is harmless.
    again = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action=preferences.UNSUBSCRIBE_ACTION).count() == 1


def test_opening_the_link_asks_first_and_changes_nothing(client, supporter, orgs):
    # Mail scanners open links: a GET must never unsubscribe.
    response = client.get(path_of(preferences.unsubscribe_url(supporter, orgs[0])))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stop emails from Lead Org" in page
    assert "Stop emails from every organisation" in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert active(supporter) == {"Lead Org", "Partner Org"}


def test_the_button_for_everyone_withdraws_every_permission(client, supporter, orgs):
    response = client.post(
        path_of(preferences.unsubscribe_url(supporter, orgs[0])), {"scope": "all"}
    )
    assert "No organisation on this site will send you campaign emails" in response.content.decode()
    assert active(supporter) == set()
    assert AuditEvent.objects.filter(action=preferences.UNSUBSCRIBE_ACTION).count() == 2


def test_unsubscribing_in_korean(client, supporter, orgs):
    supporter.language = "ko"
    supporter.save()
    url = path_of(preferences.unsubscribe_url(supporter, orgs[0]))
    assert url.startswith("/ko/email/")
    page = client.post(url, {"scope": "organisation"}).content.decode()
    assert "Lead Org" in page and "더 이상" in page
    assert active(supporter) == {"Partner Org"}


@pytest.mark.parametrize(
    "code",
    ["nonsense", "1.0:abc:def", "x" * 3000],
)
def test_a_broken_or_forged_link_says_so(client, supporter, code):
    for url in (f"/en/email/{code}/", f"/en/email/{code}/stop/"):
        response = client.post(url, {"scope": "all"})
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert active(supporter) == {"Lead Org", "Partner Org"}


def test_a_nul_in_the_link_is_refused_before_any_view(client, supporter):
    for url in ("/en/email/%00/", "/en/email/%00/stop/"):
        assert client.post(url, {"scope": "all"}).status_code == 400
    assert active(supporter) == {"Lead Org", "Partner Org"}


def test_a_code_from_another_kind_of_link_is_refused(client, supporter):
    forged = TimestampSigner(salt="outcry.supporters.data-link").sign(f"{supporter.pk}.0")
    response = client.post(f"/en/email/{forged}/stop/", {"scope": "all"})
    assert response.status_code == 404
    assert active(supporter) == {"Lead Org", "Partner Org"}


def test_the_page_lists_the_organisations_and_lets_one_go(client, supporter, orgs):
    url = path_of(preferences.preferences_url(supporter, orgs[0]))
    page = client.get(url).content.decode()
    assert "Lead Org" in page and "Partner Org" in page
    # The address is recognisable but not readable in full by whoever opens a forwarded email.
    assert "m•••@example.org" in page
    assert "min.park@example.org" not in page
    response = client.post(url, {"keep": [str(orgs[1].pk)], "language": "en"})
    assert response.status_code == 302
    assert active(supporter) == {"Partner Org"}
    page = client.get(response["Location"]).content.decode()
    assert "Your choices are saved" in page
    # The page only lowers: the organisation let go is no longer offered.
    assert "Lead Org" not in page


def test_changing_the_language_moves_the_page_and_the_emails_to_it(client, supporter, orgs):
    url = path_of(preferences.preferences_url(supporter))
    keep = [str(org.pk) for org in orgs]
    response = client.post(url, {"keep": keep, "language": "ko"})
    assert response["Location"].startswith("/ko/email/")
    supporter.refresh_from_db()
    assert supporter.language == "ko"
    assert active(supporter) == {"Lead Org", "Partner Org"}
    assert "저장" in client.get(response["Location"]).content.decode()


def test_the_page_cannot_give_a_permission_the_supporter_does_not_hold(client, supporter, orgs):
    stranger = make_organisation(name="Stranger Org")
    url = path_of(preferences.preferences_url(supporter))
    response = client.post(url, {"keep": [str(stranger.pk), str(orgs[0].pk)], "language": "en"})
    assert response.status_code == 400
    assert "is not one of the available choices" in response.content.decode()
    assert active(supporter) == {"Lead Org", "Partner Org"}
    assert not Consent.objects.filter(organisation=stranger).exists()


def test_bad_input_on_the_page_gets_a_message_not_an_error(client, supporter):
    url = path_of(preferences.preferences_url(supporter))
    for data in ({"language": "xx"}, {"language": "\x00"}, {"keep": ["abc"], "language": "en"}):
        response = client.post(url, data)
        assert response.status_code == 400
        assert 'class="error"' in response.content.decode()
    assert active(supporter) == {"Lead Org", "Partner Org"}


def test_the_page_needs_its_csrf_token(supporter):
    client = Client(enforce_csrf_checks=True)
    url = path_of(preferences.preferences_url(supporter))
    assert client.post(url, {"language": "ko"}).status_code == 403
    supporter.refresh_from_db()
    assert supporter.language == "en"


def test_an_old_link_still_stops_mail_but_no_longer_shows_who_writes(client, supporter, orgs):
    code = old_code(supporter, orgs[0])
    page = client.get(f"/en/email/{code}/").content.decode()
    assert "too old" in page
    assert "Lead Org" not in page and "Partner Org" not in page
    response = client.post(f"/en/email/{code}/stop/", {"scope": "organisation"})
    assert response.status_code == 200
    assert active(supporter) == {"Partner Org"}


def test_after_erasure_the_link_has_nothing_to_show(client, supporter):
    erase_supporter(supporter_id=supporter.pk)
    page = client.get(path_of(preferences.preferences_url(supporter))).content.decode()
    assert "has been erased" in page
    assert "Lead Org" not in page


def test_an_unconfirmed_permission_is_withdrawn_too_but_not_reported(client, orgs):
    pending = make_supporter(consents_to=[orgs[0]], consent_confirmed=False)
    client.post(path_of(preferences.unsubscribe_url(pending)), {"scope": "all"})
    consent = Consent.objects.get(supporter=pending)
    assert consent.withdrawn_at is not None
    # The organisation never knew this supporter, so it is not told they left.
    assert not AuditEvent.objects.filter(action=preferences.UNSUBSCRIBE_ACTION).exists()


def test_the_data_page_links_to_the_preferences(client, supporter):
    page = client.get(f"/en/your-data/{data_link_code(supporter)}/").content.decode()
    link = re.search(r'href="(/en/email/[^"]+/)"', page).group(1)
    assert "Lead Org" in client.get(link).content.decode()
