"""Plain helpers that make test objects with sensible defaults, a loopback SMTP server,
and mail senders in another process."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from itertools import count
from pathlib import Path

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from outcry.campaigns.models import Campaign, CampaignText, Organisation, PartnerInvitation
from outcry.campaigns.services import create_organiser
from outcry.cases.testing import add_change, add_record, make_case
from outcry.core.models import AuditEvent, OutgoingEmail
from outcry.directory.models import AddressReport, ImportRun, ZipDistrict
from outcry.directory.testing import make_target, make_target_list
from outcry.events.testing import make_day_of_action, make_event
from outcry.letters.models import Delivery, Letter, LetterAction, LetterTemplate, Paragraph
from outcry.letters.services import new_nonce
from outcry.mailings.models import Mailing, MailingText
from outcry.petitions.models import Petition, PetitionText, Signature
from outcry.petitions.services import confirm_signature, confirmation_code
from outcry.pledges.testing import make_pledge
from outcry.supporters.models import Consent, Supporter
from outcry.updates.models import PressItem, Subscription, Update, UpdateText

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
        "country": "KR",
        "postcode": "",
        "comment": "",
        "public_name": Signature.PublicName.HIDDEN,
    }
    data.update(overrides)
    return data


def post_signature(client: Client, petition: Petition, language: str = "en", **fields):
    with translation.override(language):
        url = reverse("petitions:sign", args=[petition.slug])
    return client.post(url, sign_form(**fields))


def open_and_confirm(client: Client, path: str):
    """Follow an emailed petition confirmation link as a person does: open it, press the button.

    Opening it alone confirms nothing (a mail scanner does that much); the
    answer to the button is returned.
    """
    page = client.get(path)
    if f'<form method="post" action="{path}">' not in page.content.decode():
        raise AssertionError(f"no confirm button at {path} (status {page.status_code})")
    return client.post(path)


def confirm_all_pending(petition: Petition) -> int:
    pending = list(petition.signatures.filter(email_confirmed_at__isnull=True))
    for signature in pending:
        confirm_signature(code=confirmation_code(signature))
    return len(pending)


def make_supporter(
    *,
    email: str | None = None,
    name: str = "Ji-woo Park",
    country: str = "KR",
    postcode: str = "",
    language: str = "en",
    consents_to: list[Organisation] = (),
    consent_confirmed: bool = True,
):
    """A supporter, with consent to each of *consents_to* (confirmed unless told otherwise)."""

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

    supporter = supporter or make_supporter(**supporter_fields)
    now = timezone.now()
    return Signature.objects.create(
        petition=petition,
        supporter=supporter,
        name=supporter.name,
        country=supporter.country,
        comment=comment,
        public_name=public_name,
        confirmed_at=now if confirmed else None,
        email_confirmed_at=now if confirmed else None,
    )


def make_update(
    *,
    campaign: Campaign | None = None,
    title: str = "News from the border",
    body: str = "The group is still held in **Changchun**.",
    title_ko: str | None = "국경 소식",
    body_ko: str = "일행은 아직 **창춘**에 구금되어 있습니다.",
    status: str = Update.Status.PUBLISHED,
    published_at=None,
) -> Update:
    """An update by its campaign's lead, in English and (unless *title_ko* is None) Korean."""
    campaign = campaign or make_campaign()
    update = Update.objects.create(
        campaign=campaign,
        status=status,
        published_at=published_at or timezone.now(),
        author_organisation=campaign.lead_organisation,
    )
    UpdateText.objects.create(update=update, language="en", title=title, body=body)
    if title_ko is not None:
        UpdateText.objects.create(update=update, language="ko", title=title_ko, body=body_ko)
    return update


def make_press_item(*, campaign: Campaign, title: str = "Refugees face return", **fields):
    defaults = {
        "outlet": "Daily NK",
        "url": "https://news.example.org/refugees",
        "published_on": timezone.now().date(),
        "language": "en",
    }
    return PressItem.objects.create(campaign=campaign, title=title, **(defaults | fields))


