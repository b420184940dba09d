from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "outcry.petitions"
    label = "petitions"
    verbose_name = _("petitions")

    def ready(self) -> None:
        # Imported here: services and views need the app registry ready.
        from outcry.actions.confirmation import Kind, register
        from outcry.petitions import services, views

        register(
            Kind(
                name="signature",
                salt=services.CONFIRM_SALT,
                find=services.signature_to_confirm,
                confirm=services.confirm_signature,
                page=views.confirmation_page,
                failed_template="petitions/confirm_failed.html",
            )
        )
