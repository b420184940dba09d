"""Verbs on organisations and campaigns: make someone an organiser, invite a partner."""

import secrets

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from outcry.campaigns.models import Campaign, Organisation, PartnerInvitation
from outcry.core.audit import record_event

ORGANISERS_GROUP = "Organisers"

# What an organiser may do in the admin, as "app_label.codename". Which rows they
# may do it to (their organisations' campaigns, supporters who consented to
# them) is decided by the admin classes. Deleting campaigns, petitions or
# signatures, the email ledger and user accounts stay with superusers; the audit
# log is read-only for everyone, and organisers read only what concerns them.
# The target directory's contact details (targets, channels) are shared by
# every organisation and changed by superusers only: organisers propose a
# correction as an address report. A target list belongs to one organisation,
# whose organisers change it. Import runs and the ZIP table are written by
# commands. Partners join a campaign by accepting an invitation.
ORGANISER_PERMISSIONS = frozenset(
    {
        "campaigns.view_organisation",
        "campaigns.change_organisation",
        "campaigns.view_campaign",
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.view_campaigntext",
        "campaigns.add_campaigntext",
        "campaigns.change_campaigntext",
        "campaigns.delete_campaigntext",
        "campaigns.view_partnerinvitation",
        "campaigns.add_partnerinvitation",
        # Only to answer or withdraw an invitation (its form stays read-only).
        "campaigns.change_partnerinvitation",
        "campaigns.view_organisationname",
        "campaigns.add_organisationname",
        "campaigns.change_organisationname",
        "campaigns.delete_organisationname",
        "petitions.view_petition",
        "petitions.add_petition",
        "petitions.change_petition",
        "petitions.view_petitiontext",
        "petitions.add_petitiontext",
        "petitions.change_petitiontext",
        "petitions.delete_petitiontext",
        "petitions.view_signature",
        "petitions.change_signature",
        "supporters.view_supporter",
        "mailings.view_mailing",
        "mailings.add_mailing",
        "mailings.change_mailing",
        "mailings.delete_mailing",
        "mailings.view_mailingtext",
        "mailings.add_mailingtext",
        "mailings.change_mailingtext",
        "mailings.delete_mailingtext",
        "supporters.view_consent",
        "letters.view_letteraction",
        "letters.add_letteraction",
        "letters.change_letteraction",
        "letters.view_lettertemplate",
        "letters.add_lettertemplate",
        "letters.change_lettertemplate",
        "letters.delete_lettertemplate",
        "letters.view_paragraph",
        "letters.add_paragraph",
        "letters.change_paragraph",
        "letters.delete_paragraph",
        "letters.view_letter",
        "letters.view_delivery",
        # Only to queue a failed delivery again (the ledger itself stays read-only).
        "letters.change_delivery",
        # Updates and press coverage: the lead writes them (audited when published).
        "updates.view_update",
        "updates.add_update",
        "updates.change_update",
        "updates.delete_update",
        "updates.view_updatetext",
        "updates.add_updatetext",
        "updates.change_updatetext",
        "updates.delete_updatetext",
        "updates.view_pressitem",
        "updates.add_pressitem",
        "updates.change_pressitem",
        "updates.delete_pressitem",
        # Read-only, and only subscribers who consented to the organiser's organisation.
        "updates.view_subscription",
        "directory.view_target",
        "directory.view_channel",
        "directory.view_targetlist",
        "directory.add_targetlist",
        "directory.change_targetlist",
        "directory.view_importrun",
        "directory.view_zipdistrict",
        "directory.view_addressreport",
        # To propose a correction of a target's contact details for review.
        "directory.add_addressreport",
        "core.view_auditevent",
        # Events belong to one organisation of the campaign (its organisers change them);
        # days of action to the campaign's lead.
        "events.view_event",
        "events.add_event",
        "events.change_event",
        "events.delete_event",
        "events.view_eventtext",
        "events.add_eventtext",
        "events.change_eventtext",
        "events.delete_eventtext",
        "events.view_dayofaction",
        "events.add_dayofaction",
        "events.change_dayofaction",
        "events.delete_dayofaction",
        "events.view_dayofactiontext",
        "events.add_dayofactiontext",
        "events.change_dayofactiontext",
        "events.delete_dayofactiontext",
        # Who proposed a local event (read only; only the organisations deciding on it).
        "events.view_eventhost",
        # Messages relayed to an event's attendees (read only: written through relay.py).
        "events.view_hostmessage",
        # Pledges are the campaign's lead's, like updates; commitments stay out of the admin.
        "pledges.view_pledge",
        "pledges.add_pledge",
        "pledges.change_pledge",
        "pledges.delete_pledge",
        "pledges.view_pledgetext",
        "pledges.add_pledgetext",
        "pledges.change_pledgetext",
        "pledges.delete_pledgetext",
        # Cases belong to the campaign's lead (partners read their public part); the
        # protected record is an inline that cases.admin shows to the lead's organisers only.
        "cases.view_case",
        "cases.add_case",
        "cases.change_case",
        "cases.delete_case",
        "cases.view_casetext",
        "cases.add_casetext",
        "cases.change_casetext",
        "cases.delete_casetext",
        "cases.view_casecount",
        "cases.add_casecount",
        "cases.change_casecount",
        "cases.delete_casecount",
        "cases.view_caserecord",
        "cases.add_caserecord",
        "cases.change_caserecord",
        "cases.view_statuschange",
        "cases.add_statuschange",
        "cases.change_statuschange",
        "cases.delete_statuschange",
        "cases.view_statusnote",
        "cases.add_statusnote",
        "cases.change_statusnote",
        "cases.delete_statusnote",
        "cases.view_source",
        "cases.add_source",
        "cases.change_source",
        "cases.delete_source",
    }
)


