"""The guided "new campaign" flow: one page per step, then a preview and publishing.

Every page needs the admin's sign-in (urls.py) and membership of an organisation.
An organiser sees and changes only the campaigns their organisations lead
(``_led``), previews those they lead or partner in (``_visible``), and anything
else is a 404, whatever id is typed. Steps change drafts only: a published
campaign's steps lead to its review page, with "View on site" and the admin.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from outcry.actions import nextstep
from outcry.actions.campaign_page import CSRF_PLACEHOLDER, language_links, page_html
from outcry.campaigns import checklist
from outcry.campaigns.models import Campaign
from outcry.campaigns.services import PartnershipRefused
from outcry.core.forms import body_is_unreadable
from outcry.organise import services
from outcry.organise.forms import LetterForm, PartnersForm, PetitionForm, StoryForm

# The steps, in order: (URL name, title). Review is the last.
STEPS = [
    ("story", translation.gettext_lazy("Story and languages")),
    ("petition", translation.gettext_lazy("Petition")),
    ("letter", translation.gettext_lazy("Letter")),
    ("partners", translation.gettext_lazy("Partners")),
    ("review", translation.gettext_lazy("Review and publish")),
]


def _organisations(request: HttpRequest):
    organisations = request.user.organisations.all()
    if not organisations.exists():
        raise PermissionDenied(gettext("Only organisers of an organisation start campaigns here."))
    return organisations


def _led(request: HttpRequest, pk: int) -> Campaign:
    """A campaign one of the organiser's organisations leads; else 404."""
    return get_object_or_404(
        Campaign.objects.filter(lead_organisation__in=_organisations(request)), pk=pk
    )


def _visible(request: HttpRequest, pk: int) -> Campaign:
    """A campaign one of the organiser's organisations leads or partners in; else 404."""
    organisations = _organisations(request)
    campaigns = Campaign.objects.filter(
        Q(lead_organisation__in=organisations) | Q(partners__in=organisations)
    ).distinct()
    return get_object_or_404(campaigns, pk=pk)


def _steps(campaign: Campaign | None, current: str) -> list[dict]:
    return [
        {
            "name": name,
            "title": title,
            "number": number,
            "url": reverse(f"organise:{name}", args=[campaign.pk]) if campaign else "",
            "current": name == current,
        }
        for number, (name, title) in enumerate(STEPS, start=1)
    ]


def _after(request: HttpRequest, campaign: Campaign, step: str) -> HttpResponse:
    """Where "Back" or "Next" leads from *step*: the step before or after it."""
    names = [name for name, _title in STEPS]
    index = names.index(step) + (-1 if request.POST.get("go") == "back" else 1)
    name = names[max(0, min(index, len(names) - 1))]
    return redirect("organise:" + name, pk=campaign.pk)


def _page(request, campaign, step: str, form, status: int = 200, **context) -> HttpResponse:
    return render(
        request,
        f"organise/step_{step}.html",
        {
            "campaign": campaign,
            "form": form,
            "steps": _steps(campaign, step),
            "step": step,
            "language_links": language_links(
                f"organise:{step}" if campaign else "organise:new",
                [campaign.pk] if campaign else [],
            ),
            **context,
        },
        status=status,
    )


def _unreadable(form: forms.Form) -> None:
    form.add_error(
        None, gettext("Your form arrived with characters we could not read. Please type it again.")
    )


def _saved_or_errors(form: forms.Form, save) -> bool:
    """Run *save*; put what the models refuse on the form. True when it saved."""
    try:
        save()
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return False
    except PartnershipRefused as refusal:
        form.add_error(None, str(refusal))
        return False
    except IntegrityError:
        # Two saves raced for one slug or one text per language; nothing was written.
        form.add_error(
            None, gettext("This was saved at the same moment elsewhere. Please try again.")
        )
        return False
    return True


def index(request: HttpRequest) -> HttpResponse:
    """The organiser's campaigns: drafts to go on with, published ones to view."""
    campaigns = (
        Campaign.objects.filter(lead_organisation__in=_organisations(request))
        .select_related("lead_organisation")
        .prefetch_related("texts")
        .order_by("-created_at")
    )
    return render(
        request,
        "organise/index.html",
        {"campaigns": campaigns, "language_links": language_links("organise:index", [])},
    )


def _draft_or_review(request: HttpRequest, pk: int) -> Campaign | HttpResponse:
    campaign = _led(request, pk)
    if campaign.status != Campaign.Status.DRAFT:
        return redirect("organise:review", pk=campaign.pk)
    return campaign


