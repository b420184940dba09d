"""Pledges: fasting on a day, praying at a time, boycotting; their counters and reminders."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "outcry.pledges"
    label = "pledges"
    verbose_name = _("pledges")

    def ready(self) -> None:
        """Register the emails, the confirmation link and the personal data of commitments."""
        # Imported here: these modules import models, which need the app registry ready.
        from outcry.actions.confirmation import Kind, register
        from outcry.core.ledger import register_email
        from outcry.pledges import emails, personal_data, reminders, services, views
        from outcry.supporters.personal_data import register_personal_data

        register_email(services.CONFIRMATION_PURPOSE, emails.confirmation_email)
        register_email(reminders.REMINDER_PURPOSE, emails.reminder_email)
        register(
            Kind(
                name="pledge",
                salt=services.CONFIRM_SALT,
                find=services.commitment_to_confirm,
                confirm=services.confirm_commitment,
                page=views.confirmation_page,
                failed_template="pledges/confirm_failed.html",
                reads_form=True,
            )
        )
        register_personal_data(personal_data.COMMITMENTS)
