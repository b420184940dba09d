"""Events of a campaign: vigils, protests, days of action; their pages and calendars."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "outcry.events"
    label = "events"
    verbose_name = _("events")

    def ready(self) -> None:
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
