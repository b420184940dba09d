"""A letter action's offices in the public directory, each with "write to this office".

The directory's own pages (directory/views.py), limited to the action's list and
its sending state, under /letters/<slug>/directory/. The link opens the composer
with the office preselected (?office=<pk>, carried through the steps).
"""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from outcry.directory import views as directory
from outcry.directory.models import Target
from outcry.letters import channels, services
from outcry.letters.models import LetterAction
from outcry.letters.views import action_or_404


def _scope(action: LetterAction) -> directory.Scope:
    codes = channels.offered(action)
    open_to_writing = action.is_open and action.campaign.is_open
    compose = reverse("letters:compose", args=[action.slug])

    def write_url(target: Target) -> str:
        if not open_to_writing or target.is_closed:
            return ""
        if not services.reachable_codes(target, codes):
            return ""
        return f"{compose}?office={target.pk}"

    return directory.Scope(
        prefix="letters:offices_",
        args=(action.slug,),
        target_list=action.target_list,
        represents=action.represents,
        write_url=write_url,
        context={"action": action, "campaign": action.campaign},
    )


def states(request: HttpRequest, slug: str) -> HttpResponse:
    """The action's sending state's host countries (one state per action)."""
    action = action_or_404(slug)
    if action.represents:
        return directory.state(request, action.represents.lower(), scope=_scope(action))
    return directory.states(request, scope=_scope(action))


def state(request: HttpRequest, slug: str, state: str) -> HttpResponse:
    return directory.state(request, state, scope=_scope(action_or_404(slug)))


def country(request: HttpRequest, slug: str, state: str, country: str) -> HttpResponse:
    return directory.country(request, state, country, scope=_scope(action_or_404(slug)))


def office(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return directory.mission(request, pk, scope=_scope(action_or_404(slug)))
