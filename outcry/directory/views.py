"""Public pages of the target directory: the missions of each state, and address reports.

  /directory/                        the sending states
  /directory/<state>/                one state's host countries (cn: China)
  /directory/<state>/<country>/      its missions in one country, with what is known
  /directory/offices/<pk>/           one mission, with schema.org GovernmentOffice data

A letter action shows the same pages for its own list under /letters/<slug>/directory/
(letters/offices.py passes a Scope): each office then has a "write to this office"
link. Scopes are in the path, not the query string, so every URL is one cacheable page.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from outcry.core.countries import continent, continent_name, country_codes, country_name
from outcry.core.forms import body_is_unreadable
from outcry.core.ratelimit import is_limited, network_key
from outcry.directory import pages, services
from outcry.directory.forms import AddressReportForm
from outcry.directory.models import Target, TargetList

# Longest id a URL may name: larger numbers are no target (and would overflow a column).
MAX_PK = 2**63 - 1


@dataclass(frozen=True)
class Scope:
    """Whose directory a page shows: everyone's, or one letter action's list.

    *prefix* is the URL name prefix ("directory:" or "letters:offices_"), *args*
    the arguments before a page's own, *write_url* the composer link for an office
    (empty when it cannot be written to).
    """

    prefix: str = "directory:"
    args: tuple = ()
    target_list: TargetList | None = None
    represents: str = ""
    write_url: Callable[[Target], str] = lambda target: ""
    context: dict | None = None

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.prefix}{name}", args=[*self.args, *args])

    def missions(self) -> QuerySet[Target]:
        missions = Target.objects.public_missions()
        if self.target_list is not None:
            missions = missions.filter(lists=self.target_list)
        if self.represents:
            missions = missions.filter(represents=self.represents)
        return missions


PUBLIC = Scope()


def _code(value: str, known: frozenset[str] | set[str]) -> str:
    """The ISO code in a URL ("cn" → "CN"), or 404 for anything else."""
    code = value.upper()
    if len(code) != 2 or not code.isascii() or code not in known:
        raise Http404
    return code


def _render(request: HttpRequest, scope: Scope, name: str, context: dict) -> HttpResponse:
    base = {"scope": scope, **(scope.context or {})}
    state, country = context.get("state", ""), context.get("country", "")
    if state:
        base["scope_state_url"] = scope.url("state", state.lower())
    if state and country:
        base["scope_country_url"] = scope.url("country", state.lower(), country.lower())
    return render(request, f"directory/{name}.html", base | context)


@require_GET
def states(request: HttpRequest, scope: Scope = PUBLIC) -> HttpResponse:
    """The sending states whose missions the directory lists."""
    language = get_language()
    rows = (
        scope.missions().values("represents").annotate(count=Count("pk", distinct=True)).order_by()
    )
    listed = sorted(
        (
            {
                "code": row["represents"],
                "name": country_name(row["represents"], language),
                "count": row["count"],
                "url": scope.url("state", row["represents"].lower()),
            }
            for row in rows
            if row["represents"] in country_codes()
        ),
        key=lambda row: row["name"],
    )
    return _render(request, scope, "directory_states", {"states": listed})


@require_GET
def state(request: HttpRequest, state: str, scope: Scope = PUBLIC) -> HttpResponse:
    """One sending state's host countries, each with how many missions are listed."""
    code = _code(state, country_codes())
    language = get_language()
    rows = (
        scope.missions()
        .filter(represents=code)
        .values("country")
        .annotate(count=Count("pk", distinct=True))
        .order_by()
    )
    countries = sorted(
        (
            {
                "code": row["country"],
                "name": country_name(row["country"], language),
                "count": row["count"],
                "url": scope.url("country", code.lower(), row["country"].lower()),
            }
            for row in rows
            if row["country"] in country_codes()
        ),
        key=lambda row: row["name"],
    )
    if not countries:
        raise Http404
    # A hundred countries read better by continent: the continents by name, then their
    # countries by name, in the page's language; a country GeoNames places on none last.
    by_continent: dict[str, list[dict]] = {}
    for row in countries:
        by_continent.setdefault(continent(row["code"]), []).append(row)
    continents = sorted(
        (
            {"name": continent_name(region, language) if region else "", "countries": rows}
            for region, rows in by_continent.items()
        ),
        key=lambda group: (not group["name"], group["name"]),
    )
    context = {
        "state": code,
        "state_name": country_name(code, language),
        "countries": countries,
        "continents": continents,
    }
    return _render(request, scope, "directory_state", context)


