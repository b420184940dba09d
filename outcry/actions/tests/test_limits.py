"""Each kind of action is limited by its named policy in its service, not only in its form."""

import html

import pytest
from django.core import mail
from django.test import Client, RequestFactory

from outcry.core.ratelimit import POLICIES, RateLimited, network_key
from outcry.petitions import services
from outcry.petitions.models import Signature
from outcry.testing import make_petition, post_signature

ADDRESS = "203.0.113.77"
TOO_MANY = (
    "Too many signatures have come from here in a short time. "
    "Please wait a few minutes and try again."
)


@pytest.fixture
def low_limits(settings):
    settings.RATELIMIT_SIGN_PER_NETWORK = 3
    settings.RATELIMIT_SIGN_PER_EMAIL = 2
    return settings


def network_of(address: str) -> str:
    """The key the web form counts a visitor from *address* by."""
    return network_key(RequestFactory().post("/", REMOTE_ADDR=address))


def api_sign(petition, email: str, *, network: str):
    """A call to the signing service as an API would make it: no view, no request."""
    return services.sign(petition=petition, email=email, name="Min", language="en", network=network)


def test_an_api_style_call_to_the_signing_service_is_limited_like_the_web_form(db, low_limits):
    petition = make_petition()
    network = network_of(ADDRESS)
    for n in range(3):
        _signature, is_new = api_sign(petition, f"api{n}@example.org", network=network)
        assert is_new
    with pytest.raises(RateLimited) as refusal:
        api_sign(petition, "api9@example.org", network=network)
    assert refusal.value.message == TOO_MANY
    assert Signature.objects.count() == 3
    # The same count as the form's: the web form from that network is refused too.
    page = post_signature(Client(REMOTE_ADDR=ADDRESS), petition, email="web@example.org")
    assert page.status_code == 429
    assert TOO_MANY in html.unescape(page.content.decode())
    # And another network is not.
    assert api_sign(petition, "other@example.org", network=network_of("198.51.100.1"))[1]


def test_signatures_through_the_web_form_use_up_the_limit_of_api_style_calls(db, low_limits):
    petition = make_petition()
    client = Client(REMOTE_ADDR=ADDRESS)
    for n in range(3):
        assert post_signature(client, petition, email=f"web{n}@example.org").status_code == 302
    with pytest.raises(RateLimited):
        api_sign(petition, "api@example.org", network=network_of(ADDRESS))
    assert Signature.objects.count() == 3


def test_past_the_per_address_limit_an_api_style_call_writes_and_sends_nothing(
    db, low_limits, django_capture_on_commit_callbacks
):
    low_limits.RATELIMIT_SIGN_PER_NETWORK = 10
    petition = make_petition()
    network = network_of(ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [api_sign(petition, "Min@Example.org", network=network) for _ in range(4)]
        # Counted per network: the address's owner signing from elsewhere is not dropped.
        elsewhere = api_sign(petition, "min@example.org", network=network_of("198.51.100.1"))
    signature = Signature.objects.get()
    # The first signs, the second is "signed again" (an email in the same hour
    # is skipped), past the limit (2) nothing is done and no refusal says why.
    assert answers[:2] == [(signature, True), (signature, False)]
    assert answers[2:] == [(None, False), (None, False)]
    assert elsewhere == (signature, False)
    assert [message.to for message in mail.outbox] == [["min@example.org"]]


def test_every_policy_names_its_limits_and_its_message():
    for name, policy in POLICIES.items():
        assert policy.name == name
        assert policy.per_network or policy.per_address
        # A per-network refusal is shown; a policy without one refuses nothing.
        assert bool(policy.message) == bool(policy.per_network)
