"""The letter composer and the page after sending.

The composer works without JavaScript and without a session: each step is a
POST that carries the earlier answers as hidden fields, and every request
checks them all again (letters/forms.py). Buttons name where to go next:

  goto=targets   from "who you are" to "whom you write to"
  goto=compose   to the letter (also "update the preview")
  goto=own / goto=template   write your own words / back to the sample letter
  goto=fit       drop optional paragraphs, longest first, until the letter fits
  goto=send      queue the letter (services.queue_letter), then the thank-you page
  goto=sender    back to the first step

letters.js only makes the preview and the character count follow the ticks and
edits as they happen; the server decides everything.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from outcry.actions import nextstep
from outcry.campaigns.models import Campaign
from outcry.core import challenge
from outcry.core.forms import body_is_unreadable
from outcry.core.ratelimit import network_key
from outcry.core.views import private
from outcry.letters import channels, confirmation, services
from outcry.letters.channels import post
from outcry.letters.forms import (
    ComposeForm,
    Recipients,
    SenderForm,
    choose_recipients,
    language_name,
    preview,
)
from outcry.letters.models import Delivery, Letter, LetterAction
from outcry.letters.wording import wording_for

# The signed cookie of a browser that opened a letter's confirmation link: it holds a
# keyed hash of the address (confirmation.sender_proof), never the address itself.
SENDER_COOKIE = "outcry_letter_sender"
SENDER_COOKIE_SALT = "outcry.letters.sender-cookie"


def sender_proof(request: HttpRequest) -> str:
    """The address hash this browser proved it can read mail for, or ""."""
    days = settings.LETTER_REMEMBER_SENDER_DAYS
    if not days:
        return ""
    return request.get_signed_cookie(
        SENDER_COOKIE, default="", salt=SENDER_COOKIE_SALT, max_age=days * 86400
    )


def remember_sender(response: HttpResponse, letter: Letter) -> None:
    """Let this browser send the next letters from this address without a new link."""
    days = settings.LETTER_REMEMBER_SENDER_DAYS
    if not days:
        return
    response.set_signed_cookie(
        SENDER_COOKIE,
        confirmation.sender_proof(letter.supporter.email),
        salt=SENDER_COOKIE_SALT,
        max_age=days * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# Where a press of a language link (goto=stay) leads from each step: to the same step.
STAY = {"sender": "sender", "targets": "targets", "compose": "compose"}


def action_or_404(slug: str) -> LetterAction:
    action = get_object_or_404(
        LetterAction.objects.select_related("campaign", "target_list").prefetch_related(
            "templates__paragraphs", "campaign__texts"
        ),
        slug=slug,
    )
    if action.campaign.status == Campaign.Status.DRAFT:
        raise Http404
    return action


def _render(
    request: HttpRequest, action: LetterAction, name: str, context: dict, status: int = 200
) -> HttpResponse:
    language = get_language()
    page_template = action.template_for(language)
    campaign_text = action.campaign.text_for(language)
    base = {
        "action": action,
        "page_template": page_template,
        "campaign": action.campaign,
        "campaign_text": campaign_text,
        "has_target_step": action.selection != LetterAction.Selection.FIXED,
        "step": name.removeprefix("letter_form_"),
    }
    if name.startswith("letter_form_"):
        # The interface language links submit the composer's form (goto=stay) to
        # the same page in the other language, keeping everything typed so far.
        base["language_form"] = "composer"
    return render(request, f"letters/{name}.html", base | context, status=status)


@private
def compose(request: HttpRequest, slug: str) -> HttpResponse:
    """The composer: who you are, whom you write to, what you write, send."""
    action = action_or_404(slug)
    if not (action.is_open and action.campaign.is_open):
        status = 200 if request.method == "GET" else 409
        return _render(request, action, "letter_closed", {}, status=status)
    if not action.ready_templates():
        # The admin refuses to open an action without paragraphs (admin_letters.py);
        # one that slipped through says so plainly instead of an empty letter.
        status = 200 if request.method == "GET" else 409
        step = nextstep.after(
            request, campaign=action.campaign, done=LetterKind.name, language=get_language()
        )
        context = {"next_step": step}
        return _render(request, action, "letter_not_ready", context, status=status)
    language = get_language()
    if request.method == "GET":
        # What this browser typed into the petition form within the hour (a signed
        # cookie, actions/nextstep.py), never anything from the database.
        carried = nextstep.carried(request)
        # "Write to this office" in the public directory names the office to preselect.
        office = {"office": request.GET.get("office", "")[:20]}
        form = SenderForm(action=action, language=language, initial=carried | office)
        return _render(
            request, action, "letter_form_sender", {"form": form, "is_carried": bool(carried)}
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if body_is_unreadable(request):
        form = SenderForm(action=action, language=language)
        message = _(
            "Your form arrived with characters we could not read. Please type your details again."
        )
        return _render(
            request, action, "letter_form_sender", {"form": form, "message": message}, 400
        )

    goto = request.POST.get("goto", "")
    staying = goto == "stay"
    if staying:  # the same step again, in the page language just chosen
        goto = STAY.get(request.POST.get("step", ""), "sender")
    sender = SenderForm(request.POST, action=action, language=language)
    if not sender.is_valid():
        if staying:  # what was typed so far, without scolding for what is still missing
            sender = SenderForm(initial=request.POST.dict(), action=action, language=language)
            return _render(request, action, "letter_form_sender", {"form": sender})
        return _render(request, action, "letter_form_sender", {"form": sender}, status=400)
    if goto == "sender":
        return _render(request, action, "letter_form_sender", {"form": sender})

    try:
        recipients = choose_recipients(request.POST, action=action, sender=sender, goto=goto)
    except services.LetterRefused as refusal:
        sender.add_error(refusal.field, refusal.message)
        return _render(request, action, "letter_form_sender", {"form": sender}, status=400)
    if not recipients.chosen:
        context = {
            "sender": sender,
            "carried": recipients.carried,
            "district_form": recipients.district_form,
            "targets_form": recipients.targets_form,
        }
        return _render(request, action, "letter_form_targets", context, recipients.status)
    return _compose(request, action, sender=sender, recipients=recipients, goto=goto)


def _compose(
    request: HttpRequest,
    action: LetterAction,
    *,
    sender: SenderForm,
    recipients: Recipients,
    goto: str,
) -> HttpResponse:
    """The letter step: show the letter (switched, reworded, fitted) or send it."""
    chosen = recipients.chosen
    templates = action.ready_templates()  # compose() answered an action without one
    posted_language = request.POST.get("letter_language")
    language, switched = services.letter_language(
        action,
        templates=templates,
        switch=request.POST.get("switch_language"),
        posted=posted_language,
        page_language=get_language(),
    )
    template = templates[language]
    form = ComposeForm.for_step(
        request.POST,
        template=template,
        codes=services.codes_reaching(action, chosen),
        targets=chosen,
        sender=sender,
        # Only a letter already shown in another language keeps what was typed in it.
        switched_from=templates.get(posted_language)
        if switched and "compose_step" in request.POST
        else None,
    )
    valid = form.is_valid()
    notice = ""
    status = 200
    if valid and goto in ("own", "template"):
        form = form.in_mode(goto)
        valid = form.is_valid()
    elif valid and goto == "fit":
        form, notice = form.fitted(sender=sender)
        valid = form.is_valid()

    # The preview is worked out before any refusal is added: a letter refused as
    # too long is shown with its count and the offer to make it fit.
    shown = preview(form, sender=sender, templates=templates, language=language) if valid else {}
    try:
        services.read_nonce(request.POST.get("nonce", ""))
        nonce = request.POST["nonce"]
    except services.FormExpired as expired:
        nonce = services.new_nonce()
        if valid and goto == "send":
            form.add_error(None, expired.message)
            valid = False
            status = 400

    # Only a letter the supporter has seen is sent: not the defaults of a form
    # that was never shown, nor one just switched to another language.
    gate = None
    if valid and goto == "send" and "compose_step" in request.POST and not switched:
        # While the composer is flooded, a letter waits for the proof of work (or
        # the wait without JavaScript), as signatures do.
        gate = challenge.count_and_check(request, form="letter", network=network_key(request))
        if not gate.passed:
            form.add_error(None, gate.message)
            status = 429
        else:
            try:
                letter = _send(request, action, form, sender, nonce)
            except services.LetterRefused as refusal:
                status = 429 if isinstance(refusal, services.TooManyLetters) else 400
                form.add_error(None, refusal.message)
            else:
                return redirect("letters:sent", action.slug, letter.nonce)
    elif not valid and "compose_step" in request.POST:
        status = 400

    context = {
        "sender": sender,
        "carried": recipients.carried,
        "chosen": chosen,
        "unreachable": recipients.unreachable,
        "form": form,
        "template": template,
        "languages": [(code, language_name(code)) for code in templates],
        "nonce": nonce,
        "notice": notice,
        "challenge": gate if gate is not None and not gate.passed else None,
        **shown,
    }
    return _render(request, action, "letter_form_compose", context, status=status)


def _send(
    request: HttpRequest, action: LetterAction, form: ComposeForm, sender: SenderForm, nonce: str
) -> Letter:
    """Queue the letter (services.queue_letter); raises its LetterRefused."""
    letter, _created = services.queue_letter(
        action=action,
        nonce=services.read_nonce(nonce),
        composed=form.composed(writer=sender.writer(language=get_language())),
        network=network_key(request),
        proof=sender_proof(request),
    )
    return letter


@require_GET
@private
def sent(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """What happens next for each office and way of sending, after the letter is queued.

    Honest about email and fax: "check your email" while they wait for the
    writer's confirmation, "expired" once they never will be sent.
    """
    letter = get_object_or_404(_letters(), nonce=token, action__slug=slug)
    context = _sent_context(letter) | {"next_step": _next_step(request, letter)}
    return _render(request, letter.action, "letter_sent", context)


def confirmation_page(
    request: HttpRequest, letter: Letter, *, code: str, pressed: bool, confirmed: bool = False
):
    """The letter's page behind the confirmation link (actions.views.confirm).

    The "Send" button while the letter waits for it and was not pressed, else
    what happens to each delivery. Only the press that *confirmed* it makes the
    browser remember the writer (remember_sender): opening a used or expired
    link, which may have leaked from an inbox, must not let its opener write
    in the writer's name.
    """
    letter = _letters().get(pk=letter.pk)
    if not pressed and letter.confirmed_at is None:
        context = _sent_context(letter) | {"code": code}
        # The email carries none of the letter (anyone may have typed it): this
        # page, behind the link, is where the writer reads what "Send" sends.
        waiting = [i for i in context["items"] if i["delivery"].status == "unconfirmed"]
        if waiting:
            first = waiting[0]
            context |= {
                "first_target": first["target"].name_in(get_language()),
                "shown_subject": wording_for(letter=letter, target=first["target"]).subject,
                "shown_text": first["text"],
            }
        return _render(request, letter.action, "letter_confirm", context)
    context = _sent_context(letter) | {
        "just_confirmed": pressed,
        "next_step": _next_step(request, letter),
    }
    response = _render(request, letter.action, "letter_sent", context)
    if confirmed:
        remember_sender(response, letter)
    return response


def _letters():
    return Letter.objects.select_related("action__campaign", "supporter").prefetch_related(
        "action__templates", "action__campaign__texts"
    )


def _sent_context(letter: Letter) -> dict:
    deliveries = list(
        letter.deliveries.select_related("target", "channel")
        .prefetch_related("target__names")
        .order_by("target__name", "pk")
    )
    statuses = {delivery.status for delivery in deliveries}
    items = [_delivery_item(letter, delivery) for delivery in deliveries]
    return {
        "letter": letter,
        "items": items,
        "is_waiting": Delivery.Status.UNCONFIRMED in statuses,
        # Something still to go out: the page says reload, letters-sent.js reloads it.
        "is_pending": any(item["state"] in PENDING for item in items),
        "has_expired": Delivery.Status.EXPIRED in statuses,
        "days": settings.LETTER_CONFIRMATION_DAYS,
    }


def _next_step(request: HttpRequest, letter: Letter) -> nextstep.NextStep:
    """After a letter: the petition unless this browser signed it, else sharing."""
    campaign = letter.action.campaign
    return nextstep.after(request, campaign=campaign, done=LetterKind.name, language=get_language())


@require_GET
@private
def letter_pdf(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The letter's post deliveries as one PDF to print (channels.post.post_batch_pdf)."""
    letter = get_object_or_404(
        Letter.objects.select_related("action", "supporter"), nonce=token, action__slug=slug
    )
    try:
        content = post.post_batch_pdf(letter=letter)
    except post.NothingToPrint:
        return _render(request, letter.action, "letter_printed", {"letter": letter}, status=410)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{letter.pk}.pdf"'
    return response