def send_from_a_real_domain(settings) -> None:
    """Make the site send from outcry.example (the tests' default host is an IP address,
    which no sender address may use), as a campaign's sender address needs."""
    settings.DEFAULT_FROM_EMAIL = '"Outcry" <noreply@outcry.example>'
    settings.SENDER_DOMAINS = {"outcry.example": frozenset()}


def make_organiser(*, organisation: Organisation, username: str | None = None):
    """A staff user in the Organisers group, member of *organisation*, made as the command does."""

    username = username or f"organiser-{next(_sequence)}"
    user, _password = create_organiser(
        username=username, email=f"{username}@example.org", organisation=organisation
    )
    return user


# Letters ------------------------------------------------------------------------------

SAMPLE_PARAGRAPHS = {
    "en": [
        (
            "required",
            True,
            "",
            "Please do not send the North Korean refugees recently arrested "
            "in China back to North Korea, where they face certain torture and even execution.",
        ),
        (
            "optional",
            True,
            "China's obligations as a signatory of the Refugee Convention",
            "As a signatory to the 1951 Convention Relating to the Status of Refugees and the "
            "1967 Protocol, China is obligated not to force these refugees back to North Korea "
            "where they face certain persecution.",
        ),
        (
            "optional",
            False,
            "Violence and trafficking",
            "The policy of forced repatriation has created an environment of violent activity "
            "in China, while most North Korean women who flee end up trafficked.",
        ),
        (
            "editable",
            True,
            "",
            "Please save the lives of the refugees by allowing them to "
            "be resettled safely in South Korea.",
        ),
        (
            "required",
            True,
            "",
            "Thank you, {target_name}, for considering this request "
            "from {supporter_name} in {supporter_city}.",
        ),
    ],
    "ko": [
        (
            "required",
            True,
            "",
            "최근 중국에서 체포된 탈북 난민들을 북한으로 돌려보내지 말아 "
            "주십시오. 그들은 고문과 처형을 당하게 됩니다.",
        ),
        (
            "optional",
            True,
            "난민협약 가입국으로서 중국의 의무",
            "중국은 1951년 난민협약과 1967년 의정서의 가입국으로서 박해가 기다리는 북한으로 "
            "난민을 강제로 돌려보내지 않을 의무가 있습니다.",
        ),
        (
            "optional",
            False,
            "폭력과 인신매매",
            "강제 송환 정책은 중국 안에서 폭력을 낳았고, 탈출한 북한 여성 대부분이 인신매매를 "
            "당합니다.",
        ),
        ("editable", True, "", "난민들이 한국에 안전하게 정착할 수 있도록 생명을 구해 주십시오."),
        (
            "required",
            True,
            "",
            "{target_name}께서 {supporter_city}에 사는 {supporter_name}의 "
            "요청을 살펴 주셔서 감사합니다.",
        ),
    ],
}
SAMPLE_SUBJECTS = {
    "en": ("Write to the Chinese embassy", "Do not send the refugees back"),
    "ko": ("중국 대사관에 편지를 보내세요", "난민을 돌려보내지 마십시오"),
}


def make_letter_action(
    *,
    campaign: Campaign | None = None,
    targets: list = (),
    selection: str = "fixed",
    channels: str = "email,fax,post,webform,phone,mailto",
    represents: str = "",
    languages: tuple[str, ...] = ("en", "ko"),
    paragraphs: dict | None = None,
    is_open: bool = True,
):
    """A letter action writing to *targets*, with the sample letter in each of *languages*.

    *paragraphs* maps a language to (kind, ticked by default, label, text) tuples.
    """

    n = next(_sequence)
    campaign = campaign or make_campaign()
    # The list belongs to the campaign's lead, as one made in the admin would.
    target_list = make_target_list(targets=targets, organisation=campaign.lead_organisation)
    action = LetterAction.objects.create(
        campaign=campaign,
        slug=f"letter-{n}",
        target_list=target_list,
        selection=selection,
        channels=channels,
        represents=represents,
        is_open=is_open,
    )
    paragraphs = paragraphs or SAMPLE_PARAGRAPHS
    for language in languages:
        title, subject = SAMPLE_SUBJECTS.get(language, SAMPLE_SUBJECTS["en"])
        template = LetterTemplate.objects.create(
            action=action,
            language=language,
            title=title,
            subject=subject,
            introduction="Write now.",
        )
        for position, (kind, ticked, label, text) in enumerate(
            paragraphs.get(language, paragraphs["en"])
        ):
            Paragraph.objects.create(
                template=template,
                position=position,
                kind=kind,
                is_included_by_default=ticked,
                label=label,
                text=text,
            )
    return action


