from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "outcry.petitions"
    label = "petitions"
    verbose_name = _("petitions")

    def ready(self) -> None:
        # The ledger's one email task renders a signature's confirmation here.
        # (Imported here: emails.py imports models, which need the app registry.)
        from outcry.core.ledger import register_email
        from outcry.petitions import emails, services

        register_email(services.CONFIRMATION_PURPOSE, emails.confirmation_email)
