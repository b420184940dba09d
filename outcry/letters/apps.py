from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "outcry.letters"
    label = "letters"
    verbose_name = _("letters")

    def ready(self) -> None:
        # Deliveries and letters have their own admin module beside the directory's admin.py.
        # Organisers read the audit events about the targets and lists their
        # campaigns write to. (Imported here: the admin needs the app registry.)
        from outcry.core.audit import register_audience
        from outcry.core.ledger import register_email
        from outcry.letters import admin_delivery, emails, tasks  # noqa: F401
        from outcry.letters.admin import lists_in_use_by, targets_in_use_by

        register_audience("target", targets_in_use_by)
        register_audience("targetlist", lists_in_use_by)
        # The ledger's one email task renders a letter's confirmation here.
        register_email(tasks.CONFIRMATION_PURPOSE, emails.confirmation_email)
