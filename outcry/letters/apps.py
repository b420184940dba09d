from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "outcry.letters"
    label = "letters"
    verbose_name = _("letters")

    def ready(self) -> None:
        # Deliveries and letters have their own admin module beside admin.py.
        # (Imported here: the admin needs the app registry.)
        from outcry.core.ledger import register_email
        from outcry.letters import admin_delivery, emails, tasks  # noqa: F401

        # The ledger's one email task renders a letter's confirmation here.
        register_email(tasks.CONFIRMATION_PURPOSE, emails.confirmation_email)
