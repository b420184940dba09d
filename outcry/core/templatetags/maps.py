"""The plain map (core/worldmap.py) in templates: `{% world_map points title=… %}`."""

from django import template
from django.utils.safestring import SafeString

from outcry.core.worldmap import world_map as draw_world_map

register = template.Library()


@register.simple_tag
def world_map(points, title: str, fit: bool = False) -> SafeString:
    """Inline SVG of the land with *points* (anything with .latitude and .longitude) marked.

    `fit=True` frames the points instead of the whole world.
    """
    return draw_world_map(points or (), title=title, fit=fit)
