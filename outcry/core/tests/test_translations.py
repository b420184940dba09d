"""Every page and email exists in Korean: the catalogue is complete and reaches users.

The .po files are the source; the .mo files Django reads are compiled by
`make install` (manage.py compile_catalogues) and are not in git. See docs/translating.md.
"""

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from outcry.campaigns.models import Campaign
from outcry.petitions.models import Signature
from outcry.testing import make_petition, post_signature

CATALOGUES = sorted(
    path for root in settings.LOCALE_PATHS for path in Path(root).glob("*/LC_MESSAGES/*.po")
)
HOW_TO_FIX = "run `make messages`, translate the entries in the .po file (docs/translating.md)"
# As in `make messages`; "locale" keeps makemessages from writing to the real catalogues.
EXTRACT_IGNORING = [".venv", "var", "bench", "tests", "locale"]

# %(name)s and, in python-format messages, positional %s / %d. "%%" is a literal percent
# sign (Django doubles it in {% translate %} strings) and is removed before matching.
NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"<[^>]+>")


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def messages(path: Path):
    """(label, message) for every real entry; the header has an empty msgid."""
    shown = path.relative_to(settings.BASE_DIR) if path.is_relative_to(settings.BASE_DIR) else path
    for message in read(path):
        if message.id:
            singular = message.id[0] if message.pluralizable else message.id
            context = f" [context {message.context!r}]" if message.context else ""
            yield f"{shown}: {singular!r}{context}", message


def unfinished(path: Path) -> list[str]:
    """What is missing from the catalogue at *path*: untranslated and fuzzy entries."""
    catalogue = read(path)
    problems = []
    if catalogue.locale is None:
        problems.append(f"{path}: the header needs a Language: line")
    if catalogue.fuzzy:
        problems.append(f"{path}: the header is marked fuzzy; check it, remove the flag")
    for label, message in messages(path):
        if message.fuzzy:
            problems.append(f"{label} is fuzzy (check it, then remove '#, fuzzy')")
        elif message.pluralizable:
            forms = list(message.string)
            if len(forms) != catalogue.num_plurals or not all(forms):
                problems.append(
                    f"{label} needs {catalogue.num_plurals} plural form(s), has {forms!r}"
                )
        elif not message.string:
            problems.append(f"{label} is not translated")
    return problems


def placeholders(text: str, flags: set) -> Counter:
    text = text.replace("%%", "")
    found = Counter(f"%({name})" for name in NAMED.findall(text))
    if "python-format" in flags:
        found.update({"%s (positional)": len(POSITIONAL.findall(NAMED.sub("", text)))})
    if "python-brace-format" in flags:
        found.update(f"{{{name}}}" for name in BRACES.findall(text))
    return +found


def test_there_is_a_korean_catalogue():
    assert any(path.parts[-3] == "ko" for path in CATALOGUES), CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3] + "/" + path.name)
