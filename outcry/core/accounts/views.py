"""The two-factor page in the admin, and the answer to a locked-out sign-in."""

import segno
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from outcry.core.accounts import services
from outcry.core.accounts.forms import CodeForm


@sensitive_post_parameters("code")
def two_factor(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """Set up an authenticator app, or see and renew backup codes once it is set up."""
    user = request.user
    context = {**site.each_context(request), "title": gettext("Two-factor sign-in")}
    if services.has_second_factor(user):
        if request.method == "POST" and "new_codes" in request.POST:
            codes = services.replace_backup_codes(user=user)
            messages.success(request, gettext("Your old backup codes no longer work."))
            return render(request, "accounts/backup_codes.html", {**context, "codes": codes})
        context["codes_left"] = services.backup_codes_left(user)
        return render(request, "accounts/two_factor.html", context)

    device = services.start_enrolment(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_enrolment(device=device, code=form.cleaned_data["code"])
        except services.CodeRefused:
            form.add_error(
                "code",
                gettext(
                    "That code does not match. Check the app shows outcry and type the "
                    "code it shows now."
                ),
            )
        else:
            # This session has just proven the app: it stays signed in.
            otp_login(request, device)
            messages.success(request, gettext("Two-factor sign-in is on."))
            return render(request, "accounts/backup_codes.html", {**context, "codes": codes})
    qr = segno.make(device.config_url, error="m")
    context |= {
        "form": form,
        "qr_data_uri": qr.svg_data_uri(scale=4, border=2),
        "secret": services.secret_text(device),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) once a username or network is locked out."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    message = ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    context = {
        **admin.site.each_context(request),
        "title": gettext("Sign-in paused"),
        "message": message,
    }
    return render(request, "accounts/locked_out.html", context, status=429)
