"""Signing, confirming, thanking and the public list of signers."""

import time
from functools import lru_cache

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from outcry.actions import confirmation, nextstep
from outcry.actions.campaign_page import render_campaign_page
from outcry.actions.share import share_context
from outcry.campaigns.models import Campaign
from outcry.core import challenge, pagecache, ratelimit
from outcry.core.countries import country_name
from outcry.core.forms import screen_form
from outcry.core.ratelimit import network_key
from outcry.petitions import services
from outcry.petitions.forms import ConfirmForm, SignForm
from outcry.petitions.models import Petition, Signature


def petition_or_404(slug: str, *, texts: bool = True) -> Petition:
    """The petition with its campaign and coalition; 404 if there is none or it is a draft.

    *texts* also fetches the words of both in every language. Signing reads them
    only when the form comes back with errors, so it goes without (two queries
    fewer on the busiest POST; the error page loads them when it needs them).
    """
    queryset = Petition.objects.select_related("campaign__lead_organisation").prefetch_related(
        "campaign__partners__names", "campaign__lead_organisation__names"
    )
    if texts:
        queryset = queryset.prefetch_related("texts", "campaign__texts")
    petition = get_object_or_404(queryset, slug=slug)
    if petition.campaign.status == petition.campaign.Status.DRAFT:
        raise Http404
    return petition


def petition_for_signing(slug: str) -> Petition:
    """The petition, campaign and coalition a signature needs, cached like the page.

    In a surge every POST names the same petition: reading it from this
    process's memory (for PAGE_CACHE_SECONDS, like the campaign page) instead of
    three tables takes about a third off the CPU cost of a signature. Kept under
    the content version (core.pagecache), so an organiser closing the petition
    reaches the form when it reaches the page: at once with Redis, else within
    PAGE_CACHE_SECONDS. The deadline is checked against the clock on every
    signature.
    """
    seconds = settings.PAGE_CACHE_SECONDS
    if not seconds:
        return petition_or_404(slug, texts=False)
    now = time.monotonic()
    version = pagecache.version()
    kept = _FOR_SIGNING.get(slug)
    if kept is not None and kept[0] > now and kept[1] == version:
        return kept[2]
    petition = petition_or_404(slug, texts=False)
    # A plain dict, not the local cache: that pickles what it keeps, and
    # unpickling the petition with its coalition cost more than the lookup
    # saved. The request only reads the objects, so threads can share them.
    _FOR_SIGNING[slug] = (now + seconds, version, petition)
    return petition


# slug → (monotonic time it expires, content version, petition); one entry per petition signed here.
_FOR_SIGNING: dict[str, tuple[float, int, Petition]] = {}


@lru_cache(maxsize=1024)
def thanks_path(slug: str, language: str) -> str:
    """The thank-you page's path (reversed once per petition and language, not per signature)."""
    with translation.override(language):
        return reverse("petitions:thanks", args=[slug])