@require_GET
def country(request: HttpRequest, state: str, country: str, scope: Scope = PUBLIC) -> HttpResponse:
    """One state's missions in one country: the embassy first, then the consulates."""
    code = _code(state, country_codes())
    host = _code(country, country_codes())
    missions = (
        scope.missions()
        .filter(represents=code, country=host)
        .distinct()
        .with_names()
        .prefetch_related("channels")
    )
    ordered = sorted(
        missions,
        key=lambda t: (t.is_closed, t.category != Target.Category.EMBASSY, t.city, t.name),
    )
    if not ordered:
        raise Http404
    language = get_language()
    context = {
        "state": code,
        "state_name": country_name(code, language),
        "country": host,
        "country_name": country_name(host, language),
        "offices": [pages.office(t, write_url=scope.write_url(t)) for t in ordered],
    }
    return _render(request, scope, "directory_country", context)


@require_GET
def mission(request: HttpRequest, pk: int, scope: Scope = PUBLIC) -> HttpResponse:
    """One mission: what is known of it, how to write to it, how to report it outdated."""
    if pk > MAX_PK:
        raise Http404
    target = get_object_or_404(
        scope.missions().distinct().with_names().prefetch_related("channels"), pk=pk
    )
    language = get_language()
    context = {
        "office": pages.office(target, write_url=scope.write_url(target)),
        "state": target.represents,
        "state_name": country_name(target.represents, language),
        "country": target.country,
        "country_name": country_name(target.country, language),
    }
    return _render(request, scope, "directory_office", context)


def report_address(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the report form for one target (GET) and take a report (POST).

    Works without JavaScript; rate-limited per network; keeps nothing about
    the reporter.
    """
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    if pk > MAX_PK:
        raise Http404
    # Only a target the public may see: one only in an organisation's own list is theirs.
    target = get_object_or_404(Target.objects.public(), pk=pk)
    status = 200
    if request.method == "GET":
        form = AddressReportForm(target=target)
    else:
        form = AddressReportForm(request.POST, target=target)
        status = 400
        if body_is_unreadable(request):
            form.add_error(
                None,
                _("Your form arrived with characters we could not read. Please type it again."),
            )
        elif form.is_valid():
            if is_limited(
                bucket="address-report-network",
                key=network_key(request),
                limit=settings.RATELIMIT_REPORT_PER_NETWORK,
                window=settings.RATELIMIT_WINDOW_SECONDS,
            ):
                form.add_error(
                    None,
                    _(
                        "Too many reports have come from here in a short time. "
                        "Please wait a few minutes and try again."
                    ),
                )
                status = 429
            else:
                try:
                    services.report_outdated_address(
                        target=target,
                        channel=form.cleaned_data["channel"],
                        note=form.cleaned_data["note"],
                    )
                except services.ReportRefused as refusal:
                    form.add_error("note", str(refusal))
                else:
                    url = reverse("directory:report", args=[target.pk])
                    return redirect(f"{url}?sent=1")
    context = {
        "target": target,
        "channels": [c for c in target.channels.all() if c.status != c.Status.CLOSED],
        "form": form,
        "sent": request.method == "GET" and request.GET.get("sent") == "1",
    }
    return render(request, "directory/target_report.html", context, status=status)
