"""Public case pages: a campaign's cases, one case's timeline, and their campaign-page section.

Only the public tier is read here (Case, CaseText, CaseCount, StatusChange,
StatusNote, Source); nothing in this module touches CaseRecord. Every page works
without JavaScript. "Today" is the campaign's own day (its time zone), so days
since arrest and days left read the same for everyone following it.
"""

import zoneinfo
from datetime import date

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from outcry.actions import nextstep
from outcry.campaigns.models import Campaign
from outcry.cases.models import Case, StatusChange


def campaign_today(campaign: Campaign) -> date:
    """The date it is now where the campaign works."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(campaign.time_zone)).date()


def _day(value: date) -> str:
    return formats.date_format(value, "MONTH_DAY_FORMAT")


def urgency_line(case: Case, today: date) -> str:
    """The case's countdown, from the organisers' estimated window; "" when there is none.

    Nothing once the case reached a final status (released, reached safety,
    repatriated): the countdown is over either way.
    """
    start = case.window_starts_on
    if start is None or case.is_settled:
        return ""
    end = case.window_ends_on or start
    if today < start:
        days = (start - today).days
        return ngettext(
            "Repatriation feared from %(date)s: %(days)s day left.",
            "Repatriation feared from %(date)s: %(days)s days left.",
            days,
        ) % {"date": _day(start), "days": days}
    if today <= end:
        return _("Repatriation feared any day now: the estimated window ends on %(date)s.") % {
            "date": _day(end)
        }
    return _(
        "The estimated window for repatriation (%(start)s to %(end)s) has passed;"
        " what happened is not yet confirmed."
    ) % {"start": _day(start), "end": _day(end)}


def _row(case: Case, language: str, today: date) -> dict | None:
    """What a list shows of *case*; None for a case with no public description."""
    text = case.text_for(language)
    if text is None:
        return None
    return {
        "case": case,
        "text": text,
        "arrest_place": text.arrest_place or case.arrest_place,
        "held_in": text.held_in or case.held_in,
        "current": case.current,
        "days": case.days_since_arrest(today),
        "urgency": urgency_line(case, today),
    }


def _public_campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.public().prefetch_related("texts"), slug=slug)


def _cases(campaign: Campaign, *, changes=None):
    changes = changes if changes is not None else StatusChange.objects.all()
    return (
        Case.objects.public()
        .filter(campaign=campaign)
        .prefetch_related("texts", Prefetch("changes", queryset=changes))
    )


def _context(campaign: Campaign, language: str) -> dict:
    return {
        "campaign": campaign,
        "campaign_text": campaign.text_for(language),
        "campaign_path": reverse("campaigns:detail", args=[campaign.slug]),
        "cases_path": reverse("cases:list", args=[campaign.slug]),
    }


@require_GET
def case_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The campaign's published cases, in the organisers' order."""
    campaign = _public_campaign(slug)
    language = get_language()
    today = campaign_today(campaign)
    cases = list(_cases(campaign).prefetch_related("counts"))
    for case in cases:
        case.campaign = campaign
    rows = [row for case in cases if (row := _row(case, language, today)) is not None]
    return render(request, "cases/case_list.html", _context(campaign, language) | {"rows": rows})


@require_GET
def case_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One case's public facts and its timeline, oldest change first, with sources."""
    campaign = _public_campaign(slug)
    language = get_language()
    changes = StatusChange.objects.prefetch_related("sources", "notes")
    case = get_object_or_404(
        _cases(campaign, changes=changes).prefetch_related("counts"),
        pk=pk,
    )
    case.campaign = campaign
    row = _row(case, language, campaign_today(campaign))
    if row is None:
        raise Http404
    timeline = [
        {"change": change, "note": change.note_for(language), "sources": change.sources.all()}
        for change in case.timeline()
    ]
    context = (
        _context(campaign, language)
        | row
        | {
            "row": row,
            "timeline": timeline,
            "counts": list(case.counts.all()),
        }
    )
    return render(request, "cases/case_detail.html", context)


class CasesKind(nextstep.ActionKind):
    """The campaign page's cases: who is at risk, days since arrest, the countdown.

    Not an action: a thank-you page never offers it.
    """

    name = "cases"
    template = "cases/_on_campaign_page.html"
    share_heading = gettext_lazy("Now ask your friends to follow these cases")

    def shortcut(self, items: list[dict], *, campaign: Campaign) -> dict | None:
        return {"url": "#cases", "text": _("The people at risk"), "is_action": False}

    @property
    def prefetch(self) -> tuple:
        cases = Case.objects.filter(is_published=True).prefetch_related("texts", "changes")
        return (Prefetch("cases", queryset=cases, to_attr="public_cases"),)

    def page_items(self, campaign: Campaign, *, language: str, forms: dict) -> list[dict]:
        cases = getattr(campaign, "public_cases", None)
        if cases is None:  # a page rendered again with a form's errors
            cases = list(_cases(campaign))
        for case in cases:
            case.campaign = campaign
        today = campaign_today(campaign)
        rows = [row for case in cases if (row := _row(case, language, today)) is not None]
        if not rows:
            return []
        return [{"campaign": campaign, "rows": rows}]

    def offer(
        self, request: HttpRequest, campaign: Campaign, *, language: str
    ) -> nextstep.Offer | None:
        return None  # cases are followed, not taken as an action
