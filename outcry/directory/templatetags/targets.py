"""Template filters for targets: ``{% load targets %}``.

``{{ target|name_in:LANGUAGE_CODE }}`` shows a target's name in the page's
language where an organiser gave one, else its own name. For a list, fetch the
names with the targets (``Target.objects.with_names()`` or
``prefetch_names(targets)``) so that each row asks no query of its own.
"""

from django import template

from outcry.directory.models import Target

register = template.Library()


@register.filter
def name_in(target: Target | None, language: str) -> str:
    if target is None or target == "":
        return ""
    return target.name_in(language)


@register.filter
def role_in(target: Target | None, language: str) -> str:
    if target is None or target == "":
        return ""
    return target.role_in(language)
