"""A mailing's copies are built once per language and filled in per recipient (core.mail.merge).

Sent through the admin and the mail engine to a real SMTP server on loopback;
what arrives is read back and compared with the message Django builds the
usual way for the same recipient.
"""

import re
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from outcry.core.mail.merge import MergedMessage
from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.mailings import emails, services
from outcry.mailings.models import MailingRecipient
from outcry.supporters import preferences
from outcry.testing import (
    logged_in_client,
    make_campaign,
    make_mailing,
    make_organisation,
    make_organiser,
    make_supporter,
)

pytestmark = pytest.mark.django_db

# Lines longer than 78 bytes in UTF-8 (Django alone would encode them in base64), and one
# paragraph longer than the 998 a line may hold: a merge encodes that part per recipient.
KOREAN = (
    "지난 2월 선양, 옌지, 창춘에서 체포된 탈북자들이 아직 구금되어 있습니다. "
    "강제 송환이 임박했다는 소식이 들려옵니다. 오늘 대사관에 다시 편지를 보내 주세요.\n\n"
    + "가족들은 매일 소식을 기다리며 대사관 앞에서 기도하고 있습니다. " * 12
    + "\n\n- 편지를 쓰세요\n- 서명을 알리세요"
)
ENGLISH = "The group arrested in February is **still held**. Write to the embassy again today."


@pytest.fixture
def sent(mail_server):  # noqa: F811 - the fixture above
    lead = make_organisation(name="Lead Rights")
    campaign = make_campaign(lead=lead)
    people = [
        make_supporter(email="min@example.org", language="ko", consents_to=[lead]),
        make_supporter(email="ann+news@example.org", language="en", consents_to=[lead]),
        # An apostrophe is a valid address character that a merge does not put in as it is.
        make_supporter(email="o'brien@example.org", language="en", consents_to=[lead]),
    ]
    mailing = make_mailing(
        organisation=lead,
        campaign=campaign,
        texts={"ko": ("아직 구금 중", KOREAN), "en": ("Still detained", ENGLISH)},
    )
    client = logged_in_client(make_organiser(organisation=lead))
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/admin/mailings/mailing/{mailing.pk}/review/", {"do": "send"})
    arrived = {message["To"]: message for message in mail_server.inbox.messages()}
    return {"people": people, "arrived": arrived, "mailing": mailing, "lead": lead}


def usual_build(mailing, supporter, unsubscribe: str, preferences_url: str):
    """The message Django builds for *supporter* without a merge, with the same links."""
    recipient = MailingRecipient.objects.get(mailing=mailing, supporter=supporter)
    text = mailing.texts.get(language=recipient.language)
    links = {"unsubscribe_url": unsubscribe, "preferences_url": preferences_url}
    headers = preferences.unsubscribe_headers_for(unsubscribe)
    return emails.build(mailing, text, to=supporter.email, links=links, headers=headers)


def parts(message) -> dict[str, str]:
    """Each text part's words (lines ended the same way: on the wire every line ends in CRLF)."""
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }


def test_each_copy_carries_its_own_links_and_reads_as_the_usual_build(sent):
    arrived = sent["arrived"]
    assert sorted(arrived) == sorted(person.email for person in sent["people"])
    ids = {message["Message-ID"] for message in arrived.values()}
    for message in arrived.values():  # each copy is dated when it is written out
        assert abs(message["Date"].datetime - timezone.now()) < timedelta(minutes=5)
    assert len(ids) == 3 and all(re.fullmatch(r"<\S+@\S+>", value) for value in ids)
    for person in sent["people"]:
        message = arrived[person.email]
        unsubscribe = re.fullmatch(r"<(\S+)>", message["List-Unsubscribe"]).group(1)
        code = re.fullmatch(r"https?://[^/]+/\w+/email/([^/]+)/stop/", unsubscribe).group(1)
        link = preferences.read_code(code)
        assert (link.supporter, link.organisation) == (person, sent["lead"])
        preferences_url = unsubscribe.removesuffix("stop/")
        own = parts(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe in own["text/plain"]
        assert f"{preferences_url}\n" in own["text/plain"]
        assert f'href="{unsubscribe}"' in own["text/html"]
        assert f'href="{preferences_url}"' in own["text/html"]
        # Against the usual build: the same headers (but the Date and Message-ID of
        # each build) and the same words in each part.
        usual = usual_build(sent["mailing"], person, unsubscribe, preferences_url).message()
        # (The boundary is chosen when a message is written out.)
        skip = {"Date", "Message-ID", "Content-Type"}
        assert message.get_content_type() == usual.get_content_type()
        assert {k: str(v) for k, v in message.items() if k not in skip} == {
            k: str(v) for k, v in usual.items() if k not in skip
        }
        assert own == parts(usual)
    # The long Korean paragraph went base64 encoded, the English text as it is.
    assert arrived["min@example.org"].get_body(("plain",))["Content-Transfer-Encoding"] == "base64"
    assert (
        arrived["ann+news@example.org"].get_body(("plain",))["Content-Transfer-Encoding"] == "8bit"
    )
    korean = parts(arrived["min@example.org"])["text/plain"]
    assert "강제 송환이 임박했다는 소식이 들려옵니다" in korean
    assert arrived["min@example.org"]["Subject"] == "아직 구금 중"


def test_a_value_a_merge_cannot_put_in_as_it_is_gets_the_usual_build(sent):
    min_, ann, obrien = sent["people"]
    mailing, lead = sent["mailing"], sent["lead"]
    rendered = emails.mailing_emails(
        [
            (MailingRecipient.objects.get(mailing=mailing, supporter=person).pk, 0)
            for person in (min_, ann, obrien)
        ]
    )
    by_address = {email.to: email.message for email in rendered.values()}
    assert isinstance(by_address[ann.email], MergedMessage)
    assert isinstance(by_address[min_.email], MergedMessage)  # long Korean lines go as 8bit
    assert not isinstance(by_address[obrien.email], MergedMessage)
    assert by_address[obrien.email].to == [obrien.email]
    assert preferences.unsubscribe_url(obrien, lead) in by_address[obrien.email].body


def test_a_batch_of_recipients_costs_a_few_queries_not_some_per_recipient(
    sent, django_assert_max_num_queries
):
    lead = sent["lead"]
    for n in range(10):
        make_supporter(email=f"reader-{n}@example.org", language="ko", consents_to=[lead])
    again = make_mailing(organisation=lead, texts={"ko": ("또", KOREAN), "en": ("Again", ENGLISH)})
    with TestCase.captureOnCommitCallbacks(execute=False):
        services.start(again, user=None)
    items = [
        (pk, 0)
        for pk in MailingRecipient.objects.filter(mailing=again).values_list("pk", flat=True)
    ]
    assert len(items) == 13
    with django_assert_max_num_queries(5):
        rendered = emails.mailing_emails(items)
    assert sum(email is not None for email in rendered.values()) == 13