def test_catalogue_is_fully_translated_and_nothing_is_fuzzy(path):
    problems = unfinished(path)
    assert not problems, f"{len(problems)} problem(s); {HOW_TO_FIX}:\n" + "\n".join(problems)


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="extracting needs GNU gettext (apt-get install gettext)",
)
def test_every_string_in_the_code_is_in_the_catalogue(settings, tmp_path, monkeypatch):
    """Extract the strings again into a copy of the catalogues: nothing new may be missing.

    This catches a string added to the code without running `make messages`.
    """
    copies = []
    for path in CATALOGUES:
        if path.name == "django.po":
            copy = tmp_path / path.relative_to(path.parents[2])
            copy.parent.mkdir(parents=True)
            shutil.copyfile(path, copy)
            copies.append(copy)
    settings.LOCALE_PATHS = [tmp_path]
    monkeypatch.chdir(settings.BASE_DIR)
    call_command(
        "makemessages",
        locale=[copy.parts[-3] for copy in copies],
        ignore_patterns=EXTRACT_IGNORING,
        verbosity=0,
    )
    problems = [problem for copy in copies for problem in unfinished(copy)]
    assert not problems, (
        f"{len(problems)} string(s) in the code are missing from the catalogue; {HOW_TO_FIX}:\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3] + "/" + path.name)
def test_translations_keep_the_placeholders_and_markup_of_the_source(path):
    problems = []
    for label, message in messages(path):
        flags = set(message.flags)
        if message.pluralizable:
            sources = [placeholders(text, flags) for text in message.id]
            allowed = set().union(*sources)
            forms = [placeholders(text, flags) for text in message.string if text]
            used = set().union(*forms) if forms else set()
            # A form may leave out a placeholder the singular lacks ("one day"), but none
            # may invent one (a KeyError when the page renders) or drop the count entirely.
            if not used <= allowed or (forms and not set(sources[-1]) <= used):
                problems.append(f"{label}: {sorted(used)} vs source {sorted(allowed)}")
            sources_tags, forms_tags = [message.id[-1]], message.string
        else:
            if message.string and placeholders(message.string, flags) != placeholders(
                message.id, flags
            ):
                problems.append(
                    f"{label}: {dict(placeholders(message.string, flags))} vs source "
                    f"{dict(placeholders(message.id, flags))}"
                )
            sources_tags, forms_tags = [message.id], [message.string]
        expected_tags = sorted(TAG.findall(sources_tags[0]))
        for form in forms_tags:
            if form and sorted(TAG.findall(form)) != expected_tags:
                problems.append(f"{label}: HTML tags {sorted(TAG.findall(form))} differ")
    assert not problems, "Translations that do not match their source:\n" + "\n".join(problems)


@pytest.fixture
def compiled_catalogues():
    """The HTTP tests need the .mo files, which `make install` compiles (they are not in git)."""
    for path in CATALOGUES:
        compiled = path.with_suffix(".mo")
        if not compiled.exists():
            pytest.fail(f"{compiled} is missing: run `make install` (or compile_catalogues).")
        if compiled.stat().st_mtime < path.stat().st_mtime:
            pytest.fail(f"{compiled} is older than its .po: run `make install` again.")


def test_campaign_page_interface_follows_the_language_in_the_address(
    client, db, compiled_catalogues
):
    slug = make_petition().campaign.slug
    korean = client.get(f"/ko/c/{slug}/").content.decode()
    english = client.get(f"/en/c/{slug}/").content.decode()
    assert "청원에 서명하기" in korean and "Sign the petition" not in korean
    assert "이메일 주소" in korean and "본문으로 건너뛰기" in korean
    assert "Sign the petition" in english and "청원에 서명하기" not in english
    assert "Email address" in english


def test_form_errors_come_in_korean(client, db, compiled_catalogues):
    petition = make_petition()
    response = post_signature(client, petition, language="ko", name="", email="bad")
    html = response.content.decode()
    assert response.status_code == 400
    assert "이름을 알려 주세요." in html
    assert "올바른 이메일 주소가 아닌 것 같습니다." in html


def test_signing_in_korean_sends_a_korean_confirmation_and_thanks_page(
    client, db, compiled_catalogues, django_capture_on_commit_callbacks
):
    petition = make_petition()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signature(client, petition, language="ko", name="김민준")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "서명을 확인해 주세요: 난민을 보호하라"
    assert message.extra_headers["Content-Language"] == "ko"
    assert message.body.startswith("안녕하세요.")  # the typed name waits for a confirmed address
    assert "“난민을 보호하라” 청원에 서명해 주셔서 감사합니다." in message.body
    assert "이 링크는" in message.body and "Hello" not in message.body
    html, _mimetype = message.alternatives[0]
    assert "서명 확인하기" in html and 'lang="ko"' in html

    thanks = client.get(response["Location"]).content.decode()
    # The first signer, still unconfirmed, is not told "0 people have signed".
    assert "“난민을 보호하라”</span> 청원에 가장 먼저 서명한 분들 중 한 분입니다." in thanks
    assert '<strong class="count">0</strong>' not in thanks


def test_signing_in_english_sends_an_english_confirmation(
    client, db, compiled_catalogues, django_capture_on_commit_callbacks
):
    petition = make_petition()
    with django_capture_on_commit_callbacks(execute=True):
        post_signature(client, petition, language="en", name="Min-jun Kim")
    message = mail.outbox[0]
    assert message.subject == "Please confirm your signature: Protect the refugees"
    assert message.body.startswith("Hello,\n")


def test_model_names_and_choices_are_translated(compiled_catalogues):
    with translation.override("ko"):
        # "signature" is also a plural counter on the campaign page; that one has a
        # context, so the singular model name is a message of its own.
        assert str(Signature._meta.verbose_name) == "서명"
        assert str(Campaign.Status.ACTIVE.label) == "진행 중"
        assert str(Signature.PublicName.HIDDEN.label) == "이름을 표시하지 않음"
