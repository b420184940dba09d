"""The senders render confirmation emails a batch at a time: the queries of one for ten."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from outcry.petitions.emails import confirmation_emails
from outcry.petitions.models import Signature
from outcry.testing import make_petition, post_signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def senders(settings):
    settings.MAIL_SEND_ON_COMMIT = False  # the rows wait for a sender, as in production


def sign_up(petition, count: int) -> list[tuple[int, int]]:
    lead = petition.campaign.lead_organisation
    for n in range(count):
        post_signature(
            Client(),
            petition,
            email=f"batch-{petition.pk}-{n}@example.org",
            **{f"consent_{lead.pk}": "on"},
        )
    return [
        (pk, 0) for pk in Signature.objects.filter(petition=petition).values_list("pk", flat=True)
    ]


def queries_to_render(items) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        emails = confirmation_emails(items)
    return len(queries), emails


def test_ten_confirmations_cost_the_queries_of_one_and_each_link_confirms(senders):
    one, _emails = queries_to_render(sign_up(make_petition(), 1))
    items = sign_up(make_petition(), 10)
    ten, emails = queries_to_render(items)
    assert ten == one
    client = Client()
    for email in emails.values():
        path = next(
            word for word in email.message.body.split() if "/confirm/" in word
        ).removeprefix("http://127.0.0.1:8000")
        page = client.get(path)
        assert page.status_code == 200
        assert f'<form method="post" action="{path}">' in page.content.decode()
