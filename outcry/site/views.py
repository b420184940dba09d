"""The public pages that gather every app: the home page and the campaign page.

The campaign page is the page a surge hits. Its HTML (actions.campaign_page) is
rendered once per language every few seconds and kept in this process's memory
(core.pagecache: until the content changes, and no longer than its counters may
be stale) with a placeholder where the CSRF token goes; each request only swaps
in its own token.
"""

from django.contrib import admin
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from outcry.actions import nextstep
from outcry.actions.campaign_page import page_html
from outcry.campaigns import images
from outcry.campaigns.models import Campaign
from outcry.site import home as home_list


def home(request: HttpRequest) -> HttpResponse:
    """List the public campaigns, home.PAGE_SIZE to a page (``?page=N``), with their counts.

    A page that is not a whole number shows the first page, one out of range the last:
    never an error. The page is kept a few seconds like the campaign page
    (core.pagecache); the list behind it until a campaign changes (site.home), the
    counts as long as their counters.
    """
    found = home_list.listing(get_language(), request.GET.get("page"))
    return render(
        request,
        "campaigns/home.html",
        {"rows": home_list.with_counts(found["rows"]), "page": found["page"]},
    )


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The public campaign page (a draft is a 404: organisers preview it in organise/)."""
    if len(slug) > Campaign._meta.get_field("slug").max_length:
        raise Http404  # no campaign has it
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
    return HttpResponse(page_html(campaign))


MEDIA_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg"}


def media(request: HttpRequest, name: str) -> FileResponse:
    """Serve a campaign picture outcry wrote (campaigns.images), and nothing else.

    Only names of the shape images.store gives (``campaigns/<16 hex>-800.webp``),
    of a picture a campaign still shows: no other file of the storage, no path
    traversal, no upload served as it came. The names are random and never
    reused, so browsers and proxies may keep a public campaign's for a year; a
    draft's (not yet public, or withdrawn) only its organisers see, never cached.
    """
    if not images.NAME_PATTERN.fullmatch(name):
        raise Http404
    base = name.rsplit("-", 1)[0] if name.endswith(".webp") else name.removesuffix(".jpg")
    campaign = Campaign.objects.filter(image_name=base).first()
    if campaign is None:
        raise Http404
    is_public = campaign.status != Campaign.Status.DRAFT
    if not is_public and not _organises(request, campaign):
        # A draft's picture (not yet public, or withdrawn): for its preview only.
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=MEDIA_TYPES[name[name.rindex(".") :]])
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if is_public else "private, no-store"
    )
    return response


def _organises(request: HttpRequest, campaign: Campaign) -> bool:
    """Whether the signed-in organiser may preview *campaign* (its lead's or a partner's)."""
    return (
        admin.site.has_permission(request)
        and Campaign.objects.for_user(request.user).filter(pk=campaign.pk).exists()
    )
