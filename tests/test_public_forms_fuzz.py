"""Property-based tests of every public form: whatever arrives, no 500 and nothing malformed stored.

Hypothesis starts from a form a supporter could send and replaces some of its fields
with arbitrary Unicode, huge values, control and invisible characters, markup, header
and formula injections, or sends a body of arbitrary bytes. After every request the
answer must be a page (never a server error) and every row a public form can write
must still be well formed: no control characters, no unreadable U+FFFD, no
bidirectional overrides in what the public sees, one-line fields on one line, and no
value longer than its column.
"""

import re

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from outcry.directory.testing import make_channel, make_target
from outcry.testing import (
    letter_form,
    make_campaign,
    make_letter_action,
    make_organisation,
    make_petition,
    sign_form,
)

pytestmark = pytest.mark.django_db

# Kept small enough for `make test` (a few seconds per form); `HYPOTHESIS_PROFILE=long`
# runs many more examples when hunting (see docs/development.md).
settings.register_profile(
    "default",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("default")

# What no stored text may contain: C0/C1 controls other than tab and line breaks,
# and the replacement character that undecodable bytes become.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
# Bidirectional embeddings, overrides and isolates: they make public text read backwards.
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")

NASTY = [
    "",
    " ",
    "=?utf-8?b?QmNjOiBldmlsQGV4YW1wbGUub3Jn?=",
    "=?utf-8?q?evil=40example.org?= <x@example.org>",
    "Min\r\nBcc: evil@example.org",
    "Min\nReply-To: evil@example.org",
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("https://evil.example")',
    "a;=1+2",
    "+cmd|' /C calc'!A0",
    "\u202egnp.exe",
    "\u2066Kim\u2069",
    "\x00",
    "\x1b[31mred",
    "\ufeff\u200b",
    "\ufffd",
    "김민준",
    "金正恩",
    "ﷺ" * 50,
    "\u0958" * 120,
    "🏳️‍🌈" * 30,
    "M" * 10_000,
    "x@example.org",
    "MIN@EXAMPLE.ORG ",
    "a@b",
    "@",
    "a" * 300 + "@example.org",
    "1" * 30,
    "-1",
    "99999999999999999999",
    "../../etc/passwd",
    "%00",
]

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000),
    st.lists(st.sampled_from(NASTY), min_size=2, max_size=4).map("".join),
)


def hostile_overrides(field_names: list[str]):
    """Replace between one and all of *field_names* with hostile values (or drop them)."""
    value = st.one_of(hostile_text, st.none(), st.lists(hostile_text, min_size=2, max_size=3))
    return st.dictionaries(st.sampled_from(field_names), value, min_size=1)


def apply(form: dict, overrides: dict) -> dict:
    data = dict(form)
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def stored_text_problems() -> list[str]:
    """Every text value a public form can write that is not well formed, named by where it is."""
    problems = []
    for label in ("supporters", "petitions", "letters", "updates", "core"):
        for model in apps.get_app_config(label).get_models():
            fields = [
                field
                for field in model._meta.concrete_fields
                if isinstance(field, (models.CharField, models.TextField))
            ]
            for row in model._default_manager.all().values("pk", *(f.name for f in fields)):
                for field in fields:
                    value = row[field.name]
                    if not isinstance(value, str):
                        continue
                    where = f"{model.__name__}.{field.name} (pk {row['pk']}): {value[:80]!r}"
                    if CONTROL.search(value):
                        problems.append(f"control character in {where}")
                    if field.max_length and len(value) > field.max_length:
                        problems.append(f"longer than {field.max_length} in {where}")
                    if isinstance(field, models.CharField) and ("\n" in value or "\r" in value):
                        problems.append(f"line break in one-line {where}")
                    if BIDI.search(value):
                        problems.append(f"bidirectional control in {where}")
    return problems


def post_and_check(url: str, data=None, *, body: bytes | None = None) -> None:
    """POST *data* (or raw *body*) to *url*; assert a page came back and nothing bad was stored.

    Each example's rows are rolled back afterwards, so one example's row never
    fails the next and Hypothesis shrinks to the input that wrote it.
    """
    with transaction.atomic():
        if body is None:
            response = Client().post(url, data)
        else:
            response = Client().generic(
                "POST", url, body, content_type="application/x-www-form-urlencoded"
            )
        assert response.status_code < 500, response.content[:500]
        assert stored_text_problems() == []
        transaction.set_rollback(True)


@pytest.fixture
def quiet(settings):
    # Limits and the flood challenge would soon answer every example with "too many";
    # the point here is what the forms make of the input.
    settings.RATELIMIT_ENABLED = False


@pytest.fixture
def petition(db):
    lead = make_organisation(name="Justice for North Korea")
    partner = make_organisation(name="Helping Hands Korea")
    campaign = make_campaign(lead=lead, partners=[partner])
    return make_petition(campaign=campaign, needs_confirmation=False)


def sign_url(petition, language: str) -> str:
    with translation.override(language):
        return reverse("petitions:sign", args=[petition.slug])


@given(
    overrides=hostile_overrides(
        ["name", "email", "country", "postcode", "comment", "public_name", "consent_1"]
    ),
    language=st.sampled_from(["en", "ko"]),
)
# Cases that once got through: a right-to-left override kept in a public comment,
# an encoded-word name that became a Bcc header.
@example(overrides={"comment": "\u202egnp.exe"}, language="en")
@example(overrides={"name": "=?utf-8?b?QmNjOiBldmlsQGV4YW1wbGUub3Jn?="}, language="en")
def test_the_sign_form_answers_anything_with_a_page_and_stores_only_clean_text(
    quiet, petition, overrides, language
):
    post_and_check(sign_url(petition, language), apply(sign_form(), overrides))


