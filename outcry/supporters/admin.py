"""Read-only admin for supporters and their consent, scoped by consent.

An organiser sees a supporter only while that supporter's consent to one of
the organiser's organisations is confirmed and not withdrawn
(``Supporter.objects.visible_to``), and of their consents only those given to
the organiser's own organisations. Nothing here is editable: consent is
evidence, changed only by the supporter's own actions.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from outcry.core.admin import ReadOnlyMixin
from outcry.supporters.models import Consent, Supporter


def consents_visible_to(user, queryset: QuerySet[Consent] | None = None) -> QuerySet[Consent]:
    """Narrow *queryset* to consents to the user's organisations by supporters they may see."""
    queryset = Consent.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    return queryset.filter(
        organisation__in=user.organisations.all(),
        supporter__in=Supporter.objects.visible_to(user),
    )


class ConsentInline(ReadOnlyMixin, admin.TabularInline):
    model = Consent
    extra = 0
    fields = ["organisation", "given_at", "confirmed_at", "withdrawn_at", "source", "wording"]
    readonly_fields = fields

    def get_queryset(self, request):
        return consents_visible_to(request.user, super().get_queryset(request)).select_related(
            "organisation"
        )


@admin.register(Supporter)
class SupporterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "email", "country_name", "language", "created_at"]
    list_filter = ["language", "mail_problem"]
    search_fields = ["email", "name"]
    fields = [
        "name",
        "email",
        "country_name",
        "postcode",
        "language",
        "created_at",
        "mail_problem",
        "mail_problem_at",
    ]
    readonly_fields = fields
    inlines = [ConsentInline]

    @admin.display(description=_("country"), ordering="country")
    def country_name(self, obj: Supporter) -> str:
        return obj.country_name

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["supporter_email", "organisation", "given_at", "confirmed_at", "withdrawn_at"]
    list_filter = [
        ("organisation", admin.RelatedOnlyFieldListFilter),
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["supporter__email", "supporter__name"]
    fields = [
        "supporter",
        "organisation",
        "given_at",
        "confirmed_at",
        "withdrawn_at",
        "language",
        "source",
        "wording",
    ]
    readonly_fields = fields
    list_select_related = ["supporter", "organisation"]

    def get_queryset(self, request):
        return consents_visible_to(request.user, super().get_queryset(request))

    @admin.display(description=_("supporter"), ordering="supporter__email")
    def supporter_email(self, obj: Consent) -> str:
        return obj.supporter.email