PENDING = ("waiting", "later", "retrying", "sending")


def delivery_state(delivery: Delivery) -> str:
    """Where one delivery stands, in the words the sent page uses for it.

    "waiting" (queued, not tried yet), "later" (held back by the office's hourly
    limit until next_attempt_at), "retrying" (an attempt failed; another is due
    at next_attempt_at), "sending", "sent", "failed" (given up on), and the
    letter's own "unconfirmed" and "expired".
    """
    status = delivery.status
    if status == Delivery.Status.QUEUED:
        if delivery.attempt_count and delivery.last_error:
            return "retrying"
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            return "later"
        return "waiting"
    return str(status)


def _delivery_item(letter: Letter, delivery: Delivery) -> dict:
    """What the sent page shows for one delivery: its channel's part, through the registry."""
    target, contact = delivery.target, delivery.channel
    channel = channels.get(delivery.kind)
    text = services.letter_text(letter=letter, target=target)
    item = {
        "delivery": delivery,
        "state": delivery_state(delivery),
        "target": target,
        "channel": contact,
        "text": text,
        "subject": wording_for(letter=letter, target=target).subject,
        "kind_name": channel.name,
        "template": channel.template,
        # Times on the page are on the campaign's clock, named (“14:02 KST”).
        "time_zone": letter.action.campaign.time_zone,
    }
    if contact is not None:
        item |= channel.sent_page(letter=letter, delivery=delivery, contact=contact, text=text)
    return item