@given(body=st.binary(max_size=2000), language=st.sampled_from(["en", "ko"]))
def test_the_sign_form_answers_any_bytes_with_a_page(quiet, petition, body, language):
    post_and_check(sign_url(petition, language), body=body)


@pytest.fixture
def letter_action(db):
    embassy = make_target(
        name="Embassy of the People's Republic of China",
        channels={"email": "embassy@example.cn", "fax": "+12024952138"},
    )
    make_channel(target=embassy, kind="post", value="3505 International Place NW, Washington")
    consulate = make_target(name="Consulate-General in New York", channels={"fax": "+12125649389"})
    return make_letter_action(selection="choose", targets=[embassy, consulate])


LETTER_FIELDS = [
    "name",
    "email",
    "country",
    "zip_code",
    "city",
    "letter_language",
    "nonce",
    "subject",
    "mode",
    "channels",
    "goto",
    "targets",
    "compose_step",
    "targets_step",
]


@given(data=st.data(), language=st.sampled_from(["en", "ko"]))
def test_the_letter_composer_answers_anything_with_a_page_and_stores_only_clean_text(
    quiet, letter_action, data, language
):
    targets = list(letter_action.target_list.targets.all())
    form = letter_form(
        letter_action,
        targets=targets[:1],
        channels=data.draw(st.sampled_from([("email",), ("fax",), ("post",), ("email", "fax")])),
        goto=data.draw(st.sampled_from(["send", "compose", "details", "targets"])),
    )
    paragraph_fields = [name for name in form if name.startswith(("p_", "e_"))]
    overrides = data.draw(hostile_overrides(LETTER_FIELDS + paragraph_fields))
    with translation.override(language):
        url = reverse("letters:compose", args=[letter_action.slug])
    post_and_check(url, apply(form, overrides))


@given(body=st.binary(max_size=2000))
def test_the_letter_composer_answers_any_bytes_with_a_page(quiet, letter_action, body):
    with translation.override("en"):
        url = reverse("letters:compose", args=[letter_action.slug])
    post_and_check(url, body=body)


@given(
    overrides=hostile_overrides(["channel", "note"]),
    language=st.sampled_from(["en", "ko"]),
)
def test_the_address_report_form_answers_anything_with_a_page_and_stores_only_clean_text(
    quiet, letter_action, overrides, language
):
    target = letter_action.target_list.targets.first()
    channel = target.channels.first()
    with translation.override(language):
        url = reverse("directory:report", args=[target.pk])
    data = apply({"channel": str(channel.pk), "note": "The fax number has changed."}, overrides)
    post_and_check(url, data)


@given(
    path=st.sampled_from(
        [
            "home",
            "campaign",
            "signers",
            "thanks",
            "confirm",
            "updates",
            "feed",
            "press",
            "events",
            "events-calendar",
        ]
    ),
    query=st.dictionaries(
        st.sampled_from(["page", "s", "lang", "next", "q", "country", "city", "step"]),
        hostile_text,
        max_size=3,
    ),
)
def test_public_pages_answer_any_query_string_with_a_page(quiet, petition, path, query):
    with translation.override("en"):
        url = {
            "home": reverse("campaigns:home"),
            "campaign": reverse("campaigns:detail", args=[petition.campaign.slug]),
            "signers": reverse("petitions:signers", args=[petition.slug]),
            "thanks": reverse("petitions:thanks", args=[petition.slug]),
            "confirm": reverse("actions:confirm", args=["x" * 40]),
            "updates": reverse("updates:list", args=[petition.campaign.slug]),
            "feed": reverse("updates:feed", args=[petition.campaign.slug]),
            "press": reverse("updates:press", args=[petition.campaign.slug]),
            "events": reverse("events:list", args=[petition.campaign.slug]),
            "events-calendar": reverse("events:campaign_calendar", args=[petition.campaign.slug]),
        }[path]
    response = Client().get(url, query)
    assert response.status_code < 500, response.content[:500]


@given(overrides=hostile_overrides(["email"]), language=st.sampled_from(["en", "ko"]))
def test_the_your_data_form_answers_anything_with_a_page_and_stores_only_clean_text(
    quiet, db, overrides, language
):
    with translation.override(language):
        url = reverse("supporters:data_request")
    post_and_check(url, apply({"email": "min@example.org"}, overrides))


@given(body=st.binary(max_size=500))
def test_the_your_data_form_answers_any_bytes_with_a_page(quiet, db, body):
    with translation.override("en"):
        url = reverse("supporters:data_request")
    post_and_check(url, body=body)


def subscribe_url(petition, language: str) -> str:
    with translation.override(language):
        return reverse("updates:subscribe", args=[petition.campaign.slug])


@given(
    overrides=hostile_overrides(["name", "email", "consent_1"]),
    language=st.sampled_from(["en", "ko"]),
)
@example(overrides={"name": "Min\r\nBcc: evil@example.org"}, language="en")
def test_the_get_updates_form_answers_anything_with_a_page_and_stores_only_clean_text(
    quiet, petition, overrides, language
):
    form = {"name": "Min-jun Kim", "email": "min@example.org"}
    post_and_check(subscribe_url(petition, language), apply(form, overrides))


@given(body=st.binary(max_size=1000))
def test_the_get_updates_form_answers_any_bytes_with_a_page(quiet, petition, body):
    post_and_check(subscribe_url(petition, "en"), body=body)
