from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportersConfig(AppConfig):
    name = "outcry.supporters"
    label = "supporters"
    verbose_name = _("supporters")

    def ready(self) -> None:
        # The ledger's one email task renders the "your data" email here.
        # (Imported here: emails.py imports models, which need the app registry.)
        from anymail.signals import tracking

        from outcry.core.ledger import register_email
        from outcry.core.mail import engine
        from outcry.supporters import emails, mailbox, services

        register_email(services.DATA_LINK_PURPOSE, emails.data_link_email)
        # Bounces and complaints from the provider's verified webhook (supporters.webhooks).
        tracking.connect(mailbox.on_tracking, dispatch_uid="outcry.supporters.mailbox")
        # And from our own SMTP conversation: a recipient the server refuses.
        engine.recipient_refused.connect(mailbox.on_refused, dispatch_uid="outcry.supporters.smtp")
