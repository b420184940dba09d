"""Template helpers for every page and email: the way to a supporter's own data."""

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.simple_tag
def your_data_url() -> str:
    """The full address of the "your data" page in the active language (for emails)."""
    return f"{settings.BASE_URL}{reverse('supporters:data_request')}"
