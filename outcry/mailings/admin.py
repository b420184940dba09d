"""Mailings in the admin: write, review (count and preview per language), test, send once.

An organiser sees and writes only their organisations' mailings; a mailing goes
out under one of their organisations and only to supporters who consented to it.
Once sent it is read-only for everyone.
"""

import smtplib

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outcry.campaigns.models import Campaign, Organisation
from outcry.core.text import render_markdown
from outcry.mailings import emails, services
from outcry.mailings.forms import MailingForm
from outcry.mailings.models import Mailing, MailingText


class MailingTextInline(admin.StackedInline):
    model = MailingText
    extra = 1
    min_num = 1
    fields = ["language", "subject", "body"]

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or obj.status == Mailing.Status.DRAFT

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or obj.status == Mailing.Status.DRAFT

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or obj.status == Mailing.Status.DRAFT


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    form = MailingForm
    inlines = [MailingTextInline]
    list_display = [
        "__str__",
        "organisation",
        "campaign",
        "status",
        "recipient_count",
        "started_at",
    ]
    list_filter = ["status"]
    fields = ["organisation", "campaign", "audience", "languages", "countries"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("organisation", "campaign")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organisation__in=request.user.organisations.all())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.name == "organisation":
                kwargs["queryset"] = request.user.organisations.all()
            elif db_field.name == "campaign":
                kwargs["queryset"] = Campaign.objects.for_user(request.user)
        if db_field.name == "organisation" and request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, *self.get_readonly_fields(request, obj)]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        extra = ["status", "review_link", "recipient_count", "started_at", "delivery"]
        if obj.status != Mailing.Status.DRAFT:
            return [*self.fields, *extra]
        return extra

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == Mailing.Status.DRAFT)

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == Mailing.Status.DRAFT)

    def save_model(self, request, obj: Mailing, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("review and send"))
    def review_link(self, obj: Mailing) -> str:
        if obj.status != Mailing.Status.DRAFT:
            return "—"
        url = reverse("admin:mailings_mailing_review", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("Count the recipients, preview, test, send")
        )

    @admin.display(description=gettext_lazy("delivery"))
    def delivery(self, obj: Mailing) -> str:
        counts = services.progress(obj)
        if not counts:
            return "—"
        return ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [
            path("<int:pk>/review/", review, name="mailings_mailing_review"),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Recipients per language and a preview of each text; POST "test" or "send"."""
        mailing = self.get_queryset(request).filter(pk=pk).first()
        if mailing is None:
            raise Http404
        if not self.has_change_permission(request, mailing):
            if mailing.status != Mailing.Status.DRAFT:
                messages.info(request, _("This mailing was sent already; it is never sent twice."))
                return redirect("admin:mailings_mailing_change", mailing.pk)
            raise PermissionDenied
        change_url = reverse("admin:mailings_mailing_change", args=[mailing.pk])
        if not services.takes_part(mailing):
            messages.error(request, services.NOT_IN_CAMPAIGN)
            return redirect(change_url)
        if request.method == "POST":
            if request.POST.get("do") == "test":
                if not request.user.email:
                    messages.error(
                        request, _("Your account has no email address to send the test to.")
                    )
                else:
                    try:
                        sent = emails.send_test(mailing, to=request.user.email)
                    except (smtplib.SMTPException, OSError):
                        messages.error(
                            request,
                            _(
                                "The test could not be sent: the mail server did not take it."
                                " Try again in a minute. No supporter was sent anything."
                            ),
                        )
                    else:
                        messages.success(
                            request,
                            _("%(n)s test message(s) sent to %(email)s.")
                            % {"n": sent, "email": request.user.email},
                        )
                return redirect("admin:mailings_mailing_review", mailing.pk)
            if request.POST.get("do") == "send":
                try:
                    count = services.start(mailing, user=request.user)
                except services.CannotStart as refusal:
                    messages.error(request, refusal.message)
                    return redirect("admin:mailings_mailing_review", mailing.pk)
                messages.success(
                    request,
                    _("The mailing is on its way to %(n)s supporters.") % {"n": f"{count:,}"},
                )
                return redirect(change_url)
        texts = list(mailing.texts.all())
        by_language = services.count_by_language(mailing)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Review and send"),
            "mailing": mailing,
            "change_url": change_url,
            "total": sum(by_language.values()),
            "previews": [
                {
                    "text": text,
                    "count": by_language.get(text.language, 0),
                    "html": render_markdown(text.body),
                }
                for text in texts
            ],
            "from_header": services.from_header(mailing),
        }
        return TemplateResponse(request, "admin/mailings/mailing/review.html", context)