class LetterKind(nextstep.ActionKind):
    """Letter actions on the campaign page (title, introduction, a link) and as a next step."""

    name = "letter_actions"
    template = "letters/_on_campaign_page.html"
    # One query for the letters of every action (template_for reads them).
    prefetch = ("letter_actions__templates__paragraphs",)
    share_heading = gettext_lazy("Now ask your friends to write too")

    def shortcut(self, items: list[dict], *, campaign: Campaign) -> dict | None:
        if not campaign.is_open:
            return None
        url = reverse("letters:compose", args=[items[0]["action"].slug])
        return {"url": url, "text": _("Write a letter")}

    def page_items(self, campaign: Campaign, *, language: str, forms: dict) -> list[dict]:
        return [
            {"action": action, "template": action.template_for(language)}
            for action in campaign.letter_actions.all()
            if action.is_open and campaign.is_open and action.ready_templates()
        ]

    def offer(
        self, request: HttpRequest, campaign: Campaign, *, language: str
    ) -> nextstep.Offer | None:
        for action in campaign.letter_actions.prefetch_related("templates__paragraphs"):
            template = action.template_for(language)
            if not action.is_open or template is None or not action.ready_templates():
                continue
            return nextstep.Offer(
                heading=_("Now write a letter"),
                title=template.title,
                title_language=template.language,
                introduction=template.introduction,
                url=reverse("letters:compose", args=[action.slug]),
                link_text=_("Write your letter"),
                note=_(
                    "Your name and email address are filled in as you just typed them. "
                    "You can change them."
                )
                if nextstep.carried(request)
                else "",
            )
        return None
