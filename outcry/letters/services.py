"""Verbs on letters: whom a supporter may write to, how the letter reads, queue_letter.

The composer (views.py) calls these at every step, and queue_letter checks
everything again before it writes: a page that was tampered with, replayed or
left open overnight cannot send what the form would not have offered.
"""

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.core import signing
from django.db import IntegrityError
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext

from outcry.actions import consents as consent
from outcry.actions.services import Person, Written, take_action
from outcry.core import ratelimit
from outcry.core.queue import enqueue_with_transaction
from outcry.core.tasks import send_email
from outcry.core.text import has_control_characters, pick_translation
from outcry.directory import selection as selecting
from outcry.directory.models import Channel, Target
from outcry.directory.naming import office_name
from outcry.letters import channels, confirmation
from outcry.letters.channels import Sender
from outcry.letters.models import Delivery, Letter, LetterAction, LetterTemplate, Paragraph
from outcry.letters.tasks import CONFIRMATION_PURPOSE, deliver_letter
from outcry.letters.wording import letter_text
from outcry.supporters.models import Supporter, normalise_email

logger = logging.getLogger("outcry.letters")

MAX_LETTER_CHARS = 10_000  # far above any channel's limit; stops a megabyte "letter"
NONCE_SALT = "outcry.letters.nonce"
NONCE_MAX_AGE = 7 * 24 * 3600


class LetterRefused(Exception):
    """A refusal to show the supporter; ``str()`` is the message in the active language.

    ``field`` names the form field the message belongs to, if any.
    """

    field: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActionClosed(LetterRefused):
    pass


class UnknownZipCode(LetterRefused):
    field = "zip_code"


class NoTargetNearby(LetterRefused):
    field = "country"


class TargetNotOffered(LetterRefused):
    pass


class EmptyLetter(LetterRefused):
    pass


class UnsafeText(LetterRefused):
    pass


class NoChannelLeft(LetterRefused):
    field = "channels"


class LetterTooLong(LetterRefused):
    field = "channels"

    def __init__(self, message: str, fit: "Fit | None") -> None:
        super().__init__(message)
        self.fit = fit


class TooManyLetters(LetterRefused):
    pass


class FormExpired(LetterRefused):
    pass


# Channels ------------------------------------------------------------------------------


def reachable_codes(target: Target, codes: Iterable[str]) -> list[str]:
    return [code for code in codes if channels.get(code).contact_for(target) is not None]


def unreachable_reason(target: Target, codes: Iterable[str]) -> str:
    """Why *target* cannot be written to by any of *codes*, for the supporter."""
    kinds = {channels.get(code).contact_kind for code in codes}
    known = [channel for channel in target.channels.all() if channel.kind in kinds]
    if not known:
        return gettext("We have no address for this office for the ways this action sends.")
    states = ", ".join(
        f"{channel.get_kind_display()}: {channel.get_status_display()}" for channel in known
    )
    return gettext("None of its addresses works at the moment (%(states)s).") % {"states": states}


def plan_deliveries(
    targets: Iterable[Target], codes: Iterable[str]
) -> list[tuple[Target, str, Channel]]:
    """Each (target, way of sending, channel) a letter to *targets* by *codes* would make."""
    codes = list(codes)
    plan = []
    for target in targets:
        for code in codes:
            contact = channels.get(code).contact_for(target)
            if contact is not None:
                plan.append((target, code, contact))
    return plan


# Who to write to -------------------------------------------------------------------------


@dataclass
class Offer:
    """The targets the composer offers one supporter.

    When ``districts`` is not empty the supporter's ZIP code spans several
    congressional districts and they must pick one before representatives are known.
    """

    targets: list[Target]
    default_ids: set[int] = field(default_factory=set)
    districts: list[tuple[str, int]] = field(default_factory=list)
    # Shown above the choice, e.g. why these offices are far from the supporter.
    note: str = ""


