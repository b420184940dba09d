"""The one confirmation link of every kind of action (see actions.confirmation)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from outcry.actions.confirmation import InvalidConfirmation, kind_of
from outcry.core.views import private


@require_http_methods(["GET", "POST"])
@private
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """The emailed link: its kind's page with a button (GET), then confirm (POST).

    Opening the link confirms nothing: mail scanners and link previews open
    links on their own, and someone who typed a stranger's address must not see
    that stranger's inbox confirm for them. Pressing twice is harmless.
    """
    kind = kind_of(code)
    if kind is None:
        return render(request, "actions/confirm_failed.html", {"expired": False}, status=404)
    pressed = request.method == "POST"
    try:
        if pressed:
            row, _confirmed = kind.confirm(code=code)
        else:
            row = kind.find(code=code)
    except InvalidConfirmation as problem:
        return render(
            request,
            kind.failed_template,
            {"expired": problem.expired},
            status=410 if problem.expired else 404,
        )
    return kind.page(request, row, code=code, pressed=pressed)
