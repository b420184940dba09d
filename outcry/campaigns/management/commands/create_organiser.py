"""Create an organiser who can sign in to the admin, or add one to another organisation."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outcry.campaigns.models import Organisation
from outcry.campaigns.services import OrganiserRefused, create_organiser


class Command(BaseCommand):
    help = (
        "Create an organiser of an organisation (a staff user in the Organisers group), "
        "or add an existing user to one more organisation. Prints a generated password "
        "when none is given for a new user."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--organisation", required=True, metavar="SLUG", help="The organisation's slug."
        )
        parser.add_argument(
            "--password",
            help="Set this password. Without it a new user gets a generated one; "
            "an existing user keeps theirs.",
        )

    def handle(self, *args, **options) -> None:
        slug = options["organisation"].strip()
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            known = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                _("No organisation has the slug “%(slug)s”. Known slugs: %(known)s.")
                % {"slug": slug, "known": known or _("none yet")}
            )
        try:
            user, password = create_organiser(
                username=options["username"],
                email=options["email"],
                organisation=organisation,
                password=options["password"],
            )
        except OrganiserRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(username)s is an organiser of %(organisation)s. Sign in at %(url)s")
                % {
                    "username": user.get_username(),
                    "organisation": organisation.name,
                    "url": f"{settings.BASE_URL}/admin/",
                }
            )
        )
        if options["password"] is None:
            if password:
                self.stdout.write(_("Password: %(password)s") % {"password": password})
            else:
                self.stdout.write(_("Their password is unchanged."))
        if not user.is_active:
            self.stderr.write(
                self.style.WARNING(_("This account is deactivated, so it cannot sign in."))
            )