class OrganiserRefused(Exception):
    """The organiser cannot be set up as asked; the message says why."""


def organisers_group() -> Group:
    """Return the Organisers group, holding exactly ORGANISER_PERMISSIONS.

    Idempotent; it also takes back any permission someone added to the group by
    hand. Raises OrganiserRefused if the permissions do not exist yet (the
    database has not been migrated).
    """
    wanted = Q(pk__in=[])
    for name in ORGANISER_PERMISSIONS:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    if len(permissions) != len(ORGANISER_PERMISSIONS):
        raise OrganiserRefused(
            gettext("Some permissions are missing. Run “manage.py migrate” first.")
        )
    group, _created = Group.objects.get_or_create(name=ORGANISERS_GROUP)
    group.permissions.set(permissions)
    return group


def _refuse(error: ValidationError, field: str) -> OrganiserRefused:
    return OrganiserRefused(
        gettext("%(field)s: %(problems)s") % {"field": field, "problems": " ".join(error.messages)}
    )


@transaction.atomic
def create_organiser(
    *, username: str, email: str, organisation: Organisation, password: str | None = None
) -> tuple[AbstractUser, str]:
    """Make *username* a staff user in the Organisers group and a member of *organisation*.

    Creates the user if new. An existing user gets *email* and the group, keeps
    their other organisations, and keeps their password unless *password* is
    given. Returns the user and the password this call set: *password*, a
    generated one (new user, or one without a usable password), or "" when the
    existing password was kept.

    Transactional; running it twice changes nothing. Raises OrganiserRefused
    for an invalid username or email, or a password the validators reject.
    """
    user_model = get_user_model()
    username, email = username.strip(), email.strip()
    try:
        user_model._meta.get_field(user_model.USERNAME_FIELD).clean(username, None)
    except ValidationError as error:
        raise _refuse(error, gettext("username")) from None
    try:
        validate_email(email)
    except ValidationError as error:
        raise _refuse(error, gettext("email")) from None

    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
    created = user is None
    if created:
        user = user_model(**{user_model.USERNAME_FIELD: username})
    user.email = email
    user.is_staff = True
    if password is not None:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise _refuse(error, gettext("password")) from None
    elif created or not user.has_usable_password():
        password = secrets.token_urlsafe(12)
    if password and (created or not user.check_password(password)):
        user.set_password(password)
    user.save()
    user.groups.add(organisers_group())
    organisation.members.add(user)
    return user, password or ""


# Audit actions for partnerships.
PARTNER_INVITE = "partner-invite"
PARTNER_ACCEPT = "partner-accept"
PARTNER_DECLINE = "partner-decline"
PARTNER_END = "partner-end"


class PartnershipRefused(Exception):
    """The invitation cannot be made or answered as asked; the message says why."""