def offer_targets(
    *,
    action: LetterAction,
    country: str = "",
    city: str = "",
    zip_code: str = "",
    district: tuple[str, int] | None = None,
    office: int | None = None,
) -> Offer:
    """The open targets of *action*'s list that this supporter may write to.

    Closed targets are never offered. For a nearest-mission action the
    supporter's town (or ZIP code) preselects their office, with a note saying
    why, or asks them to choose. *office* (a target chosen in the public
    directory) is offered and preselected if it is in the action's list and
    can be written to. Raises UnknownZipCode or NoTargetNearby.
    """
    selection = action.selection
    nearest: Target | None = None
    if selection == LetterAction.Selection.NEAREST_MISSION:
        # The town is found offline (core/places.py); where it is not found, or
        # was not given, the supporter chooses: never a silent guess.
        found = selecting.missions_for_place(
            represents=action.represents,
            country=country,
            place=zip_code or city,
            target_list=action.target_list,
        )
        targets = _in_list(action, found.targets)
        note = found.message
        nearest = found.nearest
        if not targets:
            # None in their country: the embassies elsewhere are still worth a
            # letter, so offer them (none ticked) rather than a dead end.
            targets = list(
                action.target_list.targets.open()
                .filter(represents=action.represents, category=Target.Category.EMBASSY)
                .prefetch_related("channels", "names")
                .order_by("country", "city")
            )
            note = gettext(
                "We know of no office in the country you chose. You can write to one "
                "of these embassies instead, or go back and check your country."
            )
            nearest = None
        if not targets:
            raise NoTargetNearby(
                gettext(
                    "We know of no office to write to in this country. "
                    "Please check the country you chose."
                )
            )
        offer = Offer(targets=targets, note=note)
    elif selection == LetterAction.Selection.US_CONGRESS:
        try:
            result = selecting.legislators_for_zip(
                zip_code=zip_code, target_list=action.target_list
            )
        except selecting.ZipLookupError as error:
            raise UnknownZipCode(str(error)) from None
        if result.needs_choice and district in result.districts:
            result = selecting.choose_district(result, district)
        targets = _in_list(action, [*result.senators, *result.representatives])
        offer = Offer(
            targets=targets, districts=list(result.districts) if result.needs_choice else []
        )
    else:
        targets = list(action.target_list.targets.open().prefetch_related("channels", "names"))
        offer = Offer(targets=targets)
    codes = channels.offered(action)
    reachable = [target.pk for target in offer.targets if reachable_codes(target, codes)]
    if selection == LetterAction.Selection.NEAREST_MISSION:
        # The supporter's own office, if it can be written to; none when we could
        # not tell which it is, or they are all far away.
        if nearest is not None and nearest.pk not in reachable and reachable:
            # Their office has no address this action sends to: the next in the same
            # order (district, then distance) that has one, and say so.
            instead = next(t for t in offer.targets if t.pk in set(reachable))
            offer.note = gettext(
                "%(nearest)s is the office for %(place)s, but we have no address for it "
                "that this letter can use, so %(office)s is ticked instead. You may choose "
                "others too."
            ) % {
                "nearest": office_name(nearest),
                "place": found.place.label() if found.place else "",
                "office": office_name(instead),
            }
            nearest = instead
        offer.default_ids = {nearest.pk} & set(reachable) if nearest else set()
    elif selection != LetterAction.Selection.CHOOSE:
        offer.default_ids = set(reachable)
    chosen = office if office in reachable else None
    if (
        chosen is None
        and office is not None
        and selection == LetterAction.Selection.NEAREST_MISSION
    ):
        # Chosen in the public directory: offered first, if the action writes to it.
        # Only a mission of the action's state, as its directory lists: never a
        # legislator outside the supporter's district, nor another state's office.
        missions = Target.objects.filter(
            pk=office,
            represents=action.represents,
            category__in=[Target.Category.EMBASSY, Target.Category.CONSULATE],
        )
        listed = _in_list(action, missions.prefetch_related("channels"))
        if listed and reachable_codes(listed[0], codes):
            offer.targets.insert(0, listed[0])
            chosen = office
    if chosen is not None and selection != LetterAction.Selection.FIXED:
        offer.default_ids = {chosen}
        name = next(office_name(t) for t in offer.targets if t.pk == chosen)
        offer.note = gettext(
            "You chose %(office)s in the directory, so it is ticked. You may choose others too."
        ) % {"office": name}
    return offer


def _in_list(action: LetterAction, targets: Iterable[Target]) -> list[Target]:
    """*targets* that are open and in *action*'s list, in their order, channels prefetched."""
    targets = [target for target in targets if not target.is_closed]
    allowed = set(
        action.target_list.targets.filter(pk__in=[target.pk for target in targets]).values_list(
            "pk", flat=True
        )
    )
    targets = [target for target in targets if target.pk in allowed]
    prefetch_related_objects(targets, "channels", "names")
    return targets


