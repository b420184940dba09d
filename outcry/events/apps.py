"""Events of a campaign: vigils, protests, days of action; their pages and calendars."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "outcry.events"
    label = "events"
    verbose_name = _("events")

    def ready(self) -> None:
        register_rsvps()
        register_hosting()


def register_rsvps() -> None:
    """RSVPs: their emails, confirmation link and personal data."""
    # Imported here: these modules import models, which need the app registry ready.
    from outcry.actions.confirmation import Kind, register
    from outcry.core.ledger import register_email
    from outcry.events import personal_data, relay, rsvp_emails, rsvp_views, rsvps
    from outcry.supporters.personal_data import register_personal_data

    # The mail engine's senders render RSVPs' emails here.
    register_email(rsvps.CONFIRMATION_PURPOSE, rsvp_emails.confirmation_email)
    register_email(rsvps.PLACE_PURPOSE, rsvp_emails.place_email)
    register_email(relay.MESSAGE_PURPOSE, rsvp_emails.host_message_email)
    register(
        Kind(
            name="rsvp",
            salt=rsvps.CONFIRM_SALT,
            find=rsvps.rsvp_to_confirm,
            confirm=rsvps.confirm_rsvp,
            page=rsvp_views.confirmation_page,
            failed_template="events/rsvp_failed.html",
            reads_form=True,
        )
    )
    # An attendee's copy of their data, its erasure and retention cover RSVPs.
    register_personal_data(personal_data.RSVPS)


def register_hosting() -> None:
    """Hosts of proposed local events: their emails, confirmation link and personal data."""
    # Imported here: these modules import models, which need the app registry ready.
    from outcry.actions.confirmation import Kind, register
    from outcry.core.ledger import register_email
    from outcry.events import host_data, host_emails, hosting, views_hosts
    from outcry.supporters.personal_data import register_personal_data

    register_email(hosting.CONFIRMATION_PURPOSE, host_emails.confirmation_email)
    register_email(hosting.APPROVED_PURPOSE, host_emails.approved_email)
    register_email(hosting.DECLINED_PURPOSE, host_emails.declined_email)
    register(
        Kind(
            name="event-host",
            salt=hosting.CONFIRM_SALT,
            find=hosting.host_to_confirm,
            confirm=hosting.confirm_host,
            page=views_hosts.confirmation_page,
            failed_template="events/host_confirm_failed.html",
            details=lambda host: {"country": host.event.country},
        )
    )
    # A host's copy of their data, its erasure and the retention period cover proposals.
    register_personal_data(host_data.EVENT_HOSTS)
