"""Verbs of the guided "new campaign" flow: save each step of a draft, invite partners, publish.

Each step writes the rows the admin would (a campaign and its texts, its petition, its
letter action with a template per language), through the models' ``full_clean``, in
one transaction per step. Only drafts are written here; a published campaign is
changed in the admin. Partners are invited through campaigns.services (audited) and
join when they accept. ``publish`` runs campaigns.checklist and refuses with its
messages (``checklist.NotReady``).
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify

from outcry.campaigns import checklist
from outcry.campaigns.models import Campaign, CampaignText, Organisation, PartnerInvitation
from outcry.campaigns.services import end_partnership, invite_partner
from outcry.core.audit import record_event
from outcry.directory.models import TargetList
from outcry.letters.models import LetterAction, LetterTemplate, Paragraph
from outcry.petitions.models import Petition, PetitionText

PUBLISH = "campaign-publish"


class NotADraft(Exception):
    """The campaign is no longer a draft: it is changed in the admin."""


def unique_slug(model: type[Model], text: str, *, fallback: str = "campaign") -> str:
    """A slug for a new *model* row made from *text*, with "-2", "-3", … if it is taken."""
    base = slugify(text)[:70].strip("-") or fallback
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _saved(row: Model) -> Model:
    row.full_clean()
    row.save()
    return row


def _locked_draft(campaign: Campaign) -> Campaign:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status != Campaign.Status.DRAFT:
        raise NotADraft(campaign.pk)
    return locked


@transaction.atomic
def save_story(
    *,
    campaign: Campaign | None,
    lead: Organisation,
    languages: list[str],
    texts: dict[str, dict[str, str]],
    deadline_at: datetime,
    time_zone: str,
    goal: int,
) -> Campaign:
    """Step 1: write the draft's languages, deadline, goal and its title, summary and story.

    *campaign* None starts a new draft led by *lead*, with its petition (the goal is
    the petition's). *texts* maps each language to its title, summary and story;
    a language no longer ticked loses its text. Transactional. Raises NotADraft
    for a published campaign and ValidationError for what full_clean refuses.
    """
    if campaign is None:
        first = texts[languages[0]]["title"]
        campaign = Campaign(slug=unique_slug(Campaign, first), lead_organisation=lead)
    else:
        campaign = _locked_draft(campaign)
    campaign.languages = ",".join(languages)
    campaign.deadline_at = deadline_at
    campaign.time_zone = time_zone
    _saved(campaign)
    campaign.texts.exclude(language__in=languages).delete()
    for language in languages:
        text = campaign.texts.filter(language=language).first() or CampaignText(
            campaign=campaign, language=language
        )
        text.title = texts[language]["title"]
        text.summary = texts[language]["summary"]
        text.story = texts[language]["story"]
        _saved(text)
    petition = campaign.petitions.first() or Petition(
        campaign=campaign, slug=unique_slug(Petition, campaign.slug)
    )
    petition.goal = goal
    _saved(petition)
    return campaign


@transaction.atomic
def save_petition(*, campaign: Campaign, texts: dict[str, dict[str, str]]) -> Petition:
    """Step 2: write the petition's title, addressee and text in each of the campaign's languages.

    Transactional. Raises NotADraft for a published campaign, ValidationError for
    what full_clean refuses.
    """
    campaign = _locked_draft(campaign)
    petition = campaign.petitions.first() or _saved(
        Petition(campaign=campaign, slug=unique_slug(Petition, campaign.slug))
    )
    petition.texts.exclude(language__in=campaign.language_codes).delete()
    for language in campaign.language_codes:
        text = petition.texts.filter(language=language).first() or PetitionText(
            petition=petition, language=language
        )
        text.title = texts[language]["title"]
        text.addressee = texts[language]["addressee"]
        text.text = texts[language]["text"]
        _saved(text)
    return petition


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of *text*: the parts between blank lines, trimmed."""
    parts = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return [part.strip() for part in parts.split("\n\n") if part.strip()]


def joined_paragraphs(template: LetterTemplate | None) -> str:
    """A template's paragraphs as one text, a blank line between them (the form's value)."""
    if template is None:
        return ""
    return "\n\n".join(paragraph.text for paragraph in template.paragraphs.all())


@transaction.atomic
def save_letter(
    *,
    campaign: Campaign,
    target_list: TargetList,
    selection: str,
    represents: str,
    channels: list[str],
    sender_email: str,
    templates: dict[str, dict[str, str]],
) -> LetterAction:
    """Step 3: write the letter action, the campaign's sender address and a letter per language.

    *templates* maps each campaign language to its title, subject and paragraphs
    (one text, paragraphs separated by blank lines). A letter whose paragraphs are
    unchanged keeps them as they are (kinds and labels set in the admin); changed
    ones are written again as required paragraphs. Transactional. Raises NotADraft
    for a published campaign, ValidationError for what full_clean refuses.
    """
    campaign = _locked_draft(campaign)
    campaign.sender_email = sender_email
    _saved(campaign)
    action = campaign.letter_actions.first() or LetterAction(
        campaign=campaign, slug=unique_slug(LetterAction, campaign.slug)
    )
    action.target_list = target_list
    action.selection = selection
    action.represents = represents
    action.channels = ",".join(channels)
    _saved(action)
    action.templates.exclude(language__in=campaign.language_codes).delete()
    for language in campaign.language_codes:
        wanted = templates[language]
        template = action.templates.filter(language=language).first() or LetterTemplate(
            action=action, language=language
        )
        template.title = wanted["title"]
        template.subject = wanted["subject"]
        _saved(template)
        paragraphs = split_paragraphs(wanted["paragraphs"])
        if paragraphs == split_paragraphs(joined_paragraphs(template)):
            continue
        template.paragraphs.all().delete()
        for position, text in enumerate(paragraphs):
            _saved(Paragraph(template=template, position=position, text=text))
    return action


def partner_invitations(campaign: Campaign) -> list[PartnerInvitation]:
    """The campaign's open invitations (waiting or accepted), with their organisations."""
    return list(
        campaign.invitations.filter(
            status__in=[PartnerInvitation.Status.PENDING, PartnerInvitation.Status.ACCEPTED]
        ).select_related("organisation")
    )


@transaction.atomic
def set_partners(*, campaign: Campaign, organisations: Iterable[Organisation], user) -> None:
    """Step 4: invite the *organisations* not yet invited; withdraw those no longer chosen.

    Invitations go through campaigns.services (checked, audited); a partner joins
    when one of its organisers accepts. Raises NotADraft, or PartnershipRefused.
    """
    campaign = _locked_draft(campaign)
    wanted = {organisation.pk: organisation for organisation in organisations}
    for invitation in partner_invitations(campaign):
        if wanted.pop(invitation.organisation_id, None) is None:
            end_partnership(invitation=invitation, user=user)
    for organisation in wanted.values():
        invite_partner(campaign=campaign, organisation=organisation, invited_by=user)


@transaction.atomic
def publish(*, campaign: Campaign, user) -> Campaign:
    """Step 5: make the draft public, once campaigns.checklist finds nothing missing.

    Locks the campaign, so two presses publish once. Audited. Raises NotADraft for a
    campaign already published and checklist.NotReady with what is missing.
    """
    campaign = _locked_draft(campaign)
    found = checklist.problems(campaign)
    if found:
        raise checklist.NotReady(found)
    campaign.status = Campaign.Status.ACTIVE
    campaign.save(update_fields=["status", "updated_at"])
    record_event(
        actor=user,
        action=PUBLISH,
        object_repr=str(campaign),
        organisation=campaign.lead_organisation,
        subject_type="campaign",
        subject_id=campaign.pk,
        details={"campaign_id": campaign.pk},
    )
    return campaign
