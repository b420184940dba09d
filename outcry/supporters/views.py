"""A supporter's own data: ask for a link by email, then download it or erase it.

No account: the emailed, signed, expiring link is the proof that the person
holds the address. Asking for it answers the same whatever the address, so the
page cannot be used to learn whether someone is a supporter.
"""

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from outcry.core import challenge
from outcry.core.forms import body_is_unreadable
from outcry.core.ratelimit import RateLimited, network_key
from outcry.supporters import preferences, services
from outcry.supporters.forms import DataRequestForm, PreferencesForm
from outcry.supporters.models import Supporter


def data_request(request: HttpRequest) -> HttpResponse:
    """Show the "your data" form (GET) and email a link to a known address (POST)."""
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "GET":
        return render(request, "supporters/data_request.html", {"form": DataRequestForm()})
    form = DataRequestForm(request.POST)
    status = 400
    if body_is_unreadable(request):
        form.add_error(
            None, _("Your form arrived with characters we could not read. Please type it again.")
        )
    elif form.is_valid():
        email = form.cleaned_data["email"]
        network = network_key(request)
        gate = challenge.count_and_check(request, form="data", network=network)
        # The same refusal for every address, known or not, so it tells nothing either.
        if not gate.passed:
            form.add_error(None, gate.message)
            form.challenge = gate  # the page shows the puzzle and the wait
            status = 429
        else:
            try:
                services.request_data_link(email=email, network=network)
            except RateLimited as refusal:
                form.add_error(None, refusal.message)
                status = 429
            else:
                return redirect("supporters:data_request_sent")
    return render(request, "supporters/data_request.html", {"form": form}, status=status)


@require_GET
def data_request_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "supporters/data_request_sent.html", {"hours": settings.DATA_LINK_MAX_AGE_HOURS}
    )


def with_link(view: Callable) -> Callable:
    """Find the supporter behind the link's code, or answer with a page that says why not.

    The answer is never cached anywhere: it holds personal data.
    """

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, code: str) -> HttpResponse:
        try:
            supporter = services.supporter_for_link(code=code)
        except services.InvalidDataLink as problem:
            return render(
                request,
                "supporters/data_link_failed.html",
                {"expired": problem.expired},
                status=410 if problem.expired else 404,
            )
        return view(request, supporter, code)

    return wrapper


@require_GET
@with_link
def data(request: HttpRequest, supporter: Supporter, code: str) -> HttpResponse:
    """What we hold, in short, with the links to download it all and to erase it."""
    context = {
        "supporter": supporter,
        "code": code,
        "signature_count": supporter.signatures.count(),
        "letter_count": supporter.letters.count(),
        "subscription_count": supporter.update_subscriptions.count(),
        "consent_count": supporter.consents.filter(withdrawn_at__isnull=True).count(),
        "preferences_code": preferences.code_for(supporter),
    }
    return render(request, "supporters/data.html", context)


@require_GET
@with_link
def data_download(request: HttpRequest, supporter: Supporter, code: str) -> HttpResponse:
    """Everything we hold about the supporter, as a JSON file to save."""
    data = services.export_supporter_data(supporter=supporter)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"outcry-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@with_link
def data_erase(request: HttpRequest, supporter: Supporter, code: str) -> HttpResponse:
    """Ask to confirm (GET), then erase (POST, with the CSRF token). Twice is harmless."""
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        services.erase_supporter(supporter_id=supporter.pk)
        return render(request, "supporters/data_erased.html")
    if supporter.is_erased:
        return render(request, "supporters/data_erased.html")
    return render(request, "supporters/data_erase.html", {"code": code})


# --- Email preferences (supporters.preferences) ---------------------------------------------


def with_preferences_link(view: Callable) -> Callable:
    """Read the link's code, or answer with a page that says it does not work. Never cached."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, code: str) -> HttpResponse:
        if request.method not in {"GET", "POST"}:
            return HttpResponseNotAllowed(["GET", "POST"])
        try:
            link = preferences.read_code(code)
        except preferences.InvalidLink:
            return render(request, "supporters/preferences_link_failed.html", status=404)
        return view(request, link, code)

    return wrapper


# One-click unsubscribe (RFC 8058): a mail provider POSTs "List-Unsubscribe=One-Click" with
# no cookie and no CSRF token. Knowing the signed code is what allows it, and it can only
# stop mail, never start it.
@csrf_exempt
@with_preferences_link
def unsubscribe(request: HttpRequest, link: preferences.Link, code: str) -> HttpResponse:
    """Stop one organisation's mail (GET asks, POST does it, at once); or everyone's."""
    everyone = link.organisation is None or request.POST.get("scope") == "all"
    organisation = link.organisation
    context = {
        "code": code,
        "everyone": everyone,
        "organisation_name": organisation.name_in(translation.get_language())
        if organisation
        else "",
    }
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        preferences.withdraw(
            link.supporter,
            None if everyone else [link.organisation],
            via="one-click" if one_click else "link",
        )
        return render(request, "supporters/unsubscribed.html", context)
    return render(request, "supporters/unsubscribe.html", context)


@with_preferences_link
def preferences_page(request: HttpRequest, link: preferences.Link, code: str) -> HttpResponse:
    """The organisations that may write to the supporter and the language they write in."""
    supporter = link.supporter
    if supporter.is_erased or not link.fresh:
        return render(request, "supporters/preferences_old_link.html", {"link": link, "code": code})
    consents = list(preferences.active_consents(supporter))
    organisations = [consent.organisation for consent in consents]
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        language=supporter.language,
    )
    if request.method == "POST" and form.is_valid():
        kept = set(form.cleaned_data["keep"])
        dropped = [org for org in organisations if str(org.pk) not in kept]
        if dropped:
            preferences.withdraw(supporter, dropped, via="page")
        preferences.set_language(supporter, form.cleaned_data["language"])
        with translation.override(supporter.language):
            path = reverse("supporters:preferences", args=[code])
        return redirect(f"{path}?saved=1")
    context = {
        "form": form,
        "link": link,
        "code": code,
        "email": preferences.masked_email(supporter.email),
        "saved": request.method == "GET" and request.GET.get("saved") == "1",
    }
    return render(
        request, "supporters/preferences.html", context, status=400 if form.errors else 200
    )
