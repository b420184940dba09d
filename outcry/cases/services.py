"""Verbs on cases: turn a status change into a draft update and a draft mailing.

The update and the mailing belong to their apps; this module only asks them
(updates.services.draft_update, mailings.services.draft_mailing). Nothing is
published or sent here: the organiser reviews both and starts the mailing on its
review page, where the mail engine takes over.
"""

from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from outcry.cases.models import StatusChange
from outcry.mailings import services as mailings
from outcry.mailings.models import Mailing
from outcry.updates import services as updates
from outcry.updates.models import Update


class CannotDraft(Exception):
    """The status change cannot be turned into an update; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def change_texts(change: StatusChange) -> dict[str, tuple[str, str]]:
    """The update's title and Markdown body in each language of the change's campaign.

    Built only from the public tier: the case's public description, the status,
    its date and confidence, the public note and the sources.
    """
    case = change.case
    texts = {}
    for language in case.campaign.language_codes:
        with translation.override(language):
            case_text = case.text_for(language)
            who = case_text.summary if case_text else _("A case of the campaign")
            status = change.get_status_display()
            day = formats.date_format(change.happened_on, "DATE_FORMAT")
            title = _("%(who)s: %(status)s") % {"who": who, "status": status}
            lines = [
                _("On %(date)s: %(status)s (%(confidence)s).")
                % {
                    "date": day,
                    "status": status,
                    "confidence": change.get_confidence_display(),
                }
            ]
            note = change.note_for(language)
            if note is not None:
                lines.append(note.note)
            sources = [
                _("%(outlet)s, %(date)s")
                % {
                    "outlet": source.outlet,
                    "date": formats.date_format(source.published_on, "DATE_FORMAT"),
                }
                + (f" <{source.url}>" if source.url else "")
                for source in change.sources.all()
            ]
            if sources:
                lines.append(_("Sources:") + "\n\n" + "\n".join(f"- {s}" for s in sources))
            # Markdown, rendered through core.text.render_markdown (HTML removed).
            texts[language] = (title, "\n\n".join(lines))
    return texts


def draft_update(*, change: StatusChange, user) -> tuple[Update, Mailing]:
    """Draft an update of the case's campaign and a mailing to its subscribers from *change*.

    Both are drafts from the campaign's lead organisation, in each campaign
    language; the mailing goes to those who get the campaign's updates
    (Mailing.Audience.SUBSCRIBED) once an organiser starts it. One transaction.
    Raises CannotDraft when the change has no source.
    """
    if not change.sources.exists():
        raise CannotDraft(_("Add a source to this status change first."))
    campaign = change.case.campaign
    texts = change_texts(change)
    with transaction.atomic():
        update = updates.draft_update(
            campaign=campaign, organisation=campaign.lead_organisation, texts=texts
        )
        mailing = mailings.draft_mailing(
            organisation=campaign.lead_organisation,
            campaign=campaign,
            audience=Mailing.Audience.SUBSCRIBED,
            texts=texts,
            user=user,
        )
    return update, mailing
