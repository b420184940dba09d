"""Taking a pledge from the campaign page, the pages after it, the live count, the stop link.

Every commitment is answered with the same "check your email" page, whatever
the address did before (services.take_pledge); what it holds is shown only
behind the links of its emails.
"""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from outcry.actions import nextstep
from outcry.actions.campaign_page import render_campaign_page
from outcry.actions.confirmation import InvalidConfirmation
from outcry.actions.services import Person
from outcry.actions.share import share_context
from outcry.campaigns.models import Campaign
from outcry.core import challenge, ratelimit
from outcry.core.forms import screen_form
from outcry.core.views import private
from outcry.pledges import services
from outcry.pledges.forms import PledgeForm, earliest_today
from outcry.pledges.models import Commitment, Pledge

# How long a browser or proxy may keep the live count (pledges.js asks every 30 s).
COUNT_MAX_AGE = 10


def pledge_or_404(slug: str, pk: int) -> Pledge:
    """The pledge *pk* of the public campaign *slug*, with what its form needs; or 404."""
    pledge = (
        Pledge.objects.select_related("campaign__lead_organisation")
        .prefetch_related(
            "texts",
            "campaign__texts",
            "campaign__partners__names",
            "campaign__lead_organisation__names",
        )
        .filter(campaign__slug=slug, pk=pk)
        .exclude(campaign__status=Campaign.Status.DRAFT)
        .first()
    )
    if pledge is None:
        raise Http404
    return pledge


def stand_together(count: int) -> str:
    """ "12 people stand together", in the active language."""
    return ngettext(
        "%(count)s person stands together", "%(count)s people stand together", count
    ) % {"count": f"{count:,}"}


def form_for(pledge: Pledge, campaign: Campaign, language: str, data=None) -> PledgeForm:
    return PledgeForm(
        data,
        pledge=pledge,
        campaign=campaign,
        language=language,
        auto_id=f"pledge{pledge.pk}-%s",
    )


