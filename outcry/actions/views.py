"""The one confirmation link of every kind of action (see actions.confirmation)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from outcry.actions.confirmation import Changed, InvalidConfirmation, kind_of
from outcry.core.views import private
from outcry.supporters.services import fill_in


@require_http_methods(["GET", "POST"])
@private
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """The emailed link: its kind's page with a button (GET), then confirm (POST).

    Opening the link confirms nothing: mail scanners and link previews open
    links on their own, and someone who typed a stranger's address must not see
    that stranger's inbox confirm for them. Pressing twice is harmless. A kind
    that reads the pressed form confirms what its page showed, or shows it
    again (409) when that changed meanwhile. The page learns whether this very
    press confirmed (*confirmed*): only that press of a live link may leave
    anything in the browser, never opening a used, expired or outdated one.
    """
    kind = kind_of(code)
    if kind is None:
        return render(request, "actions/confirm_failed.html", {"expired": False}, status=404)
    pressed = request.method == "POST"
    confirmed = False
    try:
        if pressed and kind.reads_form:
            row, confirmed = kind.confirm(code=code, form=request.POST)
        elif pressed:
            row, confirmed = kind.confirm(code=code)
        else:
            row = kind.find(code=code)
    except InvalidConfirmation as problem:
        return render(
            request,
            kind.failed_template,
            {"expired": problem.expired, "outdated": problem.outdated},
            status=410 if problem.expired or problem.outdated else 404,
        )
    except Changed as changed:
        response = kind.page(request, changed.row, code=code, pressed=False, changed=True)
        response.status_code = 409
        return response
    if confirmed and kind.details is not None:
        details = kind.details(row)
        if details.get("language") != get_language():
            # The row's language may be a stranger's: a newer form in another language
            # with the same words leaves a link valid. A kind that takes the language
            # of the page pressed on (petitions.services.confirm_signature) passes here.
            details.pop("language", None)
        fill_in(row.supporter, **details)
    return kind.page(request, row, code=code, pressed=pressed, confirmed=confirmed)
