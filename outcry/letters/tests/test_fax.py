"""Faxes through a local server speaking InterFax's REST API, and through an email gateway."""

import hashlib
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from outcry.directory.testing import make_target
from outcry.letters.channels.fax import check_fax_status
from outcry.letters.delivery import deliver
from outcry.letters.models import Delivery
from outcry.letters.tasks import FAX_STATUS_CHECKS, deliver_letter, recover_deliveries
from outcry.letters.tests.delivery_helpers import make_letter, queue_delivery
from outcry.petitions.tests.test_smtp import run_worker

NUMBER = "+12024952266"


def queued_fax(number: str = NUMBER, **letter_fields) -> Delivery:
    target = make_target(channels={"fax": number})
    letter = make_letter(targets=[target], **letter_fields)
    return queue_delivery(letter=letter, target=target, kind="fax")


@pytest.mark.django_db
def test_fax_reaches_interfax_as_a_pdf_with_korean_and_chinese_text(interfax):
    delivery = queued_fax()

    deliver_letter.enqueue(delivery_id=delivery.pk)

    [fax] = interfax.faxes
    assert fax.number == NUMBER
    assert fax.reference == f"letter:{delivery.letter_id}:{delivery.target_id}:fax"
    text = fax.text()
    assert "강제 북송을 멈춰 주실 것을" in text and "他们是难民" in text
    assert "Fax +12024952266" in text and "존경하는 대사님께" in text  # salutation in Korean
    assert [method for method, _path in interfax.requests] == ["POST"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.provider_reference == str(fax.id)
    assert delivery.pdf_sha256 == hashlib.sha256(fax.pdf).hexdigest()
    assert delivery.page_count == len(PdfReader(io.BytesIO(fax.pdf)).pages) == 1
    assert deliver(delivery_id=delivery.pk) is False
    assert len(interfax.faxes) == 1


@pytest.mark.django_db(transaction=True)
def test_provider_errors_are_retried_with_backoff_and_the_fax_is_sent_exactly_once(
    interfax, database_tasks
):
    interfax.answers = [500, 503]
    delivery = queued_fax()
    deliver_letter.enqueue(delivery_id=delivery.pk)

    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED
    assert delivery.error_code == Delivery.Error.UNAVAILABLE
    assert "HTTP 500" in delivery.last_error and "Internal system error" in delivery.last_error
    run_worker()  # the retry is not due yet
    assert interfax.faxes == [] and len(interfax.requests) == 1

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        run_worker()  # second attempt: a lookup first (nothing there), then 503
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        run_worker()  # third attempt: sent
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_error) == (
        Delivery.Status.SENT,
        3,
        "",
    )
    assert interfax.numbers() == [NUMBER]
    posts = [path for method, path in interfax.requests if method == "POST"]
    assert len(posts) == 3


