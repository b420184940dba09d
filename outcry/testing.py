"""Plain helpers that make test objects with sensible defaults."""

from itertools import count

from django.test import Client
from django.urls import reverse

from outcry.campaigns.models import Campaign, CampaignText, Organisation
from outcry.petitions.models import Petition, PetitionText, Signature

_sequence = count(1)


def make_organisation(*, name: str | None = None) -> Organisation:
    n = next(_sequence)
    name = name or f"Organisation {n}"
    return Organisation.objects.create(name=name, slug=f"org-{n}")


def make_campaign(
    *,
    lead: Organisation | None = None,
    partners: list[Organisation] = (),
    status: str = Campaign.Status.ACTIVE,
    languages: str = "en,ko",
    deadline_at=None,
    title: str = "Stop the forced return",
    title_ko: str | None = "강제 북송을 멈춰라",
) -> Campaign:
    n = next(_sequence)
    campaign = Campaign.objects.create(
        slug=f"campaign-{n}",
        status=status,
        languages=languages,
        deadline_at=deadline_at,
        lead_organisation=lead or make_organisation(),
    )
    campaign.partners.set(partners)
    CampaignText.objects.create(
        campaign=campaign, language="en", title=title, summary="A summary.", story="The **story**."
    )
    if title_ko:
        CampaignText.objects.create(
            campaign=campaign, language="ko", title=title_ko, summary="요약.", story="**이야기**."
        )
    return campaign


def make_petition(
    *,
    campaign: Campaign | None = None,
    goal: int = 1000,
    needs_confirmation: bool = True,
    shows_signers: bool = True,
) -> Petition:
    campaign = campaign or make_campaign()
    n = next(_sequence)
    petition = Petition.objects.create(
        campaign=campaign,
        slug=f"petition-{n}",
        goal=goal,
        needs_confirmation=needs_confirmation,
        shows_signers=shows_signers,
    )
    PetitionText.objects.create(
        petition=petition,
        language="en",
        title="Protect the refugees",
        addressee="UN High Commissioner for Refugees",
        text="We ask you to act.",
    )
    PetitionText.objects.create(
        petition=petition,
        language="ko",
        title="난민을 보호하라",
        addressee="유엔난민기구",
        text="행동해 주십시오.",
    )
    return petition


def sign_form(**overrides) -> dict:
    data = {
        "name": "Min-jun Kim",
        "email": "min@example.org",
        "country": "Korea",
        "postcode": "",
        "comment": "",
        "public_name": Signature.PublicName.HIDDEN,
    }
    data.update(overrides)
    return data


def post_signature(client: Client, petition: Petition, language: str = "en", **fields):
    from django.utils import translation

    with translation.override(language):
        url = reverse("petitions:sign", args=[petition.slug])
    return client.post(url, sign_form(**fields))


def confirm_all_pending(petition: Petition) -> int:
    from outcry.petitions.services import confirm_signature, confirmation_code

    pending = list(petition.signatures.filter(confirmed_at__isnull=True))
    for signature in pending:
        confirm_signature(code=confirmation_code(signature))
    return len(pending)


def make_supporter(
    *,
    email: str | None = None,
    name: str = "Ji-woo Park",
    country: str = "Korea",
    postcode: str = "",
    language: str = "en",
    consents_to: list[Organisation] = (),
    consent_confirmed: bool = True,
):
    """A supporter, with consent to each of *consents_to* (confirmed unless told otherwise)."""
    from outcry.supporters.models import Supporter

    n = next(_sequence)
    supporter = Supporter.objects.create(
        email=email or f"supporter-{n}@example.org",
        name=name,
        country=country,
        postcode=postcode,
        language=language,
    )
    for organisation in consents_to:
        give_consent(supporter, organisation, confirmed=consent_confirmed)
    return supporter


def give_consent(supporter, organisation: Organisation, *, confirmed: bool = True):
    from django.utils import timezone

    from outcry.supporters.models import Consent

    now = timezone.now()
    return Consent.objects.create(
        supporter=supporter,
        organisation=organisation,
        wording=f"Yes, {organisation.name} may email me.",
        language="en",
        given_at=now,
        confirmed_at=now if confirmed else None,
        source="test",
    )


def make_signature(
    *,
    petition: Petition,
    supporter=None,
    confirmed: bool = True,
    comment: str = "",
    public_name: str = Signature.PublicName.HIDDEN,
    **supporter_fields,
) -> Signature:
    """A signature on *petition*; *supporter_fields* go to make_supporter when none is given."""
    from django.utils import timezone

    supporter = supporter or make_supporter(**supporter_fields)
    return Signature.objects.create(
        petition=petition,
        supporter=supporter,
        comment=comment,
        public_name=public_name,
        confirmed_at=timezone.now() if confirmed else None,
    )


def make_organiser(*, organisation: Organisation, username: str | None = None):
    """A staff user in the Organisers group, member of *organisation*, made as the command does."""
    from outcry.campaigns.services import create_organiser

    username = username or f"organiser-{next(_sequence)}"
    user, _password = create_organiser(
        username=username, email=f"{username}@example.org", organisation=organisation
    )
    return user
