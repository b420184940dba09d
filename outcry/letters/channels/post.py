"""Post: the supporter (or an organiser, for a batch) prints the letter and mails it.

Nothing leaves the server: the delivery waits QUEUED and becomes SENT when its
print-ready PDF is produced (``post_batch_pdf`` for the supporter,
``print_post_deliveries`` for organisers). Pages are laid out for a window
envelope (letters/pdf.py).
"""

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.directory.models import Channel
from outcry.letters import pdf
from outcry.letters.channels.base import DeliveryChannel
from outcry.letters.models import Delivery, Letter
from outcry.letters.wording import recipient_lines

SUPPORTER_PRINT = "printed-by-supporter"
ORGANISER_PRINT = "printed-by-organiser"


class NothingToPrint(Exception):
    """No post delivery is waiting to be printed."""


class Post(DeliveryChannel):
    code = "post"
    contact_kind = Channel.Kind.POST
    label = _("post")
    choice_label = _("Post: print the letter and mail it yourself")

    def first_status(self, *, writer_confirmed: bool) -> str:
        """QUEUED until printed: the PDF is the delivery."""
        return Delivery.Status.QUEUED

    def sent_page(self, *, letter: Letter, delivery: Delivery, contact: Channel, text: str) -> dict:
        return {
            "pdf_url": reverse("letters:letter_pdf", args=[letter.action.slug, letter.nonce]),
            # The whole envelope: the office by name, in the letter's language, then the address.
            "address_lines": recipient_lines(
                target=delivery.target, channel=contact, kind=self.code, language=letter.language
            ),
            "printed_by_organisers": delivery.provider_reference.startswith(ORGANISER_PRINT),
        }


def _print(rows: list[Delivery], *, reference: str, keep: list[Delivery] = ()) -> bytes:
    """Render *rows* (claimed by the caller) and *keep* (already printed) as one PDF.

    Marks *rows* SENT once the PDF exists; on any error gives them back to the queue.
    """
    letters: dict[int, tuple[Letter, list[pdf.Page]]] = {}
    for delivery in sorted([*keep, *rows], key=lambda d: (d.letter_id, d.target_id)):
        channel = delivery.channel or Post().contact_for(delivery.target)
        entry = letters.setdefault(delivery.letter_id, (delivery.letter, []))
        entry[1].append(pdf.Page(target=delivery.target, channel=channel))
    try:
        rendered = pdf.render_letters_pdf(batch=list(letters.values()), layout="post")
    except Exception:
        Delivery.objects.filter(pk__in=[d.pk for d in rows], status=Delivery.Status.SENDING).update(
            status=Delivery.Status.QUEUED, claimed_at=None
        )
        raise
    Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        provider_reference=reference,
        pdf_sha256=rendered.sha256,
        page_count=rendered.page_count,
        last_error="",
        error_code="",
    )
    return rendered.content


def post_batch_pdf(*, letter: Letter) -> bytes:
    """The letter's post deliveries as one print-ready PDF, for the supporter to print and mail.

    Pages for each post target (address placed for a window envelope) and a
    page of address labels. Deliveries still QUEUED are claimed and marked SENT
    (printed by the supporter); downloading again returns the same letters, but
    never ones an organiser has already printed. Raises NothingToPrint.
    """
    rows = list(
        letter.deliveries.filter(kind=Channel.Kind.POST)
        .select_related("letter__supporter", "target", "channel")
        .order_by("pk")
    )
    claimed = [d for d in rows if d.status == Delivery.Status.QUEUED and d.claim()]
    again = [
        d
        for d in rows
        if d.status == Delivery.Status.SENT and d.provider_reference == SUPPORTER_PRINT
    ]
    if not claimed and not again:
        raise NothingToPrint("nothing to print")
    return _print(claimed, reference=SUPPORTER_PRINT, keep=again)


def print_post_deliveries(
    *, deliveries: QuerySet[Delivery], printed_by: str = ""
) -> tuple[bytes, int]:
    """Print every QUEUED post delivery in *deliveries* as one PDF; return it and the count.

    For organisers and volunteers mailing a whole action's letters: only letters
    whose writer proved their address (confirmed), since anyone can type a name
    and address into the composer and post needs no link (the writer can print
    their own). Each row is claimed first, so two people printing at once never
    print one letter twice. Raises NothingToPrint.
    """
    candidates = (
        deliveries.filter(
            kind=Channel.Kind.POST,
            status=Delivery.Status.QUEUED,
            letter__confirmed_at__isnull=False,
        )
        .select_related("letter__supporter", "target", "channel")
        .order_by("letter_id", "target_id")
    )
    claimed = [d for d in candidates if d.claim()]
    if not claimed:
        raise NothingToPrint("nothing to print")
    reference = f"{ORGANISER_PRINT}:{printed_by}" if printed_by else ORGANISER_PRINT
    return _print(claimed, reference=reference[:200]), len(claimed)