def letter_form(
    action,
    *,
    targets: list = (),
    channels: tuple[str, ...] = ("email",),
    language: str = "en",
    goto: str = "send",
    **overrides,
) -> dict:
    """The data of the composer's last step with every default accepted, ready to send."""

    template = action.templates.get(language=language)
    data = {
        "name": "Min-jun Kim",
        "email": "min@example.org",
        "country": "US",
        "zip_code": "",
        "city": "Boston",
        "compose_step": "1",
        "letter_language": language,
        "nonce": new_nonce(),
        "subject": template.subject,
        "mode": "template",
        "channels": list(channels),
        "goto": goto,
    }
    if action.selection != LetterAction.Selection.FIXED:
        data["targets"] = [str(target.pk) for target in targets]
        data["targets_step"] = "1"
    for paragraph in template.paragraphs.all():
        if paragraph.kind == Paragraph.Kind.OPTIONAL and paragraph.is_included_by_default:
            data[f"p_{paragraph.pk}"] = "on"
        elif paragraph.kind == Paragraph.Kind.EDITABLE:
            data[f"e_{paragraph.pk}"] = paragraph.text
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_letter(client: Client, action, page_language: str = "en", **form):
    """POST the composer's form (letter_form(**form)) in *page_language*."""

    with translation.override(page_language):
        url = reverse("letters:compose", args=[action.slug])
    return client.post(url, letter_form(action, **form))


# The admin, as each organiser sees it ---------------------------------------------------


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_url(obj_or_model, view: str = "change", *args) -> str:
    """The admin URL of *view* ("changelist", "add", "change", "delete", "history")."""
    opts = obj_or_model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
    if view in {"change", "delete", "history"}:
        return reverse(name, args=[obj_or_model.pk, *args])
    return reverse(name, args=args)


def accept_partner(campaign: Campaign, organisation: Organisation):
    """*organisation* invited to *campaign* and accepted, as its organisers would in the admin."""

    campaign.partners.add(organisation)
    return PartnerInvitation.objects.create(
        campaign=campaign,
        organisation=organisation,
        status=PartnerInvitation.Status.ACCEPTED,
        answered_at=timezone.now(),
    )


def make_mailing(
    *,
    organisation: Organisation,
    campaign: Campaign | None = None,
    texts: dict[str, tuple[str, str]] | None = None,
    **fields,
) -> Mailing:
    """A draft mailing from *organisation*, with *texts* as {language: (subject, body)}."""
    mailing = Mailing.objects.create(organisation=organisation, campaign=campaign, **fields)
    texts = texts or {"en": ("News from the campaign", "The group is still held. **Write again.**")}
    for language, (subject, body) in texts.items():
        MailingText.objects.create(mailing=mailing, language=language, subject=subject, body=body)
    return mailing


