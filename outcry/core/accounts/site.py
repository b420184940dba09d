"""The admin site: asks enrolled organisers for their second factor, offers enrolment."""

from functools import wraps

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext

from outcry.core.accounts import services, views
from outcry.core.accounts.forms import OrganiserLoginForm

# Pages someone who must still set up two-factor sign-in may open.
OPEN_BEFORE_ENROLMENT = {"two_factor", "logout", "password_change", "password_change_done"}


class OrganiserAdminSite(admin.AdminSite):
    login_form = OrganiserLoginForm
    login_template = "accounts/login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff, and verified by a second factor if they have set one up.

        A session signed in with the password alone (before the organiser turned
        two-factor on from another browser, say) is sent back to the login form.
        """
        if not super().has_permission(request):
            return False
        if not hasattr(request, "_outcry_second_factor_ok"):
            user = request.user
            request._outcry_second_factor_ok = user.is_verified() or not services.has_second_factor(
                user
            )
        return request._outcry_second_factor_ok

    def must_enrol(self, request: HttpRequest) -> bool:
        return (
            settings.ADMIN_REQUIRE_2FA
            and self.has_permission(request)
            and not services.has_second_factor(request.user)
        )

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def wrapper(request, *args, **kwargs):
            match = request.resolver_match
            if (
                settings.ADMIN_REQUIRE_2FA
                and (match is None or match.url_name not in OPEN_BEFORE_ENROLMENT)
                and self.must_enrol(request)
            ):
                messages.warning(
                    request,
                    gettext("Set up two-factor sign-in before you continue: it is required here."),
                )
                return redirect("admin:two_factor")
            return inner(request, *args, **kwargs)

        return wrapper

    def get_urls(self):
        return [
            path("two-factor/", self.admin_view(self.two_factor_view), name="two_factor"),
            *super().get_urls(),
        ]

    def two_factor_view(self, request: HttpRequest):
        return views.two_factor(request, site=self)