@pytest.mark.django_db
def test_a_timeout_after_interfax_accepted_is_resolved_by_reference_not_by_resending(
    interfax, settings
):
    settings.FAX_TIMEOUT_SECONDS = 1
    interfax.delay = 2  # accepted, but the answer comes after we gave up
    delivery = queued_fax()

    deliver_letter.enqueue(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED
    assert delivery.error_code == Delivery.Error.TIMEOUT
    assert "did not answer within 1 seconds" in delivery.last_error

    interfax.delay = 0
    assert deliver_letter.call(delivery_id=delivery.pk, attempt=2) is True
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.provider_reference == str(interfax.faxes[0].id)
    assert len(interfax.faxes) == 1  # looked up by reference, not sent again
    assert [method for method, _path in interfax.requests] == ["POST", "GET"]


@pytest.mark.django_db
def test_a_number_interfax_refuses_fails_at_once_with_its_message(interfax):
    interfax.answers = [400]
    delivery = queued_fax()

    deliver_letter.enqueue(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error_code == Delivery.Error.REFUSED
    assert delivery.attempt_count == 1
    assert "HTTP 400" in delivery.last_error
    assert "No valid recipients added or missing fax number" in delivery.last_error


@pytest.mark.django_db
def test_an_invalid_number_fails_without_calling_the_provider(interfax):
    delivery = queued_fax(number="+1 555 0100")

    deliver_letter.enqueue(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error_code == Delivery.Error.BAD_ADDRESS
    assert "not a valid international fax number" in delivery.last_error
    assert interfax.requests == []


@pytest.mark.django_db
def test_after_the_last_attempt_the_fax_is_failed_for_organisers_to_see(interfax, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    interfax.answers = [500, 500]
    delivery = queued_fax()

    deliver_letter.enqueue(delivery_id=delivery.pk)
    deliver_letter.enqueue(delivery_id=delivery.pk, attempt=2)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempt_count == 2
    assert "HTTP 500" in delivery.last_error
    assert interfax.faxes == []


@pytest.mark.django_db
def test_provider_status_confirms_the_fax_or_fails_it(interfax):
    sent, busy = queued_fax(), queued_fax(number="+8227380038")
    for delivery in (sent, busy):
        deliver_letter.enqueue(delivery_id=delivery.pk)

    assert check_fax_status(delivery_id=sent.pk) == "pending"
    interfax.faxes[0].status = 0
    interfax.faxes[1].status = 3931  # InterFax: busy, after its own retries
    assert check_fax_status(delivery_id=sent.pk) == "confirmed"
    assert check_fax_status(delivery_id=busy.pk) == "failed"

    sent.refresh_from_db()
    busy.refresh_from_db()
    assert sent.status == Delivery.Status.SENT and sent.confirmed_at is not None
    assert busy.status == Delivery.Status.FAILED
    assert busy.error_code == Delivery.Error.PROVIDER_FAILED
    assert "status 3931" in busy.last_error


@pytest.mark.django_db
def test_email_to_fax_gateway_gets_the_pdf_at_the_address_made_from_the_number(
    settings, mail_server
):
    settings.FAX_BACKEND = "email"
    settings.FAX_EMAIL_PATTERN = "{number}@fax.example.net"
    delivery = queued_fax()

    deliver_letter.enqueue(delivery_id=delivery.pk)

    [envelope] = mail_server.inbox.envelopes
    assert envelope.rcpt_tos == ["12024952266@fax.example.net"]
    [message] = mail_server.inbox.messages()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "강제 북송을 멈춰 주실 것을" in text and "他们是难民" in text
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.provider_reference == "email:12024952266@fax.example.net"


@pytest.mark.django_db
def test_without_a_fax_service_the_delivery_fails_saying_so(settings):
    settings.FAX_BACKEND = "none"
    delivery = queued_fax()

    deliver_letter.enqueue(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error_code == Delivery.Error.NOT_CONFIGURED
    assert "OUTCRY_FAX_BACKEND" in delivery.last_error


@pytest.mark.django_db
def test_a_fax_whose_status_checks_were_lost_is_checked_by_the_sweep(interfax, settings):
    # With tasks outside the database (RQ), a killed worker loses the check it held and
    # the checks it would have queued. (Here the immediate backend of tests: it runs a
    # check at once and queues none for later, as if each later one were lost.)
    sent, busy, fresh = queued_fax(), queued_fax(number="+8227380038"), queued_fax()
    for delivery in (sent, busy):
        deliver_letter.enqueue(delivery_id=delivery.pk)
    interfax.faxes[0].status = 0
    interfax.faxes[1].status = 3931
    settings.FAX_BACKEND = "interfax"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        deliver_letter.enqueue(delivery_id=fresh.pk)  # sent just now: its first check is due later
        assert recover_deliveries()["fax checked"] == 2
        assert "fax checked" not in recover_deliveries()  # settled: nothing more to ask
    sent.refresh_from_db()
    busy.refresh_from_db()
    fresh.refresh_from_db()
    assert sent.confirmed_at is not None and sent.status == Delivery.Status.SENT
    assert busy.status == Delivery.Status.FAILED and "status 3931" in busy.last_error
    assert fresh.status == Delivery.Status.SENT and fresh.confirmed_at is None
    # With tasks in the database, each check is a row a killed worker's successor runs:
    # the sweep leaves them to it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert "fax checked" not in recover_deliveries()


@pytest.mark.django_db
def test_the_sweep_asks_interfax_only_about_faxes_interfax_sent(interfax, settings):
    # A fax sent by the email gateway before the site moved to InterFax has no
    # InterFax id: the sweep must not queue a check of it on every run for a day and a half.
    delivery = queued_fax()
    sent_at = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=sent_at, provider_reference="email:fax@example.org"
    )
    settings.FAX_BACKEND = "interfax"
    assert "fax checked" not in recover_deliveries()


@pytest.mark.django_db
def test_the_sweep_asks_about_a_fax_still_in_progress_about_ten_times_not_every_sweep(
    interfax, settings
):
    # RQ, say, lost the fax's own checks; InterFax goes on saying "in progress" for
    # longer than the checks last. The sweep (every 5 minutes) asks on the series'
    # schedule, then stops.
    delivery = queued_fax()
    deliver_letter.enqueue(delivery_id=delivery.pk)
    interfax.faxes[0].status = -1  # in progress
    settings.FAX_BACKEND = "interfax"
    sent_at = Delivery.objects.get(pk=delivery.pk).sent_at
    asked = []
    for sweep in range(1, 36 * 12 + 1):  # a day and a half of sweeps
        with time_machine.travel(sent_at + timedelta(minutes=5 * sweep, seconds=1)):
            if recover_deliveries().get("fax checked"):
                asked.append(sweep)
    gets = [path for method, path in interfax.requests if method == "GET"]
    assert len(gets) == len(asked)
    assert 8 <= len(asked) <= FAX_STATUS_CHECKS + 1
    # The first within minutes of sending, the last after a day or more.
    assert asked[0] == 1 and asked[-1] * 5 >= 17 * 60
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.confirmed_at is None