def codes_reaching(action: LetterAction, targets: Iterable[Target]) -> list[str]:
    """The ways *action* sends by that reach at least one of *targets*."""
    targets = list(targets)
    return [
        code
        for code in channels.offered(action)
        if any(channels.get(code).contact_for(target) for target in targets)
    ]


def letter_language(
    action: LetterAction,
    *,
    templates: dict[str, LetterTemplate],
    switch: str | None,
    posted: str | None,
    page_language: str,
) -> tuple[str, bool]:
    """The language to write in, among *templates*', and whether the supporter just switched.

    A switch to another language of the action's letters wins, then the
    language the form was in, then the one closest to the page's language.
    """
    if switch in templates and switch != posted:
        return switch, True
    if posted in templates:
        return posted, False
    closest = pick_translation(templates.values(), page_language, action.campaign.language_codes)
    return closest.language, False


def empty_languages(templates: Iterable[tuple[str, int]]) -> list[str]:
    """The languages of (language, paragraph count) pairs whose letter has no paragraph."""
    return [language for language, count in templates if count == 0]


def not_ready_message(action: LetterAction, languages: list[str]) -> str:
    """Why an open letter action in a published campaign cannot be saved so (guard rail)."""
    if not languages:
        return gettext(
            "An open letter action in a published campaign needs its letter: add a "
            "template in each language, with at least one paragraph, before you open it "
            "(untick “open” until then, or keep the campaign a draft)."
        )
    return gettext(
        "An open letter action in a published campaign needs at least one paragraph in "
        "each language of its letter; %(languages)s has none. Add the paragraphs first, "
        "or untick “open” until they are written."
    ) % {"languages": ", ".join(languages)}


def preferred_language(target: Target, available: Iterable[str]) -> str | None:
    """The first of *target*'s correspondence languages we have a template in.

    "zh" matches a "zh-hans" template: directory data names languages loosely.
    """
    available = list(available)
    for code in target.language_codes:
        code = code.lower()
        for language in available:
            if language == code or language.split("-")[0] == code.split("-")[0]:
                return language
    return None


# How the letter reads --------------------------------------------------------------------


def assemble_body(
    *, paragraphs: Iterable[Paragraph], included: set[int], edits: dict[int, str]
) -> str:
    """The letter's body from the template's paragraphs as the supporter chose them.

    Required paragraphs always, optional ones if in *included*, editable ones as
    edited (an editable paragraph emptied by the supporter is left out).
    """
    parts = []
    for paragraph in paragraphs:
        if paragraph.kind == Paragraph.Kind.OPTIONAL and paragraph.pk not in included:
            continue
        text = paragraph.text
        if paragraph.kind == Paragraph.Kind.EDITABLE:
            text = edits.get(paragraph.pk, paragraph.text)
        text = text.strip()
        if text:
            parts.append(text)
    return "\n\n".join(parts)


def same_words(a: str, b: str) -> bool:
    """True if *a* and *b* differ at most in spacing and line breaks."""
    return a.split() == b.split()


def draft_letter(
    *,
    action: LetterAction,
    language: str,
    subject: str,
    body: str,
    sender_name: str,
    sender_city: str = "",
    sender_country: str = "",
) -> Letter:
    """An unsaved Letter, for the preview and the length checks before sending."""
    return Letter(
        action=action,
        supporter=Supporter(name=sender_name, country=sender_country),
        language=language,
        subject=subject,
        body=body,
        sender_name=sender_name,
        sender_city=sender_city,
        sender_country=sender_country,
    )


@dataclass
class Fit:
    """The tightest character limit a letter meets: which target and channel, how long."""

    length: int
    limit: int
    target: Target
    code: str
    channel: Channel

    @property
    def is_over(self) -> bool:
        return self.length > self.limit

    def describe(self) -> str:
        return channel_description(self.code, self.target)


def channel_description(code: str, target: Target) -> str:
    """E.g. "web form of The White House"."""
    return gettext("%(channel)s of %(target)s") % {
        "channel": channels.get(code).name,
        "target": target.name_in(get_language()),
    }