def sign(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a signature from the campaign page's form (works without JavaScript)."""
    petition = petition_for_signing(slug)
    campaign = petition.campaign
    if request.method == "GET":
        return redirect("campaigns:detail", campaign.slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])

    form = SignForm(request.POST, campaign=campaign, auto_id=f"p{petition.pk}-%s")

    def again(message: str | None = None, status: int = 400) -> HttpResponse:
        if message:
            form.add_error(None, message)
        # The browser scrolls to a focused field: on a phone the person lands on
        # the first thing to fix, not on the story a screen above the form. Not
        # a choice of radio buttons (every button would take the attribute): the
        # error summary above the form links to it.
        first = next((name for name in form.errors if name in form.fields), "name")
        if not isinstance(form.fields[first].widget, forms.RadioSelect):
            form.fields[first].widget.attrs["autofocus"] = True
        return render_campaign_page(request, campaign, forms={petition: form}, status=status)

    valid, message = screen_form(request, form)
    network = network_key(request)
    if not valid:
        # The campaign page again costs about 30 times a signature (in-process,
        # 44 ms against 1.5): past as many
        # refused forms as signatures a network may send, it gets the short page.
        if ratelimit.SIGN_REFUSED.count(network=network).network_over:
            return limited(request, petition, ratelimit.RateLimited(ratelimit.SIGN_REFUSED))
        return again(message)
    data = form.cleaned_data
    email = data["email"]  # SignForm.clean_email returns it normalised
    # The policy's limits and the flood count together: one statement where they
    # are kept in the database (each costs a write transaction on the busiest POST).
    counted = ratelimit.SIGN.count(
        network=network, address=email, also=((challenge.flood_bucket("sign"), network, 60),)
    )
    if counted.network_over:
        # Before the challenge, which shows the whole form again (see limited()).
        return limited(request, petition, ratelimit.RateLimited(ratelimit.SIGN))
    gate = challenge.check(request, form="sign", network=network, network_count=counted.also[0])
    if not gate.passed:
        form.challenge = gate  # the page shows the puzzle and the wait (_challenge.html)
        return again(gate.message, status=429)
    try:
        services.sign(
            petition=petition,
            email=email,
            name=data["name"],
            country=data["country"],
            postcode=data["postcode"],
            comment=data["comment"],
            public_name=data["public_name"],
            language=get_language(),
            consents=form.chosen_consents(),
            cluster=challenge.cluster_label(network)
            if gate.network_count > settings.SUSPICIOUS_CLUSTER_SIZE
            else "",
            network=network,
            counted=counted,
            later=True,
        )
    except services.PetitionClosed:
        return again(_("This petition is no longer taking signatures."), status=409)
    except ratelimit.RateLimited as refusal:
        return limited(request, petition, refusal)
    # One answer for a new signature, for an address that had signed (which the
    # email tells its owner) and for an address past its limit (nothing sent):
    # whoever types someone's address cannot learn from the page whether that
    # person signed. The same cookies too: what this browser typed (for the
    # letter's form) and that it signed (so that it is not asked to sign again),
    # never what we know.
    answer = redirect(thanks_path(petition.slug, get_language()))
    nextstep.remember(
        request,
        answer,
        kind=PetitionKind.name,
        pk=petition.pk,
        name=data["name"],
        email=data["email"],
    )
    return answer


def limited(
    request: HttpRequest, petition: Petition, refusal: ratelimit.RateLimited
) -> HttpResponse:
    """The short page for a network past the signing limit or the limit of refused forms
    (429), with that policy's message.

    Not the campaign page with the form again: a network over the limit is
    mostly a flood, and rendering the whole form (its country list above all)
    for each of its requests costs many times this page. (The browser's Back
    button still has what the person typed.)
    """
    context = {
        "message": refusal.message,
        "campaign_path": reverse("campaigns:detail", args=[petition.campaign.slug]),
        "petition_slug": petition.slug,
    }
    return render(request, "petitions/sign_limited.html", context, status=429)


def _share_context(petition: Petition) -> dict:
    language = get_language()
    return share_context(petition.campaign, language=language) | {
        "petition": petition,
        "petition_text": petition.text_for(language),
        "campaign": petition.campaign,
        "count": services.count_signatures(petition),
    }


def _with_next_step(request: HttpRequest, petition: Petition, context: dict) -> HttpResponse:
    """The thank-you page with its next step (actions/nextstep.py): the letter, or sharing."""
    next_step = nextstep.after(
        request, campaign=petition.campaign, done=PetitionKind.name, language=get_language()
    )
    response = render(request, "petitions/thanks.html", context | {"next_step": next_step})
    # The offer may read this browser's cookies (what it typed, what it did).
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """The one page every signature is answered with: look in your inbox, then share."""
    petition = petition_or_404(slug)
    return _with_next_step(request, petition, _share_context(petition) | {"state": "sent"})


def confirmation_page(
    request: HttpRequest,
    signature: Signature,
    *,
    code: str,
    pressed: bool,
    changed: bool = False,
    confirmed: bool = False,
) -> HttpResponse:
    """The signature's page behind the confirmation link (actions.views.confirm).

    While the signature waits and the button was not pressed: what pressing
    "Confirm" publishes and agrees to (the name as it will be listed, the
    country, the comment, each organisation that may email them), which anyone
    could have typed with this address, with the choices to show less and the
    digest of what was shown (confirm_pressed). *changed*: shown again because
    the signature changed after this page was first shown. Else the thank-you
    page saying it is confirmed.
    """
    if not pressed and not signature.is_email_confirmed:
        petition = signature.petition
        organisations = services.waiting_consents(signature)
        shown = services.shown_digest(signature, organisations)
        language = get_language()
        context = {
            "petition": petition,
            "petition_text": petition.text_for(language),
            "code": code,
            "signature": signature,
            "country": country_name(signature.country) if signature.country else "",
            "organisations": [organisation.name_in(language) for organisation in organisations],
            "form": ConfirmForm(
                signature=signature, organisations=organisations, initial={"shown": shown}
            ),
            "changed": changed,
        }
        return render(request, "petitions/confirm.html", context)
    context = _share_context(signature.petition) | {"state": "confirmed"}
    return _with_next_step(request, signature.petition, context)


