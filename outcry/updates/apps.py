"""News for a campaign's supporters: update posts, press coverage, and "get updates" sign-ups."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpdatesConfig(AppConfig):
    name = "outcry.updates"
    label = "updates"
    verbose_name = _("updates")

    def ready(self) -> None:
        # Imported here: these modules import models, which need the app registry ready.
        from outcry.actions.confirmation import Kind, register
        from outcry.core.ledger import register_email
        from outcry.supporters.personal_data import register_personal_data
        from outcry.supporters.preferences import unsubscribed
        from outcry.updates import emails, personal_data, services, views

        # The mail engine's senders render subscriptions' confirmations here.
        register_email(
            services.CONFIRMATION_PURPOSE,
            emails.confirmation_email,
            batch=emails.confirmation_emails,
        )
        register(
            Kind(
                name="subscription",
                salt=services.CONFIRM_SALT,
                find=services.subscription_to_confirm,
                confirm=services.confirm_subscription,
                page=views.confirmation_page,
                failed_template="updates/confirm_failed.html",
            )
        )
        # A subscriber's copy of their data, its erasure and the retention period cover
        # their subscriptions.
        register_personal_data(personal_data.SUBSCRIPTIONS)
        # Stopping an organisation's mail from an email's link stops its campaigns' updates.
        unsubscribed.connect(services.follow_unsubscribe, dispatch_uid="outcry-updates-unsubscribe")