def _is_member(user, organisation: Organisation) -> bool:
    return user.organisations.filter(pk=organisation.pk).exists()


def _record(invitation: PartnerInvitation, *, actor, action: str) -> None:
    record_event(
        actor=actor,
        action=action,
        object_repr=str(invitation),
        organisation=invitation.organisation,
        subject_type="campaign",
        subject_id=invitation.campaign_id,
        details={
            "campaign_id": invitation.campaign_id,
            "organisation_id": invitation.organisation_id,
            "status": invitation.status,
        },
    )


@transaction.atomic
def invite_partner(
    *, campaign: Campaign, organisation: Organisation, invited_by
) -> PartnerInvitation:
    """Invite *organisation* to partner in *campaign*; it joins only when it accepts.

    Only the lead organisation's organisers (or a superuser) invite. Audited.
    Raises PartnershipRefused for the lead itself, or an organisation already
    invited or already a partner.
    """
    if not campaign.is_led_by(invited_by):
        raise PartnershipRefused(
            gettext("Only the organisers of the lead organisation invite partners.")
        )
    if organisation.pk == campaign.lead_organisation_id:
        raise PartnershipRefused(gettext("The lead organisation cannot be its own partner."))
    if campaign.invitations.filter(
        organisation=organisation,
        status__in=[PartnerInvitation.Status.PENDING, PartnerInvitation.Status.ACCEPTED],
    ).exists():
        raise PartnershipRefused(
            gettext("%(organisation)s is already invited or a partner.")
            % {"organisation": organisation.name}
        )
    invitation = PartnerInvitation.objects.create(
        campaign=campaign, organisation=organisation, invited_by=invited_by
    )
    _record(invitation, actor=invited_by, action=PARTNER_INVITE)
    return invitation


def _locked_pending(invitation: PartnerInvitation) -> PartnerInvitation:
    invitation = PartnerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != PartnerInvitation.Status.PENDING:
        raise PartnershipRefused(gettext("This invitation has already been answered."))
    return invitation


@transaction.atomic
def answer_invitation(*, invitation: PartnerInvitation, user, accept: bool) -> PartnerInvitation:
    """Accept (join the campaign as a partner) or decline *invitation*, as one of its organisers.

    Only an organiser of the invited organisation answers: not the lead, not a
    superuser, since joining is that organisation's own agreement. Audited.
    Raises PartnershipRefused otherwise, or if the invitation was answered.
    """
    if not _is_member(user, invitation.organisation):
        raise PartnershipRefused(
            gettext("Only the invited organisation's organisers answer its invitation.")
        )
    invitation = _locked_pending(invitation)
    invitation.status = (
        PartnerInvitation.Status.ACCEPTED if accept else PartnerInvitation.Status.DECLINED
    )
    invitation.answered_by, invitation.answered_at = user, timezone.now()
    invitation.save(update_fields=["status", "answered_by", "answered_at"])
    if accept:
        invitation.campaign.partners.add(invitation.organisation)
    _record(invitation, actor=user, action=PARTNER_ACCEPT if accept else PARTNER_DECLINE)
    return invitation


@transaction.atomic
def end_partnership(*, invitation: PartnerInvitation, user) -> PartnerInvitation:
    """Withdraw a pending invitation or end a partnership; the partner leaves the campaign.

    Either side may: the lead's organisers (or a superuser), or the partner's
    organisers. Audited. Raises PartnershipRefused for anyone else, or an
    invitation already declined or ended.
    """
    invitation = PartnerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not (invitation.campaign.is_led_by(user) or _is_member(user, invitation.organisation)):
        raise PartnershipRefused(gettext("Only the lead or the partner ends a partnership."))
    if invitation.status not in {
        PartnerInvitation.Status.PENDING,
        PartnerInvitation.Status.ACCEPTED,
    }:
        raise PartnershipRefused(gettext("This invitation is no longer open."))
    invitation.status = PartnerInvitation.Status.ENDED
    invitation.answered_by, invitation.answered_at = user, timezone.now()
    invitation.save(update_fields=["status", "answered_by", "answered_at"])
    invitation.campaign.partners.remove(invitation.organisation)
    _record(invitation, actor=user, action=PARTNER_END)
    return invitation