def make_admin_world() -> dict:
    """One row of every kind an organiser meets in the admin, all belonging to "Owner Rights".

    Owner Rights leads a campaign (petition, signature, letter action with its
    own target list, letter, deliveries); "Partner Watch" is its accepted
    partner; "Other Aid" has a campaign of its own and nothing to do with the
    first. Keys: the organisations and their organisers ("owner", "partner",
    "other", "owner_organiser", …), a superuser, and one row per model label
    ("directory.target", …) for the isolation tests.
    """

    owner = make_organisation(name="Owner Rights")
    partner = make_organisation(name="Partner Watch")
    other = make_organisation(name="Other Aid")
    world = {"owner": owner, "partner": partner, "other": other}
    for key, organisation in [("owner", owner), ("partner", partner), ("other", other)]:
        world[f"{key}_organiser"] = make_organiser(
            organisation=organisation, username=f"{key}-organiser"
        )
    world["superuser"] = get_user_model().objects.create_superuser(
        "root", "root@example.org", "unused"
    )
    campaign = make_campaign(lead=owner, title="Owner campaign")
    invitation = accept_partner(campaign, partner)
    make_campaign(lead=other, title="Other campaign")
    petition = make_petition(campaign=campaign)
    supporter = make_supporter(email="owner-only@example.org", name="Hidden Signer")
    consent = give_consent(supporter, owner)
    signature = make_signature(petition=petition, supporter=supporter)
    target = make_target(
        name="Embassy in Washington",
        city="Washington",
        channels={"email": "embassy@example.org", "post": "3505 International Pl NW"},
    )
    action = make_letter_action(campaign=campaign, targets=[target], channels="email,post")
    letter = Letter.objects.create(
        action=action, supporter=supporter, language="en", subject="Please", body="Body"
    )
    email_channel = target.channels.get(kind="email")
    failed = Delivery.objects.create(
        letter=letter,
        target=target,
        channel=email_channel,
        kind="email",
        idempotency_key=f"letter:{letter.pk}:{target.pk}:email",
        status=Delivery.Status.FAILED,
        last_error="refused",
    )
    Delivery.objects.create(
        letter=letter,
        target=target,
        channel=target.channels.get(kind="post"),
        kind="post",
        idempotency_key=f"letter:{letter.pk}:{target.pk}:post",
    )
    day_after_tomorrow = timezone.now().date() + timedelta(days=2)
    case = make_case(campaign=campaign)
    add_record(case)
    world.update(
        {
            "campaign": campaign,
            "auth.user": world["owner_organiser"],
            "auth.group": Group.objects.get(name="Organisers"),
            "campaigns.organisation": owner,
            "campaigns.campaign": campaign,
            "campaigns.partnerinvitation": invitation,
            "supporters.supporter": supporter,
            "supporters.consent": Consent.objects.get(pk=consent.pk),
            "petitions.petition": petition,
            "petitions.signature": signature,
            "directory.target": target,
            "directory.targetlist": action.target_list,
            "directory.importrun": ImportRun.objects.create(kind="missions", source="test.csv"),
            "directory.zipdistrict": ZipDistrict.objects.create(
                zcta="02138", state="MA", district=5
            ),
            "directory.addressreport": AddressReport.objects.create(
                target=target, note="The embassy moved."
            ),
            "letters.letteraction": action,
            "letters.lettertemplate": action.templates.get(language="en"),
            "letters.letter": letter,
            "letters.delivery": failed,
            "updates.update": make_update(campaign=campaign),
            "updates.pressitem": make_press_item(campaign=campaign),
            # The signer asked for the campaign's updates; they consented to Owner Rights only.
            "updates.subscription": Subscription.objects.create(
                supporter=supporter, campaign=campaign, language="en", status="active"
            ),
            "mailings.mailing": make_mailing(organisation=owner, campaign=campaign),
            "events.event": make_event(
                campaign=campaign,
                starts=datetime.combine(day_after_tomorrow, datetime.min.time()).replace(hour=14),
            ),
            "events.dayofaction": make_day_of_action(campaign=campaign, day=day_after_tomorrow),
            "pledges.pledge": make_pledge(campaign=campaign, kind="pray"),
            "cases.case": case,
            "cases.statuschange": add_change(case, on=timezone.now().date() - timedelta(days=3)),
            "core.auditevent": AuditEvent.objects.create(
                actor_username="owner-organiser",
                action="export-signatures",
                organisation=owner,
                created_at=timezone.now(),
            ),
            "core.outgoingemail": OutgoingEmail.objects.create(
                idempotency_key="signature-confirmation:1:0",
                to_address="owner-only@example.org",
                purpose="signature-confirmation",
            ),
            # About an organiser of their own: a two-factor device would make every
            # password-only session of its user lose the admin.
            **_sign_in_rows(make_organiser(organisation=owner, username="enrolled-organiser")),
        }
    )
    return world


