from django.apps import AppConfig


class SiteConfig(AppConfig):
    """What brings every app together: the home page, the campaign page, the demo.

    The top of the apps' layers (docs/architecture.md, "Layout"): it may import any
    app, and no app imports it. It has no models, so the admin never shows its name.
    """

    name = "outcry.site"
    label = "site"

    def ready(self) -> None:
        # The home page's cached list (site.home) is read afresh after any change to
        # what it shows. A signal, not a call in each admin: the campaigns,
        # petitions and organisations do not know the home page exists. Imported
        # here because models can be imported only once the app registry is ready.
        from django.db.models.signals import post_delete, post_save

        from outcry.campaigns.models import (
            Campaign,
            CampaignText,
            Organisation,
            OrganisationName,
        )
        from outcry.petitions.models import Petition
        from outcry.site.home import content_changed

        for model in (Campaign, CampaignText, Organisation, OrganisationName, Petition):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"home-{model.__name__}")
            post_delete.connect(
                content_changed, sender=model, dispatch_uid=f"home-{model.__name__}-d"
            )