def tightest_fit(*, letter: Letter, targets: Iterable[Target], codes: Iterable[str]) -> Fit | None:
    """The (target, channel) with a character limit that leaves the least room, or None."""
    codes = list(codes)
    tightest = None
    for target in targets:
        length = None
        for code in codes:
            channel = channels.get(code).contact_for(target)
            if channel is None or not channel.char_limit:
                continue
            if length is None:
                length = len(letter_text(letter=letter, target=target))
            fit = Fit(
                length=length, limit=channel.char_limit, target=target, code=code, channel=channel
            )
            if tightest is None or fit.limit - fit.length < tightest.limit - tightest.length:
                tightest = fit
    return tightest


def too_long_template() -> str:
    """The sentence for a letter over a limit, unformatted (letters.js fills it in too)."""
    return gettext(
        "Your letter to %(target)s has %(length)s characters, but its %(channel)s takes "
        "at most %(limit)s."
    )


def too_long_message(fit: Fit) -> str:
    return too_long_template() % {
        "target": fit.target.name_in(get_language()),
        "length": f"{fit.length:,}",
        "channel": channels.get(fit.code).name,
        "limit": f"{fit.limit:,}",
    }


def drop_optional_to_fit(
    *,
    paragraphs: Iterable[Paragraph],
    included: set[int],
    measure: Callable[[set[int]], Fit | None],
) -> tuple[set[int], list[Paragraph], Fit | None]:
    """Untick optional paragraphs, longest first, until *measure* says the letter fits.

    Returns the paragraphs still included, those dropped, and the last measure
    (which is still over the limit if even dropping all of them was not enough).
    """
    included = set(included)
    dropped = []
    candidates = sorted(
        (p for p in paragraphs if p.kind == Paragraph.Kind.OPTIONAL and p.pk in included),
        key=lambda p: len(p.text),
        reverse=True,
    )
    fit = measure(included)
    for paragraph in candidates:
        if fit is None or not fit.is_over:
            break
        included.discard(paragraph.pk)
        dropped.append(paragraph)
        fit = measure(included)
    return included, dropped, fit


# The one-time form token -----------------------------------------------------------------


def new_nonce() -> str:
    """A signed one-time token for the compose form (see read_nonce)."""
    return signing.TimestampSigner(salt=NONCE_SALT).sign(secrets.token_urlsafe(18))


def read_nonce(value: str) -> str:
    """The token inside a signed *value*; raises FormExpired if forged or a week old.

    Only tokens this site issued are accepted, so nobody can pick the token of
    someone else's letter (it names their thank-you page).
    """
    try:
        return signing.TimestampSigner(salt=NONCE_SALT).unsign(value, max_age=NONCE_MAX_AGE)
    except signing.BadSignature:
        raise FormExpired(
            gettext("This form was too old to send. Please check your letter and send it again.")
        ) from None


# Sending ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Writer(Person):
    """Who writes, as typed into the composer's first step; *city* signs the letter."""

    city: str = ""


@dataclass(frozen=True)
class Composed:
    """What the supporter typed: who writes, to whom and how, and the words.

    *template* is the letter they started from (its language is the letter's);
    *is_personalised* says whether they changed its words.
    """

    writer: Writer
    targets: list[Target]
    codes: list[str]
    template: LetterTemplate
    subject: str
    body: str
    is_personalised: bool


@dataclass(frozen=True)
class _Confirming:
    """Whether a letter waits for its writer's link, and whether the link is mailed."""

    is_proven: bool  # this browser proved it reads the writer's mail (confirmation.is_proven)
    waits: bool  # some delivery goes out in the writer's name and needs the link first
    mails_link: bool  # within the limits on confirmation emails


