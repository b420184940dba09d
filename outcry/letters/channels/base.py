"""What every delivery channel is: the base class, what sending reports back, why it failed."""

from dataclasses import dataclass

from django.utils.functional import Promise

from outcry.directory.models import Channel, Target
from outcry.letters.channels import Sender
from outcry.letters.models import Delivery, Letter
from outcry.letters.pdf import RenderedPDF


class DeliveryProblem(Exception):
    """One attempt did not get through; *permanent* ones are not retried."""

    def __init__(self, message: str, *, code: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


@dataclass(frozen=True)
class Sent:
    """What a channel reports back once the provider or server has the message."""

    reference: str = ""
    rendered: RenderedPDF | None = None


class DeliveryChannel:
    """One way a letter reaches a target (see the package's docstring)."""

    code: str
    # The kind of the target's contact detail (Channel.Kind) it goes to.
    contact_kind: str
    label: Promise  # for organisers: the admin, the ledger
    choice_label: Promise  # the composer's checkbox
    sent_by: Sender = Sender.SUPPORTER

    @property
    def name(self) -> str:
        """A short name for the channel inside a sentence to the supporter."""
        return str(self.label)

    @property
    def template(self) -> str:
        """What the sent page shows under the channel's heading."""
        return f"letters/channels/_{self.code}.html"

    def is_available(self) -> bool:
        """Whether this site can use the channel at all."""
        return True

    def contact_for(self, target: Target) -> Channel | None:
        """The target's first active contact detail for this channel, or None.

        Reads ``target.channels.all()``, so prefetch "channels" for a list of targets.
        """
        for contact in target.channels.all():
            if contact.kind == self.contact_kind and contact.status == Channel.Status.ACTIVE:
                return contact
        return None

    def first_status(self, *, writer_confirmed: bool) -> str:
        """The status a new delivery starts in.

        What the site sends in the writer's name waits (UNCONFIRMED) until they
        confirmed their address; what the supporter does themselves is recorded
        as SENT at once.
        """
        if self.sent_by == Sender.SITE:
            return Delivery.Status.QUEUED if writer_confirmed else Delivery.Status.UNCONFIRMED
        return Delivery.Status.SENT

    def sent_page(self, *, letter: Letter, delivery: Delivery, contact: Channel, text: str) -> dict:
        """What the channel's part of the sent page needs besides the delivery and *text*."""
        return {}

    def send(self, delivery: Delivery, contact: Channel) -> Sent:
        """Send *delivery* to *contact*; raise DeliveryProblem if it did not get through."""
        raise NotImplementedError(f"The supporter delivers {self.code} letters themselves.")
