"""How forms render their fields: Django's own form templates, through Jinja2.

Django ships every template of its forms and widgets twice, for its own
template engine and for Jinja2, and renders them to the same markup (only an
apostrophe is escaped otherwise: ``&#39;`` against ``&#x27;``). Jinja2 renders them
several times faster, which matters for the longest field on the public pages:
the country list, 250 options. Measured in-process on this project's pages:

- the country list alone: 10.8 ms with Django's engine, 3.8 ms with Jinja2;
- the letter composer (uncached: it carries what the signer typed): 35 ms, 9 ms;
- a sign form sent back with a mistake (the campaign page again): 73 ms, 44 ms.

A template that only exists for Django's engine (the admin's own widgets, which
extend Django's) is rendered by it, as before.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    """FORM_RENDERER: Jinja2 for the templates Django ships for it, else Django's engine."""

    def __init__(self) -> None:
        # One of each per process (Django keeps the FORM_RENDERER it made): each
        # holds its engine, whose compiled templates are kept.
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name: str):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