def queue_letter(
    *, action: LetterAction, nonce: str, composed: Composed, network: str = "", proof: str = ""
) -> tuple[Letter, bool]:
    """Write the *composed* letter; return it and whether this call wrote it.

    In one transaction: the supporter (if new), the Letter, one Delivery per
    target and way of sending (idempotency key ``letter:<letter>:<target>:<code>``),
    and the tasks. Email and fax go out in the writer's name, so they wait
    (UNCONFIRMED) for the writer to open the link of the confirmation email
    queued here (letters/confirmation.py), unless *proof* (from the signed
    cookie of an earlier confirmation in this browser) names this address: then
    they are QUEUED with a delivery task each at once. Post waits for the
    supporter to print it; mailto, web form and phone are the supporter's to
    do, so those rows are recorded as sent at once. *network* (the keyed hash
    of core.ratelimit.network_key) is kept with the letter for the per-network
    share of each target's hourly limit.

    Idempotent per *nonce* (the form's one-time token): a second submit of the
    same form returns the first letter, even when both arrive at once.
    Raises a LetterRefused subclass: ActionClosed, TargetNotOffered, EmptyLetter,
    UnsafeText, NoChannelLeft, LetterTooLong, TooManyLetters.
    """
    existing = Letter.objects.filter(nonce=nonce).first()
    if existing is not None:
        return existing, False
    _check_words(action, composed)
    targets, codes, plan = _checked_plan(action, composed)
    letter = _fitting_draft(action, composed, targets=targets, codes=codes)
    writer = replace(composed.writer, email=normalise_email(composed.writer.email))
    counted = ratelimit.LETTER.count(network=network, address=writer.email)
    if counted.network_over or counted.address_over:
        # Per address *from this network* (see the policy), so refusing says nothing
        # about what the address did elsewhere.
        raise TooManyLetters(str(ratelimit.LETTER.message))
    confirming = _confirming(email=writer.email, plan=plan, network=network, proof=proof)
    letter.nonce = nonce
    letter.is_personalised = composed.is_personalised
    letter.writer_language = writer.language
    letter.network_key = network[:64]
    return _write(letter, writer=writer, plan=plan, confirming=confirming)


def _check_words(action: LetterAction, composed: Composed) -> None:
    """Refuse a closed action, a template of another action, unsafe or empty text."""
    if not (action.is_open and action.campaign.is_open):
        raise ActionClosed(gettext("This letter action is closed."))
    if composed.template.action_id != action.pk:
        raise TargetNotOffered(gettext("This letter does not belong to this action."))
    for value in (composed.subject, composed.writer.name, composed.writer.email):
        if "\n" in value or "\r" in value or has_control_characters(value):
            raise UnsafeText(gettext("Your name and the subject must be on one line."))
        if "=?" in value:
            # Mail programs decode "=?utf-8?b?…?=" in a header: a name written so
            # could turn into another address (see core.mail.display_name).
            raise UnsafeText(encoded_word_message())
    if not composed.body.strip():
        raise EmptyLetter(gettext("Your letter is empty. Please write something."))
    if len(composed.body) > MAX_LETTER_CHARS:
        raise LetterTooLong(
            gettext("Your letter is too long: at most %(limit)s characters, please.")
            % {"limit": f"{MAX_LETTER_CHARS:,}"},
            fit=None,
        )


def _checked_plan(
    action: LetterAction, composed: Composed
) -> tuple[list[Target], list[str], list[tuple[Target, str, Channel]]]:
    """The targets and ways of sending re-read and checked, and the deliveries they make.

    Raises NoChannelLeft or TargetNotOffered.
    """
    offered = channels.offered(action)
    codes = [code for code in dict.fromkeys(composed.codes) if code in offered]
    if not codes:
        raise NoChannelLeft(gettext("Please choose how to send your letter."))
    targets = _checked_targets(action, composed.targets)
    plan = plan_deliveries(targets, codes)
    unreached = [t for t in targets if not any(p[0].pk == t.pk for p in plan)]
    if unreached:
        raise NoChannelLeft(no_channel_message(unreached, codes))
    return targets, codes, plan


def _fitting_draft(
    action: LetterAction, composed: Composed, *, targets: list[Target], codes: list[str]
) -> Letter:
    """The unsaved Letter, if it fits every channel it goes by; else LetterTooLong."""
    letter = draft_letter(
        action=action,
        language=composed.template.language,
        subject=composed.subject,
        body=composed.body,
        sender_name=composed.writer.name,
        sender_city=composed.writer.city,
        sender_country=composed.writer.country,
    )
    fit = tightest_fit(letter=letter, targets=targets, codes=codes)
    if fit is not None and fit.is_over:
        raise LetterTooLong(too_long_message(fit), fit=fit)
    return letter


