"""A campaign's updates (list, post, Atom feed), its press page, and the "get updates" sign-up."""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from outcry.actions import nextstep
from outcry.actions.campaign_page import render_campaign_page
from outcry.campaigns.models import Campaign
from outcry.core import ratelimit
from outcry.core.forms import screen_form
from outcry.core.ratelimit import network_key
from outcry.core.text import render_markdown, without_control_characters
from outcry.supporters.personal_data import title
from outcry.updates import services
from outcry.updates.forms import SubscribeForm
from outcry.updates.models import Subscription, Update

UPDATES_PAGE_SIZE = 10
PRESS_PAGE_SIZE = 30
FEED_SIZE = 20
# How many updates the campaign page shows; the rest are on the updates page.
ON_CAMPAIGN_PAGE = 3


def public_campaign_or_404(slug: str) -> Campaign:
    """The campaign with its texts and coalition; 404 if there is none or it is a draft."""
    return get_object_or_404(
        Campaign.objects.public()
        .select_related("lead_organisation")
        .prefetch_related("texts", "partners__names", "lead_organisation__names"),
        slug=slug,
    )


def _with_text(updates, language: str) -> list[dict]:
    """Each update with its text in *language* (or its fallback) and that text's body as HTML."""
    rows = []
    for update in updates:
        text = update.text_for(language)
        if text is None:  # an update without any text shows nothing
            continue
        rows.append({"update": update, "text": text, "body_html": render_markdown(text.body)})
    return rows


def _campaign_context(campaign: Campaign) -> dict:
    language = get_language()
    text = campaign.text_for(language)
    return {
        "campaign": campaign,
        "campaign_text": text,
        "campaign_path": reverse("campaigns:detail", args=[campaign.slug]),
        "feed_path": reverse("updates:feed", args=[campaign.slug]),
    }


@require_GET
def update_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A campaign's published updates, newest first, UPDATES_PAGE_SIZE to a page (``?page=N``).

    A page that is not a whole number shows the first page, one out of range the
    last: never an error. Drafts and updates dated in the future are not shown.
    """
    campaign = public_campaign_or_404(slug)
    page = Paginator(services.published_updates(campaign), UPDATES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = _campaign_context(campaign) | {
        "page": page,
        "rows": _with_text(page, get_language()),
        "has_press": campaign.press_items.exists(),
    }
    return render(request, "updates/update_list.html", context)


@require_GET
def update_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One published update; 404 for a draft, one dated in the future, or another campaign's."""
    campaign = public_campaign_or_404(slug)
    update = services.published_updates(campaign).filter(pk=pk).first()
    rows = _with_text([update], get_language()) if update is not None else []
    if not rows:
        raise Http404
    return render(request, "updates/update_detail.html", _campaign_context(campaign) | rows[0])