def _sign_in_rows(user) -> dict:
    """One row of each sign-in model (lockouts, two-factor devices) about *user*."""

    seen = {
        "username": user.username,
        "ip_address": "100::1",
        "user_agent": "test",
        "http_accept": "text/html",
        "path_info": "/admin/login/",
    }
    return {
        "axes.accessattempt": AccessAttempt.objects.create(
            **seen, get_data="", post_data="", failures_since_start=1
        ),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**seen),
        "axes.accesslog": AccessLog.objects.create(**seen),
        "otp_totp.totpdevice": TOTPDevice.objects.create(user=user, name="phone"),
        "otp_static.staticdevice": StaticDevice.objects.create(user=user, name="backup"),
    }


# A real SMTP server on loopback ------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes = []
        self.received_at: list[float] = []  # time.monotonic() of each envelope's arrival

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        self.received_at.append(time.monotonic())
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(envelope.original_content, policy=default_policy)
            for envelope in self.envelopes
        ]


class MailServer:
    """A loopback SMTP server (aiosmtpd) that can be started and stopped on one fixed port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller = None

    def start(self) -> None:
        # aiosmtpd is a development dependency: imported only when a test starts a server.
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def received_by(server: MailServer) -> Counter:
    """How many messages each address received."""
    return Counter(
        recipient for envelope in server.inbox.envelopes for recipient in envelope.rcpt_tos
    )


# Mail senders in another process, on this test's database ---------------------------------

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """This test's database as a DATABASE_URL, for a sender in another process."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return f"postgres://{database['USER']}{password}@{host}/{database['NAME']}"


def start_sender(
    tmp_path: Path,
    server: MailServer,
    *arguments: str,
    command: tuple[str, ...] = ("manage.py", "send_mail"),
    rate: int = 0,
) -> subprocess.Popen:
    """Start ``manage.py send_mail *arguments*`` (or *command*) against *server*.

    The process uses this test's database, its own var/ under *tmp_path* (so
    the journals of its slots live there) and this process's secret key and
    base URL, so the links it mails are the ones this test's client opens.
    *rate*: its OUTCRY_MAIL_RATE (0: unlimited).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OUTCRY_", "DATABASE_URL", "EMAIL_URL", "DJANGO_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "outcry.settings",
        "DATABASE_URL": database_url(),
        "EMAIL_URL": server.url,
        "OUTCRY_VAR_DIR": str(tmp_path / "var"),
        "OUTCRY_BASE_URL": settings.BASE_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "OUTCRY_MAIL_RATE": str(rate),
    }
    return subprocess.Popen(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, *command, *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], *, what: str, seconds: float = 120) -> None:
    """Poll *condition* every 20 ms until it holds; fail after *seconds*."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting for {what}")
        time.sleep(0.02)


def run_once_elsewhere(tmp_path: Path, server: MailServer, command: str) -> None:
    """Run ``manage.py <command> --once`` in another process against *server*; fail on error."""
    process = start_sender(tmp_path, server, "--once", command=("manage.py", command))
    _out, errors = process.communicate(timeout=120)
    if process.returncode != 0:
        raise AssertionError(errors.decode())


def kill_sender_once_sent(tmp_path: Path, server: MailServer, sent, count: int) -> None:
    """Start a sender and kill it with -9 once *sent* (a queryset of ledger rows) has *count*.

    Then the periodic job runs again and a new sender starts, as ``serve`` and
    ``run_periodic`` do after a crash. (A message on the wire when a sender dies
    may go again: the engine's rule for transactional mail.)
    """
    sender = start_sender(tmp_path, server)
    try:
        wait_for(
            lambda: sent.count() == count or sender.poll() is not None,
            what=f"{count} emails sent",
            seconds=60,
        )
    finally:
        sender.send_signal(signal.SIGKILL)
        _out, errors = sender.communicate()
    if sender.returncode != -signal.SIGKILL:
        raise AssertionError(errors.decode())
    for command in ("run_periodic", "send_mail"):
        run_once_elsewhere(tmp_path, server, command)
