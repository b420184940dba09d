"""Events of a campaign: vigils, protests, days of action; their pages and calendars."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "outcry.events"
    label = "events"
    verbose_name = _("events")

    def ready(self) -> None:
        register_hosting()


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