@require_GET
def feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The Atom feed of a campaign's updates in the page's language (each falls back as shown).

    Every link in it is absolute, on OUTCRY_BASE_URL; bodies are the same
    sanitised HTML the pages show.
    """
    campaign = public_campaign_or_404(slug)
    language = get_language()
    base = settings.BASE_URL
    list_url = f"{base}{reverse('updates:list', args=[campaign.slug])}"
    updates = services.published_updates(campaign).prefetch_related("author_organisation__names")[
        :FEED_SIZE
    ]
    document = Atom1Feed(
        title=without_control_characters(
            _("%(campaign)s: updates") % {"campaign": title(campaign, language)}
        ),
        link=list_url,
        description="",
        language=language,
        feed_url=f"{base}{request.path}",
        feed_guid=f"{base}{request.path}",
    )
    for row in _with_text(updates, language):
        update = row["update"]
        url = f"{base}{reverse('updates:detail', args=[campaign.slug, update.pk])}"
        # XML 1.0 cannot carry control characters (a stray one pasted into an update or a
        # name): dropped here, or the whole feed would be a server error.
        document.add_item(
            title=without_control_characters(row["text"].title),
            link=url,
            description=without_control_characters(str(row["body_html"])),
            unique_id=url,
            pubdate=update.published_at,
            updateddate=max(update.published_at, update.updated_at),
            author_name=without_control_characters(update.author_organisation.name_in(language)),
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    document.write(response, "utf-8")
    return response


@require_GET
def press(request: HttpRequest, slug: str) -> HttpResponse:
    """The coverage a campaign has had, newest first, PRESS_PAGE_SIZE to a page."""
    campaign = public_campaign_or_404(slug)
    page = Paginator(campaign.press_items.all(), PRESS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "updates/press.html", _campaign_context(campaign) | {"page": page})


def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a "get updates" sign-up from the campaign page's form (works without JavaScript)."""
    campaign = public_campaign_or_404(slug)
    if request.method == "GET":
        return redirect(f"{reverse('campaigns:detail', args=[campaign.slug])}#get-updates")
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = SubscribeForm(request.POST, campaign=campaign, auto_id="u-%s")

    def again(message: str | None = None, status: int = 400) -> HttpResponse:
        if message:
            form.add_error(None, message)
        # The browser scrolls to a focused field: the person lands on what to fix.
        first = next((name for name in form.errors if name in form.fields), "email")
        if not isinstance(form.fields[first].widget, forms.CheckboxInput):
            form.fields[first].widget.attrs["autofocus"] = True
        return render_campaign_page(
            request, campaign, forms={UpdatesKind.name: form}, status=status
        )

    valid, message = screen_form(request, form)
    if not valid:
        return again(message)
    data = form.cleaned_data
    try:
        services.subscribe(
            campaign=campaign,
            email=data["email"],
            name=data["name"],
            language=get_language(),
            network=network_key(request),
            consents=form.chosen_consents(),
        )
    except ratelimit.RateLimited as refusal:
        context = _campaign_context(campaign) | {"message": refusal.message}
        return render(request, "updates/subscribe_limited.html", context, status=429)
    # One answer for someone new, for an address that had signed up (which the
    # email tells its owner) and for one past its limit (nothing sent).
    return redirect("updates:thanks", campaign.slug)


@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """The one page every sign-up is answered with: look in your inbox."""
    campaign = public_campaign_or_404(slug)
    return render(request, "updates/thanks.html", _campaign_context(campaign))


def confirmation_page(
    request: HttpRequest,
    subscription: Subscription,
    *,
    code: str,
    pressed: bool,
    changed: bool = False,
    confirmed: bool = False,
) -> HttpResponse:
    """The subscription's page behind the confirmation link (actions.views.confirm).

    While it waits and the button was not pressed: which campaign's updates
    pressing asks for, in which language, and which organisations it lets
    email the owner (anyone could have typed this address), with the button.
    Else the page saying it is done.
    """
    campaign = subscription.campaign
    language = get_language()
    context = _campaign_context(campaign) | {
        "campaign_text": campaign.text_for(language),
        "subscription": subscription,
    }
    if not pressed and not subscription.is_active:
        organisations = services.waiting_consents(subscription)
        context |= {
            "confirm_path": reverse("actions:confirm", args=[code]),
            "organisations": [organisation.name_in(language) for organisation in organisations],
            "language_name": get_language_info(subscription.language)["name_translated"],
        }
        return render(request, "updates/confirm.html", context)
    return render(request, "updates/confirmed.html", context)


class UpdatesKind(nextstep.ActionKind):
    """The campaign page's updates: the latest few, and the "get updates" form."""

    name = "updates"
    template = "updates/_on_campaign_page.html"
    share_heading = gettext_lazy("Now ask your friends to follow the campaign")

    def shortcut(self, items: list[dict], *, campaign: Campaign) -> dict | None:
        return {"url": "#get-updates", "text": _("Get updates"), "is_action": False}

    @property
    def prefetch(self) -> tuple:
        # Built on each use: "published" means published by now.
        latest = (
            Update.objects.published().newest_first().prefetch_related("texts")[:ON_CAMPAIGN_PAGE]
        )
        return (Prefetch("updates", queryset=latest, to_attr="latest_updates"),)

    def page_items(self, campaign: Campaign, *, language: str, forms: dict) -> list[dict]:
        updates = getattr(campaign, "latest_updates", None)
        if updates is None:  # a page rendered again with a form's errors
            updates = services.published_updates(campaign)[:ON_CAMPAIGN_PAGE]
        form = forms.get(self.name) or SubscribeForm(campaign=campaign, auto_id="u-%s")
        return [{"campaign": campaign, "updates": _with_text(updates, language), "form": form}]

    def offer(
        self, request: HttpRequest, campaign: Campaign, *, language: str
    ) -> nextstep.Offer | None:
        # The campaign page has the form; a thank-you page offers the next action.
        return None