@require_http_methods(["GET", "POST"])
def story(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Step 1: languages, title, summary and story in each, deadline, time zone, goal."""
    campaign = None
    if pk is not None:
        campaign = _draft_or_review(request, pk)
        if isinstance(campaign, HttpResponse):
            return campaign
    else:
        _organisations(request)
    data = request.POST if request.method == "POST" else None
    form = StoryForm(data, user=request.user, campaign=campaign)
    if data is not None:
        if body_is_unreadable(request):
            _unreadable(form)
        elif form.is_valid():
            languages = form.ordered_languages()
            saved = {}

            def save() -> None:
                saved["campaign"] = services.save_story(
                    campaign=campaign,
                    lead=form.cleaned_data["lead"] or campaign.lead_organisation,
                    languages=languages,
                    texts=form.texts(languages),
                    deadline_at=form.cleaned_data["deadline_at"],
                    time_zone=form.cleaned_data["time_zone"],
                    goal=form.cleaned_data["goal"],
                )

            if _saved_or_errors(form, save):
                return _after(request, saved["campaign"], "story")
        return _page(request, campaign, "story", form, status=400)
    return _page(request, campaign, "story", form)


@require_http_methods(["GET", "POST"])
def petition(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: the petition's title, addressee and text in each language."""
    campaign = _draft_or_review(request, pk)
    if isinstance(campaign, HttpResponse):
        return campaign
    data = request.POST if request.method == "POST" else None
    form = PetitionForm(data, campaign=campaign)
    if data is not None:
        if body_is_unreadable(request):
            _unreadable(form)
        elif form.is_valid() and _saved_or_errors(
            form,
            lambda: services.save_petition(
                campaign=campaign, texts=form.texts(campaign.language_codes)
            ),
        ):
            return _after(request, campaign, "petition")
        return _page(request, campaign, "petition", form, status=400)
    return _page(request, campaign, "petition", form)


@require_http_methods(["GET", "POST"])
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: the letter's sending state, targets, channels, sender and words per language."""
    campaign = _draft_or_review(request, pk)
    if isinstance(campaign, HttpResponse):
        return campaign
    data = request.POST if request.method == "POST" else None
    form = LetterForm(data, campaign=campaign, user=request.user)
    if data is not None:
        if body_is_unreadable(request):
            _unreadable(form)
        elif form.is_valid() and _saved_or_errors(
            form,
            lambda: services.save_letter(
                campaign=campaign,
                target_list=form.cleaned_data["target_list"],
                selection=form.cleaned_data["selection"],
                represents=form.cleaned_data["represents"],
                channels=form.cleaned_data["channels"],
                sender_email=form.cleaned_data["sender_email"],
                templates=form.texts(campaign.language_codes),
            ),
        ):
            return _after(request, campaign, "letter")
        return _page(request, campaign, "letter", form, status=400)
    return _page(request, campaign, "letter", form)


@require_http_methods(["GET", "POST"])
def partners(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 4: invite partner organisations (they join when they accept)."""
    campaign = _draft_or_review(request, pk)
    if isinstance(campaign, HttpResponse):
        return campaign
    invitations = services.partner_invitations(campaign)
    data = request.POST if request.method == "POST" else None
    form = PartnersForm(
        data, campaign=campaign, invited=[inv.organisation_id for inv in invitations]
    )
    if data is not None:
        if form.is_valid() and _saved_or_errors(
            form,
            lambda: services.set_partners(
                campaign=campaign, organisations=form.cleaned_data["partners"], user=request.user
            ),
        ):
            return _after(request, campaign, "partners")
        return _page(request, campaign, "partners", form, status=400, invitations=invitations)
    return _page(request, campaign, "partners", form, invitations=invitations)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 5: the checklist, previews in each language, and publishing."""
    campaign = _led(request, pk)
    problems, status = [], 200
    if request.method == "POST" and campaign.status == Campaign.Status.DRAFT:
        try:
            campaign = services.publish(campaign=campaign, user=request.user)
        except checklist.NotReady as refusal:
            problems, status = refusal.problems, 400
        except services.NotADraft:
            campaign.refresh_from_db()
        else:
            return redirect("organise:review", pk=campaign.pk)
    if campaign.status == Campaign.Status.DRAFT and not problems:
        problems = checklist.problems(campaign)
    previews = []
    for code in campaign.language_codes:
        with translation.override(code if code in dict(_interface_languages()) else None):
            previews.append(
                {
                    "code": code,
                    "name": checklist.language_name(code),
                    "preview": reverse("organise:preview", args=[campaign.pk]),
                    "public": campaign.get_absolute_url(),
                }
            )
    return _page(
        request,
        campaign,
        "review",
        None,
        status=status,
        problems=problems,
        previews=previews,
        text=campaign.text_for(translation.get_language()),
        admin_url=reverse("admin:campaigns_campaign_change", args=[campaign.pk]),
        is_draft=campaign.status == Campaign.Status.DRAFT,
    )


def _interface_languages() -> list[tuple[str, str]]:
    return settings.LANGUAGES


# Where the preview's banner and its robots line go into the public page's HTML.
BODY_OPENS = re.compile(r"<body[^>]*>")
FIELD_OPENS = re.compile(r"<(input|button|select|textarea)\b(?![^>]*type=\"hidden\")")


@require_http_methods(["GET"])
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's public page as it will look, in this URL's language, for its organisers.

    The lead's and the partners' organisers see it (others: 404), draft or not. The
    page is rendered as if the campaign were live (sections only a live campaign
    shows, such as the letter, are there), with a "Preview — not public" banner, its
    forms made inert and disabled, never cached (the admin's pages send no-store)
    and kept out of search engines.
    """
    campaign = _visible(request, pk)
    campaign = (
        Campaign.objects.select_related("lead_organisation")
        .prefetch_related("texts", "partners__names", "lead_organisation__names")
        .prefetch_related(*nextstep.campaign_prefetch())
        .get(pk=campaign.pk)
    )
    was_draft = campaign.status == Campaign.Status.DRAFT
    # In memory only, never saved: the page shows what supporters will see once it is live.
    campaign.status = Campaign.Status.ACTIVE
    html = page_html(campaign).replace(CSRF_PLACEHOLDER, "")
    banner = render_to_string(
        "organise/_preview_banner.html",
        {
            "campaign": campaign,
            "was_draft": was_draft,
            "links": language_links("organise:preview", [campaign.pk]),
            "review_url": reverse("organise:review", args=[campaign.pk]),
            "is_lead": campaign.lead_organisation in request.user.organisations.all(),
        },
        request=request,
    )
    head = render_to_string("organise/_preview_head.html", request=request)
    html = html.replace("</head>", head + "</head>", 1)
    html = BODY_OPENS.sub(lambda match: match.group(0) + banner, html, count=1)
    html = html.replace("<form ", "<form inert ")
    html = FIELD_OPENS.sub(lambda match: match.group(0) + " disabled", html)
    response = HttpResponse(html)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
