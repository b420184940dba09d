"""Form fields render through Jinja2 where Django ships its templates for it, and through
Django's engine where only that has them (the admin's widgets)."""

import html
import re

import pytest
from django.contrib.admin.widgets import AdminDateWidget
from django.forms.renderers import get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template
from django.utils import translation

from outcry.core.countries import country_choices
from outcry.petitions.forms import SignForm
from outcry.testing import make_campaign


def test_django_s_own_field_templates_come_from_jinja2_and_the_admin_s_from_django():
    renderer = get_default_renderer()
    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
    assert isinstance(renderer.get_template("admin/widgets/date.html"), DjangoTemplate)
    assert 'class="vDateField"' in AdminDateWidget().render("day", "2012-02-14")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_country_list_keeps_every_country_and_the_choice_made(db, language):
    campaign = make_campaign()
    with translation.override(language):
        form = SignForm(data={"country": "KP"}, campaign=campaign, auto_id="p1-%s")
        field = str(form["country"])
        expected = country_choices(language)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', field)
    assert len(options) == len(expected) + 1  # and the empty choice first
    assert [value for value, _selected, _name in options[1:]] == [code for code, _ in expected]
    assert [(value, html.unescape(name)) for value, _selected, name in options[1:]] == expected
    assert [value for value, selected, _name in options if selected] == ["KP"]
    assert 'autocomplete="country"' in field and 'id="p1-country"' in field
    if language == "en":  # "Bosnia & Herzegovina": escaped, and read back as it is
        assert "Bosnia &amp; Herzegovina" in field
