"""A mailing to 2,000 supporters whose sender is killed with -9 mid-way, then restarted.

Everything real: an organiser starts the mailing on the admin's review page;
the plain ``manage.py send_mail`` (the mailings app registers the renderer)
sends it, as a subprocess on this test's database, to an SMTP server (aiosmtpd)
on loopback; it is killed with SIGKILL once some of the mail arrived, and a
second sender, started as the first would be again, finishes. Then a mail
provider follows one message's one-click unsubscribe link.
"""

import re
import signal
from email.utils import parseaddr
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from outcry.core.models import OutgoingEmail
from outcry.letters import testing as letters_testing
from outcry.mailings import services
from outcry.mailings.models import Mailing
from outcry.supporters import preferences
from outcry.supporters.models import Consent, Supporter
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_mailing,
    make_organisation,
    make_organiser,
    received_by,
    start_sender,
    wait_for,
)

# A real SMTP server on loopback, with MAILERS pointed at it through EMAIL_URL.
mail_server = letters_testing.mail_server
Status = OutgoingEmail.Status

TOTAL = 2000
# The killed sender claims OUTCRY_MAIL_BATCH (100) at a time and dies once
# KILL_AFTER messages arrived: in the middle of a batch, those before it recorded as sent.
KILL_AFTER = 750
TEXTS = {
    "en": ("Still detained", "The group is still held. Write to the embassy again today."),
    "ko": ("아직 구금 중", "그들은 아직 구금되어 있습니다. 오늘 다시 대사관에 편지를 보내 주세요."),
}
FOOTER = {
    "en": "You receive this because you agreed to hear from Lead Rights.",
    "ko": "Lead Rights의 소식 받기에 동의하셔서 이 메일을 받으셨습니다.",
}


def make_readers(organisation, total: int) -> dict[str, Supporter]:
    """*total* supporters who confirmed consent to *organisation*, half reading Korean."""
    now = timezone.now()
    supporters = Supporter.objects.bulk_create(
        Supporter(
            email=f"reader-{n}@example.org",
            name=f"Reader {n}",
            country="KR",
            language="ko" if n % 2 == 0 else "en",
        )
        for n in range(1, total + 1)
    )
    Consent.objects.bulk_create(
        Consent(
            supporter=supporter,
            organisation=organisation,
            wording=f"Yes, {organisation.name} may email me.",
            language=supporter.language,
            given_at=now,
            confirmed_at=now,
            source="test",
        )
        for supporter in supporters
    )
    return {supporter.email: supporter for supporter in supporters}


def review_url(mailing: Mailing) -> str:
    return f"/admin/mailings/mailing/{mailing.pk}/review/"


def kill_mid_way(tmp_path, server) -> int:
    """Start a sender, SIGKILL it once KILL_AFTER messages arrived; return how many had."""
    sender = start_sender(tmp_path, server)
    try:
        wait_for(
            lambda: len(server.inbox.envelopes) >= KILL_AFTER or sender.poll() is not None,
            what=f"{KILL_AFTER} messages",
            seconds=60,
        )
    finally:
        sender.send_signal(signal.SIGKILL)
        _out, errors = sender.communicate()
    assert sender.returncode == -signal.SIGKILL, errors.decode()  # it was killed, not dead
    return len(server.inbox.envelopes)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_mailing_to_2000_whose_sender_is_killed_reaches_each_once_in_their_language(
    tmp_path, mail_server, settings
):
    settings.MAIL_SEND_ON_COMMIT = False  # as in production: the senders send
    lead = make_organisation(name="Lead Rights")
    organiser = make_organiser(organisation=lead)
    readers = make_readers(lead, TOTAL)
    mailing = make_mailing(organisation=lead, texts=TEXTS)
    admin = logged_in_client(organiser)
    response = admin.post(review_url(mailing), {"do": "send"}, follow=True)
    assert "The mailing is on its way to 2,000 supporters." in response.content.decode()

    arrived = kill_mid_way(tmp_path, mail_server)
    assert KILL_AFTER <= arrived < TOTAL  # killed mid-way
    assert services.progress(mailing).get(Status.SENDING, 0) > 0  # with a batch in hand
    # The sender started next (on the dead one's slot: the first free) settles
    # the batch from the journal, then sends the rest.
    again = start_sender(tmp_path, mail_server, "--once")
    _out, errors = again.communicate(timeout=120)
    assert again.returncode == 0, errors.decode()

    # Nobody got it twice; nobody missed it but the one in flight at the kill,
    # and the ledger says which (it may have arrived: in doubt either way).
    counts = received_by(mail_server)
    assert set(counts) <= set(readers)
    assert max(counts.values()) == 1
    ledger = dict(
        OutgoingEmail.objects.filter(purpose=services.MAILING_PURPOSE).values_list(
            "to_address", "status"
        )
    )
    in_doubt = {address for address, status in ledger.items() if status == Status.IN_DOUBT}
    assert len(ledger) == TOTAL and len(in_doubt) <= 1
    assert set(ledger.values()) <= {Status.SENT, Status.IN_DOUBT}
    assert set(readers) - set(counts) <= in_doubt
    assert all(address in counts for address, status in ledger.items() if status == Status.SENT)
    expected = {Status.SENT: TOTAL - len(in_doubt)} | ({Status.IN_DOUBT: 1} if in_doubt else {})
    assert services.progress(mailing) == expected
    # What the organiser reads on the mailing's page, and the operator's report.
    page = admin.get(admin_url(mailing)).content.decode()
    assert f"sent: {TOTAL - len(in_doubt)}" in page
    report = StringIO()
    call_command("send_mail", report=True, stdout=report)
    assert f"in-doubt: {len(in_doubt)}" in report.getvalue()

    # Each message in its reader's language, with their own unsubscribe links.
    messages = mail_server.inbox.messages()
    for message in messages:
        reader = readers[parseaddr(message["To"])[1]]
        subject, body = TEXTS[reader.language]
        assert message["Subject"] == subject
        assert message["Content-Language"] == reader.language
        text = message.get_body(("plain",)).get_content()
        assert body in text and FOOTER[reader.language] in text
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = re.fullmatch(r"<(https?://\S+)>", message["List-Unsubscribe"]).group(1)
        assert re.search(r"https?://\S+/stop/", text).group(0) == url  # the footer's link
        code = re.fullmatch(rf"/{reader.language}/email/([^/]+)/stop/", urlsplit(url).path)
        assert preferences.read_code(code.group(1)).supporter == reader

    # A mail provider follows one Korean reader's one-click link: no cookie, no CSRF token.
    message = next(m for m in messages if readers[parseaddr(m["To"])[1]].language == "ko")
    leaving = readers[parseaddr(message["To"])[1]]
    url = re.fullmatch(r"<(\S+)>", message["List-Unsubscribe"]).group(1)
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(url).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    active = Consent.objects.active().filter(organisation=lead)
    assert not active.filter(supporter=leaving).exists()
    assert active.count() == TOTAL - 1  # everyone else still hears from Lead Rights
    following = make_mailing(organisation=lead, texts=TEXTS)
    page = admin.get(review_url(following)).content.decode()
    assert "This mailing would reach 1999 supporters now." in page
    assert not services.recipients(following).filter(pk=leaving.pk).exists()
