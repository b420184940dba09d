"""A Korean organiser's admin is Korean: field, filter and model names come from the catalogue.

Django's own catalogue has a few gaps (e.g. "Filter by …" in the list filter), so
the tests look for our labels, not for the absence of every English word.
"""

import pytest
from django.urls import reverse

from outcry.directory.models import ZipDistrict
from outcry.directory.testing import make_target
from outcry.letters.models import Delivery, Letter
from outcry.testing import make_letter_action, make_petition, make_signature


@pytest.fixture
def korean_admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    return client


@pytest.fixture
def letter(db):
    target = make_target(name="Embassy in Seoul", channels={"email": "emb@example.org"})
    petition = make_petition()
    signature = make_signature(petition=petition, name="Min-jun Kim", email="min@example.org")
    action = make_letter_action(campaign=petition.campaign, targets=[target])
    letter = Letter.objects.create(
        action=action, supporter=signature.supporter, language="en", subject="Hello", body="…"
    )
    Delivery.objects.create(
        letter=letter,
        target=target,
        channel=target.channels.get(),
        kind="email",
        idempotency_key=f"letter-{letter.pk}",
        status=Delivery.Status.FAILED,
        error_code=Delivery.Error.TIMEOUT,
        attempt_count=2,
    )
    ZipDistrict.objects.create(zcta="02108", state="MA", district=8)
    return letter


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_admin_index_names_the_site_and_every_model_in_korean(korean_admin, letter):
    html = page(korean_admin, reverse("admin:index"))
    assert "outcry 관리" in html
    assert "우편번호별 선거구" in html
    assert "Zip districts" not in html
    assert "Counter shards" not in html


def test_delivery_list_labels_are_korean(korean_admin, letter):
    html = page(korean_admin, reverse("admin:letters_delivery_changelist"))
    for label in ["수신처", "연락 경로", "상태", "문제", "시도 횟수", "생성일", "다음 시도"]:
        assert label in html, label
    for english in ["Attempt count", "Created at", "Next attempt at", "Error code"]:
        assert english not in html, english


def test_letter_page_shows_its_deliveries_by_name_not_code(korean_admin, letter):
    html = page(korean_admin, reverse("admin:letters_letter_change", args=[letter.pk]))
    assert "편지 보내기 행동" in html
    assert "시도 횟수" in html
    assert "이메일 → Embassy in Seoul (US) (실패)" in html
    assert "(failed)" not in html
    assert "Attempt count" not in html


def test_supporter_and_signature_lists_are_korean(korean_admin, letter):
    supporters = page(korean_admin, reverse("admin:supporters_supporter_changelist"))
    assert "선호 언어" in supporters and "생성일" in supporters
    assert "Created at" not in supporters
    signatures = page(korean_admin, reverse("admin:petitions_signature_changelist"))
    assert "이름 공개 방식" in signatures and "서명 일시" in signatures
    assert "Created at" not in signatures and "Public name" not in signatures


def test_zip_district_list_is_korean(korean_admin, letter):
    html = page(korean_admin, reverse("admin:directory_zipdistrict_changelist"))
    for label in ["우편번호(ZIP 코드)", "주(州)", "선거구", "우편번호별 선거구"]:
        assert label in html, label
    for english in ["Zcta", "Zip districts", "Zip district"]:
        assert english not in html, english
