"""The campaign page: a campaign's story and every one of its actions, kind by kind.

Rendered here, next to ACTION_KINDS (nextstep.py), because both sides need it:
site's view serves the page, and an action's view shows it again with that
action's form and its errors (petitions.views.sign). The page a surge hits is
rendered once per language every few seconds and kept in memory (site.views,
core.pagecache) with a placeholder where the CSRF token goes; each request swaps
in its own.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language

from outcry.actions import nextstep
from outcry.campaigns.models import Campaign
from outcry.core.pagecache import CSRF_PLACEHOLDER, with_token
from outcry.core.text import render_markdown

TEMPLATE = "campaigns/campaign_detail.html"


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


def absolute(url: str) -> str:
    """*url* with the site's address in front when it is a path (og:image needs a full URL)."""
    return f"{settings.BASE_URL}{url}" if url.startswith("/") else url


def shortcuts(sections: list[dict]) -> list[dict]:
    """The row of links at the top of the campaign page: each kind's first action, one tap away.

    In the order of the sections (the petition's sign form first, then the letter's
    composer, a pledge, the vigils), as each kind words it (ActionKind.shortcut); links
    that are no action (the people at risk, updates: ``"is_action": False``) come last.
    Plain links, so they work without JavaScript.
    """
    links = [section["shortcut"] for section in sections if section["shortcut"]]
    # Actions first (sign, write, pledge, join), then what to read or follow.
    return sorted(links, key=lambda link: not link.get("is_action", True))


def campaign_context(campaign: Campaign, *, forms: dict | None = None) -> dict:
    """Everything the campaign page shows, in the active language.

    Each kind of action (petitions, letters, …) brings its own section, in the
    order of actions/nextstep.py; *forms* maps an action to its form bound to a
    refused POST, shown with its errors.
    """
    language = get_language()
    text = campaign.text_for(language)
    path = reverse("campaigns:detail", args=[campaign.slug])
    sections = nextstep.page_sections(campaign, language=language, forms=forms)
    petitions = next((s["items"] for s in sections if s["name"] == "petitions"), [])
    image = campaign.image_for(language)
    return {
        "campaign": campaign,
        "text": text,
        "story_html": render_markdown(text.story) if text else "",
        "text_language": text.language if text else language,
        "coalition": [(org, org.name_in(language)) for org in campaign.coalition()],
        "actions": sections,
        "shortcuts": shortcuts(sections),
        # The first petition's progress, shown beside the summary on the first screen.
        "lead_petition": petitions[0] if petitions else None,
        "language_links": language_links("campaigns:detail", [campaign.slug]),
        "page_url": f"{settings.BASE_URL}{path}",
        "image": image,
        "og_image": absolute(image["og"]) if image else "",
        "csrf_value": CSRF_PLACEHOLDER,
    }


def page_html(campaign: Campaign, *, forms: dict | None = None) -> str:
    """The page's HTML for everyone, with CSRF_PLACEHOLDER where the token goes."""
    return render_to_string(TEMPLATE, campaign_context(campaign, forms=forms))


def render_campaign_page(
    request: HttpRequest, campaign: Campaign, *, forms: dict | None = None, status: int = 200
) -> HttpResponse:
    """Render the page fresh (used when a form comes back with errors)."""
    return with_token(request, HttpResponse(page_html(campaign, forms=forms), status=status))
