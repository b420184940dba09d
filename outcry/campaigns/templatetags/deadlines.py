"""How long is left before a deadline, worded as the page's script words it (site.js)."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def time_left(deadline: datetime | None) -> str:
    """ "10 days 2 hours", "5 hours 30 minutes", "0 minutes": days and hours, or hours and
    minutes in the last day.

    The same words site.js writes every 30 seconds (Intl.NumberFormat's long units), so
    the text does not change, nor the line move, when the script first runs.
    """
    if deadline is None:
        return ""
    seconds = max(0, int((deadline - timezone.now()).total_seconds()))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        parts = [
            ngettext("%(n)s day", "%(n)s days", days) % {"n": days},
            ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours},
        ]
    else:
        parts = [
            ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours},
            ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes},
        ]
    return " ".join(parts)
