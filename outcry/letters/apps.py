from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "outcry.letters"
    label = "letters"
    verbose_name = _("letters")

    def ready(self) -> None:
        # Deliveries and letters have their own admin module beside admin.py.
        # (Imported here: these modules import models, which need the app registry.)
        from outcry.campaigns import checklist
        from outcry.core.ledger import register_email
        from outcry.letters import (  # noqa: F401
            admin_delivery,
            confirmation,
            emails,
            personal_data,
            services,
            tasks,
        )
        from outcry.supporters.personal_data import register_personal_data

        # The ledger's one email task renders a letter's confirmation here.
        register_email(tasks.CONFIRMATION_PURPOSE, emails.confirmation_email)
        # The writer's copy of a letter, once their address is proven.
        register_email(confirmation.RECEIPT_PURPOSE, emails.receipt_email)
        # A writer's copy of their data, its erasure and the retention period cover letters.
        register_personal_data(personal_data.LETTERS)
        register_confirmation()
        # Publishing a campaign checks its letters: paragraphs, targets, channels.
        checklist.register("letters", services.publish_problems)


def register_confirmation() -> None:
    """Answer a letter's confirmation link at actions' /confirm/<code>/."""
    # Imported here: the views and the confirmation module need the app registry ready.
    from outcry.actions.confirmation import Kind, register
    from outcry.letters import confirmation, views

    register(
        Kind(
            name="letter",
            salt=confirmation.CONFIRM_SALT,
            find=confirmation.letter_to_confirm,
            confirm=confirmation.confirm_letter,
            page=views.confirmation_page,
            failed_template="letters/letter_confirm_failed.html",
            details=lambda letter: {
                "country": letter.sender_country,
                "language": letter.writer_language,
            },
        )
    )
