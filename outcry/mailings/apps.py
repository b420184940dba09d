from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingsConfig(AppConfig):
    name = "outcry.mailings"
    label = "mailings"
    verbose_name = _("mailings")

    def ready(self) -> None:
        # The ledger renders each recipient's message here, by purpose.
        # (Imported here: emails.py imports models, which need the app registry.)
        from outcry.core.ledger import register_email
        from outcry.mailings import emails, personal_data, services
        from outcry.supporters.personal_data import register_personal_data

        register_email(services.MAILING_PURPOSE, emails.mailing_email, batch=emails.mailing_emails)
        register_personal_data(personal_data.PERSONAL_DATA)
