"""One mailbox is one supporter, however its address is spelt (issue 8, hole 3)."""

import html
import logging

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from outcry.petitions.models import Signature
from outcry.supporters.models import Supporter
from outcry.testing import make_petition, post_signature

INVISIBLE = "This address contains invisible characters. Please type it again."
NOT_A_DOMAIN = "Please give an address with a full domain name, such as name@example.org."
NOT_AN_EMAIL = "This does not look like an email address. Please check it."


@pytest.fixture
def petition(db):
    return make_petition()


def refused_with(response, message: str) -> bool:
    return response.status_code == 400 and message in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("min@example.org\u200b", INVISIBLE),
        ("min\u200d@example.org", INVISIBLE),
        ("min@exam\u00adple.org", INVISIBLE),
        ("min@example.org\U000e0041", INVISIBLE),
        ("min@\u2060example.org", INVISIBLE),
        ("min@[127.0.0.1]", NOT_A_DOMAIN),
        ("min@[::1]", NOT_A_DOMAIN),
        ("min@localhost", NOT_A_DOMAIN),
        ("min@" + "a" * 64 + ".org", NOT_AN_EMAIL),
    ],
)
def test_an_address_with_invisible_characters_or_no_internet_domain_is_refused(
    petition, address, message
):
    assert refused_with(post_signature(Client(), petition, email=address), message)
    assert not Supporter.objects.exists() and not Signature.objects.exists()


def test_the_refusal_is_in_korean_on_the_korean_page(petition):
    answer = post_signature(Client(), petition, language="ko", email="min@localhost")
    assert refused_with(answer, "name@example.org처럼 도메인 이름까지 모두 적어 주세요.")
    answer = post_signature(Client(), petition, language="ko", email="min@example.org\u200b")
    assert refused_with(answer, "주소에 보이지 않는 문자가 들어 있습니다. 다시 입력해 주세요.")


@pytest.mark.parametrize(
    "spellings",
    [
        [
            "min@example.org",
            "min@\uff45xample.org",
            "MIN@EXAMPLE.ORG",
            "min@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.org",
        ],
        ["min@münchen.de", "min@xn--mnchen-3ya.de", "min@MÜNCHEN.de", "min@XN--MNCHEN-3YA.DE"],
    ],
)
def test_every_spelling_of_one_domain_is_one_supporter_and_one_signature(petition, spellings):
    for n, spelling in enumerate(spellings):
        answer = post_signature(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), petition, email=spelling)
        assert answer.status_code == 302
    [supporter] = Supporter.objects.all()
    assert supporter.email == spellings[0]  # the Unicode form, as people read it
    assert petition.signatures.count() == 1


def test_an_invisible_name_gets_a_message_and_a_tagged_name_loses_its_tags(petition):
    answer = post_signature(Client(), petition, name="\u200d\u0301")
    assert refused_with(
        answer, "This shows as blank: it has no visible letters. Please type it again."
    )
    assert refused_with(
        post_signature(Client(), petition, name="\u3164"), "Please tell us your name."
    )
    assert post_signature(Client(), petition, name="Kim\U000e0041\U000e007f").status_code == 302
    assert Signature.objects.get().name == "Kim"


def migrate(targets):
    """Migrate to *targets*; return the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.migrate(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_addresses_canonical_and_leaves_two_of_one_mailbox_alone(caplog):
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate([("supporters", "0004_supporter_erased_at")])
    # Rows as the old normalisation (NFC, lower case) kept them, with the columns of then.
    OldSupporter = old.get_model("supporters", "Supporter")
    alone = OldSupporter.objects.create(email="kim@\uff45xample.org", name="Kim")
    first = OldSupporter.objects.create(email="min@example.org", name="Min")
    second = OldSupporter.objects.create(email="min@\uff45xample.org", name="Min")
    punycode = OldSupporter.objects.create(email="lee@xn--mnchen-3ya.de", name="Lee")
    with caplog.at_level(logging.WARNING, logger="outcry.supporters"):
        migrate(leaves)
    emails = dict(Supporter.objects.values_list("pk", "email"))
    assert emails[alone.pk] == "kim@example.org"
    assert emails[punycode.pk] == "lee@münchen.de"
    # Both kept as they were: the data stays intact for a person to merge.
    assert emails[first.pk] == "min@example.org"
    assert emails[second.pk] == "min@\uff45xample.org"
    assert f"Supporters {first.pk} and {second.pk} are one mailbox" in caplog.text
