"""Plain helpers for the delivery tests: letters and queued deliveries.

Targets come from outcry.directory.testing (make_target).

They make rows as the composer does (one Delivery per letter, target and channel,
QUEUED, with the agreed idempotency key), so the tests exercise the real contract.
"""

from itertools import count

from django.utils import timezone

from outcry.directory.models import Target
from outcry.directory.testing import make_target_list
from outcry.letters.models import Delivery, Letter, LetterAction
from outcry.testing import make_campaign, make_supporter

_sequence = count(1)

KOREAN_BODY = (
    "저는 중국에서 체포된 탈북자들의 강제 북송을 멈춰 주실 것을 간곡히 요청드립니다.\n\n"
    "他们是难民，不应被强制遣返。请遵守《难民公约》的不驱回原则。\n\n"  # noqa: RUF001
    "Please let them go to the country of their choice."
)


def make_letter(
    *,
    targets: list[Target] = (),
    name: str = "김민지",
    email: str | None = None,
    language: str = "ko",
    subject: str = "탈북자 강제 북송을 멈춰 주십시오",
    body: str = KOREAN_BODY,
    city: str = "Seoul",
    sender_name: str = "",
    sender_country: str = "",
    confirmed: bool = True,
) -> Letter:
    """A letter whose writer proved their address (*confirmed*), as queued rows have."""
    n = next(_sequence)
    campaign = make_campaign()
    target_list = make_target_list(targets=targets)
    action = LetterAction.objects.create(
        campaign=campaign,
        slug=f"write-{n}",
        target_list=target_list,
        selection=LetterAction.Selection.FIXED,
    )
    supporter = make_supporter(
        name=name, email=email or f"writer-{n}@example.org", country="Korea", language="ko"
    )
    return Letter.objects.create(
        action=action,
        supporter=supporter,
        language=language,
        subject=subject,
        body=body,
        sender_city=city,
        sender_name=sender_name,
        sender_country=sender_country,
        confirmed_at=timezone.now() if confirmed else None,
    )


def queue_delivery(*, letter: Letter, target: Target, kind: str) -> Delivery:
    """A QUEUED delivery row, keyed as the composer keys it."""
    channel = target.channels.filter(kind=kind).first()
    return Delivery.objects.create(
        letter=letter,
        target=target,
        channel=channel,
        kind=kind,
        idempotency_key=f"letter:{letter.pk}:{target.pk}:{kind}",
    )
