"""The home page's list of campaigns, cached until a campaign's content changes.

What a page of the list shows (titles, summaries, leads, deadlines, pictures)
is read from the database once per language and page, and kept in the default
cache under the content version (core.pagecache) that any save or delete of a
campaign, its texts, its petitions or an organisation's names moves on
(apps.SiteConfig.ready): the next visitor reads it afresh. With Redis that holds
for every process; with the local-memory cache only for the process that saved,
so there the list is kept for PAGE_CACHE_SECONDS only (pagecache.shared_seconds).
The signature counts are not part of it: they are
read on every request from the petitions' counters, which are themselves cached
for a few seconds (actions.counters), so a count on the home page is as fresh as
on the campaign page.
"""

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils import timezone

from outcry.campaigns.models import Campaign
from outcry.core import pagecache
from outcry.petitions import services as petitions

PAGE_SIZE = 20
CACHE_SECONDS = 3600


def listing(language: str, page_param: str | None) -> dict:
    """One page of the public campaigns in *language*: plain rows and page links, cached."""
    prefix = f"home-page:{pagecache.version()}:{language}"
    requested = _page_number(page_param)
    found = cache.get(f"{prefix}:{requested}") if requested else None
    if found is None:
        found = _read(language, page_param)
        # Kept under the page shown, never under what was typed: one entry per real
        # page, however many different ?page= values a visitor sends.
        cache.set(
            f"{prefix}:{found['page']['number']}",
            found,
            timeout=pagecache.shared_seconds(CACHE_SECONDS),
        )
    return found


def _page_number(page_param: str | None) -> int | None:
    """The page *page_param* asks for as Paginator.get_page reads it: 1 if it is no number.

    None for a number that is not a page (0, negative, too many digits): read afresh.
    """
    if page_param is None:
        return 1
    try:
        number = int(page_param)
    except ValueError:
        return 1
    return number if number >= 1 else None


def with_counts(rows: list[dict]) -> list[dict]:
    """*rows* with what changes without a save: the signature count and whether it is open.

    The count is read now from the petition's counter; a deadline may have passed
    since the row was cached.
    """
    now = timezone.now()
    return [
        row
        | {
            "count": petitions.count_signatures(row["petition"]) if row["petition"] else None,
            "is_open": row["status"] == Campaign.Status.ACTIVE
            and (row["deadline_at"] is None or row["deadline_at"] > now),
        }
        for row in rows
    ]


def _read(language: str, page_param: str | None) -> dict:
    campaigns = (
        Campaign.objects.public()
        .select_related("lead_organisation")
        .prefetch_related("texts", "lead_organisation__names", "petitions")
        # The pk makes the order total, so no campaign is on two pages or on none.
        .order_by("status", "deadline_at", "pk")
    )
    page = Paginator(campaigns, PAGE_SIZE).get_page(page_param)
    rows = []
    for campaign in page:
        text = campaign.text_for(language)
        petition = next(iter(campaign.petitions.all()), None)
        rows.append(
            {
                "slug": campaign.slug,
                "title": text.title if text else campaign.slug,
                "summary": text.summary if text else "",
                "language": text.language if text else language,
                "lead_name": campaign.lead_organisation.name_in(language),
                "status": campaign.status,
                "status_label": campaign.get_status_display(),
                "deadline_at": campaign.deadline_at,
                "time_zone": campaign.time_zone,
                "deadline_zone": campaign.deadline_zone,
                "image": campaign.image_for(language),
                # The petition itself is pickled into the cache: its counter key and goal.
                "petition": petition,
                "goal": petition.goal if petition else None,
            }
        )
    return {
        "rows": rows,
        "page": {
            "number": page.number,
            "paginator": {"num_pages": page.paginator.num_pages},
            "has_previous": page.has_previous(),
            "has_next": page.has_next(),
            "previous_page_number": page.number - 1,
            "next_page_number": page.number + 1,
        },
    }