def confirm_pressed(*, code: str, form: QueryDict) -> tuple[Signature, bool]:
    """The button on the confirmation page: confirm what the page showed, lowered as chosen.

    actions.views.confirm hands this the pressed form. Raises
    confirmation.Changed when the signature changed since the page was shown
    (services.confirm_signature) or the form asks for more than it offered. A
    form without the digest of what was shown (a page from before the choices)
    confirms the signature as it is.
    """
    language = get_language()  # the owner's, who pressed (services.confirm_signature)
    if "shown" not in form:
        return services.confirm_signature(code=code, language=language)
    signature = services.signature_to_confirm(code=code)
    if signature.is_email_confirmed:  # pressed twice
        return signature, False
    choices = ConfirmForm(
        form, signature=signature, organisations=services.waiting_consents(signature)
    )
    if not choices.is_valid():
        raise confirmation.Changed(signature)
    data = choices.cleaned_data
    return services.confirm_signature(
        code=code,
        choices=services.Choices(
            shown=data["shown"],
            public_name=data["public_name"] or signature.public_name,
            keep_comment=data["keep_comment"],
            consents=choices.kept_consents(),
        ),
        language=language,
    )


@require_GET
def signers(request: HttpRequest, slug: str) -> HttpResponse:
    """The public list: only signers who chose to be listed, shown as they chose."""
    petition = petition_or_404(slug)
    if not petition.shows_signers:
        return render(
            request,
            "petitions/signers.html",
            {"petition": petition, "hidden": True} | _share_context(petition),
            status=404,
        )
    listed = petition.signatures.listed().order_by("-confirmed_at")
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "petitions/signers.html",
        _share_context(petition) | {"page": page, "hidden": False},
    )


class PetitionKind(nextstep.ActionKind):
    """Petitions on the campaign page (text, counter, form) and as a next step."""

    name = "petitions"
    template = "petitions/_on_campaign_page.html"
    prefetch = ("petitions__texts",)
    share_heading = gettext_lazy("Now ask your friends to sign")

    def shortcut(self, items: list[dict], *, campaign: Campaign) -> dict | None:
        for item in items:
            if campaign.is_open and item["petition"].accepts_signatures:
                return {"url": f"#sign-{item['petition'].slug}", "text": _("Sign the petition")}
        return None

    def page_items(self, campaign: Campaign, *, language: str, forms: dict) -> list[dict]:
        items = []
        for petition in campaign.petitions.all():
            count = services.count_signatures(petition)
            form = forms.get(petition) or SignForm(campaign=campaign, auto_id=f"p{petition.pk}-%s")
            items.append(
                {
                    "petition": petition,
                    "text": petition.text_for(language),
                    "count": count,
                    "goal": petition.goal,
                    "next_milestone": services.next_milestone(count, petition.goal),
                    "form": form,
                }
            )
        return items

    def offer(
        self, request: HttpRequest, campaign: Campaign, *, language: str
    ) -> nextstep.Offer | None:
        # Only what this browser did: never whether the address typed into the
        # letter has signed, which would tell anyone who types an address.
        signed_here = nextstep.done_on_this_device(request, self.name)
        for petition in campaign.petitions.prefetch_related("texts"):
            if petition.pk in signed_here or not petition.accepts_signatures:
                continue
            text = petition.text_for(language)
            path = reverse("campaigns:detail", args=[campaign.slug])
            return nextstep.Offer(
                heading=_("Now sign the petition"),
                title=text.title if text else petition.slug,
                title_language=text.language if text else language,
                url=f"{path}#petition-{petition.slug}",
                link_text=_("Read and sign the petition"),
            )
        return None
