from django import template

from outcry.directory.models import Target
from outcry.directory.naming import office_name as name_of
from outcry.directory.phones import for_people

register = template.Library()


@register.filter
def office_name(target: Target) -> str:
    """{{ target|office_name }}: the office's name in the page's language."""
    return name_of(target)


@register.filter
def phone(number: str) -> str:
    """{{ channel.value|phone }}: an E.164 number written for people (+82 2-738-1038)."""
    return for_people(number)
