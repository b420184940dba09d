"""Verbs on organisations and campaigns: make someone an organiser."""

import secrets

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from outcry.campaigns.models import Organisation

ORGANISERS_GROUP = "Organisers"

# What an organiser may do in the admin, as "app_label.codename". Which rows they
# may do it to (their organisations' campaigns, supporters who consented to
# them) is decided by the admin classes. Deleting campaigns, petitions or
# signatures, the email ledger, the audit log and user accounts stay with
# superusers. The target directory is shared by every organisation: organisers
# keep it true (every change to contact details is audited) but close a target
# rather than delete it; import runs and the ZIP table are written by commands.
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
        "letters.view_target",
        "letters.add_target",
        "letters.change_target",
        "letters.view_channel",
        "letters.add_channel",
        "letters.change_channel",
        "letters.delete_channel",
        "letters.view_targetlist",
        "letters.add_targetlist",
        "letters.change_targetlist",
        "letters.view_importrun",
        "letters.view_zipdistrict",
        "letters.view_addressreport",
        "letters.change_addressreport",
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
