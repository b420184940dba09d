"""Public pages of the target directory: reporting an outdated address."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from outcry.core.forms import body_is_unreadable
from outcry.core.ratelimit import is_limited, network_key
from outcry.directory import services
from outcry.directory.forms import AddressReportForm
from outcry.directory.models import Target


def report_address(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the report form for one target (GET) and take a report (POST).

    Works without JavaScript; rate-limited per network; keeps nothing about
    the reporter.
    """
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    target = get_object_or_404(Target, pk=pk)
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
