from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "outcry.petitions"
    label = "petitions"
    verbose_name = _("petitions")

    def ready(self) -> None:
        # Imported here: emails.py, personal_data, services and views import models,
        # which need the app registry ready.
        from outcry.actions import intake
        from outcry.actions.confirmation import Kind, register
        from outcry.campaigns import checklist
        from outcry.core.ledger import register_email
        from outcry.petitions import emails, personal_data, services, views
        from outcry.supporters.personal_data import register_personal_data

        # The mail engine's senders render signatures' confirmations here.
        register_email(
            services.CONFIRMATION_PURPOSE,
            emails.confirmation_email,
            batch=emails.confirmation_emails,
        )
        register(
            Kind(
                name="signature",
                salt=services.CONFIRM_SALT,
                find=services.signature_to_confirm,
                confirm=views.confirm_pressed,
                page=views.confirmation_page,
                failed_template="petitions/confirm_failed.html",
                reads_form=True,
                details=lambda signature: {
                    "name": signature.name,
                    "country": signature.country,
                    "language": signature.language,
                },
            )
        )
        # Signatures taken by the form are written in batches (actions/intake.py).
        intake.register(services.SIGNATURE_INTAKE, services.write_signatures)
        # A signer's copy of their data, its erasure and the retention period cover signatures.
        register_personal_data(personal_data.SIGNATURES)
        register_personal_data(personal_data.WAITING_SIGNATURES)
        # Publishing a campaign checks its petitions' texts.
        checklist.register("petitions", services.publish_problems)
