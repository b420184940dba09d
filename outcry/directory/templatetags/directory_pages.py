"""Template filters of the public directory: ``{% load directory_pages %}``."""

from django import template

from outcry.directory.phones import for_people

register = template.Library()


@register.filter
def phone(number: str) -> str:
    """{{ channel.value|phone }}: an E.164 number written for people (+82 2-738-1038)."""
    return for_people(number)