@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take the pledge form (works without JavaScript); then the same page for everyone."""
    pledge = pledge_or_404(slug, pk)
    campaign = pledge.campaign
    if request.method == "GET":
        return redirect(reverse("campaigns:detail", args=[slug]) + f"#pledge-{pledge.pk}")
    language = get_language()
    form = form_for(pledge, campaign, language, request.POST)

    def again(message: str | None = None, status: int = 400) -> HttpResponse:
        if message:
            form.add_error(None, message)
        return render_campaign_page(request, campaign, forms={pledge: form}, status=status)

    valid, message = screen_form(request, form)
    if not valid:
        return again(message)
    network = ratelimit.network_key(request)
    gate = challenge.count_and_check(request, form="pledge", network=network)
    if not gate.passed:
        form.challenge = gate
        return again(gate.message, status=429)
    data = form.cleaned_data
    person = Person(email=data["email"], name=data["name"], language=language)
    try:
        services.take_pledge(
            pledge=pledge,
            person=person,
            choice=form.choice(),
            network=network,
            consents=form.chosen_consents(),
        )
    except services.PledgeRefused as refused:
        return again(refused.message, status=409)
    except ratelimit.RateLimited as limited:
        return again(limited.message, status=429)
    # One answer for a new commitment, for an address that had pledged (which the
    # email tells its owner) and for one past its limit (nothing sent).
    answer = redirect("pledges:thanks", slug, pledge.pk)
    nextstep.remember(
        request, answer, kind=PledgesKind.name, pk=pledge.pk, name=data["name"], email=data["email"]
    )
    return answer


def _pledge_context(pledge: Pledge, language: str) -> dict:
    text = pledge.text_for(language)
    count = services.count(pledge)
    share = share_context(pledge.campaign, language=language)
    return share | {
        "share": share,
        "campaign": pledge.campaign,
        "pledge": pledge,
        "text": text,
        "count": count,
        "together": stand_together(count),
    }


@require_GET
def thanks(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """After any commitment: check your email, then the next step and sharing."""
    pledge = pledge_or_404(slug, pk)
    language = get_language()
    next_step = nextstep.after(
        request, campaign=pledge.campaign, done=PledgesKind.name, language=language
    )
    context = _pledge_context(pledge, language) | {"next_step": next_step}
    response = render(request, "pledges/thanks.html", context)
    # The offer may read this browser's cookies (what it typed, what it did).
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def count(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """The live count for pledges.js: ``{"count": 12, "text": "12 people stand together"}``."""
    pledge = get_object_or_404(
        Pledge.objects.exclude(campaign__status=Campaign.Status.DRAFT), campaign__slug=slug, pk=pk
    )
    number = services.count(pledge)
    response = JsonResponse({"count": number, "text": stand_together(number)})
    response["Cache-Control"] = f"public, max-age={COUNT_MAX_AGE}"
    return response


def confirmation_page(
    request: HttpRequest,
    commitment: Commitment,
    *,
    code: str,
    pressed: bool,
    confirmed: bool = False,
    changed: bool = False,
) -> HttpResponse:
    """The page behind the confirmation link: the commitment and a button, or what it did."""
    language = get_language()
    organisations = [] if commitment.is_confirmed else services.waiting_consents(commitment)
    context = _pledge_context(commitment.pledge, language) | {
        "commitment": commitment,
        "code": code,
        "pressed": pressed,
        "confirmed": confirmed,
        "changed": changed,
        "what": services.what_pledged(commitment),
        "reminders": services.reminders_said(commitment),
        "gap_notes": services.gap_notes(commitment),
        "organisations": [organisation.name_in(language) for organisation in organisations],
        "shown": services.digest(commitment, organisations),
        "stop_path": reverse(
            "pledges:stop", args=[commitment.pledge.campaign.slug, services.stop_code(commitment)]
        )
        if commitment.gets_reminders
        else "",
    }
    return render(request, "pledges/confirm.html", context)


# One-click unsubscribe (RFC 8058): a mail provider POSTs "List-Unsubscribe=One-Click" with
# no cookie and no CSRF token. Knowing the signed code is what allows it, and it can only
# stop reminders, never start them.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@private
def stop(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """The link in every reminder: a button (GET changes nothing) that stops them (POST)."""
    try:
        commitment = services.commitment_to_stop(code)
    except InvalidConfirmation:
        return render(request, "pledges/stop_failed.html", status=404)
    if commitment.pledge.campaign.slug != slug:
        return render(request, "pledges/stop_failed.html", status=404)
    stopped_now = False
    if request.method == "POST":
        stopped_now = services.stop_reminders(commitment)
    language = get_language()
    context = _pledge_context(commitment.pledge, language) | {
        "commitment": commitment,
        "what": services.what_pledged(commitment),
        "stopped": commitment.reminders_stopped_at is not None,
        "stopped_now": stopped_now,
        "had_reminders": commitment.wants_reminders,
        "campaign_path": reverse("campaigns:detail", args=[slug]),
    }
    return render(request, "pledges/stop.html", context)


class PledgesKind(nextstep.ActionKind):
    """Pledges on the campaign page (words, how many stand together, form) and as a next step."""

    name = "pledges"
    template = "pledges/_on_campaign_page.html"
    prefetch = ("pledges__texts",)
    share_heading = gettext_lazy("Now ask your friends to stand with you")

    def shortcut(self, items: list[dict], *, campaign: Campaign) -> dict | None:
        for item in items:
            if item["is_open"]:
                return {"url": f"#pledge-{item['pledge'].pk}", "text": _("Make a pledge")}
        return None

    def page_items(self, campaign: Campaign, *, language: str, forms: dict) -> list[dict]:
        items = []
        for pledge in campaign.pledges.all():
            pledge.campaign = campaign  # no query for it
            text = pledge.text_for(language)
            if text is None:
                continue
            number = services.count(pledge)
            items.append(
                {
                    "pledge": pledge,
                    "text": text,
                    "count": number,
                    "together": stand_together(number),
                    "is_open": campaign.is_open,
                    "form": forms.get(pledge) or form_for(pledge, campaign, language),
                }
            )
        return items

    def offer(
        self, request: HttpRequest, campaign: Campaign, *, language: str
    ) -> nextstep.Offer | None:
        # Only what this browser did: never whether an address typed elsewhere pledged.
        pledged_here = nextstep.done_on_this_device(request, self.name)
        path = reverse("campaigns:detail", args=[campaign.slug])
        for pledge in campaign.pledges.prefetch_related("texts"):
            pledge.campaign = campaign
            text = pledge.text_for(language)
            if pledge.pk in pledged_here or text is None:
                continue
            if pledge.kind == Pledge.Kind.FAST and not pledge.days_offered(
                earliest_today(timezone.now())
            ):
                continue
            return nextstep.Offer(
                heading=_("Now stand with them: make a pledge"),
                title=text.title,
                title_language=text.language,
                url=f"{path}#pledge-{pledge.pk}",
                link_text=_("Read the pledge and take it"),
                introduction=text.asks,
                note=stand_together(services.count(pledge)),
            )
        return None
