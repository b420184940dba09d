"""Supporters' countries: ISO codes, named in the reader's language; older free text kept."""

import importlib

from django.apps import apps
from django.utils import translation

from outcry.core.countries import country_code, country_name
from outcry.supporters.models import Supporter
from outcry.testing import make_petition, make_supporter


def test_a_code_is_named_in_the_readers_language():
    assert country_name("KR", "en") == "South Korea"
    assert country_name("KR", "ko") == "대한민국"
    with translation.override("ko"):
        assert country_name("us") == "미국"


def test_the_list_holds_countries_not_cldr_groupings_or_outlying_islands(client, db):
    petition = make_petition()
    for language in ["en", "ko"]:
        page = client.get(f"/{language}/c/{petition.campaign.slug}/").content.decode()
        assert '<option value="KR">' in page and '<option value="KP">' in page
        for code in ["EU", "UN", "IC", "EA", "AC", "TA", "CQ"]:
            assert f'<option value="{code}">' not in page, (language, code)


def test_free_text_that_is_not_a_code_is_shown_as_it_is():
    assert country_name("Narnia", "en") == "Narnia"
    assert country_name("中国", "en") == "中国"  # two letters, but no ISO code


def test_names_people_type_are_found_in_any_language_we_offer():
    for typed in ["South Korea", "korea", "대한민국", "한국", " Republic of Korea "]:
        assert country_code(typed) == "KR", typed
    assert country_code("United States") == country_code("USA") == "US"
    assert country_code("Atlantis") == ""


def test_the_migration_turns_typed_names_into_codes_and_keeps_the_rest(db):
    migration = importlib.import_module("outcry.supporters.migrations.0003_country_codes")
    typed = {
        "a@example.org": "Korea",
        "b@example.org": "대한민국",
        "c@example.org": "Atlantis",
        "d@example.org": "",
        "e@example.org": "US",
    }
    for email, country in typed.items():
        make_supporter(email=email, country=country)
    migration.names_to_codes(apps, schema_editor=None)
    stored = dict(Supporter.objects.values_list("email", "country"))
    assert stored == {
        "a@example.org": "KR",
        "b@example.org": "KR",
        "c@example.org": "Atlantis",
        "d@example.org": "",
        "e@example.org": "US",
    }
    assert Supporter.objects.get(email="c@example.org").country_name == "Atlantis"
