"""Template filters for targets: ``{% load targets %}``.

``{{ target|name_in:LANGUAGE_CODE }}`` shows a target's name in the page's
language where an organiser gave one, else its own name. ``name_html`` does the
same in HTML, marking its own name ``<span lang="en">`` on a page in another
language, so that a screen reader reads it in English. For a list, fetch the
names with the targets (``Target.objects.with_names()`` or
``prefetch_names(targets)``) so that each row asks no query of its own.
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from outcry.directory.models import NAME_LANGUAGE, Target

register = template.Library()


@register.filter
def name_in(target: Target | None, language: str) -> str:
    if target is None or target == "":
        return ""
    return target.name_in(language)


@register.filter
def name_html(target: Target | None, language: str) -> SafeString:
    if target is None or target == "":
        return SafeString("")
    if own := target.own_name_in(language):
        return conditional_escape(own)
    if (language or "").lower().split("-")[0] == NAME_LANGUAGE:
        return conditional_escape(target.name)
    return format_html('<span lang="{}">{}</span>', NAME_LANGUAGE, target.name)


@register.filter
def role_in(target: Target | None, language: str) -> str:
    if target is None or target == "":
        return ""
    return target.role_in(language)