def _confirming(
    *, email: str, plan: list[tuple[Target, str, Channel]], network: str, proof: str
) -> _Confirming:
    """Whether the letter waits for its writer's link, and whether that link is mailed."""
    is_proven = confirmation.is_proven(email=email, proof=proof)
    waits = not is_proven and any(
        channels.get(code).sent_by == Sender.SITE for _target, code, _channel in plan
    )
    if not waits:
        return _Confirming(is_proven=is_proven, waits=False, mails_link=False)
    # Past the policy's limit on confirmation emails the letter is kept
    # unconfirmed (it expires, nothing is sent) and the answer is the same as
    # ever: a refusal would tell a stranger that this address wrote a moment ago.
    emails = ratelimit.LETTER_CONFIRMATION_EMAIL.count(
        network=network,
        address=email,
        also=(("letter-confirmation-any", ratelimit.mailbox_key(email), 3600),),
    )
    mails_link = (
        not emails.address_over
        and emails.also[0] <= ratelimit.LETTER_CONFIRMATION_EMAILS_ACROSS_NETWORKS
    )
    return _Confirming(is_proven=is_proven, waits=True, mails_link=mails_link)


def _write(
    letter: Letter,
    *,
    writer: Writer,
    plan: list[tuple[Target, str, Channel]],
    confirming: _Confirming,
) -> tuple[Letter, bool]:
    """Save *letter*, its supporter and deliveries in one transaction (actions.take_action)."""

    def write(supporter: Supporter, _created: bool) -> Written:
        letter.supporter = supporter
        if confirming.waits:
            letter.confirm_token = confirmation.new_token()
        elif confirming.is_proven:
            letter.confirmed_at = timezone.now()
        letter.save()
        _record_deliveries(letter, plan, waits=confirming.waits)
        # A browser that proved this address confirms the letter as it is written:
        # its writer's copy is queued now, in this transaction, as the link's would be.
        confirmation.queue_receipt(letter)
        return Written(
            row=letter,
            is_new=True,
            source=consent.source_for("letter", letter.pk),
            confirmation=(send_email, {"purpose": CONFIRMATION_PURPOSE, "subject_id": letter.pk})
            if confirming.mails_link
            else None,
        )

    try:
        take_action(person=writer, write=write)
    except IntegrityError:
        # The same form arrived twice at once and the other request won the
        # nonce; anything else is a real error.
        existing = Letter.objects.filter(nonce=letter.nonce).first()
        if existing is None:
            raise
        logger.info("Double submit of letter form for action %s", letter.action_id)
        return existing, False
    return letter, True


def _checked_targets(action: LetterAction, targets: list[Target]) -> list[Target]:
    """*targets* again from the database: open and in the action's list, or refuse."""
    ids = list(dict.fromkeys(target.pk for target in targets))
    if not ids:
        raise TargetNotOffered(gettext("Please choose at least one office to write to."))
    found = {
        target.pk: target
        for target in action.target_list.targets.open()
        .filter(pk__in=ids)
        .prefetch_related("channels")
    }
    if len(found) != len(ids):
        raise TargetNotOffered(
            gettext("You can only write to the offices this campaign lists. Please choose again.")
        )
    return [found[pk] for pk in ids]


def no_channel_message(targets: list[Target], codes: list[str]) -> str:
    names = ", ".join(target.name_in(get_language()) for target in targets)
    ways = ", ".join(channels.get(code).name for code in codes)
    return ngettext(
        "%(names)s cannot receive letters by %(ways)s. Please tick another way to send, "
        "or leave this office out.",
        "%(names)s cannot receive letters by %(ways)s. Please tick another way to send, "
        "or leave these offices out.",
        len(targets),
    ) % {"names": names, "ways": ways}


def delivery_key(letter: Letter, target: Target, code: str) -> str:
    return f"letter:{letter.pk}:{target.pk}:{code}"


def encoded_word_message() -> str:
    return gettext(
        "Please leave “=?” out of your name, email address and subject: "
        "mail programs read it as a code."
    )


def _record_deliveries(
    letter: Letter, plan: list[tuple[Target, str, Channel]], *, waits: bool
) -> None:
    """One Delivery per (target, way of sending); *waits*: email and fax await confirmation."""
    now = timezone.now()
    for target, code, channel in plan:
        way = channels.get(code)
        status = way.first_status(writer_confirmed=not waits)
        delivery = Delivery.objects.create(
            letter=letter,
            target=target,
            channel=channel,
            kind=code,
            idempotency_key=delivery_key(letter, target, code),
            status=status,
            sent_at=now if status == Delivery.Status.SENT else None,
        )
        if way.sent_by == Sender.SITE and not waits:
            enqueue_with_transaction(deliver_letter, delivery_id=delivery.pk)
