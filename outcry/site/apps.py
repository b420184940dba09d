from django.apps import AppConfig


class SiteConfig(AppConfig):
    """What brings every app together: the home page, the campaign page, the demo.

    The top of the apps' layers (docs/architecture.md, "Layout"): it may import any
    app, and no app imports it. It has no models, so the admin never shows its name.
    """

    name = "outcry.site"
    label = "site"

    def ready(self) -> None:
        # Every cached public page (core.pagecache) and the home page's list
        # (site.home) are read afresh after any change to what they show. A signal,
        # not a call in each admin and service: the apps that own the content do not
        # know which pages are cached. Imported here because models can be imported
        # only once the app registry is ready.
        from django.apps import apps
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from outcry.core.pagecache import content_changed

        for label in CONTENT_MODELS:
            model = apps.get_model(label)
            receiver = _unless_proposed if label in PROPOSED_BY_SUPPORTERS else content_changed
            post_save.connect(receiver, sender=model, dispatch_uid=f"page-{label}")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"page-{label}-d")
        for label, field in CONTENT_RELATIONS:
            through = apps.get_model(label)._meta.get_field(field).remote_field.through
            m2m_changed.connect(
                content_changed, sender=through, dispatch_uid=f"page-{label}.{field}"
            )


# What public pages show and organisers (or imports) edit, never supporters' action
# rows: a signature, letter or RSVP must not empty the page cache in a surge (their
# counts are counters, fresh within PAGE_CACHE_SECONDS). A model missing here still
# shows on the pages within PAGE_CACHE_SECONDS; the home page's list, with Redis,
# only when one of these changes.
CONTENT_MODELS = [
    "campaigns.Organisation",
    "campaigns.OrganisationName",
    "campaigns.Campaign",
    "campaigns.CampaignText",
    "petitions.Petition",
    "petitions.PetitionText",
    "directory.Target",
    "directory.TargetName",
    "directory.Channel",
    "directory.TargetList",
    "letters.LetterAction",
    "letters.LetterTemplate",
    "letters.Paragraph",
    "updates.Update",
    "updates.UpdateText",
    "updates.PressItem",
    "events.DayOfAction",
    "events.DayOfActionText",
    "events.Event",
    "events.EventText",
    "pledges.Pledge",
    "pledges.PledgeText",
    "cases.Case",
    "cases.CaseText",
    "cases.CaseCount",
    "cases.StatusChange",
    "cases.StatusNote",
    "cases.Source",
]
CONTENT_RELATIONS = [("campaigns.Campaign", "partners"), ("directory.TargetList", "targets")]
# Rows a supporter writes when proposing a local event (events.hosting): the public
# sees the event only once an organiser approves it, so a flood of proposals must not
# empty every process's page cache.
PROPOSED_BY_SUPPORTERS = {"events.Event", "events.EventText"}


def _unless_proposed(*, instance, **kwargs) -> None:
    """content_changed, but not for an event still waiting for an organiser (or its text)."""
    # Imported here: apps.py is read before the app registry is ready.
    from outcry.core.pagecache import content_changed
    from outcry.events.models import Event

    try:
        event = instance if isinstance(instance, Event) else instance.event
    except Event.DoesNotExist:  # a text deleted with its event: nothing to tell apart
        event = None
    if event is None or event.approval != Event.Approval.PROPOSED:
        content_changed(instance=instance, **kwargs)
