"""outcry's SMTP backend reads envelope addresses as Django's does, with less CPU for plain ones."""

import pytest
from django.core.mail import EmailMessage, mailers

from outcry.core.mail import SMTPBackend
from outcry.letters.testing import mail_server  # noqa: F401 - fixture


@pytest.mark.parametrize(
    "address",
    [
        "ann@example.org",
        "bo.kim+petition@mail.example.org",
        "o'brien@example.org",
        "Ann Lee <ann@example.org>",
        '"Lee, Ann" <ann@example.org>',
        "min@예시.한국",
        "webmaster",
    ],
)
def test_an_envelope_address_is_what_djangos_backend_makes_of_it(
    address,
    mail_server,  # noqa: F811 - the fixture imported above
):
    ours = mailers.default  # a new backend each time it is read
    djangos = super(SMTPBackend, mailers.default)
    assert ours.prep_address(address) == djangos.prep_address(address)
    assert ours.prep_address(address) == djangos.prep_address(address)  # kept: the same


@pytest.mark.parametrize(
    "address",
    [
        "ann@example.org\nBcc: eve@example.org",
        "ann@example.org\r\n",
        "ann@example.org, eve@example.org",
        "민@example.org",
    ],
)
def test_an_address_that_would_not_stay_one_is_refused_as_django_refuses_it(
    address,
    mail_server,  # noqa: F811 - the fixture imported above
):
    with pytest.raises(ValueError):
        mailers.default.prep_address(address)


def test_mail_sent_through_it_arrives(mail_server):  # noqa: F811 - the fixture imported above
    connection = mailers.default
    assert isinstance(connection, SMTPBackend)
    EmailMessage("Hello", "Words", "Campaign <noreply@example.org>", ["ann@example.org"]).send()
    [message] = mail_server.inbox.messages()
    assert message["To"] == "ann@example.org" and message["Subject"] == "Hello"
