"""Public campaign pages.

The campaign page is the page a surge hits. Its HTML is rendered once per
language every few seconds and kept in this process's memory (the "local" cache,
also with Redis) with a placeholder where the CSRF token goes; each request only
swaps in its own token.
"""

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language

from outcry.actions import nextstep
from outcry.campaigns.models import Campaign
from outcry.core.text import render_markdown

CSRF_PLACEHOLDER = "__outcry_csrf_token__"


HOME_PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    """List the public campaigns, HOME_PAGE_SIZE to a page (``?page=N``).

    A page that is not a whole number shows the first page, one out of range the last:
    never an error. Not cached, unlike the campaign page: shared links lead to campaign
    pages, so a surge does not land here.
    """
    language = get_language()
    campaigns = (
        Campaign.objects.public()
        .select_related("lead_organisation")
        .prefetch_related("texts", "lead_organisation__names")
        # The pk makes the order total, so no campaign is on two pages or on none.
        .order_by("status", "deadline_at", "pk")
    )
    page = Paginator(campaigns, HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (campaign, campaign.text_for(language), campaign.lead_organisation.name_in(language))
        for campaign in page
    ]
    return render(request, "campaigns/home.html", {"rows": rows, "page": page})


def language_links(path_name: str, args: list) -> list[dict]:
    """The same page in every interface language, for the language switcher."""
    links = []
    current = get_language()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            links.append(
                {
                    "code": code,
                    "name": translation.get_language_info(code)["name_local"],
                    "url": reverse(path_name, args=args),
                    "current": code == current,
                }
            )
    return links


def campaign_context(campaign: Campaign, *, forms: dict | None = None) -> dict:
    """Everything the campaign page shows, in the active language.

    Each kind of action (petitions, letters, …) brings its own section, in the
    order of actions/nextstep.py; *forms* maps an action to its form bound to a
    refused POST, shown with its errors.
    """
    language = get_language()
    text = campaign.text_for(language)
    path = reverse("campaigns:detail", args=[campaign.slug])
    return {
        "campaign": campaign,
        "text": text,
        "story_html": render_markdown(text.story) if text else "",
        "text_language": text.language if text else language,
        "coalition": [(org, org.name_in(language)) for org in campaign.coalition()],
        "actions": nextstep.page_sections(campaign, language=language, forms=forms),
        "language_links": language_links("campaigns:detail", [campaign.slug]),
        "page_url": f"{settings.BASE_URL}{path}",
        "csrf_value": CSRF_PLACEHOLDER,
    }


def render_campaign_page(
    request: HttpRequest, campaign: Campaign, *, forms: dict | None = None, status: int = 200
) -> HttpResponse:
    """Render the page fresh (used when a form comes back with errors)."""
    html = render_to_string(
        "campaigns/campaign_detail.html", campaign_context(campaign, forms=forms)
    )
    return _with_token(request, html, status=status)


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    key = f"campaign-page:{slug}:{get_language()}"
    html = caches["local"].get(key)
    if html is None:
        campaign = get_object_or_404(
            Campaign.objects.public()
            .select_related("lead_organisation")
            .prefetch_related(
                "texts",
                "partners__names",
                "lead_organisation__names",
                *nextstep.campaign_prefetch(),
            ),
            slug=slug,
        )
        html = render_to_string("campaigns/campaign_detail.html", campaign_context(campaign))
        if settings.PAGE_CACHE_SECONDS:
            caches["local"].set(key, html, timeout=settings.PAGE_CACHE_SECONDS)
    return _with_token(request, html)


def _with_token(request: HttpRequest, html: str, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)), status=status)
    # The page carries this visitor's CSRF token: shared caches must not keep it.
    response["Cache-Control"] = "private, no-cache"
    return response
