"""The admin login form: the password (throttled), then a second factor when one is set up."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from outcry.core.accounts import services
from outcry.core.accounts.throttle import password_check_slot


class OrganiserLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("Code"),
        required=False,
        max_length=32,
        help_text=_(
            "Only if you have turned on two-factor sign-in: the six digits your "
            "authenticator app shows, or one of your backup codes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "busy": _("Too many people are signing in right now. Please try again in a few seconds."),
        "code_required": _(
            "Two-factor sign-in is on for this account: enter the code your authenticator "
            "app shows, or one of your backup codes."
        ),
        "code_wrong": _(
            "That code is not right. Enter the code your authenticator app shows now, "
            "or one of your backup codes."
        ),
    }

    def clean_username(self) -> str:
        # Django sets the field's max_length but checks nothing; django-axes
        # records a failed username in a column of 255 characters, and on
        # PostgreSQL a longer one was a 500. No account has such a name.
        username = self.cleaned_data["username"]
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return username

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            # Hashing a password takes a core for a good part of a second: with
            # no slot free the attempt is refused before hashing, and not counted
            # as a failure (the person may well have typed the right password).
            with password_check_slot() as free:
                if not free:
                    raise ValidationError(self.error_messages["busy"], code="busy")
                super().clean()
        if self.user_cache is not None:
            self.check_second_factor(self.user_cache)
        return self.cleaned_data

    def check_second_factor(self, user) -> None:
        if not services.has_second_factor(user):
            return
        code = self.cleaned_data.get("otp_token", "")
        if not code:
            self.user_cache = None
            raise ValidationError(self.error_messages["code_required"], code="code_required")
        device = services.verify_second_factor(user=user, code=code)
        if device is None:
            self.user_cache = None
            # A wrong code counts towards the lockout like a wrong password, or
            # someone who has the password could try codes without end.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
            raise ValidationError(self.error_messages["code_wrong"], code="code_wrong")
        # django_otp's user_logged_in receiver marks the session verified by this device.
        user.otp_device = device


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
